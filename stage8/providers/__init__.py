"""Image generation providers behind one protocol, chosen by `STAGE8_IMAGE_PROVIDER`.

`offline` (the default) draws a free, deterministic preview; `gemini` calls Google's Gemini API.
"""

from __future__ import annotations

from stage8.config import Settings
from stage8.errors import ConfigError
from stage8.providers.base import GeneratedImage, GenerationRequest, ImageProvider
from stage8.providers.gemini import GeminiProvider
from stage8.providers.offline import OfflineProvider

__all__ = [
    "GeminiProvider",
    "GeneratedImage",
    "GenerationRequest",
    "ImageProvider",
    "OfflineProvider",
    "make_provider",
]


def make_provider(settings: Settings) -> ImageProvider:
    """The provider the settings name; raise ConfigError when it cannot be used as configured."""
    choice = (settings.image_provider or "offline").lower()
    if choice == "offline":
        return OfflineProvider()
    if choice == "gemini":
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
    raise ConfigError(
        f"STAGE8_IMAGE_PROVIDER must be 'offline' or 'gemini', got {settings.image_provider!r}."
    )
