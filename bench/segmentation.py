"""Which Vietnamese word segmenter newsfuse uses: pyvi vs underthesea, measured on the seeds and the
shared corpus (speed, and whether officials' names and dates stay whole).

    python bench/segmentation.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402

NAMES = ["Lương Tam Quang", "Thạch Hảo Dũng", "Hứa Cam Lộ", "Vương Chấn Giang", "Phạm Minh Chính"]
DATES = ["26/6", "25-27/6", "2/2021"]


def main() -> None:
    from pyvi import ViTokenizer
    from underthesea import word_tokenize

    seeds = " ".join(p.read_text(encoding="utf-8") for p in sorted(corpus.SEEDS.glob("*.txt")))
    texts = [r["text"] for r in corpus.rows()[:150]]
    n_syllables = sum(len(t.split()) for t in texts)
    segmenters = {
        "underthesea": lambda t: word_tokenize(t),
        "pyvi": lambda t: [w.replace("_", " ") for w in ViTokenizer.tokenize(t).split()],
        "str.split (baseline)": lambda t: t.split(),
    }
    print(f"# bench/segmentation.py — {corpus.machine()}; {n_syllables} syllables of the shared corpus")
    print(f"{'segmenter':<22} {'syllables/s':>12} {'names kept whole':>17} {'dates kept whole':>17}")
    for name, seg in segmenters.items():
        t = time.perf_counter()
        for text in texts:
            seg(text)
        rate = n_syllables / (time.perf_counter() - t)
        words = set(seg(seeds))
        names = sum(n in words for n in NAMES)
        dates = sum(d in words for d in DATES)
        print(f"{name:<22} {rate:>12.0f} {names:>13}/{len(NAMES)} {dates:>13}/{len(DATES)}")


if __name__ == "__main__":
    main()
