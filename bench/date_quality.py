"""Date expressions against the labels of every entity set: precision, recall and F1 per set and
pooled by how the set was used (tuned on for dates, not tuned, first contact), for this checkout
and, in the same run, for the date rules of an earlier revision (`--previous REV`, default the
parent commit), so a change of the rules shows beside what it replaced.

    python bench/date_quality.py [--previous REV]

A date is right when it overlaps a labelled one of the same article and has the same value (as
`bench/entity_quality.py` scores it). The earlier revision runs in a subprocess from a temporary
`git worktree` of REV (its `src` first on the path) with this same script and labels.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def scores() -> dict[str, list[int]]:
    """Per set: [right system dates, system dates, found labels, labels]."""
    import entity_labels
    from entity_quality import ERRATA, load_stories, score_dates

    out = {}
    for name, file, how, _ in [*entity_labels.SETS, *entity_labels.FIRST_CONTACTS]:
        if not (entity_labels.DATA / file).exists():
            continue
        fields = ("title", "lead", "text") if how == "spans" else ("text",)
        total = [0] * 4
        for label, arts in load_stories(entity_labels.DATA / file, ERRATA if name == "dev" else None):
            total = [x + y for x, y in zip(total, score_dates(label, arts, fields))]
        out[name] = total
    return out


def prf(c: list[int]) -> str:
    p = c[0] / c[1] if c[1] else 0.0
    r = c[2] / c[3] if c[3] else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return f"{p:.3f} {r:.3f} {f:.3f}"


def previous_scores(rev: str) -> dict[str, list[int]]:
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "previous"
        made = subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(tree), rev],
                              capture_output=True, text=True)
        if made.returncode:
            raise SystemExit(f"bench/date_quality.py: --previous {rev}: {made.stderr.strip().splitlines()[-1]}")
        try:
            # The earlier rules (its src first on the path), scored by this script and these labels.
            env = {"PYTHONPATH": str(tree / "src"), "PATH": "/usr/bin:/bin"}
            done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--json"],
                                  capture_output=True, text=True, env=env, cwd=tmp)
            if done.returncode:  # e.g. a revision older than the labels' loaders
                last = (done.stderr.strip().splitlines() or ["no output"])[-1]
                raise SystemExit(f"bench/date_quality.py: the rules of {rev} could not be scored: {last}")
            return json.loads(done.stdout)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--previous", metavar="REV", default="HEAD~1", help="the revision to score beside this one (default: the parent commit)")
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # the subprocess's answer
    args = ap.parse_args()
    now = scores()
    if args.json:
        print(json.dumps(now))
        return
    import entity_labels

    before = previous_scores(args.previous)
    first = {name for name, _, _, _ in entity_labels.FIRST_CONTACTS}
    tuned = {name for name, _, _, t in entity_labels.SETS if t} | set(entity_labels.DATES_TUNED)

    def group(name: str) -> str:
        return "first contact" if name in first else "tuned for dates" if name in tuned else "not tuned"

    print(f"# bench/date_quality.py — {corpus.machine()}; dates P R F1 per set, rules of {args.previous} "
          "(baseline) and of this checkout")
    print(f"{'set':<12} {'used':<16} {'labels':>6}  {args.previous + ' P     R     F1':<24} now P     R     F1")
    pooled: dict[str, tuple[list[int], list[int]]] = {}
    for name, c in now.items():
        b = before.get(name, [0] * 4)
        g = group(name)
        print(f"{name:<12} {g:<16} {c[3]:>6}  {prf(b):<24} {prf(c)}")
        pb, pn = pooled.setdefault(g, ([0] * 4, [0] * 4))
        pooled[g] = ([x + y for x, y in zip(pb, b)], [x + y for x, y in zip(pn, c)])
    for g, (b, c) in pooled.items():
        print(f"{'pooled':<12} {g:<16} {c[3]:>6}  {prf(b):<24} {prf(c)}")


if __name__ == "__main__":
    main()
