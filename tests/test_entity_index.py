"""The entity index (issue 14): each story's entities are written to the store when the story
changes, and the entity filter of `stories`, REST and the web page reads them from there."""

import json
import sqlite3

import newsfuse
from newsfuse.store import entity_words

from conftest import write_jsonl


def _clusters(mds_rows, *names):
    return [r for r in mds_rows if r["cluster_id"] in names]


def test_ingest_writes_each_story_entities_and_the_filter_reads_them(seeded, mds_rows, tmp_path):
    nf = seeded
    nf.ingest([write_jsonl(tmp_path / "c.jsonl", _clusters(mds_rows, "cluster_7", "cluster_13"))])
    assert nf.store.count_stale_entity_stories() == 0
    seeds = nf.stories(entity="Lương Tam Quang")
    assert len(seeds) == 1
    indexed = nf.store.story_entities(seeds[0].id)
    assert {(e["type"], e["name"]) for e in indexed} >= {("PER", "Lương Tam Quang"), ("LOC", "Trung Quốc")}
    assert all(e["outlets"] for e in indexed)
    # The index holds what extraction says of the story now.
    assert [(e["type"], e["name"]) for e in indexed] == [(e.type, e.name) for e in nf.entities(seeds[0].id)]
    # Tone-free, any case, a part of the name.
    for asked in ("Luong Tam Quang", "luong tam quang", "Tam Quang", "LƯƠNG TAM QUANG"):
        assert [s.id for s in nf.stories(entity=asked)] == [seeds[0].id], asked
    obama = nf.stories(entity="Obama")
    assert obama and seeds[0].id not in {s.id for s in obama}
    for s in obama:
        names = [n for e in nf.store.story_entities(s.id) for n in [e["name"], *e["aliases"]]]
        assert any("Obama" in n for n in names)
    assert nf.stories(entity="Barack Obama") and {s.id for s in nf.stories(entity="Barack Obama")} <= {s.id for s in obama}
    # Words of two different entities are no match, nor a name nobody has.
    assert nf.stories(entity="Lương Obama") == []
    assert nf.stories(entity="Nguyễn Không Có") == []
    assert nf.stories(entity="...") == []


def test_a_new_version_of_an_article_changes_its_story_index(seeded):
    nf = seeded
    story = nf.stories(entity="Lương Tam Quang")[0]
    assert nf.stories(entity="Trần Đại Nghĩa") == []
    article = nf.article(story.article_ids[0])
    nf.add({"id": article.id, "source": article.source, "date": article.published, "title": article.title,
            "text": article.text + "\n\nPhát biểu tại buổi làm việc, Đại tá Trần Đại Nghĩa cảm ơn đoàn công tác."})
    assert nf.store.count_stale_entity_stories() == 0
    assert [s.id for s in nf.stories(entity="Tran Dai Nghia")] == [story.id]


def test_a_deferred_index_and_a_store_made_before_the_index_are_read_on_the_first_filter(tmp_path, seeds_dir):
    from dataclasses import replace

    from newsfuse.config import Config, EntityConfig

    config = replace(Config(db=tmp_path / "d.db"), entities=EntityConfig(index_at_ingest=False))
    with newsfuse.open(config=config) as nf:
        nf.ingest([seeds_dir])
        assert nf.store.count_stale_entity_stories() == 1
        assert len(nf.stories(entity="Luong Tam Quang")) == 1
        assert nf.store.count_stale_entity_stories() == 0
    # A store of the schema before the index: its stories are marked by the migration.
    with newsfuse.open(tmp_path / "old.db") as nf:
        nf.ingest([seeds_dir])
    db = sqlite3.connect(tmp_path / "old.db")
    db.executescript("DELETE FROM entity_words; DELETE FROM story_entities; DELETE FROM entities_stale;"
                     "DROP TABLE entity_words; DROP TABLE story_entities; DROP TABLE entities_stale;")
    db.execute("PRAGMA user_version = 4")
    db.close()
    with newsfuse.open(tmp_path / "old.db") as nf:
        assert nf.store.count_stale_entity_stories() == 1
        assert [s.title for s in nf.stories(entity="Lương Tam Quang")] == [s.title for s in nf.stories()]


