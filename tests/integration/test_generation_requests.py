"""Generate from the page (issue 13 item 7): the request's prompt and count are checked by the
service, on SQLite and PostgreSQL, before anything is queued."""

from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from stage8.db.models import GenerationJob
from stage8.errors import InvalidInput
from stage8.generation.run import MAX_PROMPT_CHARS, default_prompt, estimate_cost, queue_generation
from tests.builders import project_with_scenes


@pytest.fixture
def iid(desk):
    return project_with_scenes(desk, scenes=1)["instances"][(1, "Hero")]


def _jobs(desk, iid) -> list[GenerationJob]:
    with desk.read() as s:
        jobs = list(s.scalars(select(GenerationJob).where(GenerationJob.instance_id == iid)))
        s.expunge_all()
        return jobs


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"count": 0}, "Generate between 1 and 8 images at a time, not 0."),
        ({"count": 9}, "Generate between 1 and 8 images at a time, not 9."),
        ({"count": True}, "Generate between 1 and 8 images at a time, not True."),
        ({"prompt": " \n "}, "The prompt is empty"),
        ({"prompt": "x" * (MAX_PROMPT_CHARS + 1)}, f"shorten it to at most {MAX_PROMPT_CHARS}"),
    ],
)
def test_a_bad_request_is_refused_with_what_to_do_and_queues_nothing(desk, iid, fields, says):
    with pytest.raises(InvalidInput) as refused:
        queue_generation(desk, iid, actor="ana", **fields)
    assert says in str(refused.value)
    assert _jobs(desk, iid) == []


def test_the_edited_prompt_and_count_are_what_is_queued(desk, iid):
    prompt = "x" * MAX_PROMPT_CHARS
    ids = queue_generation(desk, iid, actor="ana", prompt=f"  {prompt} ", count=8)
    jobs = _jobs(desk, iid)
    assert len(ids) == 8 and {j.id for j in jobs} == set(ids)
    assert {j.prompt for j in jobs} == {prompt} and {j.requested_by for j in jobs} == {"ana"}
    total = sum((j.estimated_cost_usd for j in jobs), Decimal(0))
    assert total == estimate_cost(desk, 8) == desk.provider.estimate_cost() * 8


def test_no_prompt_queues_the_prefilled_default(desk, iid):
    queue_generation(desk, iid, actor="ana")
    [job] = _jobs(desk, iid)
    # What the page prefills: the same function, from the panel's plain values.
    assert job.prompt == default_prompt("character", "Hero", "Hero in 1", True)


def test_the_attempt_cap_lowers_the_count_allowed(desk, iid):
    desk.settings = replace(desk.settings, attempt_cap=3)
    with pytest.raises(InvalidInput, match="between 1 and 3"):
        queue_generation(desk, iid, actor="ana", count=4)
    with desk.read() as s:
        assert s.scalar(select(func.count()).select_from(GenerationJob)) == 0
