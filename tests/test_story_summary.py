"""The story summary (schema 9): one row a story, kept by SQLite triggers, that story lists,
counts and filters read instead of aggregating members per request. Each test compares it with
an aggregation made here, in Python, from the members as stored, after a real change."""

from __future__ import annotations

import json
import sqlite3

import pytest

from conftest import write_jsonl
from newsfuse.store import MIGRATIONS, SCHEMA_VERSION, Store


def fresh(db: sqlite3.Connection) -> dict[str, tuple]:
    """Each story's (size, outlets, first date, last date, latest, title) from its members."""
    members: dict[str, list[tuple]] = {}
    for story, seq, title, published, added, outlet in db.execute(
            "SELECT m.story_id, a.seq, a.title, a.published, a.added_at, s.name FROM story_members m"
            " JOIN articles a ON a.seq = m.article_seq LEFT JOIN sources s ON s.id = a.source_id"):
        members.setdefault(story, []).append((seq, title, published, added, outlet))
    out = {}
    for story, rows in members.items():
        dated = [r[2] for r in rows if r[2] is not None]
        # the title is the earliest article's; an undated one sorts first (as SQLite orders NULL), then by seq
        first = min(rows, key=lambda r: (r[2] is not None, r[2] or "", r[0]))
        out[story] = (len(rows), sorted({r[4] for r in rows if r[4]}), min(dated, default=None),
                      max(dated, default=None), max(r[2] or r[3] for r in rows), first[1])
    return out


def summary(db: sqlite3.Connection) -> dict[str, tuple]:
    return {r[0]: (r[1], json.loads(r[2]), r[3], r[4], r[5], r[6]) for r in db.execute(
        "SELECT story_id, size, outlets, first_date, last_date, latest, title FROM story_summary")}


def assert_current(store: Store) -> None:
    expected = fresh(store.db)
    assert expected, "no stories to compare"
    assert summary(store.db) == expected


@pytest.fixture()
def loaded(nf, tmp_path, mds_subset, seeds_dir):
    # Some undated articles, so that undated-first titles and `latest` from added_at are exercised.
    rows = [r | {"date": None} if k % 9 == 0 else r for k, r in enumerate(mds_subset)]
    nf.ingest([seeds_dir, write_jsonl(tmp_path / "subset.jsonl", rows)])
    return nf


def test_summary_equals_a_fresh_aggregation_after_ingest_and_posts(loaded, mds_rows):
    store = loaded.store
    assert store.schema_version() == SCHEMA_VERSION
    assert_current(store)
    # Articles arriving one by one (the REST path) update the rows in place.
    stored = {r[0] for r in store.db.execute("SELECT id FROM articles")}
    for r in [r for r in mds_rows if r["id"] not in stored][:12]:
        loaded.add(r)
    assert_current(store)


def test_summary_follows_deletes_versions_and_outlet_renames(loaded):
    store = loaded.store
    sizes = {sid: row[0] for sid, row in summary(store.db).items()}
    big = max(sizes, key=lambda s: (sizes[s], s))
    story = store.get_story(big)
    # the article whose title the story shows goes: the next earliest one's title is shown
    earliest = store.db.execute("SELECT a.id, a.title FROM story_members m JOIN articles a ON a.seq = m.article_seq"
                                " WHERE m.story_id = ? ORDER BY a.published, a.seq LIMIT 2", (big,)).fetchall()
    assert len(earliest) == 2
    loaded.delete(earliest[0][0])
    assert_current(store)
    assert store.get_story(big).size == story.size - 1
    assert store.get_story(big).title == earliest[1][1]  # (not "another title": republications share one)
    # a story left without articles loses its row
    single = next(sid for sid, n in sizes.items() if n == 1)
    loaded.delete(store.get_story(single).article_ids[0])
    assert single not in summary(store.db)
    assert_current(store)
    # a new version with an earlier date and a new title moves the story's dates and title
    member = store.get_article(store.get_story(big).article_ids[-1])
    loaded.add({"id": member.id, "text": member.text + " Cập nhật thêm.", "title": "Tiêu đề mới của bài",
                "source": member.source, "date": "1999-01-02T03:04"})
    assert store.get_article(member.id).title == "Tiêu đề mới của bài"
    assert_current(store)
    row = summary(store.db)[big]
    assert row[2] == "1999-01-02T03:04" and row[5] == "Tiêu đề mới của bài"
    # two names of one outlet become one: the outlet lists follow
    outlet = row[1][0]
    store.rename_outlets({outlet: "Báo Đổi Tên, Mới"})
    assert_current(store)
    assert "Báo Đổi Tên, Mới" in summary(store.db)[big][1]
    assert big in {s.id for s in store.list_stories(source="Báo Đổi Tên, Mới", limit=500)}


