"""Briefs as a store makes them after `newsfuse ingest`: the shared corpus is ingested into a new
store (stories, copies and the entity index, as `newsfuse ingest` does by default), then a new
process asks for the brief of every story of two articles or more, as `newsfuse brief` or the
first REST call after a restart does (no brief cached, nothing of the stories in the process);
then again in a third process (the briefs' cache emptied: as after their stories changed, over
what the briefs before kept of each article's dates, `date_readings`). Prints the ingest's CPU
seconds and the briefs' CPU ms (median per brief, and per article), and, where the store keeps
readings of each article (`entity_readings`, `date_readings`), the same briefs in a new process
with those tables emptied.

    flock /tmp/newsfuse-bench.lock python bench/store_brief_speed.py
    PYTHONPATH=../main/src python bench/store_brief_speed.py     # the baseline, same session
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402


def ingest(db: Path, jsonl: Path) -> None:
    import newsfuse

    with newsfuse.open(db, corpus.dated_ahead(newsfuse.Config())) as nf:
        c = time.process_time()
        nf.ingest([jsonl])
        print(f"ingest of {sum(1 for _ in jsonl.open())} articles (stories, copies, entity index): "
              f"{time.process_time() - c:.2f} s CPU in the main process", flush=True)


KEPT_TABLES = ("entity_readings", "date_readings")


def briefs(db: Path, empty: bool, what: str) -> None:
    import newsfuse

    with newsfuse.open(db) as nf:
        if empty:
            for table in KEPT_TABLES:
                if nf.store.db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone():
                    nf.store.db.execute(f"DELETE FROM {table}")
        nf.store.db.execute("DELETE FROM briefs")
        stories = [s for s in nf.stories(limit=100_000) if len(s.article_ids) >= 2]
        nf.brief(stories[0].id)  # loads the gazetteers, the segmenter and the tagger: left out
        cpu = []
        for s in stories[1:]:
            c = time.process_time()
            nf.brief(s.id)
            cpu.append(time.process_time() - c)
        n = sum(len(s.article_ids) for s in stories[1:])
        print(f"briefs, new process, {what}: {len(cpu)} stories of {n} articles: median {statistics.median(cpu) * 1000:.1f} ms "
              f"CPU per brief (mean {statistics.fmean(cpu) * 1000:.1f}), {sum(cpu) / n * 1000:.2f} ms per article", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--step", choices=["ingest", "briefs", "again", "empty"])
    ap.add_argument("--db", type=Path)
    ap.add_argument("--input", type=Path)
    args = ap.parse_args()
    if args.step == "ingest":
        return ingest(args.db, args.input)
    if args.step:
        what = {"briefs": "as ingested", "again": "again (what the briefs before kept, their cache emptied)",
                "empty": "the kept readings tables emptied"}[args.step]
        return briefs(args.db, args.step == "empty", what)
    import newsfuse

    print(f"# bench/store_brief_speed.py — {corpus.machine()}; newsfuse from {Path(newsfuse.__file__).parents[1]}")
    print(f"# load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        jsonl = Path(tmp) / "articles.jsonl"
        corpus.write_jsonl(jsonl, corpus.rows())
        db = Path(tmp) / "store.db"
        me = [sys.executable, __file__, "--db", str(db)]
        subprocess.run([*me, "--step", "ingest", "--input", str(jsonl)], check=True)
        subprocess.run([*me, "--step", "briefs"], check=True)
        subprocess.run([*me, "--step", "again"], check=True)
        import sqlite3

        con = sqlite3.connect(db)
        kept = [t for t in KEPT_TABLES if con.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (t,)).fetchone()]
        for table in kept:
            rows, size = con.execute(f"SELECT count(*), coalesce(sum(length(body)), 0) FROM {table}").fetchone()
            print(f"{table} kept: {rows} articles, {size / max(rows, 1):.0f} bytes per article", flush=True)
        con.close()
        if kept:
            subprocess.run([*me, "--step", "empty"], check=True)
    print(f"# load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
