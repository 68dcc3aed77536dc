"""Constants and small helpers shared by the image store suites."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import httpx

from stage8.storage import ImageStore

BUCKET = "stage8"
# Bytes that break naive handling: NULs, CRLFs, something that looks like a multipart boundary.
BINARY = bytes(range(256)) * 8 + b"\r\n--boundary\r\n\x00\xff" + b"\x89PNG\r\n\x1a\n"
KEY = "project_1/assets/7/master_0123456789ab.png"


def fetch(url: str) -> bytes:
    if url.startswith("file://"):
        return Path(url2pathname(urlsplit(url).path)).read_bytes()
    response = httpx.get(url)
    assert response.status_code == 200, response.text
    return response.content


def keys_of(store: ImageStore, prefix: str = "") -> list[str]:
    return [obj.key for obj in store.list(prefix)]
