"""Align the sentences of a story's articles into facts: what every source says, what only one
says, and where their figures disagree.

Two sentences of different articles say the same thing when their TF-IDF vectors (folded
syllables and syllable bigrams, IDF over the story's own sentences) are close, with a bonus for
numbers, dates and capitalised names they share. Facts are grown by average link over those
similarities: two groups join when their sentences are, on average over every pair, similar
enough; never when two of their sentences are strangers (below half the threshold); and never
when they would hold two sentences of one article (unless the article says the same thing twice:
a repeat, marked on the fact). So a fact cannot chain from one claim to another through a
sentence that touches both, and a sentence close to nothing stays alone.

Big stories: a sentence is compared only with the sentences that share one of its distinctive
terms (an inverted index of the story's terms, leaving out those in more than
`BriefConfig.align_candidate_df` sentences), so the work grows with the story, not its square.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from .config import BriefConfig
from .model import Article, Citation, Fact, Sentence, two_sides
from . import lang
from .lang import LanguagePack, fold, tokens
from .text import name_runs

_NUMBER = re.compile(r"\d+(?:[.,/\-]\d+)*")
_CHUNK = 2048  # sentences per block of the similarity product: bounded memory for big stories
_ANCHOR_BONUS = 0.04  # per number, date or name two sentences share (up to 3): chosen on half A of the labels


def _analyzer(text: str) -> list[str]:
    toks = tokens(text)
    return toks + [a + " " + b for a, b in zip(toks, toks[1:])]


@dataclass(slots=True)
class AlignedSentence:
    sentence: Sentence
    article: Article
    fact: int = -1


@dataclass(slots=True)
class Alignment:
    facts: list[Fact]
    sentences: list[AlignedSentence]
    fact_of: dict[tuple[str, int], int]  # (article id, sentence index) -> fact id
    vectors: sparse.csr_matrix  # one row per entry of `sentences`
    notes: list[str]


def _anchors(text: str) -> set[str]:
    return {m for m in _NUMBER.findall(text)} | {fold(n) for n in name_runs(text)}


def _quantities(text: str, not_units: frozenset[str]) -> dict[str, list[str]]:
    """unit word -> numbers, for `10 cuộc`, `7 tỉnh`, `5.000 người`: what a conflict compares."""
    out: dict[str, list[str]] = {}
    for m in re.finditer(r"(\d+(?:[.,]\d+)*)\s+([^\W\d_]+)", text):
        unit = fold(m.group(2))
        # `1 và`, `2014 lên`: a number before a function word, or a year, counts nothing.
        if unit in not_units or re.fullmatch(r"(?:19|20)\d\d", m.group(1)):
            continue
        if m.group(1) not in out.setdefault(unit, []):
            out[unit].append(m.group(1))
    return out


def _not_units(pack: LanguagePack) -> frozenset[str]:
    """Words after a number that count nothing: the pack's function words and its `not_units`."""
    return frozenset(pack.words("function_words")) | frozenset(pack.words("not_units"))


def citation(a: Article, s: Sentence) -> Citation:
    return Citation(a.id, a.source, s.index, s.start, s.end)


def align(articles: Sequence[Article], config: BriefConfig | None = None) -> Alignment:
    """Facts of a story. Articles should already be without copies (see `brief.collapse_copies`)."""
    config = config or BriefConfig()
    notes: list[str] = []
    languages = sorted({a.language for a in articles})
    if len(languages) > 1:
        notes.append(f"articles in {len(languages)} languages ({', '.join(languages)}): aligned within each language")
    items = [AlignedSentence(s, a) for a in articles for s in a.sentences]
    if not items:
        return Alignment([], [], {}, sparse.csr_matrix((0, 0)), notes)
    graph = sentence_graph(items, config)
    groups = fact_groups(graph, config.align_threshold)

    facts: list[Fact] = []
    fact_of: dict[tuple[str, int], int] = {}
    X = graph.vectors
    for members in groups:
        fid = len(facts)
        cites = [citation(items[i].article, items[i].sentence) for i in members]
        outlets = sorted({items[i].article.outlet_key for i in members})
        rep = _representative(members, X)
        kind = "shared" if len(outlets) > 1 else "only-one"
        conflicts = _conflicts([items[i] for i in members]) if len(outlets) > 1 else []
        if conflicts:
            kind = "conflict"
        per_article = Counter(items[i].article.id for i in members)
        repeats = [a for a, n in per_article.items() if n > 1]
        facts.append(Fact(fid, kind, items[rep].sentence.text, cites, outlets, conflicts, repeats))
        for i in members:
            items[i].fact = fid
            fact_of[(items[i].article.id, items[i].sentence.index)] = fid
    return Alignment(facts, items, fact_of, X, notes)


@dataclass(slots=True)
class SentenceGraph:
    """The similar pairs of a story's sentences: `pairs[k] = (i, j)`, i < j, with similarity
    `sims[k]` (cosine plus the anchor bonus); pairs of one article only when they are repeats."""

    vectors: sparse.csr_matrix
    article: np.ndarray  # article number of each sentence
    pairs: np.ndarray  # (k, 2) int
    sims: np.ndarray  # (k,) float
    repeat: float  # similarity two sentences of one article need to be one fact


