"""The English pack on the English test set (tests/data/english: 4 stories, 10 articles written for
the project, labelled before any code ran on them; the pack was then written reading them, so these
are development figures). Printed beside the baseline of reading the same text with the Vietnamese
pack, which is what newsfuse did with English before it had a pack: entities per type (scored as
bench/entity_quality.py scores them), dates, body sentences (exact spans), bylines and dateline
places.

    python bench/english_quality.py
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402
from entity_quality import TYPES, score_entities  # noqa: E402

from newsfuse import lang  # noqa: E402
from newsfuse.entities import find_entities  # noqa: E402
from newsfuse.ingest import article_from_json  # noqa: E402
from newsfuse.text import fold  # noqa: E402
from newsfuse.timeline import resolve  # noqa: E402

DATA = corpus.ROOT / "tests" / "data" / "english"


def load() -> tuple[list[dict], dict[str, list]]:
    rows = [json.loads(line) for line in (DATA / "articles.jsonl").open(encoding="utf-8")]
    labels = [json.loads(line) for line in (DATA / "labels.jsonl").open(encoding="utf-8")]
    stories: dict[str, list] = {}
    for r in rows:
        stories.setdefault(r["story"], []).append(article_from_json(r, r["id"]))
    return labels, stories


def as_read_by(articles: list, code: str) -> list:
    """The articles as parsed, read with pack `code` (the baseline reads English as Vietnamese)."""
    return [replace(a, language=code) for a in articles]


def date_counts(label: dict, articles: list, pack) -> list[int]:
    """[right among found, found, labels found, labels]: an expression is right when it overlaps a
    labelled one of its article (as text) and resolves to the same value."""
    gold = label["dates"]
    found = []
    for a in articles:
        for s in a.sentences:
            for t in resolve(s.text, a.published, s.start, a.text, pack):
                if t.value:
                    found.append((a.id, t.text, t.value))
    def same(f, g):
        return f[0] == g["article"] and f[2] == g["value"] and (f[1] in g["text"] or g["text"] in f[1])
    return [sum(any(same(f, g) for g in gold) for f in found), len(found),
            sum(any(same(f, g) for f in found) for g in gold), len(gold)]


def f1(c: list[int]) -> tuple[float, float, float]:
    p = c[0] / c[1] if c[1] else 0.0
    r = c[2] / c[3] if c[3] else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main() -> None:
    labels, stories = load()
    print(f"# bench/english_quality.py — {corpus.machine()}")
    print(f"# {len(labels)} stories, {sum(map(len, stories.values()))} articles; development figures (the English pack "
          "was written reading this set)")
    print(f"{'pack':<26} {'type':<9} {'P':>6} {'R':>6} {'F1':>6}")
    for code, name in (("en", "English pack"), ("vi", "Vietnamese pack (before)")):
        pack = lang.get(code)
        ents = {t: [0, 0, 0, 0] for t in TYPES}
        dates = [0, 0, 0, 0]
        for label in labels:
            arts = as_read_by(stories[label["story"]], code)
            system = [(e.type, [e.name, *e.aliases]) for e in find_entities(arts)]
            for t, c in score_entities(system, label["entities"]).items():
                ents[t] = [x + y for x, y in zip(ents[t], c)]
            dates = [x + y for x, y in zip(dates, date_counts(label, arts, pack))]
        for t in TYPES:
            print(f"{name:<26} {t:<9} {f1(ents[t])[0]:>6.3f} {f1(ents[t])[1]:>6.3f} {f1(ents[t])[2]:>6.3f}")
        print(f"{name:<26} {'DATE':<9} {f1(dates)[0]:>6.3f} {f1(dates)[1]:>6.3f} {f1(dates)[2]:>6.3f}")
    # Parsing is done once, with the pack ingest chose (English): sentences, bylines, datelines.
    meta = {k: v for label in labels for k, v in label["meta"].items()}
    gold_sentences = {k: v for label in labels for k, v in label["sentences"].items()}
    arts = [a for s in stories.values() for a in s]
    exact = sum(s.text in gold_sentences[a.id] for a in arts for s in a.sentences)
    found = sum(len(a.sentences) for a in arts)
    gold = sum(len(v) for v in gold_sentences.values())
    hit = sum(any(s.text == g for a2 in arts if a2.id == aid for s in a2.sentences) for aid, v in gold_sentences.items() for g in v)
    print(f"sentences (English pack): {exact} of {found} found are labelled sentences, {hit} of {gold} labelled found")
    authors = sum((a.author or None) == (meta[a.id]["author"] or None) for a in arts)
    print(f"bylines: {authors} of {len(arts)} articles give the labelled author (or none)")
    datelines = sum(bool(meta[a.id]["dateline_place"]) == (not a.text.startswith(meta[a.id]["dateline_place"] or "\0"))
                    for a in arts)
    print(f"datelines: {datelines} of {len(arts)} articles have theirs cut off the text (or had none)")


if __name__ == "__main__":
    main()
