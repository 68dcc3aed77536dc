"""Reading what an AppTest page shows: Markdown bodies as a reader sees them."""

from __future__ import annotations

import re

from sqlalchemy import Engine, event
from streamlit.testing.v1 import AppTest

from stage8.ui.text import JOINER

# A backslash before ASCII punctuation is a CommonMark escape: the reader sees the character.
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def shown(markdown: object) -> str:
    """The text a reader sees of a Markdown body the desk wrote: escapes resolved, and without
    the invisible word joiners that keep bare URLs from becoming links."""
    return _ESCAPE.sub(r"\1", str(markdown)).replace(JOINER, "")


def markdown_bodies(at: AppTest) -> list[str]:
    """Every Markdown body on the page, as sent to the browser (escapes included)."""
    bodies = [e.value for e in at.markdown] + [e.value for e in at.caption]
    for kind in ("error", "warning", "info", "success", "title", "header", "subheader"):
        bodies += [e.value for e in getattr(at, kind)]
    bodies += [e.label for e in at.expander] + [e.label for e in at.metric]
    bodies += [e.label for e in at.button] + [e.label for e in at.checkbox]
    bodies += [e.help for e in at.button if e.help] + [e.help for e in at.checkbox if e.help]
    bodies += [p.proto.label for p in at.get("page_link")]
    bodies += [p.proto.text for p in at.get("progress")]
    return [str(b) for b in bodies]


def page_text(at: AppTest) -> str:
    """Everything the page says in Markdown, as the reader sees it, one body per line."""
    return "\n".join(shown(b) for b in markdown_bodies(at))


def queries_of_a_run(at: AppTest, engine: Engine) -> int:
    """The SQL statements `engine` executes during one run of `at` (which must not fail)."""
    count = 0

    def hook(*_args: object, **_kwargs: object) -> None:
        nonlocal count
        count += 1

    event.listen(engine, "before_cursor_execute", hook)
    try:
        at.run()
    finally:
        event.remove(engine, "before_cursor_execute", hook)
    assert not at.exception
    return count
