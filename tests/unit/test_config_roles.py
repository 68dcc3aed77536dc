"""Sign-in settings: STAGE8_ADMINS and STAGE8_DEFAULT_ROLE (issue 14 item 2)."""

import pytest

from stage8.config import DEFAULT_ROLE_CHOICES, load_settings
from stage8.db.models import REVIEWER_ROLES
from stage8.errors import ConfigError


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in ("STAGE8_ADMINS", "STAGE8_DEFAULT_ROLE", "STAGE8_DATABASE_URL", "STAGE8_STORAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STAGE8_HOME", str(tmp_path))
    monkeypatch.setenv("STAGE8_SECRETS_FILE", str(tmp_path / "secrets.toml"))


def test_defaults_no_admins_and_viewer():
    settings = load_settings()
    assert settings.admins == frozenset()
    assert settings.default_role == "viewer"


def test_admins_are_a_comma_separated_list_in_lower_case(monkeypatch):
    monkeypatch.setenv("STAGE8_ADMINS", " Ada@Studio.test, ,bob@studio.test,")
    assert load_settings().admins == frozenset({"ada@studio.test", "bob@studio.test"})


def test_settings_also_come_from_the_secrets_file(tmp_path):
    (tmp_path / "secrets.toml").write_text(
        '[stage8]\nSTAGE8_ADMINS = "ada@studio.test"\nSTAGE8_DEFAULT_ROLE = "None"\n'
    )
    settings = load_settings()
    assert settings.admins == frozenset({"ada@studio.test"})
    assert settings.default_role == "none"


def test_default_role_choices_are_the_roles_or_none():
    assert (*REVIEWER_ROLES, "none") == DEFAULT_ROLE_CHOICES


def test_unknown_default_role_is_a_config_error(monkeypatch):
    monkeypatch.setenv("STAGE8_DEFAULT_ROLE", "owner")
    with pytest.raises(ConfigError, match="STAGE8_DEFAULT_ROLE must be one of viewer, reviewer"):
        load_settings()
