"""CPU of the learned tagger's attributes alone (`tagger.encoded_features`), this checkout against a
baseline checkout in the same run: each measured in its own process, the two alternating round by
round, on every sentence of the 149 clusters of the shared corpus (471 articles).

    flock /tmp/newsfuse-bench.lock nice python bench/attribute_speed.py [--baseline ../main/src] [--rounds 4]

Per process: the rules' mentions of each sentence are read first (`tagger.rule_mentions`, one
`Known` per article, not timed); then, per pass, each cluster's sentences have their attributes
built after the readers' process caches are emptied (a first reading of the story, as
bench/tagger_speed.py's `brief` reads it), the groups and word clusters the shipped model reads.
Prints CPU ms per article, the least of `--repeat` passes in a process. A stage this small moves
less than a whole brief's noise on the shared 2 cores (bench/results/tagger_speed.txt); measured
alone it shows what a change of the attribute builder did. `--child` is a process's own mode.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402

HERE = Path(__file__).resolve().parents[1] / "src"


def child(repeat: int) -> None:
    from newsfuse import lang
    from newsfuse.entities import Known, clear_caches, lexicon
    from newsfuse.ingest import article_from_json
    from newsfuse.tagger import EntityTagger, encoded_features, rule_mentions

    pack = lang.get("vi")
    lx, tagger = lexicon(pack), EntityTagger.of(pack)
    by_cluster: dict[str, list] = {}
    for r in corpus.rows():
        by_cluster.setdefault(r["cluster_id"], []).append(article_from_json(r, r["id"]))
    stories = []
    for key in sorted(by_cluster):
        sentences = []
        for a in by_cluster[key]:
            known = Known()
            for s in a.sentences:
                _, _, rules, _ = rule_mentions(lx, s.text, known)
                words, folded = known.read[s.text]
                sentences.append((words, folded, rules))
        stories.append(sentences)
    n = sum(len(v) for v in by_cluster.values())
    load = os.getloadavg()[0]
    gc.collect()
    gc.freeze()
    passes = []
    for _ in range(repeat):
        total = 0.0
        for sentences in stories:
            clear_caches()
            c = time.process_time()
            for words, folded, rules in sentences:
                encoded_features(lx, words, folded, rules, tagger.clusters, tagger.features)
            total += time.process_time() - c
        passes.append(total / n * 1000)
    print(json.dumps({"load": load, "attributes": min(passes)}))


def run(src: Path, repeat: int) -> dict:
    return corpus.child_result(__file__, src, "--repeat", str(repeat))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline", type=Path, default=HERE.parents[1] / "main" / "src")
    ap.add_argument("--this", type=Path, default=HERE, help="the checkout's src to measure")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=3, help="passes per process; the measure is the least of them")
    ap.add_argument("--child", action="store_true")
    args = ap.parse_args()
    if args.child:
        child(args.repeat)
        return
    corpus.require_shared()
    base, this = args.baseline.resolve(), args.this.resolve()
    print(f"# bench/attribute_speed.py — {corpus.machine()}; baseline {base}, this {this}; load average at start "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"CPU ms per article of `encoded_features` over the 149 shared clusters (471 articles), first reading, "
          f"each the least of {args.repeat} passes in a process")
    print(f"{'round':>5} {'checkout':<9} {'load':>6} {'attributes':>11}")
    got: dict[str, list[float]] = {"baseline": [], "this": []}
    for r in range(1, args.rounds + 1):
        for name, src in (("baseline", base), ("this", this)):
            m = run(src, args.repeat)
            got[name].append(m["attributes"])
            print(f"{r:>5} {name:<9} {m['load']:>6.2f} {m['attributes']:>11.2f}", flush=True)
    med = {k: statistics.median(v) for k, v in got.items()}
    least = {k: min(v) for k, v in got.items()}
    print(f"median: baseline {med['baseline']:.2f}, this {med['this']:.2f} ({med['baseline'] / med['this']:.2f}x); "
          f"least: baseline {least['baseline']:.2f}, this {least['this']:.2f} ({least['baseline'] / least['this']:.2f}x)")
    print(f"# load average at end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
