"""Judgements in the exports (issue 15), on SQLite and PostgreSQL: an attempt's continuity
against its instance's effective reference (followed through reference changes, deleted and
undecided scenes), drift, the latest rating and the near-duplicate flag in every format with
their types; reason codes and stars in the events export, spreadsheet-safe; `attempts --json`."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image, ImageDraw, ImageEnhance

from stage8.decisions import continuity
from stage8.decisions.attempts import select_attempt
from stage8.decisions.ratings import rate_attempt
from stage8.decisions.reference_choice import use_reference
from stage8.decisions.references import reference_states
from stage8.decisions.uploads import upload_images
from stage8.projects import delete_scene
from stage8.reads.export.stream import ExportFilters, export_bytes
from tests.builders import project_with_scenes

NEW = ["continuity", "drift", "continuity_reference_image_id", "rating", "duplicate_of"]
NOTE = '=HYPERLINK("https://evil.example","why")'


def drawing(sky, body) -> Image.Image:
    im = Image.new("RGB", (240, 180), sky)
    draw = ImageDraw.Draw(im)
    draw.rectangle([0, 120, 240, 180], fill=(60, 120, 60))
    draw.ellipse([90, 30, 150, 90], fill=(230, 190, 150))
    draw.rectangle([95, 85, 145, 170], fill=body)
    return im


def encoded(im: Image.Image, fmt="PNG", **options) -> bytes:
    out = io.BytesIO()
    im.save(out, format=fmt, **options)
    return out.getvalue()


HERO = drawing((120, 170, 230), (200, 40, 40))
NEAR = ImageEnhance.Brightness(HERO.crop((8, 6, 236, 176))).enhance(1.1)
STRANGER = Image.new("RGB", (240, 180), (20, 20, 20))
ImageDraw.Draw(STRANGER).rectangle([10, 10, 80, 170], fill=(250, 230, 0))


def upload(desk, instance_id, *images, select="last") -> list[int]:
    files = [(f"{i}.png", data) for i, data in enumerate(images)]
    report = upload_images(desk, instance_id, files, actor="t", select=select)
    return [r.attempt.id for r in report.results]


def attempts(desk, fmt="parquet") -> dict[int, dict]:
    """The attempts export (trashed ones too) read back, keyed by attempt id."""
    data = export_bytes(desk, "attempts", fmt, ExportFilters(include_trashed=True))
    if fmt == "parquet":
        rows = pq.read_table(io.BytesIO(data)).to_pylist()
    elif fmt == "jsonl":
        rows = [json.loads(line) for line in data.decode().splitlines()]
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(data.decode())))
    else:
        frame = pd.read_excel(io.BytesIO(data), dtype=object, sheet_name="export")
        rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return {int(r["attempt_id"]): r for r in rows}


def effective_references(desk, rows: dict[int, dict]) -> dict[int, int | None]:
    """Attempt id -> the effective reference image of its instance, from references.py."""
    with desk.read() as s:
        refs = reference_states(s, {int(r["instance_id"]) for r in rows.values()})
    return {a: refs[int(r["instance_id"])].effective_image_id for a, r in rows.items()}


def assert_scored_against_the_effective_reference(desk) -> dict[int, dict]:
    """Each attempt's continuity is the stored score of its image against the reference
    references.py names (empty when that pair is not scored), and drift says whether it is
    under the threshold."""
    rows = attempts(desk)
    wanted = effective_references(desk, rows)
    with desk.read() as s:
        images = {a: int(r["image_id"]) for a, r in rows.items()}
        stored = continuity.scores_for(s, {(images[a], wanted[a]) for a in rows})
    for a, r in rows.items():
        score = stored.get((images[a], wanted[a]))
        assert r["continuity"] == score, a
        if score is None:
            assert r["drift"] is None and r["continuity_reference_image_id"] is None
        else:
            assert r["continuity_reference_image_id"] == str(wanted[a])
            assert r["drift"] is (score < desk.settings.drift_below)
    return rows


@pytest.fixture
def chain(desk):
    """Hero in three scenes: scene 1 selects HERO; scene 2 has nothing; scene 3 gets a close
    variation and a stranger."""
    w = project_with_scenes(desk, scenes=3)
    inst = w["instances"]
    upload(desk, inst[(1, "Hero")], encoded(HERO))
    near, stranger = upload(
        desk, inst[(3, "Hero")], encoded(NEAR, "JPEG"), encoded(STRANGER), select=0
    )
    continuity.backfill(desk)
    return {**w, "near": near, "stranger": stranger}


def test_continuity_is_measured_against_the_effective_reference(desk, chain):
    rows = assert_scored_against_the_effective_reference(desk)
    near, stranger = rows[chain["near"]], rows[chain["stranger"]]
    hero_image = next(r["image_id"] for r in rows.values() if r["scene_number"] == 1)
    # Scene 2 decided nothing: scene 3's default reference is scene 1's selection.
    assert near["continuity_reference_image_id"] == hero_image
    assert near["drift"] is False and stranger["drift"] is True
    assert near["continuity"] > stranger["continuity"]


def test_drift_follows_the_configured_threshold(desk, chain):
    score = attempts(desk)[chain["near"]]["continuity"]
    desk.settings = replace(desk.settings, drift_below=score + 1)
    assert attempts(desk, "csv")[chain["near"]]["drift"] == "True"
    desk.settings = replace(desk.settings, drift_below=score)
    assert attempts(desk, "csv")[chain["near"]]["drift"] == "False"


def test_a_reference_change_empties_continuity_until_it_is_scored(desk, chain):
    use_reference(desk, chain["instances"][(3, "Hero")], "master", actor="t")
    rows = assert_scored_against_the_effective_reference(desk)
    # Scored against HERO before; against the master only the selected image is, for now.
    assert rows[chain["stranger"]]["continuity"] is None
    continuity.backfill(desk)
    rows = assert_scored_against_the_effective_reference(desk)
    assert rows[chain["stranger"]]["continuity"] is not None


def test_the_default_reference_skips_deleted_scenes(desk, chain):
    delete_scene(desk, chain["scenes"][1], actor="t")
    continuity.backfill(desk)
    rows = assert_scored_against_the_effective_reference(desk)
    with desk.read() as s:
        master = reference_states(s, [chain["instances"][(3, "Hero")]])
    master_image = str(master[chain["instances"][(3, "Hero")]].effective_image_id)
    assert rows[chain["near"]]["continuity_reference_image_id"] == master_image
    assert {r["scene_number"] for r in rows.values()} == {3}


def test_ratings_and_duplicates_in_every_format_with_their_types(desk, chain):
    hero3 = chain["instances"][(3, "Hero")]
    (again,) = upload(desk, hero3, encoded(NEAR, "JPEG", quality=70), select="none")
    rate_attempt(desk, chain["near"], 3, actor="t")
    rate_attempt(desk, chain["near"], 5, actor="t")
    rate_attempt(desk, chain["stranger"], 1, actor="t")
    rate_attempt(desk, chain["stranger"], None, actor="t")
    table = pq.read_table(io.BytesIO(export_bytes(desk, "attempts", "parquet")))
    types = {name: str(table.schema.field(name).type) for name in NEW}
    assert types == {
        "continuity": "int64",
        "drift": "bool",
        "continuity_reference_image_id": "string",
        "rating": "int64",
        "duplicate_of": "int64",
    }
    assert table.schema.field("rating").nullable
    number = {a: r["attempt_number"] for a, r in attempts(desk).items()}
    for fmt in ("parquet", "jsonl", "csv", "xlsx"):
        rows = attempts(desk, fmt)
        got = {
            a: [canon(r[c]) for c in ("rating", "duplicate_of", "drift")] for a, r in rows.items()
        }
        assert got[chain["near"]] == [5, None, False], fmt
        assert got[chain["stranger"]] == [None, None, True], fmt  # the rating was cleared
        assert got[again][:2] == [None, number[chain["near"]]], fmt  # "same as #1"
    raw = [json.loads(line) for line in export_bytes(desk, "attempts", "jsonl").splitlines()]
    for row in raw:
        assert row["continuity"] is None or type(row["continuity"]) is int
        assert row["drift"] is None or type(row["drift"]) is bool
        assert row["rating"] is None or type(row["rating"]) is int


def canon(value):
    """A cell as its value whatever the format: CSV's text and Excel's cells included."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return (
            {"True": True, "False": False}.get(value) if value in ("True", "False") else int(value)
        )
    return value if isinstance(value, bool) else int(value)