def test_summary_after_merges_and_recluster(loaded):
    store = loaded.store
    ids = sorted(summary(store.db))
    a, b, c = ids[0], ids[1], ids[2]
    sizes = {sid: row[0] for sid, row in summary(store.db).items()}
    store.merge_stories([(b, a), (c, a)])
    assert_current(store)
    assert summary(store.db)[a][0] == sizes[a] + sizes[b] + sizes[c]
    assert b not in summary(store.db) and c not in summary(store.db)
    # an article moved from one story to another by assign_stories (the stream's path)
    moving = store.get_story(ids[3]).article_ids[0]
    store.assign_stories([(moving, ids[4], 0.5)])
    assert_current(store)
    loaded.recluster()
    assert_current(store)
    assert sum(row[0] for row in summary(store.db).values()) == store.count_articles()


def test_lists_and_counts_agree_with_the_members(loaded):
    store = loaded.store
    truth = fresh(store.db)
    outlet = max({o for row in truth.values() for o in row[1]},
                 key=lambda o: sum(o in row[1] for row in truth.values()))
    month = sorted(row[2] for row in truth.values() if row[2])[len(truth) // 2][:7]

    def overlaps(row):
        return row[2] is not None and row[3] + "\uffff" >= month and row[2] < month + "\uffff"

    want = sorted((sid for sid, row in truth.items() if outlet in row[1] and overlaps(row)),
                  key=lambda sid: (tuple(-ord(ch) for ch in truth[sid][4]), sid))
    got = store.list_stories(source=outlet, since=month, until=month, limit=500)
    assert [s.id for s in got] == want and want
    assert store.count_stories(source=outlet, since=month, until=month) == len(want)
    assert store.count_stories() == len(truth)
    everything = store.list_stories(limit=1000)
    assert [s.id for s in everything] == sorted(truth, key=lambda sid: (tuple(-ord(ch) for ch in truth[sid][4]), sid))
    for s in everything:
        size, outlets, first, last, _, title = truth[s.id]
        assert (s.size, s.outlets, s.first_date, s.last_date, s.title) == (size, outlets, first, last, title)
        assert sorted(s.article_ids) == sorted(r[0] for r in store.db.execute(
            "SELECT a.id FROM story_members m JOIN articles a ON a.seq = m.article_seq WHERE m.story_id = ?", (s.id,)))
    # articles of an outlet and a month: what a scan of every article finds
    expected = [r[0] for r in store.db.execute(
        "SELECT a.id FROM articles a JOIN sources s ON s.id = a.source_id WHERE s.name = ?"
        " ORDER BY coalesce(a.published, a.added_at) DESC, a.seq DESC", (outlet,))
        if (p := store.get_article(r[0]).published) and p + "\uffff" >= month and p < month + "\uffff"]
    assert [a.id for a in store.list_articles(source=outlet, since=month, until=month, limit=500)] == expected
    assert store.count_articles(source=outlet, since=month, until=month) == len(expected)
    # republishers of a page in two queries: what asking story by story gives
    together = store.republishers({s.id: s.article_ids for s in everything})
    assert together == {s.id: exact_outlets(store, s.article_ids) for s in everything}


def test_republishers_of_a_page_equal_those_asked_story_by_story(nf, mds_rows):
    rows = mds_rows[:30]
    for r in rows:
        nf.add(r)
    # the same texts again from other outlets: exact republications
    for r in rows[:6]:
        nf.add(r | {"id": r["id"] + "-again", "source": "baokhac.vn"})
    stories = nf.store.list_stories(limit=100)
    together = nf.store.republishers({s.id: s.article_ids for s in stories})
    assert any("baokhac.vn" in outlets for outlets in together.values())
    assert together == {s.id: exact_outlets(nf.store, s.article_ids) for s in stories}


def exact_outlets(store, article_ids) -> set[str]:
    """The oracle: the outlets of the exact republications `publications` lists of a story."""
    return {p.outlet for p in store.publications(article_ids) if p.kind == "exact" and p.outlet}


def make_older(path) -> None:
    """The store as schema 8 left it: no summary (nor its indexes), epoch, triggers or list-order indexes."""
    with sqlite3.connect(path) as db:
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            db.execute(f"DROP TRIGGER {name}")
        db.execute("DROP TABLE story_summary")
        db.execute("DROP TABLE story_summary_paused")
        db.execute("DROP TABLE story_epoch")
        db.execute("DROP INDEX articles_source_latest")
        db.execute("DROP INDEX articles_latest")
        db.execute("CREATE INDEX articles_source ON articles(source_id)")
        db.execute("PRAGMA user_version = 8")


def test_an_older_store_is_brought_up_to_date_and_the_migration_is_idempotent(loaded, db):
    expected = fresh(loaded.store.db)
    lists = [(s.id, s.title, s.outlets) for s in loaded.store.list_stories(limit=1000)]
    loaded.close()
    make_older(db)
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 8
        assert not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'story_summary'").fetchone()
    with Store(db) as store:
        assert store.schema_version() == SCHEMA_VERSION >= 11  # (10: the entity readings)
        assert summary(store.db) == expected
        assert [(s.id, s.title, s.outlets) for s in store.list_stories(limit=1000)] == lists
        indexes = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"articles_source_latest", "articles_latest", "story_summary_dates"} <= indexes
        assert not {"articles_source", "articles_source_published"} & indexes
        triggers = sorted(r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
        # the step run again (as a second process opening the store at once might): nothing doubles
        with store.transaction():
            MIGRATIONS[8](store)
            MIGRATIONS[10](store)
            MIGRATIONS[12](store)
        assert summary(store.db) == expected
        assert sorted(r[0] for r in store.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")) == triggers and len(triggers) == 7
        # a summary gone wrong is made right again
        store.db.execute("UPDATE story_summary SET size = 0, outlets = '[]'")
        assert store.rebuild_story_summary() == len(expected)
        assert summary(store.db) == expected


def test_kept_story_sets_grow_exactly_across_commits(loaded, mds_rows, db):
    """A server's counts of a query's and an outlet's stories are kept across commits that only
    add articles, grown by the new articles' stories; after merges, moves, deletes and new texts
    they are read again. Each count is compared with the store's own count of that moment."""
    from newsfuse import api, search
    from newsfuse.web.answers import StoreVersion

    nf = loaded
    nf.memo = api.Memo(StoreVersion(db).now)
    calls: list[int] = []
    reads = nf.store.match_story_ids

    def recorded(match, after_seq=0):
        calls.append(after_seq)
        return reads(match, after_seq)

    nf.store.match_story_ids = recorded
    outlet = nf.store.sources()[0][0]
    queries = ["Hà Nội", "Việt Nam", "bão"]

    def check():
        for q in queries:
            node = search.parse(q)
            match = search.filter_expression(node)
            assert nf.count_stories(query=q) == nf.store.count_stories(match=match), q
            assert nf.count_stories(query=q, outlet=outlet) == nf.store.count_stories(match=match, source=outlet), q

    check()
    stored = {r[0] for r in nf.store.db.execute("SELECT id FROM articles")}
    fresh_rows = [r for r in mds_rows if r["id"] not in stored]
    for r in fresh_rows[:8]:  # POSTs one by one: the kept sets grow
        calls.clear()
        nf.add(r)
        check()
        assert calls and all(after > 0 for after in calls), "the kept sets were read whole after a pure add"
    calls.clear()
    ids = sorted(summary(nf.store.db))
    nf.store.merge_stories([(ids[1], ids[0])])  # the epoch moves: read whole
    check()
    assert 0 in calls
    nf.delete(nf.store.get_story(ids[2]).article_ids[0])
    check()
    member = nf.store.get_article(nf.store.get_story(ids[3]).article_ids[0])
    nf.add({"id": member.id, "text": member.text + " Bão lớn đổ bộ vào Hà Nội.", "title": member.title,
            "source": member.source, "date": member.published})
    check()
    for r in fresh_rows[8:12]:
        nf.add(r)
        check()
    loaded.recluster()
    check()


def test_ranked_stories_of_an_outlet_equal_a_ranking_made_here(loaded, monkeypatch):
    """Stories by a query and an outlet, best match first, past the newest matches' window (shrunk
    to 5 so that the older tier is read): the same pages as a ranking made here from every
    match's bm25 rank, the members and the outlets (the outlet is a filter on whole stories: a
    story's rank is its best match, from any outlet)."""
    from newsfuse import search, store as store_module

    monkeypatch.setattr(store_module, "RANK_WINDOW", 5)
    store = loaded.store
    members = dict(store.db.execute("SELECT article_seq, story_id FROM story_members"))
    latest = dict(store.db.execute("SELECT story_id, latest FROM story_summary"))
    outlets = [name for name, _ in store.sources()[:3]]
    checked = 0
    for q in ["Hà Nội", "bão", "Việt Nam"]:
        match = search.expression(search.parse(q))
        matches = store.db.execute("SELECT rowid, rank FROM articles_fts WHERE articles_fts MATCH ?", (match,)).fetchall()
        newest = sorted((seq for seq, _ in matches), reverse=True)
        edge = newest[4] if len(newest) >= 5 else None
        for outlet in outlets:
            of_outlet = {r[0] for r in store.db.execute(
                "SELECT m.story_id FROM story_members m JOIN articles a ON a.seq = m.article_seq"
                " JOIN sources s ON s.id = a.source_id WHERE s.name = ?", (outlet,))}
            tiers: list[dict[str, float]] = [{}, {}]
            for seq, rank in matches:
                story = members.get(seq)
                if story in of_outlet:
                    best = tiers[0 if edge is None or seq >= edge else 1]
                    best[story] = min(rank, best.get(story, rank))
            expected = store.order_ranked(list(tiers[0]), tiers[0], latest)
            expected += store.order_ranked([x for x in tiers[1] if x not in tiers[0]], tiers[1], latest)
            for offset, limit in [(0, 3), (0, 20), (2, 4), (5, 50)]:
                got = [st.id for st in store.list_stories(match=match, source=outlet, by_rank=True,
                                                          limit=limit, offset=offset)]
                assert got == expected[offset:offset + limit], (q, outlet, offset)
            checked += len(tiers[1]) > 0
    assert checked, "no query reached past the window"


def test_a_read_of_an_older_version_may_ask_the_memo_again():
    """A read at a version older than the memo's is made outside the memo's lock: the kept story
    sets are asked from inside it (a server's lists with q hung on it under writes)."""
    import threading

    from newsfuse.api import Memo

    memo = Memo(lambda: 0)
    assert memo.get(2, ("newer",), lambda: "kept") == "kept"
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(memo.get(1, ("older",), lambda: memo.kept_set(("x",)) or "made")))
    reader.start()
    reader.join(10)
    assert not reader.is_alive() and got == ["made"]


def test_the_triggers_make_a_row_from_the_earliest_member_read_once_per_story(tmp_path, mds_rows):
    """The query that makes a row again finds the earliest member once per story, joined after the
    grouping (it was joined per member row: quadratic in a story's size); a store whose triggers
    still hold the old query gets the new ones from migration 14, and its rows stay right."""
    import newsfuse

    with newsfuse.open(tmp_path / "n.db") as nf:
        nf.ingest([write_jsonl(tmp_path / "m.jsonl", mds_rows[:40])])
        store = nf.store
        names = ("story_summary_leave", "story_summary_move", "story_summary_article")

        def bodies():
            return {n: b for n, b in store.db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
                    if n in names}

        assert all(") g JOIN articles t ON t.seq = g.title_seq" in b for b in bodies().values()) and len(bodies()) == 3
        store.db.execute("DROP TRIGGER story_summary_leave")
        store.db.execute("CREATE TRIGGER story_summary_leave AFTER DELETE ON story_members BEGIN SELECT 1; END")
        MIGRATIONS[13](store)
        assert all(") g JOIN articles t ON t.seq = g.title_seq" in b for b in bodies().values()) and len(bodies()) == 3
        gone = store.db.execute("SELECT a.id FROM story_members m JOIN articles a ON a.seq = m.article_seq"
                                " ORDER BY m.story_id LIMIT 1").fetchone()[0]
        nf.delete(gone)
        assert_current(store)


@pytest.mark.parametrize("window", [5, 1000])
def test_searches_and_ranked_stories_from_one_bm25_pass_equal_fresh_queries(loaded, mds_rows, db, monkeypatch, window):
    """A server's search pages and its stories by query, best first, are cut from one ranked read
    of the query's newest matches, shared through the memo at one version; after every write
    they are what a fresh read of the store gives (search: the store's own ranked query; stories:
    `list_stories(by_rank=True)`), past the window too (shrunk to 5) and on pages across its edge."""
    from newsfuse import api, search, store as store_module
    from newsfuse.web.answers import StoreVersion

    monkeypatch.setattr(store_module, "RANK_WINDOW", window)
    nf = loaded
    nf.memo = api.Memo(StoreVersion(db).now)
    passes: list[str] = []
    ranked = nf.store.ranked_matches
    nf.store.ranked_matches = lambda *a, **k: passes.append(a[0]) or ranked(*a, **k)
    queries = ["Hà Nội", "bão", "Việt Nam", '"giá vàng"', "bao OR lu"]

    def check():
        passes.clear()
        for q in queries:
            node = search.parse(q)
            match, match_filter = search.expression(node), search.filter_expression(node)
            for offset, limit in [(0, 3), (0, 20), (2, 4), (4, 3), (5, 50)]:
                got = nf.search(q, limit=limit, offset=offset)
                expected, total = nf.store.search(match, match_filter=match_filter, limit=limit, offset=offset)
                assert [h.article.id for h in got.items] == [a.id for a in expected] and got.total == total, (q, offset)
                stories = [s.id for s in nf.stories(query=q, limit=limit, offset=offset)]
                fresh = [s.id for s in nf.store.list_stories(match=match, match_filter=match_filter, by_rank=True,
                                                             limit=limit, offset=offset)]
                assert stories == fresh, (q, offset)
        assert sorted(set(passes)) == sorted(passes), "a query was ranked twice at one version"
        assert passes, "the memo's ranked matches were not used"

    check()
    stored = {r[0] for r in nf.store.db.execute("SELECT id FROM articles")}
    for r in [r for r in mds_rows if r["id"] not in stored][:6]:  # writes: every answer read again
        nf.add(r)
        check()
    nf.delete(nf.store.get_story(sorted(summary(nf.store.db))[0]).article_ids[0])
    check()
