"""What the fake Supabase Storage server puts on the wire: error bodies, list entries, and the
multipart form the client uploads with; plus the objects it stores and the server's ILIKE."""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FakeObject:
    data: bytes
    content_type: str
    cache_control: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    created_at: str = ""
    updated_at: str = ""


def error(status: int, code: str, message: str, error: str = "") -> dict[str, str]:
    return {"statusCode": str(status), "code": code, "error": error or code, "message": message}


def ilike(pattern: str) -> re.Pattern[str]:
    wild = {"%": ".*", "_": "."}
    regex = "".join(wild.get(char, re.escape(char)) for char in pattern)
    return re.compile(regex, re.IGNORECASE | re.DOTALL)


def folder(name: str) -> dict[str, Any]:
    keys = ("id", "updated_at", "created_at", "last_accessed_at", "metadata")
    return {"name": name, **dict.fromkeys(keys)}


def file(name: str, obj: FakeObject) -> dict[str, Any]:
    metadata = {
        "eTag": f'"{hashlib.md5(obj.data).hexdigest()}"',
        "size": len(obj.data),
        "mimetype": obj.content_type,
        "cacheControl": obj.cache_control,
        "lastModified": obj.updated_at,
        "contentLength": len(obj.data),
        "httpStatusCode": 200,
    }
    return {
        "name": name,
        "id": obj.id,
        "updated_at": obj.updated_at,
        "created_at": obj.created_at,
        "last_accessed_at": obj.updated_at,
        "metadata": metadata,
    }


def multipart(body: bytes, content_type: str) -> dict[str, tuple[str, bytes]]:
    """Form fields by name: (the part's content type, its bytes)."""
    found = re.search(r'boundary="?([^";]+)"?', content_type)
    if not found:
        return {}
    fields: dict[str, tuple[str, bytes]] = {}
    for raw in body.split(b"--" + found.group(1).encode())[1:]:
        if raw.startswith(b"--"):
            break
        head, _, content = raw.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        headers = dict(
            (name.strip().lower(), value.strip())
            for name, _, value in (line.partition(":") for line in head.decode().split("\r\n"))
        )
        name = re.search(r'(?:^|;)\s*name="([^"]*)"', headers.get("content-disposition", ""))
        if name:
            part_type = headers.get("content-type", "text/plain")
            fields[name.group(1)] = (part_type, content.removesuffix(b"\r\n"))
    return fields