def _vectors(texts: list[str]) -> sparse.csr_matrix:
    """TF-IDF rows (sublinear tf, smoothed idf, unit length) over the story's own sentences; in a
    story of more than 40 sentences a term in more than half of them is left out (unless that
    leaves nothing). What scikit-learn's TfidfVectorizer computes, without its fixed cost per call
    (a tenth of a small story's alignment)."""
    vocab: dict[str, int] = {}
    indptr, indices, counts = [0], [], []
    for t in texts:
        row = Counter(vocab.setdefault(term, len(vocab)) for term in _analyzer(t))
        indices.extend(row)
        counts.extend(row.values())
        indptr.append(len(indices))
    n = len(texts)
    X = sparse.csr_matrix((np.asarray(counts, dtype=np.float64), np.asarray(indices, dtype=np.int64),
                           np.asarray(indptr, dtype=np.int64)), shape=(n, len(vocab)))
    df = np.bincount(X.indices, minlength=X.shape[1])
    if n > 40 and (df <= 0.5 * n).any():
        X = X[:, np.flatnonzero(df <= 0.5 * n)]
        df = df[df <= 0.5 * n]
    X.data = 1.0 + np.log(X.data)
    X = X @ sparse.diags(np.log((1.0 + n) / (1.0 + df)) + 1.0)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ X, dtype=np.float32)


def _anchor_matrix(texts: list[str]) -> sparse.csr_matrix:
    """One column per number, date or name a sentence holds (binary)."""
    ids: dict[str, int] = {}
    rows, cols = [], []
    for r, t in enumerate(texts):
        for a in _anchors(t):
            rows.append(r)
            cols.append(ids.setdefault(a, len(ids)))
    return sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(texts), max(len(ids), 1)))


def sentence_graph(items: Sequence[AlignedSentence], config: BriefConfig,
                   anchor_bonus: float = _ANCHOR_BONUS) -> SentenceGraph:
    """Every pair of sentences of different articles (same language) whose similarity reaches
    half the threshold, found through the story's inverted index of terms; and the pairs of one
    article that are repeats (`config.align_repeat`)."""
    texts = [it.sentence.text for it in items]
    X = _vectors(texts)
    article_index: dict[str, int] = {}
    art_of = np.array([article_index.setdefault(it.article.id, len(article_index)) for it in items])
    lang_codes: dict[str, int] = {}
    lang_of = np.array([lang_codes.setdefault(it.article.language, len(lang_codes)) for it in items])
    anchors = _anchor_matrix(texts)
    floor = config.align_threshold * 0.5

    # Candidates: pairs that share a term held by at most `align_candidate_df` sentences (an
    # inverted index of the story's rarer terms) or a number, date or name. A term in more
    # sentences than that is too common to find a pair by: it still counts in the similarity of
    # the pairs found, but a pair whose rare terms and anchors give less than a third of the floor
    # is not scored in full (the few pairs lost: tests/test_align.py compares with every pair).
    df = np.bincount(X.indices, minlength=X.shape[1])
    rare = df <= config.align_candidate_df
    cut = not rare.all()
    C = X[:, np.flatnonzero(rare)] if cut else X
    CT, AT = C.T.tocsr(), anchors.T.tocsr()
    lowest = min(floor, config.align_repeat) / 3 if cut else 0.0
    found_i, found_j, found_v = [], [], []
    for lo in range(0, len(items), _CHUNK):
        bonus = anchors[lo:lo + _CHUNK] @ AT
        bonus.data = anchor_bonus * np.minimum(bonus.data, 3)
        block = (C[lo:lo + _CHUNK] @ CT + bonus).tocoo()
        rows, cols, data = block.row + lo, block.col, block.data
        keep = (rows < cols) & (lang_of[rows] == lang_of[cols]) & (data > lowest)
        found_i.append(rows[keep])
        found_j.append(cols[keep])
        found_v.append(data[keep].astype(np.float64))
    I, J, sims = np.concatenate(found_i), np.concatenate(found_j), np.concatenate(found_v)
    if cut:  # the common terms' part of the cosine
        sims += _row_dots(X[:, np.flatnonzero(~rare)].tocsr(), I, J)
    same = art_of[I] == art_of[J]
    keep = np.where(same, sims >= config.align_repeat, sims >= floor)
    return SentenceGraph(X, art_of, np.stack([I[keep], J[keep]], axis=1), sims[keep], config.align_repeat)


def _row_dots(M: sparse.csr_matrix, I: np.ndarray, J: np.ndarray, chunk: int = 200_000) -> np.ndarray:
    """`M[I[k]] . M[J[k]]` for every k."""
    out = np.zeros(len(I), dtype=np.float64)
    for lo in range(0, len(I), chunk):
        a, b = M[I[lo:lo + chunk]], M[J[lo:lo + chunk]]
        out[lo:lo + chunk] = np.asarray(a.multiply(b).sum(axis=1)).ravel()
    return out


