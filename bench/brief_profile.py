"""Where a brief's time goes: cProfile of one 5-article brief (a cluster of the shared corpus) and
one 100-article brief (the bench's scaled corpus, as bench/brief_speed.py makes it), each a first
reading (the readers' process caches emptied before it), after a warm-up brief that loads the
gazetteers, the segmenter and the tagger; then the same briefs as a store makes them after its
entity index read the story (the readings it kept of each article loaded first, nothing else).

    flock /tmp/newsfuse-bench.lock python bench/brief_profile.py [--top 35] [--sizes 5 100]

Prints, per brief, the functions by own time and by cumulative time (the top `--top` of each).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402

from newsfuse.brief import make_brief  # noqa: E402
from newsfuse.entities import article_readings, clear_caches, keep_readings  # noqa: E402
from newsfuse.timeline import clear_caches as clear_dates  # noqa: E402
from newsfuse.ingest import article_from_json  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--top", type=int, default=35)
    ap.add_argument("--sizes", type=int, nargs="+", default=[5, 100])
    args = ap.parse_args()
    print(f"# bench/brief_profile.py — {corpus.machine()}; load average at start "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    rows = corpus.rows()
    by_cluster: dict[str, list] = {}
    for r in rows:
        by_cluster.setdefault(r["cluster_id"], []).append(r)
    pool = [article_from_json(r, r["id"]) for r in corpus.perturbed(rows, max(args.sizes))]
    make_brief("warm", pool[:3])
    gc.collect()
    gc.freeze()
    for n in args.sizes:
        if n == 5:  # the first cluster of five, as bench/summary_quality.py --speed times them
            five = next(v for v in by_cluster.values() if len(v) == 5)
            arts = sorted((article_from_json(r, r["id"]) for r in five), key=lambda a: a.published or "")
        else:
            arts = pool[:n]
        clear_caches()
        clear_dates()
        prof = cProfile.Profile()
        prof.enable()
        make_brief("profiled", arts)
        prof.disable()
        report(prof, f"{n}-article brief ({sum(len(a.sentences) for a in arts)} sentences), first reading", args.top)
        kept = article_readings(arts)
        clear_caches()
        clear_dates()
        prof = cProfile.Profile()
        prof.enable()
        keep_readings(arts, kept)
        make_brief("profiled", arts)
        prof.disable()
        report(prof, f"{n}-article brief over the readings the entity index kept", args.top)
    print(f"\n# load average at end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def report(prof, title: str, top: int) -> None:
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out)
        stats.sort_stats(order).print_stats(top)
        text = out.getvalue()
        # the header names this run's paths; keep the table
        body = text[text.index("   ncalls"):] if "   ncalls" in text else text
        total = stats.total_tt
        print(f"\n## {title}, by {order}; total {total:.3f} s under the profiler")
        print(body.replace(str(Path(__file__).resolve().parents[1]) + "/", "").rstrip())


if __name__ == "__main__":
    main()
