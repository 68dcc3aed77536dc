"""Secrets: percent-encoded database passwords work, and no error path shows a secret.

Every error path below runs the real command line in a subprocess with every kind of secret
configured, and greps all it printed (stdout and stderr, log lines included) for each secret in
every form it could take (as written, percent-encoded, decoded).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import uuid
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from stage8.cli import core as cli_core
from stage8.cli import main as cli_main
from stage8.config import Settings
from tests.conftest import _pg_admin_url
from tests.fakes.gemini_api import FakeGeminiAPI
from tests.fakes.postgres_auth import FakePostgresAuth
from tests.fakes.supabase_storage import FakeSupabaseStorage

DB_PASSWORD = "Pa@s%s:w/o#rd"
ENCODED = quote(DB_PASSWORD, safe="")  # Pa%40s%25s%3Aw%2Fo%23rd
SUPABASE_KEY = "sb-secret-service-role-key-0123"
GEMINI_KEY = "AIzaSecretGeminiKey0123456789"
APP_PASSWORD = "pässwörd-0123"
FORMS = {DB_PASSWORD, ENCODED, SUPABASE_KEY, GEMINI_KEY, APP_PASSWORD, quote(APP_PASSWORD)}


def _cli(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    base = {
        "STAGE8_HOME": str(tmp_path / "home"),
        "STAGE8_SECRETS_FILE": str(tmp_path / "none.toml"),
        "SUPABASE_KEY": SUPABASE_KEY,
        "GEMINI_API_KEY": GEMINI_KEY,
        "STAGE8_APP_PASSWORD": APP_PASSWORD,
        "PATH": "/usr/bin:/bin",
        "USER": "cli-tester",
    }
    return subprocess.run(
        [sys.executable, "-m", "stage8", *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _assert_no_secret(result: subprocess.CompletedProcess, *, one_line: bool = True) -> str:
    out = result.stdout + result.stderr
    leaked = [s for s in FORMS if s in out]
    assert not leaked, f"{leaked} leaked in:\n{out}"
    if one_line:
        assert "Traceback" not in out, out
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, out
    return result.stderr


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def pg_role_database():
    """A role whose password holds @ % : / #, owning a fresh database on the real server."""
    admin = _pg_admin_url()
    if admin is None:
        pytest.skip("PostgreSQL not configured")
    name = f"stage8_pw_{uuid.uuid4().hex[:8]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        literal = DB_PASSWORD.replace("'", "''")
        conn.execute(text(f"CREATE ROLE \"{name}\" LOGIN PASSWORD '{literal}'"))
        conn.execute(text(f'CREATE DATABASE "{name}" OWNER "{name}"'))
    url = make_url(admin)
    yield name, f"postgresql://{name}:{ENCODED}@{url.host}:{url.port}/{name}"
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
    engine.dispose()


@pytest.mark.postgres
def test_percent_encoded_password_connects_migrates_and_runs_verbs(tmp_path, pg_role_database):
    role, url = pg_role_database
    for verb in ("migrate", "demo", "scenes"):
        result = _cli(tmp_path, verb, STAGE8_DATABASE_URL=url)
        assert result.returncode == 0, result.stderr
        _assert_no_secret(result, one_line=False)
    assert "Scene 1" in result.stdout
    admin = create_engine(make_url(_pg_admin_url()).set(database=role))
    with admin.connect() as conn:
        owner = conn.scalar(text("SELECT tableowner FROM pg_tables WHERE tablename = 'scenes'"))
    admin.dispose()
    assert owner == role  # the URL's user name and database were read right, not mangled


def test_the_decoded_password_is_what_reaches_the_server_and_a_refusal_shows_none(tmp_path):
    with FakePostgresAuth() as server:
        url = f"postgresql://desk:{ENCODED}@127.0.0.1:{server.port}/stage8"
        result = _cli(tmp_path, "scenes", STAGE8_DATABASE_URL=url)
    assert result.returncode == 1
    message = _assert_no_secret(result)
    assert "password authentication failed" in message and "STAGE8_DATABASE_URL" in message
    assert ("desk", DB_PASSWORD) in server.logins


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://desk:{ENCODED}@127.0.0.1:notaport/stage8",
        f"postgresql://desk:{ENCODED}@[::1/stage8",
        f"postgresql://desk:{DB_PASSWORD}@127.0.0.1:5432/stage8",  # not encoded at all
    ],
)
def test_a_bad_database_url_is_one_line_with_the_password_masked(tmp_path, url):
    result = _cli(tmp_path, "scenes", STAGE8_DATABASE_URL=url)
    assert result.returncode == 1
    message = _assert_no_secret(result)
    assert "STAGE8_DATABASE_URL" in message


