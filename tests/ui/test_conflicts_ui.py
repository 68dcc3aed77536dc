"""AppTest of the scene page's conflict notice (issue 14 item 3): a decision made against a
version someone else changed since is not applied; the page says who changed what and offers
"Keep theirs" or "Replace with mine"."""

import pytest

from stage8.db.finders import find_instance
from stage8.decisions.attempts import list_attempts, select_attempt, set_pinned
from stage8.decisions.events import instance_events
from stage8.ui import state as keys
from tests.ui.helpers import page_text, shown


@pytest.fixture
def mara(ui_desk):
    with ui_desk.tx() as s:
        return find_instance(s, None, 1, "Mara").id


def _attempt(desk, iid, number):
    return next(a for a in list_attempts(desk, iid) if a.attempt_number == number)


def _selected(desk, iid) -> list[int]:
    return [a.attempt_number for a in list_attempts(desk, iid) if a.selected]


def _events(desk, iid, n):
    with desk.read() as s:
        return instance_events(s, iid, n)


def _titles(at) -> list[str]:
    return [shown(m.value) for m in at.markdown if shown(m.value).startswith("**Attempt #")]


def _notice(at) -> list[str]:
    return [shown(w.value) for w in at.warning if "was not applied" in shown(w.value)]


def _ana_selects_3_while_i_look_at_2(app, desk, mara):
    at = app(scene=1, asset="Mara").run()  # the full panel
    at.button(key=keys.carousel_next(keys.attempts_carousel(mara))).click().run()
    assert _titles(at)[0].startswith("**Attempt #2**")
    select_attempt(desk, _attempt(desk, mara, 3).id, actor="ana")  # another reviewer, elsewhere
    at.button(key=keys.select_button(mara)).click().run()
    assert not at.exception
    return at


def test_a_stale_selection_is_not_applied_and_says_who_won(app, ui_desk, mara):
    at = _ana_selects_3_while_i_look_at_2(app, ui_desk, mara)
    assert _selected(ui_desk, mara) == [3]
    (notice,) = _notice(at)
    assert notice.startswith("ana selected #3 at ")
    assert "your selection of attempt #2 was not applied" in notice
    # The panel reloaded: it shows ana's choice as the selected one, no stale badge on #2.
    title = _titles(at)[0]  # Mara, the first panel
    assert title.startswith("**Attempt #3**") and "Selected" in title
    assert at.button(key=keys.conflict_keep(mara)).label == "Keep theirs"
    assert at.button(key=keys.conflict_replace(mara)).label == "Replace with mine"


def test_keep_theirs_drops_my_decision(app, ui_desk, mara):
    at = _ana_selects_3_while_i_look_at_2(app, ui_desk, mara)
    at.button(key=keys.conflict_keep(mara)).click().run()
    assert not at.exception
    assert not _notice(at)
    assert _selected(ui_desk, mara) == [3]
    assert [e.actor for e in _events(ui_desk, mara, 1)] == ["ana"]
    assert "Selected" in _titles(at)[0] and _titles(at)[0].startswith("**Attempt #3**")


def test_replace_with_mine_decides_again_against_the_version_that_won(app, ui_desk, mara):
    at = _ana_selects_3_while_i_look_at_2(app, ui_desk, mara)
    at.button(key=keys.conflict_replace(mara)).click().run()
    assert not at.exception
    assert not _notice(at)
    assert _selected(ui_desk, mara) == [2]
    newest, before = _events(ui_desk, mara, 2)
    assert (newest.actor, newest.kind, before.actor) == ("apptest", "select", "ana")
    assert newest.after["version_checked"] is True
    assert newest.after["version"] == before.after["version"] + 1
    assert any("Attempt #2 selected" in shown(t.value) for t in at.toast)
    assert _titles(at)[0].startswith("**Attempt #2**") and "Selected" in _titles(at)[0]
    # My selection went through this time: the "Why?" bar asks for its reason.
    assert "Why this selection?" in page_text(at)


def test_replace_with_mine_can_meet_a_newer_conflict(app, ui_desk, mara):
    at = _ana_selects_3_while_i_look_at_2(app, ui_desk, mara)
    select_attempt(ui_desk, _attempt(ui_desk, mara, 1).id, actor="bo")  # while I was choosing
    at.button(key=keys.conflict_replace(mara)).click().run()
    assert _selected(ui_desk, mara) == [1]
    (notice,) = _notice(at)
    assert notice.startswith("bo selected #1 at ")


def test_bulk_as_is_skips_and_reports_an_asset_changed_by_someone_else(app, ui_desk):
    with ui_desk.tx() as s:
        ids = {n: find_instance(s, None, 2, n).id for n in ("Mara", "Logbook")}
    at = app(scene=2).run()
    at.multiselect(key=next(k for k in _keys(at) if k.startswith(keys.BULK_ASSETS))).set_value(
        ["Mara", "Logbook"]
    ).run()
    logbook = list_attempts(ui_desk, ids["Logbook"])[0]
    set_pinned(ui_desk, logbook.id, True, actor="ana")  # after the page showed Logbook
    at.button(key=next(k for k in _keys(at) if k.startswith(keys.BULK_AS_IS))).click().run()
    assert not at.exception
    report = at.dataframe[0].value
    rows = {r["asset"]: r for r in report.to_dict("records")}
    assert rows["Logbook"]["result"] == "skipped: changed by someone else"
    assert rows["Logbook"]["detail"].startswith(f"ana pinned #{logbook.attempt_number} at ")
    assert rows["Mara"]["result"] in ("applied", "already as-is")


def _keys(at) -> list[str]:
    return [w.key for w in (*at.multiselect, *at.button) if w.key]
