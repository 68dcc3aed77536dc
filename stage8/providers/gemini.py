"""The Gemini provider: Google's Gemini API `generateContent` REST endpoint, called with httpx.

The REST endpoint is used directly (not the SDK) so the request, the error mapping and the cost
are all visible here and testable against a loopback fake (`tests/fakes/gemini_api.py`).
"""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
from PIL import Image

from stage8.errors import ProviderError
from stage8.providers.base import GeneratedImage, GenerationRequest
from stage8.redaction import mask_secrets

_MILLION = Decimal(1_000_000)
_TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class ModelPrice:
    """USD prices of one model: per million tokens, and per image when usage is not reported."""

    input_per_million: Decimal
    text_output_per_million: Decimal
    image_output_per_million: Decimal
    per_image: Decimal


# Google's published paid-tier prices (standard, not batch). Output image tokens are billed at the
# image rate, output text and thinking tokens at the text rate.
PRICES: dict[str, ModelPrice] = {
    "gemini-2.5-flash-image": ModelPrice(
        Decimal("0.30"), Decimal("2.50"), Decimal("30"), Decimal("0.039")
    ),
    "gemini-2.5-flash-image-preview": ModelPrice(
        Decimal("0.30"), Decimal("2.50"), Decimal("30"), Decimal("0.039")
    ),
    "gemini-2.0-flash-preview-image-generation": ModelPrice(
        Decimal("0.10"), Decimal("0.40"), Decimal("30"), Decimal("0.039")
    ),
    "gemini-3-pro-image-preview": ModelPrice(
        Decimal("2.00"), Decimal("12.00"), Decimal("120"), Decimal("0.134")
    ),
}
# A model missing from the table is priced like this one and says so in the metadata.
DEFAULT_PRICED_AS = "gemini-2.5-flash-image"


def price_for(model: str) -> tuple[str, ModelPrice]:
    """The table entry a model is billed by: its own, or the default's."""
    key = model.removeprefix("models/")
    if key in PRICES:
        return key, PRICES[key]
    return DEFAULT_PRICED_AS, PRICES[DEFAULT_PRICED_AS]


def cost_from_usage(model: str, usage: dict[str, Any] | None) -> Decimal:
    """Exact USD cost of one response from its `usageMetadata`.

    Falls back to the model's per-image price when the response reports no output tokens.
    """
    _, price = price_for(model)
    usage = usage or {}
    output_tokens = _int(usage.get("candidatesTokenCount"))
    if output_tokens <= 0:
        return price.per_image
    image_tokens = sum(
        _int(detail.get("tokenCount"))
        for detail in usage.get("candidatesTokensDetails") or []
        if isinstance(detail, dict) and detail.get("modality") == "IMAGE"
    )
    if not usage.get("candidatesTokensDetails"):
        # Without a breakdown, an image model's output is taken to be image tokens.
        image_tokens = output_tokens
    text_tokens = max(0, output_tokens - image_tokens) + _int(usage.get("thoughtsTokenCount"))
    input_tokens = _int(usage.get("promptTokenCount"))
    return (
        Decimal(input_tokens) * price.input_per_million
        + Decimal(text_tokens) * price.text_output_per_million
        + Decimal(image_tokens) * price.image_output_per_million
    ) / _MILLION


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


