"""Group articles into stories, one article at a time, time-aware.

Each article becomes a sparse TF-IDF vector of folded syllables and syllable bigrams (a bigram
is how most Vietnamese words are written, so no word segmenter is needed and the same code
clusters English), with the title and lead counted extra and capitalised runs (names) boosted.
A story is the mean of its members' vectors. A new article joins the most similar story within
reach in time if the similarity clears a threshold, else it starts a story.

Candidates come from an inverted index (time window -> term -> stories whose centroid weighs that
term), so the cost of one article does not grow with the number of stories, and stories out of
reach in time are never looked at: an old article arriving late meets the stories of its own
time, not this week's. Batch clustering is the same procedure over the articles sorted by date,
with document frequencies taken from the whole batch first; streaming learns them as articles
arrive (or starts from a store's).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from itertools import chain
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from .config import StoryConfig
from .model import Article
from .text import TOKEN, fold

# Upper-case letters only: the range `À-Ỹ` would also take `ở`, `ấp` and glue them to names.
_UPPER = "A-Z" + "".join(c for c in map(chr, range(0xC0, 0x1F00)) if c.isupper() and c.isalpha())
_NAME_RUN = re.compile(r"(?<![.!?]\s)(?<!^)\b([" + _UPPER + r"][^\W\d_]*(?:\s+[" + _UPPER + r"][^\W\d_]*)+)")
_BODY_TOKENS = 600  # the top of a news text says what it is about; the tail adds noise and time


def article_terms(article: Article) -> Counter:
    """Raw term weights of an article (before IDF): body syllables once, title syllables three
    times, lead syllables twice, capitalised runs (names) once more."""
    head = article.text[:4000]
    c: Counter = Counter(TOKEN.findall(fold(head))[:_BODY_TOKENS])  # counted in C
    for t in TOKEN.findall(fold(article.title)):
        c[t] += 3.0
    if article.lead:
        for t in TOKEN.findall(fold(article.lead)):
            c[t] += 2.0
    for run in _NAME_RUN.findall(head):
        c["@" + fold(run)] += 1.0
    return c


def _top_keys(weights: dict[str, float], k: int) -> list[str]:
    """The k heaviest terms (sorting the keys by a bound `get` is ~2.5x faster than heapq here)."""
    return sorted(weights, key=weights.__getitem__, reverse=True)[:k]


def _days(date: str | None) -> float | None:
    if not date:
        return None
    try:
        d = datetime.fromisoformat(date if len(date) > 7 else (date + "-01" if len(date) == 7 else date + "-01-01"))
    except ValueError:
        return None
    return d.toordinal() + (d.hour * 60 + d.minute) / 1440


def story_id_for(article_id: str) -> str:
    return "s" + hashlib.blake2b(article_id.encode(), digest_size=6).hexdigest()


@dataclass(slots=True)
class _Story:
    id: str
    centroid: dict[str, float]  # sum of member unit vectors
    size: int = 0
    first: float | None = None
    last: float | None = None
    members: list[str] = field(default_factory=list)
    top: set[str] = field(default_factory=set)  # the centroid terms this story is indexed under
    windows: set[int | None] = field(default_factory=set)  # the time windows it is indexed in


@dataclass(slots=True)
class Assignment:
    article_id: str
    story_id: str
    similarity: float  # to the story joined; 0.0 for an article that started its story
    new: bool


class StoryClusterer:
    """Online story clustering; `add` assigns one article and returns where it went."""

    def __init__(self, config: StoryConfig | None = None, *, df: Counter | None = None, n_docs: int = 0,
                 learn_df: bool = True):
        self.config = config or StoryConfig()
        self.df: Counter = df if df is not None else Counter()
        self.n_docs = n_docs
        self.learn_df = learn_df
        self.stories: dict[str, _Story] = {}
        # Time window (days // max_gap_days; None for undated articles) -> term -> story ids.
        # Lists, not deques: most terms have a few stories per window, and an empty deque alone
        # takes ~600 bytes (measured: state memory at 100k articles fell by a third).
        self.index: dict[int | None, dict[str, list[str]]] = {}
        self.newest_window: int | None = None
        self.story_of: dict[str, str] = {}

    # ---------------------------------------------------------------- vectors

    def vector(self, terms: Counter) -> dict[str, float]:
        # Sublinear tf, smoothed idf (+1 keeps a two-article store from zeroing every shared
        # term); chosen on the shared corpus with bench/cluster_quality.py.
        log_n = math.log(max(self.n_docs, 1) + 1) + 1.0
        get_df = self.df.get
        log = math.log
        vec = {t: (1.0 + log(w) if w >= 1 else w) * (log_n - log(get_df(t, 0) + 1)) for t, w in terms.items()}
        # Keep the terms that carry the article; the rest only cost time.
        if len(vec) > 300:
            vec = {t: vec[t] for t in _top_keys(vec, 300)}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}

    def _decay(self, story: _Story, day: float | None) -> float:
        if day is None or story.last is None:
            return 1.0  # undated articles are matched on content alone
        gap = max(story.first - day, day - story.last, 0.0)
        if gap > self.config.max_gap_days:
            return 0.0
        scale = self.config.time_scale_days
        return 1.0 if gap <= scale else math.exp(-(gap - scale) / (4 * scale))

    # ---------------------------------------------------------------- assignment

    def add(self, article: Article) -> Assignment:
        if article.id in self.story_of:
            sid = self.story_of[article.id]
            return Assignment(article.id, sid, 1.0, False)
        terms = article_terms(article)
        if self.learn_df:
            self.n_docs += 1
            self.df.update(terms.keys())
        return self.add_vector(article.id, self.vector(terms), _days(article.published))

    def add_vector(self, article_id: str, vec: dict[str, float], day: float | None) -> Assignment:
        """Assign an article given its unit vector (see `vector`) and its day number."""
        best, best_sim = None, 0.0
        for sid in self._candidates(vec, day):
            story = self.stories[sid]
            decay = self._decay(story, day)
            if decay == 0.0:
                continue
            cen = story.centroid
            # Sum over shared terms only: the set intersection runs in C.
            dot = sum(vec[t] * cen[t] for t in vec.keys() & cen.keys())
            # Mean similarity to the members (average link): a story that has drifted wide
            # attracts less, which stops chains of topics from merging.
            sim = dot / story.size * decay
            if sim > best_sim:
                best, best_sim = story, sim
        if best is not None and best_sim >= self.config.threshold:
            self._join(best, article_id, vec, day)
            return Assignment(article_id, best.id, best_sim, False)
        story = _Story(story_id_for(article_id), {})
        self.stories[story.id] = story
        self._join(story, article_id, vec, day)
        return Assignment(article_id, story.id, 0.0, True)

    def restore(self, article: Article, story_id: str) -> None:
        """Put back an article whose story is already known (rebuilding state from a store)."""
        if article.id in self.story_of:
            return
        terms = article_terms(article)
        if self.learn_df:
            self.n_docs += 1
            self.df.update(terms.keys())
        story = self.stories.get(story_id)
        if story is None:
            story = self.stories[story_id] = _Story(story_id, {})
        self._join(story, article.id, self.vector(terms), _days(article.published))

    def _window(self, day: float | None) -> int | None:
        return None if day is None else int(day // self.config.max_gap_days)

    def _candidates(self, vec: dict[str, float], day: float | None = None) -> list[str]:
        """Stories that weigh the article's strongest terms, most shared terms first, among those
        indexed in the article's time window and its two neighbours (all a story within
        `max_gap_days` can be in) and among undated stories; an undated article looks in the
        newest windows. Only the most recent stories of each term are looked at and only the best
        few are compared, so the cost of an article stays flat however many stories exist."""
        window = self._window(day)
        anchor = window if window is not None else self.newest_window
        windows: list[int | None] = [None] if anchor is None else [anchor - 1, anchor, anchor + 1, None]
        recent = self.config.recent_per_term
        top = _top_keys(vec, self.config.top_terms)
        votes: Counter = Counter()
        for w in windows:
            index = self.index.get(w)
            if index:
                get = index.get
                # One count per window (a Counter update per term cost a call each).
                votes.update(chain.from_iterable(
                    reversed(postings[-recent:]) for t in top if (postings := get(t))))
        return [sid for sid, _ in votes.most_common(self.config.max_candidates)]

    def _join(self, story: _Story, article_id: str, vec: dict[str, float], day: float | None) -> None:
        old_top = story.top
        cen = story.centroid
        for t, w in vec.items():
            cen[t] = cen.get(t, 0.0) + w
        if len(cen) > 3 * self.config.centroid_terms:  # bounded memory and comparison cost per story
            story.centroid = cen = {t: cen[t] for t in _top_keys(cen, 2 * self.config.centroid_terms)}
        story.size += 1
        story.members.append(article_id)
        if day is not None:
            story.first = day if story.first is None else min(story.first, day)
            story.last = day if story.last is None else max(story.last, day)
        self.story_of[article_id] = story.id
        story.top = set(_top_keys(cen, self.config.centroid_terms))
        window = self._window(day)
        if window is not None and (self.newest_window is None or window > self.newest_window):
            self.newest_window = window
        # A story enters a window with all its top terms, then with each new top term.
        new_terms = story.top if window not in story.windows else story.top - old_top
        story.windows.add(window)
        index = self.index.setdefault(window, {})
        keep = self.config.max_postings
        for t in new_terms:
            postings = index.get(t)
            if postings is None:
                index[t] = [story.id]
                continue
            postings.append(story.id)
            if len(postings) > 2 * keep:  # trimmed in halves: amortised O(1) per append
                del postings[:-keep]


def document_frequencies(articles: Iterable[Article]) -> tuple[Counter, int]:
    df: Counter = Counter()
    n = 0
    for a in articles:
        df.update(article_terms(a).keys())
        n += 1
    return df, n


def _sort_key(a: Article) -> tuple[str, int]:
    # Undated articles go last in batch: dated ones fix the stories they may join.
    return (a.published or "\uffff", 0)


def cluster(articles: Sequence[Article], config: StoryConfig | None = None, *, refine: bool = True) -> list[Assignment]:
    """Batch clustering: DF over the whole batch, articles assigned in date order, then (unless
    `refine` is off) one pass that moves each article to the story whose other members it is most
    like on average: the single pass decides early articles before their story has formed, and the
    pass mends that (about +1.5 points of B-cubed F1 on the shared corpus, see docs/decisions.md)."""
    config = config or StoryConfig()
    df, n = document_frequencies(articles)
    clusterer = StoryClusterer(config, df=df, n_docs=n, learn_df=False)
    ordered = sorted(articles, key=_sort_key)
    vocab: dict[str, int] = {}
    indptr, indices, data, days = [0], [], [], []
    assignments = []
    for a in ordered:
        vec = clusterer.vector(article_terms(a))
        day = _days(a.published)
        days.append(day)
        assignments.append(clusterer.add_vector(a.id, vec, day))
        for t, w in vec.items():
            indices.append(vocab.setdefault(t, len(vocab)))
            data.append(w)
        indptr.append(len(indices))
    if not refine or not assignments:
        return assignments
    from scipy import sparse

    X = sparse.csr_matrix((np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int32),
                           np.asarray(indptr, dtype=np.int64)), shape=(len(ordered), len(vocab)))
    return _refine(clusterer, X, vocab, assignments, days)


def _refine(clusterer: StoryClusterer, X, vocab: dict[str, int], assignments: list[Assignment],
            days: list[float | None]) -> list[Assignment]:
    from scipy import sparse

    config = clusterer.config
    story_ids = sorted({a.story_id for a in assignments})
    row_of = {sid: k for k, sid in enumerate(story_ids)}
    own = np.array([row_of[a.story_id] for a in assignments])
    M = sparse.csr_matrix((np.ones(len(own), dtype=np.float32), (np.arange(len(own)), own)),
                          shape=(len(own), len(story_ids)))
    C = (M.T @ X).tocsr()  # per story: the sum of its members' unit vectors
    sizes = np.bincount(own, minlength=len(story_ids))
    terms = np.empty(len(vocab), dtype=object)
    for t, k in vocab.items():
        terms[k] = t
    out = []
    for i, a in enumerate(assignments):
        row = X.getrow(i)
        top = np.argsort(-row.data)[: config.top_terms]
        vec = {terms[row.indices[k]]: float(row.data[k]) for k in top}
        cands = [row_of[sid] for sid in clusterer._candidates(vec, days[i]) if sid in row_of]
        cands = np.unique(np.append(cands, own[i]))
        sims = np.asarray((C[cands] @ row.T).todense()).ravel()
        sizes_c = sizes[cands].astype(np.float64)
        is_own = cands == own[i]
        # Mean similarity to the *other* members (a unit vector's similarity to itself is 1).
        denom = sizes_c - is_own
        avg = np.where(denom > 0, (sims - is_own) / np.maximum(denom, 1), 0.0)
        for k, c in enumerate(cands):
            story = clusterer.stories[story_ids[c]]
            if days[i] is not None and story.last is not None and not is_own[k]:
                if max(story.first - days[i], days[i] - story.last, 0.0) > config.max_gap_days:
                    avg[k] = 0.0
        k = int(np.argmax(avg))
        if avg[k] >= config.threshold:
            out.append(Assignment(a.article_id, story_ids[cands[k]], float(avg[k]), False))
        else:
            out.append(Assignment(a.article_id, story_id_for(a.article_id + "/alone"), 0.0, True))
    return out
