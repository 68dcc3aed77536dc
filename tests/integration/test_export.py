"""Export round trips on SQLite and PostgreSQL: each table in each format, read back with pandas
(and pyarrow for Parquet) and compared with what the database holds, value by value; filters
against a plain-Python oracle; the command line in a subprocess; the documented schema."""

from __future__ import annotations

import io
import json
import math
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from stage8.db.models import DecisionEvent, Project, ProjectAsset, Scene, SceneAssetInstance
from stage8.decisions import continuity
from stage8.decisions.attempts import add_attempt, select_attempt, set_pinned, trash_attempt
from stage8.decisions.ratings import rate_attempt, ratings_for
from stage8.decisions.reference_choice import use_reference
from stage8.decisions.references import reference_states
from stage8.decisions.use_master import set_use_master_as_is
from stage8.decisions.views import attempt_views
from stage8.errors import Stage8Error
from stage8.projects import add_asset, add_instance, add_scene, create_project, delete_scene
from stage8.reads.export.formats import arrow_schema
from stage8.reads.export.stream import (
    FORMATS,
    WHATS,
    ExportFilters,
    columns_of,
    export_bytes,
    export_table,
)
from stage8.reviewers.roles import Identity
from tests.builders import add_generated, png, project_with_scenes, stored_image

PLACES = Decimal("0.00000001")
ROOT = Path(__file__).resolve().parents[2]


def build_world(desk) -> dict:
    """Two projects; every source, awkward costs and text, a pin, a trash, a stale reference
    choice, and a deleted scene whose attempts must not be exported."""
    w = project_with_scenes(desk, scenes=3, assets=("Hero", "Sidekick"))
    pid, inst = w["project"], w["instances"]
    harbour = add_asset(desk, pid, "Harbour", "location", image_bytes=png(2000))
    add_instance(desk, w["scenes"][1], harbour, actor="lead")  # unchanged: master as-is
    first = add_generated(desk, inst[(1, "Hero")], pid, 1, select=False).attempt.id
    tiny = add_generated(desk, inst[(1, "Hero")], pid, 2, select=False, cost=PLACES)
    big = add_generated(desk, inst[(1, "Hero")], pid, 3, cost=Decimal("12345.67891234"))
    set_pinned(desk, tiny.attempt.id, True, actor=Identity("rui@x.test", "Rui", "reviewer"))
    add_attempt(
        desk,
        inst[(1, "Sidekick")],
        source="uploaded",
        image_id=stored_image(desk, pid, 4),
        actor="Zoë",
        original_filename='café "final",\nv2.png',
        original_format="PNG",
        original_byte_size=1234,
    )
    add_generated(desk, inst[(2, "Hero")], pid, 5, cost=Decimal("1.5"))
    spare = add_generated(desk, inst[(2, "Hero")], pid, 6, select=False)
    trash_attempt(
        desk,
        spare.attempt.id,
        actor="lead",
        reason="wrong colour",
        reason_code="wrong colour or palette",
    )
    # As-is fixes the reference it accepted (scene 1's image; choosing scene 1, the default,
    # would only follow the default), so scene 1's new selection makes it stale.
    set_use_master_as_is(desk, inst[(2, "Hero")], True, actor="lead")
    select_attempt(desk, first, actor="lead", reason='back to "take 1"')  # choice goes stale
    use_reference(desk, inst[(2, "Sidekick")], "master", actor="lead")
    add_generated(desk, inst[(3, "Hero")], pid, 7)
    delete_scene(desk, w["scenes"][3], actor="lead")
    other = create_project(desk, "Other film")
    boat = add_asset(desk, other, "Boat", "prop", image_bytes=png(3000))
    boat_in_1 = add_instance(desk, add_scene(desk, other, 1, "Quay"), boat, description="wet")
    add_generated(desk, boat_in_1, other, 8, cost=Decimal("0.25"))
    # Judgements: continuity scores, a rating changed (the latest wins), a rating cleared.
    continuity.backfill(desk)
    rate_attempt(desk, first, 4, actor="lead")
    rate_attempt(desk, first, 2, actor="lead")
    rate_attempt(desk, big.attempt.id, 5, actor="lead")
    rate_attempt(desk, big.attempt.id, None, actor="lead")
    return {**w, "big": big.attempt.id, "first": first}


