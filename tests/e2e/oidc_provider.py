"""The test OpenID Connect provider (tests/oidc/server.mjs, the `oidc-provider` npm package) as
a context manager, and the secrets.toml `[auth]` text that points the app at it.

    @pytest.fixture(scope="module")
    def oidc_issuer():
        with run_oidc_provider() as issuer:
            yield issuer

Identities on its login page: admin@, reviewer@, viewer@ and stranger@stage8.test.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import goto_app, wait_for_app

if TYPE_CHECKING:
    from playwright.sync_api import Page

OIDC_DIR = Path(__file__).resolve().parents[1] / "oidc"
CLIENT_ID = "stage8-desk"
CLIENT_SECRET = "stage8-desk-test-secret"
START_TIMEOUT = 30.0


def _read_issuer(proc: subprocess.Popen[str]) -> str:
    """The issuer from the server's `OIDC_ISSUER=<url>` line (it picks a free port itself).

    A thread reads every line (and keeps draining the pipe afterwards, so a chatty provider
    never blocks on it); waiting on its queue cannot miss a line that Python's own buffer holds,
    as waiting on the pipe's file descriptor could."""
    assert proc.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + START_TIMEOUT
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=remaining)
        except queue.Empty:
            break
        if line is None:
            break
        seen.append(line)
        if line.startswith("OIDC_ISSUER="):
            return line.strip().removeprefix("OIDC_ISSUER=")
    pytest.fail("the test OpenID Connect provider did not start:\n" + "".join(seen), pytrace=False)
    raise AssertionError  # unreachable: pytest.fail raises


@contextlib.contextmanager
def run_oidc_provider() -> Iterator[str]:
    """Start `node tests/oidc/server.mjs` on a free loopback port; yield its issuer URL."""
    node = shutil.which("node")
    if node is None or not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail(
            "the test OpenID Connect provider is not installed: run `bash tests/oidc/install.sh` "
            "(scripts/test.sh does it), which needs Node.js and npm",
            pytrace=False,
        )
    proc = subprocess.Popen(
        [node, str(OIDC_DIR / "server.mjs"), "--port", "0"],
        cwd=OIDC_DIR,
        env={**os.environ, "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        yield _read_issuer(proc)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def auth_secrets(issuer: str, providers: tuple[str, ...] = ("company",)) -> str:
    """secrets.toml text with `[auth]` for the app under test: one `[auth.NAME]` table per
    provider, each a client of the test provider. `{port}` is filled in by Streamlit with the
    app's own port; the provider accepts any loopback port (RFC 8252)."""
    lines = [
        "[auth]",
        'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"',
        'cookie_secret = "stage8-e2e-cookie-secret-0123456789abcdef"',
    ]
    for name in providers:
        lines += [
            "",
            f"[auth.{name}]",
            f'client_id = "{CLIENT_ID}"',
            f'client_secret = "{CLIENT_SECRET}"',
            f'server_metadata_url = "{issuer}/.well-known/openid-configuration"',
            # The test provider has no account chooser; `login` shows its login page every time.
            'client_kwargs = { prompt = "login" }',
        ]
    return "\n".join(lines) + "\n"


def sign_in(page: Page, app_url: str, email: str, provider: str = "company") -> None:
    """Open the app, choose the provider, pick the identity on its login page, come back."""
    goto_app(page, app_url)
    page.get_by_role("button", name=f"Sign in with {provider}").click()
    page.wait_for_url(re.compile(r".*/interaction/[\w-]+$"))
    page.get_by_role("button", name=f"Sign in as {email}").click()
    page.wait_for_url(lambda url: url.startswith(app_url) and "oauth2callback" not in url)
    wait_for_app(page)
