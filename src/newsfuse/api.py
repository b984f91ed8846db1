"""The Python API: one object with the verbs of the CLI and the REST API, over one store.

    import newsfuse
    nf = newsfuse.open("news.db")
    report = nf.ingest(["articles.jsonl"])
    for story in nf.stories():
        print(nf.brief(story.id).title)
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import unicodedata
import re
from collections import OrderedDict
from contextlib import contextmanager
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import urlsplit

from . import ingest as ingest_stage
from .config import Config, WatchConfig
from .lang import tokens
from .model import (Article, ArticleVersion, BadParameter, Brief, Citation, CopyGroup, Entity, FollowedSource, Publication,
                    Story, TimelineEvent)
from .outlets import Outlet, OutletNames, alias_key, host_outlet
from .store import Store, StoreError, StoreLocked, StoreResult
from .versions import VersionChange, changes

if TYPE_CHECKING:
    import numpy as np

    from .copies import CopyDetector
    from .features import ArticleBatch, TermTables
    from .search import Snippet
    from .stories import StoryClusterer
    from .watch import Watcher

# The stages that need numpy, scipy and scikit-learn (stories, copies, briefs) are imported where
# they are first used, so that `newsfuse --help` and reading a store start at once (bench/startup.py).
__all__ = ["Newsfuse", "IngestReport", "BatchRejected", "BadParameter", "NotFound", "Page", "Hit", "StoreError", "StoreLocked",
           "open", "EXAMPLES"]

EXAMPLES = Path(__file__).parent / "examples"
# A write that adds at least this many articles, and a tenth of the store or more, merges the
# full-text index after it (`Store.merge_search_index`). The merge rewrites the whole index (~20 s
# at 100k, a few % of the ingest that wrote it), so only a bulk write pays for it: at most ~10x
# the text it added.
MERGE_SEARCH_MIN_ADDED = 1000
MERGE_SEARCH_SHARE = 10


@dataclass(slots=True)
class _Pending:
    """A new article of an ingest whose stories are made as a batch (`Newsfuse._place_batch`):
    what `stories.cluster` reads of it (id, date, terms by the clusterer's ids and their raw
    weights; the whole article only when the batch asks the embedding model) and its store row
    (None: stored by `Store.add_article`, found by id)."""

    id: str
    published: str | None
    seq: int | None
    ids: np.ndarray
    raw: np.ndarray
    article: Article | None = None

# What the REST face needs from the stages, through this module (the faces call only `api`).
loads_json = ingest_stage.loads_json
IngestError = ingest_stage.IngestError


def link_url(url: str | None) -> str | None:
    """The URL if it may become a link (http or https), else None: see `brief.link_url`."""
    from .brief import link_url as checked

    return checked(url)


class NotFound(KeyError):
    """No story or article of that id (a KeyError whose message says which)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "not found"


T = TypeVar("T")


@dataclass(slots=True)
class Page(Generic[T]):
    """One page of a list, and how many there are in all."""

    items: list[T]
    total: int
    limit: int
    offset: int

    @property
    def next_offset(self) -> int | None:
        return self.offset + self.limit if self.offset + len(self.items) < self.total else None


@dataclass(slots=True)
class Hit:
    """A search result: the article, its best passage with the matches marked, its story."""

    article: Article
    snippet: Snippet
    story: str | None


def check_date(name: str, value: str | None) -> str | None:
    """An ISO date prefix (`2023`, `2023-06`, `2023-06-26`, `2023-06-26T21:15`) or a Vietnamese
    day (`26/6/2023`) as the ISO prefix the store compares; BadParameter for anything else."""
    if value is None or not value.strip():
        return None
    v = value.strip()
    m = _VI_DAY.fullmatch(v)
    if m:
        v = f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}"
    m = _ISO_PREFIX.fullmatch(v)
    if m is None:
        raise BadParameter(f"{name}: {value!r} is not a date (2023, 2023-06, 2023-06-26, 2023-06-26T21:15 or 26/6/2023)",
                           "not_a_date", name=name, value=value)
    year, month, day, hour, minute = (int(g) if g else None for g in m.groups())
    try:
        datetime(year, month or 1, day or 1, hour or 0, minute or 0)  # type: ignore[arg-type]
    except ValueError as e:
        raise BadParameter(f"{name}: {value!r} is no such date ({e})", "no_such_date", name=name, value=value) from None
    return v.replace(" ", "T")


def check_dates(since: str | None, until: str | None) -> tuple[str | None, str | None]:
    since, until = check_date("since", since), check_date("until", until)
    if since and until and since[:len(until)] > until:
        raise BadParameter(f"since {since} is after until {until}", "since_after_until", since=since, until=until)
    return since, until


_SQLITE_MAX = 2**63 - 1


def _no_word(query: str) -> BadParameter:
    """A query with text but no word in it (`"`, `!!!`): a mistake, as an empty one is (it matched
    nothing, exit 0 / 200, while `"hòa bình` without its closing quote was an error)."""
    return BadParameter(f"query: {query!r} holds no word to look for")


def check_page(limit: int, offset: int, max_limit: int | None = None) -> None:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise BadParameter(f"limit: {limit!r} must be a whole number of at least 1")
    if max_limit is not None and limit > max_limit:
        raise BadParameter(f"limit: {limit} is more than {max_limit}")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise BadParameter(f"offset: {offset!r} must be a whole number of at least 0")
    # SQLite's integers are 64-bit: a bigger one is no page of any store (and an OverflowError).
    for name, value in (("limit", limit), ("offset", offset)):
        if value > _SQLITE_MAX:
            raise BadParameter(f"{name}: {value} is more than {_SQLITE_MAX}")


_VI_DAY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_PREFIX = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::\d{2})?)?)?)?")


class BatchRejected(ValueError):
    """An all-or-nothing batch held an article that could not be read (`stage` "read") or stored
    ("store"); nothing of the batch was stored. The message names the article."""

    def __init__(self, message: str, stage: str) -> None:
        super().__init__(message)
        self.stage = stage


@dataclass(slots=True)
class IngestReport:
    added: list[str] = field(default_factory=list)
    present: list[tuple[str, str]] = field(default_factory=list)  # (origin, stored id)
    rejected: list[str] = field(default_factory=list)  # one-line reasons naming the input
    stories: dict[str, str] = field(default_factory=dict)  # article id -> story id
    updated: list[tuple[str, int]] = field(default_factory=list)  # (article id, its new version)
    republished: list[tuple[str, str]] = field(default_factory=list)  # (stored id, the outlet that republished it)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why) of what folders held that was not read
    seconds: dict[str, float] = field(default_factory=dict)  # where the time went, by step (all processes)

    @property
    def ok(self) -> bool:
        return not self.rejected

    def summary(self) -> str:
        again = f" ({len(self.republished)} republished by another outlet)" if self.republished else ""
        edits = f"{_count(len(self.updated), 'new version')}, " if self.updated else ""
        skipped = f"; {ingest_stage.skipped_line(self.skipped)}" if self.skipped else ""
        return (f"{len(self.added)} added, {edits}{len(self.present)} already present{again}, "
                f"{len(self.rejected)} rejected; {_count(len(set(self.stories.values())), 'story', 'stories')} touched"
                f"{skipped}")


