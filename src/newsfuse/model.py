"""Shared records passed between pipeline stages.

Plain dataclasses: every stage reads and returns these, the store persists them, and the
faces (CLI, Python API, REST) serialise them with `to_dict`.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal


def date_parts(published: str | None) -> tuple[int | None, int | None, int | None]:
    """(year, month, day) of an ISO 8601 prefix (`2023`, `2023-06`, `2023-06-26T10:00`), each None
    when the prefix does not reach it."""
    if not published:
        return None, None, None
    parts = [int(p) for p in published[:10].split("-")]
    return tuple(parts + [None] * (3 - len(parts)))  # type: ignore[return-value]


class BadParameter(ValueError):
    """A filter or option a face was given that cannot be used (a date that is none, a limit below
    one, a query that cannot be read); the message is one line naming it. CLI exit code 2, HTTP 422.
    `key` and `values`, when given, name the same message in the web page's words (its
    messages.toml), so a page in another language says it in that language."""

    key: str | None = None

    def __init__(self, message: str, key: str | None = None, **values: Any) -> None:
        super().__init__(message)
        if key is not None:
            self.key = key
        self.values = values


@dataclass(slots=True)
class Sentence:
    """One body sentence of an article; `start`/`end` index the article's stored text."""

    article_id: str
    index: int
    start: int
    end: int
    text: str


@dataclass(slots=True)
class Caption:
    """A photo caption found in the text, kept apart from the body sentences."""

    start: int
    end: int
    text: str
    credit: str | None = None


@dataclass(slots=True)
class Credit:
    """What in a text is no sentence of the report: a sign-off (`byline`, its `author`), an agency
    tag (`agency`), a photo or clip credit (`photo`), a related-article link (`link`), a video
    prompt (`prompt`). Kept in `Article.extra["credits"]` as `[start, end, kind, author, agency]`."""

    start: int
    end: int
    text: str
    kind: str
    author: str | None = None
    agency: str | None = None


@dataclass(slots=True)
class Article:
    """One report by one outlet.

    `text` is the stored text (Unicode NFC, whitespace cleaned, datelines and author lines
    removed); every offset elsewhere points into it. `published` is an ISO 8601 prefix whose
    length says its precision (`2023-06`, `2023-06-26`, `2023-06-26T10:00`).
    """

    id: str
    text: str
    title: str = ""
    source: str | None = None
    url: str | None = None
    published: str | None = None
    author: str | None = None
    lead: str | None = None
    language: str = "vi"
    content_hash: str = ""
    origin: str = ""
    sentences: list[Sentence] = field(default_factory=list)
    captions: list[Caption] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def outlet_key(self) -> str:
        """Who speaks: the outlet, or the article itself when its outlet is unknown."""
        return self.source or f"article:{self.id}"

    def to_dict(self, with_sentences: bool = True) -> dict[str, Any]:
        d = asdict(self)
        if not with_sentences:
            d.pop("sentences")
        return d


@dataclass(slots=True)
class ArticleVersion:
    """One version of an article as an outlet published it; `fetched_at` is when newsfuse got it."""

    article_id: str
    version: int
    fetched_at: str
    title: str
    text: str
    content_hash: str
    published: str | None = None


PublicationKind = Literal["original", "exact", "near"]


@dataclass(slots=True)
class Publication:
    """One outlet's publication of a text: the stored article itself (`original`), another
    outlet's exact republication of its text (`exact`, not stored twice), or a near copy stored as
    an article of its own (`near`). `of` is the copy group's first stored article."""

    of: str
    outlet: str | None
    published: str | None
    url: str | None
    kind: PublicationKind
    article_id: str  # the stored article whose text this is
    seen_at: str | None = None
    similarity: float = 1.0
    item_id: str | None = None  # the id the republication came with (exact copies)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Story:
    """Articles that report one event."""

    id: str
    article_ids: list[str]
    title: str = ""
    outlets: list[str] = field(default_factory=list)
    first_date: str | None = None
    last_date: str | None = None
    also_published_by: list[str] = field(default_factory=list)  # outlets that republished a member's text

    @property
    def size(self) -> int:
        return len(self.article_ids)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["size"] = self.size
        return d


@dataclass(slots=True)
class CopyGroup:
    """Articles that are copies of one original (syndication)."""

    original_id: str
    copies: dict[str, float]  # copy article id -> estimated Jaccard similarity to the original


@dataclass(slots=True)
class Citation:
    """Provenance of a statement: which sentence of which article, and where in its text."""

    article_id: str
    outlet: str | None
    sentence_index: int
    start: int
    end: int


FactKind = Literal["shared", "only-one", "conflict"]


