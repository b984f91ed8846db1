"""`newsfuse archive run` at scale: engines, per-stage time, scaling, and agreement with the
single-machine path.

    python bench/archive.py [--engines-n 100000] [--scale 250000,1000000]

The scaled corpus: the shared corpus repeated in rounds, each round with new ids, its clusters put
at random days over 5 years, sentences shuffled and every content word replaced by another corpus
word chosen per round (the 200 commonest words stay), so a round is another season's news rather
than a copy of the last one; then 25% near copies planted across outlets (a sentence dropped, a
credit line added, published within a day).

Printed, in one run: articles/s and peak memory for `--engine ray` (a local Ray, 2 CPUs),
`--engine local` and the single-process `ingest` on the same slice; per-stage seconds; the cost
per article from the smallest to the largest size; B-cubed between the archive's and `stories.cluster`'s
stories on the shared corpus; planted copies found; and an estimate for 100M articles on 32 nodes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402

_WORD = re.compile(r"[^\W\d_]+")
FIVE_YEARS = 5 * 365


def scaled(n: int, seed: int = 0) -> list[dict]:
    """`n` articles: 75% scaled originals, 25% planted near copies (`copy_of` names the original)."""
    import xxhash

    from newsfuse.text import split

    base = corpus.rows()
    counts = Counter(w.lower() for r in base for w in _WORD.findall(r["text"]))
    keep = {w for w, _ in counts.most_common(200)}
    vocab = sorted(w for w in counts if w not in keep)
    rng = random.Random(seed)
    by_cluster: dict[str, list[dict]] = {}
    for r in base:
        by_cluster.setdefault(r["cluster_id"], []).append(r)
    first = datetime(2019, 1, 1)
    originals: list[dict] = []
    n_originals = n - n // 4
    k = 0
    while len(originals) < n_originals:
        def swap(m: re.Match, k=k) -> str:
            w = m.group(0)
            low = w.lower()
            if low in keep:
                return w
            new = vocab[xxhash.xxh64_intdigest(f"{k}:{low}".encode()) % len(vocab)]
            return new.capitalize() if w[0].isupper() else new

        for cid, members in by_cluster.items():
            day = first + timedelta(days=rng.uniform(0, FIVE_YEARS))
            t0 = min(datetime.fromisoformat(r["date"]) for r in members)
            for r in members:
                if len(originals) >= n_originals:
                    break
                spans = split(r["text"]).sentences
                sentences = [r["text"][a:b] for a, b in spans]
                rng.shuffle(sentences)
                date = day + (datetime.fromisoformat(r["date"]) - t0)
                originals.append(r | {"id": f"{r['id']}-{k}", "cluster_id": f"{cid}-{k}",
                                      "date": date.strftime("%Y-%m-%dT%H:%M"), "title": _WORD.sub(swap, r["title"]),
                                      "lead": _WORD.sub(swap, r.get("lead") or ""),
                                      "text": _WORD.sub(swap, " ".join(sentences))})
        k += 1
    planted = [corpus.planted_copy(r, rng, f"{r['id']}-copy", f"outlet-{j % 50}.example")
               for j, r in enumerate(rng.sample(originals, n - n_originals))]
    rows = originals + planted
    rng.shuffle(rows)
    return rows


def write_shards(rows: list[dict], folder: Path, per_shard: int = 2000) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(0, len(rows), per_shard):
        p = folder / f"shard-{i // per_shard:05d}.jsonl"
        corpus.write_jsonl(p, rows[i:i + per_shard])
        paths.append(str(p))
    return paths


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _descendants(root: int) -> list[int]:
    """Processes under `root` (pool workers; Ray's raylet, object store and workers), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


class PeakMemory:
    """Peak resident memory of this process and of its largest descendant (a pool or Ray
    worker), sampled every 0.2 s from /proc."""

    def __init__(self) -> None:
        self.main = self.worker = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            self.main = max(self.main, _rss_mb(me))
            for pid in _descendants(me):
                self.worker = max(self.worker, _rss_mb(pid))
            self._stop.wait(0.2)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_mode(mode: str, inputs: list[str], out: Path) -> dict:
    """One measured run, in a process of its own (see `main`)."""
    n = 0
    seconds: dict[str, float] = {}
    with PeakMemory() as memory:
        t = time.perf_counter()
        if mode == "ingest":
            import newsfuse
            from newsfuse.config import Config, IngestConfig

            with newsfuse.open(out / "ingest.db", corpus.dated_ahead(Config(ingest=IngestConfig(workers=1)))) as nf:
                report = nf.ingest(inputs)
                n = len(report.added)
                # The single-process path makes a brief when asked: ask for every story, as the archive does.
                tb = time.perf_counter()
                for story_id in set(report.stories.values()):
                    nf.brief_json(story_id)
                seconds = {"ingest (text, copies, stories, store)": tb - t, "briefs": time.perf_counter() - tb}
        else:
            from newsfuse.archive import run_archive

            report = run_archive(inputs, out / mode, engine=mode, cpus=2)
            n = report.articles
            seconds = report.seconds
        total = time.perf_counter() - t
    return {"mode": mode, "articles": n, "seconds": total, "stages": seconds,
            "rss_main_mb": memory.main, "rss_worker_mb": memory.worker}


def _measure(mode: str, inputs: list[str], out: Path, source: str | None = None) -> dict:
    """One run in a process of its own; `source`: a checkout's `src` to run instead of this one's
    (the code before a change, measured in the same run)."""
    import resource

    cmd = [sys.executable, __file__, "--mode", mode, "--out", str(out), "--inputs", *inputs]
    env = dict(os.environ, PYTHONPATH=source) if source else None
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        sys.exit(f"{mode} failed:\n{done.stderr[-3000:]}")
    r = json.loads(done.stdout.strip().splitlines()[-1])
    # CPU of the run's process and of the children it waited for (the local pool's workers; not
    # Ray's, which outlive it): on a machine shared with other jobs, steadier than wall time.
    r["cpu_seconds"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    r["load"] = (load, os.getloadavg()[0])
    return r


def _quality(tmp: Path) -> dict:
    """Archive vs `stories.cluster` on the shared corpus, and planted copies found at scale."""
    import pyarrow.parquet as pq

    from newsfuse.archive import run_archive
    from newsfuse.config import ArchiveConfig, Config, IngestConfig
    from newsfuse.evaluation import bcubed
    from newsfuse.ingest import read_jsonl
    from newsfuse.stories import cluster

    path = corpus.MDS / "articles.jsonl"
    articles = [a for a in read_jsonl(path, IngestConfig(workers=1)) if hasattr(a, "text")]
    single = {a.article_id: a.story_id for a in cluster(articles)}
    out = {}
    for days in (365, 30, 10):
        config = Config(archive=ArchiveConfig(window_days=days, overlap_days=min(150, days)))
        run_archive([str(path)], tmp / f"q{days}", config, engine="local", cpus=2)
        t = pq.read_table(tmp / f"q{days}" / "stories")
        archive = dict(zip(t["article_id"].to_pylist(), t["story_id"].to_pylist()))
        out[days] = bcubed(archive, single)
    return out


def _planted_found(rows: list[dict], out: Path) -> tuple[int, int]:
    import pyarrow.parquet as pq

    t = pq.read_table(out / "copies")
    group_of: dict[str, str] = {}
    for c, o in zip(t["copy_id"].to_pylist(), t["original_id"].to_pylist()):
        group_of[c] = o
        group_of.setdefault(o, o)
    planted = [(r["id"], r["copy_of"]) for r in rows if "copy_of" in r]
    found = sum(1 for c, o in planted if c in group_of and group_of[c] == group_of.get(o))
    return found, len(planted)


def _out_of(tmp: Path, n: int, mode: str) -> Path:
    """Where `_measure` had `mode` write at size `n`."""
    engine, _, where = mode.partition("@")
    return tmp / (f"out{n}" + ("-previous" if where else "")) / engine


def _same_outputs(a: Path, b: Path) -> dict[str, bool]:
    """Whether two runs wrote the same rows (in any order) in each dataset."""
    import pyarrow.parquet as pq

    def rows(out: Path, name: str) -> list[str]:
        return sorted(json.dumps(r, ensure_ascii=False, sort_keys=True, default=str)
                      for r in pq.read_table(out / name).to_pylist())

    return {name: rows(a, name) == rows(b, name) for name in ("articles", "copies", "stories", "briefs", "entities")}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--engines-n", type=int, default=100_000, help="slice the three paths are compared on")
    ap.add_argument("--scale", default="250000,1000000", help="sizes for the cost-per-article line")
    ap.add_argument("--engines", default="ray,local,ingest",
                    help="paths measured on the --engines-n slice (local is always measured at every size)")
    ap.add_argument("--previous", help="a checkout's src/ whose --engine local is measured too, on the --engines-n slice")
    ap.add_argument("--mode")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--inputs", nargs="*")
    args = ap.parse_args()
    if args.mode:
        print(json.dumps(run_mode(args.mode, args.inputs, args.out)))
        return
    corpus.require_shared()
    sizes = sorted({int(x) for x in args.scale.split(",")} | {args.engines_n})
    print(f"# bench/archive.py — {corpus.machine()}")
    print(f"# scaled corpus: shared VietnameseMDS, 5 years, 25% planted near copies; engines on {args.engines_n:,}")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        results = {}
        for n in sizes:
            rows = scaled(n)
            inputs = write_shards(rows, tmp / f"in{n}")
            wanted = set(args.engines.split(",")) | {"local"}
            modes = tuple(m for m in ("ray", "local", "ingest") if m in wanted) \
                if n == args.engines_n else ("local",)
            if n == args.engines_n and args.previous:
                modes = (*modes, "local@previous")
            for mode in modes:
                source = args.previous if mode == "local@previous" else None
                # The code before a change writes beside this one's, so their outputs can be compared.
                r = _measure(mode.split("@")[0], inputs, tmp / (f"out{n}" + ("-previous" if source else "")), source)
                results[(n, mode)] = r
                line = (f"{mode:7s} n={n:>9,}  {r['articles'] / r['seconds']:8.1f} articles/s "
                        f"({r['articles'] / r['seconds'] / 2:7.1f} /s/core)  {r['seconds']:7.1f} s  "
                        f"peak RSS main {r['rss_main_mb']:5.0f} MB, largest worker {r['rss_worker_mb']:5.0f} MB")
                cpu = "" if mode == "ray" else f"{1000 * r['cpu_seconds'] / max(r['articles'], 1):.1f} ms CPU/article, "
                print(line + f"\n    {cpu}load average {r['load'][0]:.1f} -> {r['load'][1]:.1f}", flush=True)
                for stage, s in r["stages"].items():
                    print(f"    {stage:38s} {s:7.1f} s  {1000 * s / max(r['articles'], 1):7.2f} ms/article")
                if mode.startswith("local"):
                    found, planted = _planted_found(rows, _out_of(tmp, n, mode))
                    print(f"    planted copies found: {found} of {planted}")
            local_modes = [m for m in modes if m.startswith("local")]
            for mode in local_modes[1:]:
                same = _same_outputs(_out_of(tmp, n, local_modes[0]), _out_of(tmp, n, mode))
                print(f"  outputs of {mode} vs {local_modes[0]}, n={n:,}: "
                      + ", ".join(f"{name} {'identical' if ok else 'DIFFER'}" for name, ok in same.items()), flush=True)
        print("\n# cost per article, --engine local (ms of wall time on 2 cores)")
        for n in sizes:
            r = results[(n, "local")]
            print(f"  n={n:>9,}: {1000 * r['seconds'] / r['articles']:6.2f} ms")
        print("\n# agreement with the single-machine path on the shared corpus (B-cubed P/R/F1 of archive "
              "stories against stories.cluster)")
        for days, (p, r, f) in _quality(tmp).items():
            print(f"  windows of {days:3d} days: P {p:.3f}  R {r:.3f}  F1 {f:.3f}")
        print("\n# 100M articles on 32 nodes, from the per-stage costs above (CPU s per article = wall s x 2 "
              "busy cores; x 100M / (32 nodes x cores), perfect scaling assumed: a lower bound)")
        for label, r in (("local engine, largest size", results[(max(sizes), "local")]),
                         ("ray engine", results.get((args.engines_n, "ray")))):
            if r is None:
                continue
            per_article = {k: v / r["articles"] for k, v in r["stages"].items()}
            cpu_s = sum(per_article.values()) * 2
            briefs = per_article.get("briefs and entities", 0) * 2
            for cores in (16, 64):
                hours = cpu_s * 100e6 / (32 * cores) / 3600
                print(f"  {label}, {cores} cores per node: {hours:6.1f} h  (CPU {cpu_s * 1000:.1f} ms per article, "
                      f"briefs {briefs * 1000:.1f} ms of it; without briefs {hours * (1 - briefs / cpu_s):.1f} h)")

if __name__ == "__main__":
    main()
