"""The offline provider: a deterministic preview drawn with Pillow, free and without network.

It lets the whole desk (pages, jobs, costs, cleanup) run end to end with no API key. The image is
plainly marked as a preview, so nobody mistakes it for a generated one.
"""

from __future__ import annotations

import hashlib
import io
from decimal import Decimal
from functools import lru_cache

from PIL import Image, ImageDraw, ImageEnhance, ImageFont, ImageOps

from stage8.errors import ProviderError
from stage8.providers.base import GeneratedImage, GenerationRequest

LONG_EDGE = 768
CAPTION = "OFFLINE PREVIEW"
_NEUTRAL = (128, 128, 128)
_PROMPT_WORDS = 8

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


class _Dice:
    """An endless, reproducible stream of numbers drawn from one digest.

    `random.Random` is avoided on purpose: its derived methods (choice, randint) are not promised
    to give the same values across Python versions, and the preview must be byte-stable.
    """

    def __init__(self, digest: bytes) -> None:
        self._digest = digest
        self._counter = 0
        self._pool = b""

    def _take(self, n: int) -> bytes:
        while len(self._pool) < n:
            block = hashlib.sha256(self._digest + self._counter.to_bytes(8, "big")).digest()
            self._pool += block
            self._counter += 1
        out, self._pool = self._pool[:n], self._pool[n:]
        return out

    def unit(self) -> float:
        """A number in [0, 1)."""
        return int.from_bytes(self._take(4), "big") / 2**32

    def between(self, low: float, high: float) -> float:
        return low + (high - low) * self.unit()

    def below(self, n: int) -> int:
        return int(self.unit() * n)

    def colour(self, low: int = 0, high: int = 255) -> tuple[int, int, int]:
        return (
            int(self.between(low, high)),
            int(self.between(low, high)),
            int(self.between(low, high)),
        )


class OfflineProvider:
    """Draws a preview from the reference image (or a neutral canvas) and the prompt.

    Guarantees: the same (reference bytes, prompt, seed) always gives identical PNG bytes; a
    different prompt or seed changes the grade, framing and shapes visibly; cost is always zero;
    the network is never used.
    """

    name = "offline"
    model = "offline-preview-1"

    def estimate_cost(self) -> Decimal:
        """Always Decimal("0")."""
        return Decimal("0")

    def generate(self, request: GenerationRequest) -> GeneratedImage:
        """Return a PNG preview; raise ProviderError (not transient) for an unreadable reference."""
        dice = _Dice(hashlib.sha256(f"{request.prompt}\x00{request.seed}".encode()).digest())
        if request.reference_image:
            base = _fit(_decode_reference(request.reference_image))
        else:
            base = _neutral_canvas(dice)
        image = _recompose(base, dice)
        image = _grade(image, dice)
        image = _overlay_shapes(image, dice)
        image = _caption(image, request.prompt, request.seed)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return GeneratedImage(
            data=buffer.getvalue(),
            mime_type="image/png",
            provider=self.name,
            model=self.model,
            cost_usd=Decimal("0"),
            metadata={"offline_preview": True, "seed": request.seed},
        )


def _decode_reference(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        # Lets the JPEG decoder skip detail that the resize would throw away anyway.
        image.draft("RGB", (LONG_EDGE, LONG_EDGE))
        image = ImageOps.exif_transpose(image)
        image.load()
    except Exception as exc:  # Pillow raises many types for corrupt or unsupported input.
        raise ProviderError(
            f"The reference image could not be read for the offline preview ({exc})."
        ) from exc
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, (*_NEUTRAL, 255))
        return Image.alpha_composite(canvas, rgba).convert("RGB")
    return image.convert("RGB")


def _fit(image: Image.Image) -> Image.Image:
    width, height = image.size
    scale = LONG_EDGE / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def _neutral_canvas(dice: _Dice) -> Image.Image:
    top = dice.colour(90, 150)
    bottom = dice.colour(60, 120)
    gradient = Image.linear_gradient("L").resize((LONG_EDGE, LONG_EDGE))
    return Image.composite(
        Image.new("RGB", (LONG_EDGE, LONG_EDGE), bottom),
        Image.new("RGB", (LONG_EDGE, LONG_EDGE), top),
        gradient,
    )


