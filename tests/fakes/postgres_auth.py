"""A loopback server that speaks just enough of the PostgreSQL wire protocol to refuse a login.

It declines SSL/GSS encryption, asks for a cleartext password (AuthenticationCleartextPassword),
records the user and the password the real client (libpq through psycopg) sent, and answers like
a server whose password check failed: FATAL 28P01 "password authentication failed for user".
The shared test PostgreSQL server trusts every loopback login, so it cannot play this part.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from dataclasses import dataclass, field

_SSL_REQUEST = 80877103
_GSSENC_REQUEST = 80877104


@dataclass
class FakePostgresAuth:
    logins: list[tuple[str, str]] = field(default_factory=list)  # (user, password) received

    def __enter__(self) -> FakePostgresAuth:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._sock.close()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn, contextlib.suppress(OSError, struct.error):  # a client that hung up
                self._login(conn)

    def _login(self, conn: socket.socket) -> None:
        while True:
            body = _read_startup(conn)
            code = struct.unpack("!I", body[:4])[0]
            if code in (_SSL_REQUEST, _GSSENC_REQUEST):
                conn.sendall(b"N")  # no encryption here: go on in plain text
                continue
            break
        params = body[4:].split(b"\0")
        settings = dict(zip(params[0::2], params[1::2], strict=False))
        user = settings.get(b"user", b"").decode()
        conn.sendall(b"R" + struct.pack("!II", 8, 3))  # AuthenticationCleartextPassword
        kind = _recv(conn, 1)
        length = struct.unpack("!I", _recv(conn, 4))[0]
        payload = _recv(conn, length - 4)
        if kind == b"p":
            self.logins.append((user, payload.rstrip(b"\0").decode()))
        fields = (
            b"SFATAL\0VFATAL\0C28P01\0"
            + f'Mpassword authentication failed for user "{user}"\0'.encode()
            + b"\0"
        )
        conn.sendall(b"E" + struct.pack("!I", len(fields) + 4) + fields)


def _recv(conn: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise OSError("client closed the connection")
        data += chunk
    return data


def _read_startup(conn: socket.socket) -> bytes:
    length = struct.unpack("!I", _recv(conn, 4))[0]
    return _recv(conn, length - 4)
