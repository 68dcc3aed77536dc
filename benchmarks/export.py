"""Export benchmark: attempts to Parquet and CSV beside the database's own CSV output.

    STAGE8_BENCH_DATABASE_URL=postgresql://... .venv/bin/python benchmarks/export.py \
        [--rows 1000000] [--rounds 3] [--databases postgresql sqlite] [--json]

PostgreSQL: the URL (else STAGE8_TEST_DATABASE_URL) names a server; the benchmark creates its own
database beside it, fills it with INSERT ... SELECT generate_series (no images are drawn: every
attempt shares one image row) and drops it at the end. SQLite: a file in a temporary folder,
filled the same way with recursive CTEs.

Measured side by side, rounds interleaved, each run in a fresh subprocess writing a file:

- parquet:  `stage8.reads.export.stream.export_table(..., "parquet")` (ADBC Arrow batches),
- csv:      the same to CSV,
- copy:     PostgreSQL only: `COPY (<the same SELECT>) TO STDOUT (FORMAT csv, HEADER)` through
            psycopg into the file (psql's \\copy): the server formats the rows, Python only
            moves bytes,
- sqlite3:  SQLite only: the `sqlite3` command line's CSV output (`-csv -header`) of the same
            SELECT to the file; without the program, Python's sqlite3 module with csv.writer
            (said in the output).

Time is the work after imports (for the command line: the whole process). Peak memory is the
child's ru_maxrss (seen by the parent with wait4, so C allocations count too). The figures are
the best of the rounds (the machine is shared; the median is printed too). Aims: Parquet and CSV
each within 1.3x COPY on PostgreSQL and 1.5x the sqlite3 command line on SQLite, peak memory
under 300 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENES, ASSETS = 50, 200  # 10,000 instances; attempts are spread evenly over them
AIMS = {"postgresql": ("copy", 1.3), "sqlite": ("sqlite3", 1.5)}
PEAK_AIM_MB = 300


def _admin_url() -> str:
    url = os.environ.get("STAGE8_BENCH_DATABASE_URL") or os.environ.get("STAGE8_TEST_DATABASE_URL")
    if not url:
        sys.exit("Set STAGE8_BENCH_DATABASE_URL (or STAGE8_TEST_DATABASE_URL) to a PostgreSQL URL.")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _statements(dialect: str, rows: int) -> list[str]:
    """The rows in each database's storage formats (SQLite: money in 1e-8 units, naive text)."""
    per = -(-rows // (SCENES * ASSETS))
    if dialect == "postgresql":
        t0, false = "timestamptz '2024-01-01 00:00:00+00'", "false"
        series = "generate_series(1, {}) AS {}(x)"
        cost, when = "0.039 + n.x * 0.00000001", f"{t0} + make_interval(secs => i.id * 100 + n.x)"
    else:
        t0, false = "'2024-01-01 00:00:00.000000'", "0"
        series = "(WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < {}) "
        series += "SELECT x FROM s) AS {}"
        cost = "3900000 + n.x"
        when = (
            "strftime('%Y-%m-%d %H:%M:%S', 1704067200 + i.id * 100 + n.x, 'unixepoch') || '.000000'"
        )
    return [
        f"INSERT INTO projects (id, name, is_demo, created_at) VALUES (1, 'Bench film', {false}, "
        f"{t0})",
        "INSERT INTO images (id, project_id, storage_key, sha256, mime_type, width, height, "
        f"byte_size, created_at) VALUES (1, 1, 'p1/img.jpg', '{'ab' * 32}', 'image/jpeg', "
        f"1024, 1024, 180000, {t0})",
        "INSERT INTO scenes (id, project_id, scene_number, title, created_at) SELECT s.x, 1, s.x, "
        f"'Scene ' || s.x, {t0} FROM {series.format(SCENES, 's')}",
        "INSERT INTO project_assets (id, project_id, name, asset_type, tags, created_at) "
        "SELECT a.x, 1, 'Asset ' || a.x, CASE a.x % 3 WHEN 0 THEN 'character' WHEN 1 THEN "
        f"'location' ELSE 'prop' END, '[]', {t0} FROM {series.format(ASSETS, 'a')}",
        "INSERT INTO scene_asset_instances (scene_id, asset_id, created_at, updated_at) "
        f"SELECT s.id, a.id, {t0}, {t0} FROM scenes s CROSS JOIN project_assets a",
        "INSERT INTO scene_asset_generation_attempts (instance_id, attempt_number, source, "
        "image_id, prompt, cost_usd, provider, model, duration_ms, extra, pinned, created_by, "
        "created_at) SELECT i.id, n.x, 'generated', 1, 'Asset ' || i.asset_id || ' in scene ' || "
        f"i.scene_id || ', cinematic still, take ' || n.x, {cost}, 'gemini', "
        f"'gemini-2.5-flash-image', 4000 + n.x, '{{}}', {false}, 'bench', {when} "
        f"FROM scene_asset_instances i CROSS JOIN {series.format(per, 'n')} "
        f"WHERE (i.id - 1) * {per} + n.x <= {rows}",
        "UPDATE scene_asset_instances SET selected_attempt_id = (SELECT a.id FROM "
        "scene_asset_generation_attempts a WHERE a.instance_id = scene_asset_instances.id "
        "AND a.attempt_number = 1)",
    ]


def generate(url: str, dialect: str, rows: int) -> float:
    """Fill the database with `rows` attempts; returns the seconds it took."""
    from sqlalchemy import text

    from stage8.db.engine import create_db_engine, migrate

    engine = create_db_engine(url)
    migrate(engine)
    started = time.perf_counter()
    with engine.begin() as conn:
        for sql in _statements(dialect, rows):
            conn.execute(text(sql))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def child(method: str, url: str, out: Path) -> None:
    """Run one export in this process and print its JSON figures."""
    import resource

    from stage8.reads.export.stream import statement

    if method == "copy":
        import psycopg
        from sqlalchemy.dialects import postgresql
    else:
        from stage8.db.engine import create_db_engine, make_session_factory
        from stage8.desk import Desk
        from stage8.reads.export.stream import export_table
        from tests.conftest import make_settings
    after_imports = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with out.open("wb") as fh:
        if method == "copy":
            sql = statement("attempts").compile(
                dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
            )
            plain = url.replace("postgresql+psycopg://", "postgresql://")
            with psycopg.connect(plain) as conn, conn.cursor() as cur:
                with cur.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv, HEADER)") as copy:
                    for data in copy:
                        fh.write(data)
                rows = cur.rowcount
        else:
            engine = create_db_engine(url)
            desk = Desk(make_settings(out.parent, url), engine, make_session_factory(engine))
            rows = export_table(desk, "attempts", method, fh)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "rows": rows, "base_kb": after_imports}))


