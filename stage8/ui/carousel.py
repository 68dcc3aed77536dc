"""One carousel widget for attempts and for the reference chain: big image, ◀ ▶, "i / N",
a strip of thumbnails, badges. It takes plain items and keeps its position across reruns.

In the strip each thumbnail carries its item's own label (an attempt's "#n", never its
position); the shown item's button is filled, and a `marked` item (the selected attempt) has a
green ✓ under its button, so the one shown and the one selected are told apart (a ✓ inside the
label would not fit a strip button at 1280 px)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import streamlit as st

from stage8.ui import state as keys
from stage8.ui.media import show_image
from stage8.ui.text import inert, md

STRIP = 8


@dataclass(frozen=True)
class CarouselItem:
    ident: int
    image_key: str | None
    thumb_key: str | None
    title: str
    badges: Sequence[str] = field(default_factory=tuple)
    label: str | None = None  # the strip's label (e.g. "#3"); default: the position
    marked: bool = False  # the strip marks it with a green ✓ (the selected attempt)


def _clamp(i: int, n: int) -> int:
    return max(0, min(i, n - 1))


def position(key: str, items: Sequence[CarouselItem], start: int) -> int:
    """The shown index; it follows the shown item (not its index) when items are added."""
    state = st.session_state
    ident = state.get(keys.carousel_ident(key))
    idents = [it.ident for it in items]
    if ident in idents:
        return idents.index(ident)
    return _clamp(start, len(items))


def _go(key: str, idents: list[int], index: int) -> None:
    st.session_state[keys.carousel_ident(key)] = idents[_clamp(index, len(idents))]


def carousel(
    key: str,
    items: Sequence[CarouselItem],
    *,
    start: int = 0,
    image_width: int = 520,
    strip: bool = True,
) -> int | None:
    """Render the carousel; returns the index of the item shown (None when there are none)."""
    if not items:
        return None
    idents = [it.ident for it in items]
    i = position(key, items, start)
    st.session_state[keys.carousel_ident(key)] = idents[i]
    item = items[i]
    show_image(item.image_key, display=True, width=image_width)
    # Badges are the desk's own words (Selected, Pinned, source labels), never data.
    badges = " ".join(badge(b) for b in item.badges)
    st.markdown(md("**{title}** ", title=item.title) + badges)
    left, counter, right = st.columns([1, 2, 1], vertical_alignment="center")
    left.button(
        "◀",
        key=keys.carousel_prev(key),
        disabled=i == 0,
        on_click=_go,
        args=(key, idents, i - 1),
        help="Previous",
    )
    counter.markdown(
        f"<div style='text-align:center' data-testid='carousel-counter'>{i + 1} / {len(items)}"
        "</div>",
        unsafe_allow_html=True,
    )
    right.button(
        "▶",
        key=keys.carousel_next(key),
        disabled=i == len(items) - 1,
        on_click=_go,
        args=(key, idents, i + 1),
        help="Next",
    )
    if not strip:
        return i
    lo = _clamp(i - STRIP // 2, max(1, len(items) - STRIP + 1))
    strip = items[lo : lo + STRIP]
    cols = st.columns(STRIP)
    for col, (j, it) in zip(cols, enumerate(strip, start=lo), strict=False):
        with col:
            show_image(it.thumb_key)
            col.button(
                it.label or str(j + 1),
                key=keys.carousel_jump(key, it.ident),
                on_click=_go,
                args=(key, idents, j),
                help=inert(it.title + (" (selected)" if it.marked else "")),
                type="primary" if j == i else "secondary",
            )
            if it.marked:
                col.markdown(SELECTED_MARK)
    return i


SELECTED_MARK = ":green-badge[:material/check:]"  # under the strip button of a marked item

COLOURS = {
    "Selected": "green",
    "Pinned": "orange",
    "In use": "green",
    "Chosen": "blue",
    "Default": "violet",
    "Stale": "red",
    "Same as": "orange",  # "Same as #3": a near-duplicate of attempt #3
}


def badge(name: str) -> str:
    """A coloured Markdown badge; `name` is the desk's own word, never data (its colour is
    looked up without a trailing "#n")."""
    colour = COLOURS.get(name) or COLOURS.get(name.split(" #")[0], "gray")
    return f":{colour}-badge[{name}]"
