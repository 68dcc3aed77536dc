"""Every session-state and widget key the pages use, in one place.

A widget's key is also its session-state entry and the `st-key-<key>` class of its element, so
the AppTest tests (`at.button(key=...)`) and the browser tests (`tests/e2e/steps.by_key`) find
elements by these same names. Keys that belong to one scene asset instance, attempt, trash card
or figure are built by the small functions below; nothing else writes an f-string key.
"""

from __future__ import annotations

# --- whole app ---------------------------------------------------------------------------------
REVIEWER_NAME = "reviewer_name"  # sidebar text input; recorded with every decision
SIGNED_IN = "authenticated"  # the shared-password gate was passed in this browser session
GATE_THROTTLE = "gate_throttle"  # this session's failed guesses (stage8.reviewers.gate)
LOGIN_FORM = "login_form"
LOGIN_PASSWORD = "login_password"

# --- scene page: bulk actions --------------------------------------------------------------------
# Bulk state belongs to one scene: each name below is a prefix, made into the key of one scene by
# `bulk(<name>, scene_id)` (a scene id is unique across projects), so scene 4's ticked assets and
# report never show on scene 5 and are back when the reviewer returns to scene 4.
BULK_BOX = "bulk_box"
BULK_ASSETS = "bulk_assets"
BULK_UNCHANGED = "bulk_unchanged"
BULK_GENERATE_ASK = "bulk_generate_ask"
BULK_GENERATE_CONFIRM = "bulk_generate_confirm"
BULK_CONFIRM_IDS = "bulk_confirm_ids"
BULK_AS_IS = "bulk_as_is"
BULK_REPORT = "bulk_report"
BULK_JOBS = "bulk_jobs"


def bulk(name: str, scene_id: int) -> str:
    """The key of bulk widget or state `name` (one of the BULK_* names) on one scene."""
    return f"{name}_{scene_id}"


def kept(widget_key: str) -> str:
    """A copy of a widget's value that outlives the widget (Streamlit drops the state of a widget
    that a run did not draw, e.g. while the reviewer is on another scene)."""
    return f"{widget_key}__kept"


# --- storage and trash pages ---------------------------------------------------------------------
CLEANUP_REFRESH = "cleanup_refresh"
CLEANUP_RUN = "cleanup_run_id"
CLEANUP_PLAN = "cleanup_plan"
CLEANUP_CONFIRM = "cleanup_confirm"
CLEANUP_APPLY = "cleanup_apply"
CLEANUP_SCENE_TOTALS = "cleanup_scene_totals"
TRASH_FLASH = "trash_flash"
TRASH_SHOWN = "trash_shown"  # how many trash cards the page shows
TRASH_MORE = "trash_more"

# --- export and analytics pages ------------------------------------------------------------------
EXPORT_WHAT = "export_what"
EXPORT_PROJECT = "export_project"
EXPORT_SCENE_FROM = "export_scene_from"
EXPORT_SCENE_TO = "export_scene_to"
EXPORT_TYPE = "export_type"
EXPORT_ASSET = "export_asset"
EXPORT_SOURCE = "export_source"
EXPORT_DATES = "export_dates"
EXPORT_SELECTED_ONLY = "export_selected_only"
EXPORT_INCLUDE_TRASHED = "export_include_trashed"
EXPORT_PREVIEW = "export_preview"
ANALYTICS_PROJECT = "analytics_project"


def export_download(fmt: str) -> str:
    return f"export_download_{fmt}"


def figure(name: str) -> str:
    return f"figure_{name}"


def figure_csv(name: str) -> str:
    return f"figure_csv_{name}"


# --- overview ------------------------------------------------------------------------------------
def scene_card(project_id: int, scene_number: int) -> str:
    return f"scene_card_{project_id}_{scene_number}"


# --- carousel (any key prefix: attempts or reference chain) --------------------------------------
def carousel_ident(carousel: str) -> str:
    """The id of the item a carousel shows (kept across reruns, follows the item)."""
    return f"{carousel}__ident"


def carousel_selected(carousel: str) -> str:
    """The selected attempt the carousel last jumped to (to follow a new selection)."""
    return f"{carousel}__selected"


def carousel_prev(carousel: str) -> str:
    return f"{carousel}__prev"


def carousel_next(carousel: str) -> str:
    return f"{carousel}__next"


def carousel_jump(carousel: str, ident: int) -> str:
    return f"{carousel}__jump_{ident}"


# --- one scene asset instance's panel ------------------------------------------------------------
def panel_data(instance_id: int) -> str:
    """The panel's read model, handed from the full page run to the panel's fragment."""
    return f"panel_{instance_id}__data"


def panel_dirty(instance_id: int) -> str:
    """Set when a decision in the panel means its data must be reloaded."""
    return f"panel_{instance_id}__dirty"


