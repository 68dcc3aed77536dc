"""Image generation providers behind one protocol, chosen by `STAGE8_IMAGE_PROVIDER`.

`offline` (the default) draws a free, deterministic preview; `gemini` calls Google's Gemini API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from stage8.errors import ConfigError
from stage8.providers.base import (
    PROVIDERS,
    GeneratedImage,
    GenerationRequest,
    ImageProvider,
    check_provider,
)
from stage8.providers.gemini import GeminiProvider
from stage8.providers.offline import OfflineProvider

if TYPE_CHECKING:  # settings import the name check from providers.base: no runtime cycle
    from stage8.config import Settings

__all__ = [
    "PROVIDERS",
    "GeminiProvider",
    "GeneratedImage",
    "GenerationRequest",
    "ImageProvider",
    "OfflineProvider",
    "check_provider",
    "make_provider",
]


def make_provider(settings: Settings) -> ImageProvider:
    """The provider the settings name; raise ConfigError when it cannot be used as configured."""
    if check_provider(settings.image_provider or "offline") == "offline":
        return OfflineProvider()
    if not settings.gemini_api_key:
        raise ConfigError(
            "GEMINI_API_KEY is not set: add it to the environment or .streamlit/secrets.toml, "
            "or set STAGE8_IMAGE_PROVIDER=offline."
        )
    return GeminiProvider(
        api_key=settings.gemini_api_key,
        model=settings.gemini_model,
        base_url=settings.gemini_base_url,
    )
