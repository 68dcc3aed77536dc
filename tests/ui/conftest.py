"""AppTest fixtures: a fresh embedded desk (SQLite + local folder, demo seeded) per test.

AppTest shares st.cache_resource / st.cache_data across tests in one process, so every test
clears them before and after; otherwise one test's desk (and database) leaks into the next.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def desk_home(tmp_path, monkeypatch) -> Path:
    for name in (
        "STAGE8_DATABASE_URL",
        "STAGE8_STORAGE",
        "STAGE8_STORAGE_PATH",
        "STAGE8_IMAGE_PROVIDER",
        "STAGE8_APP_PASSWORD",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STAGE8_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("STAGE8_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    monkeypatch.setenv("STAGE8_ACTOR", "apptest")
    monkeypatch.setenv("STAGE8_APP_WORKER", "0")  # tests run jobs themselves, deterministically
    monkeypatch.chdir(ROOT)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield tmp_path / "home"
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def app(desk_home):
    """An AppTest of the whole app (navigation included); call .run() after setting params."""

    def make(
        scene: int | None = None, project: str | None = None, asset: str | None = None
    ) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        if scene is not None:
            at.switch_page("app_pages/scene.py")
            at.query_params["scene"] = str(scene)
            if project:
                at.query_params["project"] = project
            if asset:  # the asset's full panel, in place of its row on the contact sheet
                at.query_params["asset"] = asset
        return at

    return make


@pytest.fixture
def ui_desk(desk_home):
    """The same desk the app opens (shares its cached resource)."""
    from stage8.ui.session import _open

    return _open()
