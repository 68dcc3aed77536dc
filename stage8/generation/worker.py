"""Generation workers: a loop that claims due jobs and runs them, in a thread or a process.

`python -m stage8 worker` runs one as its own process; `start_background_worker` runs one as a
daemon thread inside the app (the embedded default). Any number of them may share a database:
the queue (`stage8.generation.jobs`) hands each job to one worker at a time, and a job whose
worker died is picked up again once its lease expires.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid

from stage8.decisions import continuity
from stage8.desk import Desk
from stage8.generation.jobs import JobView, claim_next, job_status
from stage8.generation.run import run_job

log = logging.getLogger(__name__)

_background_lock = threading.Lock()
_background: tuple[threading.Thread, threading.Event] | None = None


def new_worker_id() -> str:
    """Unique per worker, and says where it runs (host and process) for the logs."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def describe(view: JobView) -> str:
    """One log line for a job after a worker ran it."""
    if view.status == "succeeded":
        line = (
            f"job {view.id} succeeded: attempt {view.attempt_id} for instance "
            f"{view.instance_id} (try {view.tries})"
        )
        if view.same_as is not None:
            line += f"; it looks the same as attempt #{view.same_as}"
        return line
    if view.status == "failed":
        return f"job {view.id} failed after {view.tries} tries: {view.last_error}"
    if view.status == "queued":
        return (
            f"job {view.id} will be retried at {view.available_at:%H:%M:%S} UTC "
            f"(try {view.tries} of {view.max_tries} failed): {view.last_error}"
        )
    return f"job {view.id} is now held by worker {view.lease_owner}"


class Worker:
    """Claims and runs generation jobs one at a time.

    The lease of the running job is renewed every third of `lease_seconds` while the provider
    works, so only a worker that stopped (killed, frozen, cut off) loses its job.
    """

    def __init__(
        self,
        desk: Desk,
        worker_id: str | None = None,
        poll_interval: float = 0.5,
        lease_seconds: float | None = None,
    ) -> None:
        self.desk = desk
        self.worker_id = worker_id or new_worker_id()
        self.poll_interval = poll_interval
        self.lease_seconds = lease_seconds or desk.settings.job_lease_seconds
        self.continuity_after = 0  # the decision log is read from here for continuity scores

    def run_once(self) -> bool:
        """Run the next due job, if any; True when there was one."""
        job_id = claim_next(self.desk, self.worker_id, self.lease_seconds)
        if job_id is None:
            return False
        view = run_job(self.desk, job_id, self.worker_id, lease_seconds=self.lease_seconds)
        log.log(logging.WARNING if view.status == "failed" else logging.INFO, describe(view))
        return True

    def score_continuity(self) -> None:
        """Between jobs: score what recent decisions left unscored (stage8.decisions.continuity)."""
        try:
            self.continuity_after, _ = continuity.catch_up(self.desk, self.continuity_after)
        except Exception:  # e.g. the database is briefly unreachable: try again next time
            log.exception("worker %s could not score continuity; trying again", self.worker_id)

    def run_forever(self, stop_event: threading.Event) -> None:
        """Run jobs until `stop_event` is set; the job in hand is finished first."""
        log.info("worker %s started", self.worker_id)
        while not stop_event.is_set():
            try:
                worked = self.run_once()
            except Exception:  # e.g. the database is briefly unreachable: keep serving.
                log.exception("worker %s could not claim a job; trying again", self.worker_id)
                worked = False
            if not worked:
                self.score_continuity()
                stop_event.wait(self.poll_interval)
        log.info("worker %s stopped", self.worker_id)


def start_background_worker(desk: Desk) -> threading.Thread:
    """Start the process's one background worker thread (a daemon), or return the running one.

    Later calls return the first thread even for another Desk: one worker per process is enough,
    since every worker serves the whole queue of its database.
    """
    global _background
    with _background_lock:
        if _background is not None and _background[0].is_alive():
            return _background[0]
        stop = threading.Event()
        worker = Worker(desk)
        thread = threading.Thread(
            target=worker.run_forever, args=(stop,), name="stage8-worker", daemon=True
        )
        thread.start()
        _background = (thread, stop)
        return thread


def stop_background_worker(timeout: float = 10) -> None:
    """Ask the background worker to stop after its current job and wait for it."""
    global _background
    with _background_lock:
        if _background is None:
            return
        thread, stop = _background
        _background = None
    stop.set()
    thread.join(timeout)


def run_until_done(
    desk: Desk, job_ids: list[int], *, worker_id: str | None = None, poll_seconds: float = 0.2
) -> list[JobView]:
    """Run the given jobs in this process, retries included, until each succeeded or failed.

    Jobs that another live worker holds are waited for, never run twice.
    """
    worker_id = worker_id or new_worker_id()
    while True:
        pending = [v for v in job_status(desk, job_ids) if not v.final]
        if not pending:
            return job_status(desk, job_ids)
        for view in pending:
            run_job(desk, view.id, worker_id)
        if any(not v.final for v in job_status(desk, [p.id for p in pending])):
            time.sleep(poll_seconds)
