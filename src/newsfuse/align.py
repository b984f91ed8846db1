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

Optionally (`BriefConfig.align_embeddings`, off), a sentence-embedding model's cosine is added to
each pair's similarity: it sees paraphrases that share few syllables, which most missed pairs are
(docs/decisions.md, Alignment: where the errors are); the linkage and its constraints stay the same.

Big stories: a sentence is compared only with the sentences that share one of its distinctive
terms (an inverted index of the story's terms, leaving out those in more than
`BriefConfig.align_candidate_df` sentences), so the work grows with the story, not its square.
"""

from __future__ import annotations

import functools
import heapq
import json
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from scipy import sparse

from .config import BriefConfig
from .model import Article, Citation, Fact, Sentence, two_sides
from . import lang
from .lang import LanguagePack, fold, tokens
from .text import _optional_words, name_runs

_NUMBER = re.compile(r"\d+(?:[.,/\-]\d+)*")
_CHUNK = 2048  # sentences per block of the similarity product: bounded memory for big stories
_ANCHOR_BONUS = 0.04  # per number, date or name two sentences share (up to 3): chosen on half A of the labels
# Syllable Dice of two sentences, their disputed values left out, from which they read as one wording
# (a copy lightly edited): the bar a conflict's pair of sentences meets when no second figure agrees.
NEAR_COPY = 0.7
PAIR_MODEL = Path(__file__).parent / "data" / "align_pairs.json"  # written by scripts/train_align.py


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


@dataclass(frozen=True, slots=True)
class SideReading:
    """What `say_the_same_besides` reads of one side's sentence: made once a sentence, since a
    conflict of a big story compares every sentence of one side with every one of the other."""

    text: str
    value: str
    quantities: dict[str, list[str]]
    rest: set[str]


def side_reading(sentence: str, value: str, not_units: frozenset[str]) -> SideReading:
    return SideReading(sentence, value, _quantities(sentence, not_units), _rest(sentence, value))


def say_the_same_besides(a: str, b: str, value_a: str, value_b: str, not_units: frozenset[str],
                         kind: str = "number") -> bool:
    """Whether two outlets' sentences say one thing but for a disputed value (`value_a` in `a`,
    `value_b` in `b`; kind number, name or date): only then is their difference a disagreement and
    not two facts that share a unit or a title (`2 sinh viên` and `6 sinh viên` counting different
    students; two defenders of one club). See `readings_say_the_same`."""
    return readings_say_the_same(side_reading(a, value_a, not_units), side_reading(b, value_b, not_units), kind)


def readings_say_the_same(a: SideReading, b: SideReading, kind: str = "number") -> bool:
    """Neither sentence writes the other's value; no other figure of theirs is apart; and a second
    figure agrees or, the values left out, their syllables are a near copy (`NEAR_COPY`)."""
    if kind != "date" and (_writes(a.text, b.value, kind) or _writes(b.text, a.value, kind)):
        return False
    agree = False
    disputed = {fold(w) for w in a.value.split()[1:2]} if kind == "number" else set()
    if kind != "date":  # a day's number is written in several ways (`23/10`, `23 tháng 10`): not compared
        qa, qb = a.quantities, b.quantities
        for unit in (qa.keys() & qb.keys()) - disputed:
            if not any(_same_number(x, y) for x in qa[unit] for y in qb[unit]):
                return False
            agree = True
    return agree or _dice(a.rest, b.rest) >= NEAR_COPY


def _writes(sentence: str, value: str, kind: str) -> bool:
    if kind == "number":
        number = value.split()[0]
        return any(_same_number(number, n) for n in _NUMBER.findall(sentence))
    name = _name_of(value)
    return bool(name) and fold(name) in fold(sentence)


def _name_of(value: str) -> str:
    """`Người phát ngôn Hoa Xuân Oánh` -> `Hoa Xuân Oánh`: a name side is `title name`, the name
    its last run of capitalised words."""
    words = value.split(", ")[0].split()
    k = len(words)
    while k and words[k - 1][:1].isupper():
        k -= 1
    return " ".join(words[k:])


def _rest(sentence: str, value: str) -> set[str]:
    """The sentence's syllables, those of its disputed value left out (numbers without their
    leading zeros: `09` of `2013-09-18` is the `9` of `18/9`)."""
    def syllables(text: str) -> set[str]:
        return {t.lstrip("0") or t for t in tokens(text)}

    return syllables(sentence) - syllables(value)


def _dice(a: set[str], b: set[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 0.0


def not_units(language: str) -> frozenset[str]:
    """The words after a number that count nothing in `language` (see `_quantities`)."""
    return lang.for_language(language).view("not_units", _not_units)


def _not_units(pack: LanguagePack) -> frozenset[str]:
    """Words after a number that count nothing: the pack's function words and its `not_units`."""
    return frozenset(pack.words("function_words")) | frozenset(pack.words("not_units"))


