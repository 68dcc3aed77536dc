"""Issue 16: a scene-page rerun does no image work once images have their renditions.

Counts every decode (ImageFile.load), resize (Image.resize) and re-encode by Streamlit
(image_utils._pil_to_bytes) while the page reruns; the header reads `st.image` always makes to
learn a JPEG's size and format decode no pixels and are not counted.
"""

from __future__ import annotations

from collections import Counter

import pytest
from PIL import Image, ImageFile
from sqlalchemy import select
from streamlit.elements.lib import image_utils

from stage8.db.models import Image as ImageRow
from stage8.images.objects import RENDITION_WIDTHS
from stage8.images.renditions import backfill
from stage8.storage.keys import rendition_key


@pytest.fixture
def image_work(monkeypatch) -> Counter:
    """Start counting image work (call `start()` on the result after the first run)."""
    counts: Counter = Counter()

    def counted(name, original):
        def wrapper(*args, **kwargs):
            counts[name] += 1
            return original(*args, **kwargs)

        return wrapper

    def start() -> None:
        monkeypatch.setattr(
            ImageFile.ImageFile, "load", counted("decode", ImageFile.ImageFile.load)
        )
        monkeypatch.setattr(Image.Image, "resize", counted("resize", Image.Image.resize))
        monkeypatch.setattr(
            image_utils, "_pil_to_bytes", counted("encode", image_utils._pil_to_bytes)
        )
        # Not work: how many images st.image was given (so "no work" means images were shown).
        monkeypatch.setattr(image_utils, "image_to_url", counted("shown", image_utils.image_to_url))

    counts.start = start  # type: ignore[attr-defined]
    return counts


def _drop_renditions(desk) -> None:
    with desk.read() as s:
        keys = list(s.scalars(select(ImageRow.storage_key)))
    desk.store.remove([rendition_key(k, w) for k in keys for w in RENDITION_WIDTHS])


def test_a_rerun_does_no_image_work_with_renditions_made_at_ingest(app, image_work):
    at = app(scene=1).run()  # the demo is seeded here, through the ingest
    assert not at.exception
    image_work.start()
    at.run()
    assert not at.exception
    shown = image_work.pop("shown")
    assert shown >= 10  # every panel's image, its thumbnails and its reference
    assert dict(image_work) == {}


def test_images_stored_before_renditions_work_every_rerun_until_backfilled(
    app, ui_desk, image_work
):
    _drop_renditions(ui_desk)
    at = app(scene=1).run()
    image_work.start()
    at.run()
    assert image_work["resize"] > 0  # today's fallback: st.image shrinks them on every rerun

    report = backfill(ui_desk)
    assert report.made > 0
    at.run()  # picks the renditions up (a missing rendition is never cached)
    image_work.clear()
    at.run()
    assert not at.exception
    assert image_work.pop("shown") >= 10
    assert dict(image_work) == {}
