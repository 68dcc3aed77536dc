"""The compare view (key c on the sheet): the shown attempt, the selected attempt and the
effective reference side by side at one size with each attempt's continuity badge (red "drift"
under STAGE8_DRIFT_BELOW), a slider between two of them with how alike those two look, and a
diff of the two attempts' metadata."""

from __future__ import annotations

import base64
from html import escape

import streamlit as st

from stage8.desk import Desk
from stage8.errors import Stage8Error
from stage8.images.similarity import Similarity
from stage8.reads.board import AssetPanel
from stage8.reads.compare import CompareImage, Comparison, comparison, pair_similarity
from stage8.ui import state as keys
from stage8.ui.media import show_image, shown_bytes
from stage8.ui.text import inert, md

SIDE_WIDTH = 260  # each of the three images: the 260 px rendition, shown as it is
SLIDER_WIDTH = 520  # the slider: the 520 px renditions
_PAIRS = {
    "Shown ↔ reference": ("shown", "reference"),
    "Shown ↔ selected": ("shown", "selected"),
    "Selected ↔ reference": ("selected", "reference"),
}
_WORD_STYLE = {"removed": ":red[~~{text}~~]", "added": ":green[**{text}**]", "same": "{text}"}


@st.dialog("Compare", width="large")
def open_compare(desk: Desk, panel: AssetPanel, shown_attempt_id: int) -> None:
    """Open the compare dialog for one asset and the attempt its row shows."""
    try:
        view = comparison(panel, shown_attempt_id)
    except Stage8Error as exc:
        st.error(inert(exc))
        return
    st.subheader(inert(view.asset_name))
    drift_below = desk.settings.drift_below
    with st.container(key=keys.COMPARE_IMAGES, horizontal=True):
        for image in view.images:
            with st.container(width=SIDE_WIDTH):
                show_image(image.image_key, width=SIDE_WIDTH, display=True)
                st.caption(inert(image.title))
                st.markdown(continuity_badge(image, drift_below))
    # Side by side on a laptop; Streamlit stacks the columns on a narrow screen.
    slider_col, diff_col = st.columns([11, 9])
    with slider_col:
        _slider(desk, view)
    with diff_col:
        _differences(view)


def continuity_badge(image: CompareImage, drift_below: int) -> str:
    """The image's continuity against the reference, as a badge (the desk's own words)."""
    if image.role == "reference":
        return ":blue-badge[the reference]"
    if image.continuity is None:
        return ":gray-badge[continuity not scored yet]"
    if image.drifts(drift_below):
        return f":red-badge[continuity {image.continuity} · drift]"
    return f":gray-badge[continuity {image.continuity}]"


@st.cache_data(max_entries=1000, show_spinner=False)
def _similarity(database: str, image_id: int, other_id: int, _desk: Desk) -> Similarity | None:
    """Cached by image pair (images never change; `database` keeps two desks apart): a rerun
    of the dialog, or another pick of the pair, does no image work."""
    return pair_similarity(_desk, image_id, other_id)


def _similarity_line(desk: Desk, left: CompareImage, right: CompareImage) -> None:
    if left.image_id is None or right.image_id is None:
        return
    # One order per pair, whichever side each is on: an attempt against the reference as
    # continuity scores it (the measure mirrors its second image), two attempts by image id.
    if "reference" in (left.role, right.role):
        a, b = (right, left) if left.role == "reference" else (left, right)
        a, b = a.image_id, b.image_id
    else:
        a, b = sorted((left.image_id, right.image_id))
    found = _similarity(desk.settings.database_url, a, b, desk)
    with st.container(key=keys.COMPARE_SIMILARITY):
        if found is None:
            st.caption("How alike these two look cannot be measured: an image is unavailable.")
            return
        low = "reference" in (left.role, right.role) and found.score < desk.settings.drift_below
        st.markdown(
            f":{'red' if low else 'gray'}-badge[similarity {found.score}"
            f"{' · drift' if low else ''}] perceptual {found.perceptual:.2f} · "
            f"gradient {found.gradient:.2f} · colour {found.colour:.2f} · "
            f"structure {found.structure:.2f}",
            help="How alike the two pictures look (0–100): layout, shapes and palette of their "
            "thumbnails. It does not recognise who or what is in them.",
        )


