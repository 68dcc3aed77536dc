"""Showing user-provided text (file names, descriptions, reasons) literally in Markdown."""

import string


def escape_markdown(text: str) -> str:
    """`text` shown literally by st.markdown and the alert elements (which render Markdown).

    Every ASCII punctuation character is backslash-escaped (CommonMark allows that for all of
    them), so `*`, `_`, `[`, `<`, `:`, `$` in a file name never become formatting, links,
    HTML, emoji shortcodes, colour directives or maths.
    """
    return "".join(f"\\{c}" if c in string.punctuation else c for c in text)
