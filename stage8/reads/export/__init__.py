"""Export: the stable tables of docs/export_schema.md (tables), streamed from the database (stream)
and written as CSV, Parquet, Excel or JSON Lines (formats).
"""
