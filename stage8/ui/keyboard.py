"""The contact sheet's keyboard: one call, `install()`, per run of the scene page.

Keys act on the focused row (outlined, real DOM focus): ↑/↓ or j/k move between rows, ←/→ show
the previous/next attempt, Enter or s select, m use master as-is on/off, g generate, p pin,
x move to trash, c compare, u undo the last decision in this scene, n the next row that needs
attention, ? the cheat sheet (Esc closes it). Digits: while the row's (or the open full panel's)
"Why?" bar is open after s, x or m, 1-9 give that decision its reason and Esc skips it; with no
bar, 1-5 rate the shown attempt and 0 clears its rating. A key clicks the same button a mouse
user would click, found by its key in `stage8.ui.state`, so the rules stay in the services and
the page.

Why not streamlit-shortcuts (1.2.2): it binds one key to one fixed widget key, and fires while
the reviewer types in a text field; the sheet needs the same key to act on whichever row has the
focus, the focus kept across fragment reruns and reloads, and no key while typing.

How: `st.html(..., unsafe_allow_javascript=True)` runs `keyboard.js` in the page itself (not
an iframe like `st.components.v1.html`), inside a container hidden with `display: none`, so it
adds no height and never moves the page. The script installs itself once per browser tab and
only acts while that container is on the page.
"""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

from stage8.ui import state

_SCRIPT = Path(__file__).with_name("keyboard.js").read_text(encoding="utf-8")
_ID = 9_876_543_210  # stands for "the row's instance id" while the key templates are made
_N = 8_765_432_109  # stands for "the digit" (a reason's number, a star count)
NARROW_WIDTH = 900  # px: at or under it the sidebar starts collapsed (once per browser session)
HELP_TITLE = "Keyboard"

# (keys, what they do), in the cheat sheet's order.
CHEAT_SHEET: tuple[tuple[tuple[str, ...], str], ...] = (
    (("↑", "k"), "previous asset"),
    (("↓", "j"), "next asset"),
    (("←", "→"), "show the previous / next attempt"),
    (("Enter", "s"), "select the shown attempt"),
    (("m",), "use the master as-is: on / off"),
    (("g",), "generate"),
    (("p",), "pin"),
    (("x",), "move to the trash"),
    (("1", "…", "9"), "after s, x or m: the reason (Esc: skip)"),
    (("1", "…", "5"), "rate the shown attempt (0 clears)"),
    (("c",), "compare"),
    (("u",), "undo the last decision in this scene"),
    (("n",), "next asset that needs you"),
    (("?",), "this list (Esc closes it)"),
)

_CSS = f"""
[data-testid="stLayoutWrapper"]:has(> .st-key-{state.KEYBOARD_LAYER}),
.st-key-{state.KEYBOARD_LAYER} {{ display: none !important; }}
.stage8-focused-row {{
  outline: 3px solid #1c83e1; outline-offset: 3px; border-radius: 0.5rem; scroll-margin: 4rem 0;
}}
.stage8-why-dismissed,
[data-testid="stLayoutWrapper"]:has(> .stage8-why-dismissed) {{ display: none !important; }}
#stage8-keys-help {{
  position: fixed; right: 1.5rem; bottom: 1.5rem; z-index: 1000100; max-width: 22rem;
  padding: 0.75rem 1.25rem; border-radius: 0.75rem; background: #ffffff; color: #31333f;
  box-shadow: 0 0.5rem 2rem rgba(0, 0, 0, 0.25); font-size: 0.9rem;
}}
#stage8-keys-help[hidden] {{ display: none; }}
#stage8-keys-help h3 {{ margin: 0 0 0.5rem; padding: 0; font-size: 1rem; }}
#stage8-keys-help dl {{
  display: grid; grid-template-columns: auto 1fr; gap: 0.3rem 0.75rem; margin: 0;
}}
#stage8-keys-help dt {{ white-space: nowrap; }}
#stage8-keys-help dd {{ margin: 0; }}
#stage8-keys-help kbd {{
  display: inline-block; min-width: 1.4rem; margin-right: 0.2rem; padding: 0 0.3rem;
  border: 1px solid #c4c6cf; border-radius: 0.3rem; background: #f4f5f8; text-align: center;
  font-family: inherit;
}}
"""


def _template(key_of_row) -> str:
    return key_of_row(_ID).replace(str(_ID), "{id}")


def _numbered(key_of_row_and_number) -> str:
    return key_of_row_and_number(_ID, _N).replace(str(_ID), "{id}").replace(str(_N), "{n}")


def config() -> dict:
    """What the script needs: the key templates of `stage8.ui.state` and the cheat sheet."""
    return {
        "layer": state.KEYBOARD_LAYER,
        "row": _template(state.row_box),
        "needs": _template(state.row_needs),
        "actions": {
            "prev": _template(state.row_prev),
            "next": _template(state.row_next),
            "select": _template(state.row_select),
            "as_is": _template(state.row_as_is),
            "generate": _template(state.row_generate),
            "pin": _template(state.row_pin),
            "trash": _template(state.row_trash),
            "compare": _template(state.row_compare),
        },
        "why": _template(state.row_why),
        "whyCode": _numbered(state.row_why_code),
        "whySkip": _template(state.row_why_skip),
        "stars": _template(state.row_stars),
        "panel": _template(state.asset_box),
        "undo": state.SCENE_UNDO,
        "nextAttention": state.NEXT_ATTENTION,
        "helpButton": state.KEYBOARD_HELP,
        "helpTitle": HELP_TITLE,
        "help": [[list(keys), what] for keys, what in CHEAT_SHEET],
        "narrowWidth": NARROW_WIDTH,
    }


def page_html() -> str:
    """The hidden block's HTML: the style, the script and the call that configures it."""
    # "<" escaped so no text in the configuration can close the <script> element.
    settings = json.dumps(config(), ensure_ascii=False).replace("<", "\\u003c")
    return f"<style>{_CSS}</style><script>{_SCRIPT}\nwindow.stage8InstallKeys({settings});</script>"


def install() -> None:
    """Add the keyboard layer to this page (call it once per run of the scene page)."""
    with st.container(key=state.KEYBOARD_LAYER):
        st.html(page_html(), unsafe_allow_javascript=True)
