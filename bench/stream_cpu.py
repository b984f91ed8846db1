"""CPU (process time, which the load of a shared machine moves less than wall clocks) per article
of the stream clusterer's assignment: another revision's `stories.py`, this one's, and this one's
with re-checks (`stories.Recheck`), on the same N scaled articles (bench/corpus.py) in date order,
their terms made once beforehand (`article_terms` is the same code in all three and timed apart),
best of R alternating rounds.

    python bench/stream_cpu.py [--previous 907e944] [--n 5000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402

from newsfuse.config import StoryConfig  # noqa: E402
from newsfuse.ingest import article_from_json  # noqa: E402
from newsfuse.stories import Recheck, StoryClusterer, article_terms, day_number  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--previous", default="907e944", metavar="REV")
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    old = corpus.previous_stories(args.previous)
    arts = sorted((article_from_json(r, r["id"]) for r in corpus.perturbed(corpus.rows(), args.n)),
                  key=lambda a: a.published or "")
    t = time.process_time()
    terms = [article_terms(a) for a in arts]
    terms_us = (time.process_time() - t) / len(arts) * 1e6
    inputs = [(a.id, list(c), np.fromiter(c.values(), dtype=np.float64, count=len(c)), day_number(a.published))
              for a, c in zip(arts, terms)]
    makers = {f"stories.py of {args.previous}": lambda: old.StoryClusterer(StoryConfig()),
              "now": lambda: StoryClusterer(StoryConfig()),
              "now, with re-checks": lambda: StoryClusterer(StoryConfig(), recheck=Recheck())}
    best: dict[str, float] = {}
    placed: dict[str, dict[str, str]] = {}
    for _ in range(args.rounds):
        for label, make in makers.items():
            stream = make()
            t = time.process_time()
            for article_id, keys, raw, day in inputs:
                stream.add_terms(article_id, keys, raw, day)
            best[label] = min(best.get(label, float("inf")), (time.process_time() - t) / len(arts) * 1e6)
            placed[label] = stream.assignments()
    print(f"# bench/stream_cpu.py — {corpus.machine()}; {len(arts)} scaled articles in date order, process time "
          f"per article, best of {args.rounds} alternating rounds; load average {os.getloadavg()[0]:.1f}")
    print(f"article_terms (the same code in all): {terms_us:.0f} us")
    base = next(iter(best.values())) + terms_us
    first = next(iter(placed.values()))
    for label, us in best.items():
        same = "same stories" if placed[label] == first else \
            f"{sum(first[k] != v for k, v in placed[label].items())} articles elsewhere"
        print(f"{label:<28} assignment {us:>6.0f} us, with article_terms {us + terms_us:>6.0f} us "
              f"({(us + terms_us) / base - 1:+.0%}); {len(set(placed[label].values()))} stories, {same}")


if __name__ == "__main__":
    main()
