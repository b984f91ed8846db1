"""The SQLite store: the single source of truth that later stages read from and write to.

One file, WAL journal, foreign keys on, a schema version with forward migrations. Sentences are
stored as offsets into their article's text (the text is stored once). Full-text search runs on
FTS5 over the *matching key* of each text (`text.fold`), so `hoà` finds `hòa`.
"""

from __future__ import annotations

import json
import sqlite3
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .model import Article, ArticleVersion, Caption, Entity, FollowedSource, Publication, Sentence, Story
from .lang import tokens
from .search import RANK_WEIGHTS, RANK_WINDOW
from .text import TOKEN, bare


@dataclass(frozen=True, slots=True)
class RankedMatches:
    """`Store.ranked_matches`: the matches counted, whether more than the window match, and the
    window's (rowid, bm25 rank, story id or None) by rank then rowid (a search's order)."""
    total: int
    more: bool
    rows: list[tuple[int, float, str | None]]


class StoreError(RuntimeError):
    pass


# How long a write waits for another connection's write lock before it gives up (SQLite's busy handler).
BUSY_SECONDS = 30.0


class StoreLocked(StoreError):
    """Another process held the store's write lock for longer than BUSY_SECONDS; this write did
    not begin (nothing of it was stored). CLI exit code 4."""


_FTS_HASH_BYTES = 64 << 20  # migration 22 (15 made it 16 MB)

# A step is SQL, or a function of the store for what SQL cannot compute (the text layer's keys).
MIGRATIONS: list[str | Callable[[Store], object]] = [
    # 1: articles, outlets, sentences, full-text search
    """
    CREATE TABLE sources (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
    CREATE TABLE articles (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        content_hash TEXT NOT NULL UNIQUE,
        source_id INTEGER REFERENCES sources(id),
        title TEXT NOT NULL,
        url TEXT,
        published TEXT,
        author TEXT,
        lead TEXT,
        language TEXT NOT NULL,
        text TEXT NOT NULL,
        origin TEXT NOT NULL,
        captions TEXT NOT NULL,
        extra TEXT NOT NULL,
        added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now'))
    );
    CREATE INDEX articles_published ON articles(published);
    CREATE INDEX articles_source ON articles(source_id);
    CREATE TABLE sentences (
        article_seq INTEGER NOT NULL REFERENCES articles(seq) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        PRIMARY KEY (article_seq, idx)
    ) WITHOUT ROWID;
    CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, content='', tokenize='unicode61 remove_diacritics 0');
    """,
    # 2: stories and copies
    """
    CREATE TABLE stories (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now'))
    );
    CREATE TABLE story_members (
        article_seq INTEGER PRIMARY KEY REFERENCES articles(seq) ON DELETE CASCADE,
        story_id TEXT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
        similarity REAL NOT NULL
    );
    CREATE INDEX story_members_story ON story_members(story_id);
    CREATE TABLE copies (
        article_seq INTEGER PRIMARY KEY REFERENCES articles(seq) ON DELETE CASCADE,
        original_seq INTEGER NOT NULL REFERENCES articles(seq) ON DELETE CASCADE,
        similarity REAL NOT NULL
    );
    CREATE TABLE briefs (
        story_id TEXT PRIMARY KEY REFERENCES stories(id) ON DELETE CASCADE,
        members TEXT NOT NULL,
        body TEXT NOT NULL
    );
    """,
    # 3: outlet aliases, article versions, republications, followed sources (feeds, sitemaps, pages)
    """
    CREATE TABLE outlet_aliases (
        alias_key TEXT PRIMARY KEY,
        alias TEXT NOT NULL,
        outlet TEXT NOT NULL,
        origin TEXT NOT NULL
    );
    ALTER TABLE articles ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE articles ADD COLUMN updated_at TEXT;
    CREATE TABLE article_versions (
        article_seq INTEGER NOT NULL REFERENCES articles(seq) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        published TEXT,
        author TEXT,
        lead TEXT,
        fetched_at TEXT NOT NULL,
        PRIMARY KEY (article_seq, version)
    ) WITHOUT ROWID;
    CREATE TABLE publications (
        id INTEGER PRIMARY KEY,
        article_seq INTEGER NOT NULL REFERENCES articles(seq) ON DELETE CASCADE,
        source_id INTEGER NOT NULL REFERENCES sources(id),
        url TEXT,
        item_id TEXT,
        title TEXT,
        published TEXT,
        seen_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now')),
        UNIQUE (article_seq, source_id)
    );
    CREATE TABLE followed_sources (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        feed_url TEXT,
        kind TEXT,
        outlet TEXT,
        added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now')),
        etag TEXT,
        last_modified TEXT,
        last_fetch TEXT,
        status TEXT NOT NULL DEFAULT 'new',
        error TEXT,
        next_fetch REAL NOT NULL DEFAULT 0,
        failures INTEGER NOT NULL DEFAULT 0,
        articles INTEGER NOT NULL DEFAULT 0,
        errors INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE followed_items (
        source_id INTEGER NOT NULL REFERENCES followed_sources(id) ON DELETE CASCADE,
        item TEXT NOT NULL,
        url TEXT,
        fingerprint TEXT NOT NULL,
        entry TEXT NOT NULL,
        state TEXT NOT NULL,
        article_id TEXT,
        tries INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        seen_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now')),
        PRIMARY KEY (source_id, item)
    ) WITHOUT ROWID;
    CREATE INDEX followed_items_pending ON followed_items(source_id) WHERE state = 'pending';
    """,
    # 4: a copy group's members by their original (a story's publications looked this up by
    # scanning every article: 0.22 s a story on 100k articles, 11 s for one page of the list)
    """
    CREATE INDEX copies_original ON copies(original_seq);
    """,
    # 5: the entity index: each story's resolved entities, the tone-free words of their names, and
    # the stories whose entities must be read again (members or texts changed since)
    """
    CREATE TABLE story_entities (
        id INTEGER PRIMARY KEY,
        story_id TEXT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
        type TEXT NOT NULL,
        name TEXT NOT NULL,
        aliases TEXT NOT NULL,
        outlets TEXT NOT NULL,
        mentions INTEGER NOT NULL
    );
    CREATE INDEX story_entities_story ON story_entities(story_id);
    CREATE TABLE entity_words (
        words TEXT NOT NULL,
        last_date TEXT,
        story_id TEXT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
        PRIMARY KEY (words, last_date, story_id)
    ) WITHOUT ROWID;
    CREATE INDEX entity_words_story ON entity_words(story_id);
    CREATE TABLE entities_stale (story_id TEXT PRIMARY KEY) WITHOUT ROWID;
    INSERT INTO entities_stale(story_id) SELECT id FROM stories;
    """,
    # 6 and 7: the full-text index holds each text twice, as its matching key and tone-free, so that
    # `luong tam quang` finds `Lương Tam Quang` and a query with tone marks ranks exact tones
    # first (search.py); prefixes of 2 and 3 letters are indexed for `Philip*`
    """
    DROP TABLE articles_fts;
    CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, title_bare, text_bare, content='',
        tokenize='unicode61 remove_diacritics 0', prefix='2 3');
    """,
    lambda store: store.rebuild_search_index(),
    # 8: story aliases: the id of a story merged into another (the older one, which keeps its id)
    # -> the survivor, so that links and REST calls with the absorbed id keep working
    """
    CREATE TABLE IF NOT EXISTS story_aliases (
        alias TEXT PRIMARY KEY,
        story_id TEXT NOT NULL,
        merged_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now'))
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS story_aliases_story ON story_aliases(story_id);
    """,
    # 9: the story summary (size, outlets, dates, title of each story, kept by triggers) and an
    # outlet's articles by date: lists, counts and filters read one row a story instead of
    # aggregating every member per request (docs/decisions.md, Web)
    lambda store: store._make_story_summary(),
    # 10: what the entity index read in each article's sentences (`entities.article_readings`), so
    # that a brief or the next index of its story, in any process, reads again only the sentences
    # whose questions the story now answers otherwise; valid for the article's text it was read from
    # (`content_hash`) and the reader that read it (`entities.reader_key`: code, data, model)
    """
    CREATE TABLE IF NOT EXISTS entity_readings (
        article_seq INTEGER PRIMARY KEY REFERENCES articles(seq) ON DELETE CASCADE,
        content_hash TEXT NOT NULL,
        reader TEXT NOT NULL,
        body BLOB NOT NULL
    );
    """,
    # 11: the stories within dates, from an index that holds all a filter by dates and outlet reads
    # (a scan of every summary row took 9-13 ms at 100k)
    # and the articles of every outlet in the lists' order (an unfiltered page sorted all 100k: 90 ms);
    # the (outlet, date) index of the first days of schema 9 gives way to the one migration 9 now
    # makes; and the story epoch (`Store.story_state`)
    lambda store: store._make_lists_indexes(),
    # 12: what a brief read of each article's dates (`timeline.article_date_readings`): a brief made
    # again (its story grew, a new process) reads only the articles it has not read; valid for the
    # text (`content_hash`) and the rules (`timeline.dates_key`) it was read with
    """
    CREATE TABLE IF NOT EXISTS date_readings (
        article_seq INTEGER PRIMARY KEY REFERENCES articles(seq) ON DELETE CASCADE,
        content_hash TEXT NOT NULL,
        reader TEXT NOT NULL,
        body BLOB NOT NULL
    );
    """,
    # 13: the summary's trigger for a member joining as one upsert (3x faster at ingest)
    lambda store: [store.db.execute("DROP TRIGGER IF EXISTS story_summary_join"), store.db.execute(_JOIN_TRIGGER)],
    # 14: the triggers that make a summary row again find the story's earliest member once, not once
    # per member (a new version of an article of a 4,000-member story took 1.7 s)
    lambda store: store._remake_summary_triggers(),
    # 15: the full-text index keeps up to 16 MB of new terms in memory before writing them out as
    # a segment (FTS5's `hashsize`, 1 MB by default, kept in the index's config table): an
    # ingest's 4,096 waiting rows made ~30 small segments each, merged again and again; with it,
    # writing them takes ~0.1 ms less CPU an article (0.54-0.71 -> 0.47-0.55 ms, the same
    # vocabulary; bench/fts_hashsize.py). Memory only while a write is open.
    f"INSERT INTO articles_fts(articles_fts, rank) VALUES ('hashsize', {16 << 20})",
    # 16: the full-text index merged into one segment, once (`Store.merge_search_index`): a store
    # built by a bulk ingest kept its big segments on the levels that the small segments of later
    # writes merge into, and a commit of one POSTed article now and then rewrote most of the index
    # (0.3-3 s and ~400 MB of WAL at 100k; docs/decisions.md, Web). ~20 s once at 100k.
    lambda store: store.merge_search_index(),
    # 17: an item's page is looked at again on its own while the item is recent (an outlet edits a
    # page and leaves its feed item as it was): the validators its page answered with, for a
    # conditional GET, and when it was last fetched (the watcher's clock, Unix time)
    # (safe to run again, as the steps made of CREATE ... IF NOT EXISTS are: ALTER TABLE has no such clause)
    lambda store: store._add_columns("followed_items", {"page_etag": "TEXT", "page_last_modified": "TEXT",
                                                        "checked_at": "REAL"}),
    # 18: a story of undated articles lost its entity words (NULL in a primary key of a WITHOUT ROWID
    # table, dropped by INSERT OR IGNORE): such stories are indexed again
    """
    INSERT OR IGNORE INTO entities_stale(story_id)
        SELECT m.story_id FROM story_members m JOIN articles a ON a.seq = m.article_seq
        GROUP BY m.story_id HAVING max(a.published) IS NULL;
    """,
    # 19: a name is found by its expansion too (`TP.HCM` as `Thành phố Hồ Chí Minh`, `Bộ CA` as `Bộ
    # Công an`: `Store.write_story_entities(found_by=...)`): every story is indexed again (from the
    # readings kept of its articles)
    "INSERT OR IGNORE INTO entities_stale(story_id) SELECT id FROM stories;",
    # 20: the matching key moves a misplaced tone mark (`vơí` = `với`, `text.TonePlacement`): what a
    # store keeps made of the key is made again for the articles whose title or text has one (so a
    # store made before and a fresh ingest agree): content hashes, the full-text index, their
    # stories' briefs and entity words, and the saved story and copy indexes beside the store
    lambda store: store._rekey_misplaced_tones(),
    # 21: an exact republication is found by the id it came with (`Store.republished_as`)
    "CREATE INDEX IF NOT EXISTS publications_item ON publications(item_id);",
    # 22: the full-text index's in-memory hash 64 MB (15 made it 16): a first load of 15k articles
    # made several segments with 16 MB, merged as they came and again by the final `optimize`; with 64 MB
    # the write and its merge took ~50 us of CPU an article less (332 -> 282 on 15k), the same vocabulary
    # (docs/decisions.md, 2026-12-08, ingest step 5). Memory only while a write holds that much pending.
    f"INSERT INTO articles_fts(articles_fts, rank) VALUES ('hashsize', {_FTS_HASH_BYTES})",
]
SCHEMA_VERSION = len(MIGRATIONS)


