"""The upload widget in AppTest (which drives st.file_uploader), its helpers, and the config."""

from __future__ import annotations

import tomllib

import pytest
from streamlit.testing.v1 import AppTest

from stage8.config import Settings, load_settings
from stage8.db.finders import find_instance
from stage8.decisions.attempts import list_attempts
from stage8.ui import state as keys
from stage8.ui.text import escape_markdown
from stage8.ui.uploader import button_label
from tests.builders import png
from tests.ui.conftest import ROOT


def uploader_app(instance_id: int) -> None:
    import streamlit as st

    from stage8.ui.session import get_desk
    from stage8.ui.uploader import upload_widget

    def changed() -> None:
        st.session_state["changes"] = st.session_state.get("changes", 0) + 1

    upload_widget(get_desk(), instance_id, "apptest", changed)
    st.text(f"changes: {st.session_state.get('changes', 0)}")


@pytest.fixture
def mara(ui_desk) -> int:
    """Mara in demo scene 5, which has no attempt yet."""
    with ui_desk.tx() as session:
        return find_instance(session, None, 5, "Mara").id


@pytest.fixture
def widget(mara):
    at = AppTest.from_function(uploader_app, args=(mara,), default_timeout=60)
    at.run()
    assert not at.exception
    return at


def changes(at: AppTest) -> int:
    return int(at.text[-1].value.removeprefix("changes: "))


def selected(desk, instance_id: int) -> list[tuple[int, str | None]]:
    return [
        (v.attempt_number, v.original_filename)
        for v in list_attempts(desk, instance_id)
        if v.selected
    ]


def test_one_file_is_uploaded_selected_and_the_uploader_emptied(widget, ui_desk, mara) -> None:
    uploader = widget.file_uploader(key=keys.uploader(mara))
    assert uploader.accept_multiple_files and uploader.allowed_type == []  # judged by content
    uploader.set_value(("harbour.png", png(5), "image/png")).run()
    assert not widget.selectbox and widget.button[0].label == "Upload 1 file"

    widget.button[0].click().run()

    assert not widget.exception
    assert [s.value for s in widget.success] == [
        "“harbour\\.png” stored as attempt \\#1 \\(96 × 80 PNG → 96 × 80 JPEG\\)\\."
    ]
    assert selected(ui_desk, mara) == [(1, "harbour.png")]
    assert changes(widget) == 1
    # A new, empty uploader: a rerun cannot send the same file again.
    assert [u.key for u in widget.file_uploader] == [f"upload_{mara}_1"]
    assert not widget.file_uploader[0].value and not widget.button
    widget.run()
    assert changes(widget) == 1 and not widget.success  # the outcome is shown once


def test_several_files_the_reviewer_picks_the_selected_one(widget, ui_desk, mara) -> None:
    files = [(f"take-{n}.png", png(n), "image/png") for n in (1, 2, 3)]
    widget.file_uploader[0].set_value(files).run()
    choice = widget.selectbox[0]
    assert choice.label == "Use which as the selected image"
    assert choice.value == 2 and choice.options == [
        "1. take-1.png",
        "2. take-2.png",
        "3. take-3.png",
        "None: keep the current selection",
    ]
    choice.set_value(0).run()

    widget.button[0].click().run()

    assert widget.button == [] and len(widget.success) == 3
    assert selected(ui_desk, mara) == [(1, "take-1.png")]
    assert widget.caption[-1].value == escape_markdown("3 files: 3 stored. Attempt #1 is selected.")


def test_none_keeps_the_selection(widget, ui_desk, mara) -> None:
    widget.file_uploader[0].set_value(("first.png", png(1), "image/png")).run()
    widget.button[0].click().run()
    widget.file_uploader[0].set_value(
        [("a.png", png(2), "image/png"), ("b.png", png(3), "image/png")]
    ).run()
    widget.selectbox[0].set_value("none").run()
    widget.button[0].click().run()
    assert selected(ui_desk, mara) == [(1, "first.png")]
    assert len(list_attempts(ui_desk, mara)) == 3 and changes(widget) == 2


def test_a_rejected_file_is_named_escaped_and_nothing_changes(widget, ui_desk, mara) -> None:
    name = "**Mara** [final](javascript:x) <img src=x>.png"
    widget.file_uploader[0].set_value((name, b"just text", "image/png")).run()

    widget.button[0].click().run()

    [error] = widget.error
    assert error.value.startswith(
        "“\\*\\*Mara\\*\\* \\[final\\]\\(javascript\\:x\\) \\<img src\\=x\\>\\.png” was not "
    )
    assert "text file" in error.value
    assert list_attempts(ui_desk, mara) == [] and changes(widget) == 0


def test_too_many_files_at_once(widget, ui_desk) -> None:
    cap = ui_desk.settings.attempt_cap
    files = [(f"{n}.png", png(n), "image/png") for n in range(cap + 1)]
    widget.file_uploader[0].set_value(files).run()
    assert f"at most {cap} files" in widget.error[0].value and not widget.button


def test_reusing_an_image_says_so(widget, mara) -> None:
    for name in ("a.png", "a-again.png"):
        widget.file_uploader[0].set_value((name, png(9), "image/png")).run()
        widget.button[0].click().run()
    assert (
        escape_markdown("“a-again.png” is the same image as attempt #1") in widget.warning[0].value
    )


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("plain name", "plain name"),
        ("a*b_c.png", "a\\*b\\_c\\.png"),
        (":red[x] $y$ `z`", "\\:red\\[x\\] \\$y\\$ \\`z\\`"),
        ("Straße 画像", "Straße 画像"),
    ],
)
def test_escape_markdown(text: str, escaped: str) -> None:
    assert escape_markdown(text) == escaped


def test_labels_and_keys() -> None:
    assert [button_label(n) for n in (1, 2)] == ["Upload 1 file", "Upload 2 files"]
    assert [keys.uploader(7, r) for r in (0, 1)] == ["upload_7", "upload_7_1"]


def test_streamlit_upload_limit_matches_the_desk_setting(monkeypatch) -> None:
    monkeypatch.delenv("STAGE8_MAX_UPLOAD_MB", raising=False)
    monkeypatch.setenv("STAGE8_SECRETS_FILE", "/nonexistent/secrets.toml")
    with (ROOT / ".streamlit" / "config.toml").open("rb") as fh:
        config = tomllib.load(fh)
    assert config["server"]["maxUploadSize"] == Settings().max_upload_mb
    assert config["server"]["maxUploadSize"] == load_settings().max_upload_mb
    assert config["browser"]["gatherUsageStats"] is False
