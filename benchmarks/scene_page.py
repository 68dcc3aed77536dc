"""Scene page benchmark: from the database to the browser, at 10, 30 and 100 assets x 8 attempts.

Scenes are built with realistic images (`benchmarks/scene_fixtures.py`: 1024 px JPEGs of a few
hundred KB, through the real ingest, so every image has its renditions), on SQLite and, when
STAGE8_TEST_DATABASE_URL (or STAGE8_BENCH_DATABASE_URL) names a PostgreSQL server, on a fresh
database there too (dropped at the end). For each scene size, rounds interleaved (min and
median):

- raw SQL:     the statements the read model sends for one scene (captured once), replayed on a
               plain DBAPI cursor with every row fetched: no ORM, no Python objects;
- read model:  `stage8.reads.board.scene_board` (what the page loads);
- script:      the page's Streamlit script, an AppTest rerun of `app_pages/scene.py`, timed in
               the script's own thread (and the whole AppTest rerun, with AppTest's own work);
- image work:  decodes, resizes and re-encodes during one rerun (should be 0: renditions);
- browser:     headless Chromium (`benchmarks/scene_browser.py`; 1280x800, a fresh context per
               load, so nothing is cached): ms from navigation to the app `notRunning` with
               every row of the page drawn, ms to the last image loaded, image bytes and
               requests, DOM nodes, WebSocket frames, the renderer's main-thread time.

The script's CPU time (its thread's) is printed beside its wall time: on a shared, loaded machine
it moves much less. The browser time ratio uses "images loaded" (the later of the two).

Ratios: script / raw SQL (aim at 30 assets: <= 10), browser time 100 / 30 assets (aim <= 3.5),
and the image bytes of one page at 30 assets (aim <= 1.5 MB). Usage:

    .venv/bin/python benchmarks/scene_page.py [--json] [--repeat 3] [--sizes 10,30,100]
        [--database sqlite|postgres]   (default: both, postgres when a URL is set)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ATTEMPTS = 8
AIM_SCRIPT_TO_SQL, AIM_PAGE_MB, AIM_BROWSER_GROWTH = 10.0, 1.5, 3.5


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the databases ----------------------------------------------------------------------------


def _server_url() -> str | None:
    url = os.environ.get("STAGE8_BENCH_DATABASE_URL") or os.environ.get("STAGE8_TEST_DATABASE_URL")
    if url and url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


@contextmanager
def database(kind: str, home: Path):
    """Environment variables for a desk on `kind` (sqlite: the default file in `home`;
    postgres: a new database on the server, dropped afterwards)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    env = {"STAGE8_HOME": str(home), "STAGE8_STORAGE_PATH": str(home.parent / "storage")}
    if kind == "sqlite":
        yield env
        return
    admin = create_engine(_server_url(), isolation_level="AUTOCOMMIT")
    name = f"stage8_scenebench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(_server_url()).set(database=name).render_as_string(hide_password=False)
    try:
        yield env | {"STAGE8_DATABASE_URL": url}
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def build(env: dict[str, str], sizes: list[int], pool: list) -> tuple[object, dict[int, int]]:
    """A desk on `env` with the bench project; `pool` (staged images) is filled on first use."""
    from benchmarks import scene_fixtures as fixtures
    from benchmarks.scene_fixtures import build_scenes, stage_pool
    from stage8.config import load_settings
    from stage8.desk import open_desk
    from stage8.projects import create_project
    from stage8.ui.contact_sheet import PAGE_SIZE

    os.environ.pop("STAGE8_DATABASE_URL", None)
    os.environ.update(env)
    desk = open_desk(load_settings())
    project_id = create_project(desk, "Scene bench")
    if not pool:
        count = fixtures.pool_size(PAGE_SIZE, ATTEMPTS)
        started = time.perf_counter()
        pool.extend(
            stage_pool(
                desk,
                project_id,
                count,
                lambda n, total: n % 40 == 0 and log(f"  images {n}/{total}"),
            )
        )
        log(f"  {count} images ingested in {time.perf_counter() - started:.1f} s")
    elif pool[0].project_id != project_id:
        sys.exit("The bench project got another id on this database: its images do not match.")
    return desk, build_scenes(desk, sizes, ATTEMPTS, pool, project_id)


# --- server side ------------------------------------------------------------------------------


def captured_statements(desk, number: int) -> list[tuple[str, object]]:
    """The SQL statements (with parameters) `scene_board` sends for scene `number`."""
    from sqlalchemy import event

    from stage8.reads.board import scene_board

    seen: list[tuple[str, object]] = []

    def hook(_conn, _cursor, statement, parameters, _context, _many) -> None:
        seen.append((statement, parameters))

    event.listen(desk.engine, "before_cursor_execute", hook)
    try:
        scene_board(desk, number, "Scene bench")
    finally:
        event.remove(desk.engine, "before_cursor_execute", hook)
    return [(s, p) for s, p in seen if s.split(None, 1)[0].upper() in ("SELECT", "WITH")]


