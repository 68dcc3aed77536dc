"""Settings: backend and provider names are checked in one place; the default database's name."""

from __future__ import annotations

from pathlib import Path

import pytest

from stage8 import config
from stage8.config import Settings, default_database_url, load_settings
from stage8.errors import ConfigError
from stage8.providers import PROVIDERS, check_provider, make_provider
from stage8.storage import BACKENDS, check_backend, make_store


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("STAGE8_SECRETS_FILE", str(tmp_path / "none.toml"))
    monkeypatch.setenv("STAGE8_HOME", str(tmp_path))
    return monkeypatch


def test_settings_and_the_store_factory_refuse_an_unknown_backend_with_one_message(env):
    env.setenv("STAGE8_STORAGE", "s3")
    with pytest.raises(ConfigError) as from_settings:
        load_settings()
    with pytest.raises(ConfigError) as from_factory:
        make_store(Settings(storage="s3"))
    assert str(from_settings.value) == str(from_factory.value)
    assert all(name in str(from_settings.value) for name in BACKENDS)


def test_settings_and_the_provider_factory_refuse_an_unknown_provider_with_one_message(env):
    env.setenv("STAGE8_IMAGE_PROVIDER", "dalle")
    with pytest.raises(ConfigError) as from_settings:
        load_settings()
    with pytest.raises(ConfigError) as from_factory:
        make_provider(Settings(image_provider="dalle"))
    assert str(from_settings.value) == str(from_factory.value)
    assert all(name in str(from_settings.value) for name in PROVIDERS)
    assert config.check_provider is check_provider


def test_backend_names_are_case_insensitive_and_the_settings_use_the_checked_name(env):
    assert check_backend("LOCAL") == "local"
    env.setenv("STAGE8_STORAGE", "Local")
    assert load_settings().storage == "local"
    assert config.check_backend is check_backend  # no second list of names in config


def test_the_embedded_default_database_is_stage8_db_in_the_home_folder(tmp_path):
    url = default_database_url(tmp_path)
    assert url == f"sqlite:///{(tmp_path / 'stage8.db').resolve()}"
    assert Path(url.removeprefix("sqlite:///")).name == "stage8.db"