# Canonical values: what each column means, whatever the format (None for absent, "" too).
def canon(kind: str, value):
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return None
    if kind == "id":
        return str(value)
    if kind == "int":
        return int(value)
    if kind == "bool":
        return (
            {"True": True, "False": False}.get(value, value)
            if isinstance(value, str)
            else bool(value)
        )
    if kind == "decimal":
        return Decimal(repr(value) if isinstance(value, float) else value).quantize(PLACES)
    if kind == "timestamp":
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
        if isinstance(moment, pd.Timestamp):
            moment = moment.to_pydatetime()
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if kind == "json":
        return json.loads(value) if isinstance(value, str) else value
    return value


def canon_rows(what: str, records: list[dict]) -> list[dict]:
    kinds = {c.name: c.kind for c in columns_of(what)}
    return [{k: canon(kinds[k], r[k]) for k in kinds} for r in records]


def place(session, instance_id: int | None) -> dict:
    if instance_id is None:
        return dict.fromkeys(("scene_id", "scene_number", "scene_title", "asset_id"), None) | {
            "asset_name": None,
            "asset_type": None,
        }
    inst = session.get(SceneAssetInstance, instance_id)
    scene, asset = session.get(Scene, inst.scene_id), session.get(ProjectAsset, inst.asset_id)
    return {
        "project": session.get(Project, scene.project_id).name,
        "scene_id": scene.id,
        "scene_number": scene.scene_number,
        "scene_title": scene.title,
        "asset_id": asset.id,
        "asset_name": asset.name,
        "asset_type": asset.asset_type,
    }


def live_instances(session) -> list[SceneAssetInstance]:
    return list(
        session.scalars(
            select(SceneAssetInstance)
            .join(Scene, Scene.id == SceneAssetInstance.scene_id)
            .where(Scene.deleted_at.is_(None))
        )
    )


def attempt_judgements(desk, session, views) -> list[dict]:
    """Continuity, drift, rating and near-duplicate flag of each attempt, from the services:
    the score of its image against its instance's effective reference (references.py)."""
    refs = reference_states(session, {v.instance_id for v in views})
    pairs = {v.id: (v.image_id, refs[v.instance_id].effective_image_id) for v in views}
    scores = continuity.scores_for(session, pairs.values())
    stars = ratings_for(session, [v.id for v in views])
    out = []
    for v in views:
        score = scores.get(pairs[v.id])
        out.append(
            {
                "continuity": score,
                "drift": None if score is None else score < desk.settings.drift_below,
                "continuity_reference_image_id": None if score is None else pairs[v.id][1],
                "rating": stars.get(v.id),
                "duplicate_of": v.extra.get("near_duplicate_of"),
            }
        )
    return out


def expected(desk, what: str) -> list[dict]:
    """Every row of the table, from the ORM and the other services' read models."""
    with desk.tx() as s:
        instances = live_instances(s)
        views = attempt_views(s, [i.id for i in instances], include_trashed=True)
        if what == "attempts":
            records = [
                place(s, v.instance_id)
                | {k: getattr(v, k) for k in vars(v) if k not in ("id", "image_key", "thumb_key")}
                | {
                    "attempt_id": v.id,
                    "trashed": v.trashed,
                    "storage_key": v.image_key,
                }
                | judgements
                for v, judgements in zip(views, attempt_judgements(desk, s, views), strict=True)
            ]
        elif what == "instances":
            refs = reference_states(s, [i.id for i in instances])
            by_id = {v.id: v for v in views}
            records = []
            for i in instances:
                mine = [v for v in views if v.instance_id == i.id]
                sel = by_id.get(i.selected_attempt_id)
                ref = refs[i.id]
                records.append(
                    place(s, i.id)
                    | {
                        "instance_id": i.id,
                        "decided": sel is not None,
                        "selected_attempt_id": i.selected_attempt_id,
                        "selected_attempt_number": sel and sel.attempt_number,
                        "selected_source": sel and sel.source,
                        "selected_image_id": sel and sel.image_id,
                        "use_master_as_is": i.use_master_as_is,
                        "attempts": len(mine),
                        "live_attempts": sum(not v.trashed for v in mine),
                        "total_cost_usd": sum((v.cost_usd or 0 for v in mine), Decimal(0)),
                        "updated_at": i.updated_at,
                        "reference_chosen_by": i.reference_chosen_by,
                        "reference_chosen_at": i.reference_chosen_at,
                        "reference_source": ref.effective_source,
                        "reference_scene_number": ref.effective_scene_number,
                        "reference_image_id": ref.effective_image_id,
                        "reference_is_default": ref.is_default,
                        "reference_stale": ref.stale,
                        "reference_stale_reason": ref.stale_reason,
                    }
                )
        else:
            every = s.scalars(select(SceneAssetInstance.id)).all()  # deleted scenes too
            by_id = {v.id: v for v in attempt_views(s, every, include_trashed=True)}
            records = []
            for e in s.scalars(select(DecisionEvent)):
                where = place(s, e.instance_id) | {"project": s.get(Project, e.project_id).name}
                scene = s.get(Scene, where["scene_id"]) if where["scene_id"] else None
                attempt = by_id.get(e.attempt_id)
                records.append(
                    where
                    | {k: getattr(e, k) for k in ("instance_id", "attempt_id", "kind", "actor")}
                    | {k: getattr(e, k) for k in ("role", "actor_source")}
                    | {k: getattr(e, k) for k in ("created_at", "before", "after", "reason")}
                    | {
                        "reason_code": e.reason_code,
                        "rating": (e.after or {}).get("stars") if e.kind == "rate" else None,
                    }
                    | {
                        "event_id": e.id,
                        "scene_deleted": None if scene is None else scene.deleted_at is not None,
                        "attempt_number": attempt and attempt.attempt_number,
                        "attempt_source": attempt and attempt.source,
                    }
                )
    return canon_rows(what, records)


