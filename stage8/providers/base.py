"""The image provider protocol: one call that turns a prompt (and a reference image) into an image.

Providers are chosen by `STAGE8_IMAGE_PROVIDER` (see `stage8.providers.make_provider`). Adding a
backend is adding a module with a class that satisfies `ImageProvider`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from stage8.errors import ConfigError

PROVIDERS = ("offline", "gemini")


def check_provider(name: str) -> str:
    """The provider name, lower-cased, when it is one of PROVIDERS; ConfigError otherwise (the
    one place provider names are checked: by the settings and by `make_provider`)."""
    choice = (name or "").lower()
    if choice not in PROVIDERS:
        names = " or ".join(f"'{p}'" for p in PROVIDERS)
        raise ConfigError(f"STAGE8_IMAGE_PROVIDER must be {names}, got {name!r}.")
    return choice


@dataclass(frozen=True)
class GenerationRequest:
    """What to generate: the prompt, an optional reference image, and a seed.

    `reference_mime` may be None when `reference_image` is given; providers then detect the type.
    """

    prompt: str
    reference_image: bytes | None
    reference_mime: str | None
    seed: int = 0


@dataclass(frozen=True)
class GeneratedImage:
    """One generated image with what it cost and which provider and model made it.

    `cost_usd` is an exact Decimal (never a float); `metadata` is JSON-serialisable.
    """

    data: bytes
    mime_type: str
    provider: str
    model: str
    cost_usd: Decimal
    metadata: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class ImageProvider(Protocol):
    name: str
    model: str

    def estimate_cost(self) -> Decimal:
        """The expected cost in USD of one `generate` call, before making it."""

    def generate(self, request: GenerationRequest) -> GeneratedImage:
        """Return one image for the request, or raise ProviderError.

        `ProviderError.transient` is True only when the same request may succeed if retried later
        (rate limits, timeouts, server errors); False when retrying cannot help.
        """
