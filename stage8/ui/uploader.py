"""The upload widget of an asset panel: choose image files, say which becomes selected, upload.

Files are accepted by content (`stage8.decisions.uploads`), so the uploader takes any file type. The
upload runs in the button's callback, before the panel reruns, so the rerun already shows the
new attempts; the uploader then gets a new key, which empties it, so a later rerun cannot send
the same files again.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from stage8.decisions.uploads import UploadReport, display_filename, upload_images
from stage8.desk import Desk
from stage8.errors import Stage8Error
from stage8.reviewers.roles import Actor, allowed, as_identity
from stage8.ui import conflicts
from stage8.ui import state as keys
from stage8.ui.messages import not_allowed_help
from stage8.ui.text import inert

NO_SELECTION = "none"
_STYLES = {"stored": "success", "reused": "warning", "rejected": "error"}


def upload_widget(
    desk: Desk,
    instance_id: int,
    actor: Actor,
    on_change: Callable[[], None],
    *,
    version: int | None = None,
) -> None:
    """Render the uploader for one scene asset instance.

    Shows the outcome of the previous upload (file names escaped), then the uploader; with
    files chosen, a "Use which as the selected image" choice when there are several, and an
    "Upload N file(s)" button. `on_change` is called (inside the button callback) when an
    upload stored or reused at least one file, so the caller can reload the panel. `version`:
    the instance version shown; when someone changed the asset since, the upload waits for the
    reviewer's choice (`stage8.ui.conflicts`).
    """
    _show_outcome(instance_id)
    key = keys.uploader(instance_id, st.session_state.get(keys.upload_round(instance_id), 0))
    s = desk.settings
    may = allowed(as_identity(actor), "upload")
    files = st.file_uploader(
        "Upload your own images",
        type=None,
        accept_multiple_files=True,
        key=key,
        disabled=not may,
        help=not_allowed_help(may)
        or (
            f"PNG, JPEG or WebP, judged by content, not by name; up to {s.max_upload_mb} MB and "
            f"{s.max_pixels / 1e6:g} megapixels each. Larger than {s.max_edge} pixels is "
            "scaled down; the orientation is fixed and metadata such as GPS is removed."
        ),
    )
    if not files:
        return
    if len(files) > s.attempt_cap:
        st.error(f"Choose at most {s.attempt_cap} files at a time (the attempt cap).")
        return
    if len(files) > 1:
        names = [display_filename(f.name) for f in files]
        st.selectbox(
            "Use which as the selected image",
            options=[*range(len(files)), NO_SELECTION],
            index=len(files) - 1,
            format_func=lambda i: choice_label(names, i),
            key=keys.upload_choice(key),
        )
    st.button(
        button_label(len(files)),
        key=keys.upload_button(key),
        type="primary",
        on_click=_upload,
        args=(desk, instance_id, actor, on_change, key, version),
    )


def button_label(count: int) -> str:
    return f"Upload {count} file{'' if count == 1 else 's'}"


def choice_label(names: list[str], choice: int | str) -> str:
    if choice == NO_SELECTION:
        return "None: keep the current selection"
    return f"{int(choice) + 1}. {names[int(choice)]}"


def outcome_lines(report: UploadReport) -> list[tuple[str, str]]:
    """(alert kind, plain text) for each file, then the summary: what the panel shows."""
    lines = [(_STYLES[r.outcome], r.message) for r in report.results]
    return [*lines, ("caption", report.message)]


def _show_outcome(instance_id: int) -> None:
    for kind, text in st.session_state.pop(keys.upload_outcome(instance_id), []):
        getattr(st, kind)(inert(text))


def _upload(
    desk: Desk,
    instance_id: int,
    actor: Actor,
    on_change: Callable[[], None],
    key: str,
    version: int | None = None,
) -> None:
    state = st.session_state
    files = [(f.name, f.getvalue()) for f in state.get(key) or []]
    select: str | int = "last"
    if len(files) > 1:
        chosen = state.get(keys.upload_choice(key), len(files) - 1)
        select = "none" if chosen == NO_SELECTION else int(chosen)
    try:
        report = conflicts.decide(
            instance_id,
            version,
            lambda v: upload_images(
                desk, instance_id, files, actor=actor, select=select, expected_version=v
            ),
            intent=f"upload of {button_label(len(files)).removeprefix('Upload ')}",
        )
    except Stage8Error as exc:
        state[keys.upload_outcome(instance_id)] = [("error", str(exc))]
        return
    state[keys.upload_round(instance_id)] = state.get(keys.upload_round(instance_id), 0) + 1
    if report is None:  # someone else changed the asset: the conflict notice offers the choice
        on_change()
        return
    state[keys.upload_outcome(instance_id)] = outcome_lines(report)
    if report.stored or report.reused:
        on_change()