def test_entity_words_drop_tones_marks_and_case():
    assert entity_words("Lương Tam Quang") == ["luong", "tam", "quang"]
    assert entity_words("Đồng Tâm Long An") == ["dong", "tam", "long", "an"]
    assert entity_words("Bộ Công an (BCA)") == ["bo", "cong", "an", "bca"]
    assert entity_words("  ") == []
    assert json.dumps(entity_words("Hoà Bình")) == json.dumps(entity_words("Hòa Bình"))


def test_the_index_keeps_each_article_reading_and_a_brief_in_a_new_process_comes_out_the_same(seeded, mds_rows,
                                                                                               tmp_path):
    """What the entity index read is kept per article (content hash, reader), and a brief read over
    it, with the process's own readings emptied as in a new process, is the brief read afresh."""
    from newsfuse.brief import make_brief, to_markdown
    from newsfuse.entities import clear_caches, keep_readings
    from newsfuse.timeline import clear_caches as clear_dates

    nf = seeded
    nf.ingest([write_jsonl(tmp_path / "c.jsonl", _clusters(mds_rows, "cluster_13", "cluster_58"))])
    stories = [s for s in nf.stories() if len(s.article_ids) > 1]
    assert stories
    for story in stories:
        articles = nf.story_articles(story.id)
        kept = nf.store.entity_readings(articles)
        assert set(kept) == {a.id for a in articles}
        clear_caches()
        clear_dates()
        fresh = to_markdown(make_brief(story.id, articles, nf.copy_groups([a.id for a in articles])))
        clear_caches()
        assert keep_readings(articles, kept) >= sum(len(a.sentences) for a in articles) // 2
        clear_caches()
        nf.store.db.execute("DELETE FROM briefs")
        assert to_markdown(nf.brief(story.id)) == fresh
        # Read by another reader (the rules alone), the kept readings are not taken.
        clear_caches()
        assert keep_readings(articles, kept, tagger=False) == 0
    # A new text is read again: the reading of the old one is not given for it.
    article = nf.article(stories[0].article_ids[0])
    nf.store.db.execute("UPDATE entity_readings SET content_hash = 'old' WHERE article_seq ="
                        " (SELECT seq FROM articles WHERE id = ?)", (article.id,))
    assert article.id not in nf.store.entity_readings([article])


def test_a_brief_keeps_its_articles_dates_and_the_next_brief_reads_them_the_same(seeded, mds_rows, tmp_path):
    """What a store's brief read of each article's dates is kept (text, rules), and the brief made
    again over it, in a process that holds no date reading, is the brief read afresh."""
    from newsfuse.brief import to_markdown
    from newsfuse.entities import clear_caches
    from newsfuse.timeline import clear_caches as clear_dates, date_rules, keep_date_readings
    from newsfuse import lang

    nf = seeded
    nf.ingest([write_jsonl(tmp_path / "c.jsonl", _clusters(mds_rows, "cluster_13", "cluster_58"))])
    stories = [s for s in nf.stories() if len(s.article_ids) > 1]
    fresh = {}
    for story in stories:
        clear_caches()
        clear_dates()
        fresh[story.id] = to_markdown(nf.brief(story.id))
        articles = nf.story_articles(story.id)
        assert set(nf.store.date_readings(articles)) == {a.id for a in articles}
    for story in stories:
        clear_caches()
        clear_dates()
        articles = nf.story_articles(story.id)
        assert keep_date_readings(articles, nf.store.date_readings(articles)) >= len(articles)
        clear_dates()
        scans = []
        rules = date_rules(lang.get("vi"))
        rules._scan, original = (lambda *a: scans.append(1) or original(*a)), rules._scan
        try:
            assert to_markdown(nf.brief(story.id)) == fresh[story.id]
        finally:
            del rules._scan
        assert not scans  # every text and sentence it read was kept
    # Kept by other rules (another key), they are not taken.
    articles = nf.story_articles(stories[0].id)
    kept = {i: ("vi-dates-other", body) for i, (_, body) in nf.store.date_readings(articles).items()}
    clear_dates()
    assert keep_date_readings(articles, kept) == 0


