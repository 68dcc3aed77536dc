"""Image generation: queue jobs for scene asset instances and turn a job into a new attempt.

Queueing snapshots everything the result must be judged against (prompt, provider, model,
estimated cost, the effective reference, the instance's selection version). Running a job calls
the provider outside any transaction, stores the image object, then adds the attempt and marks
the job succeeded in one transaction. The new attempt is selected only if no reviewer changed
the instance's selection since the job was queued: a human choice is never overwritten.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from stage8.db.column_types import utcnow
from stage8.db.finders import INTEGER_MAX, INTEGER_MIN, get_instance
from stage8.db.models import GenerationJob, Image, ProjectAsset, Scene
from stage8.decisions import duplicates, ledger
from stage8.decisions.references import effective_reference
from stage8.desk import Desk
from stage8.errors import (
    ConfigError,
    DecisionConflict,
    InvalidImage,
    InvalidInput,
    NotFound,
    ObjectNotFound,
    ProviderError,
    StorageError,
)
from stage8.generation import jobs
from stage8.generation.jobs import JobView, job_status, job_view  # noqa: F401 (job_status: public here)
from stage8.images.ingest import StagedImage, image_row, rows_or_rollback_objects, stage_bytes
from stage8.providers.base import GeneratedImage, GenerationRequest
from stage8.reviewers.roles import Actor, actor_name, authorise, on_behalf_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BulkResult:
    instance_id: int
    outcome: str  # "queued" or "skipped"
    job_ids: tuple[int, ...] = ()
    reason: str = ""


MAX_COUNT = 8  # images one request may queue
MAX_PROMPT_CHARS = 4000


def default_prompt(asset_type: str, name: str, description: str | None, has_reference: bool) -> str:
    """The prompt used when the reviewer gives none: the asset and how it looks in this scene."""
    text = f'{asset_type.capitalize()} "{name}"'
    if description and description.strip():
        text += f": {description.strip().rstrip('.')}"
    text += "."
    if has_reference:
        text += " Keep the identity, proportions and style of the reference image."
    return text


def estimate_cost(desk: Desk, n: int) -> Decimal:
    """What `n` generations are expected to cost with the configured provider (exact)."""
    return desk.provider.estimate_cost() * n


def check_request(prompt: str | None, count: int, cap: int) -> int:
    """The largest count allowed, after refusing a count or prompt a request cannot have."""
    limit = min(MAX_COUNT, cap)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= limit:
        raise InvalidInput(f"Generate between 1 and {limit} images at a time, not {count}.")
    if prompt is not None and not prompt.strip():
        raise InvalidInput("The prompt is empty: write one, or leave it out to use the default.")
    if prompt is not None and len(prompt.strip()) > MAX_PROMPT_CHARS:
        raise InvalidInput(
            f"The prompt is {len(prompt.strip())} characters long: shorten it to at most "
            f"{MAX_PROMPT_CHARS}."
        )
    return limit


def queue_generation(
    desk: Desk,
    instance_id: int,
    *,
    actor: Actor,
    prompt: str | None = None,
    count: int = 1,
    seed: int | None = None,
) -> list[int]:
    """Queue `count` generation jobs for the instance in one transaction; return their ids.

    InvalidInput for a count outside 1–8 (and the attempt cap), an empty prompt, or one longer
    than MAX_PROMPT_CHARS; no prompt uses `default_prompt`.
    Raises ConfigError when the provider cannot be used (e.g. no GEMINI_API_KEY), and
    DecisionConflict when "use master as-is" is on (nothing is generated for such an instance).
    """
    actor = authorise(actor, "generate")
    check_request(prompt, count, desk.settings.attempt_cap)
    if seed is not None and not INTEGER_MIN <= seed <= INTEGER_MAX - (count - 1):
        raise InvalidInput(
            f"The seed must be between {INTEGER_MIN} and {INTEGER_MAX - (count - 1)} for "
            f"{count} images (one seed each, counting up), not {seed}."
        )
    provider = desk.provider
    estimate = provider.estimate_cost()
    with desk.tx() as session:
        instance = get_instance(session, instance_id, for_update=True)
        scene = session.get(Scene, instance.scene_id)
        asset = session.get(ProjectAsset, instance.asset_id)
        label = f"{asset.name} in scene {scene.scene_number}"
        if scene.deleted_at is not None:
            raise NotFound(f"Scene {scene.scene_number} was deleted: restore it to generate.")
        if instance.use_master_as_is:
            raise DecisionConflict(f"Use master as-is is on for {label}: untick it to generate.")
        ref = effective_reference(session, instance.id)
        text = (
            prompt.strip()
            if prompt
            else default_prompt(
                asset.asset_type,
                asset.name,
                instance.description or asset.description,
                ref is not None,
            )
        )
        if seed is None:
            earlier = session.scalar(
                select(func.count())
                .select_from(GenerationJob)
                .where(GenerationJob.instance_id == instance.id)
            )
            seed = earlier + 1
        queued = [
            GenerationJob(
                instance_id=instance.id,
                status="queued",
                prompt=text,
                provider=provider.name,
                model=provider.model,
                reference_image_id=ref.effective_image_id if ref else None,
                seed=seed + i,
                requested_by=actor_name(actor),
                selection_version_at_queue=instance.selection_version,
                estimated_cost_usd=estimate,
                tries=0,
                max_tries=desk.settings.job_max_tries,
                available_at=utcnow(),
                queued_at=utcnow(),
            )
            for i in range(count)
        ]
        session.add_all(queued)
        session.flush()
        return [job.id for job in queued]


def queue_bulk(desk: Desk, instance_ids: list[int], *, actor: Actor) -> list[BulkResult]:
    """Queue one generation for each instance, each in its own transaction.

    An instance is skipped, with the reason, when "use master as-is" is on, when it already has
    a generation waiting or running, or when it no longer exists; the others are still queued.
    A provider that cannot be used (ConfigError) stops the whole batch before anything is queued.
    """
    actor = authorise(actor, "generate")
    desk.provider  # noqa: B018 (a missing key fails the batch up front, with one message)
    ids = list(dict.fromkeys(instance_ids))
    with desk.tx() as session:
        busy = set(
            session.scalars(
                select(GenerationJob.instance_id).where(
                    GenerationJob.instance_id.in_(ids),
                    GenerationJob.status.in_(("queued", "running")),
                )
            )
        )
    results: list[BulkResult] = []
    for instance_id in ids:
        if instance_id in busy:
            reason = "A generation is already waiting or running for it."
            results.append(BulkResult(instance_id, "skipped", reason=reason))
            continue
        try:
            queued = queue_generation(desk, instance_id, actor=actor)
        except (DecisionConflict, NotFound) as exc:
            results.append(BulkResult(instance_id, "skipped", reason=str(exc)))
        else:
            results.append(BulkResult(instance_id, "queued", tuple(queued)))
    return results


@dataclass(frozen=True)
class _Plan:
    prompt: str
    seed: int
    project_id: int
    reference_key: str | None
    reference_mime: str | None
    problem: str | None


class _Discard(Exception):
    """Roll back the finishing transaction (removing the staged object); fail with `message`."""

    def __init__(self, message: str | None) -> None:
        super().__init__(message)
        self.message = message


def run_job(
    desk: Desk, job_id: int, worker_id: str, *, lease_seconds: float | None = None
) -> JobView:
    """Run one job to its next state and return its view.

    The job is leased to `worker_id` first (a worker passes the job it claimed; any other
    caller gets the job only if it is due and not leased to a live worker; otherwise nothing
    happens). Outcomes: succeeded with its attempt; queued again after a transient provider
    error (failed once `max_tries` is reached); failed with the reason in `last_error`.
    """
    lease = lease_seconds or desk.settings.job_lease_seconds
    if jobs.claim_job(desk, job_id, worker_id, lease):
        try:
            _run_leased(desk, job_id, worker_id, lease)
        except Exception as exc:
            log.exception("job %s failed unexpectedly", job_id)
            # If even this fails, the lease expires and another worker retries the job.
            try:
                jobs.fail(desk, job_id, worker_id, f"Unexpected {type(exc).__name__}: {exc}")
            except Exception:
                log.exception("could not record the failure of job %s", job_id)
    return job_view(desk, job_id)


def _plan(desk: Desk, job_id: int) -> _Plan:
    with desk.read() as session:
        job = session.get(GenerationJob, job_id)
        instance = get_instance(session, job.instance_id)
        scene = session.get(Scene, instance.scene_id)
        image = session.get(Image, job.reference_image_id) if job.reference_image_id else None
        problem = None
        if scene.deleted_at is not None:
            problem = f"Scene {scene.scene_number} was deleted before the image was generated."
        return _Plan(
            prompt=job.prompt,
            seed=job.seed,
            project_id=scene.project_id,
            reference_key=image.storage_key if image else None,
            reference_mime=image.mime_type if image else None,
            problem=problem,
        )


def _run_leased(desk: Desk, job_id: int, worker_id: str, lease: float) -> None:
    try:
        plan = _plan(desk, job_id)
    except NotFound as exc:
        jobs.fail(desk, job_id, worker_id, str(exc))
        return
    if plan.problem:
        jobs.fail(desk, job_id, worker_id, plan.problem)
        return
    try:
        provider = desk.provider
        reference = desk.store.get(plan.reference_key) if plan.reference_key else None
    except ConfigError as exc:
        jobs.fail(desk, job_id, worker_id, str(exc))
        return
    except ObjectNotFound:
        jobs.fail(desk, job_id, worker_id, "The reference image is missing from storage.")
        return
    except StorageError as exc:
        jobs.retry_later(desk, job_id, worker_id, str(exc))
        return
    request = GenerationRequest(plan.prompt, reference, plan.reference_mime, plan.seed)
    started = time.monotonic()
    try:
        with jobs.keep_leased(desk, job_id, worker_id, lease):
            generated = provider.generate(request)
        staged = stage_bytes(desk, plan.project_id, generated.data)
    except ProviderError as exc:
        if exc.transient:
            jobs.retry_later(desk, job_id, worker_id, str(exc))
        else:
            jobs.fail(desk, job_id, worker_id, str(exc))
        return
    except InvalidImage as exc:
        jobs.fail(desk, job_id, worker_id, f"The provider returned an unusable image: {exc}")
        return
    except StorageError as exc:
        message = f"Could not store the generated image: {exc}"
        jobs.retry_later(desk, job_id, worker_id, message)
        return
    duration_ms = round((time.monotonic() - started) * 1000)
    try:
        instance_id, attempt_id = _finish(desk, job_id, worker_id, staged, generated, duration_ms)
    except _Discard as discard:
        if discard.message:
            jobs.fail(desk, job_id, worker_id, discard.message)
        return
    _flag_look_alike(desk, instance_id, attempt_id)


def _flag_look_alike(desk: Desk, instance_id: int, attempt_id: int) -> None:
    """Flag the new attempt "same as #n" when it looks like another live attempt of the
    instance, earlier results of the same batch included (stage8.decisions.duplicates). After
    the job committed: a flag is a hint, so a failure here never fails the job."""
    try:
        duplicates.flag_near_duplicates(desk, instance_id, [attempt_id])
    except Exception:
        log.exception("near-duplicate check of attempt %s failed", attempt_id)


def _finish(
    desk: Desk,
    job_id: int,
    worker_id: str,
    staged: StagedImage,
    generated: GeneratedImage,
    duration_ms: int,
) -> tuple[int, int]:
    """Add the attempt and mark the job succeeded in one transaction, or discard the image;
    returns (instance id, attempt id)."""
    with rows_or_rollback_objects(desk, [staged]), desk.tx() as session:
        job = jobs.leased_job(session, job_id, worker_id)
        if job is None:  # Another worker took the job over; its result is the one kept.
            raise _Discard(None)
        try:
            instance = get_instance(session, job.instance_id, for_update=True)
        except NotFound as exc:
            raise _Discard(f"{exc} The generated image was discarded.") from exc
        scene = session.get(Scene, instance.scene_id)
        if scene.deleted_at is not None:
            raise _Discard(
                f"Scene {scene.scene_number} was deleted while the image was being generated; "
                "the image was discarded."
            )
        human_changed = instance.selection_version != job.selection_version_at_queue
        extra = {
            **generated.metadata,
            "offline_preview": bool(generated.metadata.get("offline_preview")),
            "seed": job.seed,
        }
        if human_changed and instance.selected_attempt_id is not None:
            extra["new_unreviewed"] = True
        attempt, evicted = ledger.new_attempt(
            session,
            instance,
            source="generated",
            image_id=image_row(session, staged).id,
            actor=on_behalf_of(job.requested_by, worker_id),
            select_it=not human_changed,
            human_selection=False,
            cap=desk.settings.attempt_cap,
            event_kind="generate",
            cost_usd=generated.cost_usd,
            prompt=job.prompt,
            provider=generated.provider,
            model=generated.model,
            reference_image_id=job.reference_image_id,
            generation_job_id=job.id,
            duration_ms=duration_ms,
            extra=extra,
            mime_type=staged.processed.mime_type,
            file_size=len(staged.processed.data),
        )
        if evicted:
            attempt.extra = {**extra, "evicted_attempts": [a.attempt_number for a in evicted]}
        jobs.complete(job, attempt.id)
        return instance.id, attempt.id
