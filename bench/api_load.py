"""REST API under load: 20 concurrent clients on localhost for a bounded time.

Starts `newsfuse serve` on a free 127.0.0.1 port over a store holding the seeds and the shared
corpus, then measures GET /api/stories/{id} (the brief of the seeds' story: cached after the first
request) and, as the baseline in the same run, GET /openapi.json (the framework's own cost).

    python bench/api_load.py [--seconds 10] [--clients 20]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load(url: str, clients: int, seconds: float) -> tuple[int, list[float], int]:
    stop = time.perf_counter() + seconds
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def worker() -> None:
        with httpx.Client(timeout=10) as c:
            mine, bad = [], 0
            while time.perf_counter() < stop and len(mine) < 100_000:
                t = time.perf_counter()
                r = c.get(url)
                mine.append(time.perf_counter() - t)
                bad += r.status_code != 200
            with lock:
                latencies.extend(mine)
                errors[0] += bad

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies), latencies, errors[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--clients", type=int, default=20)
    args = ap.parse_args()
    corpus.require_shared()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "load.db"
        subprocess.run([sys.executable, "-m", "newsfuse.cli", "ingest", "-q", "--db", str(db), str(corpus.SEEDS),
                        str(corpus.MDS / "articles.jsonl")], check=True, capture_output=True)
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "newsfuse.cli", "serve", "--db", str(db), "--port", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.time() + 30
            while True:
                try:
                    httpx.get(base + "/api/stories", timeout=2)
                    break
                except httpx.TransportError:
                    if time.time() > deadline:
                        sys.exit("server did not start")
                    time.sleep(0.2)
            story = httpx.get(base + "/api/stories", params={"outlet": "TPO"}).json()["stories"][0]["id"]
            httpx.get(f"{base}/api/stories/{story}", timeout=30)  # first request builds and caches the brief
            print(f"# bench/api_load.py — {corpus.machine()}; {args.clients} clients, {args.seconds:.0f} s each, "
                  "server and clients on this machine")
            print(f"{'endpoint':<34} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
            for name, url in [("GET /openapi.json (baseline)", base + "/openapi.json"),
                              ("GET /api/stories/{id}", f"{base}/api/stories/{story}")]:
                n, lat, errors = load(url, args.clients, args.seconds)
                lat.sort()
                print(f"{name:<34} {n:>9} {n / args.seconds:>8.0f} {statistics.median(lat) * 1000:>8.1f} "
                      f"{lat[int(0.95 * len(lat))] * 1000:>8.1f} {errors:>7}")
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
