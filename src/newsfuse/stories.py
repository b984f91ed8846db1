"""Group articles into stories, one article at a time, time-aware.

Each article becomes a sparse TF-IDF vector of folded syllables (no word segmenter is needed, and
the same code clusters English), with the title and lead counted extra, and names as terms of
their own (a capitalised syllable apart from the same syllable in lower case, a whole name once
more). A story is the sum of its members' unit vectors (its centroid, capped to its heaviest
terms). A new article joins the story it is most like on average within reach in time if the
similarity clears a threshold, else it starts a story; the story it joined is then compared with
the other stories nearest the article by the same rule between stories (average link), and merged
with those that clear it: the older keeps its id, the other's is recorded (`take_merges`) so that
the store keeps it as an alias.

Candidates come from an inverted index (time window -> term -> stories whose centroid weighs that
term), so the cost of one article does not grow with the number of stories, and stories out of
reach in time are never looked at: an old article arriving late meets the stories of its own
time, not this week's. Batch clustering is the same procedure over the articles sorted by date
(then id: the batch is one function of the set of articles, in any input order), with document
frequencies taken from the whole batch first, then a pass that moves articles (splits); streaming
learns them as articles arrive (or starts from a store's).

The state is compact: terms are interned to int ids (one vocabulary and one document-frequency
array per clusterer), vectors and centroids are pairs of numpy arrays (ids, weights), and a
story keeps its centroid, size, dates, member ids and the top terms it is indexed under: nothing
per member but its id.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import compress, repeat
from operator import is_
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .config import StoryConfig
from .model import Article
from .lang import fold, tokens
from .text import CAPITALS, name_runs

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from .embeddings import Embedder

_BODY_TOKENS = 1200  # the top of a news text says what it is about; the tail adds noise and time
_HEAD_CHARS = 4000  # where names are looked for
_VECTOR_TERMS = 300  # terms kept per article vector: the rest only cost time
_TITLE_WEIGHT = 3.0  # a title syllable counts as three of the body
_LEAD_WEIGHT = 2.0
_RUN_WEIGHT = 1.0  # a whole name, once more than its syllables
_RECHECK_TERMS = 300  # terms of an article kept for re-checks (`StoryClusterer._keep_vector`)


# A capitalised word that does not open a sentence (nor a quote or a line): a syllable of a name
# (`anh Huy`), kept apart from the same syllable in lower case (`chỉ huy`). The capitals are the
# text layer's (`text.CAPITALS`).
_NAME_WORD = re.compile(r"\b(?=[" + CAPITALS + r"])(?<!^)(?<!\n)(?<![.!?…:;]\s)(?<![.!?…:;]\s[\"“‘'(\[«])"
                        r"(?<!\n[\"“‘'(\[«])[^\W\d_]+")
NAME_MARK = "^"  # prefix of a name syllable's term
RUN_MARK = "@"  # prefix of a whole name's term (a run of two or more capitalised words, `text.name_runs`)


def _term_kind(term: str) -> int:
    """1 for a name's term (`^` syllable, `@` run), 2 for a term holding a digit (a figure, a date),
    0 for a plain word: the kinds the pair features (`JOIN_FEATURES`) split a similarity by."""
    if term[:1] in (NAME_MARK, RUN_MARK):
        return 1
    return 2 if any(ch.isdigit() for ch in term) else 0


def _count(c: Counter, toks: Sequence[str], names: list[str], weight: float) -> None:
    """Add `toks` (folded syllables) with `weight` each, the name syllables among them (`names`,
    folded) as name terms instead of plain ones: each name syllable moves `weight` from the plain
    term (which is dropped at 0) to the name term, in the order the names come."""
    # Counter's `+=` on a new key and its `del` run in Python (`__missing__`, `__delitem__`): the
    # dict's own get, set and pop do the same in C. The weights are whole numbers, so adding a
    # term's k occurrences at once gives the same float as adding them one by one.
    get = c.get
    if weight == 1.0:
        c.update(toks)
    else:
        for t, k in Counter(toks).items():
            c[t] = get(t, 0) + k * weight
    if not names:
        return
    pop = c.pop
    for n, k in Counter(names).items():
        moved = k * weight
        left = get(n, 0.0) - moved
        if left > 0:
            c[n] = left
        else:
            pop(n, None)
        n = NAME_MARK + n
        c[n] = get(n, 0) + moved


def _name_words(text: str) -> list[str]:
    found = _NAME_WORD.findall(text)
    return fold(" ".join(found)).split() if found else []


# Every capitalised word at a word start: one scan of the head gives both its name syllables
# (`_NAME_WORD`'s words, judged by the characters before each) and its runs (`text.name_runs`:
# two or more such words apart by white space only, the first not opening the text or following a
# sentence's end and a space). tests/test_stories.py compares them on the shared corpus.
_OPENERS = ".!?…:;"
_QUOTES = "\"“‘'([«"


# A chain of capitalised words apart by white space only: what `_head_names` reads, one match a chain.
# The word start is checked after the first capital (`(?<!\w.)`: no word character before it), not
# before it as `\b`: a pattern that opens with a character class lets the regex engine skip to the
# next capital instead of trying a match at every character (the scan 2.3x faster; the same matches).
_CAP_CHAIN = re.compile(r"[" + CAPITALS + r"](?<!\w.)[^\W\d_]*(?:\s+[" + CAPITALS + r"][^\W\d_]*)*")


def _head_names(head: str) -> tuple[list[str], list[str]]:
    """(`_name_words(head)`, `text.name_runs(head)`) in one scan, a chain of capitalised words at a
    time (half as many steps as a word at a time). Only a chain's first word needs the characters
    before it judged: a later one follows white space after a letter, so it is a name syllable
    unless a line break is right before it."""
    words: list[str] = []
    runs: list[str] = []
    add, more = words.append, words.extend
    for m in _CAP_CHAIN.finditer(head):
        a = m.start()
        chain = m.group()
        prev = head[a - 1] if a else ""
        p2 = head[a - 2] if a >= 2 else ""
        parts = chain.split()
        if a and prev != "\n" and not (prev.isspace() and p2 in _OPENERS and p2) and not (
                prev in _QUOTES and p2 and (p2 == "\n" or (a >= 3 and p2.isspace() and head[a - 3] in _OPENERS))):
            add(parts[0])
        if len(parts) == 1:
            continue
        if "\n" in chain:
            at = len(parts[0])
            for w in parts[1:]:
                at = chain.index(w, at)
                if chain[at - 1] != "\n":
                    add(w)
                at += len(w)
        else:
            more(parts[1:])
        # A run may not open the text nor follow a sentence's end and a space: it starts a word later.
        if a and not (prev.isspace() and p2 and p2 in ".!?"):
            runs.append(chain)
        elif len(parts) >= 3:
            runs.append(chain[len(parts[0]):].lstrip())
    return (fold(" ".join(words)).split() if words else []), runs


def article_terms(article: Article, body_tokens: Sequence[str] | None = None) -> Counter:
    """Raw term weights of an article (before IDF): the first 600 body syllables once, title
    syllables three times, lead syllables twice; a capitalised syllable that opens no sentence is a
    name's (`^huy`), apart from the same syllable in lower case (`huy` of `chỉ huy`), and each run
    of capitalised words (a whole name, `@lương tam quang`) counts once more.
    `body_tokens` are the body's matching-key tokens (`text.tokens(article.text)`) when the caller
    has them already."""
    toks = body_tokens if body_tokens is not None else tokens(article.text)
    names, runs = _head_names(article.text[:_HEAD_CHARS])
    c: Counter = Counter()
    _count(c, toks[:_BODY_TOKENS], names, 1.0)
    _count(c, tokens(article.title), _name_words(article.title), _TITLE_WEIGHT)
    if article.lead:
        _count(c, tokens(article.lead), _name_words(article.lead), _LEAD_WEIGHT)
    get = c.get
    for run in runs:
        run = RUN_MARK + fold(run)
        c[run] = get(run, 0) + _RUN_WEIGHT
    return c


def _descending(weights: np.ndarray, k: int | None = None) -> np.ndarray:
    """Positions of the k heaviest weights, heaviest first; equal weights keep their order (the
    order terms were first seen, so ties fall the same way on every run)."""
    order = np.argsort(-weights, kind="stable")
    return order if k is None else order[:k]


def day_number(date: str | None) -> float | None:
    if not date:
        return None
    try:
        d = datetime.fromisoformat(date if len(date) > 7 else (date + "-01" if len(date) == 7 else date + "-01-01"))
    except ValueError:
        return None
    return d.toordinal() + (d.hour * 60 + d.minute) / 1440


def story_id_for(article_id: str) -> str:
    return "s" + hashlib.blake2b(article_id.encode(), digest_size=6).hexdigest()


def split_story_id(article_id: str, number: int) -> str:
    """The id of a story a re-check split off, its first member `article_id`, made as the
    clusterer's story `number`: no other story of that clusterer has had that number."""
    return story_id_for(f"{article_id}/{number}")