def raw_sql_ms(desk, statements: list[tuple[str, object]]) -> float:
    """Run the statements on a plain DBAPI connection, fetching every row."""
    connection = desk.engine.raw_connection()
    try:
        started = time.perf_counter()
        cursor = connection.cursor()
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            cursor.fetchall()
        elapsed = time.perf_counter() - started
        connection.rollback()
    finally:
        connection.close()
    return elapsed * 1000


@contextmanager
def counting_image_work():
    """Count decodes, resizes and Streamlit re-encodes (and images shown) while inside."""
    from PIL import Image, ImageFile
    from streamlit.elements.lib import image_utils

    counts: Counter = Counter()
    patched = [
        (ImageFile.ImageFile, "load", "decode"),
        (Image.Image, "resize", "resize"),
        (image_utils, "_pil_to_bytes", "encode"),
        (image_utils, "image_to_url", "shown"),
    ]
    originals = [getattr(owner, name) for owner, name, _ in patched]

    def counted(label, original):
        def wrapper(*args, **kwargs):
            counts[label] += 1
            return original(*args, **kwargs)

        return wrapper

    for (owner, name, label), original in zip(patched, originals, strict=True):
        setattr(owner, name, counted(label, original))
    try:
        yield counts
    finally:
        for (owner, name, _), original in zip(patched, originals, strict=True):
            setattr(owner, name, original)


@contextmanager
def script_thread_times():
    """(wall, CPU) seconds of each script run in its own thread (ScriptRunner._run_script): the
    page's script without AppTest's own work (its polling and parsing of the element tree)."""
    from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

    original = ScriptRunner._run_script
    times: list[float] = []

    def timed(self, rerun_data):
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            return original(self, rerun_data)
        finally:
            times.append((time.perf_counter() - started, time.thread_time() - cpu))

    ScriptRunner._run_script = timed
    try:
        yield times
    finally:
        ScriptRunner._run_script = original


@contextmanager
def profiled_script(top: int):
    """Profile the script runs in their own thread (cProfile) and print the `top` functions by
    own time, then by cumulative time, to stderr: where a rerun's time goes."""
    import cProfile  # only with --profile
    import pstats  # only with --profile

    from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

    original, profile = ScriptRunner._run_script, cProfile.Profile()

    def profiled(self, rerun_data):
        profile.enable()
        try:
            return original(self, rerun_data)
        finally:
            profile.disable()

    ScriptRunner._run_script = profiled
    try:
        yield
    finally:
        ScriptRunner._run_script = original
        for order in ("tottime", "cumulative"):
            pstats.Stats(profile, stream=sys.stderr).sort_stats(order).print_stats(top)


def measure_server(desk, scenes: dict[int, int], repeat: int, profile: int = 0) -> dict[int, dict]:
    """Raw SQL, read model and script per scene size, rounds interleaved."""
    from streamlit.testing.v1 import AppTest

    from benchmarks.scene_browser import spread  # after sys.path has the repository root
    from stage8.reads.board import scene_board
    from stage8.ui.session import _open

    _open.clear()  # the pages' desk: opened again on this database
    apps, statements = {}, {}
    for size, number in scenes.items():
        statements[size] = captured_statements(desk, number)
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        # A secrets file as a deployment has one (the browser's server gets one too): without
        # any, Streamlit looks for the files again at every st.secrets read (the auth check).
        at.secrets["stage8_benchmark"] = "1"
        at.switch_page("app_pages/scene.py")
        at.query_params["scene"] = str(number)
        at.query_params["project"] = "Scene bench"
        at.run()  # warms the desk, the caches and the renditions read from storage
        if at.exception:
            sys.exit(f"The scene page failed: {at.exception}")
        apps[size] = at
    times: dict[int, dict[str, list[float]]] = {
        s: {"sql": [], "read": [], "script": [], "script_cpu": [], "apptest": []} for s in scenes
    }
    for round_ in range(repeat):
        log(f"  server round {round_ + 1}/{repeat}")
        for size, number in scenes.items():
            times[size]["sql"].append(raw_sql_ms(desk, statements[size]))
            started = time.perf_counter()
            scene_board(desk, number, "Scene bench")
            times[size]["read"].append((time.perf_counter() - started) * 1000)
            with script_thread_times() as thread:
                started = time.perf_counter()
                apps[size].run()
                times[size]["apptest"].append((time.perf_counter() - started) * 1000)
            times[size]["script"].append(thread[-1][0] * 1000)
            times[size]["script_cpu"].append(thread[-1][1] * 1000)
    out = {}
    for size, at in apps.items():
        with counting_image_work() as work:
            at.run()
        if profile:
            log(f"  profile of one rerun at {size} assets")
            with profiled_script(profile):
                at.run()
        t = times[size]
        out[size] = {
            "queries": len(statements[size]),
            "raw_sql_ms": spread(t["sql"]),
            "read_model_ms": spread(t["read"]),
            "script_ms": spread(t["script"]),
            # CPU time of the script's thread: what the page costs, whatever the machine's load.
            "script_cpu_ms": spread(t["script_cpu"]),
            "apptest_rerun_ms": spread(t["apptest"]),
            "script_to_sql": round(min(t["script"]) / min(t["sql"]), 1),
            "rerun_image_work": {k: work.get(k, 0) for k in ("decode", "resize", "encode")},
            "images_shown": work.get("shown", 0),
        }
    return out