def _summary_of(story: str) -> str:
    """SELECT of the summary row of the story `story` (an SQL expression) from its members: none
    when it has no members. The title is its earliest article's (undated first, as SQLite orders
    NULL; then by seq)."""
    # The earliest member is found once per story, in the grouped row, and joined after the grouping:
    # joined per member row it was read once per member (quadratic: 0.4 s for a 2,000-member story).
    return (
        "SELECT g.story_id, g.size, g.outlets, g.first_date, g.last_date, g.latest, t.title, t.published, t.seq FROM"
        " (SELECT m.story_id AS story_id, count(*) AS size,"
        " (SELECT json_group_array(name) FROM (SELECT DISTINCT s2.name AS name FROM story_members m2"
        "  JOIN articles a2 ON a2.seq = m2.article_seq JOIN sources s2 ON s2.id = a2.source_id"
        "  WHERE m2.story_id = m.story_id ORDER BY s2.name)) AS outlets,"
        " min(a.published) AS first_date, max(a.published) AS last_date,"
        " max(coalesce(a.published, a.added_at)) AS latest,"
        " (SELECT a3.seq FROM story_members m3 JOIN articles a3 ON a3.seq = m3.article_seq"
        "  WHERE m3.story_id = m.story_id ORDER BY a3.published, a3.seq LIMIT 1) AS title_seq"
        " FROM story_members m JOIN articles a ON a.seq = m.article_seq"
        f" WHERE m.story_id = {story} GROUP BY m.story_id) g JOIN articles t ON t.seq = g.title_seq")


_SUMMARY_COLUMNS = "story_id, size, outlets, first_date, last_date, latest, title, title_date, title_seq"


def _refresh_summary(story: str) -> list[str]:
    """Statements that make the summary row of `story` (an SQL expression) again from its members."""
    return [f"DELETE FROM story_summary WHERE story_id = {story}",
            f"INSERT INTO story_summary({_SUMMARY_COLUMNS}) {_summary_of(story)}"]


# A member joining: one upsert, the new article's values as `excluded` (an insert and then an
# update joined to the article took 3x as long: 90 against 30 us a member of a new story).
_JOIN_TRIGGER = """CREATE TRIGGER IF NOT EXISTS story_summary_join AFTER INSERT ON story_members
    WHEN NOT EXISTS (SELECT 1 FROM story_summary_paused) BEGIN
        INSERT INTO story_summary(story_id, size, outlets, first_date, last_date, latest, title, title_date, title_seq)
        SELECT NEW.story_id, 1, CASE WHEN s.name IS NULL THEN '[]' ELSE json_array(s.name) END, a.published,
               a.published, coalesce(a.published, a.added_at), a.title, a.published, a.seq
        FROM articles a LEFT JOIN sources s ON s.id = a.source_id WHERE a.seq = NEW.article_seq
        ON CONFLICT(story_id) DO UPDATE SET
            size = story_summary.size + 1,
            outlets = CASE WHEN excluded.outlets = '[]' OR EXISTS (SELECT 1 FROM json_each(story_summary.outlets)
                      WHERE value = json_extract(excluded.outlets, '$[0]')) THEN story_summary.outlets
                      ELSE (SELECT json_group_array(value) FROM (SELECT value FROM json_each(story_summary.outlets)
                            UNION SELECT json_extract(excluded.outlets, '$[0]') ORDER BY 1)) END,
            first_date = min(coalesce(story_summary.first_date, excluded.first_date),
                             coalesce(excluded.first_date, story_summary.first_date)),
            last_date = max(coalesce(story_summary.last_date, excluded.last_date),
                            coalesce(excluded.last_date, story_summary.last_date)),
            latest = max(story_summary.latest, excluded.latest),
            -- the title is the earliest member's: undated first (as SQLite orders NULL), then by seq
            (title, title_date, title_seq) = (SELECT
                CASE WHEN f THEN excluded.title ELSE story_summary.title END,
                CASE WHEN f THEN excluded.title_date ELSE story_summary.title_date END,
                CASE WHEN f THEN excluded.title_seq ELSE story_summary.title_seq END
                FROM (SELECT (excluded.title_date IS NULL AND (story_summary.title_date IS NOT NULL
                                                               OR excluded.title_seq < story_summary.title_seq))
                          OR (excluded.title_date IS NOT NULL AND story_summary.title_date IS NOT NULL
                              AND (excluded.title_date < story_summary.title_date
                                   OR (excluded.title_date = story_summary.title_date
                                       AND excluded.title_seq < story_summary.title_seq))) AS f));
    END"""

# An article joining a story updates its row in place (a few comparisons: ingest adds members one
# by one, and a story of 5,000 members must not be read again 5,000 times); leaving, moving, or a
# change of date, title or outlet makes the row again from the members. `story_summary_paused`
# holds a row while a bulk change (recluster, merges) turns the triggers off inside its
# transaction and makes the rows it touched at the end; no other connection ever sees it.
_SUMMARY_TRIGGERS = [
    _JOIN_TRIGGER,
    f"""CREATE TRIGGER IF NOT EXISTS story_summary_leave AFTER DELETE ON story_members
    WHEN NOT EXISTS (SELECT 1 FROM story_summary_paused) BEGIN
        {'; '.join(_refresh_summary('OLD.story_id'))};
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS story_summary_move AFTER UPDATE OF story_id ON story_members
    WHEN OLD.story_id IS NOT NEW.story_id AND NOT EXISTS (SELECT 1 FROM story_summary_paused) BEGIN
        {'; '.join(_refresh_summary('OLD.story_id') + _refresh_summary('NEW.story_id'))};
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS story_summary_article AFTER UPDATE OF published, title, source_id, added_at
    ON articles WHEN NOT EXISTS (SELECT 1 FROM story_summary_paused)
        AND EXISTS (SELECT 1 FROM story_members WHERE article_seq = NEW.seq) BEGIN
        {'; '.join(_refresh_summary('(SELECT story_id FROM story_members WHERE article_seq = NEW.seq)'))};
    END""",
]

Status = Literal["added", "updated", "present", "rejected"]


@dataclass(slots=True)
class StoreResult:
    article_id: str
    origin: str
    status: Status
    detail: str = ""  # "present": the stored id; "updated": which version; "rejected": why


def _captions_json(a: Article) -> str:
    return json.dumps([[c.start, c.end, c.credit] for c in a.captions], ensure_ascii=False)


def fts_key(text: str) -> str:
    """What the full-text index holds for a text: its matching-key tokens, space-separated."""
    return " ".join(tokens(text))


_FTS_PENDING_ROWS = 4096  # full-text rows kept waiting at most (`Store.add_new_articles`) ...
_FTS_PENDING_CHARS = 32_000_000  # ... and characters of text in them (memory stays bounded for long texts)
_FTS_INSERT = "INSERT INTO articles_fts(rowid, title, text, title_bare, text_bare) VALUES (?,?,?,?,?)"


def fts_keys(title: str, text_key: str) -> tuple[str, str, str, str]:
    """What the full-text index holds of an article: the matching keys of its title and of its text
    (`text_key`, `fts_key(text)`), and both without tone marks."""
    title_key = fts_key(title)
    return title_key, text_key, bare(title_key), bare(text_key)


def _fts_row(seq: int, title_key: str, text_key: str) -> tuple[int, str, str, str, str]:
    """A row of the full-text index from the matching keys of an article's title and text."""
    return seq, title_key, text_key, bare(title_key), bare(text_key)


