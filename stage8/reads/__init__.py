"""Reads: read-only views of the data, each in a fixed number of queries, none taking a write lock.

Rules owned here: the pages' read models (board), analytics, the invariant check (integrity), and
the export of attempts, instances and events (export/).
"""
