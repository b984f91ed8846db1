"""Story consistency as attributes of a second-stage CRF (issue 14; measured, not shipped).

A name is written many times in a story and a one-sentence reading types each occurrence alone:
`Vinamilk` an organisation in one sentence, a person in the next. After Krishnan & Manning (2006), a
second CRF reads, beside the first one's attributes, how a first-stage CRF tagged the same word and
the same run of capitalised words elsewhere in the story. `bench/entity_cv.py --two-stage` trains and
scores it (its training stories' first-stage labels cross-fitted). It gave organisations nothing
beyond noise (docs/decisions.md, 2026-12-07, the two-stage entry), so it lives here, beside the
bench, and the package's tagger reads one stage.
"""

from __future__ import annotations

from collections.abc import Sequence

from newsfuse.tagger import TYPES



def _share_bin(part: int, whole: int) -> str:
    """A share as the model reads it: a few coarse levels (it learns their weights, not a slope)."""
    if part == 0:
        return "0"
    return "all" if part == whole else "hi" if 2 * part >= whole else "lo"


def _count_bin(n: int) -> str:
    return "1" if n == 1 else "2" if n <= 3 else "4"


def _runs(words: Sequence[str]) -> list[tuple[int, int]]:
    """The maximal runs of capitalised words of a sentence, [start, end)."""
    out, start = [], -1
    for i, w in enumerate([*words, ""]):
        if w[:1].isupper():
            if start < 0:
                start = i
        elif start >= 0:
            out.append((start, i))
            start = -1
    return out


def _occurrence(labels: Sequence[str], s: int, e: int) -> tuple[str, bool, bool]:
    """How the first stage read words [s, e): the type of its first word's label (O for none),
    whether a span begins there, whether that span is longer than the words."""
    tag = labels[s]
    if tag == "O":
        return "O", False, False
    kind = tag[2:]
    k = e
    while k < len(labels) and labels[k] == "I-" + kind:
        k += 1
    j = s
    while j > 0 and tag.startswith("I-") and labels[j - 1][2:] == kind and labels[j].startswith("I-"):
        j -= 1
    return kind, tag.startswith("B-"), k > e or j < s


def story_attributes(sentences: Sequence[tuple[Sequence[str], Sequence[str]]],
                     labels: Sequence[Sequence[str]]) -> list[list[list[str]]]:
    """For each word of each sentence of a story ((words, folded) and the first stage's B-/I-
    labels of each), attributes of how the first stage read the same folded word and the same run
    of capitalised words at their other occurrences in the story (this occurrence left out, so a
    name written once gets none): the majority type (O counts), each type's share, whether a span
    begins there, whether it sits inside a longer span, and how many occurrences there are."""
    words_of: dict[str, list] = {}
    runs_of: dict[tuple[str, ...], list] = {}
    seen = []  # per sentence: [(word key, its occurrence)], [(run bounds, run key, its occurrence)]
    for (words, folded), tags in zip(sentences, labels):
        own = []
        for i, f in enumerate(folded):
            if any(c.isalpha() for c in f):
                occ = _occurrence(tags, i, i + 1)
                words_of.setdefault(f, []).append(occ)
                own.append((i, f, occ))
        runs = []
        for s, e in _runs(words):
            key = tuple(folded[s:e])
            occ = _occurrence(tags, s, e)
            runs_of.setdefault(key, []).append(occ)
            runs.append((s, e, key, occ))
        seen.append((own, runs))
    out = []
    for (words, _), (own, runs) in zip(sentences, seen):
        feats: list[list[str]] = [[] for _ in words]
        for i, f, occ in own:
            feats[i] += _consistency("dw", words_of[f], occ)
        for s, e, key, occ in runs:
            got = _consistency("dr", runs_of[key], occ)
            for k in range(s, e):
                where = "b" if k == s else "i"
                feats[k] += got + [f"{x}|{where}" for x in got[:1]]
        out.append(feats)
    return out


def _consistency(prefix: str, occurrences: list, own: tuple[str, bool, bool]) -> list[str]:
    others = list(occurrences)
    others.remove(own)  # (an equal tuple: which of the equal ones goes does not matter)
    n = len(others)
    if not n:
        return [f"{prefix}=none"]
    counts = {k: 0 for k in ("O", *TYPES)}
    begins = inside = 0
    for kind, b, longer in others:
        counts[kind] += 1
        begins += b
        inside += longer
    most = max(counts.values())
    tops = [k for k, v in counts.items() if v == most]
    top = tops[0] if len(tops) == 1 else "mix"  # (a tie: no majority)
    out = [f"{prefix}={top}", f"{prefix}n={_count_bin(n)}"]
    out += [f"{prefix}{k}={_share_bin(counts[k], n)}" for k in TYPES if counts[k]]
    if begins:
        out.append(f"{prefix}B={_share_bin(begins, n)}")
    if inside:
        out.append(f"{prefix}L={_share_bin(inside, n)}")
    return out
