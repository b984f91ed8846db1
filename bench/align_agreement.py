"""How much two labellers agree on which sentences state the same fact, beside the system's agreement
with each of them on the same stories: the ceiling an alignment F1 can be read against.

    python bench/align_agreement.py tests/data/align_second.jsonl [--against tests/data/align_set_i.jsonl ...]

Pairs within one article (a repeat) count as in bench/align_quality.py. The first file's stories are matched by name with those of the `--against` files (the first labels).
Pairs are sentence pairs across articles in one group, as bench/align_quality.py scores them; the F1
of one labeller against the other is symmetric (P of one is R of the other). The system is the
shipped configuration (cosine average link at its configured threshold) and the learned pair scorer.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import align_quality as aq  # noqa: E402
import corpus  # noqa: E402

from newsfuse.config import BriefConfig  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("second", type=Path)
    ap.add_argument("--against", type=Path, nargs="+", required=True)
    args = ap.parse_args(argv)
    corpus.require_shared()
    second = {s.name: s for s in aq.load(args.second)}
    first = {s.name: s for path in args.against for s in aq.load(path)}
    names = [n for n in first if n in second]
    if not names:
        raise SystemExit(f"{args.second}: no story in common with {', '.join(map(str, args.against))}")
    t = BriefConfig().align_threshold
    learned = aq.pair_model()
    t_learned = learned.threshold
    rows = {"labeller 2 vs labeller 1": [0, 0, 0], "cosine (shipped) vs labeller 1": [0, 0, 0],
            "cosine (shipped) vs labeller 2": [0, 0, 0], "learned vs labeller 1": [0, 0, 0],
            "learned vs labeller 2": [0, 0, 0]}
    per_story = []
    for name in names:
        a, b = first[name], second[name]
        if [x.article.id for x in a.items] != [x.article.id for x in b.items] or len(a.items) != len(b.items):
            raise SystemExit(f"{name}: the two label files place their stories' sentences differently")
        gold_a, gold_b = a.gold_pairs, b.gold_pairs
        cos = aq.scored_pairs(a, aq.newsfuse_groups(a, t))
        lrn = aq.scored_pairs(a, aq.learned_groups(a, learned, t_learned))
        for row, pred, gold in (("labeller 2 vs labeller 1", gold_b, gold_a),
                                ("cosine (shipped) vs labeller 1", cos, gold_a), ("cosine (shipped) vs labeller 2", cos, gold_b),
                                ("learned vs labeller 1", lrn, gold_a), ("learned vs labeller 2", lrn, gold_b)):
            c = rows[row]  # true positives, false positives, false negatives
            c[0] += len(pred & gold)
            c[1] += len(pred - gold)
            c[2] += len(gold - pred)
        both = len(gold_a & gold_b)
        f = 2 * both / (len(gold_a) + len(gold_b)) if gold_a or gold_b else 1.0
        per_story.append(f"{name} {f:.2f} ({len(gold_a)}/{len(gold_b)} pairs)")
    print(f"# bench/align_agreement.py {args.second} against {' '.join(map(str, args.against))} — {corpus.machine()}")
    print(f"# {len(names)} stories labelled twice (whether blind: tests/data/README.md); sentence pairs of one group, "
          "as bench/align_quality.py counts them")
    for row, c in rows.items():
        p, r, f = aq.prf(aq.np.array(c))
        print(f"  {row:<34} P {p:.3f} R {r:.3f} F1 {f:.3f}")
    print("  per story, labeller 2 vs labeller 1: " + ", ".join(per_story))


if __name__ == "__main__":
    main()