def panel_flash(instance_id: int) -> str:
    """(kind, message) of the panel's last decision, shown once as a toast."""
    return f"flash_{instance_id}"


def asset_box(instance_id: int) -> str:
    return f"asset_{instance_id}"


def attempts_box(instance_id: int) -> str:
    return f"attempts_box_{instance_id}"


def reference_box(instance_id: int) -> str:
    return f"reference_box_{instance_id}"


def attempts_carousel(instance_id: int) -> str:
    return f"attempts_{instance_id}"


def reference_carousel(instance_id: int) -> str:
    return f"reference_{instance_id}"


def select_button(instance_id: int) -> str:
    return f"select_{instance_id}"


def pin_button(instance_id: int) -> str:
    return f"pin_{instance_id}"


def trash_button(instance_id: int) -> str:
    return f"trash_{instance_id}"


def revert_button(instance_id: int, event_id: int) -> str:
    return f"revert_{instance_id}_{event_id}"


def reference_default_button(instance_id: int) -> str:
    return f"ref_default_{instance_id}"


def use_reference_button(instance_id: int) -> str:
    return f"use_ref_{instance_id}"


def as_is_checkbox(instance_id: int) -> str:
    return f"as_is_{instance_id}"


def generate_button(instance_id: int) -> str:
    return f"generate_{instance_id}"


# --- the upload widget of a panel ----------------------------------------------------------------
def uploader(instance_id: int, round_: int = 0) -> str:
    """`upload_<id>` at first; every upload moves to a new key so the uploader starts empty."""
    return f"upload_{instance_id}" if round_ == 0 else f"upload_{instance_id}_{round_}"


def upload_choice(uploader_key: str) -> str:
    """ "Use which as the selected image" of that uploader."""
    return f"{uploader_key}__select"


def upload_button(uploader_key: str) -> str:
    return f"{uploader_key}__go"


def upload_round(instance_id: int) -> str:
    return f"upload_{instance_id}__round"


def upload_outcome(instance_id: int) -> str:
    return f"upload_{instance_id}__outcome"


# --- trash cards ---------------------------------------------------------------------------------
def trash_card(attempt_id: int) -> str:
    return f"trash_card_{attempt_id}"


def restore_button(attempt_id: int) -> str:
    return f"restore_{attempt_id}"


def purge_confirm(attempt_id: int) -> str:
    return f"purge_confirm_{attempt_id}"


def purge_button(attempt_id: int) -> str:
    return f"purge_{attempt_id}"


# --- scene page: the contact sheet (one compact row per scene asset instance) --------------------
# The keyboard layer (stage8/ui/keyboard.py) finds a row by its container's `st-key-row_<id>`
# class and acts by clicking the row's buttons below, so these names are its contract too.
SCENE_UNDO = "scene_undo"  # u: undo the last decision in this scene
NEXT_ATTENTION = "next_attention"  # n, when no row of this scene needs attention any more
KEYBOARD_HELP = "keyboard_help"  # ?: the cheat sheet


def row_box(instance_id: int) -> str:
    return f"row_{instance_id}"


def row_show(instance_id: int, attempt_id: int) -> str:
    """A thumbnail of the row's strip: shows that attempt in the row."""
    return f"row_{instance_id}_show_{attempt_id}"


def row_prev(instance_id: int) -> str:  # <-
    return f"row_{instance_id}_prev"


def row_next(instance_id: int) -> str:  # ->
    return f"row_{instance_id}_next"


def row_select(instance_id: int) -> str:  # Enter or s
    return f"row_{instance_id}_select"


def row_as_is(instance_id: int) -> str:  # m (a checkbox or toggle)
    return f"row_{instance_id}_as_is"


def row_generate(instance_id: int) -> str:  # g
    return f"row_{instance_id}_generate"


def row_pin(instance_id: int) -> str:  # p
    return f"row_{instance_id}_pin"


def row_trash(instance_id: int) -> str:  # x
    return f"row_{instance_id}_trash"


def row_compare(instance_id: int) -> str:  # c
    return f"row_{instance_id}_compare"


def row_open(instance_id: int) -> str:
    """The link/button that opens the full panel (`&asset=NAME`)."""
    return f"row_{instance_id}_open"


def row_strip(instance_id: int) -> str:
    """The strip's thumbnails, their "#n" buttons and their marks (one cell per attempt)."""
    return f"row_{instance_id}_strip"


def row_marks(instance_id: int) -> str:
    """The line of marks under the strip: per thumbnail its continuity score, rating and
    look-alike mark (spans of class s8-cell, set in small type)."""
    return f"row_{instance_id}_marks"


def row_needs(instance_id: int) -> str:
    """A marker element present in a row only while it needs attention (n skips to it)."""
    return f"row_{instance_id}_needs"


