"""Exports stream: peak memory does not grow with the row count.

200,000 attempts are generated with a few bulk INSERT ... SELECT statements on SQLite (seconds,
no images drawn). Each format exports a first slice and a slice four times as long (selected by
creation time, 200 attempts per instance) in a fresh process, whose peak resident memory
(VmHWM, so Arrow's and the ADBC driver's C buffers count too) may grow by a fifth at most.
CSV, Parquet and JSON Lines go from 50,000 to 200,000 rows (several record batches); Excel, cell
by cell through openpyxl, from 2,400 to 9,600.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from stage8.db.engine import create_db_engine, make_session_factory
from stage8.desk import Desk
from stage8.reads.export.stream import ExportFilters
from tests.conftest import make_settings

pytestmark = pytest.mark.slow

SCENES, ASSETS, PER_INSTANCE = 8, 125, 200  # 8 × 125 instances × 200 = 200,000 attempts
T0 = "'2024-01-01 00:00:00.000000'"
START = datetime(2024, 1, 1, tzinfo=UTC)  # attempt times: START + instance id × 1000 s + number


ROOT = Path(__file__).resolve().parents[2]
# One export in a fresh process: rows written, bytes written, and the process's peak memory.
CHILD = """
import io, json, sys
from datetime import datetime
from pathlib import Path
from stage8.db.engine import create_db_engine, make_session_factory
from stage8.desk import Desk
from stage8.reads.export.stream import ExportFilters, export_table
from tests.conftest import make_settings

class Sink(io.RawIOBase):
    size = 0
    def writable(self):
        return True
    def write(self, data):
        self.size += memoryview(data).nbytes
        return memoryview(data).nbytes
    def tell(self):
        return self.size

home, url, fmt, until = sys.argv[1:]
engine = create_db_engine(url)
desk = Desk(make_settings(Path(home), url), engine, make_session_factory(engine))
sink = Sink()
until = ExportFilters(date_to=datetime.fromisoformat(until))
rows = export_table(desk, "attempts", fmt, sink, until)
# VmHWM: this program's own high-water mark (ru_maxrss would also count the parent's memory at
# fork time, which Linux carries across exec: a long test session's, hundreds of MB).
status = Path("/proc/self/status").read_text()
peak = int(next(l for l in status.splitlines() if l.startswith("VmHWM:")).split()[1]) * 1024
print(json.dumps({"rows": rows, "bytes": sink.size, "peak": peak}))
"""


def generate(engine) -> None:
    """The rows, in the storage formats of SQLite (money in 1e-8 units, naive UTC text times)."""
    numbers = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {})"
    statements = [
        f"INSERT INTO projects (id, name, is_demo, created_at) VALUES (1, 'Big film', 0, {T0})",
        "INSERT INTO images (id, project_id, storage_key, sha256, mime_type, width, height, "
        f"byte_size, created_at) VALUES (1, 1, 'k/1.png', '{'ab' * 32}', 'image/png', 64, 64, "
        f"999, {T0})",
        numbers.format(SCENES) + " INSERT INTO scenes (id, project_id, scene_number, title, "
        f"created_at) SELECT x, 1, x, 'Scene ' || x, {T0} FROM n",
        numbers.format(ASSETS) + " INSERT INTO project_assets (id, project_id, name, asset_type, "
        f"tags, created_at) SELECT x, 1, 'Asset ' || x, 'prop', '[]', {T0} FROM n",
        "INSERT INTO scene_asset_instances (scene_id, asset_id, created_at, updated_at) "
        f"SELECT s.id, a.id, {T0}, {T0} FROM scenes s CROSS JOIN project_assets a",
        numbers.format(PER_INSTANCE)
        + " INSERT INTO scene_asset_generation_attempts (instance_id, attempt_number, source, "
        "image_id, prompt, cost_usd, provider, model, duration_ms, extra, pinned, created_by, "
        "created_at) SELECT i.id, n.x, 'generated', 1, 'A prop in scene ' || i.scene_id || "
        "', take ' || n.x, 3900000 + n.x, 'offline', 'offline-preview-1', 4000 + n.x, '{}', 0, "
        "'bench', strftime('%Y-%m-%d %H:%M:%S', 1704067200 + i.id * 1000 + n.x, 'unixepoch') "
        "|| '.000000' FROM scene_asset_instances i CROSS JOIN n",
        "UPDATE scene_asset_instances SET selected_attempt_id = (SELECT a.id FROM "
        "scene_asset_generation_attempts a WHERE a.instance_id = scene_asset_instances.id "
        "AND a.attempt_number = 1)",
    ]
    with engine.begin() as conn:
        for sql in statements:
            conn.execute(text(sql))


@pytest.fixture(scope="module")
def big_desk(sqlite_template, tmp_path_factory):
    home = tmp_path_factory.mktemp("export-memory")
    shutil.copy(sqlite_template, home / "stage8.db")
    url = f"sqlite:///{home / 'stage8.db'}"
    engine = create_db_engine(url)
    generate(engine)
    yield Desk(make_settings(home, url), engine, make_session_factory(engine))
    engine.dispose()


def peak(desk: Desk, fmt: str, filters: ExportFilters) -> tuple[int, int]:
    """(rows, peak resident bytes) of one export in a fresh process."""
    home, url = desk.settings.home, desk.settings.database_url
    until = filters.date_to.isoformat()
    command = [sys.executable, "-c", CHILD, str(home), url, fmt, until]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert figures["bytes"] > 0
    return figures["rows"], figures["peak"]


def first_instances(k: int) -> ExportFilters:
    """The attempts of instances 1..k (k × 200 rows), by creation time."""
    return ExportFilters(date_to=START + timedelta(seconds=(k + 1) * 1000))


@pytest.mark.parametrize(
    ("fmt", "instances"),
    [("csv", 250), ("parquet", 250), ("jsonl", 250), ("xlsx", 12)],
)
def test_peak_memory_does_not_follow_the_row_count(big_desk, fmt, instances):
    short_rows, short_peak = peak(big_desk, fmt, first_instances(instances))
    long_rows, long_peak = peak(big_desk, fmt, first_instances(4 * instances))
    assert (short_rows, long_rows) == (200 * instances, 800 * instances)
    assert long_peak < 1.2 * short_peak, (fmt, short_peak, long_peak)
    assert long_peak < 400 * 2**20  # and bounded in absolute terms (imports included)
