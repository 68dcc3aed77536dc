"""One redaction function: every configured secret and every URL password is masked."""

from __future__ import annotations

import io
import logging
from dataclasses import replace

from stage8.config import RedactingFilter, Settings, redact
from stage8.redaction import masked_url

PASSWORD = "Pa@s%s:w/o#rd"
ENCODED = "Pa%40s%25s%3Aw%2Fo%23rd"
URL = f"postgresql+psycopg://desk:{ENCODED}@db.example:5432/stage8"


def _settings() -> Settings:
    return replace(
        Settings(),
        database_url=URL,
        supabase_key="sb-service-role-key-123",
        gemini_api_key="AIzaGeminiKey456",
        app_password="pässwörd",
    )


def test_masked_url_hides_only_the_password() -> None:
    assert masked_url(URL) == "postgresql+psycopg://desk:***@db.example:5432/stage8"
    assert masked_url("postgresql://u:p@ss@host/db") == "postgresql://u:***@host/db"
    assert masked_url("postgresql://u@host/db") == "postgresql://u@host/db"
    assert masked_url("sqlite:////tmp/stage8.db") == "sqlite:////tmp/stage8.db"


def test_settings_know_every_form_of_the_database_password() -> None:
    secrets = _settings().secrets()
    assert {PASSWORD, ENCODED, "sb-service-role-key-123", "AIzaGeminiKey456", "pässwörd"} <= set(
        secrets
    )


def test_redact_masks_every_secret_in_any_text() -> None:
    settings = _settings()
    text = (
        f"cannot connect to {URL} (password {PASSWORD!r}); key=sb-service-role-key-123 "
        "gemini AIzaGeminiKey456 app pässwörd; other url mysql://x:hunter22@h/d"
    )
    out = redact(text, settings)
    for secret in (*settings.secrets(), "hunter22"):
        assert secret not in out
    assert "desk:***@db.example" in out and "mysql://x:***@h/d" in out


def test_short_secrets_are_masked_as_words_only() -> None:
    settings = replace(Settings(), app_password="abc")
    assert redact("the password abc; abcdef stays", settings) == "the password ***; abcdef stays"


def test_redact_without_settings_reads_the_configuration(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("STAGE8_SECRETS_FILE", str(tmp_path / "none.toml"))
    monkeypatch.setenv("GEMINI_API_KEY", "AIzaFromTheEnvironment")
    monkeypatch.setenv("STAGE8_ATTEMPT_CAP", "not a number")  # the settings do not even load
    assert redact("key AIzaFromTheEnvironment") == "key ***"


def test_log_records_are_redacted_message_arguments_and_traceback() -> None:
    settings = _settings()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter(settings))
    logger = logging.getLogger("test_redaction.logger")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            raise RuntimeError(f"boom with {URL}")
        except RuntimeError:
            logger.exception("failed for %s", "AIzaGeminiKey456")
    finally:
        logger.removeHandler(handler)
    out = stream.getvalue()
    assert "failed for ***" in out and "RuntimeError: boom with" in out
    for secret in settings.secrets():
        assert secret not in out
