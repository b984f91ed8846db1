"""Train the learned entity tagger that ships in the Vietnamese pack (newsfuse/tagger.py).

    python scripts/train_tagger.py [--trainer crf|perceptron] [--out PATH]

Trained on every labelled set of tests/data but the one labelled last for a first-contact score
(`bench/entity_labels.py` names them: the development set and held-out sets 1-8 projected onto
spans, sets a, b and c as labelled). The stories are read in file order and CRFsuite's trainers have
no random start, so the same labels give the same model. Needs ../shared (the articles' texts).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import entity_labels  # noqa: E402

MODEL = ROOT / "src" / "newsfuse" / "lang" / "vi" / "entity_tagger.crfsuite"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trainer", default="crf", choices=sorted(entity_labels.TRAINERS))
    ap.add_argument("--out", type=Path, default=MODEL)
    args = ap.parse_args()
    entity_labels.corpus.require_shared()
    t = time.perf_counter()
    items, names = [], []
    for name, stories, _ in entity_labels.all_sets():
        for story in stories:
            items += entity_labels.story_items(story)
        names.append(f"{name} ({len(stories)} stories)")
    entity_labels.train(items, args.out, args.trainer)
    print(f"trained on {', '.join(names)}: {len(items)} sentences, "
          f"{sum(len(f) for f, _ in items)} words, {time.perf_counter() - t:.0f} s -> {args.out} "
          f"({args.out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
