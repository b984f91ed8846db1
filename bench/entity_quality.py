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
from newsfuse.tagger import EntityTagger, decide, spans_of  # noqa: E402
from newsfuse.timeline import resolve  # noqa: E402

import entity_labels  # noqa: E402

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


def newsfuse_entities(articles, tagger=True) -> list[tuple[str, list[str]]]:
    return [(e.type, e.aliases) for e in find_entities(articles, tagger=tagger)]


def rules_entities(articles) -> list[tuple[str, list[str]]]:
    return newsfuse_entities(articles, tagger=False)


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


def score_dates(label, articles, fields: tuple[str, ...] = ("text",)) -> list[int]:
    """`fields`: what of each article is read, as its labels cover it (the span-labelled sets label
    the dates of the title, the lead and the text; the story-level sets those of the text)."""
    by_id = {a.id: a for a in articles}
    gold = label["dates"]
    system = []
    for a in articles:
        for name in fields:
            system += [(a.id, t) for t in resolve(getattr(a, name) or "", a.published) if t.value]
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




# ---------------------------------------------------------------- issue 14: every set, every system

SYSTEMS = ("rules alone", "learned tagger", "learned tagger, cross-validated", "underthesea ner (raw)")


def _add(into: dict, counts: dict) -> None:
    for kind, c in counts.items():
        into[kind] = [x + y for x, y in zip(into.get(kind, [0] * len(c)), c)]


def _row(name: str, per_type: dict, dates: list[int] | None = None) -> str:
    cells = []
    for kind in TYPES:
        c = per_type.get(kind)
        cells.append("   —    —    —  " if not c else "{:.3f} {:.3f} {:.3f}".format(*prf(*c)))
    d = "{:.3f} {:.3f} {:.3f}".format(*prf(*dates)) if dates else ""
    return f"{name:<34} " + " | ".join(cells) + (f" | {d}" if d else "")


def _span_counts_of(sentences, predict, lx) -> dict:
    total: dict = {}
    for s in sentences:
        _add(total, entity_labels.span_counts(predict(s), spans_of(s.labels), s.words, lx))
    return total


def _rule_spans(s) -> list:
    return [(m.start, m.end, m.kind) for m in s.rules]


def LEXICON():
    from newsfuse import lang
    from newsfuse.entities import lexicon

    return lexicon(lang.get("vi"))


def _tagger_spans(tagger):
    def predict(s) -> list:
        keep, added = decide(s.rules, s.blocked, tagger.spans(LEXICON(), s.words, s.features))
        return [(m.start, m.end, m.kind) for m in s.rules if m.index in keep] + added
    return predict


