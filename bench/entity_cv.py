"""The learned entity tagger cross-validated by story over every labelled set of `entity_labels.SETS`.

    python bench/entity_cv.py [--folds 3] [--seed 0] [--c1 0.05 --c2 0.01] [--clusters] [--two-stage] [--out FILE]

The first-contact rows of bench/entity_quality.py score one set of ten stories once: one such score
moves by several points with the stories drawn. Here every labelled story (not the set being labelled
last) is held out once: stories are shuffled with `random.Random(seed)` and cut into `--folds` folds;
the CRF is trained, with the shipped recipe (or the `--c1/--c2` given), on the other folds' stories
and scores the held-out ones, story level (as bench/entity_quality.py: a type and one labelled
spelling) and span level. The rules alone score the same stories beside it. Pooled over folds and,
below, per set. The shipped model's own recipe was chosen on the development folds, so the rows are
cross-validated figures of the recipe, not of a fresh choice: no threshold or weight is picked here.

`--clusters` trains a second CRF per fold with the word-cluster attributes beside the same ones
(`tagger.WordClusters`), the clusters learnt by scripts/build_word_clusters.py from the shared
corpus's articles less those of the fold's held-out stories (no labels are read, and a held-out
story's words are as unseen by the clusters as by the model), and prints per fold and pooled the
story-level F1 of both and their difference, with a bootstrap over stories of the pooled gain.
`--clusters-from all` learns them from every article, the held-out stories' too (still no labels
read): what clusters of this corpus could give if they had seen the text they tag, which the shipped
file never has for new text.

`--two-stage` trains a second CRF per fold over the same attributes and the story's consistency
attributes (bench/entity_two_stage.py: how a first stage tagged the same word and the same run of
capitalised words elsewhere in the story, after Krishnan & Manning 2006). Its training stories'
first-stage labels are cross-fitted (`--inner` folds of the fold's training stories, each tagged by a
first stage trained on the others: a model's labels of its own training text are too good to learn
from); a held-out story's come from the fold's own model, the one the "learned tagger" row scores.
Printed beside it: per fold and pooled, the bootstrap over stories of the gain, and the CRF's CPU per
article of one stage and of both. `--stories N` keeps the first N stories after the shuffle (a smoke run).
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
from entity_two_stage import story_attributes  # noqa: E402

from newsfuse.tagger import EntityTagger, WordClusters  # noqa: E402

sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))


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
    ap.add_argument("--clusters", action="store_true",
                    help="also train each fold's CRF with word-cluster attributes learnt without its held-out stories")
    ap.add_argument("--clusters-from", choices=("others", "all"), default="others",
                    help="the text of the clusters: the articles of the other folds' stories and of unlabelled "
                         "stories (others), or every article, held-out stories' too (all)")
    ap.add_argument("--two-stage", action="store_true",
                    help="also train a second-stage CRF per fold over the story's consistency attributes "
                         "(bench/entity_two_stage.py) of a first stage; its training stories' first-stage labels "
                         "cross-fitted (--inner folds of the fold's training stories, each tagged by a first stage "
                         "trained on the others), the held-out stories' by the fold's own first stage")
    ap.add_argument("--inner", type=int, default=2, help="--two-stage: inner folds for the cross-fitting")
    ap.add_argument("--stage1", choices=("crf", "combined"), default="crf",
                    help="--two-stage: what the consistency attributes read of the first stage: the CRF's labels "
                         "(crf), or what the tagger says once the rules on top are combined with them (combined)")
    ap.add_argument("--stories", type=int, default=0, help="only the first N stories after the shuffle (a smoke run)")
    ap.add_argument("--without-rule", action="append", default=[], metavar="NAME",
                    help="take this rule out of entities.RUN_RULES for the run (the baseline of a new rule: run "
                         "the bench with and without it at the same time)")
    ap.add_argument("--without-features", action="append", default=[], metavar="GROUP",
                    help="train and tag without this attribute group of tagger.FEATURE_GROUPS (the baseline of a "
                         "new group: run the bench with and without it at the same time)")
    args = ap.parse_args(argv)
    from newsfuse.tagger import FEATURE_GROUPS

    for name in args.without_features:
        if name not in FEATURE_GROUPS:
            raise SystemExit(f"--without-features {name}: no such group in tagger.FEATURE_GROUPS {FEATURE_GROUPS}")
    groups = tuple(g for g in FEATURE_GROUPS if g not in args.without_features)
    corpus.require_shared()
    from newsfuse import entities

    for name in args.without_rule:
        rule = next((r for r in entities.RUN_RULES if r.__name__ == name), None)
        if rule is None:
            raise SystemExit(f"--without-rule {name}: no such rule in entities.RUN_RULES")
        entities.RUN_RULES.remove(rule)
    started = time.perf_counter()
    overrides = {k: v for k, v in (("c1", args.c1), ("c2", args.c2)) if v is not None}
    algorithm, params = entity_labels.TRAINERS["crf"]
    params = {**params, **overrides}
    stories = labelled_stories()
    order = list(range(len(stories)))
    random.Random(args.seed).shuffle(order)
    if args.stories:
        stories = [stories[k] for k in sorted(order[:args.stories])]
        order = list(range(len(stories)))
        random.Random(args.seed).shuffle(order)
    fold_of = {k: n % args.folds for n, k in enumerate(order)}
    sentences = [entity_labels.story_sentences(st, groups) for _, st, _, _ in stories]
    lx = eq.LEXICON()
    print(f"# bench/entity_cv.py — {corpus.machine()}")
    print(f"# {len(stories)} stories of {len(entity_labels.SETS)} sets, {args.folds} folds by story "
          f"(random.Random({args.seed})); CRF {algorithm} {params}"
          + (f"; word clusters from {args.clusters_from}" if args.clusters else "")
          + (f"; two stages (the first stage's {args.stage1} labels), first-stage labels of the training stories "
             f"cross-fitted over {args.inner} inner folds"
             if args.two_stage else "")
          + (f"; without the rules {', '.join(args.without_rule)}" if args.without_rule else "")
          + f"; attribute groups {list(groups)}")
    systems = ["rules alone", "learned tagger, CV"] + (["tagger + word clusters, CV"] if args.clusters else []) \
        + ([TWO] if args.two_stage else [])
    cost = {"first stage": 0.0, "two stages": 0.0, "articles": 0, "read": 0, "not labelled": 0}  # CPU seconds of tagging held-out sentences
    story_level: dict[str, dict] = {k: {} for k in systems}
    span_level: dict[str, dict] = {k: {} for k in systems}
    by_story: dict[str, dict[int, dict]] = {k: {} for k in systems}  # story-level counts per story
    per_set: dict[str, dict[str, dict]] = {}
    bars = [float(x) for x in args.bars.split(",") if x.strip()]
    by_bar: dict[int, dict[float, dict]] = {}  # fold -> bar -> type counts, story level
    learnt: dict[tuple, WordClusters] = {}  # the stories left out -> the clusters of the other articles
    with tempfile.TemporaryDirectory() as tmp:
        for fold in range(args.folds):
            items = [(s.features, s.labels) for k, ss in enumerate(sentences) if fold_of[k] != fold for s in ss]
            model = entity_labels.train(items, Path(tmp) / f"{fold}.crfsuite", "crf", overrides)
            tagger = EntityTagger(model, features=groups)
            taggers = [("learned tagger, CV", tagger, sentences)]
            if args.clusters:
                import build_word_clusters as wc

                held = [stories[k][1].story for k in range(len(stories)) if fold_of[k] == fold]
                if args.clusters_from == "all":
                    held = []
                if tuple(held) not in learnt:  # (from every article: the same clusters for each fold)
                    learnt[tuple(held)] = WordClusters(wc.learn(wc.sentences(wc.corpus_texts(held))))
                clusters = learnt[tuple(held)]
                with_clusters = [[_with_clusters(s, clusters, lx) for s in ss] for ss in sentences]
                items = [(s.features, s.labels) for k, ss in enumerate(with_clusters) if fold_of[k] != fold for s in ss]
                model_c = entity_labels.train(items, Path(tmp) / f"{fold}c.crfsuite", "crf", overrides)
                taggers.append(("tagger + word clusters, CV", EntityTagger(model_c, clusters=clusters, features=groups), with_clusters))
                print(f"# fold {fold + 1}: {len(clusters.paths)} words clustered "
                      + (f"without its {len(held)} stories" if held else "from every article"), flush=True)
            if args.two_stage:
                taggers.append((TWO, *_two_stage(args, fold, fold_of, order, sentences, tagger, groups, tmp, overrides,
                                                 lx, cost, stories)))
            for bar in bars:
                barred = EntityTagger(model, {kind: bar for kind in eq.TYPES}, features=groups)
                counts: dict = {}
                for k, (_, _, label, articles) in enumerate(stories):
                    if fold_of[k] == fold:
                        eq._add(counts, eq.score_entities(eq.newsfuse_entities(articles, barred), label["entities"]))
                by_bar.setdefault(fold, {})[bar] = counts
            for k, (set_name, _, label, articles) in enumerate(stories):
                if fold_of[k] != fold:
                    continue
                runs = [("rules alone", eq.rules_entities, sentences, eq._rule_spans)]
                runs += [(name, lambda a, t=t: eq.newsfuse_entities(a, t if not isinstance(t, dict) else t[k]), ss,
                          eq._tagger_spans(t if not isinstance(t, dict) else t[k])) for name, t, ss in taggers]
                for system, fn, ss, spans in runs:
                    counts = eq.score_entities(fn(articles), label["entities"])
                    by_story[system][k] = counts
                    eq._add(story_level[system], counts)
                    eq._add(per_set.setdefault(set_name, {}).setdefault(system, {}), counts)
                    eq._add(span_level[system], eq._span_counts_of(ss[k], spans, lx))
            print(f"# fold {fold + 1}/{args.folds} done, {time.perf_counter() - started:.0f} s", flush=True)
    head = f"{'':<34} " + " | ".join(f"{k} P     R     F1 " for k in eq.TYPES)
    print("\n## all stories, story level\n" + head)
    for system, counts in story_level.items():
        print(eq._row(system, counts))
    print("\n## per fold, story level\n" + head)
    for fold in range(args.folds):
        for system in systems:
            counts: dict = {}
            for k, c in by_story[system].items():
                if fold_of[k] == fold:
                    eq._add(counts, c)
            print(eq._row(f"fold {fold + 1}: {system}", counts))
    print("\n## all stories, span level\n" + head)
    for system, counts in span_level.items():
        print(eq._row(system, counts))
    print("\n## per set, story level (tuned sets: rules were written reading them)\n" + head)
    for set_name, systems in per_set.items():
        for system, counts in systems.items():
            print(eq._row(f"{set_name}: {system}", counts))
    if bars:
        report_bars(by_bar, bars, args.folds)
    if args.clusters:
        report_gain(by_story, fold_of, args.folds, "learned tagger, CV", "tagger + word clusters, CV")
    if args.two_stage:
        report_gain(by_story, fold_of, args.folds, "learned tagger, CV", TWO)
        n = max(cost["articles"], 1)
        print(f"\n# CPU of the CRF over the held-out stories' sentences (time.process_time, features made beforehand): "
              f"first stage alone {1000 * cost['first stage'] / n:.2f} ms per article, both stages (first stage, "
              f"story attributes, second stage) {1000 * cost['two stages'] / n:.2f} ms per article, {n} articles; "
              f"of the {cost['read']} sentences the story pipeline read with the second stage, {cost['not labelled']} "
              f"were none of the labelled story's (read by the first stage and placed among them)")
    print(f"\n# {time.perf_counter() - started:.0f} s")


TWO = "two stages, CV"


class _SecondStage(EntityTagger):
    """The second-stage CRF as the story pipeline reads it: each sentence's attributes get the
    story's consistency attributes from the first stage's reading of the story (`attributes`, by
    the sentence's words); a sentence the labelled story does not hold is read by the first stage
    and placed among the story's (`story_attributes` of all of them, it last; by the CRF's own labels
    even with `--stage1 combined`: the rules' mentions of such a sentence are not at hand here)."""

    def __init__(self, model, first: EntityTagger, attributes: dict, sentences: list, labels: list, groups,
                 cost: dict) -> None:
        super().__init__(model, features=groups)
        self.first, self.attributes, self.sentences, self.stage1 = first, attributes, sentences, labels
        self.cost = cost

    def spans(self, lx, words, features):
        extra = self.attributes.get(tuple(words))
        self.cost["read"] += 1
        if extra is None:
            self.cost["not labelled"] += 1
            folded = [lx.fold(w) for w in words]
            extra = story_attributes([*self.sentences, (words, folded)], [*self.stage1, self.first.labels(features)])[-1]
        return super().spans(lx, words, _joined(features, extra))


def _joined(features, extra):
    if features and features[0] and isinstance(features[0][0], bytes):
        return [f + [x.encode() for x in e] for f, e in zip(features, extra)]
    return [f + e for f, e in zip(features, extra)]


def _stage1(tagger, s, how: str, lx) -> list[str]:
    """The first stage's B-/I- labels of a sentence: the CRF's own, or the spans the tagger keeps
    once `decide` combined them with the rules (the rules on top stand, the model adds and corrects)."""
    if how == "crf":
        return tagger.labels(s.features)
    from newsfuse.tagger import decide

    keep, added = decide(s.rules, s.blocked, tagger.spans(lx, s.words, s.features))
    spans = [(m.start, m.end, m.kind) for m in s.rules if m.index in keep and m.kind in eq.TYPES] + list(added)
    return entity_labels.bio(len(s.words), sorted(entity_labels.outermost(spans)))


def _story_view(lx, ss):
    return [(s.words, [lx.fold(w) for w in s.words]) for s in ss]


def _two_stage(args, fold, fold_of, order, sentences, first, groups, tmp, overrides, lx, cost, stories):
    """The fold's second stage: (per held-out story its `_SecondStage` tagger, the sentences the
    span-level rows read)."""
    train_ks = [k for k in order if fold_of[k] != fold]  # in the shuffled order: the inner folds cut it
    inner_of = {k: n % args.inner for n, k in enumerate(train_ks)}
    stage1: dict[int, list] = {}
    for j in range(args.inner):
        items = [(s.features, s.labels) for k in train_ks if inner_of[k] != j for s in sentences[k]]
        model = entity_labels.train(items, Path(tmp) / f"{fold}-inner{j}.crfsuite", "crf", overrides)
        inner = EntityTagger(model, features=groups)
        for k in train_ks:
            if inner_of[k] == j:
                stage1[k] = [_stage1(inner, s, args.stage1, lx) for s in sentences[k]]
    items = []
    for k in sorted(train_ks):
        extra = story_attributes(_story_view(lx, sentences[k]), stage1[k])
        items += [(_joined(s.features, e), s.labels) for s, e in zip(sentences[k], extra)]
    model2 = entity_labels.train(items, Path(tmp) / f"{fold}-second.crfsuite", "crf", overrides)
    second = EntityTagger(model2, features=groups)
    by_story = {}
    first._tagger(), second._tagger()  # (opened before the clock: a reader opens its model once)
    for k in range(len(sentences)):
        if fold_of[k] == fold:
            view = _story_view(lx, sentences[k])
            t = time.process_time()
            labels = [_stage1(first, s, args.stage1, lx) for s in sentences[k]]
            t1 = time.process_time()
            extra = story_attributes(view, labels)
            for s, e in zip(sentences[k], extra):
                second.labels(_joined(s.features, e))
            t2 = time.process_time()
            cost["first stage"] += t1 - t
            cost["two stages"] += t2 - t
            cost["articles"] += len(stories[k][3])
            by_story[k] = _SecondStage(model2, first, {tuple(s.words): e for s, e in zip(sentences[k], extra)}, view,
                                       labels, groups, cost)
    print(f"# fold {fold + 1}: second stage trained on {len(items)} sentences, first-stage labels cross-fitted "
          f"over {args.inner} inner folds", flush=True)
    return by_story, sentences  # (the span-level rows: `_SecondStage.spans` adds the attributes)


def _with_clusters(s: entity_labels.TaggedSentence, clusters: WordClusters, lx) -> entity_labels.TaggedSentence:
    from dataclasses import replace

    extra = clusters.features([lx.fold(w) for w in s.words])
    return replace(s, features=[f + x for f, x in zip(s.features, extra)])


def _f1s(counts: dict) -> dict[str, float]:
    """Story-level F1 per type and over all three (their counts pooled)."""
    out = {kind: _f1(counts.get(kind, [])) for kind in eq.TYPES}
    out["all"] = _f1([sum(x) for x in zip(*(counts.get(kind, [0] * 4) for kind in eq.TYPES))])
    return out


def report_gain(by_story: dict, fold_of: dict, n: int, base: str, new: str, rounds: int = 1000) -> None:
    """Per fold and pooled F1 of both systems and the gain; the pooled gain's 95% interval by a
    bootstrap over stories (the same resampled stories for both)."""
    keys = ("PER", "ORG", "LOC", "all")
    print(f"\n## {new} against {base}, story level F1 (PER ORG LOC, all three pooled)")

    def pooled(system: str, ks) -> dict:
        into: dict = {}
        for k in ks:
            eq._add(into, by_story[system][k])
        return _f1s(into)

    gains = []
    for fold in range(n):
        ks = [k for k in by_story[base] if fold_of[k] == fold]
        a, b = pooled(base, ks), pooled(new, ks)
        gains.append({key: b[key] - a[key] for key in keys})
        print(f"fold {fold + 1} ({len(ks)} stories): " + "  ".join(
            f"{key} {a[key]:.3f} -> {b[key]:.3f} ({gains[-1][key]:+.3f})" for key in keys))
    ks = sorted(by_story[base])
    a, b = pooled(base, ks), pooled(new, ks)
    print("pooled: " + "  ".join(f"{key} {a[key]:.3f} -> {b[key]:.3f} ({b[key] - a[key]:+.3f})" for key in keys))
    import statistics

    print("fold-to-fold sd of the gain: " + "  ".join(f"{key} {statistics.stdev(g[key] for g in gains):.3f}" for key in keys))
    rng = random.Random(0)
    boot = {key: [] for key in keys}
    for _ in range(rounds):
        sample = [rng.choice(ks) for _ in ks]
        a, b = pooled(base, sample), pooled(new, sample)
        for key in keys:
            boot[key].append(b[key] - a[key])
    print(f"bootstrap over stories ({rounds} rounds), 95% interval of the pooled gain: " + "  ".join(
        f"{key} [{sorted(v)[int(0.025 * rounds)]:+.3f}, {sorted(v)[int(0.975 * rounds) - 1]:+.3f}]" for key, v in boot.items()))


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
