"""A loopback stand-in for the Gemini API's `generateContent` endpoint.

It speaks the same REST shape as Google's server (camelCase responses, Google's error JSON), makes
a real PNG with Pillow, records every request, and can be scripted to fail, delay or refuse to
return an image, so the real `GeminiProvider` and the real httpx client are tested end to end.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import re
import threading
from collections import deque
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from PIL import Image, ImageDraw

OUTPUT_IMAGE_TOKENS = 1290
INPUT_IMAGE_TOKENS = 258
_PATH = re.compile(r"^/v1beta/models/(?P<model>[A-Za-z0-9._-]+):generateContent$")
_GOOGLE_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it (header names lower-cased)."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any

    @property
    def parts(self) -> list[dict[str, Any]]:
        return self.body["contents"][0]["parts"]


@dataclass(frozen=True)
class _Failure:
    status: int
    message: str


@dataclass(frozen=True)
class _NoImage:
    reason: str
    text: str | None


class BadRequest(Exception):
    """The request does not have the shape the real endpoint accepts."""


class FakeGeminiAPI:
    """Context manager serving the endpoint on 127.0.0.1; use `.base_url` and `.api_key`.

    Scripted behaviours apply to the next requests in order; afterwards it answers normally.
    """

    def __init__(self, api_key: str = "fake-gemini-key") -> None:
        self.api_key = api_key
        self.requests: list[RecordedRequest] = []
        self.include_usage = True
        self.lead_text: str | None = None  # a text part sent before the image part
        self._lock = threading.Lock()
        self._outcomes: deque[_Failure | _NoImage] = deque()
        self._delays: deque[float] = deque()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeGeminiAPI is not running; use it as a context manager.")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def fail_next(self, status: int, count: int = 1, message: str | None = None) -> None:
        """Answer the next `count` requests with HTTP `status` and Google's error JSON."""
        text = message or f"Fake Gemini failure {status} {_GOOGLE_STATUS.get(status, '')}".strip()
        with self._lock:
            self._outcomes.extend(_Failure(status, text) for _ in range(count))

    def respond_without_image(self, reason: str = "SAFETY", text: str | None = None) -> None:
        """Answer the next request with no image.

        Without `text`, the prompt is blocked (`promptFeedback.blockReason = reason`, no
        candidates); with `text`, one candidate holds only that text and `finishReason = reason`.
        """
        with self._lock:
            self._outcomes.append(_NoImage(reason, text))

    def delay_next(self, seconds: float) -> None:
        """Wait `seconds` before answering the next request (to provoke client timeouts)."""
        with self._lock:
            self._delays.append(seconds)

    def __enter__(self) -> FakeGeminiAPI:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            # A short poll interval keeps shutdown (and so each test's teardown) quick.
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="fake-gemini-api",
            daemon=True,
        )
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _handle(self, request: RecordedRequest) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests.append(request)
            delay = self._delays.popleft() if self._delays else 0.0
        if delay:
            self._stopping.wait(delay)
        if request.headers.get("x-goog-api-key") != self.api_key:
            return _error(403, "API key not valid. Please pass a valid API key.")
        match = _PATH.match(request.path)
        if request.method != "POST" or match is None:
            return _error(404, f"Method or path not found: {request.method} {request.path}.")
        with self._lock:
            outcome = self._outcomes.popleft() if self._outcomes else None
        if isinstance(outcome, _Failure):
            return _error(outcome.status, outcome.message)
        try:
            prompt, references = _validate(request)
        except BadRequest as exc:
            return _error(400, str(exc))
        if isinstance(outcome, _NoImage):
            return 200, _no_image_response(outcome, match["model"])
        return 200, self._image_response(match["model"], prompt, references)

    def _image_response(self, model: str, prompt: str, references: list[bytes]) -> dict[str, Any]:
        image = base64.b64encode(render_png(prompt, references)).decode("ascii")
        parts: list[dict[str, Any]] = []
        if self.lead_text:
            parts.append({"text": self.lead_text})
        parts.append({"inlineData": {"mimeType": "image/png", "data": image}})
        payload: dict[str, Any] = {
            "candidates": [
                {"content": {"parts": parts, "role": "model"}, "finishReason": "STOP", "index": 0}
            ],
            "modelVersion": model,
            "responseId": hashlib.sha256(prompt.encode()).hexdigest()[:16],
        }
        if self.include_usage:
            payload["usageMetadata"] = usage_for(prompt, len(references))
        return payload


