"""The story and copy indexes saved beside a store: read back, they place new articles exactly as
the process that saved them would have; a file that is not the store's is never used."""

from __future__ import annotations

import shutil

import newsfuse
from newsfuse import indexstate
from newsfuse.config import Config, EntityConfig

# Entities are not what this is about: left for the first entity filter (keeps the test short).
CONFIG = Config(entities=EntityConfig(index_at_ingest=False))


def _open(db):
    return newsfuse.open(db, CONFIG)


def _halves(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    # Every other cluster first, then the rest: the second half joins stories of the first and opens new ones.
    half = len(rows) // 2
    return rows[:half], rows[half:]


def _placed(nf, rows: list[dict]) -> tuple[dict[str, str], dict[str, tuple[str, float]]]:
    report = nf.add_many(rows)
    assert not report.rejected
    return report.stories, nf.store.copies_of(report.added)


def test_saved_indexes_place_new_articles_as_the_live_process_does(tmp_path, mds_subset):
    first, second = _halves(mds_subset)
    live_db, saved_db = tmp_path / "live" / "news.db", tmp_path / "saved" / "news.db"
    with _open(live_db) as live:
        assert not live.add_many(first).rejected
        assert live.save_indexes(min_new=1)
        live.store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file
        saved_db.parent.mkdir()
        for suffix in ("", ".indexes.npz"):  # the store and its indexes as of this moment
            shutil.copy(str(live_db) + suffix, str(saved_db) + suffix)
        expected = _placed(live, second)
    with _open(saved_db) as again:
        assert again.warm() == 0 and again.indexes_from_saved  # nothing read from the texts
        assert _placed(again, second) == expected
    assert len(set(expected[0].values())) > 10 and expected[0]  # real work: many stories touched


def test_articles_stored_after_the_saved_ones_are_read_from_the_store(db, mds_subset):
    first, second = _halves(mds_subset)
    with _open(db) as nf:
        nf.add_many(first)
        assert nf.save_indexes(min_new=1)
    with _open(db) as other:  # another process stores three more
        other.add_many(second[:3])
    with _open(db) as nf:
        assert nf.warm() == 3 and nf.indexes_from_saved
        report = nf.add_many(second[3:])
    assert len(report.added) == len(second) - 3


def test_a_saved_file_that_is_not_the_stores_is_not_used(db, mds_subset):
    first, _ = _halves(mds_subset)
    path = indexstate.state_path(db)
    with _open(db) as nf:
        nf.add_many(first)
        assert nf.save_indexes(min_new=1)
        victim = first[0]["id"]
        nf.delete(victim)  # the saved indexes still hold it
    with _open(db) as nf:
        assert nf.warm() == len(first) - 1 and not nf.indexes_from_saved  # read again from every text
    path.write_bytes(b"not an index file")
    with _open(db) as nf:
        assert nf.warm() == len(first) - 1 and not nf.indexes_from_saved


def test_a_small_store_saves_nothing(db, seeds_dir):
    with _open(db) as nf:
        nf.ingest([seeds_dir])
        assert not nf.save_indexes()
    assert not indexstate.state_path(db).exists()
