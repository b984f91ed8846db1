"""The learned entity tagger cross-validated by story over every labelled set of `entity_labels.SETS`.

    python bench/entity_cv.py [--folds 3] [--seed 0] [--c1 0.05 --c2 0.01] [--out FILE]

The first-contact rows of bench/entity_quality.py score one set of ten stories once: one such score
moves by several points with the stories drawn. Here every labelled story (not the set being labelled
last) is held out once: stories are shuffled with `random.Random(seed)` and cut into `--folds` folds;
the CRF is trained, with the shipped recipe (or the `--c1/--c2` given), on the other folds' stories
and scores the held-out ones, story level (as bench/entity_quality.py: a type and one labelled
spelling) and span level. The rules alone score the same stories beside it. Pooled over folds and,
below, per set. The shipped model's own recipe was chosen on the development folds, so the rows are
cross-validated figures of the recipe, not of a fresh choice: no threshold or weight is picked here.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402
import entity_labels  # noqa: E402
import entity_quality as eq  # noqa: E402

from newsfuse.tagger import EntityTagger  # noqa: E402


def labelled_stories() -> list[tuple[str, entity_labels.LabelledStory, dict, list]]:
    """(set name, span-labelled story, story label, articles) for every story of SETS."""
    out = []
    for name, file, how, _ in entity_labels.SETS:
        spans = entity_labels.load(file, how)
        arts = eq.load_stories(entity_labels.DATA / file, eq.ERRATA if name == "dev" else None)
        for story, (label, articles) in zip(spans, arts, strict=True):
            if story.story != label["story"]:
                raise SystemExit(f"{file}: stories out of order ({story.story} vs {label['story']})")
            out.append((name, story, label, articles))
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--c1", type=float)
    ap.add_argument("--c2", type=float)
    ap.add_argument("--bars", type=str, default="",
                    help="comma-separated confidence bars to try for the model's spans (e.g. 0,0.5,0.7,0.9): each "
                         "type's bar is chosen per fold on the other folds' held-out scores (nested), and on all folds "
                         "for shipping")
    args = ap.parse_args(argv)
    corpus.require_shared()
    started = time.perf_counter()
    overrides = {k: v for k, v in (("c1", args.c1), ("c2", args.c2)) if v is not None}
    algorithm, params = entity_labels.TRAINERS["crf"]
    params = {**params, **overrides}
    stories = labelled_stories()
    order = list(range(len(stories)))
    random.Random(args.seed).shuffle(order)
    fold_of = {k: n % args.folds for n, k in enumerate(order)}
    sentences = [entity_labels.story_sentences(st) for _, st, _, _ in stories]
    lx = eq.LEXICON()
    print(f"# bench/entity_cv.py — {corpus.machine()}")
    print(f"# {len(stories)} stories of {len(entity_labels.SETS)} sets, {args.folds} folds by story "
          f"(random.Random({args.seed})); CRF {algorithm} {params}")
    story_level = {"rules alone": {}, "learned tagger, CV": {}}
    span_level = {"rules alone": {}, "learned tagger, CV": {}}
    per_set: dict[str, dict[str, dict]] = {}
    bars = [float(x) for x in args.bars.split(",") if x.strip()]
    by_bar: dict[int, dict[float, dict]] = {}  # fold -> bar -> type counts, story level
    with tempfile.TemporaryDirectory() as tmp:
        for fold in range(args.folds):
            items = [(s.features, s.labels) for k, ss in enumerate(sentences) if fold_of[k] != fold for s in ss]
            model = entity_labels.train(items, Path(tmp) / f"{fold}.crfsuite", "crf", overrides)
            tagger = EntityTagger(model)
            for bar in bars:
                barred = EntityTagger(model, {kind: bar for kind in eq.TYPES})
                counts: dict = {}
                for k, (_, _, label, articles) in enumerate(stories):
                    if fold_of[k] == fold:
                        eq._add(counts, eq.score_entities(eq.newsfuse_entities(articles, barred), label["entities"]))
                by_bar.setdefault(fold, {})[bar] = counts
            for k, (set_name, _, label, articles) in enumerate(stories):
                if fold_of[k] != fold:
                    continue
                for system, fn in (("rules alone", eq.rules_entities),
                                   ("learned tagger, CV", lambda a: eq.newsfuse_entities(a, tagger))):
                    counts = eq.score_entities(fn(articles), label["entities"])
                    eq._add(story_level[system], counts)
                    eq._add(per_set.setdefault(set_name, {}).setdefault(system, {}), counts)
                eq._add(span_level["rules alone"], eq._span_counts_of(sentences[k], eq._rule_spans, lx))
                eq._add(span_level["learned tagger, CV"], eq._span_counts_of(sentences[k], eq._tagger_spans(tagger), lx))
            print(f"# fold {fold + 1}/{args.folds} done, {time.perf_counter() - started:.0f} s", flush=True)
    head = f"{'':<34} " + " | ".join(f"{k} P     R     F1 " for k in eq.TYPES)
    print("\n## all stories, story level\n" + head)
    for system, counts in story_level.items():
        print(eq._row(system, counts))
    print("\n## all stories, span level\n" + head)
    for system, counts in span_level.items():
        print(eq._row(system, counts))
    print("\n## per set, story level (tuned sets: rules were written reading them)\n" + head)
    for set_name, systems in per_set.items():
        for system, counts in systems.items():
            print(eq._row(f"{set_name}: {system}", counts))
    if bars:
        report_bars(by_bar, bars, args.folds)
    print(f"\n# {time.perf_counter() - started:.0f} s")


def _f1(c: list[int]) -> float:
    return eq.prf(*c)[2] if c else 0.0


def _best(by_bar: dict, bars: list[float], folds, kind: str) -> float:
    pooled = {bar: [sum(x) for x in zip(*(by_bar[f][bar].get(kind, [0] * 4) for f in folds))] for bar in bars}
    return max(bars, key=lambda bar: (_f1(pooled[bar]), -bar))


def report_bars(by_bar: dict, bars: list[float], n: int) -> None:
    head = f"{'':<34} " + " | ".join(f"{k} P     R     F1 " for k in eq.TYPES)
    print("\n## confidence bars for the model's spans, story level, pooled over folds\n" + head)
    for bar in bars:
        pooled: dict = {}
        for f in range(n):
            eq._add(pooled, by_bar[f][bar])
        print(eq._row(f"bar {bar:.2f}", pooled))
    nested: dict = {}
    chosen = []
    for f in range(n):
        others = [g for g in range(n) if g != f]
        pick = {kind: _best(by_bar, bars, others, kind) for kind in eq.TYPES}
        chosen.append(pick)
        for kind in eq.TYPES:
            eq._add(nested, {kind: by_bar[f][pick[kind]].get(kind, [0] * 4)})
    print(eq._row("bars chosen on the other folds", nested))
    print("# per fold: " + "; ".join(" ".join(f"{k} {v:.2f}" for k, v in pick.items()) for pick in chosen))
    ship = {kind: _best(by_bar, bars, range(n), kind) for kind in eq.TYPES}
    print("# chosen on all folds (to ship): " + json.dumps({"min_confidence": ship}))


if __name__ == "__main__":
    main()
