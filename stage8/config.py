"""Settings: environment variables first, then `.streamlit/secrets.toml`, then defaults.

The service package never imports Streamlit, so the secrets file is read here with tomllib; it is
the same file `st.secrets` reads, so a deployment configures both the app and the CLI in one place.
"""

from __future__ import annotations

import logging
import os
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from stage8.errors import ConfigError
from stage8.providers.base import check_provider
from stage8.redaction import mask_secrets, password_forms
from stage8.storage import check_backend

_SECRETS_ENV = "STAGE8_SECRETS_FILE"
# Settings whose values are secrets: never printed, logged or shown on a page.
SECRET_SETTINGS = ("SUPABASE_KEY", "GEMINI_API_KEY", "STAGE8_APP_PASSWORD")


def _read_secrets() -> dict[str, object]:
    path = Path(os.environ.get(_SECRETS_ENV, ".streamlit/secrets.toml"))
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}); fix or remove it.") from exc
    # Accept both flat keys and a [stage8] table.
    flat = {k: v for k, v in data.items() if not isinstance(v, dict)}
    flat.update(data.get("stage8", {}) if isinstance(data.get("stage8"), dict) else {})
    return flat


def _lookup(name: str, secrets: dict[str, object]) -> str | None:
    value = os.environ.get(name)
    if value not in (None, ""):
        return value
    for key in (name, name.lower(), name.removeprefix("STAGE8_").lower()):
        if key in secrets and secrets[key] not in (None, ""):
            return str(secrets[key])
    return None


def _int(name: str, raw: str | None, default: int, minimum: int = 0) -> int:
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}.") from exc
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}.")
    return value


def _default_role(raw: str | None) -> str:
    role = (raw or "viewer").strip().lower()
    if role not in DEFAULT_ROLE_CHOICES:
        raise ConfigError(
            f"STAGE8_DEFAULT_ROLE must be one of {', '.join(DEFAULT_ROLE_CHOICES)}, got {raw!r}."
        )
    return role


# The roles of stage8.db.models.REVIEWER_ROLES, or `none` to refuse people nobody added.
DEFAULT_ROLE_CHOICES = ("viewer", "reviewer", "admin", "none")


DEFAULT_REASON_CODES = (
    "face/identity drift",
    "wrong outfit or costume",
    "wrong colour or palette",
    "anatomy or artefact",
    "wrong prop or set detail",
    "lighting",
    "composition",
    "other",
)


def _reason_codes(raw: str | None) -> tuple[str, ...]:
    """`STAGE8_REASON_CODES`: labels separated by commas (default DEFAULT_REASON_CODES)."""
    codes = tuple(dict.fromkeys(c.strip() for c in (raw or "").split(",") if c.strip()))
    for code in codes:
        if len(code) > 40:
            raise ConfigError(f"STAGE8_REASON_CODES: {code!r} is longer than 40 characters.")
    return codes or DEFAULT_REASON_CODES


@dataclass(frozen=True)
class Settings:
    home: Path = Path(".stage8")
    database_url: str = ""
    storage: str = "local"
    storage_path: Path = Path(".stage8/storage")
    supabase_url: str | None = None
    supabase_key: str | None = None
    bucket: str = "stage8"
    image_provider: str = "offline"
    gemini_api_key: str | None = None
    gemini_model: str = "gemini-2.5-flash-image"
    gemini_base_url: str = "https://generativelanguage.googleapis.com"
    attempt_cap: int = 8
    trash_retention_days: int = 30
    unselected_max_age_days: int = 0  # 0: no age limit
    max_upload_mb: int = 25
    reason_codes: tuple[str, ...] = DEFAULT_REASON_CODES
    drift_below: int = 41  # continuity under this score is flagged drift (benchmarks/similarity)
    max_pixels: int = 60_000_000
    min_edge: int = 64
    max_edge: int = 2048
    thumb_edge: int = 320
    job_lease_seconds: int = 120
    job_max_tries: int = 3
    app_password: str | None = None
    admins: frozenset[str] = frozenset()  # emails that are always admin (lower case)
    default_role: str = "viewer"  # role of a signed-in person not in the reviewers table
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_default_database(self) -> bool:
        return self.database_url == default_database_url(self.home)

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    def secrets(self) -> tuple[str, ...]:
        """Every secret value these settings hold: the database password (as written, decoded
        and re-encoded), the Supabase key, the Gemini key and the app password."""
        values = [self.supabase_key, self.gemini_api_key, self.app_password]
        return tuple(v for v in (*password_forms(self.database_url), *values) if v)


def default_database_url(home: Path) -> str:
    return f"sqlite:///{(home / 'stage8.db').resolve()}"


# --- secrets: one place that knows them and masks them ---------------------------------------


def _configured_secrets() -> list[str]:
    """The secrets of the current configuration, even when it does not load completely."""
    try:
        return list(load_settings().secrets())
    except Exception:  # a broken configuration must still be masked: read the raw values
        try:
            secrets = _read_secrets()
        except ConfigError:
            secrets = {}
        raw = [_lookup(name, secrets) for name in (*SECRET_SETTINGS, "STAGE8_DATABASE_URL")]
        return [*(v for v in raw[:-1] if v), *password_forms(raw[-1] or "")]


