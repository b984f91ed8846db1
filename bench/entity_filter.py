"""The entity filter (`stories --entity`, `GET /api/stories?entity=`) on a 100k-article store, read
from the store's entity index, beside the way it was done before the index (the full-text index
narrows the stories, then each candidate story's entities are extracted again) on the shared
corpus alone (471 articles), in the same run.

    python bench/entity_filter.py build [--n 100000] [--db PATH]      # minutes; no lock needed
    flock /tmp/newsfuse-bench.lock python bench/entity_filter.py time [--db PATH]

`build` ingests the shared corpus scaled to `--n` articles (bench/corpus.py: new ids, dates
shifted, sentences shuffled) through the ordinary ingest with the index deferred, then indexes
the first round's stories (the 471 real articles) by the ordinary path, `Newsfuse.index_entities`.
The scaled rounds hold the same sentences shuffled, so each of their stories is given the entities
extracted from the real articles its members were made from, written through the same
`Store.write_story_entities`: reading 35,000 stories again (~37 ms each) would take ~20 minutes and
measure extraction, which the last lines print per story instead. `time` measures only the filter.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402

import newsfuse  # noqa: E402
from newsfuse.config import Config, EntityConfig  # noqa: E402

DEFAULT_DB = Path(tempfile.gettempdir()) / "newsfuse-entity-filter-100k.db"
# Asked as a reader would: full names, a surname, tone-free, a common place, a name nobody has.
QUERIES = ["Barack Obama", "Obama", "Nguyen Tan Dung", "Nguyễn Tấn Dũng", "Việt Nam", "Hà Nội",
           "Bộ Công an", "Không Ai Có Tên Này"]


def build(n: int, db: Path, reindex: bool = False) -> None:
    """The store (unless `reindex`: the stored one, its index written again)."""
    if db.exists() and not reindex:
        db.unlink()
    config = corpus.dated_ahead(replace(Config(db=db), entities=EntityConfig(index_at_ingest=False)))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scaled.jsonl"
        if not reindex:
            corpus.write_jsonl(path, corpus.perturbed(corpus.rows(), n))
        t = time.perf_counter()
        with newsfuse.open(config=config) as nf:
            if not reindex:
                report = nf.ingest([path])
                print(f"ingest: {len(report.added)} articles in {time.perf_counter() - t:.0f} s (index deferred)")
            story_of = nf.store.story_assignments()
            real = {s for a, s in story_of.items() if "-" not in a}
            t = time.perf_counter()
            for story_id in sorted(real):
                nf.store.write_story_entities(story_id, nf.entities(story_id))
            seconds = time.perf_counter() - t
            print(f"real extraction, {len(real)} stories of the real articles: {seconds * 1000 / len(real):.1f} ms a story")
            by_story: dict[str, list] = {}
            for story_id in real:
                for e in nf.store.story_entities(story_id):
                    by_story.setdefault(story_id, []).append(e)
            members: dict[str, list[str]] = {}
            for a, s in story_of.items():
                if s not in real:
                    members.setdefault(s, []).append(a)
            from newsfuse.model import Entity

            for story_id, ids in members.items():
                merged: dict[tuple[str, str], Entity] = {}
                for original in {story_of.get(a.rsplit("-", 1)[0]) for a in ids}:
                    for e in by_story.get(original, []):
                        merged.setdefault((e["type"], e["name"]), Entity(e["name"], e["type"], [], e["aliases"],
                                                                          e["outlets"], []))
                nf.store.write_story_entities(story_id, list(merged.values()))
            print(f"index: {nf.store.count_stories()} stories, {nf.store.count_stale_entity_stories()} left stale")


def timed(fn, repeat: int) -> tuple[float, float, int]:
    times, found = [], 0
    for _ in range(repeat):
        t = time.perf_counter()
        found = len(fn())
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), max(times), found


def before_the_index(nf, name: str) -> list[str]:
    """The filter as it was before issue 14 (api._stories_with_entity of that day)."""
    candidates = nf.store.list_stories(query=name, limit=10**6)
    key = name.casefold()
    return [s.id for s in candidates
            if any(key == e.name.casefold() or key in (a.casefold() for a in e.aliases) for e in nf.entities(s.id))]


def time_filters(db: Path) -> None:
    print(f"# bench/entity_filter.py — {corpus.machine()}")
    with newsfuse.open(db) as nf:
        n_articles, n_stories = nf.store.count_articles(), nf.store.count_stories()
        print(f"# store: {n_articles} articles, {n_stories} stories, {nf.store.count_stale_entity_stories()} stale")
        nf.stories(entity="warm")  # opens the connection, reads the schema
        print(f"{'entity asked':<22} {'stories':>8} {'index ms':>9} {'max':>7} {'whole list ms':>14} {'max':>7}"
              "   (50 newest, as the API pages them; the whole list adds each story's republications)")
        for q in QUERIES:
            med, worst, found = timed(lambda: nf.store.list_stories(entity=q, limit=50), 7)
            med2, worst2, _ = timed(lambda: nf.stories(entity=q, limit=50), 3)
            print(f"{q:<22} {found:>8} {med:>9.1f} {worst:>7.1f} {med2:>14.1f} {worst2:>7.1f}")
    with tempfile.TemporaryDirectory() as tmp, newsfuse.open(Path(tmp) / "small.db") as small:
        small.ingest([corpus.MDS / "articles.jsonl"])
        print(f"# baseline in the same run, on the shared corpus alone ({small.store.count_articles()} articles): "
              "full-text candidates, then each candidate's entities extracted again")
        for q in ["Barack Obama", "Việt Nam"]:
            med, worst, found = timed(lambda: before_the_index(small, q), 1)
            print(f"{q:<22} {found:>8} {med:>10.1f} {worst:>8.1f}  (before the index)")
            med, worst, found = timed(lambda: small.stories(entity=q, limit=50), 7)
            print(f"{q:<22} {found:>8} {med:>10.1f} {worst:>8.1f}  (the index, same store)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["build", "reindex", "time"])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--db", type=Path, default=DEFAULT_DB)
    args = ap.parse_args()
    corpus.require_shared()
    if args.what in ("build", "reindex"):
        build(args.n, args.db, reindex=args.what == "reindex")
    else:
        time_filters(args.db)


if __name__ == "__main__":
    main()