def read_back(what: str, fmt: str, data: bytes) -> list[dict]:
    """The file read with pandas (Parquet also with pyarrow), as canonical rows."""
    buf = io.BytesIO(data)
    if fmt == "csv":
        frame = pd.read_csv(buf, dtype=str, keep_default_na=False)
    elif fmt == "jsonl":
        frame = pd.read_json(buf, lines=True, dtype=False, convert_dates=False)
    elif fmt == "xlsx":
        frame = pd.read_excel(buf, dtype=object, sheet_name="export")
    else:
        table = pq.read_table(buf)
        assert table.schema.equals(arrow_schema(columns_of(what)))
        return canon_rows(what, table.to_pylist())
    assert list(frame.columns) == [c.name for c in columns_of(what)]
    return canon_rows(what, frame.to_dict("records"))


def key_of(what: str) -> str:
    return {"attempts": "attempt_id", "instances": "instance_id", "events": "event_id"}[what]


def assert_same(what: str, fmt: str, got: list[dict], want: list[dict]) -> None:
    key = key_of(what)
    assert len(got) == len(want)
    by_key = {r[key]: r for r in want}
    kinds = {c.name: c.kind for c in columns_of(what)}
    for row in got:
        exp = by_key[row[key]]
        for name, kind in kinds.items():
            a, b = row[name], exp[name]
            if fmt == "xlsx" and kind == "timestamp" and a is not None and b is not None:
                assert abs(a - b) <= timedelta(milliseconds=1), name  # Excel keeps ms
            else:
                assert a == b, f"{what}.{name} in {fmt}: {a!r} != {b!r}"


@pytest.mark.parametrize("what", WHATS)
def test_round_trip_every_format(desk, what):
    build_world(desk)
    everything = ExportFilters(include_trashed=True) if what == "attempts" else ExportFilters()
    want = expected(desk, what)
    assert want  # the world has rows of every table
    for fmt in FORMATS:
        got = read_back(what, fmt, export_bytes(desk, what, fmt, everything))
        assert_same(what, fmt, got, want)


def test_values_that_matter(desk):
    world = build_world(desk)
    rows = read_back("attempts", "csv", export_bytes(desk, "attempts", "csv"))
    big = next(r for r in rows if r["attempt_id"] == str(world["big"]))
    assert big["cost_usd"] == Decimal("12345.67891234")
    assert {r["scene_number"] for r in rows if r["project"] == "Test project"} == {1, 2}
    assert not any(r["trashed"] for r in rows)  # live attempts unless asked
    upload = next(r for r in rows if r["source"] == "uploaded")
    assert upload["original_filename"] == 'café "final",\nv2.png' and upload["created_by"] == "Zoë"
    raw = export_bytes(desk, "attempts", "csv").decode("utf-8")
    assert re.search(r",0\.00000001,", raw) and "+00:00" in raw
    instances = read_back("instances", "jsonl", export_bytes(desk, "instances", "jsonl"))
    stale = [r for r in instances if r["reference_stale"]]
    assert [(r["scene_number"], r["asset_name"]) for r in stale] == [(2, "Hero")]
    assert "newer image" in stale[0]["reference_stale_reason"]
    events = read_back("events", "parquet", export_bytes(desk, "events", "parquet"))
    assert any(e["kind"] == "scene_delete" and e["instance_id"] is None for e in events)
    assert any(e["scene_deleted"] and e["scene_number"] == 3 for e in events)
    pin = next(e for e in events if e["kind"] == "pin")
    assert (pin["actor"], pin["role"], pin["actor_source"]) == ("rui@x.test", "reviewer", "sign-in")
    typed = next(e for e in events if e["kind"] == "trash")
    assert (typed["actor"], typed["role"], typed["actor_source"]) == ("lead", "admin", "typed")
    assert typed["reason_code"] == "wrong colour or palette"
    rates = [(e["attempt_id"], e["rating"]) for e in events if e["kind"] == "rate"]
    first, big = str(world["first"]), str(world["big"])
    assert rates == [(first, 4), (first, 2), (big, 5), (big, None)]
    judged = {r["attempt_id"]: r for r in rows}
    assert (judged[first]["rating"], judged[big]["rating"]) == (2, None)  # latest wins
    scored = [r for r in rows if r["continuity"] is not None]
    assert scored and all(0 <= r["continuity"] <= 100 for r in scored)
    assert all(r["continuity_reference_image_id"] for r in scored)


