"""The generation job queue: claiming, leasing, and finishing `generation_jobs` rows.

A job is claimable when it is queued and due (`available_at <= now`), or when it is running
but its lease has expired (the worker died): that counts as one of its tries. Claiming sets
the lease; a live worker renews it (`heartbeat`, or `keep_leased` around a long call). Every
later change of a job checks that the caller still holds the lease, so a worker that lost its
job to another one can never finish, fail or retry it.

PostgreSQL: workers claim with `SELECT ... FOR UPDATE SKIP LOCKED`, so several workers and app
replicas share one queue without waiting on each other. SQLite: one `UPDATE ... WHERE id =
(SELECT ...)`; transactions start with BEGIN IMMEDIATE there, so claims are serialised.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from stage8.config import redact
from stage8.db.column_types import utcnow
from stage8.db.models import Attempt, GenerationJob
from stage8.decisions.duplicates import flagged_same_as
from stage8.desk import Desk
from stage8.errors import NotFound
from stage8.units import dataclass_json

FINAL_STATUSES = ("succeeded", "failed")
# A transient failure waits RETRY_BASE_SECONDS, then twice as long after each further try.
RETRY_BASE_SECONDS = 5.0
RETRY_MAX_SECONDS = 300.0


@dataclass(frozen=True)
class JobView:
    """A generation job as pages and the command line show it."""

    id: int
    instance_id: int
    status: str
    prompt: str
    provider: str
    model: str | None
    seed: int
    reference_image_id: int | None
    estimated_cost_usd: Decimal | None
    tries: int
    max_tries: int
    last_error: str | None
    attempt_id: int | None
    requested_by: str | None
    lease_owner: str | None
    queued_at: datetime
    available_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    attempt_number: int | None = None  # of the attempt it made
    same_as: int | None = None  # that attempt looks the same as this attempt number

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def result_message(self) -> str | None:
        """What came of the job, in words (None while it is not finished)."""
        if self.status == "failed":
            return f"The generation failed: {self.last_error}"
        if self.status != "succeeded" or self.attempt_number is None:
            return None
        message = f"Attempt #{self.attempt_number} added."
        if self.same_as is not None:
            message += f" It looks the same as attempt #{self.same_as}."
        return message

    def as_json(self) -> dict[str, Any]:
        return dataclass_json(self)


_OWN_FIELDS = tuple(
    f for f in JobView.__dataclass_fields__ if f not in ("attempt_number", "same_as")
)


def _view(job: GenerationJob, number: int | None = None, extra: dict | None = None) -> JobView:
    own = {name: getattr(job, name) for name in _OWN_FIELDS}
    return JobView(**own, attempt_number=number, same_as=flagged_same_as(extra))


def job_status(desk: Desk, job_ids: Iterable[int]) -> list[JobView]:
    """Views of the jobs that exist among `job_ids`, in the order asked (one query, with the
    number and near-duplicate flag of the attempt each made)."""
    ids = list(job_ids)
    if not ids:
        return []
    with desk.read() as session:
        found = {
            job.id: _view(job, number, extra)
            for job, number, extra in session.execute(
                select(GenerationJob, Attempt.attempt_number, Attempt.extra)
                .outerjoin(Attempt, Attempt.id == GenerationJob.attempt_id)
                .where(GenerationJob.id.in_(ids))
            )
        }
    return [found[i] for i in ids if i in found]


def job_view(desk: Desk, job_id: int) -> JobView:
    views = job_status(desk, [job_id])
    if not views:
        raise NotFound(f"Generation job {job_id} does not exist.")
    return views[0]


def _claimable(now: datetime):
    return or_(
        and_(GenerationJob.status == "queued", GenerationJob.available_at <= now),
        and_(GenerationJob.status == "running", GenerationJob.lease_expires_at < now),
    )


def _lease_values(worker_id: str, lease_seconds: float, now: datetime) -> dict:
    return {
        "status": "running",
        "tries": GenerationJob.tries + 1,
        "lease_owner": worker_id,
        "lease_expires_at": now + timedelta(seconds=lease_seconds),
        "started_at": now,
    }


def _fail_abandoned(session: Session, now: datetime) -> None:
    """Fail the jobs whose worker died on their last allowed try."""
    query = select(GenerationJob.id).where(
        GenerationJob.status == "running",
        GenerationJob.lease_expires_at < now,
        GenerationJob.tries >= GenerationJob.max_tries,
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(session.scalars(query))
    if ids:
        session.execute(
            update(GenerationJob)
            .where(GenerationJob.id.in_(ids))
            .values(
                status="failed",
                finished_at=now,
                lease_owner=None,
                lease_expires_at=None,
                last_error="The worker running this job stopped responding on its last try "
                "(it was killed or lost the database); queue the generation again.",
            )
            .execution_options(synchronize_session=False)
        )


def claim_next(desk: Desk, worker_id: str, lease_seconds: float) -> int | None:
    """Lease the next due job (oldest `available_at` first) to `worker_id`; None when idle.

    Guarantees: no two callers ever hold a lease on the same job at the same time; a job whose
    worker died is claimed again once its lease has expired, up to `max_tries` tries.
    """
    with desk.tx() as session:
        now = utcnow()
        _fail_abandoned(session, now)
        order = (GenerationJob.available_at, GenerationJob.id)
        if desk.dialect == "postgresql":
            job_id = session.scalar(
                select(GenerationJob.id)
                .where(_claimable(now))
                .order_by(*order)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if job_id is None:
                return None
            session.execute(
                update(GenerationJob)
                .where(GenerationJob.id == job_id)
                .values(**_lease_values(worker_id, lease_seconds, now))
                .execution_options(synchronize_session=False)
            )
            return job_id
        due = select(GenerationJob.id).where(_claimable(now)).order_by(*order).limit(1)
        return session.scalar(
            update(GenerationJob)
            .where(GenerationJob.id == due.scalar_subquery())
            .values(**_lease_values(worker_id, lease_seconds, now))
            .returning(GenerationJob.id)
            .execution_options(synchronize_session=False)
        )


def claim_job(desk: Desk, job_id: int, worker_id: str, lease_seconds: float) -> bool:
    """Lease one given job if it is claimable now (or already leased to `worker_id`)."""
    with desk.tx() as session:
        now = utcnow()
        _fail_abandoned(session, now)
        if heartbeat_in(session, job_id, worker_id, lease_seconds):
            return True
        # On PostgreSQL a concurrent claimer makes this wait, then re-check the condition.
        result = session.execute(
            update(GenerationJob)
            .where(GenerationJob.id == job_id, _claimable(now))
            .values(**_lease_values(worker_id, lease_seconds, now))
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1


def leased_job(session: Session, job_id: int, worker_id: str) -> GenerationJob | None:
    """The job, row-locked, if `worker_id` still holds its lease; None when it lost it."""
    job = session.get(GenerationJob, job_id, with_for_update=True)
    if job is None or job.status != "running" or job.lease_owner != worker_id:
        return None
    return job


def heartbeat_in(session: Session, job_id: int, worker_id: str, lease_seconds: float) -> bool:
    result = session.execute(
        update(GenerationJob)
        .where(
            GenerationJob.id == job_id,
            GenerationJob.status == "running",
            GenerationJob.lease_owner == worker_id,
        )
        .values(lease_expires_at=utcnow() + timedelta(seconds=lease_seconds))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def heartbeat(desk: Desk, job_id: int, worker_id: str, lease_seconds: float) -> bool:
    """Extend the lease; False when the worker no longer holds it (another worker took over)."""
    with desk.tx() as session:
        return heartbeat_in(session, job_id, worker_id, lease_seconds)


@contextmanager
def keep_leased(
    desk: Desk, job_id: int, worker_id: str, lease_seconds: float
) -> Iterator[threading.Event]:
    """Renew the lease every third of its length while the block runs.

    Yields an event that is set when the lease was lost; the block's result is then discarded
    by the lease check at completion, so losing a lease costs work but never correctness.
    """
    stop, lost = threading.Event(), threading.Event()

    def renew() -> None:
        while not stop.wait(lease_seconds / 3):
            try:
                if not heartbeat(desk, job_id, worker_id, lease_seconds):
                    lost.set()
                    return
            except Exception:  # A database hiccup: try again on the next beat.
                continue

    thread = threading.Thread(target=renew, name=f"lease-{job_id}", daemon=True)
    thread.start()
    try:
        yield lost
    finally:
        stop.set()
        thread.join()


def complete(job: GenerationJob, attempt_id: int) -> None:
    """Mark a leased job succeeded inside the caller's transaction (with its attempt)."""
    job.status = "succeeded"
    job.attempt_id = attempt_id
    job.last_error = None
    job.finished_at = utcnow()
    job.lease_owner = None
    job.lease_expires_at = None


