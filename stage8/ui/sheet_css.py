"""The contact sheet's own style: compact rows, a compact "Why?" bar, the stars over the foot of
the shown image (so they make no row taller)."""

from stage8.ui.star_rating import CSS as STAR_CSS

CELL_WIDTH = 52  # px: a strip thumbnail, its "#n" button and its marks (sheet_row)

# Compact controls inside rows only (Streamlit's buttons are 40 px tall with wide padding).
ROW_CSS = (
    """<style>
[class*="st-key-row_"] button { min-height: 1.75rem; padding: 0.05rem 0.45rem; }
[class*="st-key-row_"] [data-testid="stMarkdownContainer"] p { margin-bottom: 0; }
div[class*="st-key-row_"][data-testid="stVerticalBlock"] { padding: 0.4rem 0.5rem; }
div[class*="st-key-row_"][class*="_marks"][data-testid="stVerticalBlock"],
div[class*="st-key-row_"][class*="_strip"][data-testid="stVerticalBlock"] { padding: 0; }
[class*="st-key-row_"][class*="_strip"] [data-testid="stFullScreenFrame"] > div {
  width: auto !important; }
[class*="st-key-row_"][class*="_strip"] [data-testid="stImageContainer"] img {
  width: {cell}px !important; }
[class*="st-key-row_"][class*="_strip"] [data-testid="stImage"] {
  flex-wrap: nowrap !important; column-gap: 1rem !important; }
[class*="st-key-row_"][class*="_marks"] p {
  display: flex; gap: 1rem; font-size: 0.7rem; line-height: 1.1; white-space: nowrap; }
.s8-cell {
  display: inline-flex; justify-content: center; gap: 2px; width: {cell}px; min-height: 0.8rem;
  overflow: hidden; }
.s8-score, .s8-drift, .s8-stars { border-radius: 0.25rem; padding: 0 2px; }
.s8-score { background: rgba(128, 132, 149, 0.15); color: rgb(85, 88, 103); }
.s8-drift { background: rgba(255, 43, 43, 0.1); color: rgb(189, 64, 67); }
.s8-same { color: rgb(214, 110, 20); }
[class*="st-key-shown_"] { position: relative; }
[class*="st-key-shown_"] [data-testid="stLayoutWrapper"]:has(> [class*="_stars"]),
[class*="st-key-shown_"] > [class*="st-key-row_"][class*="_stars"] {
  position: absolute; left: 0.25rem; bottom: 0.25rem; z-index: 2; width: auto;
  background: rgba(255, 255, 255, 0.9); border-radius: 0.4rem; padding: 0 0.15rem;
}
[class*="st-key-row_"][class*="_why_"] button { min-height: 1.4rem; padding: 0 0.4rem; }
[class*="st-key-row_"][class*="_why_"] button p { font-size: 0.8rem; }
</style>""".replace("{cell}", str(CELL_WIDTH))
    + STAR_CSS
)
