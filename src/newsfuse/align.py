"""Align the sentences of a story's articles into facts: what every source says, what only one
says, and where their figures disagree.

Two sentences of different articles say the same thing when their TF-IDF vectors (folded
syllables and syllable bigrams, IDF over the story's own sentences) are close, with a bonus for
numbers, dates and capitalised names they share. Each sentence keeps only its best match in each
other article, and facts are the connected groups of those matches.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from .config import BriefConfig
from .model import Article, Citation, Fact, Sentence, two_sides
from . import lang
from .lang import LanguagePack, fold, tokens
from .groups import connected_groups
from .text import name_runs

_NUMBER = re.compile(r"\d+(?:[.,/\-]\d+)*")
_CHUNK = 2048  # sentences per block of the similarity product: bounded memory for big stories


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
    texts = [it.sentence.text for it in items]
    vectorizer = TfidfVectorizer(analyzer=_analyzer, sublinear_tf=True, max_df=0.5 if len(items) > 40 else 1.0)
    try:
        X = vectorizer.fit_transform(texts).tocsr()
    except ValueError:  # every term too common: no alignment signal
        vectorizer = TfidfVectorizer(analyzer=_analyzer, sublinear_tf=True)
        X = vectorizer.fit_transform(texts).tocsr()
    article_index = {a.id: k for k, a in enumerate(articles)}
    art_of = np.array([article_index[it.article.id] for it in items])
    lang_of = np.array([it.article.language for it in items])
    anchors = [_anchors(t) for t in texts]

    # Best match of each sentence in each other article, above the threshold.
    best: dict[tuple[int, int], tuple[float, int]] = {}  # (sentence, other article) -> (sim, sentence)
    for lo in range(0, len(items), _CHUNK):
        block = (X[lo:lo + _CHUNK] @ X.T).tocoo()
        rows, cols = block.row + lo, block.col
        # Most pairs fail here, in numpy; only the plausible ones reach the Python loop.
        keep = (block.data >= config.align_threshold * 0.6) & (art_of[rows] != art_of[cols]) & \
            (lang_of[rows] == lang_of[cols])
        for i, j, v in zip(rows[keep], cols[keep], block.data[keep]):
            shared = anchors[i] & anchors[j]
            sim = v + 0.08 * min(len(shared), 3)
            if sim < config.align_threshold:
                continue
            key = (int(i), int(art_of[j]))
            if key not in best or best[key][0] < sim:
                best[key] = (float(sim), int(j))

    groups = connected_groups(((i, j) for (i, _), (_, j) in best.items()), range(len(items)))

    facts: list[Fact] = []
    fact_of: dict[tuple[str, int], int] = {}
    for members in groups:
        fid = len(facts)
        cites = [citation(items[i].article, items[i].sentence) for i in members]
        outlets = sorted({items[i].article.outlet_key for i in members})
        rep = _representative(members, X)
        kind = "shared" if len(outlets) > 1 else "only-one"
        conflicts = _conflicts([items[i] for i in members]) if len(outlets) > 1 else []
        if conflicts:
            kind = "conflict"
        facts.append(Fact(fid, kind, items[rep].sentence.text, cites, outlets, conflicts))
        for i in members:
            items[i].fact = fid
            fact_of[(items[i].article.id, items[i].sentence.index)] = fid
    return Alignment(facts, items, fact_of, X, notes)


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
