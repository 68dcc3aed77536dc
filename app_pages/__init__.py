"""The page scripts, one per page, run by path through `st.navigation` in app.py.

Streamlit never imports this folder as a package; this file only lets `lint-imports` (the layer
contracts in pyproject.toml) analyse the pages' imports. Not `pages/`: see the README.
"""