def citation(a: Article, s: Sentence) -> Citation:
    return Citation(a.id, a.source, s.index, s.start, s.end)


def align(articles: Sequence[Article], config: BriefConfig | None = None, embedder=None) -> Alignment:
    """Facts of a story. Articles should already be without copies (see `brief.collapse_copies`).
    With `config.align_embeddings`, the sentence-embedding model (`embedder`, else one loaded here:
    `embeddings.Embedder`) gives each pair a second similarity."""
    config = config or BriefConfig()
    notes: list[str] = []
    languages = sorted({a.language for a in articles})
    if len(languages) > 1:
        notes.append(f"articles in {len(languages)} languages ({', '.join(languages)}): aligned within each language")
    items = [AlignedSentence(s, a) for a in articles for s in a.sentences]
    if not items:
        return Alignment([], [], {}, sparse.csr_matrix((0, 0)), notes)
    if config.align_scorer == "learned":
        model = pair_model()
        threshold = model.threshold if config.align_learned_threshold is None else config.align_learned_threshold
        graph = learned_graph(items, config, model, threshold)
    elif config.align_embeddings:
        if embedder is None:
            from .embeddings import Embedder

            embedder = Embedder()
        threshold = config.align_embedding_threshold
        E = embedder.sentences([it.sentence.text for it in items])
        graph = sentence_graph(items, replace(config, align_threshold=threshold), embeddings=E,
                               embedding_weight=config.align_embedding_weight,
                               embedding_floor=config.align_embedding_floor)
    else:
        graph, threshold = sentence_graph(items, config), config.align_threshold
    groups = fact_groups(graph, threshold)

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


def _vectors(texts: list[str], analyzer=_analyzer) -> sparse.csr_matrix:
    """TF-IDF rows (sublinear tf, smoothed idf, unit length) over the story's own sentences; in a
    story of more than 40 sentences a term in more than half of them is left out (unless that
    leaves nothing). What scikit-learn's TfidfVectorizer computes, without its fixed cost per call
    (a tenth of a small story's alignment)."""
    vocab: dict[str, int] = {}
    indptr, indices, counts = [0], [], []
    for t in texts:
        row = Counter(vocab.setdefault(term, len(vocab)) for term in analyzer(t))
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
                   anchor_bonus: float = _ANCHOR_BONUS, embeddings: np.ndarray | None = None,
                   embedding_weight: float = 0.0, embedding_floor: float = 0.0) -> SentenceGraph:
    """Every pair of sentences of different articles (same language) whose similarity reaches
    half the threshold, found through the story's inverted index of terms; and the pairs of one
    article that are repeats (`config.align_repeat`, on the words alone: an article saying a thing
    twice repeats its words). With `embeddings` (unit rows, one per sentence), a pair's similarity
    is its words' plus `embedding_weight` x its embedding cosine read from `embedding_floor` up
    (`_embedding_term`), and pairs that share no word but whose embeddings are close are found too."""
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
    words = sims
    if embeddings is not None and embedding_weight > 0:
        I, J, words, sims = _with_embeddings(X, anchors, anchor_bonus, lang_of, I, J, embeddings,
                                             embedding_weight, embedding_floor, floor)
    same = art_of[I] == art_of[J]
    keep = np.where(same, words >= config.align_repeat, sims >= floor)
    return SentenceGraph(X, art_of, np.stack([I[keep], J[keep]], axis=1), sims[keep], config.align_repeat)


