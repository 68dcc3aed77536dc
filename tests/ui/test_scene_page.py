"""AppTest of the scene page's attempts carousel: arrows, select, pin, trash, revert."""

import pytest

from stage8.db.finders import find_instance
from stage8.decisions.attempts import list_attempts
from stage8.ui import state as keys
from tests.ui.helpers import shown


@pytest.fixture
def mara(ui_desk):
    with ui_desk.tx() as s:
        return find_instance(s, None, 1, "Mara").id


def _counter(at, iid) -> str:
    for md in at.markdown:
        if "carousel-counter" in md.value:
            yield md.value


def _shown_title(at) -> list[str]:
    return [shown(m.value) for m in at.markdown if shown(m.value).startswith("**Attempt #")]


def test_arrows_move_and_keep_position_across_reruns(app, ui_desk, mara):
    at = app(scene=1, asset="Mara").run()
    assert not at.exception
    # Mara in scene 1 has three attempts and #1 is selected: the carousel opens on it.
    assert _shown_title(at)[0].startswith("**Attempt #1**")
    assert "1 / 3" in next(_counter(at, mara))
    at.button(key=keys.carousel_next(keys.attempts_carousel(mara))).click().run()
    assert _shown_title(at)[0].startswith("**Attempt #2**")
    at.run()  # an unrelated rerun keeps the position
    assert _shown_title(at)[0].startswith("**Attempt #2**")
    at.button(
        key=keys.carousel_jump(keys.attempts_carousel(mara), _id(ui_desk, mara, 3))
    ).click().run()
    assert _shown_title(at)[0].startswith("**Attempt #3**")
    assert at.button(key=keys.carousel_next(keys.attempts_carousel(mara))).disabled


def _id(desk, iid, number):
    return next(a.id for a in list_attempts(desk, iid) if a.attempt_number == number)


def test_select_this_one_moves_the_selection(app, ui_desk, mara):
    at = app(scene=1, asset="Mara").run()
    at.button(key=keys.carousel_next(keys.attempts_carousel(mara))).click().run()
    at.button(key=keys.select_button(mara)).click().run()
    assert not at.exception
    assert any("Attempt #2 selected" in shown(t.value) for t in at.toast)
    selected = [a.attempt_number for a in list_attempts(ui_desk, mara) if a.selected]
    assert selected == [2]
    assert "Selected" in _shown_title(at)[0]
    assert at.button(key=keys.select_button(mara)).disabled


def test_pin_and_trash(app, ui_desk, mara):
    at = app(scene=1, asset="Mara").run()
    at.button(key=keys.carousel_next(keys.attempts_carousel(mara))).click().run()
    at.button(key=keys.pin_button(mara)).click().run()
    assert [a.attempt_number for a in list_attempts(ui_desk, mara) if a.pinned] == [2]
    assert "Pinned" in _shown_title(at)[0]
    at.button(key=keys.trash_button(mara)).click().run()
    assert any("pinned" in shown(t.value) for t in at.toast)  # pinned attempts need unpinning first
    at.button(key=keys.pin_button(mara)).click().run()
    at.button(key=keys.trash_button(mara)).click().run()
    assert any("moved to the trash" in shown(t.value) for t in at.toast)
    live = [a.attempt_number for a in list_attempts(ui_desk, mara)]
    assert live == [3, 1]
    assert "2 / 2" in next(_counter(at, mara)) or "1 / 2" in next(_counter(at, mara))


def test_selected_attempt_cannot_be_trashed_from_the_page(app, mara):
    at = app(scene=1, asset="Mara").run()
    assert at.button(key=keys.trash_button(mara)).disabled


def test_revert_from_history(app, ui_desk, mara):
    at = app(scene=1, asset="Mara").run()
    at.button(key=keys.carousel_next(keys.attempts_carousel(mara))).click().run()
    at.button(key=keys.select_button(mara)).click().run()
    revert = [b for b in at.button if b.key and b.key.startswith(keys.revert_button(mara, 0)[:-1])]
    assert revert, "history offers a revert to the earlier selection"
    revert[0].click().run()
    assert any("Reverted" in shown(t.value) for t in at.toast)
    selected = [a.attempt_number for a in list_attempts(ui_desk, mara) if a.selected]
    assert selected == [1]
