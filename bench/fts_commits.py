"""Commits of small writes on the 100k store: one article a transaction, as the server's writer
stores a POST, with reader connections holding snapshots meanwhile (as the server's do). Printed:
the time per add, the median, p90 and max of the COMMITs (the full-text rows written out, FTS5's
merges, the WAL), every commit over 50 ms with its number, their sum, and the WAL's size at the end.

It works on a copy of the store `bench/api_load.py --build-only` makes (opening it brings the
copy's schema up to date, timed apart). Run the same file with two checkouts (`PYTHONPATH=.../src`)
for a before/after:

    flock /tmp/newsfuse-bench.lock python bench/fts_commits.py [--adds 300] [--readers 3] [--store PATH]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from api_load import new_articles  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--adds", type=int, default=300)
    ap.add_argument("--readers", type=int, default=3)
    ap.add_argument("--store", type=Path, default=Path("/tmp/newsfuse-api-load-100000.db"))
    args = ap.parse_args()
    if not args.store.exists():
        sys.exit(f"{args.store}: no such store (python bench/api_load.py --build-only makes it)")
    import newsfuse
    from newsfuse.store import Store

    commits: list[float] = []
    original = Store.transaction

    @contextmanager
    def timed(self):
        if self.db.in_transaction:
            with original(self) as db:
                yield db
            return
        with ExitStack() as stack:
            db = stack.enter_context(original(self))
            yield db
            ended = time.perf_counter()
        commits.append(time.perf_counter() - ended)  # the rows written out and the COMMIT

    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        db = Path(tmp) / "load.db"
        shutil.copy(args.store, db)
        if Path(str(args.store) + ".indexes.npz").exists():
            shutil.copy(str(args.store) + ".indexes.npz", str(db) + ".indexes.npz")
        t = time.perf_counter()
        nf = newsfuse.open(db)
        opened = time.perf_counter() - t
        nf.warm()
        with sqlite3.connect(db) as con:
            stored = con.execute("SELECT count(*) FROM articles").fetchone()[0]
            segments = con.execute("SELECT count(DISTINCT segid) FROM articles_fts_idx").fetchone()[0]
        print(f"# bench/fts_commits.py — {newsfuse.__file__}; {stored:,} articles, {segments} full-text segments; "
              f"opened (schema brought up to date) in {opened:.1f} s; {args.readers} readers; "
              f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        stop = threading.Event()

        def reader() -> None:
            con = sqlite3.connect(db, isolation_level=None)
            while not stop.is_set():
                con.execute("BEGIN")
                con.execute("SELECT max(seq) FROM articles").fetchone()
                time.sleep(0.05)
                con.execute("ROLLBACK")
            con.close()

        readers = [threading.Thread(target=reader) for _ in range(args.readers)]
        for r in readers:
            r.start()
        articles = new_articles(stored)
        Store.transaction = timed
        t = time.perf_counter()
        try:
            for _ in range(args.adds):
                nf.add_batches([[next(articles)]], origin="request", entity_backlog=None)
        finally:
            Store.transaction = original
            stop.set()
            for r in readers:
                r.join()
        wall = time.perf_counter() - t
        ms = sorted(1000 * c for c in commits)
        slow = [(k, round(1000 * c)) for k, c in enumerate(commits) if c > 0.05]
        print(f"{args.adds} adds, {1000 * wall / args.adds:.1f} ms each; COMMIT median {ms[len(ms) // 2]:.1f}, "
              f"p90 {ms[int(0.9 * len(ms))]:.1f}, max {ms[-1]:.1f} ms, sum {sum(ms):.0f} ms; over 50 ms (commit, ms): "
              f"{slow}; WAL {os.path.getsize(str(db) + '-wal') / 2**20:.0f} MB; "
              f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        nf.close()


if __name__ == "__main__":
    main()
