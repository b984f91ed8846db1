"""Story clustering quality on the shared VietnameseMDS corpus (all 471 articles shuffled).

Prints B-cubed precision/recall/F1, ARI and NMI for newsfuse (batch and stream) and, in the same
run, for two baselines: TF-IDF + scikit-learn agglomerative clustering at its best single
threshold (chosen on this very set, which flatters it), and MinHash-only grouping (best threshold).
Then the same with distractors: half of the clusters are moved, whole, into the time ranges of the
other half (real articles, dates shifted), so time no longer separates them. Last, what the cap on a
story's centroid costs: the same runs with centroids uncapped, beside the state each keeps.

    python bench/cluster_quality.py            # the table
    python bench/cluster_quality.py --merges   # which gold clusters newsfuse puts together
"""

from __future__ import annotations

import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402

from newsfuse.config import CopyConfig, StoryConfig  # noqa: E402
from newsfuse.copies import find_copy_groups  # noqa: E402
from newsfuse.evaluation import bcubed  # noqa: E402
from newsfuse.ingest import article_from_json  # noqa: E402
from newsfuse.stories import StoryClusterer, cluster  # noqa: E402
from newsfuse.text import tokens  # noqa: E402


def scores(pred: dict[str, str], gold: dict[str, str]) -> tuple[float, ...]:
    ids = sorted(pred)
    p, r, f = bcubed(pred, gold)
    g = [gold[i] for i in ids]
    q = [pred[i] for i in ids]
    return p, r, f, adjusted_rand_score(g, q), normalized_mutual_info_score(g, q)


def agglomerative(arts, gold) -> tuple[dict[str, str], float]:
    vec = TfidfVectorizer(analyzer=lambda a: tokens(a.title + " " + (a.lead or "") + " " + a.text))
    X = vec.fit_transform(arts).toarray()
    best = None
    for t in np.arange(0.5, 1.0, 0.02):
        labels = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                         distance_threshold=float(t)).fit_predict(X)
        pred = {a.id: str(label) for a, label in zip(arts, labels)}
        f = bcubed(pred, gold)[2]
        if best is None or f > best[0]:
            best = (f, pred, float(t))
    return best[1], best[2]


def minhash_only(arts, gold) -> tuple[dict[str, str], float]:
    best = None
    for t in (0.1, 0.15, 0.2, 0.3, 0.45):
        groups = find_copy_groups(arts, CopyConfig(threshold=t))
        pred = {a.id: a.id for a in arts}
        for g in groups:
            for c in g.copies:
                pred[c] = g.original_id
            pred[g.original_id] = g.original_id
        f = bcubed(pred, gold)[2]
        if best is None or f > best[0]:
            best = (f, pred, t)
    return best[1], best[2]


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


def evaluate(label: str, rows: list[dict]) -> None:
    rng = random.Random(0)
    rows = rows[:]
    rng.shuffle(rows)
    arts = [article_from_json(r, r["id"]) for r in rows]
    gold = {r["id"]: r["cluster_id"] for r in rows}
    config = StoryConfig()
    results = []
    t = time.perf_counter()
    results.append(("newsfuse batch", scores({a.article_id: a.story_id for a in cluster(arts, config)}, gold), ""))
    stream = StoryClusterer(config)
    pred = {a.id: stream.add(a).story_id for a in sorted(arts, key=lambda a: a.published or "")}
    results.append(("newsfuse stream", scores(pred, gold), "date order"))
    stream = StoryClusterer(config)
    pred = {a.id: stream.add(a).story_id for a in arts}
    results.append(("newsfuse stream", scores(pred, gold), "shuffled order"))
    ours = time.perf_counter() - t
    pred, threshold = agglomerative(arts, gold)
    results.append(("tfidf+agglomerative", scores(pred, gold), f"best threshold {threshold:.2f}"))
    pred, threshold = minhash_only(arts, gold)
    results.append(("minhash only", scores(pred, gold), f"best threshold {threshold}"))
    print(f"\n## {label}: {len(rows)} articles, {len(set(gold.values()))} clusters")
    print(f"{'method':<22} {'B3 P':>6} {'B3 R':>6} {'B3 F1':>6} {'ARI':>6} {'NMI':>6}  note")
    for name, (p, r, f, ari, nmi), note in results:
        print(f"{name:<22} {p:>6.3f} {r:>6.3f} {f:>6.3f} {ari:>6.3f} {nmi:>6.3f}  {note}")
    print(f"(newsfuse's three runs took {ours:.2f} s)")


def centroid_cap_cost(rows: list[dict]) -> None:
    """Quality and state with the centroid cap (the default) and without it, same articles."""
    arts = sorted((article_from_json(r, r["id"]) for r in rows), key=lambda a: a.published or "")
    gold = {r["id"]: r["cluster_id"] for r in rows}
    print("\n## what the centroid cap costs (shared corpus; stream in date order and batch)")
    print(f"{'centroids':<34} {'stream F1':>9} {'batch F1':>9} {'terms per story':>16} {'state (KB)':>11}")
    for label, config in (("capped at 192 terms (default)", StoryConfig()),
                          ("uncapped", StoryConfig(centroid_cap=10**9))):
        stream = StoryClusterer(config)
        pred = {a.id: stream.add(a).story_id for a in arts}
        batch = {a.article_id: a.story_id for a in cluster(arts, config)}
        terms = np.mean([len(s.term_ids) for s in stream.stories.values()])
        print(f"{label:<34} {bcubed(pred, gold)[2]:>9.3f} {bcubed(batch, gold)[2]:>9.3f} {terms:>16.0f} "
              f"{stream.nbytes / 1024:>11.0f}")
    print("(state of the stream run; per article at 100k articles see bench/ingest.py)")


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


def main() -> None:
    rows = corpus.rows()
    print(f"# bench/cluster_quality.py — {corpus.machine()}")
    if "--merges" in sys.argv:
        print_merges(rows)
        return
    evaluate("shared corpus", rows)
    evaluate("with distractors (half the clusters moved into the others' time ranges)",
             with_distractors(rows, random.Random(1)))
    centroid_cap_cost(rows)


if __name__ == "__main__":
    main()
