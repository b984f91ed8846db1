"""The REST API's reads at one client, without HTTP: the Python calls each endpoint of
bench/api_load.py makes (page and total, in one snapshot, with the server's memo), on a store
given (a copy: an older schema is brought up to date on it). Printed per kind: the first call,
the median and the max of N calls with random outlets (the 12 busiest), months and queries (the
analysts' and the mixed profile's), seeded. `--writes`: also the list with q and the stories by
query and outlet each right after one new article is added (as under the mixed profile's POSTs;
the add itself not timed; the store copy keeps them), and a query searched and its stories listed
right after one (the mixed profile's pattern). Wall and CPU time (the process's: SQLite's included). Run the same file with two checkouts
(`PYTHONPATH=.../src`) on two fresh copies of one store for a before/after.

    python bench/api_one_client.py STORE [--writes]
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from api_load import ANALYST_QUERIES, QUERIES, new_articles  # noqa: E402


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--writes"]
    writes = "--writes" in sys.argv[1:]
    if len(args) != 1 or not Path(args[0]).exists():
        sys.exit("usage: python bench/api_one_client.py STORE [--writes] (an existing newsfuse store; it is migrated)")
    import newsfuse
    from newsfuse import api
    from newsfuse.web import answers

    nf = newsfuse.open(args[0])
    nf.load_models()
    nf.memo = api.Memo(answers.StoreVersion(nf.config.db).now)  # as the server's read connections have it
    db = nf.store.db
    months = [r[0] for r in db.execute("SELECT DISTINCT substr(published, 1, 7) FROM articles WHERE published IS NOT NULL")]
    outlets = [r[0] for r in db.execute("SELECT s.name FROM sources s JOIN articles a ON a.source_id = s.id"
                                        " GROUP BY s.id ORDER BY count(*) DESC LIMIT 12")]
    rng = random.Random(1)
    print(f"# bench/api_one_client.py {args[0]}: {db.execute('SELECT count(*) FROM articles').fetchone()[0]:,} articles;"
          f" load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)

    def timed(name, call, n=12, before=None):
        spent, cpu = [], []
        for _ in range(n):
            m, o, q = rng.choice(months), rng.choice(outlets), rng.choice(ANALYST_QUERIES)
            if before is not None:
                before()
            t, c = time.perf_counter(), time.process_time()
            with nf.snapshot():
                call(o, m, q)
            spent.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)  # (SQLite's work included: one thread; less moved by the load)
        print(f"{name:30} first {spent[0] * 1000:7.1f}  median {sorted(spent)[len(spent) // 2] * 1000:7.1f}"
              f"  max {max(spent) * 1000:7.1f} ms; CPU median {sorted(cpu)[len(cpu) // 2] * 1000:7.1f} ms", flush=True)

    timed("stories filtered", lambda o, m, q: (nf.stories(outlet=o, since=m, until=m, limit=20),
                                               nf.count_stories(outlet=o, since=m, until=m)))
    timed("articles filtered", lambda o, m, q: (nf.articles(outlet=o, since=m, until=m, limit=20),
                                                nf.count_articles(outlet=o, since=m, until=m)))
    timed("stories q+outlet", lambda o, m, q: (nf.stories(query=q, outlet=o, limit=20),
                                               nf.count_stories(query=q, outlet=o)), n=30)
    timed("search analyst", lambda o, m, q: nf.search(q, limit=20), n=20)
    timed("list", lambda o, m, q: (nf.stories(limit=20), nf.count_stories()))
    timed("list q", lambda o, m, q: (nf.stories(query=rng.choice(QUERIES), limit=20),
                                     nf.count_stories(query=rng.choice(QUERIES))), n=20)
    timed("articles outlet only", lambda o, m, q: (nf.articles(outlet=o, limit=20), nf.count_articles(outlet=o)))
    timed("articles", lambda o, m, q: (nf.articles(limit=20), nf.count_articles()))
    if writes:
        nf.warm()
        fresh = new_articles(100_000)  # the rounds after those of the bench store (bench/api_load.py)
        post = lambda: nf.add(next(fresh))  # noqa: E731
        for q in QUERIES:  # every query's window made once before the writes, as a server running a while has
            nf.stories(query=q, limit=20)
        timed("list q after a write", lambda o, m, q: (nf.stories(query=rng.choice(QUERIES), limit=20),
                                                       nf.count_stories(query=rng.choice(QUERIES))), n=30, before=post)
        # The mixed profile's pattern: a query searched and its stories listed at one version.
        timed("search + list q after a write", lambda o, m, q: (
            nf.search(q := rng.choice(QUERIES), limit=20), nf.stories(query=q, limit=20),
            nf.count_stories(query=q)), n=30, before=post)
        timed("q+outlet after a write", lambda o, m, q: (nf.stories(query=q, outlet=o, limit=20),
                                                         nf.count_stories(query=q, outlet=o)), n=30, before=post)
    print(f"# end: load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)


if __name__ == "__main__":
    main()
