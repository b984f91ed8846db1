"""Store management (issue 16, item 5): delete an article, make every story again, export articles,
stories and briefs as JSON lines, CSV and Parquet."""

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from conftest import write_jsonl
from newsfuse.cli import app


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture()
def store(tmp_path, seeds_dir, mds_rows):
    db = tmp_path / "n.db"
    assert run("ingest", "-q", "--db", db, seeds_dir, write_jsonl(tmp_path / "m.jsonl", mds_rows[:40])).exit_code == 0
    return db


def rows(db, *command):
    r = run(*command, "--db", db, "--json")
    assert r.exit_code == 0, r.output
    return [json.loads(line) for line in r.output.splitlines()]


def test_delete_removes_the_article_from_everything(store):
    seed = next(a for a in rows(store, "articles", "--limit", "100") if a["source"] == "tienphong.vn"
                and a["published"].startswith("2023"))
    story = next(s for s in rows(store, "stories", "--limit", "100") if seed["id"] in s["article_ids"])
    assert story["size"] == 2
    assert rows(store, "search", "Thạch Hảo Dũng")
    r = run("delete", seed["id"], "--db", store)
    assert r.exit_code == 0 and f"deleted {seed['id']}" in r.output and "1 article left" in r.output
    assert seed["id"] not in {a["id"] for a in rows(store, "articles", "--limit", "100")}
    after = next(s for s in rows(store, "stories", "--limit", "100") if s["id"] == story["id"])
    assert after["size"] == 1 and seed["id"] not in after["article_ids"]
    assert seed["id"] not in {h["id"] for h in rows(store, "search", "Công an Trung Quốc", "--limit", "100")}
    brief = json.loads(run("brief", story["id"], "--db", store, "--format", "json").output)
    assert [a["id"] for a in brief["articles"]] == [i for i in after["article_ids"]]
    assert run("show", seed["id"], "--db", store).exit_code == 1
    again = run("delete", seed["id"], "--db", store)
    assert again.exit_code == 1 and f"no article '{seed['id']}'" in again.output
    # The last article of a story takes the story with it; the store then ingests as before.
    last = after["article_ids"][0]
    assert "is gone" in run("delete", last, "--db", store).output
    assert story["id"] not in {s["id"] for s in rows(store, "stories", "--limit", "100")}


def test_recluster_makes_the_same_stories_as_the_batch_command(store, tmp_path, mds_rows, seeds_dir):
    before = {frozenset(s["article_ids"]) for s in rows(store, "stories", "--limit", "1000")}
    r = run("recluster", "--db", store)
    assert r.exit_code == 0, r.output
    after = {frozenset(s["article_ids"]) for s in rows(store, "stories", "--limit", "1000")}
    assert sum(map(len, after)) == sum(map(len, before)) == 42
    exported = tmp_path / "all.jsonl"
    assert run("export", "articles", "--db", store, "--out", exported).exit_code == 0
    batch_out = tmp_path / "batch.jsonl"
    assert run("cluster", exported, "--out", batch_out).exit_code == 0
    batch: dict[str, set] = {}
    for line in batch_out.read_text(encoding="utf-8").splitlines():
        x = json.loads(line)
        batch.setdefault(x["story"], set()).add(x["id"])
    assert after == {frozenset(v) for v in batch.values()}
    assert f"42 articles in {len(after)} stories" in r.output
    # The online path goes on from the new stories.
    story = next(s for s in rows(store, "stories", "--limit", "1000") if "c9920c62656c408e" in s["article_ids"]
                 or any(a for a in s["article_ids"]))
    assert run("brief", story["id"], "--db", store).exit_code == 0


@pytest.mark.parametrize("what", ["articles", "stories", "briefs"])
def test_export_in_three_formats_holds_the_same_rows(store, tmp_path, what):
    import pyarrow.parquet as pq

    lines = [json.loads(x) for x in run("export", what, "--db", store).output.splitlines()]
    expected = {"articles": 42, "stories": len(rows(store, "stories", "--limit", "1000")),
                "briefs": len(rows(store, "stories", "--limit", "1000"))}[what]
    assert len(lines) == expected
    key = "story_id" if what == "briefs" else "id"
    table = list(csv.DictReader(io.StringIO(run("export", what, "--db", store, "--format", "csv").output)))
    assert [r[key] for r in table] == [str(x[key]) for x in lines]
    out = tmp_path / f"{what}.parquet"
    r = run("export", what, "--db", store, "--format", "parquet", "--out", out)
    assert r.exit_code == 0 and f"{expected} {what} -> {out}" in r.output
    parquet = pq.read_table(out).to_pylist()
    assert [p[key] for p in parquet] == [x[key] for x in lines]
    if what == "articles":
        assert all(p["text"] and p["story"] for p in parquet)
    if what == "briefs":
        assert json.loads(parquet[0]["brief"])["summary"] == lines[0]["brief"]["summary"]
        assert json.loads(table[0]["brief"])["story_id"] == lines[0]["story_id"]
    assert run("export", what, "--db", store, "--format", "xml").exit_code == 2
    assert run("export", what, "--db", store, "--format", "parquet").exit_code == 2
