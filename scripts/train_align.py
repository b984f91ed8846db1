"""Train the alignment's pair scorer (newsfuse/align.py, `BriefConfig.align_scorer = "learned"`):
logistic regression over `align.PAIR_FEATURES` of the candidate pairs of sentences of different
articles, on the hand labels of tests/data/align.jsonl (both labellers' halves), features chosen by
forward selection leaving one story out, join threshold chosen on the same labels
(`bench/align_quality.py` fit_pair_model, which also prints the figures of a model trained on
one half and scored on the other). Deterministic: the same labels give the same file.

    python scripts/train_align.py [--out PATH]

Needs ../shared (the articles' texts).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import align_quality  # noqa: E402

from newsfuse.align import PAIR_MODEL  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=PAIR_MODEL)
    args = ap.parse_args()
    stories = align_quality.load()
    name = f"{align_quality.LABELS.name}, all {len(stories)} stories (halves A and B)"
    model, chosen = align_quality.fit_pair_model(stories, name)
    args.out.write_text(json.dumps(model.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    pairs = sum(len(align_quality.story_pairs(s)[3]) for s in stories)
    print(f"trained on {name}: {pairs} candidate pairs; features {', '.join(chosen)}; threshold "
          f"{model.threshold:.2f} -> {args.out}")


if __name__ == "__main__":
    main()