def _sqlite_cli_command(url: str, out: Path) -> tuple[list[str], str]:
    """The sqlite3 command line writing the attempts SELECT as CSV (program, query)."""
    from sqlalchemy.dialects import sqlite

    from stage8.reads.export.stream import statement

    sql = statement("attempts").compile(
        dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}
    )
    path = url.removeprefix("sqlite:///")
    return ["sqlite3", "-csv", "-header", path, f".output {out}", f"{sql};"], str(sql)


def _run(command: list[str], env: dict[str, str]) -> tuple[str, float, int]:
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=ROOT, env=env)
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{command[:3]} failed with status {status}")
    return output.decode(), time.perf_counter() - started, usage.ru_maxrss


def measure(method: str, url: str, folder: Path) -> dict:
    out = folder / f"attempts.{method}"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    if method == "sqlite3":
        command, _ = _sqlite_cli_command(url, out)
        if shutil.which("sqlite3") is None:
            command = [sys.executable, __file__, "--child", "pysqlite", "--url", url]
            command += ["--out", str(out)]
        _, seconds, peak_kb = _run(command, env)
        figures = {"seconds": seconds, "base_kb": 0}
        with out.open("rb") as fh:
            figures["rows"] = sum(1 for _ in fh) - 1  # no line breaks inside these values
    else:
        command = [sys.executable, __file__, "--child", method, "--url", url, "--out", str(out)]
        output, _, peak_kb = _run(command, env)
        figures = json.loads(output)
    figures["peak_mb"] = peak_kb / 1024
    figures["over_imports_mb"] = (peak_kb - figures.pop("base_kb")) / 1024
    figures["file_mb"] = out.stat().st_size / 2**20
    out.unlink()
    return figures


