"""Fixtures for the browser smoke tests: the real app (`streamlit run app.py`) in headless Chromium.

Chromium is Debian's `/usr/bin/chromium` (override with STAGE8_CHROMIUM), driven by Playwright
through `executable_path`; `playwright install` is never needed.

    from tests.e2e.steps import goto_app

    def test_home(page, streamlit_app):
        goto_app(page, streamlit_app)
        assert page.get_by_text("Demo project").first.is_visible()

The steps a test takes (goto_app, wait_for_app, by_key, click_and_wait, ...) are in
`tests/e2e/steps.py`; `wait_for_app` and `goto_app` are also importable from here.

Each test module gets its own server on a free port with a fresh STAGE8_HOME (embedded SQLite
demo, local storage). A module can change the server's environment or secrets by overriding the
module-scoped fixtures `streamlit_env` (dict of extra environment variables) and
`streamlit_secrets` (TOML text):

    @pytest.fixture(scope="module")
    def streamlit_env():
        return {"STAGE8_IMAGE_PROVIDER": "offline"}
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.steps import goto_app, wait_for_app

__all__ = ["goto_app", "wait_for_app"]  # older tests import them from here

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

REPO_ROOT = Path(__file__).resolve().parents[2]
E2E_DIR = Path(__file__).resolve().parent
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 1000}
SERVER_START_TIMEOUT = 60.0
# Environment variables of the developer's shell that must not reach the app under test (a real
# database, bucket or image provider); the fixture sets what the test server needs.
_SCRUBBED_PREFIXES = ("STAGE8_", "SUPABASE_", "GEMINI_", "GOOGLE_API_KEY")

# --- helpers ----------------------------------------------------------------------------------


def chromium_path() -> str:
    return os.environ.get("STAGE8_CHROMIUM") or DEFAULT_CHROMIUM


def run_cli(settings: dict[str, str], *args: str) -> str:
    """`python -m stage8 ARGS` in another process, as an operator beside the app would run it:
    the test's environment without the developer's desk settings, plus `settings`. Its output;
    the command must succeed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED_PREFIXES)}
    env.update(settings)
    done = subprocess.run(
        [sys.executable, "-m", "stage8", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _health_ok(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _tail(path: Path, limit: int = 8000) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return text[-limit:]


def _stop_process_group(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


# --- hooks ----------------------------------------------------------------------------------


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test under tests/e2e is marked `e2e` (select with -m e2e, skip with -m 'not e2e')."""
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    # Keep each phase's report on the item so the `page` fixture can save a screenshot on failure.
    report = yield
    setattr(item, f"_stage8_rep_{report.when}", report)
    return report


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def streamlit_env() -> dict[str, str]:
    """Extra environment for the app server; override in a test module (module scope)."""
    return {}


@pytest.fixture(scope="module")
def streamlit_secrets() -> str:
    """TOML text of the server's secrets file (default empty; .streamlit/secrets.toml unused)."""
    return ""


@pytest.fixture(scope="module")
def streamlit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """STAGE8_HOME of the module's app server: a fresh folder, so the app seeds its demo."""
    return tmp_path_factory.mktemp("stage8-home")


@pytest.fixture(scope="module")
def streamlit_app(
    tmp_path_factory: pytest.TempPathFactory,
    streamlit_home: Path,
    streamlit_env: dict[str, str],
    streamlit_secrets: str,
) -> Iterator[str]:
    """Run `streamlit run app.py` from the repository root and yield its base URL."""
    run_dir = tmp_path_factory.mktemp("streamlit-run")
    env = {"STAGE8_HOME": str(streamlit_home), **streamlit_env}
    with serve_script("app.py", run_dir, env, streamlit_secrets) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def keyboard_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The keyboard layer's fixture page (`tests/e2e/keyboard_app.py`): three fake sheet rows."""
    run_dir = tmp_path_factory.mktemp("keyboard-run")
    # Streamlit puts only the script's folder on sys.path; the page imports stage8.ui.keyboard.
    env = {"STAGE8_HOME": str(run_dir / "home"), "PYTHONPATH": str(REPO_ROOT)}
    with serve_script("tests/e2e/keyboard_app.py", run_dir, env, "") as base_url:
        yield base_url


@contextlib.contextmanager
def serve_script(script: str, run_dir: Path, extra_env: dict[str, str], secrets: str):
    """`streamlit run <script>` (a path from the repository root) on a free port: its base URL.

    The developer's STAGE8_/SUPABASE_/... variables are scrubbed and `extra_env` applied; the
    server's log is in `run_dir`, and its tail is shown if it does not come up.
    """
    secrets_file = run_dir / "secrets.toml"
    secrets_file.write_text(secrets)
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"

    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED_PREFIXES)}
    env.update({"STAGE8_SECRETS_FILE": str(secrets_file), "PYTHONUNBUFFERED": "1"})
    env.update(extra_env)
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        script,
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--secrets.files",
        str(secrets_file),
    ]
    stdout_path = run_dir / "stdout.log"
    stderr_path = run_dir / "stderr.log"
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        proc = subprocess.Popen(
            cmd,
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,  # own process group, so teardown stops every child
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _health_ok(base_url):
            if proc.poll() is not None:
                pytest.fail(
                    f"streamlit exited with code {proc.returncode} before answering "
                    f"/_stcore/health.\n--- stderr ---\n{_tail(stderr_path)}\n"
                    f"--- stdout ---\n{_tail(stdout_path)}",
                    pytrace=False,
                )
            if time.monotonic() > deadline:
                pytest.fail(
                    f"streamlit did not answer {base_url}/_stcore/health within "
                    f"{SERVER_START_TIMEOUT:.0f} s.\n--- stderr ---\n{_tail(stderr_path)}\n"
                    f"--- stdout ---\n{_tail(stdout_path)}",
                    pytrace=False,
                )
            time.sleep(0.2)
        yield base_url
    finally:
        _stop_process_group(proc)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium through Playwright (one per test module)."""
    path = chromium_path()
    if not os.path.exists(path):
        message = f"no Chromium at {path}; run scripts/browser_deps.sh or set STAGE8_CHROMIUM"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Page]:
    """A fresh browser context and page (viewport 1400x1000); screenshot saved if the test fails."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        yield page
    finally:
        report = getattr(request.node, "_stage8_rep_call", None)
        if report is not None and report.failed:
            shot = tmp_path / "failure.png"
            with contextlib.suppress(Exception):
                page.screenshot(path=str(shot), full_page=True)
                print(f"\nscreenshot of the failed page: {shot}")
        context.close()


@pytest.fixture(name="wait_for_app")
def _wait_for_app_fixture():
    """The `wait_for_app(page, timeout=..., settle=...)` helper as a fixture."""
    return wait_for_app


@contextlib.contextmanager
def app_server(
    run_dir: Path, home: Path, extra_env: dict[str, str], secrets: str = ""
) -> Iterator[str]:
    """`streamlit run app.py` with STAGE8_HOME=`home` and `extra_env`: its base URL. Several
    may run at once (one port each), e.g. two app processes on one database."""
    with serve_script("app.py", run_dir, {"STAGE8_HOME": str(home), **extra_env}, secrets) as url:
        yield url
