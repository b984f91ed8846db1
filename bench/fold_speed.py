"""How fast the matching key (`text.fold`) is computed, several ways, on the shared corpus (issue 19,
item 4: "each syllable is folded once per process by a bounded cache owned by the text layer, or a
faster library; measure which"; then the move of misplaced tone marks, `text.TonePlacement`):

- `vi-textmatch` as used before: its `normalize_tone` (two regular-expression passes), then lower
  case and quotes, behind an lru_cache of 512 whole texts;
- the same rules in one pass over the lower-cased text (`text.fold` before it moved misplaced
  marks, main c4c5f3e, copied here), no cache;
- `text.fold` now: `TonePlacement`'s one pass, which does those rules and moves misplaced marks;
- a bounded cache of folded syllables (each space-separated chunk folded once per process);
- the one pass behind a bounded cache of recent texts (`text.Folder`, what a language pack owns);
and, as the floor, `str.lower` alone. Each is run as ingest calls it (per article: the body three
times, title and lead once: content hash, copies, stories, store) and as the brief does (each
sentence once). Each way's key is checked: the library's, or (the ways of today's key) the
library's with every word's misplaced mark moved.

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

from newsfuse.text import _SECOND_VOWEL_TONE, Folder, _first_vowel_tone, fold, split, tone_placement  # noqa: E402

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


def fold_before(text: str) -> str:
    """`text.fold` of main c4c5f3e: vi-textmatch's rule in one pass, no move of misplaced marks."""
    text = _SECOND_VOWEL_TONE.sub(_first_vowel_tone, text.lower())
    for a, b in _QUOTES:
        if a in text:
            text = text.replace(a, b)
    return text


def key_now(text: str) -> str:
    """The key `text.fold` must give: the library's, each word with its misplaced mark moved."""
    return re.sub(r"[^\W\d_]+", lambda m: tone_placement().word(m.group(0)), textmatch_fold(text))


ROUNDS = 5


def timed(make, calls: list[str]) -> float:
    fn = make()  # a fresh cache each round: no way reads what an earlier round left
    t = time.perf_counter()
    for c in calls:
        fn(c)
    return time.perf_counter() - t


def main() -> None:
    rows = corpus.rows()
    ingest_calls = [x for r in rows for x in (r["text"], r["text"], r["text"], r["title"], r.get("lead") or "")]
    brief_calls = [r["text"][a:b] for r in rows for a, b in split(r["text"]).sentences]
    ways = {
        "vi-textmatch + lru_cache(512) of texts (before)": lambda: lru_cache(maxsize=512)(textmatch_fold),
        "one pass, no cache (text.fold of c4c5f3e, before)": lambda: fold_before,
        "one pass + misplaced marks moved (text.fold now)": lambda: fold,
        "bounded cache of syllables": SyllableCache,
        "one pass + bounded cache of 4096 texts (a pack's Folder)": Folder,
        "str.lower alone (floor, not a key)": lambda: str.lower,
    }
    for name in ways:
        if "floor" not in name:
            f = ways[name]()
            key = textmatch_fold if "before" in name else key_now
            assert all(f(x) == key(x) for x in brief_calls[:5000] + ingest_calls[:2000]), name
    print(f"# bench/fold_speed.py — {corpus.machine()}")
    print(f"# {len(rows)} articles: ingest folds {len(ingest_calls)} texts ({sum(map(len, ingest_calls)) / 1e6:.1f} MB), "
          f"a brief of every cluster {len(brief_calls)} sentences; best of {ROUNDS} rounds taken in turn, each way started fresh")
    print(f"{'way':<52} {'ingest µs/article':>18} {'brief µs/sentence':>18}")
    # The rounds go round the ways (way 1, way 2, ..., way 1, ...), so a change of the machine's
    # load during the run falls on every way alike; each way's best round is kept.
    best = {name: [float("inf"), float("inf")] for name in ways}
    for _ in range(ROUNDS):
        for name, make in ways.items():
            best[name][0] = min(best[name][0], timed(make, ingest_calls))
            best[name][1] = min(best[name][1], timed(make, brief_calls))
    for name, (ingest, brief) in best.items():
        print(f"{name:<52} {ingest / len(rows) * 1e6:>18.1f} {brief / len(brief_calls) * 1e6:>18.2f}")


if __name__ == "__main__":
    main()