def _recompose(image: Image.Image, dice: _Dice) -> Image.Image:
    """Zoom into a prompt-chosen window and maybe mirror it: a different framing per prompt."""
    width, height = image.size
    zoom = dice.between(0.72, 0.95)
    crop_w, crop_h = max(1, round(width * zoom)), max(1, round(height * zoom))
    left = round(dice.unit() * (width - crop_w))
    top = round(dice.unit() * (height - crop_h))
    framed = image.crop((left, top, left + crop_w, top + crop_h)).resize(
        (width, height), Image.Resampling.BICUBIC
    )
    return ImageOps.mirror(framed) if dice.below(2) else framed


def _grade(image: Image.Image, dice: _Dice) -> Image.Image:
    shift = 32 + dice.below(192)  # never a near-identity hue shift
    hue, saturation, value = image.convert("HSV").split()
    hue = hue.point(lambda h: (h + shift) % 256)
    shifted = Image.merge("HSV", (hue, saturation, value)).convert("RGB")
    shifted = ImageEnhance.Color(shifted).enhance(dice.between(0.7, 1.5))
    shifted = ImageEnhance.Contrast(shifted).enhance(dice.between(0.85, 1.2))
    shifted = ImageEnhance.Brightness(shifted).enhance(dice.between(0.9, 1.1))
    # A duotone wash gives even a grey canvas a prompt-specific colour.
    wash = ImageOps.colorize(image.convert("L"), black=dice.colour(0, 110), white=dice.colour(150))
    return Image.blend(shifted, wash, dice.between(0.25, 0.45))


def _overlay_shapes(image: Image.Image, dice: _Dice) -> Image.Image:
    width, height = image.size
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for _ in range(3 + dice.below(3)):
        fill = (*dice.colour(), int(dice.between(70, 140)))
        x0, y0 = dice.unit() * width, dice.unit() * height
        x1 = x0 + dice.between(0.1, 0.4) * width
        y1 = y0 + dice.between(0.1, 0.4) * height
        kind = dice.below(3)
        if kind == 0:
            draw.ellipse((x0, y0, x1, y1), fill=fill)
        elif kind == 1:
            draw.rectangle((x0, y0, x1, y1), outline=fill, width=max(2, width // 100))
        else:
            draw.line((x0, y0, x1, y1), fill=fill, width=max(3, width // 60))
    return Image.alpha_composite(image.convert("RGBA"), layer).convert("RGB")


@lru_cache(maxsize=16)
def _font(size: int) -> Font:
    return ImageFont.load_default(size=size)


def _fit_text(draw: ImageDraw.ImageDraw, text: str, font: Font, max_width: float) -> str:
    if draw.textlength(text, font=font) <= max_width:
        return text
    while text and draw.textlength(text + "...", font=font) > max_width:
        text = text[:-1]
    return text.rstrip() + "..."


def _caption(image: Image.Image, prompt: str, seed: int) -> Image.Image:
    width, height = image.size
    strip = max(24, height // 9)
    margin = max(4, strip // 6)
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    draw.rectangle((0, height - strip, width, height), fill=(0, 0, 0, 180))
    title_font = _font(max(8, strip * 2 // 5))
    body_font = _font(max(8, strip // 3))
    words = prompt.split()
    snippet = " ".join(words[:_PROMPT_WORDS]) + (" ..." if len(words) > _PROMPT_WORDS else "")
    usable = width - 2 * margin
    draw.text(
        (margin, height - strip + margin),
        _fit_text(draw, f"{CAPTION}  seed {seed}", title_font, usable),
        font=title_font,
        fill=(255, 255, 255, 255),
    )
    draw.text(
        (margin, height - margin),
        _fit_text(draw, snippet, body_font, usable),
        font=body_font,
        fill=(225, 225, 225, 255),
        anchor="ls",
    )
    return Image.alpha_composite(image.convert("RGBA"), layer).convert("RGB")
