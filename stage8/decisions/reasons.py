"""Reason codes: why a reviewer selected another attempt, moved one to the trash or turned
"use master as-is" off, from one configurable list (`STAGE8_REASON_CODES`).

Rules owned here: a code is one of the configured labels (compared without regard to case and
surrounding space, stored as configured); only the reasoned decisions (select, trash, as-is
off) carry one; it is stored on the decision's event (`decision_events.reason_code`) with the
optional free-text note in `reason`.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from stage8.decisions.events import note_reason_code
from stage8.desk import Desk
from stage8.errors import InvalidInput


def check_reason_code(desk: Desk, code: str | None) -> str | None:
    """The configured spelling of `code`; None for no code; InvalidInput for an unknown one."""
    if code is None or not code.strip():
        return None
    wanted = code.strip().casefold()
    for known in desk.settings.reason_codes:
        if known.casefold() == wanted:
            return known
    raise InvalidInput(
        f"{code!r} is not a reason code of this desk; use one of: "
        + ", ".join(desk.settings.reason_codes)
        + " (setting STAGE8_REASON_CODES)."
    )


def give_reason(session: Session, desk: Desk, instance_id: int, code: str | None) -> None:
    """Check `code` and attach it to this transaction's decision on the instance."""
    note_reason_code(session, instance_id, check_reason_code(desk, code))
