"""Text that came from data or the URL, shown literally wherever Streamlit renders Markdown.

Streamlit renders Markdown in far more places than `st.markdown`: titles, headers, captions,
alerts (`st.error`, `st.info`, ...), toasts, expander, button, checkbox, radio and page-link
labels, metric labels and values, help tooltips, progress texts and image captions. A name like
`[x](https://evil.example)` or `![px](http://host/t.png)` becomes a live link or an image the
browser fetches in any of them. So every piece of text a page shows that came from the database
(project, scene and asset names, file names, prompts, reasons), from a service message (which
quotes such names) or from the URL goes through this module:

- `inert(value)`: the value as Markdown that renders as exactly its text;
- `md(template, **values)`: Markdown written in this code base (`template`, trusted) with each
  `{field}` filled by the inert text of its value (format specs work: `{cost:,.2f}`).

Widgets that show their text literally take the raw value instead (never escaped, or the
reviewer would see backslashes): selectbox and multiselect options, text-input values and
placeholders, dataframe cells and headers, chart data.
"""

from __future__ import annotations

import re
import string
from typing import Any

_PUNCTUATION = frozenset(string.punctuation)
# An invisible WORD JOINER (U+2060) placed inside what GFM would turn into a bare link.
JOINER = "\u2060"
# GFM links bare `http://…`, `www.…` and `name@host.tld` in the text *after* parsing, where
# backslash escapes are already gone; a joiner inside each trigger keeps the text as it reads.
_AUTOLINK_TRIGGER = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)", re.IGNORECASE)


def inert(value: object) -> str:
    """`str(value)` as Markdown that renders as exactly that text.

    Every ASCII punctuation character is backslash-escaped (CommonMark allows that for all of
    them), so `*`, `_`, `[`, `<`, `:`, `$` and `~` never become formatting, links, images,
    HTML, directives such as `:red[x]` or maths. Bare URLs and e-mail addresses are linked by
    GFM after the escapes are resolved, so an invisible word joiner goes after `:` in `://`,
    after `www` and after `@`. Line breaks become spaces: a name is one line, and a line break
    would let the next line start a block (a list, a quote, an indented code block).
    """
    text = " ".join(str(value).splitlines()) if value is not None else ""
    text = _AUTOLINK_TRIGGER.sub(JOINER, text)
    return "".join(f"\\{c}" if c in _PUNCTUATION else c for c in text)


# The name the upload and history widgets have used since before `inert`.
escape_markdown = inert


class _InertFormatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        return inert(format(value, format_spec))


_FORMATTER = _InertFormatter()


def md(template: str, /, *args: object, **values: object) -> str:
    """`template` with every replacement field made inert: `md("**{name}** #{n}", name=..., n=3)`.

    The template itself is Markdown and is not escaped: write it in code, never build it from
    data. A literal brace in the template is written `{{` / `}}` as with `str.format`.
    """
    return _FORMATTER.format(template, *args, **values)