def test_a_damaged_kept_reading_is_passed_over_and_the_article_read_again(seed_texts):
    """A stored body that does not decode (a torn write, a disk error) is as good as none: the brief
    reads the article again instead of failing, for entities and for dates."""
    from newsfuse import lang
    from newsfuse.entities import article_readings, keep_readings, reader_key, story_entities
    from newsfuse.ingest import build_article
    from newsfuse.timeline import dates_key, keep_date_readings

    arts = [build_article(seed_texts[k], origin=k, id=k) for k in ("000", "004")]
    story_entities(arts)
    good = article_readings(arts)
    assert set(good) == {"000", "004"}
    pack = lang.get("vi")
    bad = {"000": (reader_key(pack, True), b"not zlib"), "004": (reader_key(pack, True), good["004"][1][:-7])}
    assert keep_readings(arts, bad) == 0
    assert keep_date_readings(arts, {"000": (dates_key(pack), b"\x78\x9c garbage")}) == 0
    assert story_entities(arts)[0]  # and the story is read as ever


def test_a_story_of_undated_articles_is_found_by_its_entities_also_in_a_store_indexed_before(tmp_path, mds_rows):
    """Many inputs carry no date (the held-out sets have none). Such a story's entity words were dropped
    when indexed (NULL in a key column that refuses it), so the entity filter never found it; a store
    indexed that way is indexed again when opened."""
    rows = [{k: v for k, v in r.items() if k != "date"} for r in _clusters(mds_rows, "cluster_7")]
    assert rows and all("date" not in r for r in rows)
    with newsfuse.open(tmp_path / "u.db") as nf:
        nf.ingest([write_jsonl(tmp_path / "u.jsonl", rows)])
        (story,) = nf.stories()
        assert story.first_date is None
        names = [e.name for e in nf.entities(story.id) if e.type == "PER"]
        assert names
        for name in names[:3]:
            assert [s.id for s in nf.stories(entity=name)] == [story.id], name
            assert [s.id for s in nf.stories(entity=name, query=name)] == [story.id], name
    # As a store indexed before the fix holds it: the story has no entity words and is not stale.
    db = sqlite3.connect(tmp_path / "u.db")
    db.executescript("DELETE FROM entity_words; DELETE FROM entities_stale;")
    db.execute("PRAGMA user_version = 17")  # the schema before migration 18, which marks such stories
    db.commit()
    db.close()
    with newsfuse.open(tmp_path / "u.db") as nf:
        assert [s.id for s in nf.stories(entity=names[0])] == [story.id]


def test_a_place_is_found_under_each_of_its_spellings_also_in_a_store_indexed_before(mds_rows, tmp_path):
    """`--entity TP.HCM` found 34 stories, `"Thành phố Hồ Chí Minh"` 3: the index kept each
    spelling apart. A name is also found by its expansion (the pack's abbreviations: `TP.HCM`,
    `TP. Hồ Chí Minh` and `Thành phố Hồ Chí Minh` share it); a store indexed before is indexed again."""
    def names(nf, story):
        return {n for e in nf.store.story_entities(story.id) for n in [e["name"], *e["aliases"]]}

    spellings = ("TP.HCM", "Thành phố Hồ Chí Minh", "TP. Hồ Chí Minh", "thanh pho ho chi minh")
    with newsfuse.open(tmp_path / "p.db") as nf:
        nf.ingest([write_jsonl(tmp_path / "c.jsonl", _clusters(mds_rows, "cluster_67", "cluster_75", "cluster_109",
                                                               "cluster_146", "cluster_13"))])
        stories = nf.stories(limit=50)
        long = {s.id for s in stories if "Thành phố Hồ Chí Minh" in names(nf, s)}
        short = {s.id for s in stories if "TP.HCM" in names(nf, s) and "Thành phố Hồ Chí Minh" not in names(nf, s)}
        assert long and short, [sorted(names(nf, s)) for s in stories]
        for asked in spellings:
            found = {s.id for s in nf.stories(entity=asked)}
            assert long | short <= found, asked
            assert nf.count_stories(entity=asked) == len(found)
            assert found == {s.id for s in nf.stories(entity=asked, since="2013")}, asked  # the filtered path too
    # As a store indexed before: each name under its own words only, nothing stale.
    db = sqlite3.connect(tmp_path / "p.db")
    db.executescript("DELETE FROM entity_words WHERE words = 'thanh pho ho chi minh'; DELETE FROM entities_stale;")
    db.execute("PRAGMA user_version = 18")  # the schema before migration 19
    db.commit()
    db.close()
    with newsfuse.open(tmp_path / "p.db") as nf:
        assert short <= {s.id for s in nf.stories(entity="Thành phố Hồ Chí Minh")}
