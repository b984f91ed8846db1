"""REST API under load on localhost: a read-only baseline, a mixed read/write profile and the
analysts' profile (search with and without tone marks, stories and articles filtered by outlet,
dates and a query), at 20 and 100 concurrent clients, on a store of the shared corpus scaled to
100,000 articles.

The store is built once with `corpus.perturbed` (new ids, dates shifted by 200 days a round,
sentences shuffled) and kept under /tmp (`--store`); each run works on a copy. Per level, the
read-only baseline runs first (the story list, a story's brief, search), then the mixed profile:
the same reads with one request in five a `POST /api/articles` of a new article. Printed per
endpoint: requests, req/s, p50/p95/p99, 5xx, and for POSTs the acknowledged articles missing from
the store afterwards (lost writes, read with the server stopped).

The server reads its story and copy indexes at start-up: from the indexes saved beside the store
(`<store>.indexes.npz`, copied with it) when there are, else from every stored text (then saved
for the next run). Printed: how long until `/healthz` says they are ready, and the first POST.
The load average is printed at the start, after each level and at the end.

    flock /tmp/newsfuse-bench.lock python bench/api_load.py [--articles 100000] [--seconds 20] [--clients 20 100]
        [--lag 10] [--store PATH] [--build-only]

`--build-only` builds the store (and its saved indexes) if it is not there and stops: the one
command that makes the bench's store, kept under /tmp for every later run.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402

QUERIES = ["Việt Nam", "giá vàng", "bóng đá", "Hà Nội", "hoà bình", "Quốc hội"]
# What an analyst types (issue 16): without tone marks, phrases, operators, prefixes.
ANALYST_QUERIES = ["luong tam quang", "hoa binh", '"giá vàng"', "bão OR lũ", "Philip*", "Quốc hội NOT ngân sách",
                   "bong da", "Hà Nội"]
MONTHS: list[str] = []  # the store's months and busiest outlets, read in main()
OUTLETS: list[str] = []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The ingest of `newsfuse ingest` and its saved indexes, without the entity index: reading the
# entities of 36k stories after the ingest took over an hour at load 12 (13.5k stories in 25 min,
# 2026-12-03), and no request of this bench filters by entity (the stories stay marked: the first
# entity filter reads them).
BUILD = """import sys
from pathlib import Path
import newsfuse
from newsfuse.config import Config, EntityConfig
config = Config(entities=EntityConfig(index_at_ingest=False))
if hasattr(config.ingest, "today"):  # the scaled rounds are dated decades ahead: see corpus.dated_ahead
    from dataclasses import replace
    from datetime import date
    config = replace(config, ingest=replace(config.ingest, today=date(9000, 1, 1)))
with newsfuse.open(sys.argv[1], config) as nf:
    nf.ingest([Path(sys.argv[2])])
    nf.save_indexes()
