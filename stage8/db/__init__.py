"""The database: engine and sessions (engine), column types that behave alike on SQLite and
PostgreSQL (column_types), the tables (models), finders by the names people use (finders), and the
Alembic migrations (migrations/).

Rules owned here: timestamps are timezone-aware UTC and costs exact decimals on both databases
(invariant 6, column_types); SQLite transactions take the write lock at BEGIN, read-only ones do not
(engine); migrations run under an advisory lock on PostgreSQL (engine).
"""
