"""Entity and date quality against the hand labels in tests/data/entities.jsonl (the two seeds and
10 clusters of the shared corpus; see tests/data/README.md for how they were made).

Entities are scored once per story: a found entity is right when its type matches and one of its
spellings is one of the labelled spellings (tone marks and case folded). Printed per type for
newsfuse and, in the same run, for underthesea's NER alone (its B-/I- spans, merged per story by
spelling: the raw library without newsfuse's rules and resolution). Dates: an expression is right
when it overlaps a labelled one and resolves to the same value.

    python bench/entity_quality.py
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402

from newsfuse.entities import find_entities  # noqa: E402
from newsfuse.ingest import article_from_json, build_article  # noqa: E402
from newsfuse.text import fold  # noqa: E402
from newsfuse.timeline import resolve  # noqa: E402

LABELS = corpus.ROOT / "tests" / "data" / "entities.jsonl"
# Date labels of entities.jsonl corrected against its own written definition (see tests/data/README.md).
ERRATA = corpus.ROOT / "tests" / "data" / "entities_errata.jsonl"
HELD_OUT = corpus.ROOT / "tests" / "data" / "entities_heldout.jsonl"
HELD_OUT_2 = corpus.ROOT / "tests" / "data" / "entities_heldout2.jsonl"
HELD_OUT_3 = corpus.ROOT / "tests" / "data" / "entities_heldout3.jsonl"
HELD_OUT_4 = corpus.ROOT / "tests" / "data" / "entities_heldout4.jsonl"
HELD_OUT_5 = corpus.ROOT / "tests" / "data" / "entities_heldout5.jsonl"
HELD_OUT_6 = corpus.ROOT / "tests" / "data" / "entities_heldout6.jsonl"
HELD_OUT_7 = corpus.ROOT / "tests" / "data" / "entities_heldout7.jsonl"
HELD_OUT_8 = corpus.ROOT / "tests" / "data" / "entities_heldout8.jsonl"
# Read after their first score (README.md's table records it), all but the last.
HELD_OUT_SETS = [HELD_OUT, HELD_OUT_2, HELD_OUT_3, HELD_OUT_4, HELD_OUT_5, HELD_OUT_6, HELD_OUT_7]
# Scored, never read: what the rules do on text nobody tuned them to.
UNREAD = HELD_OUT_8
TYPES = ("PER", "ORG", "LOC")


def load_stories(labels: Path = LABELS, errata: Path | None = None) -> list[tuple[dict, list]]:
    rows = {r["id"]: r for r in corpus.rows()}
    fixes = [json.loads(line) for line in errata.open(encoding="utf-8")] if errata else []
    by_cluster = defaultdict(list)
    for r in rows.values():
        by_cluster[r["cluster_id"]].append(r)
    out = []
    for line in labels.open(encoding="utf-8"):
        label = json.loads(line)
        if label["story"] == "seeds":
            arts = [build_article((corpus.SEEDS / f"{name}.txt").read_text(encoding="utf-8"), origin=name, id=name)
                    for name in label["articles"]]
            dates = [a.published for a in arts if a.published]
            arts = [a if a.published else _with_date(a, min(dates)) for a in arts]
        else:
            arts = [article_from_json(r, r["id"]) for r in by_cluster[label["story"]]]
        for fix in fixes:
            if fix["story"] == label["story"]:
                gone = [{"article": fix["article"], **d} for d in fix["remove"]]
                missing = [g for g in gone if g not in label["dates"]]
                if missing:
                    raise ValueError(f"{errata}: {fix['story']} has no label {missing[0]}")
                label["dates"] = ([g for g in label["dates"] if g not in gone]
                                  + [{"article": fix["article"], **d} for d in fix["add"]])
        out.append((label, arts))
    return out


def _with_date(article, date):
    from dataclasses import replace

    return replace(article, published=date)


def underthesea_entities(articles) -> list[tuple[str, list[str]]]:
    from underthesea import ner

    found: dict[tuple[str, str], str] = {}
    for a in articles:
        for s in a.sentences:
            span, kind = [], None
            for word, _, _, tag in ner(s.text) + [("", "", "", "O")]:
                if tag.startswith("B-") or tag == "O" or (tag.startswith("I-") and tag[2:] != kind):
                    if span and kind in TYPES:
                        name = " ".join(span)
                        found.setdefault((kind, fold(name)), name)
                    span, kind = ([word], tag[2:]) if tag != "O" else ([], None)
                else:
                    span.append(word)
    return [(kind, [name]) for (kind, _), name in found.items()]


def newsfuse_entities(articles) -> list[tuple[str, list[str]]]:
    return [(e.type, e.aliases) for e in find_entities(articles)]


def score_entities(system, gold) -> dict[str, list[int]]:
    """per type: [true positives among system, system count, gold found, gold count]"""
    counts = {t: [0, 0, 0, 0] for t in TYPES}
    gold_keys = [(g["type"], {fold(n) for n in [g["name"], *g["aliases"]]}) for g in gold]
    hit = [False] * len(gold)
    for kind, names in system:
        if kind not in counts:
            continue
        keys = {fold(n) for n in names}
        counts[kind][1] += 1
        match = [k for k, (gk, gn) in enumerate(gold_keys) if gk == kind and keys & gn]
        if match:
            counts[kind][0] += 1
            for k in match:
                hit[k] = True
    for (kind, _), h in zip(gold_keys, hit):
        counts[kind][3] += 1
        counts[kind][2] += h
    return counts


def score_dates(label, articles) -> list[int]:
    by_id = {a.id: a for a in articles}
    gold = label["dates"]
    system = []
    for a in articles:
        system += [(a.id, t) for t in resolve(a.text, a.published) if t.value]
    right_system = sum(any(g["article"] == aid and (g["text"] in t.text or t.text in g["text"]) and
                           g["value"] == t.value for g in gold) for aid, t in system)
    found_gold = sum(any(aid == g["article"] and (g["text"] in t.text or t.text in g["text"]) and
                         g["value"] == t.value for aid, t in system) for g in gold)
    del by_id
    return [right_system, len(system), found_gold, len(gold)]


def prf(tp_sys, n_sys, tp_gold, n_gold) -> tuple[float, float, float]:
    p = tp_sys / n_sys if n_sys else 0.0
    r = tp_gold / n_gold if n_gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def report(title: str, stories, first_written=None) -> None:
    totals = {"newsfuse": {t: [0, 0, 0, 0] for t in TYPES}, "underthesea ner (raw)": {t: [0, 0, 0, 0] for t in TYPES}}
    dates = [0, 0, 0, 0]
    for label, arts in stories:
        for name, fn in (("newsfuse", newsfuse_entities), ("underthesea ner (raw)", underthesea_entities)):
            for kind, c in score_entities(fn(arts), label["entities"]).items():
                totals[name][kind] = [x + y for x, y in zip(totals[name][kind], c)]
        dates = [x + y for x, y in zip(dates, score_dates(label, arts))]
    print(f"## {title}: {len(stories)} stories, "
          f"{sum(len(l['entities']) for l, _ in stories)} labelled entities, {sum(len(l['dates']) for l, _ in stories)} dates")
    print(f"{'system':<24} {'type':<5} {'P':>6} {'R':>6} {'F1':>6}")
    for name, per_type in totals.items():
        for kind, c in per_type.items():
            p, r, f = prf(*c)
            print(f"{name:<24} {kind:<5} {p:>6.3f} {r:>6.3f} {f:>6.3f}")
    p, r, f = prf(*dates)
    print(f"{'newsfuse dates':<24} {'DATE':<5} {p:>6.3f} {r:>6.3f} {f:>6.3f}")
    if first_written:
        before = [0, 0, 0, 0]
        for label, arts in first_written:
            before = [x + y for x, y in zip(before, score_dates(label, arts))]
        p, r, f = prf(*before)
        print(f"{'  (labels as first written)':<24} {'DATE':<5} {p:>6.3f} {r:>6.3f} {f:>6.3f}")


def main() -> None:
    print(f"# bench/entity_quality.py — {corpus.machine()}")
    dev = load_stories(errata=ERRATA)
    report("development labels (tests/data/entities.jsonl with entities_errata.jsonl; rules were written reading "
           "these)", dev, first_written=load_stories())
    everything = list(dev)
    for n, path in enumerate(HELD_OUT_SETS, 1):
        stories = load_stories(path)
        report(f"held-out set {n} (tests/data/{path.name}; read after its first score, which "
               "the README's table records)", stories)
        everything += stories
    unread = load_stories(UNREAD)
    report(f"held-out set {len(HELD_OUT_SETS) + 1} (tests/data/{UNREAD.name}; never read to change a rule)", unread)
    report("all labels (the issue's targets, held to every labelled story)", everything + unread)

if __name__ == "__main__":
    main()