def test_raw_types_in_json_lines(desk):
    build_world(desk)
    kinds = {c.name: c.kind for c in columns_of("attempts")}
    python = {"id": str, "int": int, "bool": bool, "decimal": str, "timestamp": str, "json": str}
    lines = export_bytes(desk, "attempts", "jsonl").decode().splitlines()
    for line in lines:
        for name, value in json.loads(line).items():
            assert value is None or isinstance(value, python.get(kinds[name], str)), name


def test_parquet_types_for_pandas(desk):
    build_world(desk)
    frame = pd.read_parquet(io.BytesIO(export_bytes(desk, "attempts", "parquet")))
    assert str(frame["created_at"].dtype) == "datetime64[us, UTC]"
    assert all(isinstance(v, Decimal) for v in frame["cost_usd"].dropna())
    assert all(isinstance(v, str) for v in frame["attempt_id"])
    assert frame["selected"].dtype == bool


def oracle(what: str, rows: list[dict], f: ExportFilters) -> set[str]:
    source = {"attempts": "source", "instances": "selected_source"}.get(what, "attempt_source")
    when = "updated_at" if what == "instances" else "created_at"
    start, end = f.time_range()
    keep = set()
    for r in rows:
        checks = [
            f.project is None or r["project"] == f.project,
            f.scene_from is None or (r["scene_number"] or -1) >= f.scene_from,
            f.scene_to is None
            or (r["scene_number"] is not None and r["scene_number"] <= f.scene_to),
            f.asset_type is None or r["asset_type"] == f.asset_type,
            f.asset_name is None or r["asset_name"] == f.asset_name,
            f.source is None or r[source] == f.source,
            not f.selected_only or r["selected" if what == "attempts" else "decided"],
            start is None or r[when] >= start,
            end is None or r[when] < end,
            what != "attempts" or f.include_trashed or not r["trashed"],
        ]
        if all(checks):
            keep.add(r[key_of(what)])
    return keep