def evaluate(argv: list[str] | None = None) -> None:
    import argparse
    import tempfile
    import time

    ap = argparse.ArgumentParser()
    ap.add_argument("--trainer", default="crf", choices=sorted(entity_labels.TRAINERS))
    ap.add_argument("--all-folds", action="store_true", help="cross-validate the tuned sets too (slower)")
    ap.add_argument("--first-contact", action="store_true",
                    help="also score the set labelled last (entity_labels.FIRST_CONTACT: tests/data/entities_set_h.jsonl): once, at the end")
    ap.add_argument("--only-first-contact", action="store_true",
                    help="score only the set labelled last, with the shipped model (its one first-contact score)")
    ap.add_argument("--no-underthesea", action="store_true")
    args = ap.parse_args(argv)
    from newsfuse import lang
    from newsfuse.entities import lexicon

    lx = lexicon(lang.get("vi"))
    started = time.perf_counter()
    print(f"# bench/entity_quality.py — {corpus.machine()}")
    print("# story level: an entity is right when its type matches and one of its spellings is labelled (folded);"
          " dates: overlap and the same value")
    print("# span level: each mention's words and type; a place matches with or without its cue word")
    sets = entity_labels.all_sets(include_first_contact=args.first_contact or args.only_first_contact)
    if args.only_first_contact:
        names = {name for name, _, _, _ in entity_labels.FIRST_CONTACTS}
        sets = [x for x in sets if x[0] in names]
    every = [*entity_labels.SETS, *entity_labels.FIRST_CONTACTS]
    files = {name: file for name, file, _, _ in every}
    first_contact = {name for name, _, _, _ in entity_labels.FIRST_CONTACTS}
    date_fields = {name: ("title", "lead", "text") if how == "spans" else ("text",)
                   for name, _, how, _ in every}
    sentences = {name: [entity_labels.story_sentences(st) for st in stories] for name, stories, _ in sets}
    articles = {name: load_stories(entity_labels.DATA / files[name], ERRATA if name == "dev" else None)
                for name, _, _ in sets}
    shipped = EntityTagger.of(lang.get("vi"))
    folds = [name for name, _, tuned in sets if name not in first_contact and (args.all_folds or not tuned)]
    fold_taggers = {}
    with tempfile.TemporaryDirectory() as tmp:
        for fold in folds:
            items = [(s.features, s.labels) for name, st in sentences.items() if name != fold and name not in first_contact
                     for story in st for s in story]
            fold_taggers[fold] = EntityTagger(entity_labels.train(items, Path(tmp) / f"{fold}.crfsuite", args.trainer))
        groups = ("tuned", "not tuned", "first contact")
        pooled: dict[str, dict[str, dict]] = {g: {} for g in groups}
        pooled_dates: dict[str, list[int]] = {g: [0] * 4 for g in groups}
        for name, stories, tuned in sets:
            group = "tuned" if tuned else "first contact" if name in first_contact else "not tuned"
            # Dates pool apart: sets whose date errors were read count as tuned for dates.
            date_group = "tuned" if tuned or name in entity_labels.DATES_TUNED else group
            entities_how = ("entities: rules written or model chosen reading it" if tuned
                            else "entities: no part of the system tuned on it")
            dates_how = ("dates: rules written reading it" if tuned or name in entity_labels.DATES_TUNED
                         else "dates: not tuned on it")
            print(f"\n## {name} (tests/data/{files[name]}; {len(stories)} stories; {entities_how}; {dates_how}; "
                  f"{'the shipped model never saw it: FIRST CONTACT' if name in first_contact else 'the shipped model is trained on it' if name in entity_labels.SHIPPED_MODEL_SETS else 'the shipped model never saw it (scored before)'})")
            print(f"{'story level':<34} " + " | ".join(f"{k} P     R     F1 " for k in TYPES) + " | DATE P   R     F1")
            dates = [0] * 4
            for label, arts in articles[name]:
                dates = [x + y for x, y in zip(dates, score_dates(label, arts, date_fields[name]))]
            pooled_dates[date_group] = [x + y for x, y in zip(pooled_dates[date_group], dates)]
            systems = [("rules alone", rules_entities), ("learned tagger", lambda a: newsfuse_entities(a, shipped))]
            if name in fold_taggers:
                systems.append(("learned tagger, cross-validated", lambda a, t=fold_taggers[name]: newsfuse_entities(a, t)))
            if not args.no_underthesea:
                systems.append(("underthesea ner (raw)", underthesea_entities))
            for system, fn in systems:
                per_type: dict = {}
                for label, arts in articles[name]:
                    _add(per_type, score_entities(fn(arts), label["entities"]))
                _add(pooled[group].setdefault(system, {}), per_type)
                print(_row(system, per_type, dates if system == "rules alone" else None))
            print(f"{'span level':<34}")
            flat = [s for story in sentences[name] for s in story]
            print(_row("rules alone", _span_counts_of(flat, _rule_spans, lx)))
            print(_row("learned tagger", _span_counts_of(flat, _tagger_spans(shipped), lx)))
            if name in fold_taggers:
                print(_row("learned tagger, cross-validated", _span_counts_of(flat, _tagger_spans(fold_taggers[name]), lx)))
    print("\n## pooled, story level (entities pooled by how they were tuned; DATE beside `rules alone`: dates pooled by how"
          " the date rules were tuned, sets a-c counted as tuned)")
    for group, per_system in pooled.items():
        for system, per_type in per_system.items():
            print(_row(f"{group}: {system}", per_type, pooled_dates[group] if system == "rules alone" else None))
    print(f"\n# {time.perf_counter() - started:.0f} s; trainer {args.trainer}; the learned tagger's rows on sets it was"
          " trained on are training-set figures: the cross-validated rows are the ones to trust")


if __name__ == "__main__":
    evaluate()
