"""Decisions: every change of what an instance uses, one database transaction each (invariant 2).

Rules owned here: one selected attempt per instance (attempts, invariant 1); the decision log
(events); uploads, use master as-is (invariant 3), the reference chain and its choice, revert; what
cleanup may never touch (protection, invariant 5); plain read models of attempts (views).
"""
