"""Cleanup: keep storage in check without ever losing a decision (invariants 4 and 5).

Rules owned here: the plan (a dry run) and its resumable apply (apply, plan); the trash and purge
after the retention period (trash); objects no row refers to (orphans).
"""
