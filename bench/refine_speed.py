"""The batch's refinement pass (`stories._refine`) against the one it replaced (one sparse product
and one Python loop over the candidates an article, kept here as the reference), on the same first
pass: whether every article gets the same story with the same similarity (bit for bit), and the
CPU seconds of each. On the shared corpus in 3 shuffled orders and on the corpus scaled to `--n`
articles (`corpus.perturbed`).

    python bench/refine_speed.py [--n 20000]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402

from newsfuse import stories  # noqa: E402
from newsfuse.ingest import article_from_json  # noqa: E402
from newsfuse.stories import Assignment, StoryClusterer, TermVector, _SecondSignal, story_id_for  # noqa: E402,F401


# The pass as it was (main before 2026-12-06), word for word: the reference.
def reference(clusterer: StoryClusterer, X, assignments: list[Assignment], days: list[float | None],
            ordered: Sequence[Article], embedder: Embedder | None = None) -> list[Assignment]:
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
    out = []
    for i, a in enumerate(assignments):
        row = X.getrow(i)
        top = np.argsort(-row.data)[: config.top_terms]
        vec = TermVector(row.indices[top], row.data[top].astype(np.float64))
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
        if second is not None:
            avg = second.mend(i, cands, avg)
        k = int(np.argmax(avg))
        if avg[k] >= config.threshold:
            out.append(Assignment(a.article_id, story_ids[cands[k]], float(avg[k]), False))
        else:
            out.append(Assignment(a.article_id, story_id_for(a.article_id + "/alone"), 0.0, True))
    return out



def timed(refine, spent: list[float]):
    def run(*args, **kwargs):
        t = time.process_time()
        out = refine(*args, **kwargs)
        spent.append(time.process_time() - t)
        return out
    return run


def compare(label: str, arts) -> bool:
    shipped = stories._refine
    runs = {}
    for name, refine in (("reference", reference), ("now", shipped)):
        spent: list[float] = []
        stories._refine = timed(refine, spent)
        try:
            out = stories.cluster(arts)
        finally:
            stories._refine = shipped
        runs[name] = ([(x.article_id, x.story_id, x.similarity, x.new) for x in out], spent[0])
    same = runs["reference"][0] == runs["now"][0]
    (_, t0), (_, t1) = runs["reference"], runs["now"]
    print(f"{label:<28} {len(arts):>7} {len({x[1] for x in runs['now'][0]}):>8} {'same' if same else 'DIFFERENT':>10} "
          f"{t0:>9.2f} {t1:>9.2f} {t0 / max(t1, 1e-9):>7.2f}x")
    return same


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20_000)
    args = ap.parse_args()
    print(f"# bench/refine_speed.py — {corpus.machine()}; load average at start "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"{'input':<28} {'articles':>7} {'stories':>8} {'stories':>10} {'ref CPU s':>9} {'now CPU s':>9} {'ratio':>8}")
    rows = corpus.rows()
    ok = True
    for seed in range(3):
        r = rows[:]
        random.Random(seed).shuffle(r)
        ok &= compare(f"shared corpus, shuffle {seed}", [article_from_json(x, x["id"]) for x in r])
    scaled = list(corpus.perturbed(rows, args.n))
    random.Random(0).shuffle(scaled)
    ok &= compare("scaled corpus, shuffled", [article_from_json(x, x["id"]) for x in scaled])
    print("# load average at end " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    if not ok:
        sys.exit("the refinement moved an article")


if __name__ == "__main__":
    main()
