"""Export: filter a table (attempts, instances, decision events), preview it, download it."""

import streamlit as st

from stage8.errors import Stage8Error
from stage8.reads.export.stream import PREVIEW_ROWS, count_rows, preview
from stage8.ui import state as keys
from stage8.ui.export_widgets import download_buttons, export_filters, table_picker
from stage8.ui.session import get_desk, show_error

LARGE = 200_000

desk = get_desk()
st.title("Export")
st.caption(
    "Ids are text, times UTC (ISO 8601), costs exact decimals; every row names its scene and "
    "asset. The columns are described in `docs/export_schema.md`."
)
what = table_picker()
filters = export_filters(desk, what)
try:
    total = count_rows(desk, what, filters)
    frame = preview(desk, what, filters, limit=PREVIEW_ROWS)
except Stage8Error as exc:
    show_error(exc)
    st.stop()
shown = f"; the preview shows the first {PREVIEW_ROWS}" if total > PREVIEW_ROWS else ""
st.markdown(f"**{total:,}** rows match{shown}.")
st.dataframe(frame, hide_index=True, width="stretch", key=keys.EXPORT_PREVIEW)
if total > LARGE:
    st.info(
        "A download this large is built in memory and takes a while. Narrow it with the filters "
        "above (project, scenes, dates) for a quicker file; whoever runs the desk can also "
        "export everything straight to a file.",
        icon=":material/hourglass_top:",
    )
download_buttons(desk, what, filters)
