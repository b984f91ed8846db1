"""A first load's stories are the batch's: `newsfuse ingest` into a store with no story places its
articles as `newsfuse cluster` does (`IngestConfig.batch_stories`), in any input order, and the
story index it leaves is the one a process reading the store again makes, so later ingests go on
online from those stories."""

from __future__ import annotations

import random
from dataclasses import replace

import newsfuse
from newsfuse.config import Config, EntityConfig, IngestConfig
from newsfuse.ingest import Rejection, read_jsonl
from newsfuse.stories import cluster

from conftest import write_jsonl


def _config(db, **ingest) -> Config:
    # The entity index is another stage's (and the slow part of an ingest): off here.
    return replace(Config(db=db), entities=replace(EntityConfig(), index_at_ingest=False),
                   ingest=replace(IngestConfig(), **ingest))


def _cluster_file(path) -> dict[str, str]:
    """What `newsfuse cluster FILE` gives: article id -> story id."""
    arts = [a for a in read_jsonl(path, IngestConfig()) if not isinstance(a, Rejection)]
    return {x.article_id: x.story_id for x in cluster(arts)}


def test_a_first_ingest_of_the_shared_corpus_gives_the_stories_of_newsfuse_cluster(tmp_path, mds_rows):
    rows = mds_rows[:]
    random.Random(5).shuffle(rows)
    path = write_jsonl(tmp_path / "shuffled.jsonl", rows)
    with newsfuse.open(config=_config(tmp_path / "news.db")) as nf:
        report = nf.ingest([path])
        stored = nf.store.story_assignments()
    want = _cluster_file(path)
    assert len(report.added) == len(rows) == len(want)
    assert stored == want  # the same stories under the same ids
    assert report.stories == want
    # Another order of the same lines: the same stories again (the stream's moved with the order).
    random.Random(6).shuffle(rows)
    again = write_jsonl(tmp_path / "again.jsonl", rows)
    with newsfuse.open(config=_config(tmp_path / "again.db")) as nf:
        nf.ingest([again])
        assert nf.store.story_assignments() == want


def _same_state(a, b) -> None:
    assert a.story_of == b.story_of and a.n_docs == b.n_docs
    assert list(a.stories) == list(b.stories)
    for sid, s in a.stories.items():
        t = b.stories[sid]
        assert (s.members, s.size, s.first, s.last, s.windows) == (t.members, t.size, t.first, t.last, t.windows)
        # Terms by their strings: the two vocabularies number them in the order each met them.
        names_a, names_b = list(a.term_id), list(b.term_id)
        assert dict(zip((names_a[i] for i in s.term_ids), s.weights.tolist())) == \
            dict(zip((names_b[i] for i in t.term_ids), t.weights.tolist()))


def test_after_a_first_load_the_index_is_the_stores_and_later_ingests_go_on_online(tmp_path, mds_subset):
    rows = mds_subset[:]
    random.Random(11).shuffle(rows)
    first, later = rows[:-6], rows[-6:]
    db = tmp_path / "news.db"
    with newsfuse.open(config=_config(db)) as nf:
        nf.ingest([write_jsonl(tmp_path / "first.jsonl", first)])
        loaded = dict(nf.store.story_assignments())
        assert loaded == _cluster_file(tmp_path / "first.jsonl")
        live = nf._clusterer
        assert nf.save_indexes(min_new=1)
    # A process reading the store again (its texts, no saved file) makes the same index ...
    rebuilt_db = tmp_path / "news.db.indexes.npz"
    saved_bytes = rebuilt_db.read_bytes()
    rebuilt_db.unlink()
    with newsfuse.open(config=_config(db)) as nf:
        nf.warm()
        assert not nf.indexes_from_saved
        _same_state(live, nf._clusterer)
    rebuilt_db.write_bytes(saved_bytes)
    # ... and one reading the saved file takes it as this store's; its next ingests are online:
    # one article at a time, the first load's stories keep their ids (an absorbed one is an alias).
    with newsfuse.open(config=_config(db)) as nf:
        nf.warm()
        assert nf.indexes_from_saved
        _same_state(live, nf._clusterer)
        for r in later:
            nf.add({k: v for k, v in r.items() if k != "cluster_id"})
        now = nf.store.story_assignments()
        assert all(nf.resolve_story(loaded[a]) == now[a] for a in loaded)
        gold = {r["id"]: r["cluster_id"] for r in rows}
        # A later article of a loaded cluster joins that cluster's story (the stream's rule).
        joined = [r["id"] for r in later if any(gold[a] == gold[r["id"]] for a in loaded)
                  and now[r["id"]] in {now[a] for a in loaded if gold[a] == gold[r["id"]]}]
        assert joined