@dataclass(slots=True)
class TermVector:
    """A sparse vector over a clusterer's term ids: `ids` (int32, distinct) and `weights`."""

    ids: np.ndarray
    weights: np.ndarray


_NO_IDS = np.zeros(0, dtype=np.int32)
_NO_WEIGHTS = np.zeros(0, dtype=np.float32)


@dataclass(slots=True)
class _Story:
    id: str
    number: int  # its place in the clusterer's list of stories: what the index stores
    term_ids: np.ndarray = field(default_factory=lambda: _NO_IDS)  # centroid: the sum of the members'
    weights: np.ndarray = field(default_factory=lambda: _NO_WEIGHTS)  # unit vectors, heaviest terms only
    size: int = 0
    first: float | None = None
    last: float | None = None
    members: list[str] = field(default_factory=list)
    windows: tuple = ()  # the time windows it is indexed in (under its top centroid terms)
    checked: int = 1  # its size when it was last re-checked (`StoryClusterer._recheck`)


class _Postings:
    """One time window of the candidate index: term id -> story numbers, newest last; a lookup
    reads the newest `keep` of a term (older ones are dropped as soon as a merge sees them).

    Compact by construction: the bulk is one sorted run in CSR form (unique term ids, their
    offsets, story numbers: ~5 bytes per posting); new postings go to a dict that is merged into
    the run when it holds more than a sixteenth of it. A dict of lists per term cost ~2.3 KB per
    article at 20k articles (13 (window, term) keys per article, each a dict slot, an int and a
    list), almost all of the clusterer's state.
    """

    __slots__ = ("keep", "terms", "starts", "stories", "recent", "recent_n")

    def __init__(self, keep: int):
        self.keep = keep
        self.terms = _NO_IDS  # sorted unique term ids of the run
        self.starts = np.zeros(1, dtype=np.int64)  # offsets of each term's stories in `stories`
        self.stories = _NO_IDS
        self.recent: dict[int, list[int]] = {}
        self.recent_n = 0

    def add(self, terms: list[int], story: int) -> None:
        recent = self.recent
        for t in terms:
            bucket = recent.get(t)
            if bucket is None:
                recent[t] = [story]
            else:
                bucket.append(story)
        self.recent_n += len(terms)
        if self.recent_n > max(2048, len(self.stories) >> 4):
            self.merge()

    def newest(self, terms: list[int]) -> list[int]:
        """The stories posted under each of `terms`, term by term, newest first, `keep` at most per term
        (the dict's newest first, then the run's). The run's share of every term is gathered by one
        numpy indexing, not a slice per term."""
        if not terms:  # an article with no terms (punctuation only) has no candidates
            return []
        keep = self.keep
        buckets = list(map(self.recent.get, terms))
        if not len(self.terms):
            run, take = [], [0] * len(terms)
        else:
            at = self.terms.searchsorted(terms)
            at[at == len(self.terms)] = 0
            hit = self.terms[at] == terms
            lo, hi = self.starts[at], self.starts[at + 1]
            room = keep - np.fromiter((min(len(b), keep) if b else 0 for b in buckets), dtype=np.int64,
                                      count=len(terms))
            counts = np.where(hit, np.minimum(hi - lo, room), 0)
            ends = np.cumsum(counts)
            total = int(ends[-1])
            # Term i's share: its stories from the newest (at hi - 1) down, counts[i] of them.
            run = self.stories[np.repeat(hi - 1 + ends - counts, counts) - np.arange(total)].tolist() if total else []
            take = counts.tolist()
        if not any(buckets):
            return run
        out: list[int] = []
        more, pos = out.extend, 0
        for bucket, k in zip(buckets, take):
            if bucket:
                more(reversed(bucket[-keep:]))
            if k:
                more(run[pos:pos + k])
                pos += k
        return out

    def merge(self) -> None:
        if not self.recent_n:
            return
        new_terms = np.fromiter((t for t, b in self.recent.items() for _ in b), dtype=np.int32, count=self.recent_n)
        new_stories = np.fromiter((s for b in self.recent.values() for s in b), dtype=np.int32, count=self.recent_n)
        old_terms = np.repeat(self.terms, np.diff(self.starts))
        terms = np.concatenate([old_terms, new_terms])
        order = np.argsort(terms, kind="stable")  # within a term: the run's (older) first, then the dict's
        terms, stories = terms[order], np.concatenate([self.stories, new_stories])[order]
        bounds = np.flatnonzero(np.r_[True, terms[1:] != terms[:-1]])
        ends = np.r_[bounds[1:], len(terms)]
        keep = np.repeat(ends, ends - bounds) - np.arange(len(terms)) <= self.keep  # the newest `keep` per term
        terms, stories = terms[keep], stories[keep]
        bounds = np.flatnonzero(np.r_[True, terms[1:] != terms[:-1]]) if len(terms) else bounds[:0]
        self.terms = terms[bounds]
        self.starts = np.r_[bounds, len(terms)].astype(np.int64)
        self.stories = stories
        self.recent, self.recent_n = {}, 0

    @property
    def nbytes(self) -> int:
        return self.terms.nbytes + self.starts.nbytes + self.stories.nbytes + 3 * 112 + 100 * self.recent_n


@dataclass(frozen=True, slots=True)
class Recheck:
    """Splits in the stream (`StoryClusterer._recheck`; the batch's refinement pass does it there):
    a story is re-checked when it has grown to `growth` times its size at its last check (2: at 2,
    4, 8, ... members, so each article is re-read a bounded number of times). Its members and those
    of its `neighbours` nearest stories that are no bigger are placed again as the refinement places
    them, a member leaving its story only when the evidence is clear by `margin`. Not in
    `StoryConfig` and off by default: measured (bench/cluster_quality.py --recheck, docs/decisions.md),
    it did not make the stream's stories steadier across input orders."""

    growth: float = 2.0
    neighbours: int = 4
    # Set by hand on the whole corpus before the halves were measured; the bench's halves pick
    # 0.02 (half 0) and 0.08 (half 1), and neither holds out a steadier stream.
    margin: float = 0.03


@dataclass(slots=True)
class Assignment:
    article_id: str
    story_id: str
    similarity: float  # to the story joined; 0.0 for an article that started its story
    new: bool