class Store:
    """A newsfuse database file. Safe for one writer and many readers (WAL)."""

    def __init__(self, path: str | Path, *, readonly: bool = False):
        self.path = Path(path)
        self._fts_pending: list[tuple[int, str, str, str, str]] = []  # see `add_new_articles`
        self._fts_pending_chars = 0
        if not readonly:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        elif not self.path.exists():
            raise StoreError(f"{self.path}: no such database")
        try:
            uri = f"file:{self.path}?mode=ro" if readonly else str(self.path)
            self.db = sqlite3.connect(uri, uri=readonly, isolation_level=None, check_same_thread=False,
                                      timeout=BUSY_SECONDS)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}")
            if not readonly:
                self._wal()
                self.db.execute("PRAGMA synchronous = NORMAL")
                self._migrate()
        except sqlite3.OperationalError as e:
            if "locked" not in str(e):
                raise StoreError(f"{self.path}: not a newsfuse database ({e})") from None
            raise StoreError(f"{self.path}: locked by another process for too long; try again") from None
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path}: not a newsfuse database ({e})") from None

    def _wal(self) -> None:
        """Switch to write-ahead logging. SQLite answers `locked` at once, without waiting, when
        another process is making the same new file at the same moment: wait and ask again."""
        for attempt in range(100):
            try:
                self.db.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) or attempt == 99:
                    raise
                time.sleep(0.02 * (1 + attempt % 10))

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ schema

    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self) -> None:
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise StoreError(f"{self.path}: made by a newer newsfuse (schema {current} > {SCHEMA_VERSION})")
        migrated = False
        while current < SCHEMA_VERSION:
            with self.transaction():
                # Read again under the write lock: another process opening the same new store may
                # have made this step while this one waited (`ingest --follow` and a reader at once).
                current = self.schema_version()
                if current >= SCHEMA_VERSION:
                    break
                step = MIGRATIONS[current]
                if callable(step):
                    step(self)
                else:
                    for stmt in step.split(";"):
                        if stmt.strip():
                            self.db.execute(stmt)
                self.db.execute(f"PRAGMA user_version = {current + 1}")
            current += 1
            migrated = True
        if migrated:
            self._checkpoint()  # (a step may have written much: 16 the whole full-text index)

    def _add_columns(self, table: str, columns: dict[str, str]) -> None:
        """Migration 17: the columns the table does not have yet."""
        have = {r[1] for r in self.db.execute(f"PRAGMA table_info({table})")}
        for name, kind in columns.items():
            if name not in have:
                self.db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")

    def _rekey_misplaced_tones(self) -> int:
        """Migration 20 (safe to run again): the content hash of every article and earlier version
        whose text has a misplaced tone mark made again; when any title or text has one, the
        full-text index made again (contentless: a row is deleted by what it was indexed with,
        which today's key no longer gives) and merged, as migration 16 left it; the briefs and
        entity words of their stories made again; and the saved indexes beside the store (words
        and signatures of the old key) dropped, to be rebuilt from the store. Two texts that now
        have one hash keep theirs apart (the later keeps its old one: a migration deletes no
        article; a fresh ingest would have taken it for the same text). Returns how many articles
        had one."""
        from .text import tone_placement

        def content_hash(text: str) -> str:  # (ingest and its libraries only for a store that needs them)
            from .ingest import content_hash

            return content_hash(text)

        db, moves = self.db, tone_placement().moves
        seqs: list[int] = []
        last = 0
        while rows := db.execute("SELECT seq, title, text FROM articles WHERE seq > ? ORDER BY seq LIMIT 1000",
                                 (last,)).fetchall():
            for seq, title, text in rows:
                if moves(text.lower()):
                    db.execute("UPDATE OR IGNORE articles SET content_hash = ? WHERE seq = ?", (content_hash(text), seq))
                    seqs.append(seq)
                elif moves(title.lower()):
                    seqs.append(seq)
            last = rows[-1][0]
        for seq, version, text in db.execute("SELECT article_seq, version, text FROM article_versions").fetchall():
            if moves(text.lower()):
                db.execute("UPDATE article_versions SET content_hash = ? WHERE article_seq = ? AND version = ?",
                           (content_hash(text), seq, version))
        if not seqs:
            return 0
        from . import indexstate
        self.rebuild_search_index()
        self.merge_search_index()
        for k in range(0, len(seqs), 500):
            page = seqs[k:k + 500]
            stories = f"SELECT story_id FROM story_members WHERE article_seq IN ({','.join('?' * len(page))})"
            db.execute(f"DELETE FROM briefs WHERE story_id IN ({stories})", page)
            db.execute(f"INSERT OR IGNORE INTO entities_stale(story_id) {stories}", page)
        if self.path.is_file():
            indexstate.state_path(self.path).unlink(missing_ok=True)
        return len(seqs)

    def _make_story_summary(self) -> None:
        """Migration 9 (also safe to run again: every statement is made to be): the summary table,
        its triggers, the outlet-and-date index, and every story's row made from its members."""
        db = self.db
        db.execute("CREATE TABLE IF NOT EXISTS story_summary ("
                   " story_id TEXT PRIMARY KEY REFERENCES stories(id) ON DELETE CASCADE,"
                   " size INTEGER NOT NULL,"
                   " outlets TEXT NOT NULL,"  # JSON array of names, sorted: a name may hold any separator
                   " first_date TEXT, last_date TEXT,"  # of the dated members
                   " latest TEXT NOT NULL,"  # what is new comes first: an undated article counts from when it was stored
                   " title TEXT, title_date TEXT, title_seq INTEGER"  # the earliest article's title, and its place
                   ") WITHOUT ROWID")
        db.execute("CREATE INDEX IF NOT EXISTS story_summary_latest ON story_summary(latest DESC, story_id)")
        db.execute("CREATE TABLE IF NOT EXISTS story_summary_paused (reason TEXT)")
        # An outlet's articles in the order of the article lists (newest first, undated ones by when
        # they were stored): a page of `/api/articles?outlet=` is a walk down it, the outlet's month
        # one range of it; it also does all that the index of the outlet alone did.
        db.execute("CREATE INDEX IF NOT EXISTS articles_source_latest ON articles(source_id,"
                   " coalesce(published, added_at), seq)")
        db.execute("DROP INDEX IF EXISTS articles_source")
        for trigger in _SUMMARY_TRIGGERS:
            db.execute(trigger)
        self.rebuild_story_summary()

    def _make_lists_indexes(self) -> None:
        """Migration 10 (safe to run again)."""
        for stmt in [
            "CREATE INDEX IF NOT EXISTS story_summary_dates ON story_summary(first_date, last_date, latest, outlets)",
            "CREATE INDEX IF NOT EXISTS articles_latest ON articles(coalesce(published, added_at), seq)",
            "CREATE INDEX IF NOT EXISTS articles_source_latest ON articles(source_id, coalesce(published, added_at), seq)",
            "DROP INDEX IF EXISTS articles_source_published",
            # A count that moves whenever a set of stories found by their articles may lose or
            # change a member: an article leaving or moving story, or getting a new text, title or
            # outlet. While it stands still, such a set only grows by the stories of new articles
            # (`Newsfuse._story_set`).
            "CREATE TABLE IF NOT EXISTS story_epoch (n INTEGER NOT NULL)",
            "INSERT INTO story_epoch(n) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM story_epoch)",
            "CREATE TRIGGER IF NOT EXISTS story_epoch_move AFTER UPDATE OF story_id ON story_members"
            " BEGIN UPDATE story_epoch SET n = n + 1; END",
            "CREATE TRIGGER IF NOT EXISTS story_epoch_leave AFTER DELETE ON story_members"
            " BEGIN UPDATE story_epoch SET n = n + 1; END",
            "CREATE TRIGGER IF NOT EXISTS story_epoch_article AFTER UPDATE OF content_hash, title, text, source_id"
            " ON articles BEGIN UPDATE story_epoch SET n = n + 1; END",
        ]:
            self.db.execute(stmt)

    def story_state(self, upto: int | None = None) -> tuple[int, int, int]:
        """(story epoch, newest article's seq, members of the articles up to `upto` (that seq when
        None)): a set of stories found by their articles at one state is still right at another
        with the same epoch and the same count of members up to its seq, once the stories of
        the articles after its seq are added. (A member added later to an older article moves the
        count.) Read inside one snapshot."""
        epoch = self.db.execute("SELECT coalesce(max(n), 0) FROM story_epoch").fetchone()[0]
        last = self.last_seq()
        bound = last if upto is None else upto
        members = self.db.execute("SELECT count(*) FROM story_members WHERE article_seq <= ?", (bound,)).fetchone()[0]
        return epoch, last, members

    def _remake_summary_triggers(self) -> None:
        """Migration 14 (safe to run again): the triggers that make a row again, with today's query."""
        for name in ("story_summary_leave", "story_summary_move", "story_summary_article"):
            self.db.execute(f"DROP TRIGGER IF EXISTS {name}")
        for trigger in _SUMMARY_TRIGGERS[1:]:
            self.db.execute(trigger)

    def rebuild_story_summary(self) -> int:
        """Make every story's summary row again from its members (the migration; a repair)."""
        with self.transaction() as db:
            db.execute("DELETE FROM story_summary")
            db.execute(f"INSERT INTO story_summary({_SUMMARY_COLUMNS}) {_summary_of('m.story_id')}")
            return db.execute("SELECT count(*) FROM story_summary").fetchone()[0]

    @contextmanager
    def _summary_paused(self) -> Iterator[None]:
        """Inside the caller's transaction: the summary triggers do nothing (a bulk change then
        makes the rows it touched itself)."""
        assert self.db.in_transaction
        self.db.execute("INSERT INTO story_summary_paused(reason) VALUES ('bulk')")
        try:
            yield
        finally:
            self.db.execute("DELETE FROM story_summary_paused")

    def _refresh_summaries(self, story_ids: Iterable[str]) -> None:
        for story_id in story_ids:
            for stmt in _refresh_summary("?"):
                self.db.execute(stmt, (story_id,))

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: every query inside sees the store as of the first one, whatever
        other connections commit meanwhile (WAL; it never blocks a writer)."""
        if self.db.in_transaction:
            yield self.db
            return
        self.db.execute("BEGIN")
        try:
            yield self.db
        finally:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")  # nothing was written: ending the read is all it does

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing: an exception (or a killed process) leaves the store as it was."""
        if self.db.in_transaction:
            yield self.db
            return
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) and "busy" not in str(e):
                raise
            raise StoreLocked(f"{self.path}: the store is locked by another process (tried for "
                              f"{BUSY_SECONDS:g} s)") from None
        try:
            yield self.db
            self._write_search_rows()
        except BaseException:
            self._fts_pending, self._fts_pending_chars = [], 0
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    @contextmanager
    def page_cache(self, kib: int) -> Iterator[None]:
        """A page cache of `kib` KiB for a bulk write (SQLite's 2 MB default spills a big ingest's
        transaction to the WAL and reads it back), the connection's own size again after."""
        before = self.db.execute("PRAGMA cache_size").fetchone()[0]
        self.db.execute(f"PRAGMA cache_size = {-int(kib)}")
        try:
            yield
        finally:
            self.db.execute(f"PRAGMA cache_size = {int(before)}")

    # ------------------------------------------------------------ articles

    def _source_id(self, name: str | None) -> int | None:
        if not name:
            return None
        row = self.db.execute("SELECT id FROM sources WHERE name = ?", (name,)).fetchone()
        if row:
            return row[0]
        return self.db.execute("INSERT INTO sources(name) VALUES (?)", (name,)).lastrowid

    def add_articles(self, articles: Iterable[Article]) -> list[StoreResult]:
        """Store a batch in one transaction (see `add_article`)."""
        with self.transaction():
            return [self.add_article(a) for a in articles]

    def add_article(self, a: Article) -> StoreResult:
        """Store one article. Same content again is `present`; the same text under another id is
        `present` as the stored id; an id already stored with new text or a new title is `updated`
        (a new version; every earlier version is kept). Call inside `transaction()` for batches."""
        with self.transaction() as db:
            same_id = db.execute("SELECT seq, content_hash, title FROM articles WHERE id = ?", (a.id,)).fetchone()
            if same_id is not None:
                return self._new_version(same_id, a)
            same_text = db.execute("SELECT id FROM articles WHERE content_hash = ?", (a.content_hash,)).fetchone()
            if same_text is not None:
                return StoreResult(a.id, a.origin, "present", same_text[0])
            seq = db.execute(
                "INSERT INTO articles(id, content_hash, source_id, title, url, published, author, lead, language,"
                " text, origin, captions, extra) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (a.id, a.content_hash, self._source_id(a.source), a.title, a.url, a.published, a.author, a.lead,
                 a.language, a.text, a.origin, _captions_json(a), json.dumps(a.extra, ensure_ascii=False, default=str)),
            ).lastrowid
            self._index_text(seq, a)
            return StoreResult(a.id, a.origin, "added")

    def known(self, ids: Sequence[str], hashes: Sequence[str]) -> tuple[set[str], set[str]]:
        """Which of `ids` the store has as article ids, and which of `hashes` as content hashes."""
        found_ids: set[str] = set()
        found_hashes: set[str] = set()
        for k in range(0, max(len(ids), len(hashes)), 500):
            page = list(ids[k:k + 500])
            if page:
                found_ids.update(r[0] for r in self.db.execute(
                    f"SELECT id FROM articles WHERE id IN ({','.join('?' * len(page))})", page))
            page = list(hashes[k:k + 500])
            if page:
                found_hashes.update(r[0] for r in self.db.execute(
                    f"SELECT content_hash FROM articles WHERE content_hash IN ({','.join('?' * len(page))})", page))
        return found_ids, found_hashes

    def add_new_articles(self, articles: Sequence[Article], fts: Sequence[tuple[str, str, str, str]],
                         sentences: Sequence[Sequence[tuple[int, int]]]) -> list[int]:
        """Store articles that are new (no stored article has their id or their text: see `known`)
        with one statement per table, inside the caller's transaction; returns their seqs.
        `fts` are what the full-text index holds of title and text (`fts_keys`: made where the
        article was parsed), `sentences` the sentence spans."""
        if not articles:
            return []
        db = self.db
        assert db.in_transaction, "add_new_articles writes inside the caller's transaction"
        first = db.execute("SELECT coalesce(max(seq), 0) + 1 FROM articles").fetchone()[0]
        seqs = list(range(first, first + len(articles)))
        source_ids: dict[str | None, int | None] = {}
        for a in articles:
            if a.source not in source_ids:
                source_ids[a.source] = self._source_id(a.source)
        db.executemany(
            "INSERT INTO articles(seq, id, content_hash, source_id, title, url, published, author, lead, language,"
            " text, origin, captions, extra) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [(seq, a.id, a.content_hash, source_ids[a.source], a.title, a.url, a.published, a.author, a.lead,
              a.language, a.text, a.origin, _captions_json(a), json.dumps(a.extra, ensure_ascii=False, default=str))
             for seq, a in zip(seqs, articles)])
        db.executemany('INSERT INTO sentences(article_seq, idx, start, "end") VALUES (?,?,?,?)',
                       [(seq, i, start, end) for seq, spans in zip(seqs, sentences)
                        for i, (start, end) in enumerate(spans)])
        # The full-text rows wait and go in thousands at a time (at the latest when the transaction
        # commits): FTS5 writes what an insert left pending out as a new segment when the next
        # statement starts, and merges segments as they pile up, so a chunk cut short by a known
        # article (a republication) made a small segment each; on 15k articles this was a fifth of
        # the main process's CPU (bench/results/ingest_compare.txt).
        pending = self._fts_pending
        for seq, keys in zip(seqs, fts):
            pending.append((seq, *keys))
            self._fts_pending_chars += len(keys[1]) + len(keys[3])
        if len(pending) >= _FTS_PENDING_ROWS or self._fts_pending_chars >= _FTS_PENDING_CHARS:
            self._write_search_rows()
        return seqs

    def merge_search_index(self) -> None:
        """Merge the full-text index into one segment (FTS5's `optimize`), in its own transaction
        unless inside one. FTS5 merges a level's segments into the next level's when they pile
        up (16 of them at once, as small writes go), whatever their size: the segments a bulk write
        leaves on the low levels were rewritten by the merges of later small writes' segments, in
        one commit of theirs. Merged, the index is one segment on a level above every merge of
        later writes until there are thousands of them. Searches find the same rows with the same
        ranks (bm25's counts do not depend on segments)."""
        alone = not self.db.in_transaction
        with self.transaction():
            self.db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('optimize')")
        if alone:
            self._checkpoint()

    def _checkpoint(self) -> None:
        """Copy what the WAL holds into the store now, waiting for no reader: after a write of
        the whole index (~700 MB at 100k), else the next small commit's automatic checkpoint
        copies it (seconds for one POST)."""
        self.db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def _write_search_rows(self) -> None:
        """Write the full-text rows `add_new_articles` keeps waiting (before anything that reads or
        deletes full-text rows, and before a commit)."""
        if self._fts_pending:
            rows, self._fts_pending, self._fts_pending_chars = self._fts_pending, [], 0
            self.db.executemany(_FTS_INSERT, rows)

    def add_story_members(self, members: Sequence[tuple[int, str, float]]) -> None:
        """(article seq, story id, similarity) of articles just stored (`add_new_articles`), which
        had no story before."""
        if members:
            self.db.executemany("INSERT OR IGNORE INTO stories(id) VALUES (?)", [(m[1],) for m in members])
            self.db.executemany("INSERT INTO story_members(article_seq, story_id, similarity) VALUES (?,?,?)", members)
            self.db.executemany("INSERT OR IGNORE INTO entities_stale(story_id) VALUES (?)", [(m[1],) for m in members])

    def add_copies(self, copies: Sequence[tuple[int, int | str, float]]) -> None:
        """(copy's seq, original's seq, similarity) of articles just stored; an original given by
        its id instead (a str) is looked up by it. (In an ingest, most of this statement's time is
        the full-text index writing out what the chunk's articles added: FTS5 does it when the next
        statement starts.)"""
        by_seq = [(seq, original, sim) for seq, original, sim in copies if isinstance(original, int)]
        by_id = [(seq, sim, original) for seq, original, sim in copies if not isinstance(original, int)]
        if by_seq:
            self.db.executemany("INSERT OR REPLACE INTO copies(article_seq, original_seq, similarity) VALUES (?,?,?)",
                                by_seq)
        if by_id:
            self.db.executemany("INSERT OR REPLACE INTO copies(article_seq, original_seq, similarity)"
                                " SELECT ?, seq, ? FROM articles WHERE id = ?", by_id)

    def _index_text(self, seq: int, a: Article) -> None:
        self.db.executemany(
            'INSERT INTO sentences(article_seq, idx, start, "end") VALUES (?,?,?,?)',
            [(seq, s.index, s.start, s.end) for s in a.sentences],
        )
        self.db.execute(_FTS_INSERT, _fts_row(seq, fts_key(a.title), fts_key(a.text)))

    def _unindex_text(self, seq: int, title: str, text: str) -> None:
        self._write_search_rows()  # the row to delete may be one still waiting
        # The full-text index is contentless: a row is removed by giving back what was indexed.
        self.db.execute("INSERT INTO articles_fts(articles_fts, rowid, title, text, title_bare, text_bare)"
                        " VALUES ('delete', ?, ?, ?, ?, ?)", _fts_row(seq, fts_key(title), fts_key(text)))

    def rebuild_search_index(self, progress: Callable[[int], None] | None = None) -> int:
        """Index every stored text again (after a change of what the index holds)."""
        with self.transaction() as db:
            self._write_search_rows()
            if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'story_epoch'").fetchone():  # (migration 7 runs first)
                db.execute("UPDATE story_epoch SET n = n + 1")  # the stories kept per query are read again
            # (FTS5's own command: a contentless table refuses DELETE once it holds rows)
            db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('delete-all')")
            db.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('rank', ?)",
                       (f"bm25({', '.join(map(str, RANK_WEIGHTS))})",))
            n, last = 0, 0
            while rows := db.execute("SELECT seq, title, text FROM articles WHERE seq > ? ORDER BY seq LIMIT 1000",
                                     (last,)).fetchall():
                db.executemany(_FTS_INSERT, [_fts_row(r[0], fts_key(r[1]), fts_key(r[2])) for r in rows])
                n, last = n + len(rows), rows[-1][0]
                if progress is not None:
                    progress(len(rows))
        return n

    def _new_version(self, stored: sqlite3.Row, a: Article) -> StoreResult:
        """`a` has the id of a stored article: the same text and title again is `present`, an
        earlier version again too; anything else becomes the article's next version."""
        seq = stored["seq"]
        if stored["content_hash"] == a.content_hash and stored["title"] == a.title:
            return StoreResult(a.id, a.origin, "present", a.id)
        if self.db.execute("SELECT 1 FROM article_versions WHERE article_seq = ? AND content_hash = ? AND title = ?",
                           (seq, a.content_hash, a.title)).fetchone():
            return StoreResult(a.id, a.origin, "present", a.id)
        other = self.db.execute("SELECT id FROM articles WHERE content_hash = ? AND seq != ?",
                                (a.content_hash, seq)).fetchone()
        if other is not None:
            return StoreResult(a.id, a.origin, "rejected",
                               f"the new text of id {a.id!r} is the text of article {other[0]!r}")
        old = self.db.execute("SELECT * FROM articles WHERE seq = ?", (seq,)).fetchone()
        self.db.execute(
            "INSERT INTO article_versions(article_seq, version, content_hash, title, text, published, author, lead,"
            " fetched_at) VALUES (?,?,?,?,?,?,?,?,?)",
            (seq, old["version"], old["content_hash"], old["title"], old["text"], old["published"], old["author"],
             old["lead"], old["updated_at"] or old["added_at"]))
        self._unindex_text(seq, old["title"], old["text"])
        self.db.execute("DELETE FROM sentences WHERE article_seq = ?", (seq,))
        self.db.execute(
            "UPDATE articles SET content_hash = ?, title = ?, url = coalesce(?, url), published = coalesce(?, published),"
            " author = coalesce(?, author), lead = coalesce(?, lead), language = ?, text = ?, captions = ?,"
            " version = version + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%S', 'now') WHERE seq = ?",
            (a.content_hash, a.title, a.url, a.published, a.author, a.lead, a.language, a.text, _captions_json(a),
             seq))
        self._index_text(seq, a)
        self.db.execute("DELETE FROM briefs WHERE story_id IN (SELECT story_id FROM story_members WHERE article_seq = ?)",
                        (seq,))
        self.db.execute("INSERT OR IGNORE INTO entities_stale(story_id) SELECT story_id FROM story_members"
                        " WHERE article_seq = ?", (seq,))
        return StoreResult(a.id, a.origin, "updated", f"version {old['version'] + 1}")

    def delete_article(self, article_id: str) -> str | None:
        """Remove an article and everything of it (sentences, index rows, versions, republications,
        its place in a story and as a copy; copies of it become originals); its story's brief is made
        again, and a story left empty goes. Returns the story it was in. KeyError if there is none."""
        with self.transaction() as db:
            row = db.execute("SELECT seq, title, text FROM articles WHERE id = ?", (article_id,)).fetchone()
            if row is None:
                raise KeyError(article_id)
            story = self.story_of(article_id)
            self._unindex_text(row["seq"], row["title"], row["text"])
            db.execute("DELETE FROM articles WHERE seq = ?", (row["seq"],))
            if story is not None:
                db.execute("DELETE FROM briefs WHERE story_id = ?", (story,))
                db.execute("INSERT OR IGNORE INTO entities_stale(story_id) VALUES (?)", (story,))
                db.execute("DELETE FROM stories WHERE id = ? AND NOT EXISTS (SELECT 1 FROM story_members"
                           " WHERE story_id = ?)", (story, story))
            return story

    def replace_stories(self, assignments: Iterable[tuple[str, str, float]]) -> None:
        """Forget every story (and cached brief) and store these (article id, story id, similarity)."""
        with self.transaction() as db:
            db.execute("DELETE FROM briefs")
            rows = list(assignments)
            with self._summary_paused():  # every row is made again below, once
                db.execute("DELETE FROM story_members")
                db.execute("DELETE FROM stories")
                db.executemany("INSERT OR IGNORE INTO stories(id) VALUES (?)", [(s,) for _, s, _ in rows])
                db.executemany("INSERT INTO story_members(article_seq, story_id, similarity)"
                               " SELECT seq, ?, ? FROM articles WHERE id = ?", [(s, sim, a) for a, s, sim in rows])
            self.rebuild_story_summary()
            db.execute("DELETE FROM entities_stale")
            db.execute("INSERT INTO entities_stale(story_id) SELECT id FROM stories")
            # An id made again (a story's id is its first article's) names that story, no alias.
            db.execute("DELETE FROM story_aliases WHERE alias IN (SELECT id FROM stories)")

    def versions(self, article_id: str) -> list[ArticleVersion]:
        """Every version of an article, oldest first; the last is what the article says now."""
        row = self.db.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            return []
        out = [ArticleVersion(article_id, r["version"], r["fetched_at"], r["title"], r["text"], r["content_hash"],
                              r["published"])
               for r in self.db.execute("SELECT * FROM article_versions WHERE article_seq = ? ORDER BY version",
                                        (row["seq"],))]
        out.append(ArticleVersion(article_id, row["version"], row["updated_at"] or row["added_at"], row["title"],
                                  row["text"], row["content_hash"], row["published"]))
        return out

    # ------------------------------------------------------------ republications

    def add_publication(self, stored_id: str, a: Article) -> bool:
        """Record that another outlet published the stored article's text as `a`; False when `a`
        is the stored article's own outlet (the same report again) or was already recorded."""
        row = self.db.execute("SELECT seq, source_id FROM articles WHERE id = ?", (stored_id,)).fetchone()
        source = self._source_id(a.source)
        if row is None or source is None or source == row["source_id"]:
            return False
        with self.transaction() as db:
            cur = db.execute("INSERT OR IGNORE INTO publications(article_seq, source_id, url, item_id, title, published)"
                             " VALUES (?,?,?,?,?,?)", (row["seq"], source, a.url, a.id, a.title, a.published))
            return cur.rowcount > 0

    def publications(self, article_ids: Sequence[str]) -> list[Publication]:
        """Each article's own publication, the exact republications of its text by other outlets,
        and its near copies (stored as articles of their own), for every article in `article_ids`
        and the copy groups they belong to."""
        if not article_ids:
            return []
        marks = ",".join("?" * len(article_ids))
        # The originals of the groups: an article that copies another stands for its original.
        seqs = [r[0] for r in self.db.execute(
            f"SELECT coalesce(k.original_seq, a.seq) FROM articles a LEFT JOIN copies k ON k.article_seq = a.seq"
            f" WHERE a.id IN ({marks})", list(article_ids))]
        if not seqs:
            return []
        group = ",".join("?" * len(seqs))
        out: list[Publication] = []
        rows = self.db.execute(
            "SELECT a.id, s.name, a.published, a.url, a.added_at, coalesce(k.similarity, 1.0) AS sim,"
            " CASE WHEN k.article_seq IS NULL THEN 'original' ELSE 'near' END AS kind, o.id AS of_id"
            " FROM articles a LEFT JOIN sources s ON s.id = a.source_id LEFT JOIN copies k ON k.article_seq = a.seq"
            " LEFT JOIN articles o ON o.seq = coalesce(k.original_seq, a.seq)"
            f" WHERE a.seq IN ({group}) OR a.seq IN (SELECT article_seq FROM copies WHERE original_seq IN ({group}))",
            seqs + seqs)
        for r in rows:
            out.append(Publication(r[7], r[1], r[2], r[3], r[6], r[0], r[4], r[5]))
        rows = self.db.execute(
            "SELECT a.id, s.name, p.published, p.url, p.seen_at, p.item_id, o.id FROM publications p"
            " JOIN articles a ON a.seq = p.article_seq JOIN sources s ON s.id = p.source_id"
            " LEFT JOIN copies k ON k.article_seq = a.seq LEFT JOIN articles o ON o.seq = coalesce(k.original_seq, a.seq)"
            f" WHERE a.seq IN ({group}) OR a.seq IN (SELECT article_seq FROM copies WHERE original_seq IN ({group}))",
            seqs + seqs)
        for r in rows:
            out.append(Publication(r[6], r[1], r[2], r[3], "exact", r[0], r[4], 1.0, r[5]))
        return out

    def republishers(self, members: dict[str, Sequence[str]]) -> dict[str, set[str]]:
        """The outlets that republished, word for word, the text of any of a story's articles or of
        its copy group's original (the exact publications of `publications`, without reading the
        near copies: a story list needs only these), for many stories at once (story id -> its
        article ids): two queries a page of articles, not two a story."""
        ids = [a for article_ids in members.values() for a in article_ids]
        group_of: dict[str, int] = {}  # article id -> the original of its copy group
        for k in range(0, len(ids), 500):
            page = ids[k:k + 500]
            group_of.update(self.db.execute(
                "SELECT a.id, coalesce(k.original_seq, a.seq) FROM articles a LEFT JOIN copies k"
                f" ON k.article_seq = a.seq WHERE a.id IN ({','.join('?' * len(page))})", page).fetchall())
        groups = sorted(set(group_of.values()))
        by_group: dict[int, set[str]] = {}
        for k in range(0, len(groups), 400):
            page = groups[k:k + 400]
            marks = ",".join("?" * len(page))
            # A republication of an original, or of a copy of one, belongs to the original's group.
            # Two parts, not `IN (...) OR IN (SELECT ...)`: SQLite read every copy of the page's
            # originals for that (12k for 20 stories at 100k, 14 ms with no publication stored).
            for group, name in self.db.execute(
                    "SELECT p.article_seq, s.name FROM publications p JOIN sources s ON s.id = p.source_id"
                    f" WHERE p.article_seq IN ({marks}) UNION ALL SELECT k.original_seq, s.name FROM copies k"
                    " JOIN publications p ON p.article_seq = k.article_seq JOIN sources s ON s.id = p.source_id"
                    f" WHERE k.original_seq IN ({marks})", page + page):
                if name:
                    by_group.setdefault(group, set()).add(name)
        return {story_id: set().union(*(by_group.get(group_of.get(a, -1), set()) for a in article_ids))
                for story_id, article_ids in members.items()}

    def story_revision(self, story_id: str) -> int:
        """Grows whenever a member gets a new version or its text a republication: part of the key
        of the story's cached brief."""
        row = self.db.execute(
            "SELECT coalesce(sum(a.version), 0) + (SELECT count(*) FROM publications p JOIN story_members m2"
            " ON m2.article_seq = p.article_seq WHERE m2.story_id = ?) FROM story_members m"
            " JOIN articles a ON a.seq = m.article_seq WHERE m.story_id = ?", (story_id, story_id)).fetchone()
        return int(row[0])

    # ------------------------------------------------------------ outlets

    def outlet_aliases(self) -> dict[str, str]:
        """The user's aliases: alias as written -> outlet."""
        return {r[0]: r[1] for r in self.db.execute("SELECT alias, outlet FROM outlet_aliases ORDER BY alias")}

    def set_outlet_alias(self, alias: str, outlet: str, key: str, origin: str = "user") -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO outlet_aliases(alias_key, alias, outlet, origin) VALUES (?,?,?,?)",
                       (key, alias, outlet, origin))

    def has_outlet(self, name: str) -> bool:
        return self.db.execute("SELECT 1 FROM sources WHERE name = ?", (name,)).fetchone() is not None

    def outlet_names(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT name FROM sources ORDER BY name")]

    def rename_outlets(self, renames: dict[str, str]) -> int:
        """Give stored articles and republications their outlet's one name (`old name -> name`);
        two names of one outlet become one. Returns how many names were folded."""
        done = 0
        with self.transaction() as db:
            for old, new in renames.items():
                if old == new:
                    continue
                src = db.execute("SELECT id FROM sources WHERE name = ?", (old,)).fetchone()
                if src is None:
                    continue
                target = self._source_id(new)
                # The outlets of these stories' entities change with the name.
                db.execute("INSERT OR IGNORE INTO entities_stale(story_id) SELECT m.story_id FROM story_members m"
                           " JOIN articles a ON a.seq = m.article_seq WHERE a.source_id = ?", (src[0],))
                db.execute("UPDATE articles SET source_id = ? WHERE source_id = ?", (target, src[0]))
                # A republication by the outlet the article itself now belongs to is no republication.
                db.execute("DELETE FROM publications WHERE source_id = ? AND (article_seq IN"
                           " (SELECT seq FROM articles WHERE source_id = ?) OR article_seq IN"
                           " (SELECT article_seq FROM publications WHERE source_id = ?))", (src[0], target, target))
                db.execute("UPDATE publications SET source_id = ? WHERE source_id = ?", (target, src[0]))
                db.execute("DELETE FROM publications WHERE source_id = ? AND article_seq IN"
                           " (SELECT seq FROM articles WHERE source_id = ?)", (target, target))
                db.execute("DELETE FROM sources WHERE id = ?", (src[0],))
                done += 1
        return done

    _ARTICLE_SQL = (
        "SELECT a.*, s.name AS source FROM articles a LEFT JOIN sources s ON s.id = a.source_id"
    )

    def _article(self, row: sqlite3.Row, with_sentences: bool = True) -> Article:
        text = row["text"]
        sentences: list[Sentence] = []
        if with_sentences:
            sentences = [
                Sentence(row["id"], i, s, e, text[s:e])
                for i, s, e in self.db.execute(
                    'SELECT idx, start, "end" FROM sentences WHERE article_seq = ? ORDER BY idx', (row["seq"],)
                )
            ]
        return Article(
            id=row["id"], text=text, title=row["title"], source=row["source"], url=row["url"],
            published=row["published"], author=row["author"], lead=row["lead"], language=row["language"],
            content_hash=row["content_hash"], origin=row["origin"], sentences=sentences,
            captions=[Caption(s, e, text[s:e], c) for s, e, c in json.loads(row["captions"])],
            extra=json.loads(row["extra"]),
        )

    def get_article(self, article_id: str) -> Article | None:
        row = self.db.execute(self._ARTICLE_SQL + " WHERE a.id = ?", (article_id,)).fetchone()
        return self._article(row) if row else None

    def republished_as(self, item_id: str) -> str | None:
        """The stored article whose text came again, word for word, under the id `item_id` (an
        exact republication is not stored twice: `publications`), else None."""
        row = self.db.execute("SELECT a.id FROM publications p JOIN articles a ON a.seq = p.article_seq"
                              " WHERE p.item_id = ? ORDER BY p.id LIMIT 1", (item_id,)).fetchone()
        return row[0] if row else None

    def get_articles(self, ids: Sequence[str]) -> list[Article]:
        out = []
        for i in ids:
            a = self.get_article(i)
            if a is not None:
                out.append(a)
        return out

    def count_articles(self, *, source: str | None = None, since: str | None = None, until: str | None = None,
                       story: str | None = None) -> int:
        where, args = self._article_filter(source, since, until, story)
        if not where:
            return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]
        return self.db.execute("SELECT count(*) FROM articles a LEFT JOIN sources s ON s.id = a.source_id" + where,
                               args).fetchone()[0]

    def list_articles(self, *, source: str | None = None, since: str | None = None, until: str | None = None,
                      story: str | None = None, limit: int = 50, offset: int = 0) -> list[Article]:
        """Articles, newest first (undated ones by when they were stored, among the newest)."""
        where, args = self._article_filter(source, since, until, story)
        rows = self.db.execute(
            self._ARTICLE_SQL + where + " ORDER BY coalesce(a.published, a.added_at) DESC, a.seq DESC LIMIT ? OFFSET ?",
            (*args, limit, offset),
        ).fetchall()
        return [self._article(r, with_sentences=False) for r in rows]

    @staticmethod
    def _article_filter(source: str | None, since: str | None, until: str | None,
                        story: str | None = None) -> tuple[str, list[Any]]:
        clauses, args = [], []
        if source:
            # The outlet's id, so that its articles of a month are one range of (source_id, published).
            clauses.append("a.source_id = (SELECT id FROM sources WHERE name = ?)")
            args.append(source)
        if story:
            clauses.append("a.seq IN (SELECT article_seq FROM story_members WHERE story_id = ?)")
            args.append(story)
        if since and since[:4].isdigit():
            # A bound the index can use: a date known only to the year or month (`2023`) that
            # overlaps `since` is one of its prefixes, none of which sorts before its year. (On
            # `coalesce(published, added_at)`, the key of the indexes in the lists' order: for a
            # dated article it is its date.)
            clauses.append("coalesce(a.published, a.added_at) >= ?")
            args.append(since[:4])
        if until:
            clauses.append("coalesce(a.published, a.added_at) < ?")
            args.append(until + "\uffff")
        dates, date_args = _date_range("a.published", "a.published", since, until)
        clauses += dates
        args += date_args
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), args

    def iter_articles(self, with_sentences: bool = False, batch: int = 1000, after_seq: int = 0,
                      until_seq: int | None = None) -> Iterator[Article]:
        """Every article in ingest order (those stored after `after_seq`, up to `until_seq`), read
        in pages so memory stays flat."""
        for _, article in self.iter_numbered_articles(with_sentences, batch, after_seq, until_seq):
            yield article

    def iter_numbered_articles(self, with_sentences: bool = False, batch: int = 1000, after_seq: int = 0,
                               until_seq: int | None = None) -> Iterator[tuple[int, Article]]:
        """`iter_articles` with each article's seq: (seq, article)."""
        last = after_seq
        bound = " AND a.seq <= ?" if until_seq is not None else ""
        while True:
            rows = self.db.execute(self._ARTICLE_SQL + f" WHERE a.seq > ?{bound} ORDER BY a.seq LIMIT ?",
                                   (last, until_seq, batch) if until_seq is not None else (last, batch)).fetchall()
            if not rows:
                return
            for r in rows:
                yield r["seq"], self._article(r, with_sentences)
            last = rows[-1]["seq"]

    def article_stories(self, until_seq: int | None = None) -> list[tuple[str, str | None]]:
        """(article id, story id or None) of every article (up to `until_seq`), in ingest order."""
        # Read through the index of ids (narrow) and ordered here: in the table's order, or with a
        # range of seq, SQLite reads the wide rows themselves (the texts: 1.2 GB at 100k).
        rows = sorted(tuple(r) for r in self.db.execute(
            "SELECT a.seq, a.id, m.story_id FROM articles a LEFT JOIN story_members m ON m.article_seq = a.seq"))
        return [(a, s) for q, a, s in rows if until_seq is None or q <= until_seq]

    def last_seq(self) -> int:
        """The ingest order number of the newest article (0 when empty)."""
        return self.db.execute("SELECT coalesce(max(seq), 0) FROM articles").fetchone()[0]

    def data_version(self) -> int:
        """SQLite's counter of commits made by other connections (other processes included) since
        this one opened: it changes exactly when someone else wrote."""
        return self.db.execute("PRAGMA data_version").fetchone()[0]

    def search(self, match: str, *, source: str | None = None, since: str | None = None,
               until: str | None = None, limit: int = 20, offset: int = 0, match_filter: str | None = None,
               window: int | None = None, story: str | None = None) -> tuple[list[Article], int]:
        """Articles that match an FTS5 expression (`search.expression`), best first (bm25, the title
        weighted), within the other filters; and how many match in all. `match_filter` matches the
        same articles more cheaply (`search.filter_expression`: counted with it). The newest
        `window` matches (by when they were stored; `RANK_WINDOW`) are ranked first, then the older
        ones, each part by bm25: bm25 is worked out for every match it orders (`Việt Nam`, 40k
        matches at 100k, took 1.6 s for its first 20), so a page within the newest costs the same
        on any store (docs/decisions.md, Web)."""
        window = RANK_WINDOW if window is None else window
        where, args = self._article_filter(source, since, until, story)
        if where:
            base = ("FROM articles_fts JOIN articles a ON a.seq = articles_fts.rowid LEFT JOIN sources s"
                    " ON s.id = a.source_id" + where.replace(" WHERE ", " WHERE articles_fts MATCH ? AND ", 1))
        else:  # the index alone: joining the articles read each match's row (1.4 s for 37k matches)
            base = "FROM articles_fts WHERE articles_fts MATCH ?"
        counted = match_filter or match
        with self.snapshot():
            total = self.db.execute(f"SELECT count(*) {base}", (counted, *args)).fetchone()[0]
            seqs: list[int] = []
            if total and offset < total:
                for extra, extra_args, skip, take in self._rank_parts(base, counted, args, total, window,
                                                                       offset, limit):
                    seqs += [r[0] for r in self.db.execute(
                        f"SELECT articles_fts.rowid, articles_fts.rank {base}{extra}"
                        " ORDER BY articles_fts.rank, articles_fts.rowid LIMIT ? OFFSET ?",
                        (match, *args, *extra_args, take, skip))]
            rows = {r["seq"]: r for r in self.db.execute(
                self._ARTICLE_SQL + f" WHERE a.seq IN ({','.join('?' * len(seqs))})", seqs)}
            return [self._article(rows[q]) for q in seqs], total

    def _rank_parts(self, base: str, match: str, args: Sequence[Any], total: int, window: int, offset: int,
                    limit: int) -> list[tuple[str, tuple[Any, ...], int, int]]:
        """The pieces of a ranked page: (extra WHERE, its arguments, offset, limit) within the
        newest `window` matches, then within the older ones."""
        if total <= window:
            return [("", (), offset, limit)]
        edge = self.db.execute(f"SELECT articles_fts.rowid {base} ORDER BY articles_fts.rowid DESC LIMIT 1 OFFSET ?",
                               (match, *args, window - 1)).fetchone()
        if edge is None:  # (fewer matches than counted: the store moved meanwhile)
            return [("", (), offset, limit)]
        parts = []
        if offset < window:
            parts.append((" AND articles_fts.rowid >= ?", (edge[0],), offset, min(limit, window - offset)))
        if offset + limit > window:
            skip = max(0, offset - window)
            parts.append((" AND articles_fts.rowid < ?", (edge[0],), skip, offset + limit - window - skip
                          if offset < window else limit))
        return parts

    def sources(self) -> list[tuple[str, int]]:
        return [(r[0], r[1]) for r in self.db.execute(
            "SELECT s.name, count(a.seq) FROM sources s JOIN articles a ON a.source_id = s.id"
            " GROUP BY s.name ORDER BY count(a.seq) DESC")]

    # ------------------------------------------------------------ stories and copies

    def assign_stories(self, assignments: Iterable[tuple[str, str, float]]) -> None:
        """(article id, story id, similarity) triples; an article moves if it had a story, and a
        story left without articles is removed."""
        with self.transaction() as db:
            left: set[str] = set()
            for article_id, story_id, sim in assignments:
                before = self.story_of(article_id)
                if before is not None and before != story_id:
                    left.add(before)
                db.execute("INSERT OR IGNORE INTO stories(id) VALUES (?)", (story_id,))
                # An id that names a story is nobody's alias (a clusterer rebuilt from the store may
                # give again an id an earlier one gave and merged away).
                db.execute("DELETE FROM story_aliases WHERE alias = ?", (story_id,))
                db.execute("INSERT OR IGNORE INTO entities_stale(story_id) VALUES (?)", (story_id,))
                db.execute(
                    "INSERT INTO story_members(article_seq, story_id, similarity)"
                    " SELECT seq, ?, ? FROM articles WHERE id = ?"
                    " ON CONFLICT(article_seq) DO UPDATE SET story_id = excluded.story_id,"
                    " similarity = excluded.similarity",
                    (story_id, sim, article_id),
                )
            db.executemany("INSERT OR IGNORE INTO entities_stale(story_id) VALUES (?)", [(x,) for x in left])
            for story_id in left:
                db.execute("DELETE FROM stories WHERE id = ? AND NOT EXISTS"
                           " (SELECT 1 FROM story_members WHERE story_id = ?)", (story_id, story_id))

    def merge_stories(self, merges: Iterable[tuple[str, str]]) -> None:
        """(absorbed story id, surviving story id) pairs, in the order they were made: the absorbed
        story's members join the survivor, its id becomes an alias of the survivor (and so do the
        ids that were aliases of it), and both briefs and entity entries are made again."""
        with self.transaction() as db, self._summary_paused():
            touched: set[str] = set()
            for gone, keep in merges:
                if gone == keep:
                    continue
                touched |= {gone, keep}
                db.execute("INSERT OR IGNORE INTO stories(id) VALUES (?)", (keep,))
                db.execute("UPDATE story_members SET story_id = ? WHERE story_id = ?", (keep, gone))
                db.execute("UPDATE story_aliases SET story_id = ? WHERE story_id = ?", (keep, gone))
                db.execute("DELETE FROM story_aliases WHERE alias = ?", (keep,))  # a survivor is nobody's alias
                db.execute("INSERT OR REPLACE INTO story_aliases(alias, story_id) VALUES (?, ?)", (gone, keep))
                db.execute("DELETE FROM briefs WHERE story_id IN (?, ?)", (gone, keep))
                db.execute("DELETE FROM stories WHERE id = ?", (gone,))  # its entity rows go with it
                db.executemany("INSERT OR IGNORE INTO entities_stale(story_id) VALUES (?)", [(gone,), (keep,)])
            # Row by row, the triggers would make a survivor's row again for each member it took in.
            self._refresh_summaries(sorted(touched))

    def story_alias(self, story_id: str) -> str | None:
        """The story an absorbed story's id now names (see `merge_stories`), or None."""
        row = self.db.execute("SELECT story_id FROM story_aliases WHERE alias = ?", (story_id,)).fetchone()
        return row[0] if row else None

    def story_assignments(self) -> dict[str, str]:
        """article id -> story id for every assigned article, in one query."""
        # The articles outside (CROSS JOIN keeps them there), read in their index of ids: by the
        # members' order, each id was a look-up of a wide row in random order (15 s for 100k).
        return dict(self.db.execute(
            "SELECT a.id, m.story_id FROM articles a CROSS JOIN story_members m ON m.article_seq = a.seq"))

    def story_of(self, article_id: str) -> str | None:
        row = self.db.execute(
            "SELECT m.story_id FROM story_members m JOIN articles a ON a.seq = m.article_seq WHERE a.id = ?",
            (article_id,)).fetchone()
        return row[0] if row else None

    def _stories(self, ids: Sequence[str]) -> list[Story]:
        """The stories of `ids` (those that exist, in no set order) from their summary rows, and
        their members' ids: two queries a page of 500, whatever the stories' sizes."""
        out: list[Story] = []
        for k in range(0, len(ids), 500):
            page = list(ids[k:k + 500])
            marks = ",".join("?" * len(page))
            members: dict[str, list[str]] = {}
            for story_id, article_id in self.db.execute(
                    "SELECT m.story_id, a.id FROM story_members m JOIN articles a ON a.seq = m.article_seq"
                    f" WHERE m.story_id IN ({marks}) ORDER BY m.story_id, m.article_seq", page):
                members.setdefault(story_id, []).append(article_id)
            for r in self.db.execute("SELECT story_id, outlets, first_date, last_date, title FROM story_summary"
                                     f" WHERE story_id IN ({marks})", page):
                if r[0] in members:  # (a row and its members are read in one snapshot by the callers)
                    out.append(Story(r[0], members[r[0]], r[4], sorted(json.loads(r[1])), r[2], r[3]))
        return out

    def _stories_in(self, ids: Sequence[str]) -> list[Story]:
        place = {sid: k for k, sid in enumerate(ids)}
        return sorted(self._stories(ids), key=lambda s: place[s.id])

    @staticmethod
    def _story_filter(source: str | None, since: str | None, until: str | None, match: str | None,
                      story_ids: Sequence[str] | None,
                      entity: str | Sequence[str] | None = None) -> tuple[str, list[Any]]:
        """The conditions (` AND ...`, on the summary `ss`) of a story list, and their arguments;
        each filter keeps whole stories. The cheap ones come first (SQLite tests them in the order
        written): dates and outlets are columns of the summary row, an entity is one key of its
        index, a query is every story of its matches."""
        clauses: list[str] = []
        args: list[Any] = []
        dates, date_args = _date_range("ss.first_date", "ss.last_date", since, until)
        clauses += dates
        args += date_args
        if story_ids is not None:
            clauses.append(f"ss.story_id IN ({','.join('?' * len(story_ids))})")
            args.extend(story_ids)
        if source:
            # The quoted name within the JSON text first (no parsing), then exactly.
            clauses.append("instr(ss.outlets, json_quote(?)) AND EXISTS (SELECT 1 FROM json_each(ss.outlets)"
                           " WHERE value = ?)")
            args += [source, source]
        if entity is not None:
            keys = entity_keys(entity)
            # A run of a name's words, tone-free, is one key of the entity index (`name_parts`).
            clauses.append(f"ss.story_id IN (SELECT story_id FROM entity_words WHERE words IN ({','.join('?' * len(keys))}))"
                           if keys else "0")
            args.extend(keys)
        if match is not None:
            clauses.append("ss.story_id IN (SELECT m3.story_id FROM story_members m3 WHERE m3.article_seq IN"
                           " (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?))")
            args.append(match)
        return "".join(f" AND {c}" for c in clauses), args

    def list_stories(self, *, source: str | None = None, since: str | None = None, until: str | None = None,
                     match: str | None = None, story_ids: Sequence[str] | None = None,
                     entity: str | Sequence[str] | None = None,
                     by_rank: bool = False, limit: int = 50, offset: int = 0,
                     match_filter: str | None = None) -> list[Story]:
        """Stories with an article from `source`, one matching the FTS5 expression `match`, an entity
        named `entity` (the entity index), and dates that overlap [since, until]; latest first, or
        (`by_rank`, with `match`) best match first."""
        if entity is not None and not (story_ids or source or since or until or match):
            keys = entity_keys(entity)
            if not keys:
                return []
            # The index alone, newest first: one range of its key, however many stories match (two
            # spellings of a name, `TP.HCM` and its expansion: their stories, each once).
            with self.snapshot():
                ids = [r[0] for r in self.db.execute(
                    "SELECT story_id FROM entity_words WHERE words = ? ORDER BY last_date DESC, story_id DESC"
                    " LIMIT ? OFFSET ?", (keys[0], limit, offset))] if len(keys) == 1 else [r[0] for r in self.db.execute(
                    f"SELECT story_id FROM entity_words WHERE words IN ({','.join('?' * len(keys))}) GROUP BY story_id"
                    " ORDER BY max(last_date) DESC, story_id DESC LIMIT ? OFFSET ?", (*keys, limit, offset))]
                return self._stories_in(ids)
        filters, args = self._story_filter(source, since, until, match_filter or match, story_ids, entity)
        with self.snapshot():  # the page and its rows from one state of the store
            if by_rank and match is not None:
                if not (since or until) and story_ids is None:
                    page = self._ranked_story_ids(match, source, entity, limit, offset, match_filter)
                else:
                    page = [r[0] for r in self.db.execute(
                        "WITH best AS (SELECT m.story_id, min(articles_fts.rank) AS rank FROM articles_fts"
                        " JOIN story_members m ON m.article_seq = articles_fts.rowid WHERE articles_fts MATCH ?"
                        " GROUP BY m.story_id) SELECT ss.story_id FROM best b JOIN story_summary ss"
                        f" ON ss.story_id = b.story_id WHERE 1{filters}"
                        " ORDER BY b.rank, ss.latest DESC, ss.story_id LIMIT ? OFFSET ?",
                        (match, *args, limit, offset))]
            else:
                # Latest first: down the summary's index of `latest` until the page is full; with
                # dates, the few stories within them from the index of dates, then sorted (walking
                # `latest` down to a month long ago read most rows: 50 ms at 100k, against 2-5).
                order = "+ss.latest" if since or until else "ss.latest"
                page = [r[0] for r in self.db.execute(
                    f"SELECT ss.story_id FROM story_summary ss WHERE 1{filters}"
                    f" ORDER BY {order} DESC, ss.story_id LIMIT ? OFFSET ?", (*args, limit, offset))]
            return self._stories_in(page)

    def _ranked_story_ids(self, match: str, source: str | None, entity: str | Sequence[str] | None, limit: int,
                          offset: int, match_filter: str | None = None, window: int | None = None) -> list[str]:
        """The page of stories matching `match` by their best article's rank (then latest first,
        then id), ranking the stories alone before reading any article row: grouping every
        matching story's members first took 1.5-2 s for `Việt Nam` (19k stories) at 100k. As in
        `search`, the stories with one of the newest `window` matching articles come first, by
        their best rank among those; then the others, by their best rank."""
        window = RANK_WINDOW if window is None else window
        counted = match_filter or match
        filters, args = self._story_filter(source, None, None, None, None, entity)
        # The outlet's and entity's stories are kept out before the grouping, not after: bm25 is
        # worked out for each match the grouping reads, and the older tier of a query of 40k
        # matches ranked them all for the few stories of one outlet (docs/decisions.md, Store).
        kept = f" AND m.story_id IN (SELECT ss.story_id FROM story_summary ss WHERE 1{filters})" if filters else ""
        want = offset + limit
        edge = self._window_edge(counted, window)
        tiers = [(" AND articles_fts.rowid >= ?", (edge[0],)), (" AND articles_fts.rowid < ?", (edge[0],))] \
            if edge is not None else [("", ())]
        ordered: list[str] = []
        for extra, extra_args in tiers:
            taken = ordered[:]
            left_out = f" AND b.story_id NOT IN ({','.join('?' * len(taken))})" if taken else ""
            best = ("WITH best AS (SELECT m.story_id AS story_id, min(articles_fts.rank) AS rank FROM articles_fts"
                    " JOIN story_members m ON m.article_seq = articles_fts.rowid WHERE articles_fts MATCH ?"
                    f"{extra}{kept} GROUP BY m.story_id) SELECT b.story_id, b.rank FROM best b WHERE 1{left_out}")
            first = (match, *extra_args, *args, *taken)
            need = want - len(ordered)
            if extra.endswith(">= ?"):  # the newest matches: a bounded set, read at once with its ties
                found = self.db.execute(best + " ORDER BY rank", first).fetchall()
                if len(found) > need:
                    found = [r for r in found if r[1] <= found[need - 1][1]]
            else:
                found = self.db.execute(best + " ORDER BY rank LIMIT ?", (*first, need)).fetchall()
                if len(found) == need:  # every story tied with the last one is in, for the tie's order
                    found = self.db.execute(best + " AND rank <= ? ORDER BY rank", (*first, found[-1][1])).fetchall()
            ids = [r[0] for r in found]
            ordered += self.order_ranked(ids, dict(found), self._latest_of(ids))
            if len(ordered) >= want:
                break
        return ordered[offset:offset + limit]

    def _window_edge(self, match: str, window: int) -> tuple[int] | None:
        """The oldest of the newest `window` articles matching `match` (its row), or None when fewer match."""
        return self.db.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rowid DESC"
                               " LIMIT 1 OFFSET ?", (match, window - 1)).fetchone()

    def ranked_matches(self, match: str, match_filter: str | None = None,
                       window: int | None = None) -> RankedMatches:
        """How many articles match (counted with `match_filter`) and the newest `window` of them
        (all when fewer), each with its bm25 rank and story, read in one bm25 pass: a search's
        pages within the window and the stories' ranked window (`ranked_window`) are both cut
        from it. FTS5 works out bm25's document counts of every phrase of the query once per
        statement, 45-110 ms a query at 100k whatever the window (10 ranked matches cost what 1,000
        do), and a server asked for a query's search and its stories paid that twice a version."""
        window = RANK_WINDOW if window is None else window
        counted = match_filter or match
        with self.snapshot():
            total = self.db.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?",
                                    (counted,)).fetchone()[0]
            edge = self._window_edge(counted, window) if total >= window else None
            extra, extra_args = (" AND articles_fts.rowid >= ?", (edge[0],)) if edge is not None else ("", ())
            rows = [(r[0], r[1], r[2]) for r in self.db.execute(
                "SELECT articles_fts.rowid, articles_fts.rank, m.story_id FROM articles_fts LEFT JOIN story_members m"
                f" ON m.article_seq = articles_fts.rowid WHERE articles_fts MATCH ?{extra}", (match, *extra_args))]
        return RankedMatches(total, edge is not None, sorted(rows, key=lambda r: (r[1], r[0])))

    def ranked_window(self, match: str, match_filter: str | None = None, window: int | None = None,
                      ranked: RankedMatches | None = None) -> tuple[bool, list[tuple[str, float]], dict[str, str]]:
        """The first part of `_ranked_story_ids` with no other filter: whether the query has more
        than `window` matches, every story with one of the newest `window` matches and its best
        rank among them (best first), and each one's latest date (for ties). From `ranked` (the
        query's `ranked_matches`) when given."""
        ranked = ranked or self.ranked_matches(match, match_filter, window)
        best: dict[str, float] = {}
        for _, rank, story in ranked.rows:  # (best first: a story's first row is its best)
            if story is not None and story not in best:
                best[story] = rank
        found = list(best.items())
        return ranked.more, found, self._latest_of([r[0] for r in found])

    def articles_at(self, seqs: Sequence[int]) -> list[Article] | None:
        """The articles stored as `seqs`, in that order; None when one is not there (any more)."""
        rows = {r["seq"]: r for r in self.db.execute(
            self._ARTICLE_SQL + f" WHERE a.seq IN ({','.join('?' * len(seqs))})", seqs)}
        if len(rows) < len(set(seqs)):
            return None
        return [self._article(rows[q]) for q in seqs]

    def _latest_of(self, ids: Sequence[str]) -> dict[str, str]:
        latest: dict[str, str] = {}
        for k in range(0, len(ids), 500):
            page = ids[k:k + 500]
            latest.update(self.db.execute(
                f"SELECT story_id, latest FROM story_summary WHERE story_id IN ({','.join('?' * len(page))})",
                page).fetchall())
        return latest

    def match_story_ids(self, match: str, after_seq: int = 0) -> frozenset[str]:
        """The stories with an article matching the FTS5 expression (of those stored after `after_seq`)."""
        return frozenset(r[0] for r in self.db.execute(
            "SELECT DISTINCT m.story_id FROM articles_fts JOIN story_members m ON m.article_seq = articles_fts.rowid"
            " WHERE articles_fts MATCH ? AND articles_fts.rowid > ?", (match, after_seq)))

    def outlet_story_ids(self, source: str, after_seq: int = 0) -> frozenset[str]:
        """The stories with an article from the outlet (of those stored after `after_seq`)."""
        return frozenset(r[0] for r in self.db.execute(
            "SELECT DISTINCT m2.story_id FROM story_members m2 JOIN articles a2 ON a2.seq = m2.article_seq"
            " WHERE a2.source_id = (SELECT id FROM sources WHERE name = ?) AND a2.seq > ?", (source, after_seq)))

    def stories_in_order(self, ids: Sequence[str]) -> list[Story]:
        """The stories of `ids`, in that order (those that exist)."""
        with self.snapshot():
            return self._stories_in(ids)

    @staticmethod
    def order_ranked(ids: Sequence[str], rank: dict[str, float], latest: dict[str, str]) -> list[str]:
        """Best rank first, then latest first, then by id (the order of `_ranked_story_ids`)."""
        return sorted(ids, key=lambda sid: (rank[sid], _descending(latest.get(sid) or ""), sid))

    def count_stories(self, *, source: str | None = None, since: str | None = None, until: str | None = None,
                      match: str | None = None, story_ids: Sequence[str] | None = None,
                      entity: str | Sequence[str] | None = None, match_filter: str | None = None) -> int:
        filters, args = self._story_filter(source, since, until, match_filter or match, story_ids, entity)
        if not filters:
            return self.db.execute("SELECT count(*) FROM story_summary").fetchone()[0]
        return self.db.execute(f"SELECT count(*) FROM story_summary ss WHERE 1{filters}", args).fetchone()[0]

    def get_story(self, story_id: str) -> Story | None:
        with self.snapshot():
            found = self._stories([story_id])
        return found[0] if found else None

    def set_copies(self, pairs: Iterable[tuple[str, str, float]]) -> None:
        """(copy id, original id, similarity) triples, replacing what was known of those copies."""
        with self.transaction() as db:
            for copy_id, original_id, sim in pairs:
                db.execute(
                    "INSERT OR REPLACE INTO copies(article_seq, original_seq, similarity)"
                    " SELECT c.seq, o.seq, ? FROM articles c, articles o WHERE c.id = ? AND o.id = ?",
                    (sim, copy_id, original_id))

    def copies_of(self, article_ids: Sequence[str]) -> dict[str, tuple[str, float]]:
        """copy id -> (original id, similarity) among `article_ids`."""
        if not article_ids:
            return {}
        marks = ",".join("?" * len(article_ids))
        rows = self.db.execute(
            "SELECT c.id, o.id, k.similarity FROM copies k JOIN articles c ON c.seq = k.article_seq"
            f" JOIN articles o ON o.seq = k.original_seq WHERE c.id IN ({marks})", list(article_ids))
        return {r[0]: (r[1], r[2]) for r in rows}

    # ------------------------------------------------------------ followed sources

    # `failed`: items whose page could not be had: given up, or stored from their feed's text (done
    # with an error); `page_error`: the newest item's reason among those and the ones failed once
    # and waiting for another try (the source's own error is its feed's, and the next read of the
    # feed writes it again: a page's reason kept only there was lost within a cycle). Only those
    # items keep an error: a page had, or an item listed anew, clears it.
    _SOURCE_SQL = ("SELECT f.*, (SELECT count(*) FROM followed_items i WHERE i.source_id = f.id"
                   " AND i.state = 'pending') AS pending,"
                   " (SELECT count(*) FROM followed_items i WHERE i.source_id = f.id AND (i.state = 'failed'"
                   " OR (i.state = 'done' AND i.error IS NOT NULL))) AS failed,"
                   " (SELECT i.error FROM followed_items i WHERE i.source_id = f.id AND i.error IS NOT NULL"
                   " ORDER BY i.seen_at DESC, i.item DESC LIMIT 1) AS page_error"
                   " FROM followed_sources f")
    _SOURCE_FIELDS = {"feed_url", "kind", "outlet", "etag", "last_modified", "last_fetch", "status", "error",
                      "next_fetch", "failures", "articles", "errors"}

    def _followed(self, row: sqlite3.Row) -> FollowedSource:
        return FollowedSource(**{k: row[k] for k in row.keys()})

    def add_followed_source(self, url: str, outlet: str | None = None) -> tuple[FollowedSource, bool]:
        """The source for `url`, and whether it is new (a URL already followed is kept as it is)."""
        with self.transaction() as db:
            cur = db.execute("INSERT OR IGNORE INTO followed_sources(url, outlet) VALUES (?, ?)", (url, outlet))
            row = db.execute(self._SOURCE_SQL + " WHERE f.url = ?", (url,)).fetchone()
        return self._followed(row), cur.rowcount > 0

    def followed_sources(self, due_by: float | None = None) -> list[FollowedSource]:
        if due_by is None:
            rows = self.db.execute(self._SOURCE_SQL + " ORDER BY f.id")
        else:
            rows = self.db.execute(self._SOURCE_SQL + " WHERE f.next_fetch <= ? ORDER BY f.next_fetch, f.id", (due_by,))
        return [self._followed(r) for r in rows]

    def followed_source(self, key: str | int) -> FollowedSource | None:
        """By id, URL, or the feed a source reads; a source's own id or URL first (`sources remove
        URL` of a source whose URL is another's feed removes that source, not the other)."""
        number = key if isinstance(key, int) or str(key).isdigit() else -1
        row = self.db.execute(self._SOURCE_SQL + " WHERE f.id = ? OR f.url = ? OR f.feed_url = ?"
                              " ORDER BY f.id = ? DESC, f.url = ? DESC, f.id LIMIT 1",
                              (number, str(key), str(key), number, str(key))).fetchone()
        return self._followed(row) if row else None

    def same_feed(self, source_id: int, feed: str) -> FollowedSource | None:
        """The first source added before `source_id` that is, or reads, the feed `feed` (its URL or
        the feed found from its page): one feed followed twice is read once."""
        row = self.db.execute(self._SOURCE_SQL + " WHERE f.id < ? AND (f.url = ? OR f.feed_url = ?) ORDER BY f.id LIMIT 1",
                              (source_id, feed, feed)).fetchone()
        return self._followed(row) if row else None

    def remove_followed_source(self, source_id: int) -> None:
        """The source and its item list go; the articles it brought stay."""
        with self.transaction() as db:
            db.execute("DELETE FROM followed_sources WHERE id = ?", (source_id,))

    def update_followed_source(self, source_id: int, **fields: Any) -> None:
        bad = set(fields) - self._SOURCE_FIELDS
        if bad:
            raise ValueError(f"no such source fields: {sorted(bad)}")
        sets = ", ".join(f"{k} = ?" for k in fields)
        with self.transaction() as db:
            db.execute(f"UPDATE followed_sources SET {sets} WHERE id = ?", (*fields.values(), source_id))

    def count_source(self, source_id: int, *, articles: int = 0, errors: int = 0) -> None:
        with self.transaction() as db:
            db.execute("UPDATE followed_sources SET articles = articles + ?, errors = errors + ? WHERE id = ?",
                       (articles, errors, source_id))

    def list_items(self, source_id: int, items: Sequence[tuple[str, str | None, str, str]],
                   seen_at: str | None = None) -> tuple[int, int]:
        """(key, url, fingerprint, entry JSON) of a feed's items: new ones and ones whose
        fingerprint changed become pending. `seen_at` (UTC, `%Y-%m-%dT%H:%M:%S`): when a new one
        is first seen, by the caller's clock (now by default). Returns (new, changed)."""
        new = changed = 0
        with self.transaction() as db:
            for key, url, fingerprint, entry in items:
                row = db.execute("SELECT fingerprint FROM followed_items WHERE source_id = ? AND item = ?",
                                 (source_id, key)).fetchone()
                if row is None:
                    db.execute("INSERT INTO followed_items(source_id, item, url, fingerprint, entry, state, seen_at)"
                               " VALUES (?,?,?,?,?,'pending',coalesce(?, strftime('%Y-%m-%dT%H:%M:%S', 'now')))",
                               (source_id, key, url, fingerprint, entry, seen_at))
                    new += 1
                elif row[0] != fingerprint:
                    db.execute("UPDATE followed_items SET url = ?, fingerprint = ?, entry = ?, state = 'pending',"
                               " tries = 0, error = NULL WHERE source_id = ? AND item = ?",
                               (url, fingerprint, entry, source_id, key))
                    changed += 1
        return new, changed

    def pending_items(self, source_id: int) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM followed_items WHERE source_id = ? AND state = 'pending'"
                               " ORDER BY seen_at, item", (source_id,)).fetchall()

    def finish_item(self, source_id: int, key: str, *, state: str, article_id: str | None = None,
                    error: str | None = None, tried: bool = False, checked_at: float | None = None,
                    page_etag: str | None = None, page_last_modified: str | None = None) -> None:
        """Mark an item done, failed, or still pending after one more try. A done item keeps its
        feed entry while it is recent: a look at its page again extracts it as the first fetch did
        (`forget_entries` drops it after). `checked_at` and the validators: its page was fetched."""
        with self.transaction() as db:
            db.execute("UPDATE followed_items SET state = ?, article_id = coalesce(?, article_id), error = ?,"
                       " tries = tries + ?, checked_at = coalesce(?, checked_at),"
                       " page_etag = CASE WHEN ? IS NULL THEN page_etag ELSE ? END,"
                       " page_last_modified = CASE WHEN ? IS NULL THEN page_last_modified ELSE ? END"
                       " WHERE source_id = ? AND item = ?",
                       (state, article_id, error, int(tried), checked_at, checked_at, page_etag,
                        checked_at, page_last_modified, source_id, key))

    def recheck_items(self, source_id: int, *, seen_since: str, checked_before: float) -> list[sqlite3.Row]:
        """Done items first seen at or after `seen_since` (UTC, as `seen_at`) whose page was last
        fetched before `checked_before`, oldest look first. An item stored from its feed's text
        (its page could not be had) has no `checked_at` and is not asked for again."""
        return self.db.execute(
            "SELECT * FROM followed_items WHERE source_id = ? AND state = 'done' AND url IS NOT NULL"
            " AND article_id IS NOT NULL AND entry != '{}' AND seen_at >= ? AND checked_at < ?"
            " ORDER BY checked_at, item", (source_id, seen_since, checked_before)).fetchall()

    def checked_item(self, source_id: int, key: str, checked_at: float) -> None:
        """An item's page was looked at again and gave nothing new (304, or an error)."""
        with self.transaction() as db:
            db.execute("UPDATE followed_items SET checked_at = ? WHERE source_id = ? AND item = ?",
                       (checked_at, source_id, key))

    def forget_item_entry(self, source_id: int, key: str, checked_at: float) -> None:
        """One done item is no longer looked at again (its page is gone): its feed entry goes, as
        `forget_entries` does for old ones."""
        with self.transaction() as db:
            db.execute("UPDATE followed_items SET entry = '{}', checked_at = ? WHERE source_id = ? AND item = ?"
                       " AND state = 'done'", (checked_at, source_id, key))

    def forget_entries(self, seen_before: str) -> None:
        """Done items first seen before `seen_before` are no longer looked at again: their feed
        entries go (the article holds what they said)."""
        with self.transaction() as db:
            db.execute("UPDATE followed_items SET entry = '{}' WHERE state = 'done' AND entry != '{}'"
                       " AND seen_at < ?", (seen_before,))

    def item_article_id(self, source_id: int, key: str) -> str | None:
        row = self.db.execute("SELECT article_id FROM followed_items WHERE source_id = ? AND item = ?",
                              (source_id, key)).fetchone()
        return row[0] if row else None

    # ------------------------------------------------------------ entity index

    def stale_entity_stories(self, limit: int | None = None) -> list[str]:
        """Stories whose entities changed since they were indexed (members, texts, outlet names)."""
        return [r[0] for r in self.db.execute(
            "SELECT story_id FROM entities_stale ORDER BY story_id LIMIT ?", (-1 if limit is None else limit,))]

    def count_stale_entity_stories(self) -> int:
        return self.db.execute("SELECT count(*) FROM entities_stale").fetchone()[0]

    def write_story_entities(self, story_id: str, entities: Sequence[Entity],
                             found_by: Callable[[str], str] | None = None) -> None:
        """Replace a story's indexed entities (name, type, aliases, outlets, mention count) and the
        words they are found by; the story is no longer stale. A story that no longer exists only
        loses its mark. `found_by` gives one more name each name is found by (the entity stage's
        `entity_key`: `TP.HCM` is found as `Thành phố Hồ Chí Minh` too)."""
        with self.transaction() as db:
            db.execute("DELETE FROM entities_stale WHERE story_id = ?", (story_id,))
            db.execute("DELETE FROM entity_words WHERE story_id = ?", (story_id,))
            db.execute("DELETE FROM story_entities WHERE story_id = ?", (story_id,))
            if db.execute("SELECT 1 FROM stories WHERE id = ?", (story_id,)).fetchone() is None:
                return
            # '' for a story of undated articles: a primary-key column of a WITHOUT ROWID table refuses
            # NULL, and INSERT OR IGNORE dropped every word of such a story without a word
            last = db.execute("SELECT coalesce(max(a.published), '') FROM story_members m"
                              " JOIN articles a ON a.seq = m.article_seq WHERE m.story_id = ?", (story_id,)).fetchone()[0]
            found: set[str] = set()
            for e in entities:
                db.execute(
                    "INSERT INTO story_entities(story_id, type, name, aliases, outlets, mentions) VALUES (?,?,?,?,?,?)",
                    (story_id, e.type, e.name, json.dumps(e.aliases, ensure_ascii=False),
                     json.dumps(e.outlets, ensure_ascii=False), len(e.mentions)))
                for n in (e.name, *e.aliases):
                    found |= name_parts(n)
                    if found_by is not None:
                        found |= name_parts(found_by(n))
            db.executemany("INSERT OR IGNORE INTO entity_words(words, last_date, story_id) VALUES (?,?,?)",
                           [(w, last, story_id) for w in found])

    def entity_readings(self, articles: Sequence[Article]) -> dict[str, tuple[str, bytes]]:
        """The entity readings kept of these articles (`entities.article_readings`): article id ->
        (reader key, body), for those read from the text they have now."""
        return self._readings("entity_readings", articles)

    def date_readings(self, articles: Sequence[Article]) -> dict[str, tuple[str, bytes]]:
        """The date readings kept of these articles (`timeline.article_date_readings`), as
        `entity_readings`."""
        return self._readings("date_readings", articles)

    def write_date_readings(self, readings: Sequence[tuple[str, str, str, bytes]]) -> bool:
        """Keep (article id, content hash, dates key, body) date readings. Written by a reader (a
        brief): skipped, as `cache_brief(wait=False)` is, when another connection holds the write
        lock or a read snapshot is open. Returns whether they were stored."""
        return self._write_readings("date_readings", readings, wait=False)

    def _write_readings(self, table: str, readings: Sequence[tuple[str, str, str, bytes]], *, wait: bool) -> bool:
        if not readings:
            return True
        return self._write(lambda db: db.executemany(
            f"INSERT OR REPLACE INTO {table}(article_seq, content_hash, reader, body)"
            " SELECT seq, ?, ?, ? FROM articles WHERE id = ?",
            [(h, reader, body, i) for i, h, reader, body in readings]), wait=wait)

    def _write(self, write: Callable[[sqlite3.Connection], object], *, wait: bool) -> bool:
        """`write` in a transaction of its own. With `wait=False` (a reader keeping what it made: a
        brief, readings) it is skipped, False, when another connection holds the write lock, a
        read snapshot is open or the store is read-only: a reader never queues behind a writer
        for a cache entry, the next one makes it again."""
        if not wait and self.db.in_transaction:
            return False  # inside a read snapshot: a write there would fail or be rolled back
        if not wait:
            self.db.execute("PRAGMA busy_timeout = 0")
        try:
            with self.transaction() as db:
                write(db)
            return True
        except StoreLocked:  # (the lock at BEGIN, said as StoreLocked by `transaction`)
            if wait:
                raise
            return False
        except sqlite3.OperationalError as e:
            if wait or not ("locked" in str(e) or "busy" in str(e) or "readonly" in str(e)):
                raise
            return False
        finally:
            if not wait:
                self.db.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}")

    def _readings(self, table: str, articles: Sequence[Article]) -> dict[str, tuple[str, bytes]]:
        out: dict[str, tuple[str, bytes]] = {}
        hashes = {a.id: a.content_hash for a in articles}
        ids = list(hashes)
        for k in range(0, len(ids), 500):
            chunk = ids[k:k + 500]
            for r in self.db.execute(
                    f"SELECT a.id, r.content_hash, r.reader, r.body FROM {table} r JOIN articles a"
                    f" ON a.seq = r.article_seq WHERE a.id IN ({','.join('?' * len(chunk))})", chunk):
                if r[1] == hashes[r[0]]:
                    out[r[0]] = (r[2], bytes(r[3]))
        return out

    def write_entity_readings(self, readings: Sequence[tuple[str, str, str, bytes]]) -> None:
        """Keep (article id, content hash, reader key, body) entity readings, replacing older ones."""
        self._write_readings("entity_readings", readings, wait=True)

    def story_entities(self, story_id: str) -> list[dict[str, Any]]:
        """A story's indexed entities, most mentioned first."""
        return [{"name": r["name"], "type": r["type"], "aliases": json.loads(r["aliases"]),
                 "outlets": json.loads(r["outlets"]), "mentions": r["mentions"]}
                for r in self.db.execute("SELECT * FROM story_entities WHERE story_id = ? ORDER BY mentions DESC, id",
                                         (story_id,))]

    # ------------------------------------------------------------ brief cache

    def story_article_ids(self, story_id: str) -> list[str]:
        return [r[0] for r in self.db.execute(
            "SELECT a.id FROM story_members m JOIN articles a ON a.seq = m.article_seq WHERE m.story_id = ?",
            (story_id,))]

    def cached_brief(self, story_id: str, members: str) -> str | None:
        """The stored JSON of a story's brief if it was made from these members."""
        row = self.db.execute("SELECT members, body FROM briefs WHERE story_id = ?", (story_id,)).fetchone()
        return row[1] if row and row[0] == members else None

    def cache_brief(self, story_id: str, members: str, body: str, *, wait: bool = True) -> bool:
        """Store a brief's JSON; with `wait=False` (a reader) skipped when it would wait (`_write`).
        Returns whether it was stored."""
        return self._write(lambda db: db.execute("INSERT OR REPLACE INTO briefs(story_id, members, body)"
                                                 " VALUES (?,?,?)", (story_id, members, body)), wait=wait)


