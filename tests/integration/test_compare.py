"""The compare view's read model, on the scene page's panel (both databases)."""

from decimal import Decimal

import pytest

from stage8.decisions.attempts import trash_attempt
from stage8.decisions.reference_choice import use_reference
from stage8.errors import NotFound
from stage8.reads.board import load_panel
from stage8.reads.compare import comparison
from tests.builders import add_generated, project_with_scenes


@pytest.fixture
def two_scenes(desk):
    world = project_with_scenes(desk, scenes=2)
    pid = world["project"]
    first = world["instances"][(1, "Hero")]
    add_generated(desk, first, pid, 5)
    iid = world["instances"][(2, "Hero")]
    a1 = add_generated(desk, iid, pid, 11, cost=Decimal("0.039")).attempt
    a2 = add_generated(desk, iid, pid, 12, select=False, cost=Decimal("0.05")).attempt
    return {"iid": iid, "a1": a1, "a2": a2, "first": first}


def test_shown_selected_and_reference_side_by_side(desk, two_scenes):
    panel = load_panel(desk, two_scenes["iid"])
    view = comparison(panel, two_scenes["a2"].id)
    assert [i.role for i in view.images] == ["shown", "selected", "reference"]
    shown, selected, reference = view.images
    assert shown.title == f"Shown: attempt #{two_scenes['a2'].attempt_number}"
    assert selected.title == f"Selected: attempt #{two_scenes['a1'].attempt_number}"
    # The default reference of scene 2 is scene 1's selected image.
    assert reference.title == "Reference: Scene 1"
    assert reference.image_key == panel.reference.effective_key


def test_metadata_diff_names_what_differs(desk, two_scenes):
    view = comparison(load_panel(desk, two_scenes["iid"]), two_scenes["a2"].id)
    fields = {f.label: f for f in view.fields}
    assert fields["Cost"].shown == "$0.05" and fields["Cost"].selected == "$0.039"
    assert not fields["Cost"].same
    assert fields["Provider / model"].same
    assert [c.kind for c in view.prompt_changes] == ["same", "removed", "added"]
    assert view.prompt_changes[1].text == "11" and view.prompt_changes[2].text == "12"


def test_reference_used_is_named_by_its_place_in_the_chain(desk, two_scenes):
    panel = load_panel(desk, two_scenes["iid"])
    ref = panel.reference
    first = next(a for a in load_panel(desk, two_scenes["first"]).attempts if a.selected)
    assert ref.effective_image_id == first.image_id
    # The builder's attempts carry no reference; compare says so rather than inventing one.
    assert {f.label: f.shown for f in comparison(panel, two_scenes["a2"].id).fields}[
        "Reference used"
    ] == "none"
    # Choosing the master instead: the chain still names scene 1's image by its label.
    use_reference(desk, two_scenes["iid"], "master", actor="t")
    view = comparison(load_panel(desk, two_scenes["iid"]), two_scenes["a2"].id)
    assert view.image("reference").title == "Reference: Master"


def test_the_selected_attempt_compared_with_itself_has_no_diff(desk, two_scenes):
    view = comparison(load_panel(desk, two_scenes["iid"]), two_scenes["a1"].id)
    assert [i.role for i in view.images] == ["shown", "selected", "reference"]
    assert view.image("selected").title.endswith("(the one shown)")
    assert view.fields == [] and view.prompt_changes == []


def test_an_attempt_trashed_since_the_page_was_drawn_is_refused(desk, two_scenes):
    trash_attempt(desk, two_scenes["a2"].id, actor="t")
    with pytest.raises(NotFound, match="no longer live"):
        comparison(load_panel(desk, two_scenes["iid"]), two_scenes["a2"].id)