@dataclass(slots=True)
class Fact:
    """Sentences from a story's articles that say the same thing."""

    id: int
    kind: FactKind
    text: str  # the representative sentence
    citations: list[Citation]
    outlets: list[str]
    conflicts: list[str] = field(default_factory=list)  # human-readable, e.g. "10 cuộc vs 12 cuộc"
    repeats: list[str] = field(default_factory=list)  # articles that state this fact twice (two citations each)
    # Outlets that republished a cited article (a copy): they repeat the fact, they do not confirm it.
    repeated_by: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class ConflictSide:
    """What one side of a disagreement says (`47 đội`), who says it, and the sentences saying it."""

    value: str
    outlets: list[str]
    citations: list[Citation]
    sentences: list[str]  # the cited sentences, one per citation


@dataclass(slots=True)
class Conflict:
    """A disagreement spelled out: `47 đội (nhandan.vn) vs 48 đội (cand.com.vn)`, both sides cited."""

    fact_id: int
    kind: Literal["number", "name", "date"]
    text: str
    sides: list[ConflictSide]


@dataclass(slots=True)
class CopyNote:
    """One copy of another article of the story: its outlet and time, and its original's."""

    article_id: str
    outlet: str | None
    published: str | None
    original_id: str
    original_outlet: str | None
    original_published: str | None
    similarity: float
    kind: str = "near"  # near: stored as an article of its own; exact: the same text, stored once


@dataclass(slots=True)
class SummarySentence:
    text: str
    fact_id: int
    citations: list[Citation]
    # The disagreements of its fact (`Conflict.text`): its value is one side's, cited from that side only.
    disputed: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Entity:
    """A person, organisation or place, merged across the articles that name it."""

    name: str
    type: Literal["PER", "ORG", "LOC"]
    roles: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    outlets: list[str] = field(default_factory=list)
    mentions: list[Citation] = field(default_factory=list)


@dataclass(slots=True, frozen=True)
class TimeExpression:
    """A date expression in a sentence, resolved against the article's date when possible."""

    text: str
    start: int  # offsets into the article text
    end: int
    value: str | None  # ISO date or range "2023-06-25/2023-06-27"; None when unresolved
    precision: Literal["day", "month", "year", "range"] | None
    reason: str | None = None  # why it stayed unresolved


@dataclass(slots=True)
class TimelineEvent:
    date: str
    precision: str
    text: str
    fact_id: int | None
    citations: list[Citation]


@dataclass(slots=True)
class Brief:
    """Everything a reader needs about one story."""

    story_id: str
    title: str
    summary: list[SummarySentence]
    facts: list[Fact]
    articles: list[dict[str, Any]]  # id, outlet, title, date, url: the numbered source list
    first_date: str | None
    last_date: str | None
    notes: list[str] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    timeline: list[TimelineEvent] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)  # every disagreement, each side cited
    copies: list[CopyNote] = field(default_factory=list)  # copies left out of the alignment, with originals

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class FollowedSource:
    """A feed, sitemap or page `newsfuse watch` follows, with its health."""

    id: int
    url: str  # as the user gave it
    feed_url: str | None = None  # the feed or sitemap read (found from a page when `url` is one)
    kind: str | None = None  # "feed", "sitemap", "sitemap index"; None until first read
    outlet: str | None = None  # the name the user gave its articles' outlet, else the pages' hosts
    added_at: str = ""
    last_fetch: str | None = None
    status: str = "new"  # new, ok, not modified, warning, error, paused, robots, duplicate (of an older source's feed)
    error: str | None = None  # the last problem, one line
    next_fetch: float = 0.0  # Unix time
    failures: int = 0  # errors in a row
    articles: int = 0
    errors: int = 0
    pending: int = 0  # items listed but not yet fetched
    failed: int = 0  # items whose page could not be had: given up, or stored from their feed's text
    page_error: str | None = None  # the newest failed, retried or feed-stored item's reason, `URL: reason`
    etag: str | None = None
    last_modified: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """What every face shows of it (REST `/api/sources`, `sources list --json`): `next_fetch`
        as `last_fetch` is written, a local time `2026-12-06T21:15:00`, or None when no fetch is
        scheduled yet (the next watch cycle reads it)."""
        d = asdict(self)
        d.pop("etag")
        d.pop("last_modified")
        d["next_fetch"] = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(self.next_fetch)) if self.next_fetch \
            else None
        return d


def two_sides(a: str, outlets_a: set[str], b: str, outlets_b: set[str]) -> str | None:
    """The two sides of a conflict, `10 cuộc (A) vs 12 cuộc (B)`, when each is given by an outlet that
    does not give the other (one outlet's two figures are two facts, not a disagreement); None else."""
    only_a, only_b = outlets_a - outlets_b, outlets_b - outlets_a
    if not (only_a and only_b):
        return None
    return f"{a} ({', '.join(sorted(only_a))}) vs {b} ({', '.join(sorted(only_b))})"