def _descending(text: str) -> tuple[int, ...]:
    """A sort key that orders strings from last to first."""
    return tuple(-ord(c) for c in text) + (1,)


def _date_range(first: str, last: str, since: str | None, until: str | None) -> tuple[list[str], list[str]]:
    """SQL conditions for something whose dates run from `first` to `last` to overlap [since, until].
    `until 2023-06` includes every day and time of June 2023 (dates are ISO prefixes)."""
    clauses, args = [], []
    if since:
        # A date known to the month (`2023-06`) runs to the month's end: it overlaps `since 2023-06-26`.
        clauses.append(f"{last} || char(65535) >= ?")
        args.append(since)
    if until:
        clauses.append(f"{first} < ?")
        args.append(until + "\uffff")
    return clauses, args


def entity_words(name: str) -> list[str]:
    """The words a name is found by in the entity index: tone marks, other marks and case dropped
    and `đ` read as `d`, so `Luong Tam Quang` finds `Lương Tam Quang` (what a reader types on a
    keyboard without Vietnamese input)."""
    bare = unicodedata.normalize("NFD", name.casefold().replace("đ", "d"))
    bare = "".join(c for c in bare if not unicodedata.combining(c))
    return TOKEN.findall(bare)


def entity_keys(entity: str | Sequence[str]) -> list[str]:
    """The entity index's keys of a name, or of any of several names (a query and its expansion)."""
    names = [entity] if isinstance(entity, str) else entity
    return list(dict.fromkeys(w for n in names if (w := " ".join(entity_words(n)))))


def name_parts(name: str, longest: int = 8) -> set[str]:
    """Every run of consecutive words of a name (tone-free, `entity_words`), up to `longest`
    words: what a reader may ask for (`Obama`, `Tam Quang`, `Barack Obama`), each one key of the
    index."""
    words = entity_words(name)[:16]
    return {" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, min(len(words), i + longest) + 1)}

