"""The full-text index's segments: a bulk write merges them into one (`Store.merge_search_index`)
so that later small writes' merges do not rewrite it; merged, searches find the same rows with
the same ranks; an older store is merged once by its migration."""

import sqlite3

import pytest

from newsfuse import api
from newsfuse.store import SCHEMA_VERSION, Store

QUERIES = ["Việt Nam", "Hà Nội", "bóng đá", '"thủ tướng"', "giá OR vàng", "tỉnh NOT nam"]


def segments(db) -> int:
    return db.execute("SELECT count(DISTINCT segid) FROM articles_fts_idx").fetchone()[0]


def ranks(db) -> dict[str, list[tuple[int, float]]]:
    """Every match of each query's terms with its bm25 rank, as the store's searches read them."""
    from newsfuse import search as search_stage

    out = {}
    for q in QUERIES:
        match = search_stage.expression(search_stage.parse(q))
        out[q] = [(r[0], round(r[1], 9)) for r in db.execute(
            "SELECT rowid, rank FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rank, rowid", (match,))]
    return out


@pytest.fixture()
def small_writes(nf, mds_subset, monkeypatch):
    """Half the subset in one ingest (not merged), then articles added one a transaction: each
    leaves a segment of its own."""
    monkeypatch.setattr(api, "MERGE_SEARCH_MIN_ADDED", 10**9)
    half = len(mds_subset) // 2
    nf.add_many(mds_subset[:half])
    for row in mds_subset[half:half + 8]:
        nf.add(row)
    assert segments(nf.store.db) >= 3
    return nf


def test_merged_index_finds_the_same_rows_with_the_same_ranks(small_writes):
    db = small_writes.store.db
    before = ranks(db)
    assert all(before[q] for q in QUERIES[:3])  # (the queries do match)
    found = {q: [(h.article.id, h.story) for h in small_writes.search(q, limit=50).items] for q in QUERIES}
    small_writes.store.merge_search_index()
    assert segments(db) == 1
    assert ranks(db) == before
    assert {q: [(h.article.id, h.story) for h in small_writes.search(q, limit=50).items] for q in QUERIES} == found


def test_a_bulk_write_merges_the_index_and_small_writes_do_not(nf, mds_subset, monkeypatch):
    monkeypatch.setattr(api, "MERGE_SEARCH_MIN_ADDED", 20)
    half = len(mds_subset) // 2
    assert half >= 20
    nf.add_many(mds_subset[:half])  # all of the store: merged
    assert segments(nf.store.db) == 1
    for row in mds_subset[half:half + 3]:  # fewer than the minimum each
        nf.add(row)
    assert segments(nf.store.db) == 4
    rest = mds_subset[half + 3:]
    assert len(rest) >= 20 and len(rest) * api.MERGE_SEARCH_SHARE >= len(mds_subset)
    nf.add_many(rest)  # the minimum and a tenth of the store: merged again
    assert segments(nf.store.db) == 1


def test_an_older_store_is_merged_once_by_its_migration(small_writes, db):
    expected = ranks(small_writes.store.db)
    small_writes.close()
    with sqlite3.connect(db) as con:
        assert segments(con) >= 3
        con.execute("PRAGMA user_version = 15")
    with Store(db) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert segments(store.db) == 1
        assert ranks(store.db) == expected
