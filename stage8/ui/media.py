"""Image bytes for the browser: thumbnails and display-size JPEGs, cached by immutable key.

Keys are content-addressed, so a cached entry can never go stale. Only small JPEGs are sent:
st.image passes a JPEG at or below the shown width through untouched, while a wider image (or
WebP/PNG bytes) is decoded, resized and re-encoded on every rerun. So each image is shown from
its stored rendition (`stage8.images.renditions`) whose width fits how it is shown; an image
without renditions (stored before they existed, until `python -m stage8 renditions --backfill`)
falls back to a display-size copy made here.
"""

from __future__ import annotations

import io

import streamlit as st
from PIL import Image

from stage8.errors import Stage8Error
from stage8.images.objects import RENDITION_WIDTHS
from stage8.images.renditions import THUMB_RENDITION_WIDTH
from stage8.storage.keys import THUMB_SUFFIX, rendition_key
from stage8.ui.session import get_desk
from stage8.ui.text import inert

DISPLAY_EDGE = 1024


# cache_resource, not cache_data: the bytes are immutable and shared as they are (cache_data
# would unpickle a copy of each on every hit, about 0.3 ms per image per rerun).
@st.cache_resource(max_entries=2000, show_spinner=False)
def object_bytes(key: str) -> bytes | None:
    try:
        return get_desk().store.get(key)
    except Stage8Error:
        return None


class _NoRendition(Exception):
    """Raised (a cache never keeps an exception) so a rendition made later is found next rerun."""


@st.cache_resource(max_entries=2000, show_spinner=False)
def rendition_bytes(key: str) -> bytes:
    try:
        return get_desk().store.get(key)
    except Stage8Error as exc:
        raise _NoRendition(key) from exc


def _rendition_width(key: str, width: int | str, display: bool) -> int | None:
    """The widest rendition st.image shows as it is: at most `width` px when that is a number;
    a thumbnail shown at its column's width gets the thumbnail rendition (about 2x its size)."""
    if isinstance(width, int):
        fitting = [w for w in RENDITION_WIDTHS if w <= width]
        return max(fitting) if fitting else None
    if not display and key.endswith(THUMB_SUFFIX):
        return THUMB_RENDITION_WIDTH
    return None


def _rendition(key: str, width: int | str, display: bool) -> bytes | None:
    chosen = _rendition_width(key, width, display)
    if chosen is None:
        return None
    try:
        return rendition_bytes(rendition_key(key, chosen))
    except (_NoRendition, ValueError):
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


def shown_bytes(key: str, width: int) -> bytes | None:
    """The bytes `show_image(key, width=width, display=True)` would send: the rendition that
    fits `width`, else a display-size copy (None when the object is missing)."""
    return _rendition(key, width, True) or display_jpeg(key)


def show_image(
    key: str | None,
    *,
    caption: str | None = None,
    width: int | str = "stretch",
    display: bool = False,
) -> None:
    """Show a stored image (thumbnail key, or a display-size copy of a full image): its
    rendition at the shown width when it has one, else the thumbnail or a display-size copy."""
    data, jpeg = None, True
    if key:
        data = _rendition(key, width, display)
    if key and data is None:
        data, jpeg = (display_jpeg(key), True) if display else (object_bytes(key), False)
    if data is None:
        st.caption("🖼️ image unavailable" if key else "no image")
        return
    st.image(
        data,
        caption=None if caption is None else inert(caption),
        width=width,
        output_format=_format(jpeg),
    )


def _format(jpeg: bool) -> str:
    # Naming the format spares st.image opening each image once more to guess it (renditions
    # and display copies are JPEGs); a stored thumbnail of another format is left to guess.
    return "JPEG" if jpeg else "auto"


def show_images(keys: list[str | None], *, alt: list[str] | None = None) -> None:
    """Several stored thumbnails side by side as one element (an image list), each from its
    thumbnail rendition and sent as stored: the page's CSS sets the width they are drawn at (a
    width under the rendition's would make st.image resize and re-encode every tile on every
    rerun). A missing one is a blank tile, so the tiles stay above the controls they belong to."""
    images, jpeg = [], True
    for key in keys:
        data = _rendition(key, "stretch", False) if key else blank_tile()
        if data is None:
            data, jpeg = object_bytes(key) or blank_tile(), False
        images.append(data)
    if images:
        st.image(images, width="content", alt=alt, output_format=_format(jpeg))


@st.cache_resource(max_entries=1, show_spinner=False)
def blank_tile() -> bytes:
    """A small light-grey JPEG standing in for an image that is unavailable."""
    out = io.BytesIO()
    Image.new("RGB", (THUMB_RENDITION_WIDTH, THUMB_RENDITION_WIDTH), (236, 236, 236)).save(
        out, format="JPEG", quality=80
    )
    return out.getvalue()
