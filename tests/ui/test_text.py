"""The one helper for text from data: `inert` and `md` (no Streamlit needed)."""

from decimal import Decimal

from stage8.ui.text import JOINER, inert, md
from tests.ui.helpers import shown


def test_inert_escapes_every_markdown_character_and_reads_the_same():
    hostile = "[x](https://evil.example) ![px](t.png) <b> **b** `c` $m$ :red[x] ~~s~~ | # 1."
    escaped = inert(hostile)
    assert "[x]" not in escaped and "<b>" not in escaped and "**" not in escaped
    assert shown(escaped) == hostile


def test_bare_urls_and_addresses_get_a_joiner_that_is_not_seen():
    for text in ("https://evil.example", "see www.evil.example", "a@evil.example", "HTTP://X.Y"):
        escaped = inert(text)
        assert JOINER in escaped, text
        assert shown(escaped) == text


def test_line_breaks_become_spaces():
    assert inert("a\n    b\r\n- c") == "a     b \\- c"


def test_md_escapes_the_values_not_the_template():
    out = md("**{name}** costs ${cost:,.2f}", name="*x*", cost=Decimal("1234.5"))
    assert out == "**\\*x\\*** costs $1\\,234\\.50"
    assert md("{{literal}} {0}", "_") == "{literal} \\_"