def fail_in(job: GenerationJob, message: str) -> None:
    job.status = "failed"
    job.last_error = message
    job.finished_at = utcnow()
    job.lease_owner = None
    job.lease_expires_at = None


def fail(desk: Desk, job_id: int, worker_id: str, message: str) -> bool:
    """Mark a leased job failed for good; False when the worker no longer held the lease.
    The message is stored (and later shown) with every configured secret masked."""
    message = redact(message, desk.settings)
    with desk.tx() as session:
        job = leased_job(session, job_id, worker_id)
        if job is None:
            return False
        fail_in(job, message)
        return True


def retry_later(desk: Desk, job_id: int, worker_id: str, message: str) -> str | None:
    """Put a leased job back in the queue after a backoff that doubles with each try, or fail
    it when its tries are used up. Returns the new status, or None when the lease was lost."""
    message = redact(message, desk.settings)
    with desk.tx() as session:
        job = leased_job(session, job_id, worker_id)
        if job is None:
            return None
        if job.tries >= job.max_tries:
            fail_in(job, f"{message} (gave up after {job.tries} tries)")
            return job.status
        job.status = "queued"
        job.last_error = message
        delay = min(RETRY_BASE_SECONDS * 2 ** max(job.tries - 1, 0), RETRY_MAX_SECONDS)
        job.available_at = utcnow() + timedelta(seconds=delay)
        job.lease_owner = None
        job.lease_expires_at = None
        return job.status