def test_an_unreachable_server_is_one_line_without_the_password(tmp_path):
    url = f"postgresql://desk:{ENCODED}@127.0.0.1:{_closed_port()}/stage8"
    result = _cli(tmp_path, "scenes", STAGE8_DATABASE_URL=url)
    assert result.returncode == 1
    assert "cannot reach its database" in _assert_no_secret(result)


def test_a_wrong_supabase_key_shows_no_key(tmp_path):
    with FakeSupabaseStorage() as fake:  # its keys are JWTs; the configured one is not among them
        result = _cli(
            tmp_path,
            "demo",
            STAGE8_STORAGE="supabase",
            SUPABASE_URL=fake.url,
            STAGE8_DATABASE_URL=f"sqlite:///{tmp_path / 'desk.db'}",
        )
    assert result.returncode == 1
    assert "SUPABASE_KEY" in _assert_no_secret(result)


def test_a_provider_error_repeating_the_key_is_masked_in_output_log_and_database(tmp_path):
    env = {"STAGE8_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}"}
    assert _cli(tmp_path, "demo", **env).returncode == 0
    with FakeGeminiAPI(api_key=GEMINI_KEY) as fake:
        fake.fail_next(400, message=f"API key not valid: {GEMINI_KEY} (check {APP_PASSWORD})")
        result = _cli(
            tmp_path,
            "generate",
            "--scene",
            "1",
            "--asset",
            "Mara",
            "--wait",
            STAGE8_IMAGE_PROVIDER="gemini",
            STAGE8_GEMINI_BASE_URL=fake.base_url,
            **env,
        )
    assert result.returncode == 1
    _assert_no_secret(result, one_line=False)
    assert "API key not valid: ***" in result.stderr
    stored = create_engine(env["STAGE8_DATABASE_URL"])
    with stored.connect() as conn:
        errors = list(conn.scalars(text("SELECT last_error FROM generation_jobs")))
    stored.dispose()
    assert errors and not any(s in e for e in errors for s in FORMS)


def test_an_unexpected_error_is_one_line_and_its_debug_traceback_is_masked(
    tmp_path, monkeypatch, capsys
):
    # A fault injected inside the command (every user input now has a named error): the
    # command line's own error boundary must still print one masked line, or with
    # STAGE8_DEBUG=1 a masked traceback.
    for name, value in {
        "STAGE8_HOME": str(tmp_path / "home"),
        "STAGE8_SECRETS_FILE": str(tmp_path / "none.toml"),
        "STAGE8_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}",
        "SUPABASE_KEY": SUPABASE_KEY,
        "GEMINI_API_KEY": GEMINI_KEY,
        "STAGE8_APP_PASSWORD": APP_PASSWORD,
    }.items():
        monkeypatch.setenv(name, value)

    def broken(*_args, **_kwargs):
        raise RuntimeError(f"boom while talking to the provider with key {GEMINI_KEY}")

    monkeypatch.setattr(cli_core, "project_overview", broken)
    assert cli_main(["scenes"]) == 1
    out = capsys.readouterr()
    result = subprocess.CompletedProcess(["scenes"], 1, out.out, out.err)
    _assert_no_secret(result)
    monkeypatch.setenv("STAGE8_DEBUG", "1")
    assert cli_main(["scenes"]) == 1
    out = capsys.readouterr()
    debug = subprocess.CompletedProcess(["scenes"], 1, out.out, out.err)
    assert "Traceback" in debug.stderr and "RuntimeError" in debug.stderr
    _assert_no_secret(debug, one_line=False)


def test_settings_list_the_secrets_the_tests_grep_for():
    settings = Settings(
        database_url=f"postgresql+psycopg://desk:{ENCODED}@h/db",
        supabase_key=SUPABASE_KEY,
        gemini_api_key=GEMINI_KEY,
        app_password=APP_PASSWORD,
    )
    assert {DB_PASSWORD, ENCODED, SUPABASE_KEY, GEMINI_KEY, APP_PASSWORD} <= set(settings.secrets())
