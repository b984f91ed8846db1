"""Per-article features, computed where the cores are.

Everything that depends on one article alone — the keys the full-text index stores, the story
terms, the copy signature — is computed right after parsing: in the parsing worker processes of a
big ingest (`ingest.read_batches` runs a `FeatureMaker` there), and sent back per chunk as flat
arrays (`ArticleBatch`) rather than object graphs. The main process keeps only what needs global
state: story assignment, copy lookup and one batched write per chunk. The feature functions stay
plain and importable (`store.fts_keys`, `stories.article_terms`, `copies.Signer.signature`) for any
other engine that runs them.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from .config import CopyConfig
from .copies import Signer
from .ingest import Rejection
from .model import Article, Sentence
from .stories import article_terms
from .store import fts_key
from .lang import tokens
from .text import bare


@dataclass(slots=True)
class ArticleBatch:
    """A chunk of parsed input with each article's features, item by item in input order.

    Articles come without their `Sentence` objects (`article(k)` puts them back): their offsets are
    in `sentences`, which is what the store writes. Arrays are indexed by item (a rejection has an
    empty range and a zero signature)."""

    items: list[Article | Rejection]
    sentences: np.ndarray  # int32 (n, 2): start and end offsets of every body sentence, item by item
    sentence_start: np.ndarray  # int64 (items + 1): item k's are sentences[sentence_start[k]:sentence_start[k+1]]
    fts: list[tuple[str, str, str, str]]  # what the full-text index holds of title and text (as `store.fts_keys`)
    terms: np.ndarray  # int32: raw story terms of every item (`stories.article_terms`), as ids of `vocabulary`
    weights: np.ndarray  # float64: their raw weights
    term_start: np.ndarray  # int64 (items + 1)
    signatures: np.ndarray  # uint32 (items, num_perm): MinHash values for copy detection
    vocabulary: tuple[str, int]  # whose term ids these are: one per maker and process
    new_terms: list[str]  # the terms that vocabulary got since its previous batch, in id order
    seconds: dict[str, float] = field(default_factory=dict)  # time spent making it, by step

    def articles(self) -> Iterator[tuple[int, Article]]:
        for k, item in enumerate(self.items):
            if isinstance(item, Article):
                yield k, item

    def sentence_spans(self, k: int) -> np.ndarray:
        return self.sentences[self.sentence_start[k]:self.sentence_start[k + 1]]

    def article(self, k: int) -> Article:
        """Item k with its sentences, as the parser made it."""
        a = self.items[k]
        assert isinstance(a, Article)
        spans = self.sentence_spans(k).tolist()
        return replace(a, sentences=[Sentence(a.id, i, s, e, a.text[s:e]) for i, (s, e) in enumerate(spans)])

    def term_range(self, k: int) -> slice:
        return slice(int(self.term_start[k]), int(self.term_start[k + 1]))


class TermTables:
    """Turns the term ids of batches (each maker process has its own vocabulary, so terms cross
    processes as int32 arrays, not strings) into a story clusterer's term ids: one table per
    vocabulary, grown by each batch's new terms (a vocabulary's batches arrive in the order it made them)."""

    def __init__(self, intern: Callable[[list[str]], np.ndarray]):
        self.intern = intern
        self.tables: dict[tuple[str, int], np.ndarray] = {}

    def __call__(self, batch: ArticleBatch) -> np.ndarray:
        table = self.tables.get(batch.vocabulary, _NO_IDS)
        if batch.new_terms:
            table = self.tables[batch.vocabulary] = np.concatenate([table, self.intern(batch.new_terms)])
        return table[batch.terms]


_NO_IDS = np.zeros(0, dtype=np.int32)
_BARE_CACHE = 200_000  # syllables (and words of other languages) a maker keeps the tone-free form of


class FeatureMaker:
    """Makes the `ArticleBatch` of a chunk; the `finish` of `ingest.read_batches`. One lives in
    each parsing process for a whole ingest, so its signer's syllable-hash cache does too."""

    def __init__(self, copies: CopyConfig | None = None):
        self.signer = Signer(copies)
        self._token = uuid.uuid4().hex
        self._pid = os.getpid()
        self._vocabulary: dict[str, int] = {}
        self._bare: dict[str, str] = {}  # folded syllable -> its tone-free form (`_bare_words`)

    def _bare_words(self, toks: Sequence[str]) -> str:
        """`text.bare(" ".join(toks))`, a syllable at a time from what this maker made before:
        `bare` on a whole text was 7% of a parse worker's time (a `str.translate` with a dict
        table, slow on non-ASCII text), and news repeats a few thousand syllables. The cache is
        cleared when it reaches `_BARE_CACHE` entries (bounded memory on any input)."""
        cache = self._bare
        out = []
        for t in toks:
            b = cache.get(t)
            if b is None:
                if t.isascii():
                    b = t
                else:
                    if len(cache) >= _BARE_CACHE:
                        cache.clear()
                    b = cache[t] = bare(t)
            out.append(b)
        return " ".join(out)

    def __call__(self, items: list[Article | Rejection], body_tokens: Sequence[list[str]] | None = None,
                 parse_seconds: float = 0.0, body_words: Sequence[list[str]] | None = None) -> ArticleBatch:
        t = time.perf_counter()
        if os.getpid() != self._pid:  # a forked copy: a vocabulary of its own
            self._pid, self._vocabulary = os.getpid(), {}
        vocabulary = self._vocabulary
        get = vocabulary.get
        new_terms: list[str] = []  # added to the vocabulary by this batch, in id order
        out: list[Article | Rejection] = []
        spans: list[tuple[int, int]] = []
        sentence_start = [0]
        fts: list[tuple[str, str, str, str]] = []
        terms: list[int] = []
        weights: list[float] = []
        term_start = [0]
        signatures = np.zeros((len(items), self.signer.config.num_perm), dtype=np.uint32)
        for k, item in enumerate(items):
            if isinstance(item, Article):
                toks = body_tokens[k] if body_tokens and body_tokens[k] else tokens(item.text)
                spans.extend((s.start, s.end) for s in item.sentences)
                title_key = fts_key(item.title)
                fts.append((title_key, " ".join(toks), bare(title_key), self._bare_words(toks)))
                counts = article_terms(item, toks)
                keys = list(counts)
                ids = [get(term) for term in keys]
                if None in ids:
                    for j, i in enumerate(ids):
                        if i is None:
                            ids[j] = vocabulary[keys[j]] = len(vocabulary)
                            new_terms.append(keys[j])
                terms.extend(ids)
                weights.extend(counts.values())
                # The parser's split of the text, when it gave one: splitting it again made ~500 strings.
                signatures[k] = self.signer.signature(item.text, body_words[k] if body_words and body_words[k] else None)
                item = replace(item, sentences=[])
            else:
                fts.append(("", "", "", ""))
            out.append(item)
            sentence_start.append(len(spans))
            term_start.append(len(terms))
        return ArticleBatch(
            out, np.array(spans, dtype=np.int32).reshape(-1, 2), np.array(sentence_start, dtype=np.int64), fts,
            np.array(terms, dtype=np.int32), np.array(weights, dtype=np.float64), np.array(term_start, dtype=np.int64),
            signatures, (self._token, self._pid), new_terms,
            {"parse": parse_seconds, "features": time.perf_counter() - t})