def _embedding_term(cosines: np.ndarray, weight: float, floor: float) -> np.ndarray:
    """The model's cosine read from `floor` up (0 there, 1 for the same text), times `weight`:
    any two sentences of one story sit high on this model's scale (~0.8), only what is above a
    floor says anything about the pair."""
    return weight * np.clip((cosines - floor) / (1.0 - floor), 0.0, 1.0)


def _with_embeddings(X, anchors, anchor_bonus, lang_of, I, J, E, weight, floor, need):
    """The word pairs (I, J) and the pairs whose embedding term alone reaches half of `need`, with
    their words' similarity (computed in full for all of them: cosine + anchor bonus, as the
    candidate search's rare-term part is not the whole cosine) and the sum of both. Every
    sentence is compared with every other here (a matrix product in chunks): the option is for
    stories of tens of articles, which the model's cost per sentence bounds anyway."""
    E = np.asarray(E, dtype=np.float32)
    if E.shape[0] != X.shape[0]:
        raise ValueError(f"embeddings: {E.shape[0]} rows for {X.shape[0]} sentences")
    n = X.shape[0]
    found = [I.astype(np.int64) * n + J]
    for lo in range(0, n, _CHUNK):
        term = _embedding_term(E[lo:lo + _CHUNK] @ E.T, weight, floor)
        rows, cols = np.nonzero(term >= need / 2)
        rows += lo
        ok = (rows < cols) & (lang_of[rows] == lang_of[cols])
        found.append(rows[ok].astype(np.int64) * n + cols[ok])
    keys = np.unique(np.concatenate(found))
    I, J = keys // n, keys % n
    shared = _row_dots(anchors, I, J)
    words = _row_dots(X, I, J) + anchor_bonus * np.minimum(shared, 3)
    emb = np.einsum("ij,ij->i", E[I], E[J]).astype(np.float64)
    return I, J, words, words + _embedding_term(emb, weight, floor)


# ---------------------------------------------------------------- the learned pair scorer

PAIR_FEATURES = (
    "cosine",  # TF-IDF cosine, syllables and syllable bigrams (the story's IDF)
    "content_cosine",  # TF-IDF cosine of the syllables that are not function words or numbers
    "bigram_cosine",  # TF-IDF cosine of the syllable bigrams alone (wording kept in order)
    "shared_numbers",  # numbers and dates both sentences hold (up to 3)
    "other_numbers",  # numbers and dates only one of them holds (up to 5)
    "shared_names",  # capitalised runs both hold, folded (up to 3)
    "other_names",  # capitalised runs only one holds (up to 5)
    "containment",  # share of the shorter sentence's syllables found in the longer
    "content_containment",  # the same over content syllables
    "length_ratio",  # shorter / longer, in syllables
    "short_length",  # log of the shorter's syllables
    "position_min",  # the earlier of the two relative positions in their articles (0 = first)
    "position_max",
    "both_first",  # both are their article's first sentence
    "best_min",  # cosine / the best cosine of either sentence in the other's article: the lower side
    "best_max",  #   ... and the higher (1 on both sides: a mutual best match)
    # IDF from news at large (`corpus_idf`: the pack's syllable document frequencies), where the
    # story's own IDF over three or four articles cannot tell a rare shared syllable from a common one:
    "idf_overlap",  # IDF mass of the shared syllables / the smaller of the two sentences' masses
    "idf_dice",  # 2 x IDF mass shared / the sum of the two masses (a long sentence holding a short one scores less)
    "idf_bigram_overlap",  # the same as idf_overlap over syllable bigrams (a bigram weighs its syllables' mean IDF)
    "idf_name_overlap",  # idf_overlap over the syllables of capitalised runs (0 when either has none)
    "idf_number_overlap",  # idf_overlap over numbers and dates (0 when either has none)
    "idf_max_shared",  # the highest IDF of a shared syllable / the highest IDF there is (a shared rare word)
    "idf_shared_mass",  # log(1 + IDF mass of the shared syllables): how much evidence, whatever the lengths
)


