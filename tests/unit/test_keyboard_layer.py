"""The keyboard layer's page block (`stage8.ui.keyboard`): keys from `ui.state`, a script that
survives Streamlit's HTML sanitiser."""

from __future__ import annotations

import re

from stage8.ui import keyboard
from stage8.ui import state as keys

# DOMPurify (which st.html runs, scripts allowed) drops an element whose text looks like markup
# (`<` then a letter, `/` or `!`), so a comment such as "st-key-<key>" would silently remove the
# whole script: the page would load with no keys at all.
_MARKUP_LIKE = re.compile(r"<[/\w!]")


def test_the_script_text_never_looks_like_markup():
    html = keyboard.page_html()
    script = re.search(r"<script>(.*)</script>", html, re.DOTALL)
    assert script is not None
    assert _MARKUP_LIKE.search(script.group(1)) is None
    style = re.search(r"<style>(.*)</style>", html, re.DOTALL)
    assert style is not None and _MARKUP_LIKE.search(style.group(1)) is None


def test_the_templates_are_the_contact_sheets_keys():
    config = keyboard.config()
    made = {name: template.replace("{id}", "42") for name, template in config["actions"].items()}
    assert made == {
        "prev": keys.row_prev(42),
        "next": keys.row_next(42),
        "select": keys.row_select(42),
        "as_is": keys.row_as_is(42),
        "generate": keys.row_generate(42),
        "pin": keys.row_pin(42),
        "trash": keys.row_trash(42),
        "compare": keys.row_compare(42),
    }
    assert config["row"].replace("{id}", "42") == keys.row_box(42)
    assert config["needs"].replace("{id}", "42") == keys.row_needs(42)
    assert (config["undo"], config["nextAttention"]) == (keys.SCENE_UNDO, keys.NEXT_ATTENTION)


def test_text_in_the_configuration_cannot_close_the_script(monkeypatch):
    monkeypatch.setattr(keyboard, "HELP_TITLE", "</script><b>keys")
    html = keyboard.page_html()
    assert html.count("</script>") == 1
    assert "\\u003c/script>\\u003cb>keys" in html


def test_the_digit_templates_are_the_reason_bar_and_star_keys():
    config = keyboard.config()

    def made(name: str, n: int | None = None) -> str:
        key = config[name].replace("{id}", "42")
        return key if n is None else key.replace("{n}", str(n))

    assert made("why") == keys.row_why(42)
    assert made("whySkip") == keys.row_why_skip(42)
    assert [made("whyCode", n) for n in (1, 9)] == [
        keys.row_why_code(42, 1),
        keys.row_why_code(42, 9),
    ]
    assert made("stars") == keys.row_stars(42)
    assert made("panel") == keys.asset_box(42)
    listed = [what for _keys, what in config["help"]]
    assert "after s, x or m: the reason (Esc: skip)" in listed
    assert "rate the shown attempt (0 clears)" in listed
