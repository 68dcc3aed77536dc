"""API keys for the fake Supabase Storage server: JWTs signed with HS256, as Supabase issues them.

Supabase's anon and service_role keys are JWTs whose `role` claim decides what the storage server
lets the request do. Tests craft the keys the real server treats differently: a valid service
key, the anon key, an expired key, a key signed with another project's secret, and a string
that is not a JWT at all. `verify` answers with the role, or with the message the server's JWT
library (jose) gives for each broken kind.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

MALFORMED = "Invalid Compact JWS"
BAD_SIGNATURE = "signature verification failed"
EXPIRED = '"exp" claim timestamp check failed'


class TokenError(Exception):
    """The bearer token is not accepted; the message is the server's."""


def sign(secret: str, role: str, *, expires_in: int = 3600) -> str:
    """A compact JWS carrying `role`, expiring `expires_in` seconds from now (negative: past)."""
    header = _encode({"alg": "HS256", "typ": "JWT"})
    now = int(time.time())
    payload = _encode({"iss": "supabase", "role": role, "iat": now, "exp": now + expires_in})
    signing_input = f"{header}.{payload}"
    return f"{signing_input}.{_mac(secret, signing_input)}"


def verify(secret: str, token: str) -> str:
    """The token's role; TokenError with the server's message when it is not accepted."""
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        raise TokenError(MALFORMED)
    try:
        claims = json.loads(_decode(parts[1]))
        json.loads(_decode(parts[0]))
    except ValueError as exc:
        raise TokenError(MALFORMED) from exc
    if not isinstance(claims, dict):
        raise TokenError(MALFORMED)
    if not hmac.compare_digest(parts[2], _mac(secret, f"{parts[0]}.{parts[1]}")):
        raise TokenError(BAD_SIGNATURE)
    if not isinstance(claims.get("exp"), int) or claims["exp"] <= time.time():
        raise TokenError(EXPIRED)
    return str(claims.get("role") or "anon")


def _mac(secret: str, signing_input: str) -> str:
    digest = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _encode(value: dict) -> str:
    raw = json.dumps(value, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