@dataclass(frozen=True, slots=True)
class PairModel:
    """Logistic regression over `PAIR_FEATURES` of a pair of sentences of different articles: the
    probability that they state the same fact (scripts/train_align.py fits it on the labels of the
    tuning sets, tests/data/align*.jsonl). `threshold`: the average probability at which two groups join."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float
    trained_on: str = ""

    def probability(self, F: np.ndarray) -> np.ndarray:
        z = ((F - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def to_json(self) -> dict:
        return {"features": list(self.features), "mean": self.mean.round(6).tolist(),
                "scale": self.scale.round(6).tolist(), "coef": self.coef.round(6).tolist(),
                "intercept": round(float(self.intercept), 6), "threshold": self.threshold, "trained_on": self.trained_on}

    @classmethod
    def from_json(cls, d: dict) -> "PairModel":
        if tuple(d["features"]) != PAIR_FEATURES:
            raise ValueError(f"pair model features {d['features']} are not {PAIR_FEATURES}: train it again "
                             "(python scripts/train_align.py)")
        return cls(tuple(d["features"]), np.asarray(d["mean"]), np.asarray(d["scale"]), np.asarray(d["coef"]),
                   float(d["intercept"]), float(d["threshold"]), d.get("trained_on", ""))


@functools.cache
def pair_model(path: Path = PAIR_MODEL) -> PairModel:
    return PairModel.from_json(json.loads(Path(path).read_text(encoding="utf-8")))


_CANDIDATE_FLOOR = 0.06  # cosine + anchor bonus below which a pair is not scored (no labelled pair is lower)


def candidate_pairs(items: Sequence[AlignedSentence], config: BriefConfig) -> SentenceGraph:
    """The pairs the learned scorer reads: cross-article pairs of cosine + anchor bonus >=
    `_CANDIDATE_FLOOR`, and one article's repeat pairs (>= `config.align_repeat`)."""
    return sentence_graph(items, replace(config, align_threshold=2 * _CANDIDATE_FLOOR))


def _binary(token_lists: list[list[str]]) -> sparse.csr_matrix:
    vocab: dict[str, int] = {}
    indptr, indices = [0], []
    for toks in token_lists:
        indices.extend({vocab.setdefault(t, len(vocab)) for t in toks})
        indptr.append(len(indices))
    return sparse.csr_matrix((np.ones(len(indices), dtype=np.float32), np.asarray(indices, dtype=np.int64),
                              np.asarray(indptr, dtype=np.int64)), shape=(len(token_lists), max(len(vocab), 1)))


def _function_words(pack: LanguagePack) -> frozenset[str]:
    return frozenset(fold(w) for name in ("function_words", "never_in_names") for w in _optional_words(pack, name))


def _best_ratio(I: np.ndarray, J: np.ndarray, art: np.ndarray, cos: np.ndarray, n_art: int) -> np.ndarray:
    """cos[k] / the best cos of sentence I[k] with any sentence of J[k]'s article."""
    keys = I.astype(np.int64) * n_art + art[J]
    uniq, inv = np.unique(keys, return_inverse=True)
    best = np.zeros(len(uniq))
    np.maximum.at(best, inv, cos)
    return np.divide(cos, best[inv], out=np.zeros_like(cos), where=best[inv] > 0)


SYLLABLE_DF = "syllable_df.json"  # in a language pack's folder; scripts/syllable_df.py writes it