def fact_groups(graph: SentenceGraph, threshold: float, every_pair: bool = True) -> list[list[int]]:
    """Groups of sentences by average link over `graph` (a pair not in it counts 0), stopping
    below `threshold`; two groups never join when they share an article, except for one
    article's two sentences that are themselves a repeat pair (>= `graph.repeat`), once per
    article; and (`every_pair`) only when every pair across them is in the graph (no two
    sentences of a fact are strangers: a sentence that bridges two claims cannot join them).
    Every sentence is in exactly one group; groups in the order of their first sentence."""
    n = graph.vectors.shape[0]
    art = graph.article.tolist()
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    articles: dict[int, dict[int, int]] = {i: {art[i]: i} for i in range(n)}  # article -> its sentence (-1: two)
    links: dict[int, dict[int, tuple[float, int]]] = defaultdict(dict)  # group -> group -> (sum, pairs)
    repeat_pairs: set[tuple[int, int]] = set()
    heap: list[tuple[float, int, int]] = []
    for (i, j), s in zip(graph.pairs.tolist(), graph.sims.tolist()):
        links[i][j] = links[j][i] = (s, 1)
        if art[i] == art[j]:
            repeat_pairs.add((i, j))
        if s >= threshold:
            heap.append((-s, i, j))
    heapq.heapify(heap)

    def may_join(a: int, b: int) -> bool:
        if every_pair and links[a][b][1] < len(members[a]) * len(members[b]):
            return False
        small, big = (articles[a], articles[b]) if len(articles[a]) <= len(articles[b]) else (articles[b], articles[a])
        for x, s in small.items():
            t = big.get(x)
            if t is None:
                continue
            if s < 0 or t < 0 or (min(s, t), max(s, t)) not in repeat_pairs:
                return False
        return True

    while heap:
        neg, a, b = heapq.heappop(heap)
        if a not in members or b not in members or b not in links[a]:
            continue
        avg = links[a][b][0] / (len(members[a]) * len(members[b]))
        if avg != -neg:
            continue  # an entry from before one of them grew
        if not may_join(a, b):
            # They share an article, or strangers, now and always (groups only grow): never again.
            del links[a][b], links[b][a]
            continue
        if len(members[b]) > len(members[a]):
            a, b = b, a
        members[a] += members.pop(b)
        for x, s in articles.pop(b).items():
            articles[a][x] = -1 if x in articles[a] else s
        del links[a][b]
        for e, (v, c) in links.pop(b).items():
            if e == a:
                continue
            del links[e][b]
            v0, c0 = links[a].get(e, (0.0, 0))
            links[a][e] = links[e][a] = (v0 + v, c0 + c)
        size = len(members[a])
        for e, (v, _) in links[a].items():
            avg = v / (size * len(members[e]))
            if avg >= threshold:
                heapq.heappush(heap, (-avg, min(a, e), max(a, e)))
    return sorted((sorted(m) for m in members.values()), key=lambda m: m[0])


def _representative(members: list[int], X: sparse.csr_matrix) -> int:
    """The member closest to the others: the most typical wording of the fact."""
    if len(members) <= 2:
        return members[0]
    sub = X[members]
    sims = np.asarray((sub @ sub.T).sum(axis=1)).ravel()
    return members[int(np.argmax(sims))]


def _conflicts(members: list[AlignedSentence]) -> list[str]:
    """Same unit, different number, different outlets: `10 cuộc (A) vs 12 cuộc (B)`. A sentence
    counts for a unit only when it gives one number for it; two numbers are the same when one
    rounds the other or they differ only in separators (`1.754,67` = `1,754.67`, `6,45` = `6,447`);
    and each side must come from an outlet that does not give the other (one outlet's two figures
    are two facts, not a disagreement)."""
    seen: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for m in members:
        not_units = lang.for_language(m.article.language).view("not_units", _not_units)
        for unit, numbers in _quantities(m.sentence.text, not_units).items():
            if len(numbers) == 1:
                seen[unit][numbers[0]].add(m.article.outlet_key)
    out = []
    for unit, by_number in seen.items():
        groups: list[tuple[str, set[str]]] = []
        for number, outlets in by_number.items():
            same = next((g for g in groups if _same_number(g[0], number)), None)
            if same:
                same[1].update(outlets)
            else:
                groups.append((number, set(outlets)))
        if len(groups) != 2:
            continue
        (n1, o1), (n2, o2) = sorted(groups)
        if found := two_sides(f"{n1} {unit}", o1, f"{n2} {unit}", o2):
            out.append(found)
    return out


def _readings(number: str) -> set[float]:
    """The values a written number may have: Vietnamese (`5.000,5`) or English (`5,000.5`) separators."""
    values = set()
    for thousands, decimal in ((".", ","), (",", ".")):
        try:
            values.add(float(number.replace(thousands, "").replace(decimal, ".")))
        except ValueError:
            continue
    return values


def _same_number(a: str, b: str) -> bool:
    return any(abs(x - y) <= 0.01 * max(abs(x), abs(y)) for x in _readings(a) for y in _readings(b))
