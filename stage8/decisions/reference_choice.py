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
            instance.reference_image_id = None
            instance.reference_scene_id = None
            instance.reference_chosen_at = None
            instance.reference_chosen_by = None
            label = "the default"
        else:
            entry = _find_entry(before, choice)
            instance.reference_image_id = entry.image_id
            instance.reference_scene_id = entry.scene_id if entry.source == "scene" else None
            instance.reference_chosen_at = utcnow()
            instance.reference_chosen_by = actor_name(actor)
            label = entry.label
        session.flush()
        if instance.use_master_as_is:
            apply_as_is(session, desk, instance, actor=actor, reason="reference changed")
        after = reference_state(session, instance_id)
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
        version = instance.version
    return ReferenceChange(after, f"Reference set to {label}.", version)


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
