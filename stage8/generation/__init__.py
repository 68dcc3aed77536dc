"""Generation: queue jobs for instances, run them through a provider, turn results into attempts.

Rules owned here: a job snapshots what its result is judged against (run); claiming with leases so a
dead worker's job is retried (jobs); the worker loop, in a thread or its own process (worker).
"""
