"""The command line against a real database of each kind: verbs, JSON output, exit codes."""

import csv
import json

import pytest

from stage8.demo.seed import seed_demo


@pytest.fixture
def demo(desk):
    return seed_demo(desk)


def test_migrate_and_demo(run):
    first = run("migrate")
    assert first.returncode == 0 and "revision 0005" in first.stdout
    made = run("demo")
    assert made.returncode == 0 and "Created demo project" in made.stdout
    again = run("demo")
    assert again.returncode == 0 and "Already present" in again.stdout
    assert run("check").returncode == 0


def test_scenes_json(run, demo):
    out = run("scenes", "--json")
    assert out.returncode == 0, out.stderr
    scenes = json.loads(out.stdout)
    assert [s["scene_number"] for s in scenes] == [1, 2, 3, 4, 5, 6, 7]
    assert scenes[0]["title"] == "Arrival at the point"
    assert set(scenes[0]["assets"]) == {"Mara", "Old Tomas", "Lighthouse", "Brass Lantern"}
    assert scenes[4]["attempts"] == 0  # the scene without any images


def test_attempts_json_has_every_field(run, demo):
    out = run("attempts", "--scene", "3", "--asset", "Mara", "--json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [r["attempt_number"] for r in rows] == [4, 3, 2, 1]
    for key in (
        "id",
        "source",
        "selected",
        "pinned",
        "trashed",
        "created_at",
        "cost",
        "prompt",
        "provider",
        "model",
        "image_sha256",
        "original_filename",
    ):
        assert key in rows[0]
    assert [r["selected"] for r in rows] == [False, True, False, False]
    assert rows[1]["cost"] == "0.03900000" and rows[1]["created_at"].endswith("+00:00")


def test_select_by_cli_and_domain_errors(run, demo):
    rows = json.loads(run("attempts", "--scene", "3", "--asset", "Mara", "--json").stdout)
    first = rows[-1]["id"]
    ok = run("select", "--attempt", str(first), "--reason", "first try was best")
    assert ok.returncode == 0 and "selected" in ok.stdout
    rows = json.loads(run("attempts", "--scene", "3", "--asset", "Mara", "--json").stdout)
    assert rows[-1]["selected"]
    missing = run("attempts", "--scene", "42", "--asset", "Mara")
    assert missing.returncode == 1
    assert missing.stderr.startswith("error:") and "no scene 42" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    nobody = run("attempts", "--scene", "3", "--asset", "Nobody")
    assert nobody.returncode == 1 and "no asset named 'Nobody'" in nobody.stderr


def test_usage_errors_exit_2(run):
    assert run("attempts", "--scene", "x").returncode == 2
    assert run("frobnicate").returncode == 2


def test_export_instances_and_attempts_csv(run, demo, tmp_path):
    inst = tmp_path / "instances.csv"
    out = run("export", "--what", "instances", "--format", "csv", "-o", str(inst))
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(inst.open(encoding="utf-8")))
    assert len(rows) == 26
    for col in (
        "project",
        "scene_number",
        "asset_name",
        "asset_type",
        "selected_attempt_id",
        "selected_source",
        "use_master_as_is",
    ):
        assert col in rows[0]
    lighthouse = next(
        r for r in rows if r["scene_number"] == "1" and r["asset_name"] == "Lighthouse"
    )
    assert lighthouse["use_master_as_is"] == "True"
    assert lighthouse["selected_source"] == "master_copy"
    att = tmp_path / "attempts.csv"
    assert run("export", "--what", "attempts", "--format", "csv", "-o", str(att)).returncode == 0
    rows = list(csv.DictReader(att.open(encoding="utf-8")))
    assert len(rows) == 32
    assert {r["source"] for r in rows} == {"generated", "uploaded", "master_copy", "legacy"}
    assert all(r["scene_number"] and r["asset_name"] for r in rows)


def test_reference_list_and_use(run, demo):
    out = run("reference", "--scene", "4", "--asset", "Mara", "--list", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert [e["label"] for e in data["chain"]] == ["Master", "Scene 1", "Scene 2", "Scene 3"]
    assert data["chain"][-1]["default"] and data["chain"][-1]["effective"]
    use = run("reference", "--scene", "4", "--asset", "Mara", "--use", "1")
    assert use.returncode == 0 and "Scene 1" in use.stdout
    data = json.loads(run("reference", "--scene", "4", "--asset", "Mara", "--json").stdout)
    assert data["chain"][1]["effective"] and not data["is_default"]
    bad = run("reference", "--scene", "4", "--asset", "Mara", "--use", "7")
    assert bad.returncode == 1 and "Scene 7" in bad.stderr
    for word in ("abc", "99999999999999999999"):
        wrong = run("reference", "--scene", "4", "--asset", "Mara", "--use", word)
        assert wrong.returncode == 1 and "master, default, or the number" in wrong.stderr
        assert "Traceback" not in wrong.stderr and "unexpected" not in wrong.stderr
    assert run("check").returncode == 0


def test_generate_seed_that_would_count_past_the_limit_is_refused(run, demo):
    out = run("generate", "--scene", "5", "--asset", "Mara", "--count", "3", "--seed", "2147483646")
    assert out.returncode == 1 and "The seed must be between" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr
    assert run("check").returncode == 0


def test_use_master_cli_reports_per_asset(run, demo):
    out = run("use-master", "--scene", "5", "--all", "--json")
    assert out.returncode == 0, out.stderr
    rows = {r["asset"]: r["outcome"] for r in json.loads(out.stdout)}
    assert rows == {"Mara": "applied", "The Stranger": "applied", "Storm Sea": "applied"}
    off = run("use-master", "--scene", "5", "--asset", "Mara", "--off")
    assert off.returncode == 0 and "turned_off" in off.stdout
    unchanged = json.loads(run("use-master", "--scene", "4", "--unchanged", "--json").stdout)
    assert {r["outcome"] for r in unchanged} == {"already"}
    assert run("check").returncode == 0