class StoryClusterer:
    """Online story clustering: `add` assigns one article and returns where it went, `restore`
    puts back one whose story is known, `assignments` says where every article is."""

    def __init__(self, config: StoryConfig | None = None, *, df: Counter | None = None, n_docs: int = 0,
                 learn_df: bool = True, recheck: Recheck | None = None, join_model: StoryPairModel | None = None):
        self.config = config or StoryConfig()
        # The join decision of `add_vector`: the learned model's (`JOIN_FEATURES`) when given, else the
        # threshold's; `join_record`, a list, receives every (article, candidate) pair it weighs.
        if join_model is not None and join_model.features != JOIN_FEATURES:
            raise ValueError(f"join model features {join_model.features} are not {JOIN_FEATURES}")
        self.join_model = join_model
        self.join_record: list[PairRecord] | None = None
        # Re-checks (splits) need each member's vector (`_keep_vector`); none without them.
        self.recheck = recheck if recheck is not None and recheck.growth > 0 else None
        self.n_docs = n_docs
        self.learn_df = learn_df
        # Vocabulary: term -> id; document frequency by id. The two scratch arrays (one slot per
        # term) let a similarity or a centroid update touch only the terms involved.
        self.term_id: dict[str, int] = {}
        self._df = np.zeros(1024, dtype=np.int64)
        self._scratch = np.zeros(1024, dtype=np.float64)
        self._seen = np.zeros(1024, dtype=bool)
        self._plain = np.full(1024, -1, dtype=np.int32)  # a name syllable's term id -> its lower-case syllable's
        # A term's kind for the pair features (`_term_kind`), kept only while `_track_kinds` (a learned
        # model or a record asks for them): the stream's default path interns terms without it.
        self._kind = np.zeros(1024, dtype=np.int8)
        self._track_kinds = join_model is not None
        if df:
            ids = self.term_ids(list(df))
            self._df[ids] = np.fromiter(df.values(), dtype=np.int64, count=len(ids))
        self.stories: dict[str, _Story] = {}
        self._numbered: list[_Story] = []
        # Time window (days // max_gap_days; None for undated articles) -> term id -> stories.
        self.index: dict[int | None, _Postings] = {}
        self.newest_window: int | None = None
        self.story_of: dict[str, str] = {}
        self.merged: list[tuple[str, str]] = []  # (absorbed, survivor) since `take_merges`
        # With re-checks: article id -> (term ids, raw weights, day) of its heaviest terms
        # (`_keep_vector`), and the articles a re-check moved since `take_moves` (-> their
        # similarity to the story they are in now).
        self.vectors: dict[str, tuple[np.ndarray, np.ndarray, float | None]] = {}
        self.moved: dict[str, float] = {}

    # ---------------------------------------------------------------- vectors

    def term_ids(self, terms: Sequence[str]) -> np.ndarray:
        """Ids of terms, new terms added to the vocabulary (with document frequency 0)."""
        vocab = self.term_id
        out = list(map(vocab.get, terms))  # in C: a comprehension costs twice as much
        # The new terms' places, found in C: an article brings a few new terms among its ~300.
        missing = list(compress(range(len(out)), map(is_, out, repeat(None))))
        if missing:
            names = []
            for k in missing:
                out[k] = vocab.setdefault(terms[k], len(vocab))
                if terms[k][:1] == NAME_MARK:
                    names.append(k)
            for k in names:  # each name syllable knows its lower-case syllable (interned too)
                plain = terms[k][1:]
                if plain not in vocab:
                    vocab[plain] = len(vocab)
            self._grow(len(vocab))
            if self._track_kinds:
                kind = self._kind
                for k in missing:
                    kind[out[k]] = _term_kind(terms[k])
                for k in names:
                    kind[vocab[terms[k][1:]]] = _term_kind(terms[k][1:])
            for k in names:
                self._plain[out[k]] = vocab[terms[k][1:]]
        return np.fromiter(out, dtype=np.int32, count=len(out))

    def track_kinds(self) -> None:
        """Know every term's kind (`_term_kind`) from now on: the vocabulary's so far at once (its ids
        are its insertion order), each new term's as it is interned."""
        self._grow(len(self.term_id))
        self._kind[:len(self.term_id)] = np.fromiter(map(_term_kind, self.term_id), dtype=np.int8,
                                                     count=len(self.term_id))
        self._track_kinds = True

    def _grow(self, n: int) -> None:
        if n > len(self._df):
            size = max(n, 2 * len(self._df))
            self._df = np.concatenate([self._df, np.zeros(size - len(self._df), dtype=np.int64)])
            self._plain = np.concatenate([self._plain, np.full(size - len(self._plain), -1, dtype=np.int32)])
            self._kind = np.concatenate([self._kind, np.zeros(size - len(self._kind), dtype=np.int8)])
            self._scratch = np.zeros(size, dtype=np.float64)
            self._seen = np.zeros(size, dtype=bool)

    def df(self, term: str) -> int:
        i = self.term_id.get(term)
        return 0 if i is None else int(self._df[i])

    def learn(self, ids: np.ndarray) -> None:
        """Count one more document holding the (distinct) terms `ids`."""
        self.n_docs += 1
        self._df[ids] += 1

    def learn_many(self, documents: Sequence[np.ndarray]) -> None:
        """`learn` for each of `documents` (distinct term ids each), counted at once."""
        if documents:
            counts = np.bincount(np.concatenate(documents), minlength=len(self._df))
            self._grow(len(counts))
            self._df[:len(counts)] += counts
        self.n_docs += len(documents)

    def share_vocabulary(self, other: StoryClusterer) -> None:
        """Read terms by `other`'s ids (a batch over articles whose terms it interned): its
        vocabulary is this clusterer's from now on, shared, not copied; this one must not add terms
        (`learn_df` off, nothing interned), and the document frequencies stay this one's own."""
        self.term_id = other.term_id
        self._grow(len(other._df))
        self._plain[:len(other._plain)] = other._plain

    def weigh(self, ids: np.ndarray, raw: np.ndarray) -> TermVector:
        """The unit TF-IDF vector of raw term weights: sublinear tf, smoothed idf (+1 keeps a
        two-article store from zeroing every shared term; chosen on the shared corpus with
        bench/cluster_quality.py), the 300 heaviest terms kept."""
        log_n = math.log(max(self.n_docs, 1) + 1) + 1.0
        tf = np.where(raw >= 1, 1.0 + np.log(np.maximum(raw, 1.0)), raw)
        idf = log_n - np.log(self._df[ids] + 1.0)
        # A name syllable that is also a word weighs no more than the word (`Huy`: `chỉ huy`): it
        # alone does not join stories; a rare whole name (`@...`) keeps its own weight.
        plain = self._plain[ids]
        named = plain >= 0
        if named.any():
            idf[named] = np.minimum(idf[named], log_n - np.log(self._df[plain[named]] + 1.0))
        w = tf * idf
        if len(w) > _VECTOR_TERMS:
            keep = _descending(w, _VECTOR_TERMS)
            ids, w = ids[keep], w[keep]
        norm = math.sqrt(float(np.dot(w, w))) or 1.0
        return TermVector(ids, w / norm)

    def vector(self, terms: Counter) -> TermVector:
        """The unit vector of an article's raw terms (see `article_terms`)."""
        keys = list(terms)
        return self.weigh(self.term_ids(keys), np.fromiter(terms.values(), dtype=np.float64, count=len(keys)))

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
        keys = list(terms)
        raw = np.fromiter(terms.values(), dtype=np.float64, count=len(keys))
        return self.add_terms(article.id, keys, raw, day_number(article.published))

    def add_terms(self, article_id: str, terms: Sequence[str], raw: np.ndarray, day: float | None) -> Assignment:
        """`add` for an article given as its raw terms (distinct, see `article_terms`) and its day number."""
        return self.add_term_ids(article_id, self.term_ids(terms), raw, day)

    def add_term_ids(self, article_id: str, ids: np.ndarray, raw: np.ndarray, day: float | None) -> Assignment:
        """`add_terms` with the terms given by their ids (see `term_ids`)."""
        if self.learn_df:
            self.learn(ids)
        vec = self.weigh(ids, raw)
        if self.recheck is not None:
            self._keep_vector(article_id, ids, raw, vec, day)
        return self.add_vector(article_id, vec, day)

    def _keep_vector(self, article_id: str, ids: np.ndarray, raw: np.ndarray, vec: TermVector, day: float | None) -> None:
        """Keep what a re-check needs of an article: the raw weights of its heaviest terms (a
        re-check weighs them again with the document frequencies of its time; an early article's
        vector, weighed when few documents were known, gave common words the weight of rare ones),
        `_RECHECK_TERMS` of them (memory: ~6 bytes a term), and its day."""
        top = vec.ids[_descending(vec.weights, _RECHECK_TERMS)]
        scratch = self._scratch
        scratch[ids] = raw
        kept = scratch[top].astype(np.float16)  # raw weights are counts times 1, 2 or 3: exact in float16
        scratch[ids] = 0.0
        self.vectors[article_id] = (top, kept, day)

    def add_vector(self, article_id: str, vec: TermVector, day: float | None) -> Assignment:
        """Assign an article given its unit vector (see `weigh`) and its day number."""
        stories, decays = [], []
        by_id = self.stories
        if day is None:  # undated articles are matched on content alone
            stories = [by_id[sid] for sid in self._candidates(vec, day)]
            decays = [1.0] * len(stories)
        else:
            # `_decay`, inlined: it runs for ~20 candidates an article.
            max_gap, scale = self.config.max_gap_days, self.config.time_scale_days
            for sid in self._candidates(vec, day):
                story = by_id[sid]
                if story.last is None:
                    decay = 1.0
                else:
                    gap = story.first - day if story.first > day else (day - story.last if day > story.last else 0.0)
                    if gap > max_gap:
                        continue
                    decay = 1.0 if gap <= scale else math.exp(-(gap - scale) / (4 * scale))
                stories.append(story)
                decays.append(decay)
        if stories:
            # Mean similarity to the members (average link; the centroid is the sum of their unit
            # vectors): a story that has drifted wide attracts less, which stops chains of topics
            # from merging. All candidates at once: the article's weights are spread on the scratch
            # row and each centroid gathers its terms from it.
            scratch = self._scratch
            scratch[vec.ids] = vec.weights
            ids = np.concatenate([s.term_ids for s in stories])
            weights = np.concatenate([s.weights for s in stories])
            starts = np.cumsum([0] + [len(s.term_ids) for s in stories[:-1]])
            products = scratch[ids] * weights
            dots = np.add.reduceat(products, starts)
            scratch[vec.ids] = 0.0
            sizes = np.array([s.size for s in stories])
            sims = dots / sizes * np.array(decays)
            k = int(np.argmax(sims))
            joins = sims[k] > 0.0 and sims[k] >= self.config.threshold
            if self.join_model is not None or self.join_record is not None:
                F = self._join_features(stories, products, starts, dots, sizes, day)
                if self.join_record is not None:
                    self.join_record.extend(PairRecord(article_id, list(s.members), f) for s, f in zip(stories, F))
                if self.join_model is not None:
                    prob = self.join_model.probability(F)
                    k = int(np.argmax(prob))
                    joins = bool(prob[k] >= self.join_model.threshold)
            if joins:
                best = stories[k]
                self._join(best, article_id, vec, day)
                if self.config.merge_candidates and len(stories) > 1:
                    # The story's centroid moved: the stories nearest the article may now be the
                    # same event seen from two openings (an order the news arrived in).
                    near = [stories[j] for j in np.argsort(-sims, kind="stable")[1:self.config.merge_candidates + 1]
                            if sims[j] > 0.0]
                    best = self._merge_near(best, near)
                if self.recheck is not None and best.size >= self.recheck.growth * best.checked:
                    self._recheck(best)
                return Assignment(article_id, self.story_of[article_id], float(sims[k]), False)
        story = self._new_story(story_id_for(article_id))
        self._join(story, article_id, vec, day)
        return Assignment(article_id, story.id, 0.0, True)

    def _join_features(self, stories: list[_Story], products: np.ndarray, starts: np.ndarray, dots: np.ndarray,
                       sizes: np.ndarray, day: float | None) -> np.ndarray:
        """`JOIN_FEATURES` of an article and its candidate `stories`: `products` are the article's
        weights times the stories' centroids, term by term, the stories' runs starting at `starts`."""
        F = np.zeros((len(stories), len(JOIN_FEATURES)))
        F[:, 0] = dots / sizes
        kinds = self._kind[np.concatenate([s.term_ids for s in stories])]
        for col, kind in ((1, 1), (2, 2), (3, 0)):
            F[:, col] = np.add.reduceat(np.where(kinds == kind, products, 0.0), starts) / sizes
        for j, story in enumerate(stories):
            if day is None or story.last is None:
                F[j, 5] = 1.0
            else:
                F[j, 4] = math.log1p(max(story.first - day, day - story.last, 0.0))
        F[:, 6] = np.log(sizes)
        return F

    def add_many(self, articles: Sequence[Article], pool: Executor | None = None) -> list[Assignment]:
        """`add` for each of `articles` in turn: the same assignments. With `pool` (a process pool,
        `workers.process_pool`), the articles' terms are made in its processes while this one
        assigns: `article_terms` is about half of what `add` costs, and it needs no state."""
        if pool is None:
            return [self.add(a) for a in articles]
        out = []
        story_of = self.story_of
        # Only the three texts go to the worker and one string and one buffer come back: pickling
        # whole articles and lists of terms cost the main process ~100 µs an article.
        texts = [_Texts(a.title, a.lead, a.text) for a in articles]
        for a, (keys, raw) in zip(articles, pool.map(_packed_terms, texts, chunksize=64)):
            if a.id in story_of:
                out.append(Assignment(a.id, story_of[a.id], 1.0, False))
            else:
                out.append(self.add_terms(a.id, keys if keys.__class__ is list else keys.split("\0"),
                                          np.frombuffer(raw, dtype=np.float64), day_number(a.published)))
        return out

    def restore(self, article: Article, story_id: str) -> None:
        """Put back an article whose story is already known (rebuilding state from a store)."""
        if article.id in self.story_of:
            return
        self.restore_term_ids(article.id, *self.article_term_ids(article), day_number(article.published), story_id)

    def article_term_ids(self, article: Article) -> tuple[np.ndarray, np.ndarray]:
        """An article's terms by this clusterer's ids, and their raw weights."""
        terms = article_terms(article)
        return self.term_ids(list(terms)), np.fromiter(terms.values(), dtype=np.float64, count=len(terms))

    def restore_terms(self, article_id: str, terms: Sequence[str], raw: np.ndarray, day: float | None,
                      story_id: str) -> None:
        """`restore` for an article given as its raw terms and day number."""
        if article_id in self.story_of:
            return
        self.restore_term_ids(article_id, self.term_ids(terms), raw, day, story_id)

    def restore_term_ids(self, article_id: str, ids: np.ndarray, raw: np.ndarray, day: float | None,
                         story_id: str) -> None:
        """`restore_terms` with the terms given by their ids (see `term_ids`)."""
        if article_id in self.story_of:
            return
        if self.learn_df:
            self.learn(ids)
        vec = self.weigh(ids, raw)
        if self.recheck is not None:
            self._keep_vector(article_id, ids, raw, vec, day)
        story = self.stories.get(story_id)
        if story is None:
            story = self._new_story(story_id)
        self._join(story, article_id, vec, day)
        story.checked = story.size  # a stored story counts as checked: the next re-check is at twice this

    def assignments(self) -> dict[str, str]:
        """Article id -> story id, for every article placed or restored."""
        return dict(self.story_of)

    def _window(self, day: float | None) -> int | None:
        return None if day is None else int(day // self.config.max_gap_days)

    def _candidates(self, vec: TermVector, day: float | None = None) -> list[str]:
        """Stories that weigh the article's strongest terms, most shared terms first, among those
        indexed in the article's time window and its two neighbours (all a story within
        `max_gap_days` can be in) and among undated stories; an undated article looks in the
        newest windows. Only the most recent stories of each term are looked at and only the best
        few are compared, so the cost of an article stays flat however many stories exist."""
        window = self._window(day)
        anchor = window if window is not None else self.newest_window
        windows: list[int | None] = [None] if anchor is None else [anchor - 1, anchor, anchor + 1, None]
        top = vec.ids[_descending(vec.weights, self.config.top_terms)].tolist()
        votes: Counter = Counter()
        for w in windows:
            postings = self.index.get(w)
            if postings is not None:
                votes.update(postings.newest(top))  # one count per window, in C
        numbered = self._numbered
        # A merged story is found under its own numbers and the absorbed ones': once each.
        return list(dict.fromkeys(numbered[n].id for n, _ in votes.most_common(self.config.max_candidates)))

    def _retire(self, gone: _Story, keep: _Story) -> None:
        """`gone` is no longer a story: every number of the index that named it (its own, and
        those of stories it absorbed) names `keep` now. A scan of the numbers (~2 ms at 36k
        stories), as merges are rare: the look-up of every article stays one list index."""
        numbered = self._numbered
        for n, story in enumerate(numbered):
            if story is gone:
                numbered[n] = keep

    def _new_story(self, story_id: str) -> _Story:
        story = _Story(story_id, len(self._numbered))
        self.stories[story_id] = story
        self._numbered.append(story)
        return story

    def _join(self, story: _Story, article_id: str, vec: TermVector, day: float | None) -> None:
        old_top = self._add_to_centroid(story, vec.ids, vec.weights)
        story.size += 1
        story.members.append(article_id)
        if day is not None:
            story.first = day if story.first is None else min(story.first, day)
            story.last = day if story.last is None else max(story.last, day)
        self.story_of[article_id] = story.id
        self._post(story, old_top, [self._window(day)])

    def _add_to_centroid(self, story: _Story, ids: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Centroid + a vector (or another centroid): the story's terms in their order, then the
        new ones in the vector's, cut to the heaviest when over the cap. Returns the top terms the
        story was indexed under before."""
        config = self.config
        old_top = story.term_ids[_descending(story.weights, config.centroid_terms)]
        scratch, seen = self._scratch, self._seen
        scratch[story.term_ids] = story.weights
        seen[story.term_ids] = True
        fresh = ids[~seen[ids]]
        seen[story.term_ids] = False
        scratch[ids] += weights
        ids = np.concatenate([story.term_ids, fresh]) if len(story.term_ids) else ids
        weights = scratch[ids].astype(np.float32)  # float32: half the memory; sums stay exact to ~1e-7
        scratch[ids] = 0.0
        if len(ids) > config.centroid_cap:  # bounded memory and comparison cost per story
            keep = _descending(weights, 2 * config.centroid_cap // 3)
            ids, weights = ids[keep], weights[keep]
        story.term_ids, story.weights = ids, weights
        return old_top

    def _post(self, story: _Story, old_top: np.ndarray, windows: Iterable[int | None]) -> None:
        """Index the story in `windows` under its top terms: all of them in a window it is new
        to, the ones that were not among `old_top` in a window it is in already."""
        config = self.config
        seen = self._seen
        top = story.term_ids[_descending(story.weights, config.centroid_terms)]
        seen[old_top] = True
        changed = top[~seen[top]]
        seen[old_top] = False
        for window in windows:
            if window is not None and (self.newest_window is None or window > self.newest_window):
                self.newest_window = window
                # Windows the news has moved past get few postings more: into their compact form.
                for w, p in self.index.items():
                    if w is not None and w < window - 1 and p.recent_n:
                        p.merge()
            if window in story.windows:
                new_terms = changed
            else:
                new_terms = top
                story.windows = story.windows + (window,)
            postings = self.index.get(window)
            if postings is None:
                postings = self.index[window] = _Postings(config.recent_per_term)
            postings.add(new_terms.tolist(), story.number)

    # ---------------------------------------------------------------- merges

    def _links(self, story: _Story, others: Sequence[_Story]) -> np.ndarray:
        """Average link between `story` and each of `others`: the mean similarity of a member of
        one to a member of the other (centroids are sums of unit vectors), times the time decay of
        the gap between their date ranges."""
        scratch = self._scratch
        scratch[story.term_ids] = story.weights
        ids = np.concatenate([o.term_ids for o in others])
        weights = np.concatenate([o.weights for o in others])
        starts = np.cumsum([0] + [len(o.term_ids) for o in others[:-1]])
        dots = np.add.reduceat(scratch[ids] * weights, starts) if len(ids) else np.zeros(len(others))
        scratch[story.term_ids] = 0.0
        decay = [self._range_decay(story, o) for o in others]
        return dots / (story.size * np.array([o.size for o in others], dtype=np.float64)) * np.array(decay)

    def _range_decay(self, a: _Story, b: _Story) -> float:
        if a.first is None or b.first is None:
            return 1.0
        gap = max(a.first - b.last, b.first - a.last, 0.0)
        if gap > self.config.max_gap_days:
            return 0.0
        scale = self.config.time_scale_days
        return 1.0 if gap <= scale else math.exp(-(gap - scale) / (4 * scale))

    def _merge_near(self, story: _Story, near: list[_Story]) -> _Story:
        """Merge `story` with each of `near` whose average link to it clears the threshold (the
        join rule between two stories), best first, looking again after each merge. Returns the
        surviving story."""
        while near:
            near = [o for o in near if o is not story and self.stories.get(o.id) is o]
            if not near:
                break
            links = self._links(story, near)
            k = int(np.argmax(links))
            if not links[k] > 0.0 or links[k] < self.config.threshold:
                break
            story = self._absorb(story, near.pop(k))
        return story

    def _absorb(self, a: _Story, b: _Story) -> _Story:
        """One story of two: the older (made first) keeps its id, the other's members join it and
        its id is recorded in `merged` (absorbed id, survivor id)."""
        keep, gone = (a, b) if a.number < b.number else (b, a)
        old_top = self._add_to_centroid(keep, gone.term_ids, gone.weights.astype(np.float64))
        keep.size += gone.size
        keep.members.extend(gone.members)
        for m in gone.members:
            self.story_of[m] = keep.id
        if gone.first is not None:
            keep.first = gone.first if keep.first is None else min(keep.first, gone.first)
            keep.last = gone.last if keep.last is None else max(keep.last, gone.last)
        self._retire(gone, keep)  # what the index holds of the absorbed story finds the survivor
        windows = list(keep.windows) + [w for w in gone.windows if w not in keep.windows]
        self._post(keep, old_top, windows)
        del self.stories[gone.id]
        self.merged.append((gone.id, keep.id))
        return keep

    def _recheck(self, story: _Story) -> None:
        """Place again the members of `story` and of its nearest stories that are no bigger, as the
        batch's refinement does: each in the story whose other members it is most like on average
        (exact centroids from the members' vectors; a bigger neighbour is a target by its stored
        centroid, its members stay), or alone when none clears the threshold. Ids stay stable: a
        story's id goes with its first member (the article it was made for); a part holding no
        first member gets a new id; of two first members in one part the older story's id is kept
        and the other's recorded as merged into it (`take_merges`), so every id ever given names a
        story. Moved articles are recorded for the store (`take_moves`)."""
        from scipy import sparse

        config, recheck = self.config, self.recheck
        assert recheck is not None
        stories = self.stories
        story.checked = story.size
        found = [stories[sid] for sid in self._candidates(TermVector(story.term_ids, story.weights), story.last)
                 if sid != story.id]
        near: list[_Story] = []
        if found:
            links = self._links(story, found)
            near = [found[j] for j in np.argsort(-links, kind="stable")[:recheck.neighbours] if links[j] > 0.0]
        group = [story] + near
        moving = [s for s in group if s.size <= story.size]  # whose members are placed again
        members = [m for s in moving for m in s.members]
        own = np.repeat(np.arange(len(moving)), [s.size for s in moving])
        kept = self.vectors
        if not all(m in kept for m in members):  # placed by `add_vector` alone: nothing to weigh again
            return
        vecs = [(w.ids, w.weights, v[2]) for v in map(kept.__getitem__, members)
                for w in [self.weigh(v[0], v[1].astype(np.float64))]]  # with today's document frequencies
        ids = np.concatenate([v[0] for v in vecs])
        cols, local = np.unique(ids, return_inverse=True)
        lengths = [len(v[0]) for v in vecs]
        X = sparse.csr_matrix((np.concatenate([v[1] for v in vecs]).astype(np.float64), local,
                               np.r_[0, np.cumsum(lengths)]), shape=(len(members), len(cols)))
        # Centroids: exact sums for the stories placed again, the stored (capped) one for a bigger neighbour.
        M = sparse.csr_matrix((np.ones(len(members)), (own, np.arange(len(members)))), shape=(len(moving), len(members)))
        bigger = [s for s in group if s.size > story.size]
        rows = [M @ X]
        for s in bigger:
            at = np.searchsorted(cols, s.term_ids)
            at[at == len(cols)] = 0
            hit = cols[at] == s.term_ids
            rows.append(sparse.csr_matrix((s.weights[hit].astype(np.float64), (np.zeros(int(hit.sum()), int), at[hit])),
                                          shape=(1, len(cols))))
        targets = moving + bigger
        placed_again = {s.number for s in moving}  # (stories compare by number: dataclass equality reads arrays)
        C = sparse.vstack(rows).tocsr()
        sims = np.asarray((X @ C.T).todense())  # member x target
        self_dot = np.asarray(X.multiply(X).sum(axis=1)).ravel()
        sizes = np.array([s.size for s in targets], dtype=np.float64)
        is_own = np.zeros_like(sims, dtype=bool)
        is_own[np.arange(len(members)), own] = True
        denom = sizes[None, :] - is_own
        avg = np.where(denom > 0, (sims - is_own * self_dot[:, None]) / np.maximum(denom, 1), 0.0)
        firsts = np.array([np.nan if s.first is None else s.first for s in targets])
        lasts = np.array([np.nan if s.last is None else s.last for s in targets])
        days = np.array([np.nan if v[2] is None else v[2] for v in vecs])
        gap = np.maximum(np.maximum(firsts[None, :] - days[:, None], days[:, None] - lasts[None, :]), 0.0)
        # The stream's time decay (`_decay`), as a join has it; NaN (undated) compares False: content alone.
        scale = config.time_scale_days
        decay = np.where(gap > scale, np.exp(-(gap - scale) / (4 * scale)), 1.0)
        decay[gap > config.max_gap_days] = 0.0
        avg = np.where(is_own, avg, avg * decay)
        best = np.argmax(avg, axis=1)
        score = avg[np.arange(len(members)), best]
        # A member leaves its story only when the evidence is clear by `Recheck.margin` (a target at
        # least that far above the threshold and above its own story; alone when its own story is
        # that far below the threshold): the stream's stories are made from partial document
        # frequencies, and moves at the threshold's edge undo as many mistakes as they make.
        margin = recheck.margin
        own_avg = avg[np.arange(len(members)), own]
        move = (best != own) & (score >= config.threshold + margin) & (score >= own_avg + margin)
        place = np.where(move, best, np.where(own_avg < config.threshold - margin, -1, own))  # -1: alone
        alone_before = np.array([moving[o].size == 1 for o in own])
        if np.all((place == own) | ((place == -1) & alone_before)):
            return
        # The new parts: one per target that keeps members, one per article alone.
        parts: dict[object, list[int]] = {}
        for i, t in enumerate(place.tolist()):
            key = ("alone", i) if t < 0 else t
            parts.setdefault(key, []).append(i)
        for k in range(len(moving), len(targets)):  # a bigger neighbour's own members stay in it
            parts.setdefault(k, [])
        founder = {s.members[0]: s for s in moving}
        by_part: dict[object, list[_Story]] = {}
        for key, idx in parts.items():
            olds = sorted((founder[members[i]] for i in idx if members[i] in founder), key=lambda s: s.number)
            if isinstance(key, int) and key >= len(moving):
                # A bigger neighbour keeps its id whatever joins it: its own members stay where they are.
                olds.insert(0, targets[key])
            by_part[key] = olds
        for key, idx in parts.items():
            olds = by_part[key]
            keep = olds[0] if olds else None
            if keep is not None and keep.number in placed_again:
                # Its first member first again: the article its id was made for stays `members[0]`.
                idx = sorted(idx, key=lambda i: members[i] != keep.members[0])
            ours = [members[i] for i in idx]
            if keep is None:
                # Hashed with the story's number, which no other story of this clusterer has had.
                keep = self._new_story(split_story_id(ours[0], len(self._numbered)))
                old_top, windows = _NO_IDS, []
            elif keep.number in placed_again:
                old_top = keep.term_ids[_descending(keep.weights, config.centroid_terms)]
                windows = list(keep.windows)
                keep.term_ids, keep.weights, keep.size, keep.members = _NO_IDS, _NO_WEIGHTS, 0, []
                keep.first = keep.last = None
            else:  # a bigger neighbour: its members stay, the newcomers are added
                old_top = keep.term_ids[_descending(keep.weights, config.centroid_terms)]
                windows = list(keep.windows)
            for i in idx:
                m = members[i]
                v = vecs[i]
                self._add_to_centroid(keep, v[0], v[1].astype(np.float64))
                keep.size += 1
                keep.members.append(m)
                if v[2] is not None:
                    keep.first = v[2] if keep.first is None else min(keep.first, v[2])
                    keep.last = v[2] if keep.last is None else max(keep.last, v[2])
                if self.story_of[m] != keep.id:
                    self.story_of[m] = keep.id
                    self.moved[m] = float(avg[i, place[i]]) if place[i] >= 0 else 0.0
                w = self._window(v[2])
                if w not in windows:
                    windows.append(w)
            if keep.number in placed_again or not olds:
                keep.checked = keep.size
            for gone in olds[1:]:  # two first members in one part: the older story's id stays
                del stories[gone.id]
                self._retire(gone, keep)
                self.merged.append((gone.id, keep.id))
            self._post(keep, old_top, windows)

    def take_moves(self) -> dict[str, float]:
        """The articles re-checks moved since the last call -> their similarity to their story now
        (0.0 alone); where each is, is `story_of`."""
        out, self.moved = self.moved, {}
        return out

    def take_merges(self) -> list[tuple[str, str]]:
        """The merges since the last call, oldest first: (absorbed story id, surviving story id)."""
        out, self.merged = self.merged, []
        return out

    @property
    def nbytes(self) -> int:
        """Approximate memory of the state (vocabulary, stories, index), for the benchmarks: numpy
        arrays by their size, Python objects by CPython's usual sizes."""
        vocab = sum(len(t) * 2 + 49 for t in self.term_id) + 100 * len(self.term_id)
        arrays = self._df.nbytes + self._scratch.nbytes + self._seen.nbytes
        stories = sum(s.term_ids.nbytes + s.weights.nbytes + 2 * 112 + 120 + 56 + 8 * len(s.members)
                      + len(s.id) + 49 + 64 for s in self.stories.values())
        index = sum(p.nbytes for p in self.index.values())
        members = sum(len(a) + 49 for a in self.story_of) + 100 * len(self.story_of)
        vectors = sum(v[0].nbytes + v[1].nbytes + 2 * 112 + 64 + 100 for v in self.vectors.values())
        return vocab + arrays + stories + index + members + vectors


@dataclass(slots=True)
class _Texts:
    """What `article_terms` reads of an article."""

    title: str
    lead: str | None
    text: str


def _packed_terms(article: _Texts) -> tuple[str | list[str], bytes]:
    """An article's raw terms for `add_terms`, packed for the way back from a worker process: the
    terms joined by NUL (a list when a term holds one) and the weights' float64 bytes."""
    terms = article_terms(article)  # type: ignore[arg-type]  # reads title, lead and text only
    keys = list(terms)
    joined = "\0".join(keys)
    packed = joined if joined.count("\0") == len(keys) - 1 and keys else keys
    return packed, np.fromiter(terms.values(), dtype=np.float64, count=len(keys)).tobytes()


def document_frequencies(articles: Iterable[Article]) -> tuple[Counter, int]:
    df: Counter = Counter()
    n = 0
    for a in articles:
        df.update(article_terms(a).keys())
        n += 1
    return df, n


def _sort_key(a: Article) -> tuple[str, str]:
    # Undated articles go last in batch: dated ones fix the stories they may join. Ties (and all
    # undated articles) by id: the batch is one function of the set of articles, whatever the
    # order they came in.
    return (a.published or "\uffff", a.id)


def cluster(articles: Sequence[Article], config: StoryConfig | None = None, *, refine: bool = True,
            df: tuple[Counter, int] | None = None, embedder: Embedder | None = None,
            terms: Mapping[str, tuple[Sequence[str], np.ndarray]] | None = None,
            vocabulary: StoryClusterer | None = None, pair_model: StoryPairModel | None = None,
            record: list[PairRecord] | None = None, join_model: StoryPairModel | None = None,
            join_record: list[PairRecord] | None = None) -> list[Assignment]:
    """Batch clustering: DF over the whole batch, articles assigned in date order, then (unless
    `refine` is off) one pass that moves each article to the story whose other members it is most
    like on average: the single pass decides early articles before their story has formed, and the
    pass mends that (about +1.5 points of B-cubed F1 on the shared corpus, see docs/decisions.md).
    `df` (document frequencies, number of documents) is that of a bigger collection these articles
    are a part of (an archive's time window), else the batch's own. With `config.embeddings` (or an
    `embedder`), the refinement asks the sentence-embedding model about the articles whose
    decision is near the threshold (`embeddings.py`). `terms`, article id -> (distinct terms, raw
    weights) as `article_terms` gives them, are the articles' terms when the caller made them
    already (an archive makes them once per article, in its parallel text stage). With
    `vocabulary` (a clusterer), `terms` give the terms by their ids in its vocabulary (ingest's
    clusterer, whose ids its parse workers' terms arrive as): the same stories, no string made
    again; the document frequencies are then the batch's own. With `pair_model`, the refinement's
    decision (which story an article joins, or none) is the learned model's instead of the
    threshold's; `record`, a list, receives every (article, candidate story) pair it weighed, with
    its features (what `bench/cluster_quality.py --learned` trains on). `join_model` and `join_record` are
    the same for the first pass's joins (`StoryClusterer.add_vector`, `JOIN_FEATURES`)."""
    config = config or StoryConfig()
    if pair_model is not None and (config.embeddings or embedder is not None):
        raise ValueError("cluster: the story pair model reads the words only; it is not combined with embeddings")
    if config.embeddings and embedder is None:
        from .embeddings import Embedder

        embedder = Embedder()
    if vocabulary is not None:
        if terms is None or df is not None:
            raise ValueError("cluster: a vocabulary needs the articles' term ids and the batch's own frequencies")
        clusterer = StoryClusterer(config, learn_df=False, join_model=join_model)
        clusterer.share_vocabulary(vocabulary)
        clusterer.learn_many([terms[a.id][0] for a in articles])
    else:
        if df is None and terms is not None:
            df = Counter(t for a in articles for t in terms[a.id][0]), len(articles)
        counts, n = df if df is not None else document_frequencies(articles)
        clusterer = StoryClusterer(config, df=counts, n_docs=n, learn_df=False, join_model=join_model)
    clusterer.join_record = join_record
    if pair_model is not None or record is not None or join_model is not None or join_record is not None:
        clusterer.track_kinds()  # the features split similarities by kind of term
    ordered = sorted(articles, key=_sort_key)
    indptr, indices, data, days = [0], [], [], []
    assignments = []
    for a in ordered:
        if terms is None:
            vec = clusterer.vector(article_terms(a))
        elif vocabulary is not None:
            ids, raw = terms[a.id]
            vec = clusterer.weigh(ids, raw)  # type: ignore[arg-type]  # ids of the shared vocabulary
        else:
            keys, raw = terms[a.id]
            vec = clusterer.weigh(clusterer.term_ids(keys), raw)
        day = day_number(a.published)
        days.append(day)
        assignments.append(clusterer.add_vector(a.id, vec, day))
        indices.append(vec.ids)
        data.append(vec.weights)
        indptr.append(indptr[-1] + len(vec.ids))
    # Where every article is after the merges the pass made.
    story_of = clusterer.story_of
    assignments = [replace(x, story_id=story_of[x.article_id]) for x in assignments]
    clusterer.take_merges()
    if not refine or not assignments:
        return assignments
    from scipy import sparse

    X = sparse.csr_matrix((np.concatenate(data).astype(np.float32), np.concatenate(indices),
                           np.asarray(indptr, dtype=np.int64)), shape=(len(ordered), len(clusterer.term_id)))
    return _refine(clusterer, X, assignments, days, ordered, embedder, pair_model, record)


# ---------------------------------------------------------------- the learned join decision

# What the batch's refinement pass may read of an (article, candidate story) pair besides the mean
# similarity the hand threshold reads (`StoryPairModel`, trained by `bench/cluster_quality.py --learned`; none ships): each a mean
# over the story's other members, as the similarity is, so a story's size does not inflate it.
STORY_PAIR_FEATURES = (
    "mean",      # mean cosine of the whole TF-IDF vectors (what `StoryConfig.threshold` cuts)
    "names",     # the same restricted to name terms (`^` syllables, `@` runs): shared rare names, idf-weighted
    "numbers",   # the same restricted to terms holding a digit (prices, counts, dates in the text)
    "plain",     # the rest: the lower-case words
    "title",     # mean cosine of the titles alone (TF-IDF over the batch's titles)
    "gap",       # log(1 + days between the article and the story's date range), 0 when either is undated
    "undated",   # 1 when the article or the story has no date: `gap` says nothing then
    "outlet",    # share of the other members from the article's outlet (0 when it is unknown)
    "size",      # log of the number of other members
)
# What the first pass (`StoryClusterer.add_vector`) may read of an (article, story so far) pair: the
# same kinds of evidence from the clusterer's own state (no titles, no outlets: a story keeps neither).
JOIN_FEATURES = ("mean", "names", "numbers", "plain", "gap", "undated", "size")


@dataclass(frozen=True, slots=True)
class StoryPairModel:
    """Logistic regression over `STORY_PAIR_FEATURES`: the probability that an article belongs with
    a candidate story's other members (`bench/cluster_quality.py --learned` fits it on pairs of
    one half of the shared corpus's gold clusters; none ships: docs/decisions.md). The refinement joins the most probable candidate when it reaches
    `threshold`, else the article is alone."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float = 0.5
    trained_on: str = ""
    features: tuple[str, ...] = STORY_PAIR_FEATURES

    def probability(self, F: np.ndarray) -> np.ndarray:
        z = ((F - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -500.0, 500.0)))  # clipped: exp overflows past ~709

    def to_json(self) -> dict:
        return {"features": list(self.features), "mean": self.mean.round(6).tolist(),
                "scale": self.scale.round(6).tolist(), "coef": self.coef.round(6).tolist(),
                "intercept": round(float(self.intercept), 6), "threshold": self.threshold,
                "trained_on": self.trained_on}

    @classmethod
    def from_json(cls, d: dict, features: tuple[str, ...] = STORY_PAIR_FEATURES) -> StoryPairModel:
        if tuple(d.get("features", ())) != features:
            raise ValueError(f"story pair model features {d.get('features')} are not {features}: "
                             "train it again (python bench/cluster_quality.py --learned)")
        return cls(np.asarray(d["mean"], dtype=np.float64), np.asarray(d["scale"], dtype=np.float64),
                   np.asarray(d["coef"], dtype=np.float64), float(d["intercept"]), float(d["threshold"]),
                   d.get("trained_on", ""), features)

    @classmethod
    def load(cls, path: Path) -> StoryPairModel:
        try:
            return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise ValueError(f"{path}: not a story pair model ({e})") from e


@dataclass(slots=True)
class PairRecord:
    """One decision of the refinement, for training: the article, the candidate story's other
    members, and the pair's features (`STORY_PAIR_FEATURES`)."""

    article_id: str
    others: list[str]
    features: np.ndarray


class _PairEvidence:
    """The features of `STORY_PAIR_FEATURES` for the refinement's (article, candidate) pairs: the
    article vectors `X` split by kind of term (names, numbers, the rest), each kind's story sums,
    and a title matrix, made once per batch."""

    def __init__(self, clusterer: StoryClusterer, X, own: np.ndarray, ordered: Sequence[Article]):
        from scipy import sparse

        kind = clusterer._kind[:X.shape[1]]  # `_term_kind` of each column, set when the term was interned
        n = X.shape[0]
        M = sparse.csr_matrix((np.ones(n, dtype=np.float32), (np.arange(n), own)), shape=(n, int(own.max()) + 1))
        self.parts, self.sums, self.selfs = [], [], []
        for k in (1, 2, 0):
            P = X.multiply((kind == k)[None, :].astype(np.float32)).tocsr() if n else X
            self.parts.append(P)
            self.sums.append((M.T @ P).tocsr())
            self.selfs.append(np.asarray(P.multiply(P).sum(axis=1)).ravel())
        # Titles: sublinear tf x smoothed idf over this batch's titles, unit rows.
        vocab: dict[str, int] = {}
        r, c, v = [], [], []
        for i, a in enumerate(ordered):
            for t, k in Counter(tokens(a.title or "")).items():
                r.append(i)
                c.append(vocab.setdefault(t, len(vocab)))
                v.append(1.0 + math.log(k))
        T = sparse.csr_matrix((np.asarray(v), (np.asarray(r, dtype=np.int64), np.asarray(c, dtype=np.int64))),
                              shape=(n, max(len(vocab), 1)))
        if T.nnz:
            df = np.bincount(T.indices, minlength=T.shape[1])
            T = T.multiply(np.log((n + 1) / (df + 1.0)) + 1.0).tocsr()
            norms = np.sqrt(np.asarray(T.multiply(T).sum(axis=1)).ravel())
            T = sparse.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ T
        self.parts.append(T.tocsr())
        self.sums.append((M.T @ T).tocsr())
        self.selfs.append(np.asarray(T.multiply(T).sum(axis=1)).ravel())
        outlets = [a.source or None for a in ordered]
        self.outlet = outlets
        self.members: dict[int, list[int]] = {}
        for i, s in enumerate(own.tolist()):
            self.members.setdefault(s, []).append(i)

    def features(self, article: np.ndarray, rows: np.ndarray, is_own: np.ndarray, denom: np.ndarray,
                 mean: np.ndarray, gap: np.ndarray) -> np.ndarray:
        """One row of `STORY_PAIR_FEATURES` per pair (`article[j]`, story `rows[j]`): `denom` is the
        number of the story's other members, `gap` days (NaN when undated)."""
        F = np.zeros((len(rows), len(STORY_PAIR_FEATURES)))
        F[:, 0] = mean
        safe = np.maximum(denom, 1)
        for col, (P, S, own_dot) in zip((1, 2, 3, 4), zip(self.parts, self.sums, self.selfs)):
            dots = np.asarray(P[article].multiply(S[rows]).sum(axis=1)).ravel()
            F[:, col] = np.where(denom > 0, (dots - is_own * own_dot[article]) / safe, 0.0)
        dated = ~np.isnan(gap)
        F[:, 5] = np.where(dated, np.log1p(np.where(dated, gap, 0.0)), 0.0)
        F[:, 6] = (~dated).astype(np.float64)
        outlet = self.outlet
        for j, (i, s) in enumerate(zip(article.tolist(), rows.tolist())):
            mine = outlet[i]
            if mine is not None and denom[j] > 0:
                F[j, 7] = sum(outlet[m] == mine for m in self.members.get(s, ()) if m != i) / denom[j]
        F[:, 8] = np.log(safe)
        return F


_REFINE_CHUNK = 128  # articles whose candidates' centroids are gathered at once (memory: ~20 rows of C each)


def _refine(clusterer: StoryClusterer, X, assignments: list[Assignment], days: list[float | None],
            ordered: Sequence[Article], embedder: Embedder | None = None,
            pair_model: StoryPairModel | None = None, record: list[PairRecord] | None = None) -> list[Assignment]:
    from scipy import sparse

    config = clusterer.config
    story_ids = sorted({a.story_id for a in assignments})
    row_of = {sid: k for k, sid in enumerate(story_ids)}
    own = np.array([row_of[a.story_id] for a in assignments])
    M = sparse.csr_matrix((np.ones(len(own), dtype=np.float32), (np.arange(len(own)), own)),
                          shape=(len(own), len(story_ids)))
    C = (M.T @ X).tocsr()  # per story: the sum of its members' unit vectors
    sizes = np.bincount(own, minlength=len(story_ids))
    second = _SecondSignal(embedder, config, ordered, own) if embedder is not None else None
    evidence = _PairEvidence(clusterer, X, own, ordered) if pair_model is not None or record is not None else None
    stories = [clusterer.stories[sid] for sid in story_ids]
    firsts = np.array([np.nan if s.first is None else s.first for s in stories])
    lasts = np.array([np.nan if s.last is None else s.last for s in stories])
    indptr, indices, data = X.indptr, X.indices, X.data
    ones = np.ones(X.shape[1], dtype=np.float32)
    scratch = np.zeros(X.shape[1], dtype=np.float32)  # one article's weights, spread by term
    out = []
    # A chunk of articles at a time: their candidates one by one (the index's look-up), then every
    # candidate's similarity, mean and time limit at once.
    for start in range(0, len(assignments), _REFINE_CHUNK):
        end = min(start + _REFINE_CHUNK, len(assignments))
        found = []
        for i in range(start, end):
            lo, hi = indptr[i], indptr[i + 1]
            row = data[lo:hi]
            top = np.argsort(-row)[: config.top_terms]
            vec = TermVector(indices[lo:hi][top], row[top].astype(np.float64))
            cands = [row_of[sid] for sid in clusterer._candidates(vec, days[i]) if sid in row_of]
            found.append(np.unique(np.append(cands, own[i])).astype(np.int64))
        counts = np.array([len(c) for c in found])
        bounds = np.r_[0, np.cumsum(counts)]
        rows = np.concatenate(found)
        article = np.repeat(np.arange(start, end), counts)
        # Each candidate's centroid times its article, summed as one sparse product an article
        # (`C[cands] @ row.T`) sums it: the products in the centroid's stored order, added one by
        # one in float32 (a CSR matrix times a vector of ones adds its rows so; an absent term adds
        # +0.0), so every similarity is the same to the bit as when each article had its product.
        A = C[rows]
        at = A.indptr[bounds]
        x = np.zeros(len(A.indices), dtype=np.float32)
        for j, i in enumerate(range(start, end)):
            lo, hi = indptr[i], indptr[i + 1]
            scratch[indices[lo:hi]] = data[lo:hi]
            x[at[j]:at[j + 1]] = scratch[A.indices[at[j]:at[j + 1]]]
            scratch[indices[lo:hi]] = 0.0
        sims = sparse.csr_matrix((A.data * x, A.indices, A.indptr), shape=A.shape) @ ones
        is_own = rows == own[article]
        # Mean similarity to the *other* members (a unit vector's similarity to itself is 1).
        denom = sizes[rows].astype(np.float64) - is_own
        avg = np.where(denom > 0, (sims - is_own) / np.maximum(denom, 1), 0.0)
        day = np.array([np.nan if d is None else d for d in days[start:end]])[article - start]
        # No other story beyond `max_gap_days`; an undated article or story (NaN) compares False.
        gap = np.maximum(np.maximum(firsts[rows] - day, day - lasts[rows]), 0.0)
        out_of_reach = (gap > config.max_gap_days) & ~is_own
        avg[out_of_reach] = 0.0
        prob = None
        if evidence is not None:
            F = evidence.features(article, rows, is_own, denom, avg, gap)
            if record is not None:
                members = evidence.members
                for j in np.flatnonzero((denom > 0) & ~out_of_reach).tolist():
                    i = int(article[j])
                    record.append(PairRecord(ordered[i].id, [ordered[m].id for m in members[int(rows[j])] if m != i],
                                             F[j]))
            if pair_model is not None:
                # The time reach stays a hard limit, and a story of the article alone is no evidence.
                prob = np.where(out_of_reach | (denom <= 0), 0.0, pair_model.probability(F))
        for j, i in enumerate(range(start, end)):
            a = assignments[i]
            cands, mean = rows[bounds[j]:bounds[j + 1]], avg[bounds[j]:bounds[j + 1]]
            if prob is not None:
                p = prob[bounds[j]:bounds[j + 1]]
                k = int(np.argmax(p))
                if p[k] >= pair_model.threshold:
                    out.append(Assignment(a.article_id, story_ids[cands[k]], float(mean[k]), False))
                else:
                    out.append(Assignment(a.article_id, story_id_for(a.article_id + "/alone"), 0.0, True))
                continue
            if second is not None:
                mean = second.mend(i, cands, mean)
            k = int(np.argmax(mean))
            if mean[k] >= config.threshold:
                out.append(Assignment(a.article_id, story_ids[cands[k]], float(mean[k]), False))
            else:
                out.append(Assignment(a.article_id, story_id_for(a.article_id + "/alone"), 0.0, True))
    return out


class _SecondSignal:
    """The embedding model's word on the decisions the words leave near the threshold: for a
    candidate story whose mean similarity is within `embedding_band` of the threshold, the mean
    calibrated cosine of the article's embedding to those of the story's other members (8 at most)
    is mixed in with `embedding_weight`."""

    def __init__(self, embedder: Embedder, config: StoryConfig, ordered: Sequence[Article], own: np.ndarray):
        from .embeddings import passage

        self.embedder, self.config = embedder, config
        self.texts = [passage(a) for a in ordered]
        self.members: dict[int, list[int]] = {}
        for i, c in enumerate(own.tolist()):
            self.members.setdefault(c, []).append(i)

    def mend(self, i: int, cands: np.ndarray, avg: np.ndarray) -> np.ndarray:
        from .embeddings import calibrated

        config = self.config
        near = np.flatnonzero(np.abs(avg - config.threshold) <= config.embedding_band)
        if not len(near):
            return avg
        others = {int(k): [j for j in self.members.get(int(cands[k]), []) if j != i][:8] for k in near}
        rows = sorted({i} | {j for js in others.values() for j in js})
        at = {j: n for n, j in enumerate(rows)}
        E = self.embedder.embed([self.texts[j] for j in rows])
        avg = avg.copy()
        for k, js in others.items():
            if js:
                cos = E[[at[j] for j in js]] @ E[at[i]]
                avg[k] = (1 - config.embedding_weight) * avg[k] + config.embedding_weight * float(calibrated(cos).mean())
        return avg
