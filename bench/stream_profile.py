"""Where the stream clusterer spends its time, on N scaled articles (bench/corpus.py, as
bench/cluster_speed.py makes them), prepared once and cached in /tmp (a 20k set takes ~70 s):
the time in `article_terms` and in the rest of `add` apart, then (with --profile) cProfile's
top functions of the whole `add`.

    python bench/stream_profile.py [--n 20000] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pickle
import pstats
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402

from newsfuse.config import StoryConfig  # noqa: E402
from newsfuse.ingest import article_from_json  # noqa: E402
from newsfuse.stories import StoryClusterer, article_terms, day_number  # noqa: E402


def prepared(n: int) -> list:
    cache = Path(f"/tmp/stream_articles_{n}.pkl")
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    rows = list(corpus.perturbed(corpus.rows(), n))
    articles = [article_from_json(r, r["id"]) for r in rows]
    articles.sort(key=lambda a: a.published or "")
    cache.write_bytes(pickle.dumps(articles))
    return articles


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    articles = prepared(args.n)
    gc.collect()
    gc.freeze()
    print(f"# bench/stream_profile.py — {corpus.machine()}; {len(articles)} articles; "
          f"load average {os.getloadavg()[0]:.1f}")
    t = time.perf_counter()
    terms = [article_terms(a) for a in articles]
    t_terms = time.perf_counter() - t
    stream = StoryClusterer(StoryConfig())
    t = time.perf_counter()
    for a, c in zip(articles, terms):
        keys = list(c)
        stream.add_terms(a.id, keys, np.fromiter(c.values(), dtype=np.float64, count=len(keys)),
                         day_number(a.published))
    t_add = time.perf_counter() - t
    n = len(articles)
    print(f"article_terms {t_terms / n * 1e6:.0f} µs an article; the rest of add {t_add / n * 1e6:.0f} µs; "
          f"together {n / (t_terms + t_add):.0f} articles/s; {len(stream.stories)} stories")
    if args.profile:
        stream = StoryClusterer(StoryConfig())
        profile = cProfile.Profile()
        profile.enable()
        for a in articles:
            stream.add(a)
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
