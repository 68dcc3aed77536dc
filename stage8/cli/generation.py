"""Generation verbs: generate (queue, optionally run and wait) and worker."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from stage8.cli.core import (
    actor,
    add_instance_args,
    add_verb,
    desk,
    print_json,
    seed_number,
)
from stage8.db.finders import find_instance
from stage8.decisions.attempts import list_attempts
from stage8.generation.jobs import job_status
from stage8.generation.run import estimate_cost, queue_generation
from stage8.generation.worker import Worker, run_until_done


def _generate(args: argparse.Namespace) -> int:
    d = desk()
    with d.read() as session:
        instance_id = find_instance(session, args.project, args.scene, args.asset).id
    job_ids = queue_generation(
        d, instance_id, actor=actor(args), prompt=args.prompt, count=args.count, seed=args.seed
    )
    where = f"{args.asset} in scene {args.scene}"
    if not args.wait:
        if args.json:
            print_json([v.as_json() for v in job_status(d, job_ids)])
            return 0
        print(
            f"Queued {len(job_ids)} generation(s) for {where} (job {_ids(job_ids)}), estimated "
            f"${estimate_cost(d, len(job_ids)).normalize()}. Run them with "
            "`python -m stage8 worker`, or add --wait."
        )
        return 0
    views = run_until_done(d, job_ids)
    attempts = {a.generation_job_id: a for a in list_attempts(d, instance_id, include_trashed=True)}
    if args.json:
        print_json(
            [
                {
                    "job": v.as_json(),
                    "attempt": attempts[v.id].as_json() if v.id in attempts else None,
                }
                for v in views
            ]
        )
    for v in views:
        attempt = attempts.get(v.id)
        if v.status != "succeeded" or attempt is None:
            print(f"error: job {v.id} failed: {v.last_error}", file=sys.stderr)
        elif not args.json:
            state = "selected" if attempt.selected else "added unselected (new, not reviewed)"
            cost = "-" if attempt.cost_usd is None else f"${attempt.cost_usd.normalize()}"
            same = f" It looks the same as attempt #{v.same_as}." if v.same_as is not None else ""
            print(
                f"#{attempt.attempt_number} (id {attempt.id}) {attempt.provider}/{attempt.model}"
                f" {cost} in {attempt.duration_ms} ms, {state}.{same}"
            )
    return 0 if all(v.status == "succeeded" for v in views) else 1


def _ids(ids: list[int]) -> str:
    return ", ".join(str(i) for i in ids)


def _worker(args: argparse.Namespace) -> int:
    worker = Worker(desk(), poll_interval=args.poll)
    # Configured after opening the desk, so migration chatter stays out of the job log.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    if args.once:
        if not worker.run_once():
            print("No generation job was waiting.", file=sys.stderr)
        return 0
    stop = threading.Event()

    def request_stop(signum, _frame) -> None:
        logging.getLogger(__name__).info("stopping after the current job (signal %s)", signum)
        stop.set()
        # A second Ctrl-C interrupts at once; the job's lease then expires and it is retried.
        signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        worker.run_forever(stop)
    except KeyboardInterrupt:
        return 130
    return 0


def register(sub) -> None:
    p = add_verb(
        sub,
        "generate",
        "queue image generations for an asset in a scene (--wait runs them here)",
        _generate,
        json_flag=True,
    )
    add_instance_args(p)
    p.add_argument("--count", type=int, default=1, help="how many images (default 1)")
    p.add_argument("--prompt", help="prompt (default: built from the asset and its description)")
    p.add_argument(
        "--seed", type=seed_number, help="seed of the first image (default: the next one)"
    )
    p.add_argument(
        "--wait", action="store_true", help="run the jobs in this process and print the attempts"
    )
    p = add_verb(
        sub, "worker", "run generation jobs until Ctrl-C or SIGTERM", _worker, project=False
    )
    p.add_argument("--once", action="store_true", help="run at most one job, then exit")
    p.add_argument(
        "--poll", type=float, default=0.5, help="seconds between looks at an empty queue"
    )