def test_events_carry_reason_codes_notes_and_stars_spreadsheet_safe(desk, chain):
    near, stranger = chain["near"], chain["stranger"]
    select_attempt(desk, stranger, actor="t", reason_code="lighting", reason=NOTE)
    rate_attempt(desk, near, 4, actor="t")
    data = export_bytes(desk, "events", "parquet")
    events = pq.read_table(io.BytesIO(data)).to_pylist()
    assert pq.read_table(io.BytesIO(data)).schema.field("rating").type == pa.int64()
    picked = next(e for e in events if e["kind"] == "select" and e["reason_code"])
    assert (picked["attempt_id"], picked["reason_code"], picked["reason"]) == (
        str(stranger),
        "lighting",
        NOTE,
    )
    rated = [e for e in events if e["kind"] == "rate"]
    assert [(e["attempt_id"], e["rating"]) for e in rated] == [(str(near), 4)]
    assert all(e["rating"] is None for e in events if e["kind"] != "rate")
    text = export_bytes(desk, "events", "csv").decode()
    row = next(r for r in csv.DictReader(io.StringIO(text)) if r["reason_code"] == "lighting")
    assert row["reason"] == "'" + NOTE  # a spreadsheet reads it as text, not a formula
    sheet = openpyxl.load_workbook(io.BytesIO(export_bytes(desk, "events", "xlsx"))).active
    header = [c.value for c in sheet[1]]
    cell = next(
        r[header.index("reason")]
        for r in sheet.iter_rows(min_row=2)
        if r[header.index("reason_code")].value == "lighting"
    )
    assert (cell.value, cell.data_type, cell.quotePrefix) == (NOTE, "s", True)
    lines = [json.loads(x) for x in export_bytes(desk, "events", "jsonl").splitlines()]
    assert any(x["reason"] == NOTE and x["reason_code"] == "lighting" for x in lines)


def test_cli_attempts_json_carries_continuity_drift_rating_and_duplicates(desk, chain, run):
    hero3 = chain["instances"][(3, "Hero")]
    (again,) = upload(desk, hero3, encoded(NEAR, "JPEG", quality=70), select="none")
    rate_attempt(desk, chain["near"], 4, actor="t")
    out = run("attempts", "--scene", "3", "--asset", "Hero", "--json")
    assert out.returncode == 0, out.stderr
    shown = {r["id"]: r for r in json.loads(out.stdout)}
    exported = attempts(desk, "jsonl")
    for attempt_id in (chain["near"], chain["stranger"], again):
        cli_row, export_row = shown[attempt_id], exported[attempt_id]
        for name in ("continuity", "drift", "rating", "duplicate_of"):
            assert cli_row[name] == export_row[name], name
    assert shown[chain["near"]]["rating"] == 4 and shown[chain["stranger"]]["drift"] is True
    assert shown[again]["duplicate_of"] == shown[chain["near"]]["attempt_number"]
    text = run("attempts", "--scene", "3", "--asset", "Hero").stdout
    assert "rated 4/5" in text and f"same as #{shown[chain['near']]['attempt_number']}" in text
