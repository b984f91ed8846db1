"""Ingest throughput on >=100k articles: the full text layer vs a plain str.split baseline, and the
whole ingest into SQLite (stories and copies included), each in its own process for a clean peak RSS.

    python bench/ingest.py [--n 100000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402


def run_mode(mode: str, path: Path, db: Path) -> dict:
    t = time.perf_counter()
    n = 0
    if mode == "str.split":
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                obj = json.loads(line)
                obj["text"].split()
                n += 1
    elif mode == "text-layer":
        from newsfuse.config import IngestConfig
        from newsfuse.ingest import read_jsonl

        for item in read_jsonl(path, IngestConfig()):
            n += 1
    elif mode == "ingest-to-sqlite":
        import newsfuse

        with newsfuse.open(db) as nf:
            report = nf.ingest([path])
            n = len(report.added) + len(report.present)
    seconds = time.perf_counter() - t
    main, child = corpus.peak_rss_mb()
    return {"mode": mode, "articles": n, "seconds": seconds, "per_s": n / seconds, "rss_main_mb": main,
            "rss_worker_mb": child}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--mode")
    ap.add_argument("--input", type=Path)
    ap.add_argument("--db", type=Path)
    ap.add_argument("--skip-sqlite", action="store_true")
    args = ap.parse_args()
    if args.mode:
        print(json.dumps(run_mode(args.mode, args.input, args.db)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scaled.jsonl"
        n = corpus.write_jsonl(path, corpus.perturbed(corpus.rows(), args.n))
        print(f"# bench/ingest.py — {corpus.machine()}")
        print(f"# input: shared VietnameseMDS corpus scaled to {n} articles ({path.stat().st_size / 1e6:.0f} MB)")
        modes = ["str.split", "text-layer"] + ([] if args.skip_sqlite else ["ingest-to-sqlite"])
        results = []
        for mode in modes:
            out = subprocess.run([sys.executable, __file__, "--mode", mode, "--input", str(path),
                                  "--db", str(Path(tmp) / "bench.db")], capture_output=True, text=True, check=True)
            results.append(json.loads(out.stdout))
        base = results[0]["per_s"]
        print(f"{'mode':<18} {'articles':>9} {'seconds':>8} {'articles/s':>11} {'vs str.split':>12} "
              f"{'peak RSS main':>14} {'peak RSS worker':>16}")
        for r in results:
            print(f"{r['mode']:<18} {r['articles']:>9} {r['seconds']:>8.1f} {r['per_s']:>11.0f} "
                  f"{r['per_s'] / base:>11.3f}x {r['rss_main_mb']:>11.0f} MB {r['rss_worker_mb']:>13.0f} MB")


if __name__ == "__main__":
    main()
