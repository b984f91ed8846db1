"""Snapshot of everything the pipeline says about the shared corpus and the seeds, as canonical JSON
lines: each article as parsed (sentences, captions, dateline, byline, language), the copy groups and
batch stories of the whole corpus (the path of `newsfuse cluster`) and the stories in date order
(the path of `newsfuse ingest`), and per story (each gold cluster, and the seeds) its brief: summary,
facts with conflicts, entities with roles and aliases, timeline, and every date expression of every
sentence. Written to keep a refactoring honest (issue 15: the move into language packs must change
no Vietnamese output but the one wrong definition it fixes).

    python bench/pack_equivalence.py --out bench/results/pack_equivalence.jsonl.gz
    python bench/pack_equivalence.py --compare bench/results/pack_equivalence.jsonl.gz

`--compare` prints, per section, how many records differ from the file's, and the first few
differences; exit code 1 when any differ.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
from collections import Counter
from dataclasses import asdict, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402

from newsfuse.brief import make_brief  # noqa: E402
from newsfuse.config import Config, IngestConfig  # noqa: E402
from newsfuse.copies import find_copy_groups  # noqa: E402
from newsfuse.ingest import build_article, read_jsonl  # noqa: E402
from newsfuse.stories import StoryClusterer, cluster  # noqa: E402
from newsfuse.timeline import resolve  # noqa: E402


def seed_articles() -> list:
    arts = [build_article(p.read_text(encoding="utf-8"), origin=p.name, id=p.stem) for p in sorted(corpus.SEEDS.glob("*.txt"))]
    # As the API reads a stored story: an undated article takes the story's first date.
    dates = sorted(a.published for a in arts if a.published)
    return [a if a.published else replace(a, published=dates[0]) for a in arts]


def corpus_articles() -> list:
    corpus.require_shared()
    # One process, so the snapshot does not depend on how the file was cut into chunks.
    return [a for a in read_jsonl(corpus.MDS / "articles.jsonl", IngestConfig(workers=1)) if hasattr(a, "sentences")]


def article_record(a) -> dict:
    return {"section": "article", "key": a.id, "title": a.title, "source": a.source, "published": a.published,
            "author": a.author, "language": a.language, "content_hash": a.content_hash,
            "outlet_code": a.extra.get("outlet_code"), "text_length": len(a.text),
            "sentences": [[s.start, s.end] for s in a.sentences],
            "captions": [[c.start, c.end, c.credit] for c in a.captions]}


def cites(citations) -> list:
    return [[c.article_id, c.sentence_index] for c in citations]


def story_records(key: str, arts: list) -> list[dict]:
    groups = find_copy_groups(arts, workers=1)
    b = make_brief(key, arts, groups)
    out = [{"section": "summary", "key": key, "sentences": [[s.text, s.fact_id, cites(s.citations)] for s in b.summary],
            "notes": b.notes},
           {"section": "facts", "key": key,
            "facts": [[f.id, f.kind, f.text, cites(f.citations), f.outlets, f.conflicts] for f in b.facts]},
           {"section": "entities", "key": key,
            "entities": [[e.name, e.type, e.roles, e.aliases, e.outlets, cites(e.mentions)] for e in b.entities]},
           {"section": "timeline", "key": key,
            "events": [[ev.date, ev.precision, ev.text, ev.fact_id, cites(ev.citations)] for ev in b.timeline]}]
    dates = []
    for a in arts:
        for s in a.sentences:
            for t in resolve(s.text, a.published, s.start, a.text):
                dates.append([a.id, s.index, t.text, t.start, t.end, t.value, t.precision, t.reason])
    out.append({"section": "dates", "key": key, "dates": dates})
    return out


def snapshot() -> list[dict]:
    seeds = seed_articles()
    arts = corpus_articles()
    records = [article_record(a) for a in seeds + arts]
    groups = find_copy_groups(arts, Config().copies, workers=1)
    records.append({"section": "copies", "key": "corpus",
                    "groups": sorted([g.original_id, sorted(g.copies)] for g in groups)})
    batch = cluster(arts, Config().stories)
    records.append({"section": "stories", "key": "batch",
                    "assignments": sorted([x.article_id, x.story_id] for x in batch)})
    stream = StoryClusterer(Config().stories)
    assigned = [stream.add(a) for a in sorted(arts, key=lambda a: (a.published or "\uffff", a.id))]
    records.append({"section": "stories", "key": "stream",
                    "assignments": sorted([x.article_id, x.story_id] for x in assigned)})
    by_cluster: dict[str, list] = {}
    for a in arts:
        by_cluster.setdefault(a.extra["cluster_id"], []).append(a)
    records += story_records("seeds", seeds)
    for key in sorted(by_cluster):
        records += story_records(key, by_cluster[key])
    return records


def write(path: Path, records: list[dict]) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n")


def read(path: Path) -> dict[tuple[str, str], dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return {(r["section"], r["key"]): r for r in map(json.loads, fh)}


def compare(old: dict[tuple[str, str], dict], new: dict[tuple[str, str], dict], show: int = 5) -> int:
    differ = Counter()
    total = Counter(section for section, _ in old.keys() | new.keys())
    shown = 0
    for k in sorted(old.keys() | new.keys()):
        if old.get(k) == new.get(k):
            continue
        differ[k[0]] += 1
        if shown < show:
            shown += 1
            print(f"--- {k[0]} {k[1]}")
            a, b = old.get(k) or {}, new.get(k) or {}
            for field in sorted(a.keys() | b.keys()):
                x, y = a.get(field), b.get(field)
                if x == y:
                    continue
                if isinstance(x, list) and isinstance(y, list):  # the items that moved, not the whole list
                    xs = [json.dumps(v, ensure_ascii=False) for v in x]
                    ys = [json.dumps(v, ensure_ascii=False) for v in y]
                    gone, came = [v for v in xs if v not in ys], [v for v in ys if v not in xs]
                    if not gone and not came:
                        print(f"  {field}: same items, another order")
                    for v in gone[:4]:
                        print(f"  {field} - {v[:400]}")
                    for v in came[:4]:
                        print(f"  {field} + {v[:400]}")
                    continue
                print(f"  {field}: was {json.dumps(x, ensure_ascii=False)[:400]}")
                print(f"  {field}: now {json.dumps(y, ensure_ascii=False)[:400]}")
    for section in sorted(total):
        print(f"{section:<10} {differ[section]:>4} of {total[section]:>4} records differ")
    return sum(differ.values())


def main() -> None:
    if os.environ.get("PYTHONHASHSEED") != "0":
        # Some outputs follow the iteration order of sets of strings (a gazetteer holding `Thanh Hóa`
        # and `Thanh Hoá` keeps whichever comes last): one seed makes two runs comparable.
        os.execve(sys.executable, [sys.executable, *sys.argv], os.environ | {"PYTHONHASHSEED": "0"})
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path)
    ap.add_argument("--compare", type=Path)
    ap.add_argument("--show", type=int, default=5)
    args = ap.parse_args()
    records = snapshot()
    print(f"# bench/pack_equivalence.py — {corpus.machine()}; {len(records)} records")
    if args.out:
        write(args.out, records)
        print(f"written {args.out}")
    if args.compare:
        n = compare(read(args.compare), {(r["section"], r["key"]): r for r in records}, args.show)
        print("same output" if not n else f"{n} records differ from {args.compare}")
        sys.exit(1 if n else 0)


if __name__ == "__main__":
    main()
