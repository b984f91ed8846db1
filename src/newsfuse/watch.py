"""`newsfuse watch`: poll every followed source on its own schedule, fetch the pages of new and
changed items, extract them and store them through the same ingest path as files.

A cycle has two phases. Sources due are read in parallel (conditional GET, one thread per
request under the per-host gate) and their items listed in the store as pending. Pending pages
are then fetched in parallel, extracted in worker processes (trafilatura is the costly part), and
stored in batches by this process, which alone writes the store. Every state lives in the store:
a restart, or a Ctrl-C between two articles, resumes with the items still pending.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .config import IngestConfig, WatchConfig
from .feeds import FeedItem, SourceAnswer, SourceError, feed_article, page_article, read_answer
from .fetch import Answer, FetchError, Fetcher
from .ingest import IngestError
from .model import Article, FollowedSource
from .outlets import host_outlet

if TYPE_CHECKING:
    from .api import Newsfuse


@dataclass(slots=True)
class CycleReport:
    number: int = 0
    sources: int = 0
    not_modified: int = 0
    failed: int = 0  # sources that answered with an error (or made us wait)
    listed: int = 0  # items new or changed in the feeds
    pages: int = 0  # pages fetched (with a body: a recheck's 200 too)
    rechecked: int = 0  # pages of recent done items looked at again (conditional GET), 304s included
    unchanged: int = 0  # of those, the ones that answered 304 Not Modified
    added: int = 0
    from_feed: int = 0  # of those added or updated, the ones stored from the feed's text (the page could not be had)
    updated: int = 0
    republished: int = 0
    present: int = 0
    rejected: int = 0
    pending: int = 0  # items left for the next cycle
    stories: set[str] = field(default_factory=set)
    # one line per page given up (`rejected: URL: reason`), failed and tried again next cycle
    # (`will retry: URL: reason (try 1 of 3)`) or stood in for by its feed's text (`stored from the
    # feed: URL: reason`): the counts alone name nothing
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    stopped: bool = False
    # wall seconds of the two phases (feeds, pages), and summed seconds of the work inside the pages
    # phase: fetch (in threads), extract (in worker processes), store (ingest + stories, this process)
    timings: dict[str, float] = field(default_factory=dict)

    def line(self) -> str:
        problems = f", {self.failed} with errors" if self.failed else ""
        versions = f", {self.updated} new versions" if self.updated else ""
        fed = f" ({self.from_feed} from the feed's text)" if self.from_feed else ""
        again = f", {self.republished} republications" if self.republished else ""
        left = f"; {self.pending} items left pending" if self.pending else ""
        rechecks = f" ({self.rechecked} rechecked, {self.unchanged} not modified)" if self.rechecked else ""
        # "feeds due": a source read by `sources add` is not due again before its interval, while
        # its listed items are fetched now ("0 sources ... 4 added" read as a contradiction).
        due = (f"{self.sources} feed{'s' * (self.sources != 1)} due ({self.not_modified} not modified{problems})"
               if self.sources else "no feed due")
        return (f"cycle {self.number} {time.strftime('%H:%M:%S')}: {due}, {self.listed} new or changed items, "
                f"{self.pages} pages fetched{rechecks}; {self.added} added{fed}{versions}{again}, {self.present} already present, "
                f"{self.rejected} rejected; {len(self.stories)} stories touched; {self.seconds:.1f} s{left}"
                + (" (stopped)" if self.stopped else ""))


@dataclass(slots=True)
class _Read:
    """What reading one source gave, before anything is written."""

    source: FollowedSource
    answer: SourceAnswer | None = None
    fetched: Answer | None = None
    feed_url: str | None = None
    error: FetchError | SourceError | None = None


@dataclass(slots=True)
class _Job:
    """One page to fetch: a pending item's, or (`recheck`) a recent done item's looked at again
    with the validators its page last answered with. After the fetch, the new ones."""

    source: FollowedSource
    item: FeedItem
    article_id: str
    tries: int = 0
    recheck: bool = False
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: float | None = None
    page_error: str | None = None  # `URL: reason` its page could not be had for: the article is the feed's text


def article_id_for(url: str | None, source_url: str, key: str) -> str:
    """An article fetched from the web is named by its page's URL (or its feed and guid): the same
    page again, edited, is the same article's next version."""
    raw = url or f"{source_url}#{key}"
    return hashlib.blake2b(raw.encode(), digest_size=8).hexdigest()