class Memo:
    """Reads that cost a pass over many rows (the stories with a match of a query, an outlet's
    stories, the stories of a query's newest matches by rank), shared by a server's read
    connections while the store does not change: each is kept with the store version it was read
    at (`version()`, a count that moves with every commit by anyone; read before the read
    transaction that makes it begins, so what is kept is at least that new) and given only to
    reads of that same version. The same question asked by several threads at once is read once."""

    def __init__(self, version: Callable[[], int], size: int = 256):
        self.version = version
        self.size = size
        self._lock = threading.Lock()
        self._kept: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._making: dict[tuple[Any, ...], threading.Event] = {}
        self._at: int | None = None
        # Sets of stories found by their articles (a query's matches, an outlet's articles), kept
        # across versions with the state they were read at: after a commit that only added
        # articles, they grow by the new articles' stories instead of being read again (every
        # POST retired them: 40-150 ms a query at 100k).
        self._sets: OrderedDict[tuple[Any, ...], tuple[tuple[int, int, int], frozenset[str]]] = OrderedDict()

    def kept_set(self, key: tuple[Any, ...]) -> tuple[tuple[int, int, int], frozenset[str]] | None:
        """A set of stories kept across versions (`Newsfuse._story_set`): (state, stories)."""
        with self._lock:
            return self._sets.get(key)

    def keep_set(self, key: tuple[Any, ...], state: tuple[int, int, int], value: frozenset[str]) -> None:
        with self._lock:
            kept = self._sets.get(key)
            if kept is not None and kept[0][:2] > state[:2]:
                return  # a newer one is kept (made by a read that began later)
            self._sets[key] = (state, value)
            self._sets.move_to_end(key)
            while len(self._sets) > self.size:
                self._sets.popitem(last=False)

    def get(self, version: int, key: tuple[Any, ...], make: Callable[[], T]) -> T:
        while True:
            with self._lock:
                if self._at is None or version > self._at:
                    self._kept.clear()
                    self._at = version
                if version == self._at:
                    if key in self._kept:
                        self._kept.move_to_end(key)
                        return self._kept[key]
                    making = self._making.get(key)
                    if making is None:
                        making = self._making[key] = threading.Event()
                        break
                else:
                    making = None  # an older version than the kept ones: read, keep nothing
            if making is None:
                # Outside the lock: a read holding it kept every other read of the memo waiting,
                # and a read that asks the memo again (`Newsfuse._story_set`) waited on itself.
                return make()
            making.wait(60)
        try:
            value = make()
            with self._lock:
                if self._at == version:
                    self._kept[key] = value
                    while len(self._kept) > self.size:
                        self._kept.popitem(last=False)
            return value
        finally:
            with self._lock:
                self._making.pop(key, None)
            making.set()


