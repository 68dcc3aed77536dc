"""Masking secrets in text: passwords inside URLs and any secret a caller names.

Pure string functions, so every layer can mask what it prints (the database engine, providers,
the command line, pages, logs); `stage8.config.redact` adds the secrets of the configuration.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, unquote, unquote_plus

MASK = "***"
# A URL with credentials inside any text: scheme://user:password@ (greedy to the token's last @).
_URL_CREDENTIALS = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/@:'\"]*:)[^\s'\"]*@")
_SHORT_SECRET = 8  # shorter secrets are masked only as whole words, so messages stay readable


def _split_userinfo(url: str) -> tuple[str, str, str] | None:
    """(scheme://, user:password, @rest) of a URL with credentials, else None. The last '@'
    ends the credentials, so a password with an unencoded '@' is still found whole."""
    scheme, sep, rest = url.partition("://")
    at = rest.rfind("@")
    if not sep or at < 0:
        return None
    return scheme + sep, rest[:at], rest[at:]


def password_forms(url: str) -> list[str]:
    parts = _split_userinfo(url)
    if parts is None or ":" not in parts[1]:
        return []
    raw = parts[1].partition(":")[2]
    return [raw, unquote(raw), unquote_plus(raw), quote(unquote(raw), safe="")]


def masked_url(url: str) -> str:
    """The URL with its password replaced: `postgresql://user:***@host/db`."""
    parts = _split_userinfo(url)
    if parts is None or ":" not in parts[1]:
        return url
    scheme, userinfo, rest = parts
    return f"{scheme}{userinfo.partition(':')[0]}:{MASK}{rest}"


def mask_secrets(text: str, secrets: Iterable[str]) -> str:
    """`text` with each of `secrets` and every password inside a URL replaced by ***."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        if len(secret) >= _SHORT_SECRET:
            text = text.replace(secret, MASK)
        else:
            text = re.sub(rf"(?<!\w){re.escape(secret)}(?!\w)", MASK, text)
    return _URL_CREDENTIALS.sub(rf"\1{MASK}@", text)