# --- compare dialog (key c) ----------------------------------------------------------------------
COMPARE_IMAGES = "compare_images"  # the three images side by side
COMPARE_PAIR = "compare_pair"  # which two the slider shows

# --- keyboard layer (stage8/ui/keyboard.py) -------------------------------------------------------
# The hidden container that carries the keyboard script; the script acts only while it is in the
# page, so the keys stop when the reviewer leaves the scene page (Streamlit pages share a document).
KEYBOARD_LAYER = "keyboard_layer"

# --- review queue page (issue 13 item 4) ---------------------------------------------------------
QUEUE_PROJECT = "queue_project"  # which project, when there are several
QUEUE_REASONS = "queue_reasons"  # reason multiselect (empty: every reason)
QUEUE_TYPE = "queue_type"  # asset type select
# "Start" / "Next" (key n): the same key as the sheet's "next that needs attention", so the
# keyboard layer's n presses it on the queue page too.
QUEUE_NEXT = NEXT_ATTENTION
QUEUE_STOP = "queue_stop"  # leave review mode
QUEUE_CURRENT = "queue_current"  # the QueueItem under review, QUEUE_END at the end, else absent
QUEUE_END = "end"
QUEUE_ITEMS = "queue_items"  # the list the last run showed (what Next walks)
QUEUE_ITEM_BOX = "queue_item_box"  # the item under review, with its full panel
QUEUE_DONE = "queue_done"  # "Nothing needs you"
QUEUE_LIST = "queue_list"  # the list of items
QUEUE_SHOWN = "queue_shown"  # how many list rows are shown
QUEUE_MORE = "queue_more"
QUEUE_SIDEBAR = "queue_sidebar"  # the sidebar's "Review queue (N)" link
QUEUE_SIDEBAR_COUNT = "queue_sidebar_count"  # (stamp, count) kept between runs
QUEUE_LIVE_STAMP = "queue_live_stamp"  # attention_stamp the queue page was last drawn under


def queue_scenes(project: str) -> str:
    """The (from, to) scene-number slider of one project (its scenes are its options)."""
    return f"queue_scenes_{project}"


def queue_row(instance_id: int) -> str:
    return f"queue_row_{instance_id}"


# --- scene page: no silent overwrite, live rows, presence (stage8/ui/conflicts.py, live.py) ------
LIVE_SESSION = "live_session"  # this browser session's id in the presence table
LIVE_CHANGED = "live_changed"  # (scene id, instance ids) the live poll found changed elsewhere
LIVE_SEEN = "live_seen"  # (scene id, versions) the poll last reran the page for
LIVE_BOARD = "live_board"  # the scene board last shown, whose unchanged rows the poll reuses
LIVE_PRESENCE = "live_presence"  # (scene id, monotonic time of the last heartbeat, names)
LIVE_BOX = "live_box"  # the "Also here" line's container


def conflict(instance_id: int) -> str:
    """The decision of this session that another person's change made stale, kept for the
    panel's conflict notice (stage8.ui.conflicts)."""
    return f"conflict_{instance_id}"


def conflict_box(instance_id: int) -> str:
    return f"conflict_box_{instance_id}"


def conflict_keep(instance_id: int) -> str:  # "Keep theirs"
    return f"conflict_keep_{instance_id}"


def conflict_replace(instance_id: int) -> str:  # "Replace with mine"
    return f"conflict_replace_{instance_id}"


# --- scene page: the contact sheet's own state (branch sheet) -----------------------------------
SHEET_BACK = "sheet_back"  # "Back to the sheet" above the full panel (`&asset=NAME`)
SHEET_BULK = "sheet_bulk"  # the bulk actions popover of the scene bar
SHEET_SCROLLED = "sheet_scrolled"  # the last element the page scrolled to (scrolls once per open)
SHEET_FLASH = "sheet_flash"  # (kind, message) of the scene bar's last action, shown as a toast
DEMO_BANNER_HIDDEN = "demo_banner_hidden"  # the reviewer closed the demo banner this session
DEMO_BANNER_HIDE = "demo_banner_hide"


def sheet_page(scene_id: int) -> str:
    """The page of rows a scene shows (long scenes show PAGE_SIZE rows at a time)."""
    return f"sheet_page_{scene_id}"


def sheet_page_button(scene_id: int, page: int) -> str:
    return f"sheet_page_{scene_id}_go_{page}"


def sheet_focus(scene_id: int) -> str:
    """The instance id of the row the reviewer last acted on in this scene."""
    return f"sheet_focus_{scene_id}"


def row_shown(instance_id: int) -> str:
    """The attempt id a row shows (kept across reruns; follows the attempt, not its position)."""
    return f"row_{instance_id}__shown"


def row_seen_selected(instance_id: int) -> str:
    """The selected attempt the row last saw, so a new selection (made elsewhere) is shown."""
    return f"row_{instance_id}__seen_selected"


