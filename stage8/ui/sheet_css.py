"""The contact sheet's own style: compact rows, a compact "Why?" bar, the stars over the foot of
the shown image (so they make no row taller)."""

from stage8.ui.star_rating import CSS as STAR_CSS

# Compact controls inside rows only (Streamlit's buttons are 40 px tall with wide padding).
ROW_CSS = (
    """<style>
[class*="st-key-row_"] button { min-height: 1.75rem; padding: 0.05rem 0.45rem; }
[class*="st-key-row_"] [data-testid="stMarkdownContainer"] p { margin-bottom: 0; }
div[class*="st-key-row_"][data-testid="stVerticalBlock"] { padding: 0.4rem 0.5rem; }
[class*="st-key-row_"][class*="_marks_"] p { font-size: 0.7rem; line-height: 1.1; }
[class*="st-key-shown_"] { position: relative; }
[class*="st-key-shown_"] [data-testid="stLayoutWrapper"]:has(> [class*="_stars"]),
[class*="st-key-shown_"] > [class*="st-key-row_"][class*="_stars"] {
  position: absolute; left: 0.25rem; bottom: 0.25rem; z-index: 2; width: auto;
  background: rgba(255, 255, 255, 0.9); border-radius: 0.4rem; padding: 0 0.15rem;
}
[class*="st-key-row_"][class*="_why_"] button { min-height: 1.4rem; padding: 0 0.4rem; }
[class*="st-key-row_"][class*="_why_"] button p { font-size: 0.8rem; }
</style>"""
    + STAR_CSS
)
