"""AppTest of the review queue page: filters, review mode (Start, Next, advancing after a
decision, the end) and the queue counts on the overview and in the sidebar."""

from sqlalchemy import event

from stage8.db.finders import find_instance
from stage8.decisions.attempts import list_attempts, select_attempt
from stage8.generation.run import queue_generation, run_job
from stage8.ui import state as keys
from tests.ui.helpers import page_text, shown

DEMO_UNDECIDED = ["Harbour Town", "Mara", "The Stranger", "Storm Sea"]  # scenes 2, 5, 5, 5


def _iid(desk, scene, asset):
    with desk.tx() as s:
        return find_instance(s, None, scene, asset).id


def _queue(app):
    at = app()
    at.switch_page("app_pages/queue.py")
    return at.run()


def _listed(at) -> list[str]:
    """The assets of the list's rows, in order (each row's Markdown names its asset in bold)."""
    rows = [shown(m.value) for m in at.markdown if shown(m.value).startswith(("Scene", "▶"))]
    return [row.split("**")[1] for row in rows]


def _under_review(at) -> str | None:
    heads = [shown(h.value) for h in at.subheader]
    return next(h for h in heads if h not in ("Review mode", "Everything that needs attention"))


def _new_attempt_in_scene_3(desk) -> int:
    """Old Tomas in scene 3 gets a generated attempt a reviewer has not looked at yet."""
    iid = _iid(desk, 3, "Old Tomas")
    [job] = queue_generation(desk, iid, actor="bot")
    [chosen] = [a for a in list_attempts(desk, iid) if a.selected]
    other = next(a for a in list_attempts(desk, iid) if not a.selected)
    select_attempt(desk, other.id, actor="ana")  # chosen while the job waited...
    select_attempt(desk, chosen.id, actor="ana")  # ...and back (scene 6 follows scene 3)
    assert run_job(desk, job, "w1").status == "succeeded"
    return iid


def test_the_list_and_its_filters(app, ui_desk):
    at = _queue(app)
    assert not at.exception
    assert _listed(at) == DEMO_UNDECIDED
    assert "4 need attention: 4 undecided" in page_text(at)
    links = [p.proto for p in at.get("page_link") if p.proto.label == "Open"]
    assert len(links) == 4 and "asset=Harbour+Town" in links[0].query_string
    at.selectbox(key=keys.QUEUE_TYPE).set_value("location").run()
    assert _listed(at) == ["Harbour Town", "Storm Sea"]
    at.selectbox(key=keys.QUEUE_TYPE).set_value("").run()
    project = at.caption[0].value.split(" · ")[0]
    at.select_slider(key=keys.queue_scenes(shown(project))).set_range(3, 7).run()
    assert _listed(at) == ["Mara", "The Stranger", "Storm Sea"]
    at.multiselect(key=keys.QUEUE_REASONS).set_value(["stale_reference"]).run()
    assert _listed(at) == []
    assert "Nothing needs you" in page_text(at)


def test_review_mode_next_and_advancing_after_a_select(app, ui_desk):
    tomas = _new_attempt_in_scene_3(ui_desk)
    at = _queue(app)
    assert _listed(at)[:2] == ["Harbour Town", "Old Tomas"]
    assert "new attempts" in page_text(at)
    at.button(key=keys.QUEUE_NEXT).click().run()  # Start
    assert _under_review(at) == "Harbour Town" and "Item 1 of 5" in page_text(at)
    at.button(key=keys.QUEUE_NEXT).click().run()  # Next: Harbour Town is skipped
    assert _under_review(at) == "Old Tomas" and "Item 2 of 5" in page_text(at)
    # The panel shows the selected attempt (#1); #3 is the new one: show it and select it.
    for _ in range(2):
        at.button(key=keys.carousel_next(keys.attempts_carousel(tomas))).click().run()
    at.button(key=keys.select_button(tomas)).click().run()
    assert not at.exception
    assert _under_review(at) == "Mara" and "Item 2 of 5" in page_text(at)
    # Scene 6 chose scene 3's image of Old Tomas (it uses it as-is): now out of date.
    assert _listed(at) == [*DEMO_UNDECIDED, "Old Tomas"]
    assert "stale reference" in page_text(at)
    newest = max(list_attempts(ui_desk, tomas), key=lambda a: a.attempt_number)
    assert newest.selected


def test_the_end_of_the_queue(app, ui_desk):
    at = _queue(app)
    at.button(key=keys.QUEUE_NEXT).click().run()  # Harbour Town, which has no attempt
    for asset in DEMO_UNDECIDED[1:]:
        at.button(key=keys.QUEUE_NEXT).click().run()
        assert _under_review(at) == asset
    at.button(key=keys.QUEUE_NEXT).click().run()  # past the last one: all 4 were skipped
    assert "End of the queue. 4 items you went past" in page_text(at)
    at.button(key=keys.QUEUE_NEXT).click().run()  # Start again
    harbour = _iid(ui_desk, 2, "Harbour Town")
    assert _under_review(at) == "Harbour Town"
    at.checkbox(key=keys.as_is_checkbox(harbour)).check().run()
    assert _under_review(at) == "Mara"
    at.button(key=keys.QUEUE_STOP).click().run()
    assert at.button(key=keys.QUEUE_NEXT).label == "Start"
    at.button(key=keys.QUEUE_NEXT).click().run()  # Start: from the top
    for iid in (_iid(ui_desk, 5, n) for n in ("Mara", "The Stranger", "Storm Sea")):
        at.checkbox(key=keys.as_is_checkbox(iid)).check().run()
    assert "Nothing needs you" in page_text(at)
    assert at.button(key=keys.QUEUE_NEXT).disabled
    assert any(p.proto.label == "Back to the overview" for p in at.get("page_link"))


def test_counts_on_the_overview_and_in_the_sidebar(app, ui_desk):
    at = app().run()
    assert not at.exception
    text = page_text(at)
    assert "Review queue: 4 need attention" in text
    assert "Review queue (4)" in text
    cards = [shown(m.value) for m in at.markdown if "needs attention" in shown(m.value)]
    assert [c.rsplit("needs attention: ", 1)[1] for c in cards] == [
        "**0**",
        "**1**",
        "**0**",
        "**0**",
        "**3**",
        "**0**",
        "**0**",
    ]
    _new_attempt_in_scene_3(ui_desk)
    at.run()
    assert "Review queue (5)" in page_text(at)


def test_the_sidebar_count_is_read_again_only_after_a_change(app, ui_desk):
    at = _queue(app)
    counted: list[str] = []

    def hook(_conn, _cursor, statement, *_args):
        counted.append(statement.lower())

    event.listen(ui_desk.engine, "before_cursor_execute", hook)
    try:
        at.switch_page("app_pages/trash.py").run()
        assert sum("max(decision_events.id)" in q for q in counted) == 1  # the stamp
        assert not any("generation_jobs.last_error" in q for q in counted)  # no recount
        _new_attempt_in_scene_3(ui_desk)
        counted.clear()
        at.run()
        assert any("generation_jobs.last_error" in q for q in counted)
    finally:
        event.remove(ui_desk.engine, "before_cursor_execute", hook)
    assert "Review queue (5)" in page_text(at)
