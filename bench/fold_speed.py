"""How fast the matching key (`text.fold`) is computed, three ways, on the shared corpus (issue 19,
item 4: "each syllable is folded once per process by a bounded cache owned by the text layer, or a
faster library; measure which"):

- `vi-textmatch` as used before: its `normalize_tone` (two regular-expression passes), then lower
  case and quotes, behind an lru_cache of 512 whole texts;
- the same rules in one pass over the lower-cased text (`newsfuse.text.fold`), no cache;
- a bounded cache of folded syllables (each space-separated chunk folded once per process);
- the one pass behind a bounded cache of recent texts (`text.Folder`, what a language pack owns);
and, as the floor, `str.lower` alone. Each is run as ingest calls it (per article: the body three
times, title and lead once: content hash, copies, stories, store) and as the brief does (each
sentence once). All must give the same key (checked).

    python bench/fold_speed.py
"""

from __future__ import annotations

import re
import sys
import time
from functools import lru_cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402

from newsfuse.text import Folder, fold, split, tone_placement  # noqa: E402

_QUOTES = (("“", '"'), ("”", '"'), ("„", '"'), ("«", '"'), ("»", '"'), ("‘", "'"), ("’", "'"), ("`", "'"),
           ("–", "-"), ("—", "-"), ("‒", "-"), ("−", "-"))


def textmatch_fold(text: str) -> str:
    from vi_textmatch.tone import normalize_tone

    text = normalize_tone(text).lower()
    for a, b in _QUOTES:
        if a in text:
            text = text.replace(a, b)
    return text


class SyllableCache:
    """Each space-separated chunk folded once, up to `size` chunks (then the cache starts over)."""

    def __init__(self, size: int = 1 << 18) -> None:
        self.size, self.known = size, {}

    def __call__(self, text: str) -> str:
        known = self.known
        if len(known) > self.size:
            known.clear()
        out = []
        for chunk in text.split(" "):
            folded = known.get(chunk)
            if folded is None:
                folded = known[chunk] = fold(chunk)
            out.append(folded)
        return " ".join(out)


def fold_placing_tones(text: str) -> str:
    """`text.fold` with its tone pass done by `text.TonePlacement`, which also moves every
    misplaced tone mark (`vơí` -> `với`) in the same pass."""
    text = tone_placement()(text.lower())
    for a, b in _QUOTES:
        if a in text:
            text = text.replace(a, b)
    return text


def timed(make, calls: list[str], rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        fn = make()  # a fresh cache each round: no way reads what an earlier round left
        t = time.perf_counter()
        for c in calls:
            fn(c)
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    rows = corpus.rows()
    ingest_calls = [x for r in rows for x in (r["text"], r["text"], r["text"], r["title"], r.get("lead") or "")]
    brief_calls = [r["text"][a:b] for r in rows for a, b in split(r["text"]).sentences]
    ways = {
        "vi-textmatch + lru_cache(512) of texts (before)": lambda: lru_cache(maxsize=512)(textmatch_fold),
        "one pass, no cache (text.fold now)": lambda: fold,
        "one pass + misplaced marks moved, no cache": lambda: fold_placing_tones,
        "bounded cache of syllables": SyllableCache,
        "one pass + bounded cache of 4096 texts (a pack's Folder)": Folder,
        "str.lower alone (floor, not a key)": lambda: str.lower,
    }
    for name in ways:
        if "floor" not in name:
            f = ways[name]()
            key = (lambda x: tone_placement()(fold(x))) if "misplaced" in name else textmatch_fold
            assert all(f(x) == key(x) for x in brief_calls[:5000] + ingest_calls[:2000]), name
    print(f"# bench/fold_speed.py — {corpus.machine()}")
    print(f"# {len(rows)} articles: ingest folds {len(ingest_calls)} texts ({sum(map(len, ingest_calls)) / 1e6:.1f} MB), "
          f"a brief of every cluster {len(brief_calls)} sentences; best of 3 rounds, each way started fresh")
    print(f"{'way':<52} {'ingest µs/article':>18} {'brief µs/sentence':>18}")
    for name, make in ways.items():
        ingest = timed(make, ingest_calls) / len(rows) * 1e6
        brief = timed(make, brief_calls) / len(brief_calls) * 1e6
        print(f"{name:<52} {ingest:>18.1f} {brief:>18.2f}")


if __name__ == "__main__":
    main()