class Newsfuse:
    def __init__(self, config: Config):
        self.config = config
        self.store = Store(config.db)
        self._clusterer: StoryClusterer | None = None
        self._copies: CopyDetector | None = None
        self._seen_seq = 0  # the newest article the indexes hold ...
        self._seen_version: int | None = None  # ... and the store's data_version when they were brought up to date
        self._saved_seq: int | None = None  # the newest article of the saved indexes this process read or wrote
        self.indexes_from_saved = False  # whether `warm` read the saved indexes (else every stored text)
        self._term_ids: TermTables | None = None  # per ingest: the feature makers' term ids -> the clusterer's
        # Per ingest into a store with no story (`IngestConfig.batch_stories`): its new articles,
        # placed in stories together when the last is stored (`_place_batch`).
        self._pending: list[_Pending] | None = None
        self._outlets: OutletNames | None = None
        self._outlet_of: dict[str | None, str | None] = {}  # name as given -> the outlet's one name
        self.memo: Memo | None = None  # a server's reads shared between its connections (`Memo`)
        self._memo_at: int | None = None  # the memo's version when this connection's snapshot began

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Newsfuse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ online state

    def warm(self, progress: Callable[[int], None] | None = None) -> int:
        """Make the story and copy indexes now (else the first new article does): from the saved
        indexes beside the store (`indexstate`) when they are this store's, then the articles
        stored after them; else from every stored text (~1-5 ms an article), saved afterwards.
        `progress` is called with the articles read from their texts. Returns how many were."""
        if self._clusterer is not None and self._copies is not None:
            return 0
        from .copies import CopyDetector
        from .stories import StoryClusterer

        with self.store.snapshot():  # the version, the last article and the stories of one moment
            # Read first: a commit landing after this changes it again, and the next write
            # catches up from the last article read (`_catch_up`).
            self._seen_version = self.store.data_version()
            saved = self._saved_indexes()
            upto = self.store.last_seq()
            story_of = self.store.story_assignments() if saved is None else {}
        if saved is not None:
            self._clusterer, self._copies, seq = saved
            self._saved_seq, self.indexes_from_saved = seq, True
            n = self._read_after(seq, upto, progress)
            self._seen_seq = upto
        else:
            clusterer = StoryClusterer(self.config.stories)
            copies = CopyDetector(self.config.copies)
            n = 0
            for number, a in self.store.iter_numbered_articles(until_seq=upto):
                sid = story_of.get(a.id)
                if sid is not None:
                    clusterer.restore(a, sid)
                copies.add(a.id, a.text, a.published, key=number)
                n += 1
                if progress is not None and n % 500 == 0:
                    progress(500)
            if progress is not None and n % 500:
                progress(n % 500)
            self._clusterer, self._copies, self._seen_seq = clusterer, copies, upto
        self.save_indexes()
        return n

    @property
    def indexes_ready(self) -> bool:
        """Whether the story and copy indexes are in memory (a write then needs no warm-up)."""
        return self._clusterer is not None and self._copies is not None

    def _saved_indexes(self) -> tuple[StoryClusterer, CopyDetector, int] | None:
        """The saved indexes if they are this store's: the articles up to the saved one are the
        store's, in its order, each in the story the store says (a delete, a recluster or a story
        moved by another process since makes them another store's: they are rebuilt)."""
        from . import indexstate

        path = indexstate.state_path(self.config.db)
        if not path.is_file():
            return None
        loaded = indexstate.load(path, self.config.stories, self.config.copies)
        if loaded is None:
            return None
        clusterer, copies, seq = loaded
        rows = self.store.article_stories(until_seq=seq)
        story_of = clusterer.story_of
        if (len(rows) != len(copies.ids) or sum(s is not None for _, s in rows) != len(story_of)
                or any(a != b or story_of.get(a) != s for (a, s), b in zip(rows, copies.ids))):
            return None
        return loaded

    def save_indexes(self, min_new: int = 1000) -> bool:
        """Save the story and copy indexes beside the store (`indexstate`) when they hold `min_new`
        articles more than the saved ones, or the saved ones are not theirs (a store smaller than
        `min_new` is read again in seconds). Returns whether a file was written."""
        from . import indexstate

        if self._clusterer is None or self._copies is None or len(self._copies.ids) < min_new \
                or not self.config.db.is_file():
            return False
        path = indexstate.state_path(self.config.db)
        saved = indexstate.saved_seq(path) if path.is_file() else None
        if saved is not None and saved == self._saved_seq and self._seen_seq - saved < min_new:
            return False
        if not indexstate.save(path, self._clusterer, self._copies, self._seen_seq):
            return False
        self._saved_seq = self._seen_seq
        return True

    def _read_after(self, seq: int, upto: int | None = None, progress: Callable[[int], None] | None = None) -> int:
        """Put the articles stored after `seq` (up to `upto`) into the story and copy indexes, in
        the store's order, each in its stored story; returns how many."""
        clusterer, copies = self._clusterer, self._copies
        assert clusterer is not None and copies is not None
        n = 0
        for number, a in self.store.iter_numbered_articles(after_seq=seq, until_seq=upto):
            sid = self.store.story_of(a.id)
            if sid is not None:
                clusterer.restore(a, sid)
            copies.add(a.id, a.text, a.published, key=number)
            n += 1
            if progress is not None:
                progress(1)
        return n

    def _catch_up(self) -> int:
        """Bring the story and copy indexes up to date with articles other processes stored since
        this one read the store (`ingest` beside `serve`, two `ingest --follow`): called under the
        write lock, before anything is assigned, so nothing can be stored meanwhile. SQLite's
        `data_version` says whether anyone else committed; only articles after the last one known
        are read. Returns how many were added to the indexes."""
        if self._clusterer is None or self._copies is None:
            return 0
        version = self.store.data_version()
        if version == self._seen_version:
            return 0
        n = self._read_after(self._seen_seq)
        self._seen_seq, self._seen_version = self.store.last_seq(), version
        return n

    def _state(self) -> tuple[StoryClusterer, CopyDetector]:
        """Story index and copy index, rebuilt from the store once per process."""
        if self._clusterer is None or self._copies is None:
            self._fold_outlet_names()
            self.warm()
        assert self._clusterer is not None and self._copies is not None
        return self._clusterer, self._copies

    def _place(self, article: Article, report: IngestReport | None = None) -> str:
        """Assign a newly stored article to a story and record copies it makes; inside the
        caller's transaction. In an ingest whose stories are made as a batch, its story is made
        with the others' at the end (`_place_batch`): "" until then."""
        clusterer, copies = self._state()
        if self._pending is not None:
            self._pending.append(self._pending_article(article, None, *clusterer.article_term_ids(article)))
            story_id = ""
        else:
            assignment = clusterer.add(article)
            self.store.assign_stories([(article.id, assignment.story_id, assignment.similarity)])
            self._merge_stories(clusterer, report)
            story_id = assignment.story_id
        found = copies.add(article.id, article.text, article.published)
        if found:
            original, sim = found[0]
            self.store.set_copies([(article.id, original, sim)])
        return story_id

    # ------------------------------------------------------------ ingest

    def ingest(self, paths: str | Path | Iterable[str | Path], *,
               progress: Callable[[int], None] | None = None) -> IngestReport:
        """Read files/folders (one path, or several) and store their articles in one transaction:
        all or nothing."""
        from .features import FeatureMaker

        if isinstance(paths, (str, Path)):  # one path, not the characters of its name
            paths = [paths]

        skipped: list[tuple[str, str]] = []
        batches = ingest_stage.read_batches(paths, self.config.ingest, FeatureMaker(self.config.copies), skipped)
        report = self._store_all(batches, progress)
        report.skipped = skipped
        return report

    def add(self, article: Article | dict[str, Any]) -> str:
        """Store one article (a record or a JSON-like dict) and return its story id."""
        report = self.add_many([article])
        if report.rejected:
            raise ingest_stage.IngestError(report.rejected[0])
        if report.added:
            return report.stories[report.added[0]]
        if report.updated:  # a new version of a stored article stays in its story
            return report.stories[report.updated[0][0]]
        stored_id = report.present[0][1]
        return self.store.story_of(stored_id) or ""

    def add_many(self, items: Sequence[Article | dict[str, Any]], origin: str = "api", *,
                 all_or_nothing: bool = False, entity_backlog: bool | None = True) -> IngestReport:
        """Store articles (records or JSON-like dicts, as `article_from_json` reads them) in one
        transaction. `all_or_nothing`: a bad one stores none (BatchRejected names it).
        `entity_backlog=False`: index the entities of these articles' stories only; None: none now
        (their stories stay marked stale: the next entity filter, or `index_entities`, reads them)."""
        from .features import FeatureMaker

        def parse() -> Iterable[ArticleBatch]:
            make = FeatureMaker(self.config.copies)
            for start in range(0, len(items), 512):
                yield make([_read_item(item, f"{origin}[{i}]", self.config.ingest.max_article_bytes)
                            for i, item in enumerate(items[start:start + 512], start)])
        return self._store_all(parse(), None, all_or_nothing, entity_backlog)

    def add_batches(self, batches: Sequence[Sequence[Article | dict[str, Any]]], origin: str = "api", *,
                    entity_backlog: bool | None = True) -> list[IngestReport | BatchRejected]:
        """Several all-or-nothing batches (`add_many(all_or_nothing=True)` each, e.g. the POSTs
        queued at a server's writer) stored in one transaction: one commit for all, instead of one
        each. Each batch gets its report, or the BatchRejected that stored none of it: a batch
        with an article that cannot be read is left out before anything is written; one that
        the store refuses rolls the transaction back, and then each batch is stored on its own."""
        out: list[IngestReport | BatchRejected | None] = [None] * len(batches)
        readable: list[tuple[int, list[Article]]] = []
        for b, items in enumerate(batches):
            read = [_read_item(item, f"{origin}[{i}]", self.config.ingest.max_article_bytes) for i, item in enumerate(items)]
            bad = next((r for r in read if isinstance(r, ingest_stage.Rejection)), None)
            if bad is not None:
                out[b] = BatchRejected(str(bad), "read")
            else:
                readable.append((b, read))  # type: ignore[arg-type]
        try:
            with self.store.transaction():
                reports = [(b, self.add_many(read, origin, all_or_nothing=True, entity_backlog=entity_backlog))
                           for b, read in readable]
        except BatchRejected:
            reports = []
            for b, read in readable:
                try:
                    reports.append((b, self.add_many(read, origin, all_or_nothing=True, entity_backlog=entity_backlog)))
                except BatchRejected as e:
                    out[b] = e
        for b, report in reports:
            out[b] = report
        return out  # type: ignore[return-value]

    def _store_all(self, batches: Iterable[ArticleBatch], progress: Callable[[int], None] | None,
                   all_or_nothing: bool = False, entity_backlog: bool | None = True) -> IngestReport:
        from .features import TermTables

        report = IngestReport()
        clusterer, _ = self._state()
        self._term_ids = TermTables(clusterer.term_ids)
        seconds = report.seconds
        try:
            # 64 MB of page cache while the batch is written: SQLite's 2 MB default spilled a big
            # ingest's one transaction to the WAL and read it back (bench/ingest_compare.py).
            with self.store.transaction(), self.store.page_cache(65536):
                self._catch_up()
                if self.config.ingest.batch_stories and not clusterer.story_of:
                    # A store with no story yet (a first load): nothing stored has an id to keep,
                    # so this ingest's stories are the batch's (`_place_batch`), whatever its order.
                    self._pending = []
                waited = time.perf_counter()
                used: dict[str, tuple[str, str]] = {}  # id -> (content hash, origin) of its first use in this input
                today = ingest_stage.ingest_day(self.config.ingest)
                for batch in batches:
                    seconds["waiting for parsing"] = seconds.get("waiting for parsing", 0.0) + time.perf_counter() - waited
                    for step, spent in batch.seconds.items():
                        seconds[step] = seconds.get(step, 0.0) + spent
                    self._store_batch(batch, report, progress, all_or_nothing, used, today)
                    waited = time.perf_counter()
                if self._pending is not None:
                    self._place_batch(report)
                self._seen_seq = self.store.last_seq()  # what this batch stored is in the indexes
        except BaseException:
            # The store rolled back; the in-memory indexes may hold what it no longer has.
            self._clusterer = self._copies = None
            raise
        finally:
            self._pending = None
        if (not self.store.db.in_transaction and len(report.added) >= MERGE_SEARCH_MIN_ADDED
                and len(report.added) * MERGE_SEARCH_SHARE >= self.store.count_articles()):
            # A bulk write's big full-text segments, merged with the rest now (~20 s at 100k),
            # stay out of the merges of later small writes (`Store.merge_search_index`).
            self.store.merge_search_index()
        if self.config.entities.index_at_ingest and entity_backlog is not None:
            # A write answered while someone waits (REST) reads its own stories' entities only: a
            # store's backlog (an old store, an ingest cut short) is read by the first entity filter.
            self.index_entities(stories=set(report.stories.values()) if not entity_backlog else None)
        return report

    def _store_batch(self, batch: ArticleBatch, report: IngestReport, progress: Callable[[int], None] | None,
                     all_or_nothing: bool, used: dict[str, tuple[str, str]], today: date) -> None:
        """One chunk: new articles in one batched write, then placed in stories and copy groups
        in order; an article whose id or text the store (or the chunk) already has goes the
        one-by-one way (versions, republications), after everything before it is written. An id
        used again in the same input (`used`, over the input's chunks) for another text is
        rejected, as `ingest.first_of_each` rejects it: whatever its first use became (an article,
        a version, a republication of another id's text), one input gives one text an id; a new
        version comes from a later input. An article dated more than `IngestConfig.future_days`
        after `today` is rejected (`ingest.too_late`)."""
        t = time.perf_counter()
        articles = list(batch.articles())
        for _, a in articles:
            a.source = self.outlet(a.source)
        known_ids, known_texts = self.store.known([a.id for _, a in articles], [a.content_hash for _, a in articles])
        assert self._term_ids is not None
        term_ids = self._term_ids(batch)  # once per batch: it takes in the batch's new terms
        new: list[int] = []
        future_days = self.config.ingest.future_days
        for k, item in enumerate(batch.items):
            if not isinstance(item, ingest_stage.Rejection):
                late = item.published and ingest_stage.too_late(item.published, today, future_days)
                if late:
                    item = ingest_stage.Rejection(item.origin, late)
                else:
                    first = used.setdefault(item.id, (item.content_hash, item.origin))
                    if first[0] != item.content_hash:
                        item = ingest_stage.Rejection(item.origin, f"{ingest_stage.id_reused(item.id)} ({first[1]})")
            if isinstance(item, ingest_stage.Rejection):
                if all_or_nothing:
                    raise BatchRejected(str(item), "read")
                report.rejected.append(str(item))
                if progress:
                    progress(1)
                continue
            if item.id in known_ids or item.content_hash in known_texts:
                self._store_new(batch, term_ids, new, report, progress)
                new = []
                self._store_one(batch.article(k), report, all_or_nothing)
                if progress:
                    progress(1)
            else:
                new.append(k)
            known_ids.add(item.id)
            known_texts.add(item.content_hash)
        self._store_new(batch, term_ids, new, report, progress)
        report.seconds["store, stories, copies"] = report.seconds.get("store, stories, copies", 0.0) + \
            time.perf_counter() - t

    def _store_new(self, batch: ArticleBatch, term_ids: np.ndarray, positions: list[int], report: IngestReport,
                   progress: Callable[[int], None] | None) -> None:
        if not positions:
            return
        from .stories import day_number

        clusterer, copies = self._state()
        seconds = report.seconds
        t0 = time.perf_counter()
        articles = [batch.items[k] for k in positions]
        seqs = self.store.add_new_articles(articles, [batch.fts[k] for k in positions],
                                           [batch.sentence_spans(k).tolist() for k in positions])
        t1 = time.perf_counter()
        members = []
        pending = self._pending
        for k, seq, a in zip(positions, seqs, articles):
            span = batch.term_range(k)
            if pending is not None:  # placed with the ingest's other articles at its end
                pending.append(self._pending_article(a, seq, term_ids[span], batch.weights[span]))
            else:
                placed = clusterer.add_term_ids(a.id, term_ids[span], batch.weights[span], day_number(a.published))
                members.append((seq, a.id, placed.similarity))
            report.added.append(a.id)
            if progress:
                progress(1)
        story_of = clusterer.story_of  # where each one is after the merges its successors made
        report.stories.update((article_id, story_of[article_id]) for _, article_id, _ in members)
        members = [(seq, story_of[article_id], sim) for seq, article_id, sim in members]
        t2 = time.perf_counter()
        found = []
        signatures = batch.signatures[positions]
        band_keys = copies.band_keys_many(signatures)  # the chunk's at once
        for j, (seq, a) in enumerate(zip(seqs, articles)):
            copied = copies.add(a.id, a.text, a.published, signature=signatures[j], key=seq, band_keys=band_keys[j])
            if copied:
                original, sim = copied[0]
                original_seq = copies.key_of(original)
                found.append((seq, original if original_seq < 0 else original_seq, sim))
        t3 = time.perf_counter()
        self.store.add_story_members(members)
        self._merge_stories(clusterer, report)
        self.store.add_copies(found)
        t4 = time.perf_counter()
        for step, spent in (("store", t1 - t0 + t4 - t3), ("stories", t2 - t1), ("copies", t3 - t2)):
            seconds[step] = seconds.get(step, 0.0) + spent

    def _pending_article(self, article: Article, seq: int | None, ids: np.ndarray, raw: np.ndarray) -> _Pending:
        # The text is kept only for the embedding model: a bulk load keeps no article but its terms.
        return _Pending(article.id, article.published, seq, ids, raw,
                        article if self.config.stories.embeddings else None)

    def _place_batch(self, report: IngestReport) -> None:
        """Place the ingest's new articles (`_pending`, in the order they were stored) as `newsfuse
        cluster` places them (`stories.cluster`: one pass in date order with the batch's document
        frequencies, then the refinement), then put them in the story index in the order they were
        stored, each in its story, as `warm` puts a store's articles back (`restore`): the next
        article is placed online against these stories, and the index is what a process reading
        the store again would make."""
        from .stories import cluster, day_number

        pending, self._pending = self._pending, None
        if not pending:
            return
        t = time.perf_counter()
        clusterer = self._clusterer
        assert clusterer is not None
        placed = cluster([p.article or p for p in pending], self.config.stories,  # type: ignore[misc]
                         terms={p.id: (p.ids, p.raw) for p in pending}, vocabulary=clusterer)
        where = {x.article_id: x for x in placed}
        for p in pending:
            clusterer.restore_term_ids(p.id, p.ids, p.raw, day_number(p.published), where[p.id].story_id)
        self.store.add_story_members([(p.seq, where[p.id].story_id, where[p.id].similarity)
                                      for p in pending if p.seq is not None])
        self.store.assign_stories([(p.id, where[p.id].story_id, where[p.id].similarity)
                                   for p in pending if p.seq is None])
        report.stories.update((p.id, where[p.id].story_id) for p in pending)
        report.seconds["stories"] = report.seconds.get("stories", 0.0) + time.perf_counter() - t

    def _merge_stories(self, clusterer: StoryClusterer, report: IngestReport | None) -> None:
        """Store the merges the clusterer made (the older story keeps its id; the other's becomes
        an alias of it), then the moves of its re-checks (splits: each moved article to the story
        the clusterer has it in now, after the merges, which may have moved it to a survivor
        first), and point the report's stories at where they are."""
        merges = clusterer.take_merges()
        moves = clusterer.take_moves()
        if not merges and not moves:
            return
        if merges:
            self.store.merge_stories(merges)
        if moves:
            story_of = clusterer.story_of
            self.store.assign_stories([(a, story_of[a], sim) for a, sim in moves.items()])
        if report is not None:
            survivor, story_of = dict(merges), clusterer.story_of
            for article_id, story_id in report.stories.items():
                while story_id in survivor:
                    story_id = survivor[story_id]
                report.stories[article_id] = story_of[article_id] if article_id in moves else story_id

    def _store_one(self, item: Article, report: IngestReport, all_or_nothing: bool) -> None:
        result: StoreResult = self.store.add_article(item)
        if result.status == "added":
            report.added.append(item.id)
            report.stories[item.id] = self._place(item, report)
        elif result.status == "updated":
            # An edit keeps its story: a correction is no new event. The brief is made
            # again from the latest text.
            report.updated.append((item.id, int(result.detail.split()[-1])))
            report.stories[item.id] = self.store.story_of(item.id) or ""
        elif result.status == "present":
            report.present.append((item.origin, result.detail))
            if result.detail != item.id and self.store.add_publication(result.detail, item):
                report.republished.append((result.detail, item.source or ""))
        elif all_or_nothing:
            raise BatchRejected(f"{item.origin}: {result.detail}", "store")
        else:
            report.rejected.append(f"{item.origin}: {result.detail}")

    # ------------------------------------------------------------ outlets

    def outlet_names(self) -> OutletNames:
        if self._outlets is None:
            self._outlets = OutletNames.load(self.store.outlet_aliases())
            self._outlet_of = {}
        return self._outlets

    def outlet(self, name: str | None) -> str | None:
        """The one name of the outlet `name` names (a host, a URL, a dateline code, a site name)."""
        if name not in self._outlet_of:
            self._outlet_of[name] = self.outlet_names().canonical(name)
        return self._outlet_of[name]

    def _outlet_filter(self, name: str | None) -> str | None:
        """The one name of the outlet a filter names, or None for no filter; BadParameter for a name
        no stored article's outlet goes by (a typo listed nothing, exit 0, as if the outlet were quiet)."""
        if not name:
            return None
        canonical = self.outlet(name)
        if canonical is None or not self.store.has_outlet(canonical):
            raise BadParameter(f"outlet: no outlet is named {name!r} (`newsfuse outlets` lists them)",
                               "bad_page_parameter", name="outlet", value=name)
        return canonical

    def _fold_outlet_names(self) -> int:
        """Stored articles whose outlet goes by several names get its one name (a store made
        before the outlet table, or an alias the user just added)."""
        names = self.outlet_names()
        renames = {n: c for n in self.store.outlet_names() if (c := names.canonical(n)) and c != n}
        return self.store.rename_outlets(renames) if renames else 0

    def add_outlet_alias(self, alias: str, outlet: str, origin: str = "user", *, reassign: bool = False) -> int:
        """Make `alias` another name of `outlet` (itself resolved first: `TPO` names tienphong.vn);
        stored articles under the alias move to the outlet. Returns how many names were folded.
        A name that already names another outlet (`TTO` is tuoitre.vn's code, `tuoitre.vn` has
        articles) is a ValueError unless `reassign`: taking it silently moved that outlet's
        articles and made `--outlet TTO` answer with the other paper."""
        if not alias.strip() or not outlet.strip():
            raise ValueError("an alias and an outlet are both needed")
        target = self.outlet(outlet) or outlet.strip()
        current = self.outlet(alias)
        # Known: the names table maps it elsewhere, or it is a host with articles of its own (a raw
        # name stored as written, `Báo giấy TP`, is what an alias is for: it folds without asking).
        known = current != " ".join(unicodedata.normalize("NFC", alias).split()) or (
            host_outlet(alias) is not None and any(name == current for name, _n in self.store.sources()))
        if current and current != target and known and not reassign:
            held = "is an outlet with articles of its own" if current == alias.strip() else f"already names {current!r}"
            raise ValueError(f"{alias.strip()!r} {held}; give --reassign to make it a name of {target!r}")
        key = alias_key(alias)
        if host_outlet(alias) is not None:
            key = alias_key(host_outlet(alias) or alias)
        self.store.set_outlet_alias(alias.strip(), target, key, origin)
        self._outlets = None
        return self._fold_outlet_names()

    def learn_site_name(self, site_name: str | None, outlet: str | None) -> None:
        """A page on `outlet`'s site calls itself `site_name`: remember it as an alias, unless the
        name already belongs to some outlet."""
        if not site_name or not outlet or host_outlet(site_name) is not None:
            return
        names = self.outlet_names()
        if names.canonical(site_name) != " ".join(site_name.split()):
            return  # known already (to this outlet or another)
        self.store.set_outlet_alias(site_name.strip(), outlet, alias_key(site_name), "site name")
        names.learn(site_name.strip(), outlet)
        self._outlet_of.pop(site_name, None)

    def outlets(self) -> list[dict[str, Any]]:
        """Every outlet in the store: its one name, display name, aliases and article count."""
        names = self.outlet_names()
        out = []
        for outlet, n in self.store.sources():
            d: Outlet = names.describe(outlet)
            out.append({"outlet": outlet, "name": d.name, "articles": n,
                        "aliases": d.user_aliases + [a for a in d.aliases if a not in d.user_aliases]})
        return out

    # ------------------------------------------------------------ followed sources

    def add_source(self, url: str, name: str | None = None, *, read_now: bool = False) -> tuple[FollowedSource, bool]:
        """Follow a feed, a sitemap or a page that links to a feed; `name` is its articles' outlet.
        `read_now` reads it at once (finds the feed of a page, lists its items); else the next
        `watch` cycle does. Returns the source and whether it is new. Raises ValueError for a
        URL that cannot be followed."""
        url = _source_url(url)
        outlet = self.outlet(name) if name else None
        # A URL already followed, as a source or as the feed a source's page names, is that source
        # (named anew when a name is given): one feed followed twice was read twice a cycle, its
        # pages fetched twice and its articles split between two outlet names.
        known = self.store.followed_source(url)
        if known is not None:
            return self._named(known, outlet), False
        source, new = self.store.add_followed_source(url, outlet)
        return self._read_new([(source, new)], outlet)[0] if read_now else (source, new)

    def _read_new(self, added: list[tuple[FollowedSource, bool]],
                  outlet: str | None = None) -> list[tuple[FollowedSource, bool]]:
        """Sources just added, the new ones read once now by one watcher; a source whose page
        names a feed already followed becomes that source (and not new)."""
        fresh = [src for src, new in added if new]
        # Reading a feed extracts no page: a watcher without extraction processes (one made per
        # feed of an OPML forked a pool per feed).
        with self.watcher(replace(self.config.watch, extract_workers=1)) as w:
            read = {src.id: src for src in w.probe(fresh)}
        out = []
        for src, new in added:
            src = read.get(src.id, src)
            if new and src.status == "duplicate":  # its page names a feed already followed (`Watcher._duplicate`)
                twin = self.store.same_feed(src.id, src.feed_url or src.url)
                if twin is not None:
                    self.store.remove_followed_source(src.id)
                    out.append((self._named(twin, outlet), False))
                    continue
            out.append((src, new))
        return out

    def _named(self, source: FollowedSource, outlet: str | None) -> FollowedSource:
        if outlet is None or outlet == source.outlet:
            return source
        self.store.update_followed_source(source.id, outlet=outlet)
        return self.store.followed_source(source.id) or source

    def import_opml(self, path: str | Path, *, read_now: bool = False) -> list[tuple[FollowedSource, bool]]:
        """Follow every feed an OPML file lists (its outline's title is not taken as the outlet:
        feeds readers title feeds by section, `Thời sự`, `Thế giới`). All or nothing: a listed URL
        that cannot be followed is a ValueError naming the file and every such URL, and none of
        the file's feeds is added (docs/decisions.md, Faces)."""
        from .feeds import SourceError, read_opml

        try:
            data = Path(path).read_bytes()
        except OSError as e:
            raise ValueError(f"{path}: cannot read: {e.strerror or e}") from None
        try:
            listed = read_opml(data)
        except SourceError as e:
            raise ValueError(f"{path}: {e}") from None
        bad = []
        for url, _title in listed:
            try:
                _source_url(url)
            except ValueError as e:
                bad.append(str(e))
        if bad:
            raise ValueError(f"{path}: nothing added, {_count(len(bad), 'outline')} of {len(listed)} cannot be "
                             f"followed: {'; '.join(bad)}")
        with self.store.transaction():
            added = [self.add_source(url) for url, _title in listed]
        if read_now:  # after the commit: reading a feed is a fetch, no transaction waits on it
            added = self._read_new(added)
        return added

    def sources(self) -> list[FollowedSource]:
        return self.store.followed_sources()

    def source(self, key: str | int) -> FollowedSource | None:
        return self.store.followed_source(key)

    def remove_source(self, key: str | int) -> FollowedSource:
        """Stop following a source (by id or URL); its articles stay."""
        found = self.store.followed_source(key)
        if found is None:
            raise KeyError(f"no followed source {key!r}")
        self.store.remove_followed_source(found.id)
        return found

    def watcher(self, config: WatchConfig | None = None, **kwargs: Any) -> Watcher:
        """A `Watcher` over this store (a context manager; `.run(once=True)`, `.cycle()`)."""
        from .watch import Watcher

        return Watcher(self, config or self.config.watch, **kwargs)

    # ------------------------------------------------------------ versions and republications

    def versions(self, article_id: str) -> list[ArticleVersion]:
        return self.store.versions(article_id)

    def version_changes(self, article_id: str) -> list[VersionChange]:
        """What changed from each version to the next (sentence diff), oldest first."""
        return changes(self.store.versions(article_id))

    def publications(self, article_id: str) -> list[Publication]:
        """Every outlet that published this article's text (itself, exact republications, near
        copies), first publisher first: by publication time, then by when newsfuse saw it."""
        return _first_first(self.store.publications([article_id]))

    def story_publications(self, story_id: str) -> dict[str, list[Publication]]:
        """For each copy group among a story's articles that more than one outlet published: its
        first stored article id -> its publications, first publisher first."""
        groups: dict[str, list[Publication]] = {}
        for p in self.store.publications(self.store.story_article_ids(story_id)):
            groups.setdefault(p.of, []).append(p)
        return {of: _first_first(ps) for of, ps in groups.items() if len({(p.outlet, p.url) for p in ps}) > 1}

    def _with_republishers(self, stories: list[Story]) -> list[Story]:
        found = self.store.republishers({s.id: s.article_ids for s in stories}) if stories else {}
        for s in stories:
            s.also_published_by = sorted(found.get(s.id, set()) - set(s.outlets))
        return stories

    # ------------------------------------------------------------ archives

    def load_archive(self, root: str | Path, progress: Callable[[int], None] | None = None) -> IngestReport:
        """Load the output of `newsfuse archive run` (articles, stories, copies, briefs) in one
        transaction; live ingest then goes on from these stories (the indexes are rebuilt from
        the store). An article already stored with the same text is left as it is."""
        from .archive import output

        root = str(root)
        output.read_manifest(root)
        report = IngestReport()
        try:
            with self.store.transaction():
                for batch in output.read_dataset(root, "articles"):
                    for a in output.articles_of(batch):
                        result = self.store.add_article(a)
                        if result.status == "added":
                            report.added.append(a.id)
                        elif result.status == "present":
                            report.present.append((a.origin, result.detail))
                        else:
                            report.rejected.append(f"{a.origin}: {result.detail}")
                    if progress:
                        progress(batch.num_rows)
                added = set(report.added)
                for batch in output.read_dataset(root, "stories", ["article_id", "story_id"]):
                    pairs = list(zip(batch["article_id"].to_pylist(), batch["story_id"].to_pylist()))
                    # Touched: a new article's story, or one the archive moves (a load again is no change).
                    report.stories.update((a, s) for a, s in pairs if a in added or self.store.story_of(a) != s)
                    self.store.assign_stories((a, s, 1.0) for a, s in pairs)
                for batch in output.read_dataset(root, "copies", ["copy_id", "original_id", "similarity"]):
                    self.store.set_copies(zip(*(batch[c].to_pylist() for c in batch.column_names)))
                for batch in output.read_dataset(root, "briefs", ["story_id", "brief"]):
                    for story_id, body in zip(batch["story_id"].to_pylist(), batch["brief"].to_pylist()):
                        if body is not None:  # a story whose brief failed gets it made when asked
                            ids = self.store.story_article_ids(story_id)
                            self.store.cache_brief(story_id, self._brief_key(story_id, ids), body)
        finally:
            self._clusterer = self._copies = None  # rebuilt from the store on the next article
        return report

    # ------------------------------------------------------------ store management

    def delete(self, article_id: str) -> str | None:
        """Remove an article (see `Store.delete_article`); returns the story it was in. NotFound if
        there is no such article. The story and copy indexes are made again from the store."""
        try:
            with self.store.transaction():
                story = self.store.delete_article(article_id)
        except KeyError:
            raise NotFound(f"no article {article_id!r}") from None
        finally:
            self._clusterer = self._copies = None
        return story

    def recluster(self, progress: Callable[[str, int, int], None] | None = None) -> tuple[int, int]:
        """Make every story again from scratch: the batch clustering of all stored articles (the
        `newsfuse cluster` of the store), in one transaction. `progress(phase, done, total)`.
        Returns (articles, stories)."""
        from .stories import cluster

        total = self.store.count_articles()
        articles = []
        for a in self.store.iter_articles():
            articles.append(a)
            if progress is not None and (len(articles) % 500 == 0 or len(articles) == total):
                progress("reading", len(articles), total)
        if progress is not None:
            progress("clustering", 0, total)
        assignments = cluster(articles, self.config.stories)
        if progress is not None:
            progress("clustering", total, total)
        try:
            self.store.replace_stories((x.article_id, x.story_id, x.similarity) for x in assignments)
        finally:
            self._clusterer = self._copies = None
        if progress is not None:
            progress("storing", total, total)
        return len(assignments), len({x.story_id for x in assignments})

    def export_rows(self, what: str, progress: Callable[[int], None] | None = None) -> Iterator[dict[str, Any]]:
        """Every article (with its text and story), story (with its members) or brief (as the REST
        API gives it), one dict each, for `newsfuse export`."""
        if what == "articles":
            story_of = self.store.story_assignments()
            for a in self.store.iter_articles():
                yield {"id": a.id, "source": a.source, "published": a.published, "title": a.title, "url": a.url,
                       "author": a.author, "lead": a.lead, "language": a.language, "story": story_of.get(a.id),
                       "text": a.text}
                if progress is not None:
                    progress(1)
        elif what in ("stories", "briefs"):
            offset, page = 0, 500
            while found := self.store.list_stories(limit=page, offset=offset):
                for s in found:
                    if what == "stories":
                        yield {"id": s.id, "size": s.size, "first_date": s.first_date, "last_date": s.last_date,
                               "outlets": s.outlets, "title": s.title, "article_ids": s.article_ids}
                    else:
                        yield {"story_id": s.id, "title": s.title, "brief": self.brief_dict(s.id)}
                    if progress is not None:
                        progress(1)
                offset += page
        else:
            raise BadParameter(f"export: {what!r} is not one of articles, stories, briefs")

    # ------------------------------------------------------------ reading

    def articles(self, *, query: str | None = None, outlet: str | None = None, since: str | None = None,
                 until: str | None = None, story: str | None = None, limit: int = 50,
                 offset: int = 0) -> list[Article]:
        """Stored articles, newest first; with `query`, best match first (see `search`). NotFound
        for a `story` that is not there (an empty list would read as a story with no such articles)."""
        if query is not None and query.strip():
            return [h.article for h in self.search(query, outlet=outlet, since=since, until=until, story=story,
                                                   limit=limit, offset=offset).items]
        story = self._known_story(story)
        since, until = check_dates(since, until)
        check_page(limit, offset)
        return self.store.list_articles(source=self._outlet_filter(outlet), since=since, until=until,
                                        story=story, limit=limit, offset=offset)

    def count_articles(self, *, query: str | None = None, outlet: str | None = None, since: str | None = None,
                       until: str | None = None, story: str | None = None) -> int:
        if query is not None and query.strip():
            return self.search(query, outlet=outlet, since=since, until=until, story=story, limit=1).total
        story = self._known_story(story)
        since, until = check_dates(since, until)
        return self.store.count_articles(source=self._outlet_filter(outlet), since=since, until=until,
                                         story=story)

    def _known_story(self, story_id: str | None) -> str | None:
        """A story filter's live id (an alias names its survivor); NotFound when no story has it."""
        if not story_id:
            return None
        live = self._live(story_id)
        if not self.store.story_article_ids(live):
            raise NotFound(f"no story {story_id!r}")
        return live

    def story_of(self, article_id: str) -> str | None:
        """The story an article belongs to."""
        return self.store.story_of(article_id)

    def article(self, article_id: str) -> Article | None:
        """The article stored as `article_id`, else the one whose text came again word for word under
        that id (another outlet's republication, kept as a publication of it: its `id` then differs
        from the one asked for, and its publications name the id), else None."""
        with self.store.snapshot():
            found = self.store.get_article(article_id)
            if found is None and (stored := self.store.republished_as(article_id)) is not None:
                found = self.store.get_article(stored)
        return found

    def search(self, query: str, *, outlet: str | None = None, since: str | None = None, until: str | None = None,
               story: str | None = None, limit: int = 20, offset: int = 0) -> Page[Hit]:
        """Articles matching `query` (the language of `newsfuse.search`: words, "phrases", prefix*,
        AND, OR, NOT, brackets; case aside; a word without tone marks finds every tone, one with its marks those marks only), best first, each
        with a snippet of its best passage and the matches marked; with `story`, that story's
        articles only. BadParameter on bad syntax, and on a query of no text (a search for nothing
        is a mistake in every face: the CLI's exit code 2, REST's 422)."""
        from . import search as search_stage

        if not isinstance(query, str) or not query.strip():
            raise BadParameter("query: a query is needed (words, \"a phrase\", prefix*, AND, OR, NOT)")
        node = search_stage.parse(query)
        since, until = check_dates(since, until)
        check_page(limit, offset)
        story = self._known_story(story)
        if node is None:
            raise _no_word(query)
        match, match_filter = search_stage.expression(node), search_stage.filter_expression(node)
        with self.snapshot():
            got = None
            if self.memo is not None and not (outlet or since or until or story):
                got = self._search_page(match, match_filter, limit, offset)
            found, total = got or self.store.search(match, source=self._outlet_filter(outlet),
                                                    since=since, until=until, limit=limit, offset=offset,
                                                    match_filter=match_filter, story=story)
            hits = [Hit(a, search_stage.snippet([x.text for x in a.sentences], a.title, node), self.store.story_of(a.id))
                    for a in found]
        return Page(hits, total, limit, offset)

    def _ranked_matches(self, match: str, match_filter: str | None):
        """The query's `Store.ranked_matches`, shared through the memo by its searches and its
        story lists at one version (one bm25 pass for both)."""
        return self._memo(("ranked matches", match), lambda: self.store.ranked_matches(match, match_filter))

    def _search_page(self, match: str, match_filter: str | None, limit: int,
                     offset: int) -> tuple[list[Article], int] | None:
        """`Store.search`'s page with no other filter, cut from the memo's ranked matches; None
        when the page reaches past the window (the store ranks the older matches) or one of its
        articles is not in this snapshot (the memo's read may be newer than it)."""
        ranked = self._ranked_matches(match, match_filter)
        if ranked.more and offset + limit > len(ranked.rows):
            return None
        found = self.store.articles_at([r[0] for r in ranked.rows[offset:offset + limit]])
        return None if found is None else (found, ranked.total)

    def stories(self, *, query: str | None = None, entity: str | None = None, outlet: str | None = None,
                since: str | None = None, until: str | None = None, sort: str | None = None,
                limit: int = 50, offset: int = 0) -> list[Story]:
        """Stories, latest first (`sort="relevance"`, the default with a query: best match first),
        keeping those that pass every filter given: an article matching `query`, the entity
        `entity`, an article from `outlet`, dates overlapping [since, until]."""
        check_page(limit, offset)
        where = self._story_filters(query, entity, outlet, since, until)
        if sort not in (None, "relevance", "latest"):
            raise BadParameter(f"sort: {sort!r} is not one of relevance, latest", "bad_sort", value=sort)
        by_rank = where["match"] is not None and sort != "latest"
        if by_rank and self.memo is not None and not (where["since"] or where["until"] or where["entity"]):
            page = self._ranked_page(where["match"], where["match_filter"], where["source"], limit, offset)
            if page is not None:
                return self._with_republishers(self.store.stories_in_order(page))
        return self._with_republishers(self.store.list_stories(**where, by_rank=by_rank, limit=limit, offset=offset))

    def _ranked_page(self, match: str, match_filter: str | None, source: str | None, limit: int,
                     offset: int) -> list[str] | None:
        """The page of `Store.list_stories(by_rank=True)` from the memo's ranked window of the
        query (and the outlet's stories); None when the page reaches past the window."""
        more, found, latest = self._memo(("ranked window", match), lambda: self.store.ranked_window(
            match, match_filter, ranked=self._ranked_matches(match, match_filter)))
        if source is not None:
            keep = self._outlet_stories(source)
            found = [r for r in found if r[0] in keep]
        want = offset + limit
        if len(found) > want:
            found = [r for r in found if r[1] <= found[want - 1][1]]  # with every story tied with the last
        elif len(found) < want and more:
            return None  # the rest is among the older matches: the store ranks them
        ordered = self.store.order_ranked([r[0] for r in found], dict(found), latest)
        return ordered[offset:offset + limit]

    def count_stories(self, *, query: str | None = None, entity: str | None = None, outlet: str | None = None,
                      since: str | None = None, until: str | None = None) -> int:
        where = self._story_filters(query, entity, outlet, since, until)
        if where["match"] is not None and self.memo is not None and not (where["since"] or where["until"]
                                                                          or where["entity"]):
            counted = where["match_filter"]
            with self.store.snapshot():
                matched = self._story_set(("match stories", counted),
                                          lambda after: self.store.match_story_ids(counted, after))
                if where["source"] is None:
                    return len(matched)
                return len(matched & self._outlet_stories(where["source"]))
        return self.store.count_stories(**where)

    def _outlet_stories(self, source: str) -> frozenset[str]:
        return self._story_set(("outlet stories", source), lambda after: self.store.outlet_story_ids(source, after))

    def _story_set(self, key: tuple[Any, ...], stories_after: Callable[[int], frozenset[str]]) -> frozenset[str]:
        """The stories of the articles stored after a seq (`stories_after(seq)`; all from 0), kept
        in the server's memo across commits: at a state with the same story epoch and the same
        members up to the kept seq (`Store.story_state`), the kept set and the stories of the
        articles since are the answer, exactly; else it is read whole."""
        if self.memo is None:
            return stories_after(0)
        # Once a version (the plain memo), then across versions (`Memo.kept_set`): checking the
        # state costs a count of the members (1-3 ms at 100k), not to be paid by every request.
        with self.store.snapshot():
            return self._memo(("story set", *key), lambda: self._grown_set(key, stories_after))

    def _grown_set(self, key: tuple[Any, ...], stories_after: Callable[[int], frozenset[str]]) -> frozenset[str]:
        assert self.memo is not None
        with self.store.snapshot():
            kept = self.memo.kept_set(key)
            if kept is not None:
                (epoch, seq, members), value = kept
                now = self.store.story_state(upto=seq)
                if now[0] == epoch and now[1] >= seq and now[2] == members:
                    if now[1] > seq:
                        value = value | stories_after(seq)
                        now = self.store.story_state()
                        self.memo.keep_set(key, now, value)
                    return value
            value = stories_after(0)
            self.memo.keep_set(key, self.store.story_state(), value)
            return value

    def _story_filters(self, query: str | None, entity: str | None, outlet: str | None, since: str | None,
                       until: str | None) -> dict[str, Any]:
        """The store's filters for these, every one checked (BadParameter otherwise)."""
        from . import search as search_stage

        since, until = check_dates(since, until)
        match = match_filter = None
        if query is not None and query.strip():
            node = search_stage.parse(query)
            if node is None:  # punctuation only (`"`): a search for nothing, as `search` says
                raise _no_word(query)
            match, match_filter = search_stage.expression(node), search_stage.filter_expression(node)
        if entity and entity.strip():
            self.index_entities()  # what changed since the last ingest (a deferred index, an old store)
        return {"source": self._outlet_filter(outlet), "since": since, "until": until, "match": match,
                "match_filter": match_filter,
                # the name as asked and as the index also keeps it (`TP.HCM` finds `Thành phố Hồ Chí Minh`)
                "entity": (entity, self._entity_key("vi")(entity)) if entity and entity.strip() else None}

    def index_entities(self, progress: Callable[[int], None] | None = None, stories: Iterable[str] | None = None,
                       limit: int | None = None) -> int:
        """Read the entities of every story changed since it was last indexed (of `stories` only,
        when given; at most `limit` of them, when given) into the store's entity index, one story
        per transaction; returns how many stories were read."""
        if limit is not None:
            return self._index_stories(self.store.stale_entity_stories(limit=limit))
        if stories is not None:
            return self._index_stories(sorted(set(stories) & set(self.store.stale_entity_stories())))
        done = 0
        while stale := self.store.stale_entity_stories(limit=500):
            done += self._index_stories(stale, progress)
        return done

    def _index_stories(self, story_ids: Iterable[str], progress: Callable[[int], None] | None = None) -> int:
        done = 0
        for story_id in story_ids:
            articles = self.story_articles(story_id) if self.store.story_article_ids(story_id) else []
            self.store.write_story_entities(story_id, self._find_entities(articles, keep=True) if articles else [],
                                            found_by=self._entity_key(articles[0].language if articles else "vi"))
            done += 1
            if progress is not None:
                progress(1)
        return done

    @staticmethod
    def _entity_key(language: str) -> Callable[[str], str]:
        """What two spellings of a name share in `language` (its pack's abbreviations expanded:
        `TP.HCM`, `TP. Hồ Chí Minh` and `Thành phố Hồ Chí Minh` are one key)."""
        from . import lang
        from .entities import entity_key, lexicon

        lx = lexicon(lang.for_language(language))
        return lambda name: entity_key(name, lx)

    def _find_entities(self, articles: Sequence[Article], keep: bool = False) -> list[Entity]:
        """The story's entities, read over what the store kept of its articles' readings
        (`_kept_readings`); `keep`: what was read is kept in turn (the entity index writes)."""
        from .entities import article_readings, find_entities

        tagger = self.config.entities.tagger
        stored = self._kept_readings(articles, tagger)
        found = find_entities(articles, tagger=tagger)
        if keep:
            hashes = {a.id: a.content_hash for a in articles}
            self.store.write_entity_readings([(i, hashes[i], key, body) for i, (key, body)
                                              in article_readings(articles, tagger=tagger).items()
                                              if stored.get(i) != (key, body)])
        return found

    def _kept_dates(self, articles: Sequence[Article]) -> dict[str, tuple[str, bytes]]:
        """Give the date rules what the store kept of these articles' dates (an earlier brief of
        the story read them): a brief made again reads only the articles it has not read."""
        from .timeline import keep_date_readings

        stored = self.store.date_readings(articles)
        keep_date_readings(articles, stored)
        return stored

    def _keep_dates(self, articles: Sequence[Article], stored: dict[str, tuple[str, bytes]]) -> None:
        """Keep in the store the date readings a brief made that it did not hold (skipped when
        another connection writes: the next brief reads them again)."""
        from .timeline import article_date_readings

        hashes = {a.id: a.content_hash for a in articles}
        self.store.write_date_readings([(i, hashes[i], key, body) for i, (key, body)
                                        in article_date_readings(articles).items() if stored.get(i) != (key, body)])

    def _kept_readings(self, articles: Sequence[Article], tagger) -> dict[str, tuple[str, bytes]]:
        """Give the entity readers what the store kept of these articles' sentences, read by the entity
        index in this or another process: a sentence whose questions the story answers as it did
        then is not read again, so the same entities come out at a fraction of the cost (issue 13:
        a brief of 5 articles within 50 ms; issue 19: a story indexed again when it grows)."""
        from .entities import keep_readings

        stored = self.store.entity_readings(articles)
        keep_readings(articles, stored, tagger=tagger)
        return stored

    def unread_languages(self, story_id: str) -> list[str]:
        """Languages of the story's articles whose names are not read: no language pack knows them."""
        from .entities import unread_languages

        return unread_languages(self.store.get_articles(self.store.story_article_ids(story_id)))

    def resolve_story(self, story_id: str) -> str | None:
        """The id a story goes by now: `story_id` itself, the survivor of a merge that absorbed it
        (the older story keeps its id; see `Store.merge_stories`), or None when neither exists."""
        if self.store.get_story(story_id) is not None:
            return story_id
        alias = self.store.story_alias(story_id)
        return alias if alias is not None and self.store.get_story(alias) is not None else None

    def _live(self, story_id: str) -> str:
        """`story_id`, or the survivor it is an alias of when it names no story any more."""
        alias = self.store.story_alias(story_id)
        if alias is not None and not self.store.story_article_ids(story_id):
            return alias
        return story_id

    def story(self, story_id: str) -> Story | None:
        story_id = self._live(story_id)
        story = self.store.get_story(story_id)
        return self._with_republishers([story])[0] if story else None

    def story_articles(self, story_id: str) -> list[Article]:
        """The story's articles, read in one snapshot; NotFound (a KeyError) when it has none to read."""
        with self.store.snapshot():
            story = self.store.get_story(self._live(story_id))
            articles = self.store.get_articles(story.article_ids) if story is not None else []
        if not articles:
            raise NotFound(f"no story {story_id!r}")
        from . import brief as brief_stage

        return brief_stage.with_story_date(articles)

    def copy_groups(self, article_ids: Sequence[str]) -> list[CopyGroup]:
        groups: dict[str, CopyGroup] = {}
        for copy_id, (original, sim) in self.store.copies_of(article_ids).items():
            groups.setdefault(original, CopyGroup(original, {})).copies[copy_id] = sim
        return list(groups.values())

    def entities(self, story_id: str) -> list[Entity]:
        """The brief's entities (`brief_json`, cached): what REST and the page show."""
        return [Entity(e["name"], e["type"], e["roles"], e["aliases"], e["outlets"], _citations(e["mentions"]))
                for e in self.brief_dict(story_id)["entities"]]

    def timeline(self, story_id: str) -> list[TimelineEvent]:
        """The brief's timeline (`brief_json`, cached). It was made again from an alignment of its
        own, whose facts (and so which sentence dates an event) could differ from the brief's."""
        return [TimelineEvent(e["date"], e["precision"], e["text"], e["fact_id"], _citations(e["citations"]))
                for e in self.brief_dict(story_id)["timeline"]]

    def brief(self, story_id: str, words: int | None = None) -> Brief:
        """NotFound (a KeyError) when the story has no article to read (gone, or moved away meanwhile)."""
        config = self.config.brief if words is None else replace(self.config.brief, words=words)
        config = replace(config, tagger=config.tagger and self.config.entities.tagger)
        from . import brief as brief_stage

        with self.store.snapshot():  # members, copies and publications as of one moment
            story_id = self._live(story_id)
            articles = self.story_articles(story_id)
            groups = self.copy_groups([a.id for a in articles])
            publications = self.story_publications(story_id)
        self._kept_readings(articles, config.tagger)
        dates = self._kept_dates(articles)
        made = brief_stage.make_brief(story_id, articles, groups, config)
        self._keep_dates(articles, dates)
        # Who else published each article's text, and who had it first (issue 13 renders more of it).
        by_article = {p.article_id: ps for ps in publications.values() for p in ps}
        for row in made.articles:
            group = by_article.get(row["id"])
            if group:
                row["publications"] = [p.to_dict() for p in group]
                row["first"] = group[0].outlet
        return made

    def _brief_key(self, story_id: str, ids: Sequence[str]) -> str:
        """What a cached brief was made from: these members, at this revision."""
        from .brief import BRIEF_FORMAT

        key = "\x1f".join(sorted(ids)) + f"\x1e{self.store.story_revision(story_id)}\x1e{BRIEF_FORMAT}"
        return hashlib.blake2b(key.encode(), digest_size=8).hexdigest()

    def brief_json(self, story_id: str) -> str:
        """The brief as JSON text, cached in the store until the story's articles change (the REST
        API sends it as stored: no parsing and re-encoding per request)."""
        with self.store.snapshot():  # the cache key and the brief from the same members
            story_id = self._live(story_id)
            ids = self.store.story_article_ids(story_id)
            if not ids:
                raise NotFound(f"no story {story_id!r}")
            members = self._brief_key(story_id, ids)
            cached = self.store.cached_brief(story_id, members)
            if cached is not None:
                return cached
            body = json.dumps(self.brief(story_id).to_dict(), ensure_ascii=False)
        self.store.cache_brief(story_id, members, body, wait=False)
        return body

    @contextmanager
    def snapshot(self):
        """A context in which every read sees the store as of one moment (one read transaction)."""
        if self.memo is None or self.store.db.in_transaction:
            with self.store.snapshot():
                yield
            return
        self._memo_at = self.memo.version()  # before the transaction reads: it sees at least this
        try:
            with self.store.snapshot():
                yield
        finally:
            self._memo_at = None

    def _memo(self, key: tuple[Any, ...], make: Callable[[], T]) -> T:
        """`make()`, or what it made for another connection at the version this read sees."""
        if self.memo is None:
            return make()
        version = self._memo_at if self.store.db.in_transaction else self.memo.version()
        if version is None:  # a transaction begun elsewhere: its version is not known
            return make()
        return self.memo.get(version, key, make)

    def load_models(self) -> None:
        """Load now every model and word list a brief needs (the segmenter, gazetteers, given
        names): a server calls it at start-up, so request threads never race to load them. One
        brief of the shipped example reports, made in memory, touches all of them."""
        from . import brief as brief_stage

        examples = [ingest_stage.build_article(p.read_text(encoding="utf-8"), origin=p.name)
                    for p in sorted(EXAMPLES.glob("*.txt"))]
        brief_stage.make_brief("load-models", examples, (), self.config.brief)
        host_outlet("https://vnexpress.net/")  # the public suffix list (1.4 s at the first outlet filter)

    def brief_dict(self, story_id: str) -> dict[str, Any]:
        return json.loads(self.brief_json(story_id))


