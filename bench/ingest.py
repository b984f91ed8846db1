"""Ingest throughput on >=100k articles (issue 19): a bare `str.split` loop (the baseline), the
text layer alone, and the whole ingest into SQLite (store, search index, stories, copies), each in its own process for a
clean peak RSS, with what the entity index that ends every `newsfuse ingest` costs per article on a
sample of its stories; then the same whole ingest of as many tiny
look-alike articles (`Tin ngắn số N ...`), whose cost per article should be no higher.

Printed per mode: articles/s and the ratio to `str.split` of the same run, peak RSS of the main
process and of the largest worker; for the whole ingest also the state the process keeps (story
and copy indexes) in bytes per article, and the seconds of each stage (parse and features are
summed over the worker processes; the others are the main process's). The load average is printed
at the start and the end: absolute rates need a quiet machine, the ratios less so.

    python bench/ingest.py [--n 100000] [--tiny N] [--skip-sqlite]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402


def tiny_rows(n: int):
    """`n` tiny articles that share most of their words (the flood that once made copy lookups
    quadratic): one a minute, from 20 outlets."""
    start = datetime(2024, 1, 1)
    places = ["Hà Nội", "Huế", "Đà Nẵng", "TP.HCM", "Cần Thơ", "Hải Phòng", "Nha Trang", "Vinh"]
    for k in range(n):
        yield {"id": f"tiny-{k}", "source": f"outlet-{k % 20}.vn",
               "date": (start + timedelta(minutes=k)).strftime("%Y-%m-%dT%H:%M"),
               "text": f"Tin ngắn số {k} về thời tiết hôm nay ở {places[k % len(places)]}."}


def run_mode(mode: str, path: Path, db: Path) -> dict:
    t = time.perf_counter()
    n = 0
    out: dict = {}
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
    elif mode in ("ingest-to-sqlite", "tiny-ingest"):
        import newsfuse
        from newsfuse.config import Config, EntityConfig

        # The entity index is read apart (below): at ~20-40 ms per article it would take the run
        # past an hour, and its cost is per story, not per ingest.
        config = replace(Config(db=db), entities=replace(EntityConfig(), index_at_ingest=False))
        # The scaled rounds are dated 200 days apart, decades ahead: the wall clock's day would refuse
        # most of 100k as future dates (IngestConfig.future_days).
        config = replace(config, ingest=replace(config.ingest, today=date(9000, 1, 1)))
        with newsfuse.open(config=config) as nf:
            report = nf.ingest([path])
            seconds = time.perf_counter() - t
            n = len(report.added) + len(report.present)
            out["stages"] = report.seconds
            clusterer, copies = nf._clusterer, nf._copies  # the state this process keeps for the next ingest
            out["state_bytes"] = {"stories": clusterer.nbytes if clusterer else 0,
                                  "copies": copies.nbytes if copies else 0}
            out["stories"] = len(clusterer.stories) if clusterer else 0
            main, child = corpus.peak_rss_mb()
            if mode == "ingest-to-sqlite":
                out["entities"] = entity_sample(nf, ENTITY_SAMPLE)
        return out | {"mode": mode, "articles": n, "seconds": seconds, "per_s": n / seconds, "rss_main_mb": main,
                      "rss_worker_mb": child}
    seconds = time.perf_counter() - t
    main, child = corpus.peak_rss_mb()
    return out | {"mode": mode, "articles": n, "seconds": seconds, "per_s": n / seconds, "rss_main_mb": main,
                  "rss_worker_mb": child}


ENTITY_SAMPLE = 150  # stories whose entities are read into the index, as `index_entities` does


def entity_sample(nf, stories: int) -> dict:
    """What `Newsfuse.index_entities` (the end of every `newsfuse ingest`) costs per article, on
    the first `stories` stories it would read; the first story's time (loading the tagger and
    the gazetteers) is left out."""
    stale = nf.store.stale_entity_stories(limit=stories + 1)
    articles, spent = 0, 0.0
    for k, story_id in enumerate(stale):
        t = time.perf_counter()
        members = nf.store.story_article_ids(story_id)
        nf._index_stories([story_id])  # as `index_entities` reads and writes it (the kept readings too)
        if k:
            articles += len(members)
            spent += time.perf_counter() - t
    return {"stories": max(len(stale) - 1, 0), "articles": articles, "seconds": spent}


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--tiny", type=int, help="tiny articles (default: as many as --n)")
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
        tiny = Path(tmp) / "tiny.jsonl"
        n_tiny = corpus.write_jsonl(tiny, tiny_rows(args.n if args.tiny is None else args.tiny))
        print(f"# bench/ingest.py — {corpus.machine()}; load average at start {load()}")
        print(f"# input: shared VietnameseMDS corpus scaled to {n} articles ({path.stat().st_size / 1e6:.0f} MB); "
              f"{n_tiny} tiny articles ({tiny.stat().st_size / 1e6:.0f} MB)")
        modes = [("str.split", path), ("text-layer", path)]
        if not args.skip_sqlite:
            modes += [("ingest-to-sqlite", path), ("tiny-ingest", tiny)]
        results = []
        for k, (mode, given) in enumerate(modes):
            out = subprocess.run([sys.executable, __file__, "--mode", mode, "--input", str(given),
                                  "--db", str(Path(tmp) / f"bench-{k}.db")], capture_output=True, text=True)
            if out.returncode:
                sys.exit(f"{mode} failed:\n{out.stderr}")
            results.append(json.loads(out.stdout))
        base = results[0]["per_s"]
        print(f"{'mode':<18} {'articles':>9} {'seconds':>8} {'articles/s':>11} {'vs str.split':>12} "
              f"{'peak RSS main':>14} {'peak RSS worker':>16}")
        for r in results:
            print(f"{r['mode']:<18} {r['articles']:>9} {r['seconds']:>8.1f} {r['per_s']:>11.0f} "
                  f"{r['per_s'] / base:>11.3f}x {r['rss_main_mb']:>11.0f} MB {r['rss_worker_mb']:>13.0f} MB")
        for r in results:
            if "stages" not in r:
                continue
            state = r["state_bytes"]
            total = sum(state.values())
            print(f"\n## {r['mode']}: {r['articles']} articles, {r['stories']} stories")
            print(f"state kept: {total / max(r['articles'], 1):.0f} bytes per article (stories "
                  f"{state['stories'] / max(r['articles'], 1):.0f}, copies {state['copies'] / max(r['articles'], 1):.0f})")
            print("seconds by stage (parse, features: summed over the workers; the rest: the main process):")
            for step, spent in r["stages"].items():
                print(f"  {step:<28} {spent:>8.1f}")
        whole = {r["mode"]: r for r in results}
        if "ingest-to-sqlite" in whole and whole["ingest-to-sqlite"]["entities"]["articles"]:
            normal, e = whole["ingest-to-sqlite"], whole["ingest-to-sqlite"]["entities"]
            per_article = e["seconds"] / e["articles"]
            implied = 1 / (normal["seconds"] / normal["articles"] + per_article)
            print(f"\nentity index (the end of `newsfuse ingest`), on {e['stories']} of its stories ({e['articles']} "
                  f"articles): {per_article * 1e3:.1f} ms per article; the whole ingest with it, implied from this "
                  f"sample: {implied:.0f} articles/s ({implied / base:.4f}x str.split)")
        if "tiny-ingest" in whole and "ingest-to-sqlite" in whole:
            normal, small = whole["ingest-to-sqlite"], whole["tiny-ingest"]
            print(f"\ntiny vs normal articles: {small['seconds'] / small['articles'] * 1e3:.2f} vs "
                  f"{normal['seconds'] / normal['articles'] * 1e3:.2f} ms per article "
                  f"({small['per_s'] / normal['per_s']:.2f}x the rate)")
        print(f"# load average at end {load()}")


if __name__ == "__main__":
    main()
