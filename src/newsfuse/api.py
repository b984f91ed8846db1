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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import brief as brief_stage
from . import ingest as ingest_stage
from .config import Config
from .copies import CopyDetector
from .entities import find_entities
from .model import Article, Brief, CopyGroup, Entity, Story, TimelineEvent
from .store import Store, StoreResult
from .stories import StoryClusterer
from .timeline import story_timeline

EXAMPLES = Path(__file__).parent / "examples"


@dataclass(slots=True)
class IngestReport:
    added: list[str] = field(default_factory=list)
    present: list[tuple[str, str]] = field(default_factory=list)  # (origin, stored id)
    rejected: list[str] = field(default_factory=list)  # one-line reasons naming the input
    stories: dict[str, str] = field(default_factory=dict)  # article id -> story id

    @property
    def ok(self) -> bool:
        return not self.rejected

    def summary(self) -> str:
        return (f"{len(self.added)} added, {len(self.present)} already present, {len(self.rejected)} rejected"
                f"; {len(set(self.stories.values()))} stories touched")


class Newsfuse:
    def __init__(self, config: Config):
        self.config = config
        self.store = Store(config.db)
        self._clusterer: StoryClusterer | None = None
        self._copies: CopyDetector | None = None

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Newsfuse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ online state

    def warm(self, progress: Callable[[int], None] | None = None) -> int:
        """Rebuild the story and copy indexes from the store now (else the first new article does
        it, ~1 ms per stored article); `progress` is called with the articles done. Returns how
        many stored articles were read."""
        if self._clusterer is not None and self._copies is not None:
            return 0
        clusterer = StoryClusterer(self.config.stories)
        copies = CopyDetector(self.config.copies)
        story_of = self.store.story_assignments()
        n = 0
        for a in self.store.iter_articles():
            sid = story_of.get(a.id)
            if sid is not None:
                clusterer.restore(a, sid)
            copies.add(a.id, a.text, a.published)
            n += 1
            if progress is not None and n % 500 == 0:
                progress(500)
        if progress is not None and n % 500:
            progress(n % 500)
        self._clusterer, self._copies = clusterer, copies
        return n

    def _state(self) -> tuple[StoryClusterer, CopyDetector]:
        """Story index and copy index, rebuilt from the store once per process."""
        if self._clusterer is None or self._copies is None:
            self.warm()
        assert self._clusterer is not None and self._copies is not None
        return self._clusterer, self._copies

    def _place(self, article: Article) -> str:
        """Assign a newly stored article to a story and record copies it makes; inside the
        caller's transaction."""
        clusterer, copies = self._state()
        assignment = clusterer.add(article)
        self.store.assign_stories([(article.id, assignment.story_id, assignment.similarity)])
        found = copies.add(article.id, article.text, article.published)
        if found:
            original, sim = found[0]
            self.store.set_copies([(article.id, original, sim)])
        return assignment.story_id

    # ------------------------------------------------------------ ingest

    def ingest(self, paths: Iterable[str | Path], *, progress: Callable[[int], None] | None = None) -> IngestReport:
        """Read files/folders and store their articles in one transaction: all or nothing."""
        return self._store_all(ingest_stage.read(paths, self.config.ingest), progress)

    def add(self, article: Article | dict[str, Any]) -> str:
        """Store one article (a record or a JSON-like dict) and return its story id."""
        report = self.add_many([article])
        if report.rejected:
            raise ingest_stage.IngestError(report.rejected[0])
        if report.added:
            return report.stories[report.added[0]]
        stored_id = report.present[0][1]
        return self.store.story_of(stored_id) or ""

    def add_many(self, items: Sequence[Article | dict[str, Any]], origin: str = "api") -> IngestReport:
        def parse() -> Iterable[Article | ingest_stage.Rejection]:
            for i, item in enumerate(items):
                if isinstance(item, Article):
                    yield item
                    continue
                try:
                    yield ingest_stage.article_from_json(item, f"{origin}[{i}]")
                except ingest_stage.IngestError as e:
                    yield ingest_stage.Rejection(f"{origin}[{i}]", str(e))
        return self._store_all(parse(), None)

    def _store_all(self, items: Iterable[Article | ingest_stage.Rejection],
                   progress: Callable[[int], None] | None) -> IngestReport:
        report = IngestReport()
        self._state()
        try:
            with self.store.transaction():
                for item in items:
                    if progress:
                        progress(1)
                    if isinstance(item, ingest_stage.Rejection):
                        report.rejected.append(str(item))
                        continue
                    result: StoreResult = self.store.add_article(item)
                    if result.status == "added":
                        report.added.append(item.id)
                        report.stories[item.id] = self._place(item)
                    elif result.status == "present":
                        report.present.append((item.origin, result.detail))
                    else:
                        report.rejected.append(f"{item.origin}: {result.detail}")
        except BaseException:
            # The store rolled back; the in-memory indexes may hold what it no longer has.
            self._clusterer = self._copies = None
            raise
        return report

    # ------------------------------------------------------------ reading

    def articles(self, **filters: Any) -> list[Article]:
        return self.store.list_articles(**filters)

    def article(self, article_id: str) -> Article | None:
        return self.store.get_article(article_id)

    def search(self, query: str, limit: int = 20) -> list[tuple[Article, str]]:
        return self.store.search(query, limit)

    def stories(self, *, entity: str | None = None, **filters: Any) -> list[Story]:
        if entity:
            filters["story_ids"] = self._stories_with_entity(entity, filters.pop("query", None))
        return self.store.list_stories(**filters)

    def story(self, story_id: str) -> Story | None:
        return self.store.get_story(story_id)

    def _stories_with_entity(self, name: str, query: str | None) -> list[str]:
        # The full-text index narrows the stories to those that spell the name; entities then confirm.
        candidates = self.store.list_stories(query=name, limit=10**6)
        key = name.casefold()
        out = []
        for s in candidates:
            if any(key == e.name.casefold() or key in (a.casefold() for a in e.aliases) for e in self.entities(s.id)):
                out.append(s.id)
        return out

    def story_articles(self, story_id: str) -> list[Article]:
        story = self.store.get_story(story_id)
        if story is None:
            raise KeyError(story_id)
        articles = self.store.get_articles(story.article_ids)
        # Articles without a date take the story's: the timeline resolves their expressions with it.
        dates = sorted(a.published for a in articles if a.published)
        if dates:
            articles = [a if a.published else replace(a, published=dates[0], extra=a.extra | {"date_from_story": True})
                        for a in articles]
        return articles

    def copy_groups(self, article_ids: Sequence[str]) -> list[CopyGroup]:
        groups: dict[str, CopyGroup] = {}
        for copy_id, (original, sim) in self.store.copies_of(article_ids).items():
            groups.setdefault(original, CopyGroup(original, {})).copies[copy_id] = sim
        return list(groups.values())

    def entities(self, story_id: str) -> list[Entity]:
        return find_entities(self.story_articles(story_id))

    def timeline(self, story_id: str) -> list[TimelineEvent]:
        articles = self.story_articles(story_id)
        kept, _ = brief_stage.collapse_copies(articles, self.copy_groups([a.id for a in articles]))
        return story_timeline(kept, brief_stage.align(kept, self.config.brief))

    def brief(self, story_id: str, words: int | None = None) -> Brief:
        config = self.config.brief if words is None else replace(self.config.brief, words=words)
        articles = self.story_articles(story_id)
        return brief_stage.make_brief(story_id, articles, self.copy_groups([a.id for a in articles]), config)

    def brief_json(self, story_id: str) -> str:
        """The brief as JSON text, cached in the store until the story's articles change (the REST
        API sends it as stored: no parsing and re-encoding per request)."""
        ids = self.store.story_article_ids(story_id)
        if not ids:
            raise KeyError(story_id)
        members = hashlib.blake2b("\x1f".join(sorted(ids)).encode(), digest_size=8).hexdigest()
        cached = self.store.cached_brief(story_id, members)
        if cached is not None:
            return cached
        body = json.dumps(self.brief(story_id).to_dict(), ensure_ascii=False)
        self.store.cache_brief(story_id, members, body)
        return body

    def brief_dict(self, story_id: str) -> dict[str, Any]:
        return json.loads(self.brief_json(story_id))


def open(db: str | Path | None = None, config: Config | None = None) -> Newsfuse:  # noqa: A001
    """Open (or create) a newsfuse store. `db` overrides `config.db`."""
    config = config or Config()
    if db is not None:
        config = replace(config, db=Path(db))
    return Newsfuse(config)