def filter_cases(what: str, rows: list[dict]) -> list[ExportFilters]:
    moments = sorted(r["updated_at" if what == "instances" else "created_at"] for r in rows)
    middle = moments[len(moments) // 2]
    today = datetime.now(UTC).date()
    cases = [
        ExportFilters(project="Other film"),
        ExportFilters(scene_from=2),
        ExportFilters(scene_from=1, scene_to=1, asset_type="character"),
        ExportFilters(asset_name="Hero", source="generated"),
        ExportFilters(source="master_copy"),
        ExportFilters(date_from=middle),
        ExportFilters(date_to=middle),
        ExportFilters(date_from=today, date_to=today),
        ExportFilters(date_to=today - timedelta(days=1)),
    ]
    if what in ("attempts", "instances"):
        cases.append(ExportFilters(selected_only=True, project="Test project"))
    if what == "attempts":
        cases.append(ExportFilters(include_trashed=True, asset_name="Hero"))
    return cases


@pytest.mark.parametrize("what", WHATS)
def test_filters_match_the_oracle(desk, what):
    build_world(desk)
    rows = expected(desk, what)
    for f in filter_cases(what, rows):
        got = read_back(what, "csv", export_bytes(desk, what, "csv", f))
        assert {r[key_of(what)] for r in got} == oracle(what, rows, f), f


def test_bad_filters_are_refused(desk):
    with pytest.raises(Stage8Error, match="range is empty"):
        ExportFilters(scene_from=3, scene_to=2)
    with pytest.raises(Stage8Error, match="time zone"):
        ExportFilters(date_from=datetime(2024, 1, 1))
    with pytest.raises(Stage8Error, match="not one of"):
        ExportFilters(source="stolen")
    with pytest.raises(Stage8Error, match="date range is empty"):
        ExportFilters(date_from=date(2024, 2, 1), date_to=date(2024, 1, 31))
    with pytest.raises(Stage8Error, match="selected_only cannot filter events"):
        export_bytes(desk, "events", "csv", ExportFilters(selected_only=True))
    with pytest.raises(Stage8Error, match="No project named 'Nope'"):
        export_bytes(desk, "attempts", "csv", ExportFilters(project="Nope"))
    with pytest.raises(Stage8Error, match="choose one of"):
        export_bytes(desk, "attempts", "pdf")


def test_empty_exports_keep_the_schema(desk):
    for what in WHATS:
        table = pq.read_table(io.BytesIO(export_bytes(desk, what, "parquet")))
        assert table.num_rows == 0 and table.schema.equals(arrow_schema(columns_of(what)))
        header = export_bytes(desk, what, "csv").decode().strip()
        assert header == ",".join(c.name for c in columns_of(what))
        assert read_back(what, "xlsx", export_bytes(desk, what, "xlsx")) == []


def test_excel_refuses_more_rows_than_a_sheet_holds(desk, monkeypatch):
    import stage8.reads.export.formats
    import stage8.reads.export.stream

    build_world(desk)
    monkeypatch.setattr(stage8.reads.export.stream, "EXCEL_MAX_ROWS", 3)
    out = io.BytesIO()
    with pytest.raises(Stage8Error, match="at most 3 rows"):
        export_table(desk, "attempts", "xlsx", out)
    assert out.getvalue() == b""  # refused before writing
    monkeypatch.setattr(stage8.reads.export.formats, "EXCEL_MAX_ROWS", 3)
    with pytest.raises(Stage8Error, match="at most 3 rows"):  # the writer's own guard
        stage8.reads.export.formats.write_xlsx(io.BytesIO(), columns_of("attempts"), [[()] * 4])


def test_documented_schema_matches_the_code():
    doc = (ROOT / "docs" / "export_schema.md").read_text(encoding="utf-8")
    kinds = {"id": "id", "string": "text", "integer": "int", "boolean": "bool"}
    kinds |= {"decimal": "decimal", "timestamp": "timestamp", "JSON": "json"}
    for what in WHATS:
        section = doc.split(f"\n## {what}\n", 1)[1].split("\n## ", 1)[0]
        rows = re.findall(r"^\| (\w+) \| (\w+) \|", section, flags=re.M)
        documented = [(name, kinds[kind]) for name, kind in rows if name != "Column"]
        assert documented == [(c.name, c.kind) for c in columns_of(what)], what


def cli(desk, tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {
        "STAGE8_DATABASE_URL": desk.settings.database_url,
        "STAGE8_STORAGE_PATH": str(desk.settings.storage_path),
        "STAGE8_HOME": str(tmp_path / "home"),
        "STAGE8_SECRETS_FILE": str(tmp_path / "none.toml"),
        "PATH": "/usr/bin:/bin",
    }
    command = [sys.executable, "-m", "stage8", "export", *args]
    return subprocess.run(command, env=env, capture_output=True, cwd=ROOT)


def test_command_line(desk, tmp_path):
    build_world(desk)
    target = tmp_path / "hero.parquet"
    done = cli(
        desk,
        tmp_path,
        "--what",
        "attempts",
        "-o",
        str(target),
        "--asset",
        "Hero",
        "--project",
        "Test project",
        "--include-trashed",
        "--since",
        "2000-01-01",
    )
    assert done.returncode == 0, done.stderr
    rows = read_back("attempts", "parquet", target.read_bytes())
    want = ExportFilters(asset_name="Hero", project="Test project", include_trashed=True)
    assert {r["attempt_id"] for r in rows} == oracle("attempts", expected(desk, "attempts"), want)
    assert done.stderr.decode().strip() == f"Wrote {len(rows)} attempts rows to {target}."
    piped = cli(desk, tmp_path, "--what", "events", "--format", "jsonl", "-o", "-")
    assert piped.returncode == 0
    assert len(piped.stdout.decode().splitlines()) == len(expected(desk, "events"))
    assert b"to standard output" in piped.stderr
    usage = cli(desk, tmp_path, "--what", "events", "--selected-only", "-o", str(tmp_path / "x"))
    assert usage.returncode == 2 and b"--selected-only cannot filter events" in usage.stderr
    missing = cli(
        desk, tmp_path, "--what", "attempts", "--project", "Nope", "-o", str(tmp_path / "n.csv")
    )
    assert missing.returncode == 1 and missing.stderr.startswith(b"error: No project named")
    assert not list(tmp_path.glob("*n.csv*"))  # no partial or temporary file left behind