def redact(text: str, settings: Settings | None = None, *, also: Iterable[str] = ()) -> str:
    """`text` with every configured secret (of `settings`, else of the current configuration,
    plus `also`) and every password inside a URL replaced by ***."""
    configured = settings.secrets() if settings else _configured_secrets()
    return mask_secrets(text, [*configured, *also])


class RedactingFilter(logging.Filter):
    """Masks secrets in a log record's message and traceback before any handler prints it."""

    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__()
        self.settings = settings

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), self.settings)
        record.args = None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(text, self.settings)
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.settings)
        return True


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time of each record (unless given a stream)."""

    stage8_redacting = True

    def __init__(self) -> None:
        self._fixed: object | None = None
        super().__init__()

    @property
    def stream(self):  # type: ignore[override]
        return self._fixed or sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        self._fixed = None if value is sys.stderr else value


def install_log_redaction(settings: Settings | None = None) -> None:
    """Send the desk's log lines (logger `stage8` and below) to stderr through RedactingFilter,
    instead of letting them reach other handlers unmasked; idempotent, so the app and the
    command line call it at start. Levels are left as they are (WARNING unless configured)."""
    logger = logging.getLogger("stage8")
    for handler in logger.handlers:
        if getattr(handler, "stage8_redacting", False):
            handler.filters = [RedactingFilter(settings)]
            return
    handler = _StderrHandler()
    handler.addFilter(RedactingFilter(settings))
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False


def app_password_setting() -> str | None:
    """STAGE8_APP_PASSWORD alone, for the gate when the other settings do not load; raises
    ConfigError when the secrets file cannot be read (then nobody can tell whether one is set)."""
    return _lookup("STAGE8_APP_PASSWORD", _read_secrets())


def load_settings() -> Settings:
    """Read every setting; raise ConfigError with what to fix when one is malformed."""
    secrets = _read_secrets()

    def get(name: str) -> str | None:
        return _lookup(name, secrets)

    home = Path(get("STAGE8_HOME") or ".stage8")
    database_url = get("STAGE8_DATABASE_URL") or default_database_url(home)
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url.removeprefix("postgres://")
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    storage = check_backend(get("STAGE8_STORAGE") or "local")
    provider = check_provider(get("STAGE8_IMAGE_PROVIDER") or "offline")
    settings = Settings(
        home=home,
        database_url=database_url,
        storage=storage,
        storage_path=Path(get("STAGE8_STORAGE_PATH") or home / "storage"),
        supabase_url=get("SUPABASE_URL"),
        supabase_key=get("SUPABASE_KEY"),
        bucket=get("STAGE8_BUCKET") or "stage8",
        image_provider=provider,
        gemini_api_key=get("GEMINI_API_KEY"),
        gemini_model=get("STAGE8_GEMINI_MODEL") or Settings.gemini_model,
        gemini_base_url=get("STAGE8_GEMINI_BASE_URL") or Settings.gemini_base_url,
        attempt_cap=_int("STAGE8_ATTEMPT_CAP", get("STAGE8_ATTEMPT_CAP"), 8, minimum=1),
        trash_retention_days=_int(
            "STAGE8_TRASH_RETENTION_DAYS", get("STAGE8_TRASH_RETENTION_DAYS"), 30
        ),
        unselected_max_age_days=_int(
            "STAGE8_UNSELECTED_MAX_AGE_DAYS", get("STAGE8_UNSELECTED_MAX_AGE_DAYS"), 0
        ),
        max_upload_mb=_int("STAGE8_MAX_UPLOAD_MB", get("STAGE8_MAX_UPLOAD_MB"), 25, minimum=1),
        drift_below=_int("STAGE8_DRIFT_BELOW", get("STAGE8_DRIFT_BELOW"), 41),
        reason_codes=_reason_codes(get("STAGE8_REASON_CODES")),
        max_pixels=_int("STAGE8_MAX_PIXELS", get("STAGE8_MAX_PIXELS"), 60_000_000, minimum=1),
        min_edge=_int("STAGE8_MIN_EDGE", get("STAGE8_MIN_EDGE"), 64, minimum=1),
        max_edge=_int("STAGE8_MAX_EDGE", get("STAGE8_MAX_EDGE"), 2048, minimum=16),
        job_lease_seconds=_int("STAGE8_JOB_LEASE_SECONDS", get("STAGE8_JOB_LEASE_SECONDS"), 120, 1),
        job_max_tries=_int("STAGE8_JOB_MAX_TRIES", get("STAGE8_JOB_MAX_TRIES"), 3, minimum=1),
        app_password=get("STAGE8_APP_PASSWORD"),
        admins=frozenset(
            e.strip().lower() for e in (get("STAGE8_ADMINS") or "").split(",") if e.strip()
        ),
        default_role=_default_role(get("STAGE8_DEFAULT_ROLE")),
    )
    if storage == "supabase" and not (settings.supabase_url and settings.supabase_key):
        raise ConfigError(
            "STAGE8_STORAGE=supabase needs SUPABASE_URL and SUPABASE_KEY "
            "(environment or .streamlit/secrets.toml)."
        )
    return settings
