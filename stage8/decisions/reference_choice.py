"""Choosing an instance's master reference: "Use this reference", and back to the default."""

from __future__ import annotations

from dataclasses import dataclass

from stage8.db.column_types import utcnow
from stage8.db.finders import get_instance, parse_number
from stage8.decisions import ledger
from stage8.decisions.references import ReferenceState, reference_state
from stage8.decisions.use_master import apply_as_is
from stage8.decisions.versions import check_version
from stage8.desk import Desk
from stage8.errors import InvalidInput, NotFound
from stage8.reviewers.roles import Actor, actor_name, authorise


@dataclass(frozen=True)
class ReferenceChange:
    state: ReferenceState
    message: str
    version: int  # the instance's version after the change (send it with the next decision)
    changed: bool = True  # False: the reference already was what was asked, nothing recorded
    evicted: tuple[int, ...] = ()  # attempts the cap moved to the trash (as-is copy added)


def _describe(state: ReferenceState) -> dict:
    return {
        "image_id": state.effective_image_id,
        "source": state.effective_source,
        "scene_number": state.effective_scene_number,
        "default": state.is_default,
    }


def use_reference(
    desk: Desk,
    instance_id: int,
    choice: str | int,
    *,
    actor: Actor,
    reason: str | None = None,
    expected_version: int | None = None,
) -> ReferenceChange:
    """Store the reviewer's reference: "master", an earlier scene's number, or "default".

    Choosing the chain's default entry, or "default", follows the default (`follow_default`):
    it never records a reviewer's choice, and while the instance already follows the default it
    changes nothing (no event). Choosing the entry already chosen changes nothing either.
    One transaction with its decision event. While "use master as-is" is on, the selection moves
    to a master copy of the new reference in the same transaction (invariant 3).
    `expected_version`: the instance version the reviewer saw; StaleVersion when it moved on.
    """
    actor = authorise(actor, "reference")
    with desk.tx() as session:
        instance = get_instance(session, instance_id, for_update=True)
        check_version(session, instance_id, expected_version)
        before = reference_state(session, instance_id)
        if choice == "default":
            return _follow_default(session, desk, instance, before, actor=actor, reason=reason)
        entry = _find_entry(before, choice)
        if before.chain.index(entry) == before.default_index:
            return _follow_default(session, desk, instance, before, actor=actor, reason=reason)
        scene_id = entry.scene_id if entry.source == "scene" else None
        if (instance.reference_image_id, instance.reference_scene_id) == (entry.image_id, scene_id):
            return ReferenceChange(
                before, f"Already using {entry.label}.", instance.version, changed=False
            )
        instance.reference_image_id = entry.image_id
        instance.reference_scene_id = scene_id
        instance.reference_chosen_at = utcnow()
        instance.reference_chosen_by = actor_name(actor)
        return _recorded(
            session, desk, instance, before, f"Reference set to {entry.label}.", actor, reason
        )


def follow_default(
    desk: Desk,
    instance_id: int,
    *,
    actor: Actor,
    reason: str | None = None,
    expected_version: int | None = None,
) -> ReferenceChange:
    """Drop the reviewer's reference choice: the instance follows the chain's default again.

    Nothing changes (and nothing is recorded) when it already follows the default. One
    transaction with its `reference` event; while "use master as-is" is on, the as-is image
    moves to the default in the same transaction, which fixes it as the accepted reference."""
    actor = authorise(actor, "reference")
    with desk.tx() as session:
        instance = get_instance(session, instance_id, for_update=True)
        check_version(session, instance_id, expected_version)
        before = reference_state(session, instance_id)
        return _follow_default(session, desk, instance, before, actor=actor, reason=reason)


def follows_default(state: ReferenceState, as_is: bool) -> bool:
    """The instance uses the default: no choice, or (while "use master as-is" fixes the
    reference it accepted) a current choice of the default entry itself."""
    if state.is_default:
        return True
    return as_is and not state.stale and state.chosen_index == state.default_index


def _follow_default(
    session, desk: Desk, instance, before: ReferenceState, *, actor: Actor, reason: str | None
) -> ReferenceChange:
    default = before.chain[before.default_index] if before.default_index is not None else None
    label = default.label if default is not None else "no image"
    if follows_default(before, instance.use_master_as_is):
        return ReferenceChange(
            before, f"Already following the default ({label}).", instance.version, changed=False
        )
    instance.reference_image_id = None
    instance.reference_scene_id = None
    instance.reference_chosen_at = None
    instance.reference_chosen_by = None
    message = f"Following the default reference ({label})."
    return _recorded(session, desk, instance, before, message, actor, reason)


def _recorded(
    session, desk: Desk, instance, before: ReferenceState, message: str, actor: Actor, reason
) -> ReferenceChange:
    """Apply as-is again when it is on, record the `reference` event, report the change."""
    session.flush()
    evicted: tuple[int, ...] = ()
    if instance.use_master_as_is:
        as_is = apply_as_is(session, desk, instance, actor=actor, reason="reference changed")
        evicted = as_is.evicted
    after = reference_state(session, instance.id)
    ledger.record(
        session,
        instance,
        "reference",
        actor=actor,
        before=_describe(before),
        after=_describe(after),
        reason=reason,
    )
    session.flush()
    return ReferenceChange(after, message, instance.version, evicted=evicted)


def _find_entry(state: ReferenceState, choice: str | int):
    if choice == "master":
        entry = next((e for e in state.chain if e.source == "master"), None)
        if entry is None:
            raise NotFound("This asset has no master image to use as the reference.")
        return entry
    try:
        number = parse_number(str(choice), "The reference")
    except ValueError:
        raise InvalidInput(
            f"Choose the reference as master, default, or the number of an earlier scene, "
            f"not {choice!r}."
        ) from None
    entry = next((e for e in state.chain if number in e.scene_numbers), None)
    if entry is None:
        available = ", ".join(e.label for e in state.chain) or "none"
        raise NotFound(
            f"Scene {number} has no image of this asset before this scene "
            f"(the chain offers: {available})."
        )
    return entry
