"""The move of Vietnamese knowledge into language packs changed no output: a slice of the
snapshot `bench/pack_equivalence.py` wrote (the seeds and six clusters of the shared corpus:
their summaries, facts, entities and every date expression) is recomputed and compared. When a
change of output is meant, re-run the bench with `--out` and say why in docs/decisions.md."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "bench" / "results" / "pack_equivalence.jsonl.gz"
CLUSTERS = ["cluster_13", "cluster_58", "cluster_107", "cluster_183", "cluster_187", "cluster_198"]


@pytest.fixture(scope="module")
def bench(mds_rows):
    sys.path.insert(0, str(ROOT / "bench"))
    spec = importlib.util.spec_from_file_location("pack_equivalence", ROOT / "bench" / "pack_equivalence.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_seeds_and_clusters_come_out_as_the_snapshot_says(bench, mds_rows):
    from newsfuse.ingest import article_from_json

    expected = bench.read(SNAPSHOT)
    stories = {"seeds": bench.seed_articles()}
    for r in mds_rows:
        if r["cluster_id"] in CLUSTERS:
            stories.setdefault(r["cluster_id"], []).append(article_from_json(r, r["id"]))
    for key, arts in stories.items():
        for record in bench.story_records(key, arts):
            assert record == expected[(record["section"], key)], f"{record['section']} of {key} moved"
    for a in stories["seeds"]:
        assert bench.article_record(a) == expected[("article", a.id)]
