"""The offline provider: deterministic, visibly prompt-dependent, free, and offline."""

from __future__ import annotations

import io
import socket
from decimal import Decimal

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageStat

from stage8.config import Settings
from stage8.errors import ProviderError
from stage8.providers import (
    GenerationRequest,
    ImageProvider,
    OfflineProvider,
    make_provider,
)
from stage8.providers.offline import LONG_EDGE


def _reference(colour: tuple[int, int, int], size: tuple[int, int] = (1200, 800)) -> bytes:
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2), fill=(250, 250, 250))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _generate(prompt: str, reference: bytes | None = None, seed: int = 0) -> bytes:
    request = GenerationRequest(
        prompt=prompt,
        reference_image=reference,
        reference_mime="image/png" if reference else None,
        seed=seed,
    )
    return OfflineProvider().generate(request).data


def _difference(a: bytes, b: bytes) -> float:
    """Mean absolute per-channel difference, 0 (identical) to 255."""
    with Image.open(io.BytesIO(a)) as first, Image.open(io.BytesIO(b)) as second:
        assert first.size == second.size
        diff = ImageChops.difference(first.convert("RGB"), second.convert("RGB"))
        return sum(ImageStat.Stat(diff).mean) / 3


REFERENCE = _reference((40, 90, 160))


def test_same_inputs_give_identical_bytes() -> None:
    first = _generate("hero on a rooftop at dawn", REFERENCE, seed=7)
    second = _generate("hero on a rooftop at dawn", REFERENCE, seed=7)
    assert first == second
    assert _generate("empty street") == _generate("empty street")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("hero on a rooftop at dawn", 0), ("hero on a rooftop at dusk", 0)),
        (("hero on a rooftop at dawn", 0), ("hero on a rooftop at dawn", 1)),
        (("a quiet kitchen", 3), ("a quiet kitchen", 4)),
    ],
)
def test_prompt_or_seed_changes_the_image_visibly(a: tuple[str, int], b: tuple[str, int]) -> None:
    for reference in (REFERENCE, None):
        first = _generate(a[0], reference, seed=a[1])
        second = _generate(b[0], reference, seed=b[1])
        assert _difference(first, second) > 10


def test_reference_changes_the_image() -> None:
    other = _reference((200, 60, 30))
    assert _difference(_generate("castle", REFERENCE), _generate("castle", other)) > 10
    square = _reference((40, 90, 160), size=(LONG_EDGE, LONG_EDGE))
    assert _difference(_generate("castle", square), _generate("castle")) > 10


def test_output_is_a_png_fitted_to_the_long_edge() -> None:
    with Image.open(io.BytesIO(_generate("a wide shot", REFERENCE))) as image:
        assert image.format == "PNG"
        assert image.mode == "RGB"
        assert image.size == (LONG_EDGE, 512)  # the 3:2 reference keeps its shape
        image.verify()
    small = _reference((10, 10, 10), size=(120, 200))
    with Image.open(io.BytesIO(_generate("a portrait", small))) as image:
        assert max(image.size) == LONG_EDGE
    with Image.open(io.BytesIO(_generate("no reference"))) as image:
        assert image.size == (LONG_EDGE, LONG_EDGE)


def test_reads_transparent_and_jpeg_references() -> None:
    transparent = Image.new("RGBA", (300, 300), (255, 0, 0, 0))
    jpeg = Image.new("RGB", (640, 480), (0, 128, 0))
    for image, fmt in ((transparent, "PNG"), (jpeg, "JPEG")):
        buffer = io.BytesIO()
        image.save(buffer, format=fmt)
        data = _generate("prop on a table", buffer.getvalue())
        assert Image.open(io.BytesIO(data)).format == "PNG"


def test_result_is_marked_as_a_free_offline_preview() -> None:
    provider = OfflineProvider()
    result = provider.generate(
        GenerationRequest(prompt="x", reference_image=None, reference_mime=None, seed=42)
    )
    assert result.metadata == {"offline_preview": True, "seed": 42}
    assert result.mime_type == "image/png"
    assert (result.provider, result.model) == ("offline", "offline-preview-1")
    assert result.cost_usd == Decimal("0") and isinstance(result.cost_usd, Decimal)
    assert provider.estimate_cost() == Decimal("0")
    assert isinstance(provider, ImageProvider)


def test_unreadable_reference_is_a_permanent_provider_error() -> None:
    with pytest.raises(ProviderError) as caught:
        _generate("anything", b"not an image at all")
    assert caught.value.transient is False
    assert "reference image" in str(caught.value)


def test_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the offline provider opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert _generate("still works", REFERENCE)


def test_offline_is_the_default_provider() -> None:
    provider = make_provider(Settings())
    assert isinstance(provider, OfflineProvider)