def test_a_store_that_has_stories_places_an_ingest_one_article_at_a_time(tmp_path, mds_subset):
    """The batch is only for a store with no story: what is stored keeps its ids, and so the second
    ingest is the stream's (the same as with `batch_stories` off)."""
    rows = mds_subset[:]
    random.Random(2).shuffle(rows)
    half = len(rows) // 2
    a, b = write_jsonl(tmp_path / "a.jsonl", rows[:half]), write_jsonl(tmp_path / "b.jsonl", rows[half:])
    out = []
    for on in (True, False):
        with newsfuse.open(config=_config(tmp_path / f"{on}.db", batch_stories=on)) as nf:
            nf.ingest([a])
            if not on:  # the same first stories, laid down by the batch's stories
                nf.store.replace_stories((x, s, 1.0) for x, s in _cluster_file(a).items())
                nf._clusterer = nf._copies = None
            nf.ingest([b])
            out.append(nf.store.story_assignments())
    assert out[0] == out[1]
    with newsfuse.open(config=_config(tmp_path / "True.db")) as nf:
        assert all(nf.resolve_story(s) == out[0][x] for x, s in _cluster_file(a).items())


def test_a_first_load_with_repeats_versions_and_republications_is_the_batch_of_what_it_added(tmp_path, mds_rows,
                                                                                            monkeypatch):
    """Every branch of a chunk (repeats, an id used again for another text, another outlet's
    republication, rejections), in worker processes and several chunks: the stories are the
    batch's over the articles it added."""
    from newsfuse import ingest as ingest_stage

    rows = list(mds_rows[:150])
    rows += [dict(r) for r in mds_rows[:20]]
    rows += [r | {"text": r["text"] + " Cập nhật lúc 10 giờ."} for r in mds_rows[20:25]]  # ids reused: rejected
    rows += [r | {"id": f"{r['id']}-vne", "source": "vnexpress.net"} for r in mds_rows[25:30]]
    rows += [{"id": "short", "text": "Quá ngắn."}, {"title": "no text"}]
    rows += list(mds_rows[150:220])
    path = write_jsonl(tmp_path / "mixed.jsonl", rows)
    monkeypatch.setattr(ingest_stage, "_PARALLEL_FROM_BYTES", 0)
    monkeypatch.setattr(ingest_stage, "_CHUNK_LINES", 37)
    with newsfuse.open(config=replace(_config(tmp_path / "news.db", workers=2))) as nf:
        report = nf.ingest([path])
        stored = nf.store.story_assignments()
    assert len(report.added) == 220 and not report.updated and len(report.republished) == 5
    assert len(report.rejected) == 7 and sum("is already used by another text" in r for r in report.rejected) == 5
    added = {r["id"] for r in mds_rows[:220]}
    arts = [a for a in read_jsonl(path, IngestConfig()) if not isinstance(a, Rejection)]
    first = {}
    for a in arts:  # the first text of each id: what the batch placed
        first.setdefault(a.id, a)
    want = {x.article_id: x.story_id for x in cluster([first[i] for i in added])}
    assert stored == want and report.stories == want
