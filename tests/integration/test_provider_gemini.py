"""GeminiProvider against a loopback Gemini API, through the real httpx client."""

from __future__ import annotations

import base64
import io
import socket
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
from PIL import Image

from stage8.config import Settings
from stage8.errors import ConfigError, ProviderError
from stage8.providers import GeminiProvider, GenerationRequest, ImageProvider, make_provider
from stage8.providers.gemini import cost_from_usage
from tests.fakes.gemini_api import FakeGeminiAPI

MODEL = "gemini-2.5-flash-image"
PROMPT = "a red barn at dusk"  # five words: the fake reports five prompt tokens


@pytest.fixture
def fake() -> Iterator[FakeGeminiAPI]:
    with FakeGeminiAPI() as server:
        yield server


@pytest.fixture
def provider(fake: FakeGeminiAPI) -> Iterator[GeminiProvider]:
    with GeminiProvider(fake.api_key, MODEL, fake.base_url, timeout=5) as gemini:
        yield gemini


def _png(colour: tuple[int, int, int] = (30, 60, 90)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _request(
    prompt: str = PROMPT, reference: bytes | None = None, mime: str | None = None
) -> GenerationRequest:
    return GenerationRequest(prompt=prompt, reference_image=reference, reference_mime=mime)


def test_generates_an_image_with_exact_cost_from_usage(
    fake: FakeGeminiAPI, provider: GeminiProvider
) -> None:
    result = provider.generate(_request())
    with Image.open(io.BytesIO(result.data)) as image:
        assert image.format == "PNG"
        image.verify()
    assert result.mime_type == "image/png"
    assert (result.provider, result.model) == ("gemini", MODEL)
    # 5 input tokens at $0.30/1M + 1290 image tokens at $30/1M
    assert result.cost_usd == Decimal("0.0387015")
    assert result.metadata["usage"]["candidatesTokenCount"] == 1290
    assert result.metadata["finish_reason"] == "STOP"
    assert isinstance(provider, ImageProvider)

    [sent] = fake.requests
    assert sent.path == f"/v1beta/models/{MODEL}:generateContent"
    assert sent.headers["x-goog-api-key"] == fake.api_key
    assert sent.parts == [{"text": PROMPT}]
    assert sent.body["generationConfig"] == {"responseModalities": ["IMAGE"]}


def test_reference_image_is_sent_base64_in_inline_data(
    fake: FakeGeminiAPI, provider: GeminiProvider
) -> None:
    reference = _png()
    result = provider.generate(_request(reference=reference, mime="image/png"))
    [sent] = fake.requests
    text, image = sent.parts
    assert text == {"text": PROMPT}
    assert image["inline_data"]["mime_type"] == "image/png"
    assert base64.b64decode(image["inline_data"]["data"]) == reference
    # the reference adds 258 input tokens
    assert result.cost_usd == Decimal("0.0387789")


def test_reference_type_is_detected_when_not_given(
    fake: FakeGeminiAPI, provider: GeminiProvider
) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32)).save(buffer, format="JPEG")
    provider.generate(_request(reference=buffer.getvalue()))
    assert fake.requests[0].parts[1]["inline_data"]["mime_type"] == "image/jpeg"


def test_first_image_part_is_taken_after_text(
    fake: FakeGeminiAPI, provider: GeminiProvider
) -> None:
    fake.lead_text = "Here is your barn."
    result = provider.generate(_request())
    assert Image.open(io.BytesIO(result.data)).format == "PNG"


def test_cost_falls_back_to_the_per_image_price_without_usage(
    fake: FakeGeminiAPI, provider: GeminiProvider
) -> None:
    fake.include_usage = False
    result = provider.generate(_request())
    assert result.cost_usd == Decimal("0.039") == provider.estimate_cost()
    assert result.metadata["usage"] == {}


def test_cost_splits_image_and_text_output_tokens() -> None:
    usage = {
        "promptTokenCount": 1000,
        "candidatesTokenCount": 1200,
        "thoughtsTokenCount": 100,
        "candidatesTokensDetails": [
            {"modality": "IMAGE", "tokenCount": 1120},
            {"modality": "TEXT", "tokenCount": 80},
        ],
    }
    # 1000 * 2.00 + 180 * 12.00 + 1120 * 120 = 138560 (per million)
    assert cost_from_usage("gemini-3-pro-image-preview", usage) == Decimal("0.13856")


