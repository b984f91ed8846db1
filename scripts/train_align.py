"""Train the alignment's pair scorer (newsfuse/align.py, `BriefConfig.align_scorer = "learned"`):
logistic regression over `align.PAIR_FEATURES` of the candidate pairs of sentences of different
articles, on the hand labels of every tuning set (`align_quality.TUNING_SETS`: tests/data/align.jsonl's
two halves, align_set_g.jsonl, align_set_h.jsonl; 27 stories), with the recipe
`align_quality.SHIPPED_RECIPE` (which features, C, forward selection or not; chosen among a few by
`bench/align_quality.py --cv --learned`), join threshold chosen on the same labels
(`align_quality.fit_pair_model`). The labels are placed on today's sentences by the benches' one
resolver (`align_quality.label_sentences`, through `tuning_stories`): what the model learns is what
bench/align_quality.py scores. Deterministic: the same labels give the same file.

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
    stories, _ = align_quality.tuning_stories()
    files = ", ".join(path.name for _, path in align_quality.TUNING_SETS)
    recipe = align_quality.SHIPPED_RECIPE
    name = f"{files}: all {len(stories)} stories; recipe {recipe!r}"
    model, chosen = align_quality.fit_pair_model(stories, name, align_quality.RECIPES[recipe])
    args.out.write_text(json.dumps(model.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    pairs = sum(len(align_quality.story_pairs(s)[3]) for s in stories)
    print(f"trained on {name}: {pairs} candidate pairs; features {', '.join(chosen)}; threshold "
          f"{model.threshold:.2f} -> {args.out}")


if __name__ == "__main__":
    main()
