"""Image bytes for the browser: thumbnails and display-size JPEGs, cached by immutable key.

Keys are content-addressed, so a cached entry can never go stale. Only small JPEGs are sent:
st.image passes those through untouched, while WebP/PNG bytes would be re-encoded every rerun.
"""

from __future__ import annotations

import io

import streamlit as st
from PIL import Image

from stage8.errors import Stage8Error
from stage8.ui.session import get_desk
from stage8.ui.text import inert

DISPLAY_EDGE = 1024


@st.cache_data(max_entries=2000, show_spinner=False)
def object_bytes(key: str) -> bytes | None:
    try:
        return get_desk().store.get(key)
    except Stage8Error:
        return None


@st.cache_data(max_entries=300, show_spinner=False)
def display_jpeg(key: str, edge: int = DISPLAY_EDGE) -> bytes | None:
    data = object_bytes(key)
    if data is None:
        return None
    with Image.open(io.BytesIO(data)) as im:
        im.draft("RGB", (edge, edge))
        im = im.convert("RGBA") if "A" in im.getbands() else im.convert("RGB")
        im.thumbnail((edge, edge), Image.Resampling.LANCZOS)
        if im.mode == "RGBA":
            flat = Image.new("RGB", im.size, (236, 236, 236))
            flat.paste(im, mask=im.getchannel("A"))
            im = flat
        out = io.BytesIO()
        im.save(out, format="JPEG", quality=85, optimize=True)
        return out.getvalue()


def show_image(
    key: str | None,
    *,
    caption: str | None = None,
    width: int | str = "stretch",
    display: bool = False,
) -> None:
    """Show a stored image (thumbnail key, or a display-size copy of a full image)."""
    data = None
    if key:
        data = display_jpeg(key) if display else object_bytes(key)
    if data is None:
        st.caption("🖼️ image unavailable" if key else "no image")
        return
    st.image(data, caption=None if caption is None else inert(caption), width=width)