def corpus_idf(pack: LanguagePack) -> tuple[dict[str, float], float] | None:
    """(token -> IDF, the IDF of a token the table lacks) from the pack's syllable document
    frequencies (smoothed as `_vectors` does: log((1 + N) / (1 + df)) + 1; a token the table lacks
    was in at most one article, so it counts as df 1), or None when the pack has none (its
    articles then weigh every token 1)."""
    path = pack.folder / SYLLABLE_DF

    def build(_: LanguagePack):
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            n = int(data["documents"])
            return ({t: float(np.log((1.0 + n) / (1.0 + int(c))) + 1.0) for t, c in data["df"].items()},
                    float(np.log((1.0 + n) / 2.0) + 1.0))
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise ValueError(f"{path}: not a syllable document-frequency table ({e!r}); "
                             "write it again with scripts/syllable_df.py") from None

    return pack.view("syllable_idf", build)


def _weighted(token_lists: list[list[str]], weight_lists: list[list[float]]) -> sparse.csr_matrix:
    """One row per list, the square root of each distinct token's weight: the dot of two rows is
    the weight of what they share, a row's squared norm its own weight."""
    vocab: dict[str, int] = {}
    indptr, indices, data = [0], [], []
    for toks, ws in zip(token_lists, weight_lists):
        seen: dict[int, float] = {}
        for t, w in zip(toks, ws):
            seen[vocab.setdefault(t, len(vocab))] = w
        indices.extend(seen)
        data.extend(seen.values())
        indptr.append(len(indices))
    return sparse.csr_matrix((np.sqrt(np.asarray(data, dtype=np.float64)), np.asarray(indices, dtype=np.int64),
                              np.asarray(indptr, dtype=np.int64)), shape=(len(token_lists), max(len(vocab), 1)))


def _idf_features(items: Sequence[AlignedSentence], toks: list[list[str]], I: np.ndarray,
                  J: np.ndarray) -> np.ndarray:
    """The seven `idf_*` columns of `PAIR_FEATURES`."""
    tables: dict[str, tuple[dict[str, float], float] | None] = {}
    syl, syl_w, big, big_w, nam, nam_w, num, num_w = ([] for _ in range(8))
    top = 1.0
    for it, ts in zip(items, toks):
        lg = it.article.language
        if lg not in tables:
            tables[lg] = corpus_idf(lang.for_language(lg))
        table = tables[lg]
        idf, unseen = table if table is not None else ({}, 1.0)
        top = max(top, unseen)
        w = [idf.get(t, unseen) for t in ts]
        key = lg + " "  # one vocabulary for every language: a token of two languages is two tokens
        syl.append([key + t for t in ts])
        syl_w.append(w)
        big.append([key + a + " " + b for a, b in zip(ts, ts[1:])])
        big_w.append([(x + y) / 2 for x, y in zip(w, w[1:])])
        names = [t for n in name_runs(it.sentence.text) for t in tokens(n)]
        nam.append([key + t for t in names])
        nam_w.append([idf.get(t, unseen) for t in names])
        nums = [(key + t, x) for t, x in zip(ts, w) if t[0].isdigit()]
        num.append([t for t, _ in nums])
        num_w.append([x for _, x in nums])

    def overlap(S: sparse.csr_matrix) -> np.ndarray:
        mass = np.asarray(S.multiply(S).sum(axis=1)).ravel()
        low = np.minimum(mass[I], mass[J])
        return np.divide(_row_dots(S, I, J), low, out=np.zeros(len(I)), where=low > 0)

    S = _weighted(syl, syl_w)
    mass = np.asarray(S.multiply(S).sum(axis=1)).ravel()
    shared = _row_dots(S, I, J)
    both = mass[I] + mass[J]
    most = np.zeros(len(I))
    for lo in range(0, len(I), 200_000):
        prod = S[I[lo:lo + 200_000]].multiply(S[J[lo:lo + 200_000]]).tocsr()
        most[lo:lo + 200_000] = prod.max(axis=1).toarray().ravel()
    low = np.minimum(mass[I], mass[J])
    return np.column_stack([
        np.divide(shared, low, out=np.zeros(len(I)), where=low > 0),
        np.divide(2 * shared, both, out=np.zeros(len(I)), where=both > 0),
        overlap(_weighted(big, big_w)), overlap(_weighted(nam, nam_w)), overlap(_weighted(num, num_w)),
        most / top, np.log1p(shared),
    ])


