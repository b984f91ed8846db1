"""The watch path end to end against the JSONL path, on the same articles in the same run.

A local HTTP server (another process, 127.0.0.1 only) serves FEEDS RSS feeds of ITEMS items each
and one article page per item, built from the shared corpus scaled by perturbing (new ids,
shifted dates, shuffled sentences). Printed: articles/s of `newsfuse watch` (fetch feeds and pages,
extract with trafilatura, ingest with stories and copies) beside `newsfuse ingest` of the same
articles from one JSONL file, each into a new store; and where the watch cycle's time goes.

    flock /tmp/newsfuse-bench.lock python bench/watch.py [--feeds 200] [--items 50]
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import corpus  # noqa: E402
from newsroom import Item, article_page, rss  # noqa: E402

import newsfuse  # noqa: E402
from newsfuse.config import WatchConfig  # noqa: E402


def serve(directory: str, port_out) -> None:
    """A static file server (http.server: Last-Modified / If-Modified-Since, no robots.txt)."""
    import functools
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 128  # the default 5 makes the kernel drop connections (1 s SYN retries)

    server = Server(("127.0.0.1", 0), functools.partial(Quiet, directory=directory))
    server.daemon_threads = True
    port_out.send(server.server_address[1])
    server.serve_forever()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    n = args.feeds * args.items
    rows = list(corpus.perturbed(corpus.rows(), n, seed=11))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        www = tmp / "www"
        site = []
        for f in range(args.feeds):
            (www / f"f{f}").mkdir(parents=True)
            chunk = rows[f * args.items:(f + 1) * args.items]
            for r in chunk:
                r["source"] = f"site{f}.vn"
                (www / f"f{f}" / f"{r['id']}.html").write_text(
                    article_page(r["title"], r["text"], site_name=f"Báo {f}", date=r["date"], lead=r.get("lead")),
                    encoding="utf-8")
            site.append(chunk)
        jsonl = tmp / "articles.jsonl"
        corpus.write_jsonl(jsonl, rows)

        # Baseline: the same articles from one JSONL file, into a new store.
        with newsfuse.open(tmp / "jsonl.db", corpus.dated_ahead(newsfuse.Config())) as nf:
            t = time.perf_counter()
            report = nf.ingest([jsonl])
            jsonl_s = time.perf_counter() - t
            jsonl_n, jsonl_stories = len(report.added), nf.store.count_stories()

        parent, child = multiprocessing.Pipe()
        server = multiprocessing.Process(target=serve, args=(str(www), child), daemon=True)
        server.start()
        port = parent.recv()
        base = f"http://127.0.0.1:{port}"
        for f, chunk in enumerate(site):
            items = [Item(f"{base}/f{f}/{r['id']}.html", r["title"], r["date"], summary=r.get("lead") or "")
                     for r in chunk]
            (www / f"f{f}" / "rss.xml").write_bytes(rss(f"Báo {f}", f"{base}/f{f}/", items))
        # One local server stands in for 200 outlets' hosts: the per-host spacing is off and its
        # connection cap is the overall one (a real run spreads them over 200 hosts).
        config = replace(WatchConfig(), per_host_interval=0.0, per_host_connections=16, connections=16)
        try:
            with newsfuse.open(tmp / "watch.db", corpus.dated_ahead(newsfuse.Config())) as nf:
                for f in range(args.feeds):
                    nf.add_source(f"{base}/f{f}/rss.xml", f"site{f}.vn")
                t = time.perf_counter()
                with nf.watcher(config) as watcher:
                    reports = [watcher.cycle()]
                    while reports[-1].pending and len(reports) < 3:
                        reports.append(watcher.cycle())
                    for r in reports:
                        print(r.line(), file=sys.stderr)
                watch_s = time.perf_counter() - t
                watch_n = sum(r.added for r in reports)
                watch_stories = nf.store.count_stories()
                # A second cycle right after: every feed answers 304, nothing is fetched.
                with nf.watcher(config, clock=lambda: time.time() + 2 * config.interval) as watcher:
                    again = watcher.cycle()
        finally:
            server.terminate()
            server.join()
    timings: dict[str, float] = {}
    for r in reports:
        for k, v in r.timings.items():
            timings[k] = timings.get(k, 0.0) + v
    lines = [
        f"# bench/watch.py — {corpus.machine()}",
        f"# {args.feeds} feeds x {args.items} items = {n} articles (shared corpus scaled by perturbing),"
        " served by http.server on 127.0.0.1 in another process",
        f"{'path':<34}{'articles':>9}{'seconds':>9}{'articles/s':>12}{'stories':>9}",
        f"{'ingest of one JSONL file (baseline)':<34}{jsonl_n:>9}{jsonl_s:>9.1f}{jsonl_n / jsonl_s:>12.0f}{jsonl_stories:>9}",
        f"{'watch: feeds + pages + extract + ingest':<34}{watch_n:>9}{watch_s:>9.1f}{watch_n / watch_s:>12.0f}{watch_stories:>9}",
        f"watch / JSONL speed: {(watch_n / watch_s) / (jsonl_n / jsonl_s):.2f}x (target >= 0.33x)",
        f"cycles: {len(reports)}; second cycle at once: {again.sources} feeds, {again.not_modified} not modified, "
        f"{again.pages} pages fetched, {again.seconds:.1f} s",
        "where the watch time goes (wall seconds of the phases; summed seconds of the work inside the pages phase):",
        f"  feeds phase {timings.get('feeds', 0):.1f} s ({timings.get('feeds', 0) / watch_s:.0%} of the wall time); "
        f"pages phase {timings.get('pages', 0):.1f} s ({timings.get('pages', 0) / watch_s:.0%})",
        f"  inside it: page fetches {timings.get('fetch', 0):.1f} s in 16 threads, extraction {timings.get('extract', 0):.1f} s"
        f" in worker processes, ingest + stories {timings.get('store', 0):.1f} s in the main process"
        f" ({timings.get('store', 0) / max(timings.get('pages', 1e-9), 1e-9):.0%} of the pages phase)",
    ]
    text = "\n".join(lines)
    print(text)
    out = args.out or Path(__file__).parent / "results" / "watch.txt"
    if args.feeds == 200 and args.items == 50 or args.out:
        out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
