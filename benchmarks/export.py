"""Export benchmark: 1,000,000 attempts to Parquet and CSV beside PostgreSQL's own COPY.

    STAGE8_BENCH_DATABASE_URL=postgresql://... .venv/bin/python benchmarks/export.py [--rows N]

The URL (else STAGE8_TEST_DATABASE_URL) names a server and a database to connect to; the
benchmark creates its own database beside it, fills it with INSERT ... SELECT generate_series
(no images are drawn: every attempt shares one image row), and drops it at the end.

Measured side by side in one run, each in a fresh subprocess writing a file:

- parquet:  `stage8.reads.export.stream.export_table(..., "parquet")` (server-side cursor, chunks),
- csv:      the same to CSV,
- copy:     `COPY (<the same SELECT>) TO STDOUT (FORMAT csv, HEADER)` through psycopg, the
            floor: the server formats the rows and Python only moves bytes.

Time is the work after imports. Peak memory is the child's ru_maxrss (seen by the parent with
wait4, so C allocations count too); "over imports" subtracts the child's maxrss after importing.
The ratios desk/COPY are the figures to watch; the issue's bound is 500 MB peak for 1,000,000.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
METHODS = ("parquet", "csv", "copy")
# stage8.reads.export.stream.CHUNK, not imported here: the parent must not load the desk
CHUNK = 5000
SCENES, ASSETS = 50, 200  # 10,000 instances; attempts are spread evenly over them


def _admin_url() -> str:
    url = os.environ.get("STAGE8_BENCH_DATABASE_URL") or os.environ.get("STAGE8_TEST_DATABASE_URL")
    if not url:
        sys.exit("Set STAGE8_BENCH_DATABASE_URL (or STAGE8_TEST_DATABASE_URL) to a PostgreSQL URL.")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def generate(url: str, rows: int) -> float:
    """Fill the database with `rows` attempts; returns the seconds it took."""
    from sqlalchemy import text

    from stage8.db.engine import create_db_engine, migrate

    engine = create_db_engine(url)
    migrate(engine)
    per = -(-rows // (SCENES * ASSETS))
    t0 = "timestamptz '2024-01-01 00:00:00+00'"
    statements = [
        "INSERT INTO projects (id, name, is_demo, created_at) "
        f"VALUES (1, 'Bench film', false, {t0})",
        "INSERT INTO images (id, project_id, storage_key, sha256, mime_type, width, height, "
        f"byte_size, created_at) VALUES (1, 1, 'p1/img.jpg', repeat('ab', 32), 'image/jpeg', "
        f"1024, 1024, 180000, {t0})",
        "INSERT INTO scenes (id, project_id, scene_number, title, created_at) SELECT s, 1, s, "
        f"'Scene ' || s, {t0} FROM generate_series(1, {SCENES}) s",
        "INSERT INTO project_assets (id, project_id, name, asset_type, tags, created_at) "
        "SELECT a, 1, 'Asset ' || a, (ARRAY['character','location','prop'])[1 + a % 3], "
        f"'[]', {t0} FROM generate_series(1, {ASSETS}) a",
        "INSERT INTO scene_asset_instances (scene_id, asset_id, created_at, updated_at) "
        f"SELECT s, a, {t0}, {t0} FROM generate_series(1, {SCENES}) s, "
        f"generate_series(1, {ASSETS}) a",
        "INSERT INTO scene_asset_generation_attempts (instance_id, attempt_number, source, "
        "image_id, prompt, cost_usd, provider, model, duration_ms, extra, pinned, created_by, "
        "created_at) SELECT i.id, n, 'generated', 1, 'Asset ' || i.asset_id || ' in scene ' || "
        "i.scene_id || ', cinematic still, take ' || n, 0.039 + n * 0.00000001, 'gemini', "
        "'gemini-2.5-flash-image', 4000 + n, '{}', false, 'bench', "
        f"{t0} + make_interval(secs => i.id * 100 + n) "
        f"FROM scene_asset_instances i, generate_series(1, {per}) n "
        f"WHERE (i.id - 1) * {per} + n <= {rows}",
        "UPDATE scene_asset_instances i SET selected_attempt_id = a.id FROM "
        "scene_asset_generation_attempts a WHERE a.instance_id = i.id AND a.attempt_number = 1",
        "ANALYZE",
    ]
    started = time.perf_counter()
    with engine.begin() as conn:
        for sql in statements[:-1]:
            conn.execute(text(sql))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(statements[-1]))
    engine.dispose()
    return time.perf_counter() - started


def child(method: str, url: str, out: Path, chunk: int) -> None:
    """Run one export in this process and print its JSON figures."""
    from stage8.reads.export.stream import export_table, statement

    if method == "copy":
        import psycopg
        from sqlalchemy.dialects import postgresql
    else:
        from stage8.db.engine import create_db_engine, make_session_factory
        from stage8.desk import Desk
        from tests.conftest import make_settings
    after_imports = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with out.open("wb") as fh:
        if method == "copy":
            sql = statement("attempts").compile(
                dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
            )
            rows = 0
            plain = url.replace("postgresql+psycopg://", "postgresql://")
            with psycopg.connect(plain) as conn, conn.cursor() as cur:
                with cur.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv, HEADER)") as copy:
                    for data in copy:
                        fh.write(data)
                rows = cur.rowcount
        else:
            engine = create_db_engine(url)
            desk = Desk(make_settings(out.parent, url), engine, make_session_factory(engine))
            rows = export_table(desk, "attempts", method, fh, chunk_size=chunk)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "rows": rows, "base_kb": after_imports}))


def measure(method: str, url: str, folder: Path, chunk: int) -> dict:
    out = folder / f"attempts.{method}"
    command = [sys.executable, __file__, "--child", method, "--url", url, "--out", str(out)]
    command += ["--chunk", str(chunk)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=ROOT, env=_child_env())
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"{method} failed with exit code {proc.returncode}")
    figures = json.loads(output)
    figures["peak_mb"] = usage.ru_maxrss / 1024
    figures["over_imports_mb"] = (usage.ru_maxrss - figures.pop("base_kb")) / 1024
    figures["file_mb"] = out.stat().st_size / 2**20
    out.unlink()
    return figures


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--chunk", type=int, default=CHUNK, help="rows per chunk (default %(default)s)"
    )
    parser.add_argument("--child", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url, args.out, args.chunk)
        return
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = _admin_url()
    name = f"stage8_bench_{uuid.uuid4().hex[:10]}"
    admin_engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    try:
        print(f"Generating {args.rows:,} attempts in {name} (chunks of {args.chunk:,}) ...")
        print(f"  generated in {generate(url, args.rows):.1f} s", flush=True)
        with tempfile.TemporaryDirectory(prefix="stage8-bench-") as folder:
            results = {m: measure(m, url, Path(folder), args.chunk) for m in METHODS}
    finally:
        with admin_engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()
    report(results)


def report(results: dict[str, dict]) -> None:
    print(
        f"\n{'method':<8} {'rows':>10} {'seconds':>8} {'rows/s':>9} {'file MB':>8} "
        f"{'peak MB':>8} {'over imports MB':>16}"
    )
    for method, r in results.items():
        print(
            f"{method:<8} {r['rows']:>10,} {r['seconds']:>8.2f} {r['rows'] / r['seconds']:>9,.0f} "
            f"{r['file_mb']:>8.1f} {r['peak_mb']:>8.1f} {r['over_imports_mb']:>16.1f}"
        )
    copy = results["copy"]
    print()
    for method in ("parquet", "csv"):
        r = results[method]
        print(
            f"{method}/COPY: time x{r['seconds'] / copy['seconds']:.2f}, "
            f"peak memory x{r['peak_mb'] / copy['peak_mb']:.2f}"
        )
    worst = max(results[m]["peak_mb"] for m in ("parquet", "csv"))
    verdict = "met" if worst < 500 else "NOT met"
    print(f"Peak memory bound (< 500 MB for the desk's exports): {verdict}, worst {worst:.0f} MB")


if __name__ == "__main__":
    main()