# --- full panel: reference choice, generate form, cap eviction notice (issue 13 items 6, 7) ------
def reference_chain_box(instance_id: int) -> str:
    """The chain's one-line summary: each entry with its Default / Chosen / In use marks."""
    return f"ref_chain_{instance_id}"


def reference_in_use_box(instance_id: int) -> str:
    """The image a stale choice still uses, shown beside its warning."""
    return f"ref_in_use_{instance_id}"


def generate_popover(instance_id: int) -> str:
    return f"generate_{instance_id}__form"


def generate_prompt(instance_id: int) -> str:
    """The editable prompt of the generate form (prefilled with the desk's default prompt)."""
    return f"generate_{instance_id}__prompt"


def generate_count(instance_id: int) -> str:
    return f"generate_{instance_id}__count"


def generate_submit(instance_id: int) -> str:
    return f"generate_{instance_id}__submit"


def evict_box(instance_id: int) -> str:
    """The fixed spot at the panel's top where an eviction by the cap is announced."""
    return f"evict_{instance_id}"


def evict_seen(instance_id: int) -> str:
    """The newest decision event id the panel has looked at for evictions."""
    return f"evict_{instance_id}__seen"


def evict_notice(instance_id: int) -> str:
    """The evicted attempts being announced: a tuple of (attempt id, attempt number)."""
    return f"evict_{instance_id}__notice"


def evict_restore(instance_id: int) -> str:
    return f"evict_{instance_id}__restore"


def evict_dismiss(instance_id: int) -> str:
    return f"evict_{instance_id}__dismiss"


# --- reviewers page (admins; branch roles, issue 14) ---------------------------------------------
REVIEWERS_TABLE = "reviewers_table"  # the list of everyone with a role
REVIEWERS_ADD_EMAIL = "reviewers_add_email"
REVIEWERS_ADD_ROLE = "reviewers_add_role"
REVIEWERS_ADD = "reviewers_add"  # button
REVIEWERS_PICK = "reviewers_pick"  # whose role to change, or whom to remove
REVIEWERS_NEW_ROLE = "reviewers_new_role"
REVIEWERS_CHANGE = "reviewers_change"  # button
REVIEWERS_REMOVE = "reviewers_remove"  # button
REVIEWERS_FLASH = "reviewers_flash"  # (kind, message) of the last action, shown once


# --- analytics insights and storage duplicates (branch insights, issue 15) ----------------------
INSIGHTS_CHAIN_TYPE = "insights_chain_type"  # continuity along the chain: asset type filter
INSIGHTS_CHAIN_ASSET = "insights_chain_asset"  # ... and asset filter
INSIGHTS_REASON_DECISIONS = "insights_reason_decisions"  # which decision kinds' reasons count
INSIGHTS_REASON_BY = "insights_reason_by"  # overall, per asset, per provider or per model
DUPLICATES_PROJECT = "duplicates_project"  # the Storage page's duplicates: which project

# --- attempt order, near-duplicate marks, compare scores (branch gendup, issue 15 items 2-3) ----
# The order of the sheet's strips and the full panel's carousel: "number" (default) or
# "continuity" (best first, unscored last); one control per page, one choice per session.
ATTEMPT_ORDER = "attempt_order"
COMPARE_SIMILARITY = "compare_similarity"  # the slider pair's similarity line


# --- review workspace: reason after the action, star ratings (branch reasons, issue 15) ---------
def why_pending(instance_id: int) -> str:
    """(event id, question) of the decision whose reason the asset's "Why?" bar asks for."""
    return f"why_{instance_id}__pending"


def row_why(instance_id: int) -> str:
    """The "Why?" bar (in the row, or in the full panel), shown after a reasoned decision."""
    return f"row_{instance_id}_why"


def row_why_code(instance_id: int, number: int) -> str:  # digits 1-9 while the bar is open
    return f"row_{instance_id}_why_{number}"


def row_why_skip(instance_id: int) -> str:  # Esc
    return f"row_{instance_id}_why_skip"


def row_shown_box(instance_id: int) -> str:
    """The row's shown image with its stars over its foot (not "row_": no row padding)."""
    return f"shown_{instance_id}"


def row_stars(instance_id: int) -> str:
    """The row's five stars for the shown attempt (one st.feedback widget; digits 1-5 with no
    bar open click the n-th star, 0 the checked one, which clears the rating)."""
    return f"row_{instance_id}_stars"


def panel_stars(instance_id: int) -> str:
    """The full panel's stars, under the shown attempt's metadata."""
    return f"attempt_stars_{instance_id}"


# --- sign-in (stage8/ui/auth.py) ------------------------------------------------------------------
# (this run's cursors, (email, name), Identity): the role read once per script run.
IDENTITY_THIS_RUN = "identity_this_run"