def _citations(rows: list[dict[str, Any]]) -> list[Citation]:
    return [Citation(r["article_id"], r["outlet"], r["sentence_index"], r["start"], r["end"]) for r in rows]


def _read_item(item: Article | dict[str, Any], origin: str, max_bytes: int) -> Article | ingest_stage.Rejection:
    """An article given as a record or a JSON-like dict, or its rejection naming `origin`; one whose
    text is over `max_bytes` (`IngestConfig.max_article_bytes`) is refused as a JSONL line is."""
    text = item.text if isinstance(item, Article) else item.get("text") if isinstance(item, dict) else None
    # (a character is at most 4 bytes: a shorter text is never encoded to be measured)
    if isinstance(text, str) and len(text) > max_bytes // 4 and \
            (size := len(text.encode("utf-8", "surrogatepass"))) > max_bytes:
        return ingest_stage.Rejection(origin, f"text too large ({size / 1e6:.1f} MB > {max_bytes / 1e6:.0f} MB)")
    if isinstance(item, Article):
        return item
    try:
        return ingest_stage.article_from_json(item, origin)
    except ingest_stage.IngestError as e:
        return ingest_stage.Rejection(origin, str(e))
    except Exception as e:  # noqa: BLE001 - one item's failure is that item's rejection
        return ingest_stage.Rejection(origin, ingest_stage.unexpected(e))


def _source_url(url: str) -> str:
    """`url` stripped, or ValueError when it is no http(s) URL a source can be read from."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r}: not an http(s) URL of a feed, sitemap or page")
    return url


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _first_first(publications: list[Publication]) -> list[Publication]:
    """First publisher first: by publication time (undated last), then by when it was seen. A date
    known only to the month counts from the month's end: it is never shown first over a report
    stamped on a day inside that month."""
    return sorted(publications, key=lambda p: ((p.published or "") + "\uffff", p.seen_at or "", p.kind != "original"))


def open(db: str | Path | None = None, config: Config | None = None, *, create: bool = True) -> Newsfuse:  # noqa: A001
    """Open a newsfuse store, made when missing unless `create=False` (then a path that holds no
    store is a `StoreError`, so that a reader's typo leaves no new file). `db` overrides `config.db`."""
    config = config or Config()
    if db is not None:
        config = replace(config, db=Path(db))
    path = Path(config.db)
    if path.is_dir():
        raise StoreError(f"{path}: a folder, not a database")
    if not create and not path.exists():
        raise StoreError(f"{path}: no such database")
    return Newsfuse(config)
