"""CPU of the learned entity tagger's readings and of whole briefs (issues 13 and 17), this checkout
against a baseline checkout in the same run: each measured in its own process, the two alternating
round by round, on the 149 clusters of the shared corpus (471 articles).

    flock /tmp/newsfuse-bench.lock nice python bench/tagger_speed.py [--baseline ../main/src] [--rounds 3]

Per process, after a warm-up brief (the gazetteers, the segmenter, the model loaded), CPU ms per article:
- `entities`: `story_entities` of each cluster, the readers' process caches emptied before each
  (a first reading, as bench/brief_speed.py measures it); each measure is the least of `--repeat`
  passes in the process;
- `entities kept`: the same, the caches kept from cluster to cluster (a process reading one story
  after another, as `archive run` does; no cluster repeats another's sentences);
- `brief`: `make_brief` of each cluster, caches (entities and dates) emptied before each;
- `5-article brief`: the median CPU ms of the briefs of the clusters of five articles, caches emptied
  before each (bench/summary_quality.py --speed times the same clusters, caches kept).
CPU time is the figure to compare on a shared machine; the load average is printed with each process.
`--child` is a process's own mode (newsfuse as imported).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402

HERE = Path(__file__).resolve().parents[1] / "src"
MEASURES = ("entities", "entities kept", "brief", "5-article brief")


def child(repeat: int) -> None:
    from newsfuse.brief import make_brief
    from newsfuse.entities import clear_caches, story_entities
    from newsfuse.ingest import article_from_json
    from newsfuse.timeline import clear_caches as clear_dates

    by_cluster: dict[str, list] = {}
    for r in corpus.rows():
        by_cluster.setdefault(r["cluster_id"], []).append(article_from_json(r, r["id"]))
    stories = [sorted(v, key=lambda a: (a.published or "\uffff", a.id)) for _, v in sorted(by_cluster.items())]
    n = sum(len(s) for s in stories)
    load = os.getloadavg()[0]
    make_brief("warm", stories[0])
    gc.collect()
    gc.freeze()
    out = {"load": load}

    def per_article(fn, clear: bool) -> float:
        """The least of `--repeat` passes over the clusters (the passes another process slowed least)."""
        passes = []
        for _ in range(repeat):
            clear_caches()
            clear_dates()
            total = 0.0
            for arts in stories:
                if clear:
                    clear_caches()
                    clear_dates()
                c = time.process_time()
                fn(arts)
                total += time.process_time() - c
            passes.append(total / n * 1000)
        return min(passes)

    out["entities"] = per_article(story_entities, True)
    out["entities kept"] = per_article(story_entities, False)
    out["brief"] = per_article(lambda arts: make_brief("s", arts), True)
    fives = []
    for arts in stories:
        if len(arts) == 5:
            took = []
            for _ in range(repeat):
                clear_caches()
                clear_dates()
                c = time.process_time()
                make_brief("s", arts)
                took.append((time.process_time() - c) * 1000)
            fives.append(min(took))
    out["5-article brief"] = statistics.median(fives)
    out["fives"] = len(fives)
    print(json.dumps(out))


def measure(src: Path, repeat: int) -> dict:
    return corpus.child_result(__file__, src, "--repeat", str(repeat))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline", type=Path, default=HERE.parents[1] / "main" / "src")
    ap.add_argument("--this", type=Path, default=HERE, help="the checkout's src to measure (a copy, to edit on meanwhile)")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=2, help="passes per process; each measure is the least of them")
    ap.add_argument("--child", action="store_true")
    args = ap.parse_args()
    if args.child:
        child(args.repeat)
        return
    corpus.require_shared()
    base, this = args.baseline.resolve(), args.this.resolve()

    def commit(src: Path) -> str:
        done = subprocess.run(["git", "-C", str(src), "log", "-1", "--format=%h"], capture_output=True, text=True)
        return done.stdout.strip() or src.parent.name  # (a copy's folder names its commit)

    print(f"# bench/tagger_speed.py — {corpus.machine()}; baseline {base} ({commit(base)}), this {this} ({commit(this)}); "
          f"load average at start {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"CPU ms per article over the 149 shared clusters (471 articles), each the least of {args.repeat} passes in a "
          f"process; `5-article brief`: median CPU ms of a brief (each the least of {args.repeat})")
    print(f"{'round':>5} {'checkout':<9} {'load':>5} " + " ".join(f"{m:>15}" for m in MEASURES))
    runs: dict[str, list[dict]] = {"baseline": [], "this": []}
    for k in range(args.rounds):
        for name, src in (("baseline", base), ("this", this)):
            r = measure(src, args.repeat)
            runs[name].append(r)
            print(f"{k + 1:>5} {name:<9} {r['load']:>5.2f} " + " ".join(f"{r[m]:>15.2f}" for m in MEASURES), flush=True)
    # The least of the rounds is the cost with the least interference from the machine's other
    # processes (on a loaded 2-core machine a round's CPU time varies by half); the median beside it.
    for label, pick in (("median", statistics.median), ("least", min)):
        print(f"{label} of the rounds:")
        got = {name: {m: pick(r[m] for r in rs) for m in MEASURES} for name, rs in runs.items()}
        for name in runs:
            print(f"{'':>5} {name:<9} {'':>5} " + " ".join(f"{got[name][m]:>15.2f}" for m in MEASURES))
        print(f"{'':>5} {'ratio':<9} {'':>5} " + " ".join(f"{got['baseline'][m] / got['this'][m]:>14.2f}x" for m in MEASURES))
    print(f"# load average at end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