def test_unknown_model_is_priced_as_the_default_and_says_so(fake: FakeGeminiAPI) -> None:
    with GeminiProvider(fake.api_key, "gemini-9-image", fake.base_url) as provider:
        result = provider.generate(_request())
    assert result.metadata["priced_as"] == MODEL
    assert result.cost_usd == Decimal("0.0387015")


def test_missing_key_is_a_config_error_naming_the_setting() -> None:
    with pytest.raises(ConfigError, match="GEMINI_API_KEY"):
        make_provider(Settings(image_provider="gemini", gemini_api_key=None))


def test_make_provider_builds_gemini_from_settings(fake: FakeGeminiAPI) -> None:
    settings = Settings(
        image_provider="gemini",
        gemini_api_key=fake.api_key,
        gemini_model=MODEL,
        gemini_base_url=fake.base_url,
    )
    provider = make_provider(settings)
    assert isinstance(provider, GeminiProvider)
    assert provider.generate(_request()).provider == "gemini"


def test_wrong_key_is_permanent_with_the_api_message(fake: FakeGeminiAPI) -> None:
    with (
        GeminiProvider("wrong-key", MODEL, fake.base_url) as provider,
        pytest.raises(ProviderError) as caught,
    ):
        provider.generate(_request())
    assert caught.value.transient is False
    assert "API key not valid" in str(caught.value)
    assert "wrong-key" not in str(caught.value)


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_rate_limits_and_server_errors_are_transient(
    fake: FakeGeminiAPI, provider: GeminiProvider, status: int
) -> None:
    fake.fail_next(status, message="The model is overloaded. Please try again later.")
    with pytest.raises(ProviderError) as caught:
        provider.generate(_request())
    assert caught.value.transient is True
    assert f"HTTP {status}" in str(caught.value)
    assert "overloaded" in str(caught.value)


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_client_errors_are_permanent_with_the_api_message(
    fake: FakeGeminiAPI, provider: GeminiProvider, status: int
) -> None:
    fake.fail_next(status, message=f"Explained failure {status}.")
    with pytest.raises(ProviderError) as caught:
        provider.generate(_request())
    assert caught.value.transient is False
    assert f"Explained failure {status}." in str(caught.value)


def test_succeeds_once_scripted_failures_are_used_up(
    fake: FakeGeminiAPI, provider: GeminiProvider
) -> None:
    fake.fail_next(503, count=2)
    for _ in range(2):
        with pytest.raises(ProviderError):
            provider.generate(_request())
    assert provider.generate(_request()).data
    assert len(fake.requests) == 3


def test_timeout_is_transient(fake: FakeGeminiAPI) -> None:
    fake.delay_next(3)
    started = time.monotonic()
    with (
        GeminiProvider(fake.api_key, MODEL, fake.base_url, timeout=0.3) as provider,
        pytest.raises(ProviderError) as caught,
    ):
        provider.generate(_request())
    assert caught.value.transient is True
    assert "0.3 seconds" in str(caught.value)
    assert time.monotonic() - started < 2.5


def test_unusable_base_url_is_permanent() -> None:
    with (
        GeminiProvider("key", MODEL, "ftp://example.invalid") as provider,
        pytest.raises(ProviderError, match="STAGE8_GEMINI_BASE_URL") as caught,
    ):
        provider.generate(_request())
    assert caught.value.transient is False


def test_unreachable_server_is_transient() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with (
        GeminiProvider("key", MODEL, f"http://127.0.0.1:{port}", timeout=2) as provider,
        pytest.raises(ProviderError) as caught,
    ):
        provider.generate(_request())
    assert caught.value.transient is True


def test_blocked_prompt_is_permanent_with_the_reason(
    fake: FakeGeminiAPI, provider: GeminiProvider
) -> None:
    fake.respond_without_image("PROHIBITED_CONTENT")
    with pytest.raises(ProviderError) as caught:
        provider.generate(_request())
    assert caught.value.transient is False
    assert "no image" in str(caught.value)
    assert "PROHIBITED_CONTENT" in str(caught.value)


def test_text_only_answer_is_permanent_with_the_text(
    fake: FakeGeminiAPI, provider: GeminiProvider
) -> None:
    fake.respond_without_image("IMAGE_SAFETY", text="I can't draw that.")
    with pytest.raises(ProviderError) as caught:
        provider.generate(_request())
    message = str(caught.value)
    assert caught.value.transient is False
    assert "no image" in message
    assert "IMAGE_SAFETY" in message
    assert "I can't draw that." in message