class GeminiProvider:
    """Generates images with a Gemini image model.

    Guarantees: the API key is sent only in the `x-goog-api-key` header and never appears in an
    error message; every failure is a ProviderError, transient exactly for rate limits, server
    errors, timeouts and connection failures; the cost is an exact Decimal.
    """

    name = "gemini"

    def __init__(
        self,
        api_key: str,
        model: str,
        base_url: str,
        timeout: float = 60,
        http_client: httpx.Client | None = None,
    ) -> None:
        self.model = model.removeprefix("models/")
        self._api_key = api_key
        self._url = f"{base_url.rstrip('/')}/v1beta/models/{self.model}:generateContent"
        self._timeout = httpx.Timeout(timeout)
        self._owns_client = http_client is None
        self._client = http_client if http_client is not None else httpx.Client()

    def close(self) -> None:
        """Release the HTTP connections (only when the provider created the client)."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> GeminiProvider:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def estimate_cost(self) -> Decimal:
        """The model's price for one image (e.g. $0.039 for gemini-2.5-flash-image)."""
        return price_for(self.model)[1].per_image

    def generate(self, request: GenerationRequest) -> GeneratedImage:
        """Call the API once and return its first image; raise ProviderError otherwise (with the
        key masked, even when the server's own message repeats it)."""
        try:
            return self._generate(request)
        except ProviderError as exc:
            text = mask_secrets(str(exc), [self._api_key])
            if text == str(exc):
                raise
            raise ProviderError(text, transient=exc.transient) from None

    def _generate(self, request: GenerationRequest) -> GeneratedImage:
        try:
            response = self._client.post(
                self._url,
                json=self._body(request),
                headers={"x-goog-api-key": self._api_key},
                timeout=self._timeout,
            )
        except httpx.TimeoutException as exc:
            raise ProviderError(
                f"Gemini did not answer within {self._timeout.read:g} seconds; "
                "a retry may succeed.",
                transient=True,
            ) from exc
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise ProviderError(
                f"The Gemini URL {self._url!r} is not usable ({exc}); "
                "check STAGE8_GEMINI_BASE_URL and STAGE8_GEMINI_MODEL."
            ) from exc
        except httpx.TransportError as exc:
            raise ProviderError(
                f"Could not reach the Gemini API ({type(exc).__name__}: {exc}); "
                "check the network, a retry may succeed.",
                transient=True,
            ) from exc
        if response.status_code != 200:
            raise _http_error(response)
        try:
            payload = response.json()
        except ValueError as exc:
            raise ProviderError(
                "Gemini sent a response that is not JSON; a retry may succeed.",
                transient=True,
            ) from exc
        return self._image_from(payload if isinstance(payload, dict) else {})

    def _body(self, request: GenerationRequest) -> dict[str, Any]:
        parts: list[dict[str, Any]] = [{"text": request.prompt}]
        if request.reference_image:
            parts.append(
                {
                    "inline_data": {
                        "mime_type": request.reference_mime or _sniff_mime(request.reference_image),
                        "data": base64.b64encode(request.reference_image).decode("ascii"),
                    }
                }
            )
        return {
            "contents": [{"parts": parts}],
            "generationConfig": {"responseModalities": ["IMAGE"]},
        }

    def _image_from(self, payload: dict[str, Any]) -> GeneratedImage:
        candidates = payload.get("candidates") or []
        candidate = candidates[0] if candidates and isinstance(candidates[0], dict) else {}
        parts = (candidate.get("content") or {}).get("parts") or []
        raw_usage = payload.get("usageMetadata")
        usage: dict[str, Any] = raw_usage if isinstance(raw_usage, dict) else {}
        for part in parts:
            inline = _inline_data(part)
            if inline is None:
                continue
            try:
                data = base64.b64decode(inline["data"], validate=True)
            except (binascii.Error, ValueError, TypeError) as exc:
                raise ProviderError("Gemini returned image data that is not valid base64.") from exc
            priced_as, _ = price_for(self.model)
            metadata: dict[str, Any] = {
                "usage": usage,
                "finish_reason": candidate.get("finishReason"),
                "model_version": payload.get("modelVersion"),
            }
            if priced_as != self.model:
                metadata["priced_as"] = priced_as
            return GeneratedImage(
                data=data,
                mime_type=inline.get("mimeType") or inline.get("mime_type") or "image/png",
                provider=self.name,
                model=self.model,
                cost_usd=cost_from_usage(self.model, usage),
                metadata=metadata,
            )
        raise ProviderError(f"Gemini returned no image: {_no_image_reason(payload, candidate)}.")


def _inline_data(part: object) -> dict[str, Any] | None:
    """The part's image payload; responses use camelCase, the REST docs also show snake_case."""
    if not isinstance(part, dict):
        return None
    inline = part.get("inlineData") or part.get("inline_data")
    if not isinstance(inline, dict) or not inline.get("data"):
        return None
    mime = inline.get("mimeType") or inline.get("mime_type")
    if mime and not str(mime).startswith("image/"):
        return None
    return inline


def _sniff_mime(data: bytes) -> str:
    try:
        with Image.open(io.BytesIO(data)) as image:
            mime = Image.MIME.get(image.format or "")
    except Exception:  # An unreadable reference is for the API to reject, not for us to guess.
        mime = None
    return mime or "application/octet-stream"


def _no_image_reason(payload: dict[str, Any], candidate: dict[str, Any]) -> str:
    feedback = payload.get("promptFeedback") or {}
    if feedback.get("blockReason"):
        message = feedback.get("blockReasonMessage")
        return (
            f"the prompt was blocked ({feedback['blockReason']}{': ' + message if message else ''})"
        )
    reasons = []
    finish = candidate.get("finishReason")
    if finish and finish != "STOP":
        reasons.append(f"finish reason {finish}")
    if candidate.get("finishMessage"):
        reasons.append(str(candidate["finishMessage"]))
    parts = (candidate.get("content") or {}).get("parts") or []
    text = " ".join(
        str(part["text"]).strip() for part in parts if isinstance(part, dict) and part.get("text")
    )
    if text:
        reasons.append(f"it replied with text only: {_shorten(text)!r}")
    if not candidate:
        reasons.append("the response had no candidates")
    return "; ".join(reasons) or "the response held no image part"


def _shorten(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _http_error(response: httpx.Response) -> ProviderError:
    status = response.status_code
    detail, api_status = _api_error(response)
    label = f"HTTP {status}" + (f" {api_status}" if api_status else "")
    if status == 429:
        retry_after = response.headers.get("retry-after")
        wait = f" (retry after {retry_after}s)" if retry_after else ""
        return ProviderError(
            f"Gemini rate limit or quota reached ({label}){wait}: {detail}. "
            "A later retry may succeed.",
            transient=True,
        )
    if status in _TRANSIENT_STATUSES or status >= 500:
        return ProviderError(
            f"Gemini is unavailable ({label}): {detail}. A retry may succeed.",
            transient=True,
        )
    if status in (401, 403):
        return ProviderError(
            f"Gemini refused access ({label}): {detail}. "
            "Check GEMINI_API_KEY and that the key may use this model.",
        )
    if status == 404:
        return ProviderError(
            f"Gemini does not know this model or endpoint ({label}): {detail}. "
            "Check STAGE8_GEMINI_MODEL and STAGE8_GEMINI_BASE_URL.",
        )
    return ProviderError(f"Gemini rejected the request ({label}): {detail}.")


def _api_error(response: httpx.Response) -> tuple[str, str | None]:
    """Google's `{"error": {"message", "status"}}`, or the start of the body when it is not that."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        error = None
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"]), error.get("status")
    return _shorten(response.text.strip()) or "no details given", None
