"""Exports stream: with a bounded chunk size, peak Python memory barely grows with the row count.

200,000 attempts are generated with a few bulk INSERT ... SELECT statements on SQLite (seconds,
no images drawn). Exporting a quarter of them (scenes 1–2 of 8) and all of them must have about
the same peak: rows ×4, peak ×1.5 at most. tracemalloc sees Python objects; Arrow's buffers are
outside it but are one chunk at a time by construction (one record batch per chunk).
"""

from __future__ import annotations

import io
import shutil
import tracemalloc

import pytest
from sqlalchemy import text

from stage8.db import create_db_engine, make_session_factory
from stage8.desk import Desk
from stage8.export import ExportFilters, export_table
from tests.conftest import make_settings

pytestmark = pytest.mark.slow

SCENES, ASSETS, PER_INSTANCE = 8, 125, 200  # 8 × 125 instances × 200 = 200,000 attempts
T0 = "'2024-01-01 00:00:00.000000'"


class Sink(io.RawIOBase):
    """A write-only file that keeps nothing but the byte count."""

    def __init__(self) -> None:
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        n = memoryview(data).nbytes
        self.size += n
        return n

    def tell(self) -> int:
        return self.size


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
    """(rows, peak traced bytes) of one export with chunks of 1,000 rows."""
    sink = Sink()
    tracemalloc.start()
    try:
        rows = export_table(desk, "attempts", fmt, sink, filters, chunk_size=1000)
        _, top = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sink.size > 0
    return rows, top


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet", "xlsx"])
def test_peak_memory_does_not_follow_the_row_count(big_desk, fmt):
    quarter_rows, quarter_peak = peak(big_desk, fmt, ExportFilters(scene_to=2))
    all_rows, all_peak = peak(big_desk, fmt, ExportFilters())
    assert (quarter_rows, all_rows) == (50_000, 200_000)
    assert all_peak < 1.5 * quarter_peak, (fmt, quarter_peak, all_peak)
    assert all_peak < 64 * 2**20  # and small in absolute terms