def usage_for(prompt: str, reference_count: int) -> dict[str, Any]:
    """The usageMetadata the fake reports: one token per prompt word, fixed counts per image."""
    text_tokens = len(prompt.split())
    prompt_tokens = text_tokens + INPUT_IMAGE_TOKENS * reference_count
    prompt_details = [{"modality": "TEXT", "tokenCount": text_tokens}]
    if reference_count:
        prompt_details.append(
            {"modality": "IMAGE", "tokenCount": INPUT_IMAGE_TOKENS * reference_count}
        )
    return {
        "promptTokenCount": prompt_tokens,
        "candidatesTokenCount": OUTPUT_IMAGE_TOKENS,
        "totalTokenCount": prompt_tokens + OUTPUT_IMAGE_TOKENS,
        "promptTokensDetails": prompt_details,
        "candidatesTokensDetails": [{"modality": "IMAGE", "tokenCount": OUTPUT_IMAGE_TOKENS}],
    }


def render_png(prompt: str, references: list[bytes]) -> bytes:
    """A 256 px PNG coloured by the prompt, with the first reference (if any) inset."""
    digest = hashlib.sha256(prompt.encode()).digest()
    image = Image.new("RGB", (256, 256), tuple(digest[:3]))
    draw = ImageDraw.Draw(image)
    draw.ellipse((32, 32, 224, 224), fill=tuple(digest[3:6]))
    if references:
        with Image.open(io.BytesIO(references[0])) as reference:
            image.paste(reference.convert("RGB").resize((96, 96)), (80, 80))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _validate(request: RecordedRequest) -> tuple[str, list[bytes]]:
    body = request.body
    if request.headers.get("content-type", "").split(";")[0] != "application/json":
        raise BadRequest("Content-Type must be application/json.")
    if not isinstance(body, dict):
        raise BadRequest("Invalid JSON payload received.")
    contents = body.get("contents")
    if not isinstance(contents, list) or not contents:
        raise BadRequest("* GenerateContentRequest.contents: contents is not specified")
    parts = contents[0].get("parts") if isinstance(contents[0], dict) else None
    if not isinstance(parts, list) or not parts:
        raise BadRequest("* GenerateContentRequest.contents[0].parts: must not be empty")
    prompt = ""
    references: list[bytes] = []
    for part in parts:
        if not isinstance(part, dict):
            raise BadRequest("Invalid JSON payload received. Part must be an object.")
        if "text" in part:
            prompt += str(part["text"])
            continue
        inline = part.get("inline_data") or part.get("inlineData")
        if not isinstance(inline, dict):
            raise BadRequest(f"Invalid JSON payload received. Unknown part {sorted(part)}.")
        mime = inline.get("mime_type") or inline.get("mimeType")
        if not isinstance(mime, str) or not mime.startswith("image/"):
            raise BadRequest(f"Unsupported MIME type: {mime}")
        try:
            references.append(base64.b64decode(inline.get("data", ""), validate=True))
        except (binascii.Error, TypeError) as exc:
            raise BadRequest("Invalid value at 'contents[0].parts[1].inline_data.data'") from exc
    if not prompt.strip():
        raise BadRequest("* GenerateContentRequest.contents[0].parts[0].text: empty text")
    config = body.get("generationConfig") or {}
    if "IMAGE" not in (config.get("responseModalities") or []):
        raise BadRequest("This fake only answers requests with responseModalities IMAGE.")
    return prompt, references


def _no_image_response(outcome: _NoImage, model: str) -> dict[str, Any]:
    if outcome.text is None:
        return {"promptFeedback": {"blockReason": outcome.reason}, "modelVersion": model}
    return {
        "candidates": [
            {
                "content": {"parts": [{"text": outcome.text}], "role": "model"},
                "finishReason": outcome.reason,
                "index": 0,
            }
        ],
        "modelVersion": model,
    }


def _error(status: int, message: str) -> tuple[int, dict[str, Any]]:
    google_status = _GOOGLE_STATUS.get(status, HTTPStatus(status).phrase.upper().replace(" ", "_"))
    return status, {"error": {"code": status, "message": message, "status": google_status}}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeGeminiAPI

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out has hung up on a delayed answer; that is the test working.
        pass


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = None
        recorded = RecordedRequest(
            method=self.command,
            path=self.path,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
        )
        status, payload = self.server.fake._handle(recorded)
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass
