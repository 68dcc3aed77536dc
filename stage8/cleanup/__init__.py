"""Cleanup: keep storage in check without ever losing a decision (invariants 4 and 5).

Rules owned here: what goes to the trash and what is purged, and why (policy: pure functions;
what is protected comes from `decisions.protection`); the plan, a dry run, and its data (plan);
carrying a plan out resumably, through the ledger (apply); the trash and purging rows (trash);
objects no row refers to (orphans).
"""
