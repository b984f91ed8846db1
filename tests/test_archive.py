"""`newsfuse archive run` (local and Ray) against the single-machine path, on the shared corpus
with near copies planted across outlets, and `newsfuse archive load` into a live store."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from newsfuse.cli import app
from newsfuse.config import IngestConfig
from newsfuse.copies import CopyDetector, estimated_jaccard, find_copy_groups
from newsfuse.evaluation import bcubed
from newsfuse.ingest import Rejection, read_jsonl

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import corpus  # noqa: E402

runner = CliRunner()


@pytest.fixture(scope="module")
def shards(tmp_path_factory, mds_rows) -> Path:
    """The shared corpus in three shards (JSONL, gzip JSONL, Parquet), with 30 near copies
    planted by other outlets."""
    rng = random.Random(17)
    planted = [corpus.planted_copy(r, rng, f"copy-{k}", f"outlet-{k % 7}.vn")
               for k, r in enumerate(rng.sample(mds_rows, 30))]
    rows = mds_rows + planted
    rng.shuffle(rows)
    folder = tmp_path_factory.mktemp("shards")
    corpus.write_jsonl(folder / "a.jsonl", rows[:200])
    import gzip

    with gzip.open(folder / "b.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows[200:350])
    pq.write_table(pa.Table.from_pylist(rows[350:]), folder / "c.parquet")
    corpus.write_jsonl(folder / "all.jsonl", rows)  # the same articles, for the single-machine path
    return folder


def _inputs(shards: Path) -> list[str]:
    return [str(shards / n) for n in ("a.jsonl", "b.jsonl.gz", "c.parquet")]


def _read(out: Path, name: str) -> list[dict]:
    return pq.read_table(out / name).to_pylist()


def _partition(mapping: dict[str, str]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for article, story in mapping.items():
        groups.setdefault(story, set()).add(article)
    return {frozenset(g) for g in groups.values()}


@pytest.fixture(scope="module")
def single_machine(shards, tmp_path_factory) -> dict:
    """`newsfuse cluster` stories and `copies.find_copy_groups` groups of the same articles."""
    target = shards / "all.jsonl"
    out = tmp_path_factory.mktemp("cluster") / "stories.jsonl"
    result = runner.invoke(app, ["cluster", str(target), "--out", str(out)])
    assert result.exit_code == 0, result.output
    stories = {d["id"]: d["story"] for d in map(json.loads, out.open(encoding="utf-8"))}
    articles = [a for a in read_jsonl(target, IngestConfig(workers=1)) if not isinstance(a, Rejection)]
    groups = find_copy_groups(articles, workers=1)
    return {"stories": stories, "copies": {frozenset([g.original_id, *g.copies]) for g in groups},
            "texts": {a.id: a.text for a in articles},
            "planted": {a.id: a.extra["copy_of"] for a in articles if "copy_of" in a.extra}}


def _run(engine: str, inputs: list[str], out: Path, *extra: str):
    return runner.invoke(app, ["archive", "run", *inputs, "--out", str(out), "--engine", engine, "--cpus", "2",
                               "-q", *extra])


def _check_against_single_machine(out: Path, single: dict, n_articles: int) -> None:
    stories = _read(out, "stories")
    mapping = {r["article_id"]: r["story_id"] for r in stories}
    assert len(stories) == len(mapping) == n_articles  # every article in exactly one story
    assert _partition(mapping) == _partition(single["stories"])
    copies = _read(out, "copies")
    groups: dict[str, set[str]] = {}
    for r in copies:
        groups.setdefault(r["original_id"], {r["original_id"]}).add(r["copy_id"])
    archive_groups = {frozenset(g) for g in groups.values()}
    # The streaming detector keeps copies out of its index, so in file order it can miss the pair
    # of a copy and an original that came after it; the archive compares every pair its LSH bands
    # propose. Every single-machine group is inside one archive group, and every further member is
    # a copy by the same rule (copies.estimated_jaccard >= threshold) of another member.
    for g in single["copies"]:
        assert any(g <= a for a in archive_groups)
    detector = CopyDetector()
    for a in archive_groups - single["copies"]:
        sig = {i: detector.signature(single["texts"][i]) for i in a}
        for i in a:
            assert max(estimated_jaccard(sig[i], sig[j]) for j in a if j != i) >= detector.config.threshold
    group_of = {i: a for a in archive_groups for i in a}
    for copy_id, original in single["planted"].items():
        assert original in group_of[copy_id]  # every planted copy found, with its original
    briefs = _read(out, "briefs")
    assert {b["story_id"] for b in briefs} == set(mapping.values())
    for b in briefs:
        assert b["error"] is None
        body = json.loads(b["brief"])
        assert body["story_id"] == b["story_id"] and body["summary"]
        assert {a["id"] for a in body["articles"]} == {a for a, s in mapping.items() if s == b["story_id"]}
    entities = _read(out, "entities")
    assert {e["story_id"] for e in entities} <= set(mapping.values()) and len(entities) > len(briefs)


@pytest.fixture(scope="module")
def local_out(shards, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("archive") / "out"
    result = _run("local", _inputs(shards), out)
    assert result.exit_code == 0, result.output
    return out


def test_local_engine_matches_single_machine(local_out, single_machine, mds_rows):
    _check_against_single_machine(local_out, single_machine, len(mds_rows) + 30)
    articles = _read(local_out, "articles")
    assert {a["language"] for a in articles} == {"vi"}
    a = articles[0]
    assert len(a["sentence_start"]) == len(a["sentence_end"]) > 0
    assert a["text"][a["sentence_start"][0]:a["sentence_end"][0]].strip()


def test_rerun_gives_the_same_output(local_out, shards):
    before = {name: sorted(map(json.dumps, _read(local_out, name))) for name in
              ("articles", "copies", "stories", "briefs", "entities")}
    result = _run("local", _inputs(shards), local_out)
    assert result.exit_code == 0, result.output
    after = {name: sorted(map(json.dumps, _read(local_out, name))) for name in before}
    assert after == before


def test_short_windows_put_stories_back_together(shards, single_machine, tmp_path):
    """Ten-day windows cut many stories at a boundary; the overlap and the merge rule mend them."""
    out = tmp_path / "out"
    result = _run("local", _inputs(shards), out, "--window-days", "10")
    assert result.exit_code == 0, result.output
    mapping = {r["article_id"]: r["story_id"] for r in _read(out, "stories")}
    assert len(mapping) == len(single_machine["stories"])
    p, r, f = bcubed(mapping, single_machine["stories"])
    assert p >= 0.99 and r >= 0.98 and f >= 0.99


def test_ray_engine_matches_single_machine(shards, single_machine, mds_rows, tmp_path):
    ray = pytest.importorskip("ray")  # installed by the test extras; skipped only without them
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="error")
    try:
        out = tmp_path / "out"
        result = _run("ray", _inputs(shards), out)
        assert result.exit_code == 0, result.output
        _check_against_single_machine(out, single_machine, len(mds_rows) + 30)
        again = tmp_path / "again"
        assert _run("ray", _inputs(shards), again).exit_code == 0
        for name in ("stories", "copies", "briefs"):
            assert sorted(map(json.dumps, _read(out, name))) == sorted(map(json.dumps, _read(again, name)))
    finally:
        ray.shutdown()


def test_missing_ray_is_a_clear_error(shards, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # what `import ray` meets where Ray is not installed
    result = _run("ray", _inputs(shards)[:1], tmp_path / "out")
    assert result.exit_code == 2
    assert "needs Ray" in result.output and "newsfuse[ray]" in result.output
    assert not (tmp_path / "out").exists()


def test_unreadable_shard_stops_the_run_and_names_it(shards, local_out, tmp_path):
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 this is not a parquet file")
    before = sorted(p.name for p in (local_out / "stories").iterdir())
    result = _run("local", [*_inputs(shards), str(broken)], local_out)
    assert result.exit_code == 2
    assert f"{broken}: cannot read" in result.output
    assert sorted(p.name for p in (local_out / "stories").iterdir()) == before  # the last output is kept
    missing = _run("local", [str(tmp_path / "nope.jsonl")], tmp_path / "out")
    assert missing.exit_code == 2 and "nope.jsonl: no such shard" in missing.output


def test_bad_line_is_named_and_the_rest_processed(mds_rows, tmp_path):
    shard = tmp_path / "shard.jsonl"
    lines = [json.dumps(r, ensure_ascii=False) for r in mds_rows[:12]]
    lines.insert(5, '{"id": "broken", "text": "Hà Nội hôm nay')  # cut off mid-line, as a crashed export leaves it
    # a date no report can have, as `ingest` refuses it (the archive took it)
    lines.append(json.dumps(mds_rows[12] | {"date": "9999-12-31T23:59"}, ensure_ascii=False))
    shard.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = _run("local", [str(shard)], out)
    assert result.exit_code == 1
    assert f"rejected: {shard}:6: not JSON" in result.output
    assert len(_read(out, "articles")) == 12
    assert f"rejected: {shard}:14: date '9999-12-31T23:59' is more than 2 days after the ingest's day" in result.output
    assert [r["origin"] for r in _read(out, "rejected")] == [f"{shard}:6", f"{shard}:14"]


def test_load_into_a_store_then_live_ingest_and_rest(local_out, mds_rows, tmp_path):
    db = tmp_path / "news.db"
    result = runner.invoke(app, ["archive", "load", str(local_out), "--db", str(db)])
    assert result.exit_code == 0, result.output
    import newsfuse

    stories = {r["article_id"]: r["story_id"] for r in _read(local_out, "stories")}
    with newsfuse.open(db) as nf:
        assert nf.store.count_articles() == len(stories)
        assert nf.store.story_assignments() == stories
        # A new report of an archived event joins its archived story.
        base = mds_rows[3]
        new = base | {"id": "live-1", "source": "live.vn", "text": base["text"] + " Thêm một câu mới của báo."}
        assert nf.add(new) == stories[base["id"]]
        from fastapi.testclient import TestClient

        from newsfuse.web.app import create_app

        story_id = stories[mds_rows[0]["id"]]
        briefs = {b["story_id"]: json.loads(b["brief"]) for b in _read(local_out, "briefs")}
        response = TestClient(create_app(nf), base_url="http://127.0.0.1").get(f"/api/stories/{story_id}")
        assert response.status_code == 200
        assert response.json() == briefs[story_id]  # the archive's brief, served as stored
    again = runner.invoke(app, ["archive", "load", str(local_out), "--db", str(db)])
    assert again.exit_code == 0 and "0 added" in again.output
    # Loaded again, the archive changes no story (it once said every story was touched).
    assert f"{len(stories)} already present" in again.output and "0 stories touched" in again.output