def _ignore_sigint() -> None:
    # Ctrl-C goes to the whole process group: the watcher decides when to stop, not its workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _extract(body: bytes, content_type: str, url: str, item: FeedItem, article_id: str, outlet: str | None,
             feed_url: str, config: IngestConfig, fallbacks: bool) -> tuple[Article | None, str | None, str | None, float]:
    """(article, site name, error, seconds taken) of one page; runs in a worker process."""
    started = time.perf_counter()
    try:
        found = page_article(body, content_type, url, item, article_id=article_id, outlet=outlet, feed_url=feed_url,
                             config=config, fallbacks=fallbacks)
        return found.article, found.site_name, None, time.perf_counter() - started
    except IngestError as e:
        return None, None, str(e), time.perf_counter() - started


class Watcher:
    """Follows the store's sources. Use as a context manager: it owns an HTTP client and the
    extraction processes."""

    def __init__(self, nf: Newsfuse, config: WatchConfig | None = None, *, clock: Callable[[], float] = time.time):
        self.nf = nf
        self.config = config or nf.config.watch
        self.clock = clock
        self.stop = threading.Event()
        self.fetcher = Fetcher(self.config, stop=self.stop)
        self._pool = None
        self._cycles = 0
        self._stored_now: dict[str, str] = {}  # article id of a page stored this cycle -> the id it is stored as
        workers = self.config.extract_workers or os.cpu_count() or 1
        if workers > 1:
            from .workers import process_pool

            # Made before any thread of this watcher exists: the workers are forked.
            self._pool = process_pool(workers, _ignore_sigint)

    def close(self) -> None:
        self.fetcher.close()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Watcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ reading sources

    def _read(self, source: FollowedSource) -> _Read:
        """Fetch a source and read what it lists; discovers the feed of a page. Writes nothing."""
        url = source.feed_url or source.url
        try:
            got = self.fetcher.get(url, max_bytes=self.config.max_feed_bytes,
                                   etag=source.etag, last_modified=source.last_modified)
            if got.not_modified:
                return _Read(source, None, got, url)
            answer = read_answer(got.body, got.content_type, got.url, self.config.max_items)
            if answer.kind == "page":
                if source.feed_url:
                    raise SourceError(f"the feed {url} answered with an HTML page, not a feed")
                return self._discovered(source, answer, got)
            if answer.kind == "sitemap index":
                answer = self._children(answer)
            return _Read(source, answer, got, url)
        except (FetchError, SourceError) as e:
            return _Read(source, error=e, feed_url=source.feed_url)

    def _discovered(self, source: FollowedSource, page: SourceAnswer, got: Answer) -> _Read:
        if not page.links:
            raise SourceError(f"{source.url} is a web page that names no feed (no <link rel=alternate> to RSS/Atom)")
        errors = []
        for link in page.links[:3]:
            try:
                feed = self.fetcher.get(link, max_bytes=self.config.max_feed_bytes)
                answer = read_answer(feed.body, feed.content_type, feed.url, self.config.max_items)
            except (FetchError, SourceError) as e:
                errors.append(f"{link}: {e}")
                continue
            if answer.kind in ("feed", "sitemap", "sitemap index"):
                if answer.kind == "sitemap index":
                    answer = self._children(answer)
                return _Read(source, answer, feed, link)
        raise SourceError(f"none of the feeds {source.url} names could be read ({'; '.join(errors) or 'not feeds'})")

    def _children(self, index: SourceAnswer) -> SourceAnswer:
        """A sitemap index stands for its newest child sitemaps."""
        merged = SourceAnswer("sitemap index")
        for link in index.links[: self.config.max_sitemaps]:
            got = self.fetcher.get(link, max_bytes=self.config.max_feed_bytes)
            child = read_answer(got.body, got.content_type, got.url, self.config.max_items)
            merged.items += child.items
            merged.notes += child.notes
        merged.items = merged.items[: self.config.max_items]
        return merged

    def _record(self, read: _Read, report: CycleReport) -> None:
        """Write what reading a source gave: its items, its health, when to read it next."""
        store, src, now = self.nf.store, read.source, self.clock()
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(now))
        if read.error is None and self._duplicate(src, read.feed_url or src.url, stamp, now, report):
            return
        if read.error is not None:
            e = read.error
            failures = src.failures + 1
            report.failed += 1
            if isinstance(e, FetchError) and e.retry_after is not None:
                status, wait_s = "paused", max(e.retry_after, 1.0)
            elif isinstance(e, FetchError) and e.robots:
                status, wait_s = "robots", self.config.interval
            else:
                status = "error"
                wait_s = min(self.config.interval * 2 ** (failures - 1), self.config.max_backoff)
            store.update_followed_source(src.id, last_fetch=stamp, status=status, error=str(e), failures=failures,
                                         next_fetch=now + wait_s, errors=src.errors + 1)
            return
        fields: dict[str, Any] = {"last_fetch": stamp, "failures": 0, "next_fetch": now + self.config.interval}
        if read.fetched is not None:
            fields.update(etag=read.fetched.etag or src.etag, last_modified=read.fetched.last_modified or src.last_modified)
        if read.feed_url and read.feed_url != src.feed_url:
            fields["feed_url"] = read.feed_url
        if read.answer is None:
            report.not_modified += 1
            fields.update(status="not modified", error=None)
        else:
            answer = read.answer
            fields.update(kind=answer.kind, status="warning" if answer.notes else "ok",
                          error="; ".join(answer.notes) or None)
            new, changed = store.list_items(src.id, [(i.key, i.url, i.fingerprint, json.dumps(i.to_dict(), ensure_ascii=False))
                                                     for i in answer.items],
                                           seen_at=time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)))
            report.listed += new + changed
        store.update_followed_source(src.id, **fields)

    def _duplicate(self, src: FollowedSource, feed: str, stamp: str, now: float, report: CycleReport) -> bool:
        """A source whose feed an older source is or reads (a page added after its own feed, or the
        other way round) lists nothing: its items would be fetched and counted twice, and its
        articles split between two outlet names. Said once; looked at again each interval, in case
        the older one is removed."""
        twin = self.nf.store.same_feed(src.id, feed)
        if twin is None:
            return False
        if src.status != "duplicate":
            report.problems.append(f"duplicate: [{src.id}] {src.url} reads the feed {feed} of [{twin.id}] {twin.url}:"
                                   f" not read (newsfuse sources remove {src.id})")
        self.nf.store.update_followed_source(
            src.id, last_fetch=stamp, status="duplicate", feed_url=feed, failures=0, next_fetch=now + self.config.interval,
            error=f"the same feed as source [{twin.id}] {twin.url} ({feed}): its items are that source's")
        return True

    def reschedule(self) -> int:
        """This watcher's interval applies now, not only from each source's next fetch on: a source
        read without error is next due at most one interval after its last fetch. A failing source
        keeps its backoff and a paused one the wait its host asked for. Returns the sources moved."""
        store, moved = self.nf.store, 0
        for src in store.followed_sources():
            if src.failures or src.status == "paused" or not src.last_fetch:
                continue
            try:  # written by `_record` as local time, to the second
                last = time.mktime(time.strptime(src.last_fetch, "%Y-%m-%dT%H:%M:%S"))
            except ValueError:
                continue
            if last + self.config.interval < src.next_fetch:
                store.update_followed_source(src.id, next_fetch=last + self.config.interval)
                moved += 1
        return moved

    def probe(self, sources: list[FollowedSource]) -> list[FollowedSource]:
        """Read sources once now (`sources add`, `sources import --check`): find each one's feed,
        list its items, record its health; the feeds fetched side by side as a cycle fetches them,
        recorded in the order given."""
        if not sources:
            return []
        report = CycleReport()
        with ThreadPoolExecutor(min(self.config.connections, len(sources)), thread_name_prefix="feeds") as pool:
            for read in pool.map(self._read, sources):
                self._record(read, report)
        return [self.nf.store.followed_source(s.id) or s for s in sources]

    # ------------------------------------------------------------ a cycle

    def cycle(self) -> CycleReport:
        self._cycles += 1
        report = CycleReport(number=self._cycles)
        started = time.perf_counter()
        self.nf.warm()
        due = self.nf.store.followed_sources(due_by=self.clock())
        report.sources = len(due)
        known_twins = [s for s in due if s.status == "duplicate" and self.nf.store.same_feed(s.id, s.feed_url or s.url)]
        for src in known_twins:  # not fetched again while the source it doubles is followed
            self._record(_Read(src, feed_url=src.feed_url), report)
        skip = {s.id for s in known_twins}
        due = [s for s in due if s.id not in skip]
        if due:
            with ThreadPoolExecutor(min(self.config.connections, len(due)), thread_name_prefix="feeds") as pool:
                for read in pool.map(self._read, due):
                    self._record(read, report)
        report.timings["feeds"] = time.perf_counter() - started
        if not self.stop.is_set():
            self._pages(report)
        # a duplicate's items are its older twin's to fetch (made before it was found one, or never)
        report.pending = sum(s.pending for s in self.nf.store.followed_sources() if s.status != "duplicate")
        report.stopped = self.stop.is_set()
        report.seconds = time.perf_counter() - started
        return report

    def _workable(self) -> list[FollowedSource]:
        """Sources whose pending pages may be fetched now: not waiting on a Retry-After."""
        now = self.clock()
        return [s for s in self.nf.store.followed_sources() if s.pending and s.status != "duplicate"
                and not (s.status == "paused" and s.next_fetch > now)]

    def _pages(self, report: CycleReport) -> None:
        store = self.nf.store
        jobs = []
        for src in self._workable():
            for row in store.pending_items(src.id):
                item = FeedItem(**json.loads(row["entry"]))
                article_id = row["article_id"] or article_id_for(item.url, src.url, item.key)
                jobs.append(_Job(src, item, article_id, row["tries"]))
        jobs += self._rechecks()  # after the new items: those come first
        # One page listed by two feeds (an outlet's home and section feeds) is one article: fetched
        # once, for the first; the others' items follow what it gave (`_twins_done`).
        leaders: dict[str, _Job] = {}
        twins: list[_Job] = []
        for job in jobs:
            if job.article_id in leaders:
                twins.append(job)
            else:
                leaders[job.article_id] = job
        jobs = list(leaders.values())
        self._stored_now = {}
        if not jobs:
            return
        t0 = time.perf_counter()
        batch: list[tuple[_Job, Article, str | None]] = []
        for job, article, site_name, error in self._extracted(jobs, report):
            if article is not None:
                batch.append((job, article, site_name))
            elif error is not None:
                if job.recheck:
                    self._recheck_failed(job, error, report)
                else:
                    self._give_up_or_retry(job, error, report)
            if len(batch) >= self.config.batch:
                self._store(batch, report)
                batch = []
            if self.stop.is_set():
                break
        if batch:
            self._store(batch, report)
        self._twins_done(twins, report)
        report.timings["pages"] = time.perf_counter() - t0

    def _twins_done(self, twins: list[_Job], report: CycleReport) -> None:
        """The items whose page another item of this cycle fetched: done with the article it stored
        (already present, as the page fetched a second time would have said), else left pending
        for the next cycle, no try counted."""
        if not twins:
            return
        store, now = self.nf.store, self.clock()
        with store.transaction():
            for job in twins:
                stored = self._stored_now.get(job.article_id)
                if job.recheck:
                    store.checked_item(job.source.id, job.item.key, now)
                elif stored is not None:
                    store.finish_item(job.source.id, job.item.key, state="done", article_id=stored)
                    report.present += 1

    def _rechecks(self) -> list[_Job]:
        """The pages of items first seen within `recheck_hours`, fetched last `recheck_every`
        seconds ago or more: an outlet's edit of a page that leaves its feed item as it was becomes
        the article's next version too. Sources waiting on a Retry-After are left alone."""
        if self.config.recheck_hours <= 0:
            return []
        store, now = self.nf.store, self.clock()
        # `seen_at` is UTC, by this clock (`_record`)
        since = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now - self.config.recheck_hours * 3600))
        store.forget_entries(since)
        jobs = []
        for src in store.followed_sources():
            if (src.status == "paused" and src.next_fetch > now) or src.status == "duplicate":
                continue
            for row in store.recheck_items(src.id, seen_since=since, checked_before=now - self.config.recheck_every):
                jobs.append(_Job(src, FeedItem(**json.loads(row["entry"])), row["article_id"], recheck=True,
                                 etag=row["page_etag"], last_modified=row["page_last_modified"]))
        return jobs

    def _recheck_failed(self, job: _Job, error: FetchError | str, report: CycleReport) -> None:
        """A page looked at again that could not be had or read: the stored version stands, the item
        stays done, and it is looked at again after `recheck_every`; a page its outlet took down
        (404, 410) is said once and not asked for again (else it is reported every hour for
        `recheck_hours`)."""
        if isinstance(error, FetchError) and (error.retry_after is not None or str(error) == "stopped"):
            return  # its host asked to wait (paused in `_extracted`), or we stop: next time
        if isinstance(error, FetchError) and error.status in (404, 410):
            self.nf.store.forget_item_entry(job.source.id, job.item.key, self.clock())
            report.problems.append(f"page gone: {job.item.url}: {error} (the stored versions stand; not asked again)")
            return
        self.nf.store.checked_item(job.source.id, job.item.key, self.clock())
        report.problems.append(f"recheck failed: {job.item.url}: {error}")

    def _extracted(self, jobs: list[_Job], report: CycleReport
                   ) -> Iterator[tuple[_Job, Article | None, str | None, FetchError | str | None]]:
        """Fetch the pages in parallel and extract each as it arrives; yields in arrival order. A
        recheck's 304 yields nothing: the item is marked looked at, and that is all."""
        def fetch(job: _Job) -> tuple[Answer | FetchError, float]:
            if job.item.url is None:
                return FetchError("the item has no link", permanent=True), 0.0
            started = time.perf_counter()
            try:
                if job.recheck:
                    got = self.fetcher.get(job.item.url, max_bytes=self.config.max_page_bytes,
                                           etag=job.etag, last_modified=job.last_modified)
                else:
                    got = self.fetcher.get(job.item.url, max_bytes=self.config.max_page_bytes)
                return got, time.perf_counter() - started
            except FetchError as e:
                return e, time.perf_counter() - started

        def spent(what: str, seconds: float) -> None:
            report.timings[what] = report.timings.get(what, 0.0) + seconds

        with ThreadPoolExecutor(self.config.connections, thread_name_prefix="pages") as threads:
            fetching: dict[Future, _Job] = {threads.submit(fetch, job): job for job in jobs}
            extracting: dict[Future, _Job] = {}
            while fetching or extracting:
                if self.stop.is_set():
                    for f in fetching:
                        f.cancel()
                    fetching = {}
                done, _ = wait(list(fetching) + list(extracting), return_when=FIRST_COMPLETED)
                for f in done:
                    if f in fetching:
                        job = fetching.pop(f)
                        src, item = job.source, job.item
                        got, seconds = f.result()
                        spent("fetch", seconds)
                        if isinstance(got, FetchError):
                            if got.retry_after is not None:
                                self._pause(src, got, report)
                            yield job, None, None, got
                            continue
                        report.rechecked += job.recheck
                        if got.not_modified:  # only a recheck asks conditionally
                            report.unchanged += 1
                            self.nf.store.checked_item(src.id, item.key, self.clock())
                            continue
                        report.pages += 1
                        # kept with the article's version, in its transaction: a page whose version
                        # was not stored must not answer 304 next time
                        job.etag, job.last_modified, job.fetched_at = got.etag, got.last_modified, self.clock()
                        args = (got.body, got.content_type, got.url, item, job.article_id,
                                src.outlet or host_outlet(got.url), src.feed_url or src.url,
                                self.nf.config.ingest, self.config.fallback_extractors)
                        if self._pool is not None:
                            extracting[self._pool.submit(_extract, *args)] = job
                        else:
                            article, site, error, seconds = _extract(*args)
                            spent("extract", seconds)
                            yield job, article, site, error
                    else:
                        job = extracting.pop(f)
                        article, site, error, seconds = f.result()
                        spent("extract", seconds)
                        yield job, article, site, error

    def _pause(self, src: FollowedSource, e: FetchError, report: CycleReport) -> None:
        """The host asked to wait (429/503 with Retry-After): its pages wait with it, across restarts."""
        now = self.clock()
        current = self.nf.store.followed_source(src.id)
        if current is not None and current.status == "paused" and current.next_fetch > now:
            return
        report.failed += 1
        self.nf.store.update_followed_source(src.id, status="paused", error=str(e),
                                             next_fetch=now + max(e.retry_after or 1.0, 1.0))

    def _give_up_or_retry(self, job: _Job, error: FetchError | str, report: CycleReport) -> None:
        """A page that could not be had: wait for the host (429/503), try again next cycle, or use
        the feed's own text; an item with neither is given up with its reason."""
        store, src, item, tries = self.nf.store, job.source, job.item, job.tries
        if isinstance(error, FetchError) and (error.retry_after is not None or str(error) == "stopped"):
            return  # stays pending, not counted as a try
        final = not isinstance(error, FetchError) or error.permanent or tries + 1 >= self.config.item_tries
        if not final:
            store.finish_item(src.id, item.key, state="pending", error=f"{item.url or item.key}: {error}", tried=True)
            report.problems.append(f"will retry: {item.url or item.key}: {error} (try {tries + 1} of {self.config.item_tries})")
            return
        try:
            article = feed_article(item, article_id=article_id_for(item.url, src.url, item.key),
                                   outlet=src.outlet or host_outlet(item.url or src.url),
                                   feed_url=src.feed_url or src.url, config=self.nf.config.ingest)
        except IngestError:
            reason = f"{item.url or item.key}: {error}"
            store.finish_item(src.id, item.key, state="failed", error=reason, tried=True)
            self._page_problem(src, reason)
            report.rejected += 1
            report.problems.append(f"rejected: {reason}")
            return
        article.extra["page_error"] = str(error)  # stored from the feed's text: say why
        if item.url is not None:  # a linked page failed (an item without a link has only its feed text)
            job.page_error = f"{item.url}: {error}"
        self._store([(job, article, None)], report)

    def _page_problem(self, src: FollowedSource, reason: str) -> None:
        """The source's error line names its last failed page, after what its feed itself said."""
        store = self.nf.store
        current = store.followed_source(src.id)
        note = current.error.split(" | ")[0] if current and current.status == "warning" and current.error else ""
        store.update_followed_source(src.id, error=(f"{note} | " if note else "") + f"last page problem: {reason}")
        store.count_source(src.id, errors=1)

    def _store(self, batch: list[tuple[_Job, Article, str | None]], report: CycleReport) -> None:
        """One transaction through the public ingest path, then each item's state."""
        t0 = time.perf_counter()
        with self.nf.store.transaction():  # the articles and their items' states: all or nothing
            self._store_batch(batch, report)
        report.timings["store"] = report.timings.get("store", 0.0) + time.perf_counter() - t0

    def _store_batch(self, batch: list[tuple[_Job, Article, str | None]], report: CycleReport) -> None:
        """Through the same path whether the page came from a new or changed feed item or from a
        recheck: a changed text is the article's next version (`Newsfuse.add_many`)."""
        result = self.nf.add_many([a for _, a, _ in batch], origin="watch")
        updated = dict(result.updated)
        present = dict(result.present)
        rejected = {line.split(": ", 1)[0]: line for line in result.rejected}
        republished = {stored for stored, _ in result.republished}
        store = self.nf.store
        for job, article, site_name in batch:
            src, item = job.source, job.item
            fetched = dict(checked_at=job.fetched_at, page_etag=job.etag, page_last_modified=job.last_modified)
            if article.id in result.stories:
                report.stories.add(result.stories[article.id])
            if job.page_error and (article.id in updated or article.id in result.added or article.origin in present):
                # Stored all the same, but its page failed: said, and kept on the item (`page_error`)
                # and counted among the source's failed pages, as a page given up is.
                self._page_problem(src, job.page_error)
                report.problems.append(f"stored from the feed: {job.page_error}")
                report.from_feed += article.id in updated or article.id in result.added
            if article.id in updated or article.id in result.added:
                self._stored_now[article.id] = article.id
                store.finish_item(src.id, item.key, state="done", article_id=article.id, error=job.page_error, **fetched)
                store.count_source(src.id, articles=int(article.id in result.added))
                report.added += article.id in result.added
                report.updated += article.id in updated
                if site_name:
                    self.nf.learn_site_name(site_name, article.source)
            elif article.origin in present:
                stored = present[article.origin]
                self._stored_now[article.id] = stored
                store.finish_item(src.id, item.key, state="done", article_id=stored, error=job.page_error, **fetched)
                # Its republication of a stored text is one of the source's articles too.
                store.count_source(src.id, articles=int(stored in republished and stored != article.id
                                                        and not job.recheck))
                report.present += 1
            elif job.recheck:  # the stored version stands; looked at again after `recheck_every`
                reason = rejected.get(article.origin, f"{article.origin}: not stored")
                store.finish_item(src.id, item.key, state="done", **fetched)
                report.problems.append(f"recheck rejected: {reason}")
            else:
                reason = rejected.get(article.origin, f"{article.origin}: not stored")
                store.finish_item(src.id, item.key, state="failed", error=reason, tried=True)
                self._page_problem(src, reason)
                report.rejected += 1
                report.problems.append(f"rejected: {reason}")
        report.republished += len(result.republished)

    # ------------------------------------------------------------ running

    def run(self, *, once: bool = False, progress: Callable[[CycleReport], None] | None = None,
            max_cycles: int | None = None) -> list[CycleReport]:
        """Cycles until stopped (`once`: one cycle). Sleeps until the next source is due."""
        reports = []
        while not self.stop.is_set():
            report = self.cycle()
            reports.append(report)
            if progress is not None:
                progress(report)
            if once or (max_cycles is not None and len(reports) >= max_cycles):
                break
            sources = self.nf.store.followed_sources()
            wake = min((s.next_fetch for s in sources), default=self.clock() + self.config.interval)
            pending = any(s.pending and s.status not in ("paused", "duplicate") for s in sources)
            self.stop.wait(1.0 if pending else max(1.0, min(wake - self.clock(), self.config.interval)))
        return reports
