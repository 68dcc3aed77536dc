"""Decisions: every change of what an instance uses, one database transaction each (invariant 2).

Rules owned here:
- ledger: the in-transaction primitives every decision is made of: select, add an attempt, trash,
  evict over the cap, restore from the trash, record the event. One selected attempt per instance
  (invariant 1) and "as-is only on a master copy of the reference" (invariant 3) are kept there.
- protection: what no cleanup may touch (invariant 5), and which attempts the cap takes.
- attempts, uploads, use_master, reference_choice, revert: the use cases, each on the ledger.
- events: the append-only log and its reads; recording an event bumps the instance's version
  once per transaction. versions: a decision made against an older version is refused
  (StaleVersion, a DecisionConflict naming who changed what and when).
- references: the master reference chain and its staleness; views: plain read models of attempts.
"""
