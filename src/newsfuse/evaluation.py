"""Scores used by the benchmarks and the tests: B-cubed for stories, ROUGE for summaries.

ROUGE is computed here on syllables (every run of letters or digits, lower-cased, NFC) because
rouge-score's default tokenizer drops every Vietnamese letter outside ASCII.
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from .text import SCORER_TOKEN


def bcubed(predicted: Mapping[str, str], gold: Mapping[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall, F1 of a clustering (item -> cluster) against gold labels."""
    by_pred: dict[str, set[str]] = defaultdict(set)
    by_gold: dict[str, set[str]] = defaultdict(set)
    for item, c in predicted.items():
        by_pred[c].add(item)
        by_gold[gold[item]].add(item)
    p = r = 0.0
    for item in predicted:
        mine, truth = by_pred[predicted[item]], by_gold[gold[item]]
        both = len(mine & truth)
        p += both / len(mine)
        r += both / len(truth)
    n = len(predicted) or 1
    p, r = p / n, r / n
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def syllables(text: str) -> list[str]:
    """The scorer's tokens: every run of letters or digits (`19/5` is two), lower-cased, NFC."""
    return SCORER_TOKEN.findall(unicodedata.normalize("NFC", text).lower())


def _f1(overlap: float, n_cand: int, n_ref: int) -> float:
    if not overlap or not n_cand or not n_ref:
        return 0.0
    p, r = overlap / n_cand, overlap / n_ref
    return 2 * p * r / (p + r)


def rouge_n(candidate: Sequence[str], reference: Sequence[str], n: int) -> float:
    c = Counter(tuple(candidate[i:i + n]) for i in range(len(candidate) - n + 1))
    r = Counter(tuple(reference[i:i + n]) for i in range(len(reference) - n + 1))
    return _f1(sum((c & r).values()), sum(c.values()), sum(r.values()))


def rouge_l(candidate: Sequence[str], reference: Sequence[str]) -> float:
    if not candidate or not reference:
        return 0.0
    prev = [0] * (len(reference) + 1)
    for a in candidate:
        cur = [0]
        for j, b in enumerate(reference):
            cur.append(prev[j] + 1 if a == b else max(prev[j + 1], cur[j]))
        prev = cur
    return _f1(prev[-1], len(candidate), len(reference))


def rouge(candidate: str, references: Sequence[str]) -> dict[str, float]:
    """ROUGE-1/2/L F1 averaged over the references."""
    cand = syllables(candidate)
    refs = [syllables(r) for r in references]
    k = len(refs) or 1
    return {
        "rouge1": sum(rouge_n(cand, r, 1) for r in refs) / k,
        "rouge2": sum(rouge_n(cand, r, 2) for r in refs) / k,
        "rougeL": sum(rouge_l(cand, r) for r in refs) / k,
    }
