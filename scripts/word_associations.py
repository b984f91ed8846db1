"""Word associations for alignment, learned without labels from the shared VietnameseMDS corpus
(issue 12, item 4): which different words stand for each other in two sentences that state one
fact (`tham dự` / `tham gia`, `thực hiện` / `tiến hành`), what a syllable cosine cannot see.
Measured by `bench/align_quality.py --cv --associations` and `--halves --associations`: it does not
help (docs/decisions.md, "Alignment: word associations learned from the corpus"), so nothing of it
ships; this script and the bench keep the experiment repeatable.

Pseudo-parallel pairs, per cluster (the aligner's sentences of its articles, and the sentences of
its two human summaries, which paraphrase article sentences):
- each summary sentence and its best-matching article sentence, when their cosine is >= `SUMMARY_MIN`;
- two articles' sentences that are each other's best match between the two, cosine >= `MUTUAL_MIN`;
- (`ANCHORED`) two articles' sentences that share that many numbers, dates or names and are each
  other's best such match, whatever their cosine.
(cosine: `align._vectors`, TF-IDF of syllables and bigrams, IDF over the cluster's sentences.)
In each pair, the content words (`UNIT`: underthesea's words, or syllables; not function words, not
numbers, not names) of one sentence missing from the other are counted against those of the other
missing from the first. A pair of words' association is the Dice of their support among the
unshared words, counted in clusters (a cluster counts once however many of its pairs show it: a
summary and three articles repeating one sentence are one piece of evidence), kept when
>= `MIN_CLUSTERS` clusters show it and Dice >= `MIN_DICE`, the `TOP` strongest per word; with
`MAX_TOGETHER`, only words seldom written together in one sentence (`substitutes`). The counts are
additive over clusters (`cluster_counts`), so a table is built without any set of clusters (the
scored stories' own, when measured). `ibm1_table`: IBM model 1 translation probabilities instead
of Dice (tried on syllables: it learns the syllables of one compound, `điều`/`tra`). `vector_table`:
word2vec neighbours instead (gensim; bench/align_word2vec_check.py: chance even trained on the
scored stories).

Only texts are read, never an alignment label. Deterministic. The thresholds were fixed before any
alignment figure was read.

    python scripts/word_associations.py [--unit word|syllable] [--method dice|ibm1|word2vec] [--show N] [--out PATH]
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import corpus  # noqa: E402

from newsfuse import lang  # noqa: E402
from newsfuse.align import _anchors, _function_words, _vectors  # noqa: E402
from newsfuse.ingest import article_from_json  # noqa: E402
from newsfuse.lang import tokens  # noqa: E402
from newsfuse.text import segment_words, split  # noqa: E402

SUMMARY_MIN = 0.30
MUTUAL_MIN = 0.40
MIN_CLUSTERS = 2
MIN_DICE = 0.1
TOP = 10
MAX_TOGETHER: float | None = None  # e.g. 0.1; see `substitutes` (None: every association kept)
ANCHORED = 0  # shared numbers/dates/names that make two articles' sentences a pair (0: not mined)


UNIT = "word"  # "word": underthesea's words (`nghi can`, `bắt giữ`); "syllable": the aligner's tokens


@functools.lru_cache(maxsize=100_000)
def _words(text: str) -> tuple[str, ...]:
    """Folded content words: not a function word, not a number, not a capitalised word inside the
    sentence (a name: the anchors' business, and names of one event are associated by topic, not
    meaning)."""
    out = []
    for k, w in enumerate(segment_words(text)):
        if not w[:1].isalpha() or (k and w[0].isupper()):
            continue
        f = " ".join(tokens(w))
        if f and f not in _STOP and len(f) > 1:
            out.append(f)
    return tuple(out)


_STOP: frozenset[str] = frozenset()


def content(text: str, stop: frozenset[str], unit: str | None = None) -> set[str]:
    global _STOP
    if (unit or UNIT) == "syllable":
        return {t for t in tokens(text) if t not in stop and not t[0].isdigit() and len(t) > 1}
    if _STOP is not stop:
        _STOP = stop
        _words.cache_clear()
    return set(_words(text))


def mined_pairs(articles: list, summaries: list[str]) -> list[tuple[str, str]]:
    """The pseudo-parallel sentence pairs of one cluster (see the module's docstring)."""
    sents = [(a.id, s.text) for a in articles for s in a.sentences]
    summ = [summary[a:b] for summary in summaries for a, b in split(summary).sentences]
    if not sents:
        return []
    texts = [t for _, t in sents] + summ
    X = _vectors(texts)
    S = (X @ X.T).toarray()
    n = len(sents)
    art = np.array([a for a, _ in sents])
    out = []
    for k in range(n, len(texts)):
        best = int(np.argmax(S[k, :n]))
        if S[k, best] >= SUMMARY_MIN:
            out.append((texts[k], texts[best]))
    anchors = [_anchors(t) for t in texts[:n]]
    ids = sorted(set(art))
    for x, a in enumerate(ids):
        ia = np.flatnonzero(art == a)
        for b in ids[x + 1:]:
            ib = np.flatnonzero(art == b)
            block = S[np.ix_(ia, ib)]
            if block.size == 0:
                continue
            ba, bb = block.argmax(axis=1), block.argmax(axis=0)
            for r, c in enumerate(ba):
                if bb[c] == r and block[r, c] >= MUTUAL_MIN:
                    out.append((texts[ia[r]], texts[ib[c]]))
            if ANCHORED:
                # Numbers, dates and names survive a paraphrase when the wording does not: two
                # sentences that share ANCHORED of them and are each other's best such match are
                # one fact told twice, however few syllables they share.
                shared = np.array([[len(anchors[i] & anchors[j]) for j in ib] for i in ia])
                key = shared + block  # ties among equal anchors broken by the cosine
                ka, kb = key.argmax(axis=1), key.argmax(axis=0)
                for r, c in enumerate(ka):
                    if kb[c] == r and shared[r, c] >= ANCHORED and block[r, c] < MUTUAL_MIN:
                        out.append((texts[ia[r]], texts[ib[c]]))
    return out


def pair_counts(pairs: list[tuple[str, str]], stop: frozenset[str]) -> tuple[set, set]:
    """(the unshared syllable pairs across `pairs`, both orders; the syllables unshared in any pair)."""
    co: set = set()
    seen: set = set()
    for s1, s2 in pairs:
        a, b = content(s1, stop), content(s2, stop)
        d1, d2 = a - b, b - a
        seen |= d1 | d2
        co.update((x, y) for x in d1 for y in d2)
        co.update((y, x) for x in d1 for y in d2)
    return co, seen


def cluster_counts(rows: list[dict] | None = None, clusters: list[dict] | None = None) -> dict[str, tuple]:
    """cluster id -> (unshared word pairs, unshared words, the content words of each pseudo-parallel
    pair, the content words of each article sentence) of the cluster; the whole shared corpus
    unless `rows` (articles.jsonl records) and `clusters` (clusters.jsonl records) are given."""
    stop = lang.for_language("vi").view("align_function_words", _function_words)
    by_cluster: dict[str, list] = {}
    for r in corpus.rows() if rows is None else rows:
        by_cluster.setdefault(r["cluster_id"], []).append(article_from_json(r, r["id"]))
    out = {}
    for c in corpus.clusters() if clusters is None else clusters:
        pairs = sorted({tuple(sorted(p)) for p in mined_pairs(by_cluster.get(c["cluster_id"], []), c["summaries"])})
        co, seen = pair_counts(pairs, stop)
        sentences = [content(x.text, stop) for a in by_cluster.get(c["cluster_id"], []) for x in a.sentences]
        out[c["cluster_id"]] = (co, seen, [(content(a, stop), content(b, stop)) for a, b in pairs], sentences)
    return out


def totals(counts: dict[str, tuple[set, set, list]]) -> tuple[Counter, Counter]:
    """(clusters showing each unshared syllable pair, clusters showing each unshared syllable)."""
    co: Counter = Counter()
    seen: Counter = Counter()
    for c, s, *_ in counts.values():
        co.update(c)
        seen.update(s)
    return co, seen


def table(counts: dict[str, tuple[set, set, list]], leave_out=frozenset(),
          summed: tuple[Counter, Counter] | None = None) -> dict[str, dict[str, float]]:
    """word -> {associated word: Dice}, from every cluster but those of `leave_out`
    (`summed`: `totals(counts)`, when many tables are made from one corpus)."""
    co, seen = summed or totals(counts)
    drop_co: Counter = Counter()
    drop_seen: Counter = Counter()
    for cid in leave_out:
        if cid in counts:
            drop_co.update(counts[cid][0])
            drop_seen.update(counts[cid][1])
    out: dict[str, dict[str, float]] = {}
    for (x, y), n in co.items():
        n -= drop_co[(x, y)]
        if n < MIN_CLUSTERS:
            continue
        d = 2 * n / (seen[x] - drop_seen[x] + seen[y] - drop_seen[y])
        if d >= MIN_DICE:
            out.setdefault(x, {})[y] = round(d, 4)
    if MAX_TOGETHER is not None:
        out = substitutes(out, counts, leave_out)
    return {x: dict(sorted(ys.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]) for x, ys in sorted(out.items())}


def substitutes(assoc: dict[str, dict[str, float]], counts, leave_out) -> dict[str, dict[str, float]]:
    """Only the pairs of words that stand in for each other: two words of one topic (`nạn nhân`,
    `thẩm mỹ viện`) are written together in one sentence, two words for one thing (`tham dự`,
    `tham gia`) seldom are. A pair is kept when the article sentences holding both (every cluster
    but `leave_out`'s) are at most `MAX_TOGETHER` of those holding the rarer of the two."""
    words = set(assoc) | {y for ys in assoc.values() for y in ys}
    postings: dict[str, set[int]] = {}
    k = 0
    for cid, value in counts.items():
        if cid in leave_out:
            continue
        for sent in value[3]:
            for w in sent & words:
                postings.setdefault(w, set()).add(k)
            k += 1
    out: dict[str, dict[str, float]] = {}
    for x, ys in assoc.items():
        px = postings.get(x, set())
        for y, d in ys.items():
            py = postings.get(y, set())
            low = min(len(px), len(py))
            if not low or len(px & py) <= MAX_TOGETHER * low:
                out.setdefault(x, {})[y] = d
    return out


VECTOR_MIN = 0.5  # word2vec cosine from which two content words are associated (`vector_table`)


def cluster_sentences(rows: list[dict] | None = None, clusters: list[dict] | None = None) -> dict[str, list[list[str]]]:
    """cluster id -> its article and summary sentences as folded words in order (function words
    kept: they are the contexts word2vec reads), for `vector_table`."""
    by_cluster: dict[str, list] = {}
    for r in corpus.rows() if rows is None else rows:
        by_cluster.setdefault(r["cluster_id"], []).append(article_from_json(r, r["id"]))
    out = {}
    for c in corpus.clusters() if clusters is None else clusters:
        texts = [x.text for a in by_cluster.get(c["cluster_id"], []) for x in a.sentences]
        texts += [summary[a:b] for summary in c["summaries"] for a, b in split(summary).sentences]
        out[c["cluster_id"]] = [[" ".join(tokens(w)) for w in segment_words(t) if w[:1].isalnum()] for t in texts]
    return out


def vector_table(sentences: dict[str, list[list[str]]], stop: frozenset[str], leave_out=frozenset(),
                 seed: int = 0) -> dict[str, dict[str, float]]:
    """word -> {word: cosine}: the nearest neighbours (>= `VECTOR_MIN`, the `TOP` nearest) of each
    content word in word2vec vectors (gensim, skip-gram, window 3) trained on every cluster's
    sentences but those of `leave_out`: words met in the same contexts, which is what a synonym is
    (and what a word of the same kind is too). One worker and a fixed seed: the same input gives the
    same table when PYTHONHASHSEED is fixed."""
    from gensim.models import Word2Vec

    corpus_sentences = [s for cid, ss in sentences.items() if cid not in leave_out for s in ss if s]
    model = Word2Vec(corpus_sentences, vector_size=100, window=3, min_count=3, sg=1, epochs=10, workers=1,
                     seed=seed)
    wv = model.wv
    words = [w for w in wv.index_to_key if w not in stop and w[:1].isalpha() and len(w) > 1]
    index = np.array([wv.key_to_index[w] for w in words])
    V = wv.vectors[index]
    V = V / np.maximum(np.linalg.norm(V, axis=1, keepdims=True), 1e-9)
    out: dict[str, dict[str, float]] = {}
    for lo in range(0, len(words), 1024):
        S = V[lo:lo + 1024] @ V.T
        for r, row in enumerate(S):
            row[lo + r] = -1.0
            best = np.argsort(-row)[:TOP]
            near = {words[k]: round(float(row[k]), 4) for k in best if row[k] >= VECTOR_MIN}
            if near:
                out[words[lo + r]] = near
    return out


NULL = ""  # IBM model 1's empty word: what a syllable with no counterpart is generated by
ITERATIONS = 5


def ibm1_table(counts: dict[str, tuple[set, set, list]], leave_out=frozenset(),
               summed: tuple[Counter, Counter] | None = None) -> dict[str, dict[str, float]]:
    """syllable -> {associated syllable: sqrt(t(b|a) t(a|b))}: IBM model 1 translation
    probabilities estimated by EM over the pseudo-parallel pairs (both directions, shared syllables
    included, so a syllable the other sentence also holds is explained by itself and its neighbours
    are not credited for it), from every cluster but those of `leave_out`; kept for two different
    syllables that `MIN_CLUSTERS` clusters show unshared, at >= `MIN_DICE`, the `TOP` strongest."""
    co, _ = summed or totals(counts)
    drop_co: Counter = Counter()
    data = []
    for cid, (c, _, pairs, *_) in counts.items():
        if cid in leave_out:
            drop_co.update(c)
            continue
        for a, b in pairs:
            if a and b:
                data.append((sorted(a) + [NULL], sorted(b)))
                data.append((sorted(b) + [NULL], sorted(a)))
    t: dict[tuple[str, str], float] = {}
    for src, tgt in data:
        for y in tgt:
            for x in src:
                t[(y, x)] = 1.0
    for _ in range(ITERATIONS):
        count: Counter = Counter()
        total: Counter = Counter()
        for src, tgt in data:
            for y in tgt:
                denom = sum(t[(y, x)] for x in src)
                for x in src:
                    c = t[(y, x)] / denom
                    count[(y, x)] += c
                    total[x] += c
        t = {k: v / total[k[1]] for k, v in count.items()}
    out: dict[str, dict[str, float]] = {}
    for (y, x), p in t.items():
        if x == NULL or x >= y or co[(x, y)] - drop_co[(x, y)] < MIN_CLUSTERS:
            continue
        d = (p * t.get((x, y), 0.0)) ** 0.5
        if d >= MIN_DICE:
            out.setdefault(x, {})[y] = round(d, 4)
            out.setdefault(y, {})[x] = round(d, 4)
    return {x: dict(sorted(ys.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]) for x, ys in sorted(out.items())}


def main() -> None:
    global UNIT, ANCHORED, MAX_TOGETHER
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, help="write the table there as JSON (nothing is written without it)")
    ap.add_argument("--show", type=int, default=0, help="print the N strongest associations")
    ap.add_argument("--method", choices=("dice", "ibm1", "word2vec"), default="dice",
                    help="word2vec: neighbours in vectors trained on the corpus (needs gensim, no dependency)")
    ap.add_argument("--unit", choices=("word", "syllable"), default=UNIT)
    ap.add_argument("--anchored", type=int, default=ANCHORED, help="mine pairs sharing this many numbers/names (0: not)")
    ap.add_argument("--max-together", type=float, default=None, help="keep only substitutes (see `substitutes`)")
    args = ap.parse_args()
    UNIT, ANCHORED, MAX_TOGETHER = args.unit, args.anchored, args.max_together
    counts = cluster_counts()
    if args.method == "word2vec":
        t = vector_table(cluster_sentences(), lang.for_language("vi").view("align_function_words", _function_words))
    else:
        t = (ibm1_table if args.method == "ibm1" else table)(counts)
    n_pairs = sum(len(v[2]) for v in counts.values())
    links = sum(len(v) for v in t.values())
    print(f"{len(counts)} clusters, {n_pairs} pseudo-parallel pairs, {len(t)} {args.unit}s with {links} associations")
    if args.show:
        flat = sorted(((d, x, y) for x, ys in t.items() for y, d in ys.items() if x < y), reverse=True)
        for d, x, y in flat[:args.show]:
            print(f"  {d:.3f}  {x} ~ {y}")
    if args.out:
        data = {"about": f"{args.unit}s that stand for each other in pseudo-parallel sentence pairs of the shared "
                         "VietnameseMDS corpus (no labels); written by scripts/word_associations.py",
                "summary_min": SUMMARY_MIN, "mutual_min": MUTUAL_MIN, "min_clusters": MIN_CLUSTERS, "min_dice": MIN_DICE,
                "top": TOP, "unit": UNIT, "anchored": ANCHORED, "max_together": MAX_TOGETHER, "method": args.method,
                "pairs": n_pairs, "associations": t}
        args.out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"-> {args.out}")


if __name__ == "__main__":
    main()