def _slider(desk: Desk, view: Comparison) -> None:
    pairs = {
        label: pair
        for label, pair in _PAIRS.items()
        if view.image(pair[0]) is not None and view.image(pair[1]) is not None
    }
    if not pairs:
        return
    label = st.radio("Slide between", list(pairs), horizontal=True, key=keys.COMPARE_PAIR, index=0)
    left, right = (view.image(role) for role in pairs[label or next(iter(pairs))])
    _similarity_line(desk, left, right)
    html = _slider_html(left, right)
    if html is None:
        st.caption("The images for the slider are unavailable.")
        return
    st.html(html, unsafe_allow_javascript=True)


def _data_uri(image: CompareImage) -> str | None:
    data = shown_bytes(image.image_key, SLIDER_WIDTH) if image.image_key else None
    if data is None:
        return None
    return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")


def _slider_html(left: CompareImage, right: CompareImage) -> str | None:
    """Two images stacked at one width; the range input uncovers the left one over the right.

    Written here (no component): the published slider components fetch their script from a
    CDN at run time, which the desk must not depend on."""
    a, b = _data_uri(left), _data_uri(right)
    if a is None or b is None:
        return None
    left_title, right_title = escape(left.title), escape(right.title)
    return f"""
<div class="s8-compare" data-testid="compare-slider" style="position:relative;
     width:{SLIDER_WIDTH}px;max-width:100%;line-height:0;user-select:none">
  <img src="{b}" alt="" style="width:100%;display:block">
  <img class="s8-top" src="{a}" alt=""
       style="position:absolute;inset:0;width:100%;clip-path:inset(0 50% 0 0)">
  <div class="s8-line" style="position:absolute;top:0;bottom:0;left:50%;width:2px;
       background:#fff;box-shadow:0 0 3px #000"></div>
</div>
<div style="display:flex;justify-content:space-between;width:{SLIDER_WIDTH}px;max-width:100%;
     font-size:0.8rem"><span>◀ {left_title}</span><span>{right_title} ▶</span></div>
<input class="s8-range" type="range" min="0" max="100" value="50"
       aria-label="Slide between {left_title} and {right_title}"
       style="width:{SLIDER_WIDTH}px;max-width:100%">
<script>
(() => {{
  const ranges = document.querySelectorAll("input.s8-range");
  const range = ranges[ranges.length - 1];
  const box = range.previousElementSibling.previousElementSibling;
  range.addEventListener("input", () => {{
    const v = Number(range.value);
    box.querySelector(".s8-top").style.clipPath = `inset(0 ${{100 - v}}% 0 0)`;
    box.querySelector(".s8-line").style.left = v + "%";
  }});
}})();
</script>
"""


def _differences(view: Comparison) -> None:
    if not view.fields:
        st.caption("The shown attempt is the selected one: nothing to tell apart.")
        return
    rows = ["| | Shown | Selected |", "|---|---|---|"]
    for field in view.fields:
        mark = "" if field.same else " ≠"
        rows.append(
            md("| **{label}**", label=field.label)
            + mark
            + md(" | {a} | {b} |", a=field.shown, b=field.selected)
        )
    st.markdown("\n".join(rows))
    if any(change.kind != "same" for change in view.prompt_changes):
        words = " ".join(
            md(_WORD_STYLE[change.kind], text=change.text) for change in view.prompt_changes
        )
        st.markdown("**Prompt** (selected → shown: " + ":red[~~removed~~] :green[**added**]): ")
        st.markdown(words)
    elif view.prompt_changes:
        st.caption("Same prompt.")