def pysqlite_child(url: str, out: Path) -> None:
    """Without the sqlite3 program: Python's sqlite3 module and csv.writer (its fastest dump)."""
    import csv
    import sqlite3

    _, sql = _sqlite_cli_command(url, out)
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn, out.open("w") as fh:
        cursor = conn.execute(sql)
        writer = csv.writer(fh)
        writer.writerow([d[0] for d in cursor.description])
        writer.writerows(cursor)


def bench(dialect: str, rows: int, rounds: int, folder: Path, admin: str | None) -> dict:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    baseline = AIMS[dialect][0]
    if dialect == "sqlite":
        url, drop = f"sqlite:///{folder / 'bench.db'}", None
    else:
        name = f"stage8_bench_{uuid.uuid4().hex[:10]}"
        drop = create_engine(admin, isolation_level="AUTOCOMMIT")
        with drop.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    load_start = _load()
    try:
        log(f"{dialect}: generating {rows:,} attempts ...")
        log(f"  generated in {generate(url, dialect, rows):.1f} s")
        runs: dict[str, list[dict]] = {m: [] for m in ("parquet", "csv", baseline)}
        for _ in range(rounds):
            for method in runs:
                runs[method].append(measure(method, url, folder))
    finally:
        if drop is not None:
            with drop.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            drop.dispose()
    methods = {}
    for method, results in runs.items():
        best = min(results, key=lambda r: r["seconds"])
        methods[method] = best | {
            "median_seconds": statistics.median(r["seconds"] for r in results),
            "peak_mb": max(r["peak_mb"] for r in results),
        }
    if baseline == "sqlite3" and shutil.which("sqlite3") is None:
        methods[baseline]["note"] = "Python sqlite3 module + csv.writer (no sqlite3 program)"
    base = methods[baseline]["seconds"]
    ratios = {f"{m}/{baseline}": methods[m]["seconds"] / base for m in ("parquet", "csv")}
    worst_peak = max(methods[m]["peak_mb"] for m in ("parquet", "csv"))
    return {
        "rows": rows,
        "methods": methods,
        "ratios": ratios,
        "aim_ratio": AIMS[dialect][1],
        "ratio_met": all(r <= AIMS[dialect][1] for r in ratios.values()),
        "peak_mb": worst_peak,
        "peak_met": worst_peak < PEAK_AIM_MB,
        # The machine is shared: how busy it was (1, 5, 15 min) before and after the runs.
        "load_average": {"start": load_start, "end": _load()},
    }


def _load() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def report(results: dict[str, dict]) -> None:
    for dialect, r in results.items():
        print(f"\n{dialect}, {r['rows']:,} attempts (best of rounds; median in brackets)")
        print(f"{'method':<8} {'seconds':>16} {'rows/s':>10} {'file MB':>8} {'peak MB':>8}")
        for method, m in r["methods"].items():
            timing = f"{m['seconds']:.2f} ({m['median_seconds']:.2f})"
            print(
                f"{method:<8} {timing:>16} {m['rows'] / m['seconds']:>10,.0f} "
                f"{m['file_mb']:>8.1f} {m['peak_mb']:>8.1f}  {m.get('note', '')}"
            )
        for name, ratio in r["ratios"].items():
            print(f"{name}: x{ratio:.2f} (aim <= {r['aim_ratio']})")
        verdict = "met" if r["peak_met"] else "NOT met"
        print(f"peak memory < {PEAK_AIM_MB} MB: {verdict} (worst {r['peak_mb']:.0f} MB)")
        print(f"load average (1, 5, 15 min): {r['load_average']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved runs per method")
    parser.add_argument(
        "--databases", nargs="+", choices=tuple(AIMS), default=list(AIMS), metavar="DB"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.child == "pysqlite":
        pysqlite_child(args.url, args.out)
        return
    if args.child:
        child(args.child, args.url, args.out)
        return
    admin = _admin_url() if "postgresql" in args.databases else None
    results = {}
    with tempfile.TemporaryDirectory(prefix="stage8-bench-") as folder:
        for dialect in args.databases:
            results[dialect] = bench(dialect, args.rows, args.rounds, Path(folder), admin)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        report(results)


if __name__ == "__main__":
    main()