# --- the run ----------------------------------------------------------------------------------


def ratios(server: dict, browser: dict, sizes: list[int]) -> dict:
    out: dict[str, object] = {}
    if 30 in server:
        out["script_to_sql_30"] = server[30]["script_to_sql"]
        out["image_mb_30"] = round(browser[30]["image_bytes"] / 1e6, 2)
    if 30 in browser and 100 in browser:
        for name in ("ready_ms", "images_ms"):
            out[f"browser_{name.removesuffix('_ms')}_100_to_30"] = round(
                browser[100][name]["min"] / browser[30][name]["min"], 2
            )
    aims = {  # an aim whose sizes were not measured (see --sizes) is left out
        "script <= 10x raw SQL at 30": ("script_to_sql_30", AIM_SCRIPT_TO_SQL),
        "images <= 1.5 MB at 30": ("image_mb_30", AIM_PAGE_MB),
        "browser 100 <= 3.5x 30": ("browser_images_100_to_30", AIM_BROWSER_GROWTH),
    }
    out["aims"] = {aim: out[k] <= limit for aim, (k, limit) in aims.items() if k in out}
    out["aims"]["no image work on a rerun"] = all(
        not any(server[s]["rerun_image_work"].values()) for s in sizes
    )
    return out


def print_table(kind: str, result: dict, out=sys.stdout) -> None:
    server, browser = result["server"], result["browser"]

    def _p(text: str) -> None:
        print(text, file=out, flush=True)

    _p(f"\n{kind} (load average {result['load_average']}; min of the rounds, JSON has medians)")
    _p("assets  queries  SQL ms  read ms  script ms  script CPU ms  AppTest ms  script/SQL  work")
    for size, s in server.items():
        _p(
            f"{size:>6}  {s['queries']:>7}  {s['raw_sql_ms']['min']:>6.1f}  "
            f"{s['read_model_ms']['min']:>7.1f}  {s['script_ms']['min']:>9.0f}  "
            f"{s['script_cpu_ms']['min']:>13.0f}  {s['apptest_rerun_ms']['min']:>10.0f}  "
            f"{s['script_to_sql']:>9.1f}x  {sum(s['rerun_image_work'].values()):>4}"
        )
    _p("assets  ready ms  images ms  img KB  img req  DOM nodes  WS frames  renderer JS ms")
    for size, b in browser.items():
        _p(
            f"{size:>6}  {b['ready_ms']['min']:>8.0f}  {b['images_ms']['min']:>9.0f}  "
            f"{b['image_bytes'] / 1024:>6.0f}  {b['image_requests']:>7}  {b['dom_nodes']:>9}  "
            f"{b['ws_frames_to_ready']:>9}  {b['main_thread_ms']['script']:>14}"
        )
    for name, value in result["ratios"].items():
        if name != "aims":
            _p(f"{name}: {value}")
    for aim, held in result["ratios"]["aims"].items():
        _p(f"aim {aim}: {'held' if held else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--sizes", default="10,30,100", help="assets per scene, comma separated")
    parser.add_argument("--database", choices=("sqlite", "postgres"), action="append")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="print the N costliest functions"
    )
    args = parser.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",")})
    kinds = args.database or ["sqlite", *(["postgres"] if _server_url() else [])]
    if "postgres" in kinds and not _server_url():
        sys.exit(
            "Set STAGE8_TEST_DATABASE_URL (or STAGE8_BENCH_DATABASE_URL) for --database postgres."
        )
    os.chdir(ROOT)
    # After sys.path has the repository root (and Playwright only when the run starts).
    from benchmarks import scene_browser

    home = Path(tempfile.mkdtemp(prefix="stage8-scenebench-"))
    os.environ["STAGE8_SECRETS_FILE"] = str(home / "none.toml")
    pool: list = []
    results = {}
    started = time.perf_counter()
    for kind in kinds:
        log(f"{kind}: building scenes of {sizes} assets x {ATTEMPTS} attempts")
        with database(kind, home / kind) as env:
            desk, scenes = build(env, sizes, pool)
            server = measure_server(desk, scenes, args.repeat, args.profile)
            browser = scene_browser.measure_browser(env, scenes, args.repeat)
            desk.engine.dispose()
        results[kind] = {
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "server": server,
            "browser": browser,
            "ratios": ratios(server, browser, sizes),
        }
    log(f"done in {time.perf_counter() - started:.0f} s")
    for kind, result in results.items():  # with --json, the table goes to stderr
        print_table(kind, result, sys.stderr if args.json else sys.stdout)
    if args.json:
        figures = {"repeat": args.repeat, "attempts": ATTEMPTS, "databases": results}
        print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
