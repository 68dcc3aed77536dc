"""AppTest: the "Why?" bar after a reasoned decision on a sheet row (and in the full panel),
and the stars that rate the shown attempt."""

import pytest

from stage8.db.finders import find_instance
from stage8.decisions.attempts import list_attempts
from stage8.decisions.events import instance_events
from stage8.decisions.ratings import rate_attempt
from stage8.reads.board import load_panel
from stage8.ui import state as keys
from tests.ui.helpers import page_text, shown


def _iid(desk, name, scene=1):
    with desk.read() as s:
        return find_instance(s, None, scene, name).id


def _number(desk, iid, n):
    return next(a.id for a in list_attempts(desk, iid) if a.attempt_number == n)


def _newest(desk, iid):
    with desk.read() as s:
        return instance_events(s, iid, limit=1)[0]


def instance_events_of(desk, iid):
    with desk.read() as s:
        return instance_events(s, iid)


def _bar(at, iid) -> list[str]:
    """The labels of the row's "Why?" bar buttons, in order (empty: no bar)."""
    prefix = keys.row_why(iid) + "_"
    return [shown(b.label) for b in at.button if b.key and b.key.startswith(prefix)]


@pytest.fixture
def mara(ui_desk):
    return _iid(ui_desk, "Mara")


def test_select_on_a_row_asks_why_and_a_click_records_it_on_that_event(app, ui_desk, mara):
    at = app(scene=1).run()
    assert _bar(at, mara) == []
    at.button(key=keys.row_show(mara, _number(ui_desk, mara, 2))).click().run()
    at.button(key=keys.row_select(mara)).click().run()
    codes = ui_desk.settings.reason_codes
    assert _bar(at, mara) == [f"{n} {c}" for n, c in enumerate(codes, 1)] + ["Skip"]
    assert "Why this selection?" in page_text(at)
    selection, version = _newest(ui_desk, mara), load_panel(ui_desk, mara).version

    at.button(key=keys.row_why_code(mara, 2)).click().run()

    assert not at.exception
    event = _newest(ui_desk, mara)
    assert (event.id, event.kind, event.reason_code) == (selection.id, "select", codes[1])
    assert load_panel(ui_desk, mara).version == version
    assert any(f"Reason recorded: {codes[1]}." in shown(t.value) for t in at.toast)
    assert _bar(at, mara) == []  # answered: the strip is back
    assert at.button(key=keys.row_show(mara, _number(ui_desk, mara, 2)))


def test_skip_and_the_next_action_close_the_bar_without_a_reason(app, ui_desk, mara):
    at = app(scene=1).run()
    at.button(key=keys.row_show(mara, _number(ui_desk, mara, 3))).click().run()
    at.button(key=keys.row_trash(mara)).click().run()
    assert "Why this move to the trash?" in page_text(at)
    at.button(key=keys.row_why_skip(mara)).click().run()
    assert _bar(at, mara) == [] and _newest(ui_desk, mara).reason_code is None

    at.button(key=keys.row_show(mara, _number(ui_desk, mara, 2))).click().run()
    at.button(key=keys.row_select(mara)).click().run()
    assert _bar(at, mara)
    at.button(key=keys.row_pin(mara)).click().run()  # a pin takes no reason and closes the bar
    assert _bar(at, mara) == []
    assert [e.reason_code for e in instance_events_of(ui_desk, mara)[:3]] == [None] * 3


def test_turning_as_is_off_on_a_row_asks_why(app, ui_desk):
    lighthouse = _iid(ui_desk, "Lighthouse")  # uses its master as-is in the demo's scene 1
    at = app(scene=1).run()
    at.toggle(key=keys.row_as_is(lighthouse)).set_value(False).run()
    assert "Why this turning off use master as-is?" in page_text(at)
    at.button(key=keys.row_why_code(lighthouse, 6)).click().run()
    event = _newest(ui_desk, lighthouse)
    assert (event.kind, event.reason_code) == ("use_master_off", "lighting")


def test_stars_rate_the_shown_attempt_and_clear(app, ui_desk, mara):
    at = app(scene=1).run()
    first = _number(ui_desk, mara, 1)  # the row shows the selected attempt, #1
    stars = at.feedback(key=keys.row_stars(mara))
    assert stars.value is None  # not rated
    stars.set_value(3).run()  # the fourth star
    assert load_panel(ui_desk, mara).ratings == {first: 4}
    assert at.feedback(key=keys.row_stars(mara)).value == 3  # the stored rating, shown again
    assert _bar(at, mara) == []  # a rating takes no reason
    at.feedback(key=keys.row_stars(mara)).set_value(None).run()  # a click on the rating clears
    assert load_panel(ui_desk, mara).ratings == {}
    assert at.feedback(key=keys.row_stars(mara)).value is None
    # Rated elsewhere (another reviewer, the command line): the row shows it on its next run.
    rate_attempt(ui_desk, first, 2, actor="someone else")
    at.run()
    assert at.feedback(key=keys.row_stars(mara)).value == 1
    assert not at.exception


def test_the_full_panel_asks_why_rates_and_its_history_shows_the_reason(app, ui_desk, mara):
    at = app(scene=1, asset="Mara").run()
    at.feedback(key=keys.panel_stars(mara)).set_value(4).run()  # five stars
    assert load_panel(ui_desk, mara).ratings == {_number(ui_desk, mara, 1): 5}
    assert _bar(at, mara) == []  # a rating takes no reason
    carousel = keys.attempts_carousel(mara)
    at.button(key=keys.carousel_jump(carousel, _number(ui_desk, mara, 3))).click().run()
    at.button(key=keys.select_button(mara)).click().run()
    assert "Why this selection?" in page_text(at)
    at.button(key=keys.row_why_code(mara, 7)).click().run()
    assert _newest(ui_desk, mara).reason_code == "composition"
    assert "why: composition" in page_text(at)
