"""How much two labellers agree on a story's people, organisations and places and its dates, beside the
system's agreement with each of them on the same stories: the ceiling the entity F1 can be read against.

    python bench/entity_agreement.py tests/data/entities_second_j.jsonl --against tests/data/entities_set_j.jsonl

Stories of the first files that the `--against` files (the first labels) also hold are compared, story
level as bench/entity_quality.py scores (a type and one shared spelling, folded; dates: overlap and the
same value); labeller 2 is scored as a system against labeller 1 (its P is labeller 1's R). The system
is the shipped learned tagger and the rules alone.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402
import entity_quality as eq  # noqa: E402

from newsfuse import lang  # noqa: E402
from newsfuse.tagger import EntityTagger  # noqa: E402


def _labels(paths: list[Path]) -> dict[str, dict]:
    out = {}
    for path in paths:
        for line in path.open(encoding="utf-8"):
            label = json.loads(line)
            out[label["story"]] = label
    return out


def _date_counts(system: list[dict], gold: list[dict]) -> list[int]:
    """[system right, system count, gold found, gold count]: same article, overlapping text, same value."""
    def same(a: dict, b: dict) -> bool:
        return a["article"] == b["article"] and a["value"] == b["value"] and (a["text"] in b["text"] or b["text"] in a["text"])
    return [sum(any(same(s, g) for g in gold) for s in system), len(system),
            sum(any(same(s, g) for s in system) for g in gold), len(gold)]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("second", type=Path, nargs="+")
    ap.add_argument("--against", type=Path, nargs="+", required=True)
    args = ap.parse_args(argv)
    corpus.require_shared()
    second = _labels(args.second)
    first = _labels(args.against)
    names = [n for n in first if n in second]
    if not names:
        raise SystemExit(f"{', '.join(map(str, args.second))}: no story in common with the --against files")
    articles = {label["story"]: arts for path in args.against for label, arts in eq.load_stories(path)}
    tagger = EntityTagger.of(lang.get("vi"))
    rows: dict[str, dict] = {}
    dates = {"labeller 2 vs labeller 1": [0] * 4}
    per_story = []
    for name in names:
        a, b = first[name], second[name]
        as_system = [(e["type"], [e["name"], *e["aliases"]]) for e in b["entities"]]
        learned = eq.newsfuse_entities(articles[name], tagger)
        rules = eq.rules_entities(articles[name])
        story_row = {}
        for row, system, gold in (("labeller 2 vs labeller 1", as_system, a["entities"]),
                                  ("learned tagger vs labeller 1", learned, a["entities"]),
                                  ("learned tagger vs labeller 2", learned, b["entities"]),
                                  ("rules alone vs labeller 1", rules, a["entities"]),
                                  ("rules alone vs labeller 2", rules, b["entities"])):
            counts = eq.score_entities(system, gold)
            eq._add(rows.setdefault(row, {}), counts)
            story_row[row] = counts
        c = _date_counts(b["dates"], a["dates"])
        dates["labeller 2 vs labeller 1"] = [x + y for x, y in zip(dates["labeller 2 vs labeller 1"], c)]
        pooled = [sum(x) for x in zip(*story_row["labeller 2 vs labeller 1"].values())]
        per_story.append(f"{name} {eq.prf(*pooled)[2]:.2f}")
    print(f"# bench/entity_agreement.py {' '.join(map(str, args.second))} against {' '.join(map(str, args.against))}"
          f" — {corpus.machine()}")
    print(f"# {len(names)} stories labelled twice (whether blind: tests/data/README.md); story level")
    print(f"{'':<34} " + " | ".join(f"{k} P     R     F1 " for k in eq.TYPES) + " | DATE P   R     F1")
    for row, counts in rows.items():
        print(eq._row(row, counts, dates.get(row)))
    print("# per story, all three types pooled, labeller 2 vs labeller 1: " + ", ".join(per_story))


if __name__ == "__main__":
    main()