"""


def build_store(path: Path, n: int) -> None:
    """Ingest the corpus scaled to `n` articles (once; minutes for 100k)."""
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        jsonl = Path(tmp) / "scaled.jsonl"
        corpus.write_jsonl(jsonl, corpus.perturbed(corpus.rows(), n))
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", BUILD, str(partial), str(jsonl)], check=True, stdout=subprocess.DEVNULL)
        print(f"# built {path} ({n:,} articles) in {time.perf_counter() - t:.0f} s", flush=True)
        # The indexes the ingest saved are named after the file it wrote: renamed with it, every
        # run starts from them (else the first run reads every stored text again: 3-9 minutes).
        saved = Path(str(partial) + ".indexes.npz")
        if saved.exists():
            saved.rename(str(path) + ".indexes.npz")
        partial.rename(path)


def new_articles(n_stored: int):
    """Articles the store does not hold: rounds of the corpus past the stored ones (each joins or
    opens a story of its own season, as news arriving does). Made from the round after the
    stored ones on (`corpus.perturbed(first_round=...)`): the rounds before it are not made and
    thrown away (that took the bench's client 2-8 minutes before its first POST at 100k)."""
    base = corpus.rows()
    first = n_stored // len(base)
    skip = n_stored - first * len(base)
    for k, r in enumerate(corpus.perturbed(base, 50_000 + skip, seed=1, first_round=first)):
        if k >= skip:
            yield r | {"id": f"post-{first * len(base) + k}"}


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


class Server:
    def __init__(self, db: Path, lag: float):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.started = time.perf_counter()
        self.proc = subprocess.Popen([sys.executable, "-m", "newsfuse.cli", "serve", "--db", str(db),
                                      "--port", str(self.port), "--lag", str(lag)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 120
        while True:
            try:
                httpx.get(self.base + "/api/stories", timeout=5)
                return
            except httpx.TransportError:
                if time.time() > deadline or self.proc.poll() is not None:
                    sys.exit("server did not start")
                time.sleep(0.3)

    def stop(self) -> str:
        self.proc.terminate()
        _, err = self.proc.communicate(timeout=60)
        return err.decode(errors="replace")


def analyst_request(c: httpx.Client, rng: random.Random, roll: float) -> tuple[str, httpx.Response]:
    """Search and filtered listings, as the analysts' page and scripts ask for them: a search (with
    or without tone marks, phrases, operators), stories by outlet and dates, stories by a query
    and an outlet, articles by outlet and dates. Dates are a random month of the scaled corpus."""
    month = rng.choice(MONTHS)
    if roll < 0.35:
        return "GET /api/search", c.get("/api/search", params={"q": rng.choice(ANALYST_QUERIES)})
    if roll < 0.6:
        return "GET /api/stories filtered", c.get("/api/stories", params={
            "outlet": rng.choice(OUTLETS), "since": month, "until": month})
    if roll < 0.8:
        return "GET /api/stories q+outlet", c.get("/api/stories", params={
            "q": rng.choice(ANALYST_QUERIES), "outlet": rng.choice(OUTLETS)})
    return "GET /api/articles filtered", c.get("/api/articles", params={
        "outlet": rng.choice(OUTLETS), "since": month, "until": month})


def run_load(base: str, clients: int, seconds: float, stories: list[str], writes: bool,
             articles, lock: threading.Lock, analyst: bool = False
             ) -> tuple[dict[str, list[float]], dict[str, int], list[str], int]:
    """Returns latencies and 5xx per endpoint, the acknowledged POSTed ids and transport failures."""
    latencies: dict[str, list[float]] = defaultdict(list)
    server_errors: dict[str, int] = defaultdict(int)
    acknowledged: list[str] = []
    failures = [0]
    stop = time.perf_counter() + seconds

    def client(k: int) -> None:
        rng = random.Random(k)
        mine: dict[str, list[float]] = defaultdict(list)
        bad: dict[str, int] = defaultdict(int)
        acked: list[str] = []
        with httpx.Client(base_url=base, timeout=120) as c:
            while time.perf_counter() < stop:
                roll = rng.random()
                t = time.perf_counter()
                try:
                    if analyst:
                        name, r = analyst_request(c, rng, roll)
                    elif writes and roll < 0.2:
                        name = "POST /api/articles"
                        with lock:
                            article = next(articles)
                        r = c.post("/api/articles", json=article)
                        if r.status_code in (200, 201):
                            # the id it is stored under: a text already stored answers "present" as X
                            acked.append(r.json()["articles"][0]["id"])
                    elif roll < 0.45:
                        name = "GET /api/stories"
                        r = c.get("/api/stories", params={"q": rng.choice(QUERIES)} if rng.random() < 0.3 else {})
                    elif roll < 0.8:
                        name = "GET /api/stories/{id}"
                        r = c.get(f"/api/stories/{rng.choice(stories)}")
                    else:
                        name = "GET /api/search"
                        r = c.get("/api/search", params={"q": rng.choice(QUERIES)})
                except httpx.TransportError:
                    with lock:
                        failures[0] += 1
                    continue
                mine[name].append(time.perf_counter() - t)
                bad[name] += r.status_code >= 500
        with lock:
            for name, values in mine.items():
                latencies[name].extend(values)
            for name, v in bad.items():
                server_errors[name] += v
            acknowledged.extend(acked)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, server_errors, acknowledged, failures[0]


def pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--clients", type=int, nargs="+", default=[20, 100])
    ap.add_argument("--store", type=Path, default=None, help="where the scaled store is kept between runs")
    ap.add_argument("--lag", type=float, default=10.0, help="serve --lag: seconds a list or search may lag "
                    "other connections' writes")
    ap.add_argument("--profiles", nargs="+", default=["read-only", "mixed", "analyst"],
                    help="read-only, mixed (1 request in 5 a POST), analyst (search and filtered listings)")
    ap.add_argument("--build-only", action="store_true", help="build the store if it is missing, then stop")
    args = ap.parse_args()
    corpus.require_shared()
    store = args.store or Path(f"/tmp/newsfuse-api-load-{args.articles}.db")
    if not store.exists():
        build_store(store, args.articles)
    elif args.build_only:
        print(f"# {store} is there: nothing to build", flush=True)
    if args.build_only:
        return
    articles = new_articles(args.articles)
    lock = threading.Lock()
    with sqlite3.connect(store) as con:
        stored = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    print(f"# bench/api_load.py — {corpus.machine()}; store of {stored:,} articles (the corpus scaled to "
          f"{args.articles:,}, texts already stored skipped); {args.seconds:.0f} s per profile; server and clients "
          f"on this machine; serve --lag {args.lag:g}; the read-only baseline and the mixed profile (1 request in "
          f"5 a POST of one new article) in the same run; {load()}", flush=True)
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        db = Path(tmp) / "load.db"
        shutil.copy(store, db)
        saved = Path(str(store) + ".indexes.npz")
        if saved.exists():
            shutil.copy(saved, str(db) + ".indexes.npz")
        t = time.perf_counter()  # a store of an older schema is brought up to date (the search index rebuilt) once
        subprocess.run([sys.executable, "-m", "newsfuse.cli", "outlets", "--db", str(db), "--json"], check=True,
                       stdout=subprocess.DEVNULL)
        print(f"# store opened (schema brought up to date) in {time.perf_counter() - t:.1f} s", flush=True)
        with sqlite3.connect(db) as con:
            MONTHS.extend(r[0] for r in con.execute(
                "SELECT DISTINCT substr(published, 1, 7) FROM articles WHERE published IS NOT NULL"))
            OUTLETS.extend(r[0] for r in con.execute(
                "SELECT s.name FROM sources s JOIN articles a ON a.source_id = s.id GROUP BY s.id"
                " ORDER BY count(*) DESC LIMIT 12"))
        server = Server(db, args.lag)
        try:
            while (health := httpx.get(server.base + "/healthz", timeout=60).json())["indexes"] == "reading":
                time.sleep(0.5)
            if health["indexes"] != "ready":
                sys.exit(f"the server did not read its indexes: {health['indexes']}")
            print(f"# story and copy indexes ready {time.perf_counter() - server.started:.1f} s after the server "
                  f"started ({'from the saved indexes' if saved.exists() else 'read from every stored text'}; "
                  f"{health['articles']:,} articles)", flush=True)
            if not saved.exists() and Path(str(db) + ".indexes.npz").exists():
                shutil.copy(str(db) + ".indexes.npz", saved)  # saved as the store is: the next run starts from them
            # The 200 latest stories (the first pages a reader sees), their briefs made once first.
            listed = httpx.get(server.base + "/api/stories", params={"limit": 200}, timeout=120).json()["stories"]
            stories = [s["id"] for s in listed]
            t = time.perf_counter()
            for sid in stories:
                httpx.get(f"{server.base}/api/stories/{sid}", timeout=120)
            print(f"# 200 briefs made and cached in {time.perf_counter() - t:.1f} s", flush=True)
            t = time.perf_counter()
            httpx.post(server.base + "/api/articles", json=next(articles), timeout=1200).raise_for_status()
            print(f"# first POST {1000 * (time.perf_counter() - t):.0f} ms", flush=True)
            print(f"{'clients':>7} {'profile':<10} {'endpoint':<26} {'requests':>8} {'req/s':>7} {'p50 ms':>7} "
                  f"{'p95 ms':>7} {'p99 ms':>8} {'5xx':>4} {'lost':>5}")
            all_acked: list[str] = []
            for clients in args.clients:
                for profile in args.profiles:
                    lat, errs, acked, failed = run_load(server.base, clients, args.seconds, stories,
                                                        profile == "mixed", articles, lock, profile == "analyst")
                    all_acked += acked
                    with sqlite3.connect(db) as con:  # acknowledged commits are visible to any reader
                        present = {r[0] for r in con.execute("SELECT id FROM articles")}
                    for name in sorted(lat):
                        values = sorted(lat[name])
                        lost = "" if not name.startswith("POST") else str(sum(a not in present for a in acked))
                        print(f"{clients:>7} {profile:<10} {name:<26} {len(values):>8} {len(values) / args.seconds:>7.0f} "
                              f"{pct(values, 0.5):>7.1f} {pct(values, 0.95):>7.1f} {pct(values, 0.99):>8.1f} "
                              f"{errs[name]:>4} {lost:>5}", flush=True)
                    total = sum(len(v) for v in lat.values())
                    print(f"{clients:>7} {profile:<10} {'all':<26} {total:>8} {total / args.seconds:>7.0f}"
                          f"{'':>34} {sum(errs.values()):>4}   (connection failures: {failed})", flush=True)
                print(f"# after {clients} clients: {load()}", flush=True)
        finally:
            log = server.stop()
        with sqlite3.connect(db) as con:
            stored = {r[0] for r in con.execute("SELECT id FROM articles")}
            integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        lost = [a for a in all_acked if a not in stored]
        print(f"# POSTs acknowledged over the run: {len(all_acked)}; lost writes (acknowledged, not in the store): "
              f"{len(lost)}; integrity_check: {integrity}")
        tracebacks = log.count("Traceback")
        print(f"# server log: {tracebacks} tracebacks; {load()}")


if __name__ == "__main__":
    main()