def pair_features(items: Sequence[AlignedSentence], X: sparse.csr_matrix, art: np.ndarray,
                  I: np.ndarray, J: np.ndarray) -> np.ndarray:
    """`PAIR_FEATURES` of the pairs (I[k], J[k]), one row each. `X`: the story's TF-IDF rows
    (`_vectors`), `art`: the article number of each sentence."""
    texts = [it.sentence.text for it in items]
    toks = [tokens(t) for t in texts]
    stop = {}
    content = []
    for it, ts in zip(items, toks):
        lg = it.article.language
        if lg not in stop:
            stop[lg] = lang.for_language(lg).view("align_function_words", _function_words)
        content.append([t for t in ts if t not in stop[lg] and not t[0].isdigit()])
    C = _vectors(content, analyzer=lambda ts: ts)
    Bg = _vectors(toks, analyzer=lambda ts: [a + " " + b for a, b in zip(ts, ts[1:])])
    B, Bc = _binary(toks), _binary(content)
    N = _binary([_NUMBER.findall(t) for t in texts])
    M = _binary([[fold(n) for n in name_runs(t)] for t in texts])

    def dots(A):
        return _row_dots(A, I, J)

    def sizes(A):
        return np.asarray(A.sum(axis=1)).ravel()

    cos = dots(X)
    n_num, n_name, n_set, n_cset = sizes(N), sizes(M), sizes(B), sizes(Bc)
    sh_num, sh_name = dots(N), dots(M)
    short_set = np.minimum(n_set[I], n_set[J])
    short_cset = np.minimum(n_cset[I], n_cset[J])
    length = np.array([len(ts) for ts in toks], dtype=np.float64)
    lo, hi = np.minimum(length[I], length[J]), np.maximum(length[I], length[J])
    index = np.array([it.sentence.index for it in items], dtype=np.float64)
    count = np.array([max(len(it.article.sentences), 1) for it in items], dtype=np.float64)
    pos = index / np.maximum(count - 1, 1)
    n_art = int(art.max()) + 1 if len(art) else 1
    b1, b2 = _best_ratio(I, J, art, cos, n_art), _best_ratio(J, I, art, cos, n_art)
    F = np.column_stack([
        cos, dots(C), dots(Bg),
        np.minimum(sh_num, 3), np.minimum(n_num[I] + n_num[J] - 2 * sh_num, 5),
        np.minimum(sh_name, 3), np.minimum(n_name[I] + n_name[J] - 2 * sh_name, 5),
        np.divide(dots(B), short_set, out=np.zeros(len(I)), where=short_set > 0),
        np.divide(dots(Bc), short_cset, out=np.zeros(len(I)), where=short_cset > 0),
        np.divide(lo, hi, out=np.zeros(len(I)), where=hi > 0), np.log1p(lo),
        np.minimum(pos[I], pos[J]), np.maximum(pos[I], pos[J]),
        ((index[I] == 0) & (index[J] == 0)).astype(np.float64),
        np.minimum(b1, b2), np.maximum(b1, b2),
        _idf_features(items, toks, I, J),
    ])
    return F


def learned_graph(items: Sequence[AlignedSentence], config: BriefConfig, model: PairModel,
                  threshold: float) -> SentenceGraph:
    """The candidate pairs scored by `model`: a cross-article pair's similarity is its probability
    of stating one fact, kept when it reaches half the threshold (below: strangers, never one
    fact); a repeat pair keeps its cosine (>= `config.align_repeat`)."""
    g = candidate_pairs(items, config)
    I, J = g.pairs[:, 0], g.pairs[:, 1]
    cross = g.article[I] != g.article[J]
    sims = g.sims.copy()
    if cross.any():
        F = pair_features(items, g.vectors, g.article, I[cross], J[cross])
        sims[cross] = model.probability(F)
    keep = ~cross | (sims >= threshold * 0.5)
    return SentenceGraph(g.vectors, g.article, g.pairs[keep], sims[keep], g.repeat)


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
        for unit, numbers in _quantities(m.sentence.text, not_units(m.article.language)).items():
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
