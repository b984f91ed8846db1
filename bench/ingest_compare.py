"""The whole `newsfuse ingest` of a baseline commit against the working tree, on the same input, in
one run (issue 19): articles/s of both, their ratio, and whether both stores hold the same thing.

The baseline is checked out as a detached git worktree under /tmp (kept for the next run) and run
with its own `src` first on the path, by the same Python; each ingest runs in its own process on
a fresh store, the baseline first, then the working tree (`--order` flips it, to see the order's
share of a difference on a loaded machine). The input is the shared corpus scaled by
`corpus.perturbed` (new ids, dates shifted per round, sentences shuffled) to `--n` articles,
written once and read by both.

What "the same stores" means here (each printed as same / DIFFERENT):
  articles   every stored article's id, content hash, outlet name, title, url, date, author, lead,
             language, text, origin, captions and extra, and its sentence offsets
  search     the full-text index's vocabulary, term by term and column by column: how many
             articles hold the term and how often (fts5vocab 'col'; the index is contentless)
  stories    which articles each story id holds (story ids, members, aliases of merged stories),
             and each member's similarity to its story to 6 decimals
  copies     every (copy, original) pair by article id, with its similarity to 6 decimals
The entity index is off in both runs (as in bench/ingest.py: it is per story, not per article).

    python bench/ingest_compare.py [--baseline main] [--n 15000] [--profile FILE]

`--profile FILE` also runs the working tree's ingest once more under cProfile (the main process
only; the parse workers are apart) and writes the functions with most own time, and most time
below them, to FILE.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BASELINES = Path(tempfile.gettempdir()) / "newsfuse-compare"

# Run in a child process with the checkout's `src` first on sys.path: ingest one JSONL file into a
# fresh store, print what it took as JSON.
RUNNER = r"""
import json, sys, time, cProfile, pstats, io, resource
from dataclasses import replace
src, path, db, profile = sys.argv[1:5]
sys.path.insert(0, src)
import newsfuse
from newsfuse.config import Config, EntityConfig
assert newsfuse.__file__.startswith(src), newsfuse.__file__
config = replace(Config(db=db), entities=replace(EntityConfig(), index_at_ingest=False))
if hasattr(config.ingest, "today"):
    # The scaled rounds are dated 200 days apart, up to decades ahead: with the wall clock's day a
    # quarter of 15k were refused as future dates (IngestConfig.future_days), parsed but not stored.
    from datetime import date
    config = replace(config, ingest=replace(config.ingest, today=date(9000, 1, 1)))
prof = cProfile.Profile() if profile != "-" else None
with newsfuse.open(config=config) as nf:
    t = time.perf_counter()
    cpu = time.process_time()
    if prof:
        prof.enable()
    report = nf.ingest([path])
    if prof:
        prof.disable()
    seconds = time.perf_counter() - t
    cpu = time.process_time() - cpu
# The parse workers have exited (the pool is shut at the end of the file): their CPU, user + system.
children = resource.getrusage(resource.RUSAGE_CHILDREN)
if prof:
    for key in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats(key).print_stats(40)
        with open(profile, "a") as fh:
            fh.write(f"\n### sorted by {key}\n" + out.getvalue())
print(json.dumps({"articles": len(report.added) + len(report.present), "added": len(report.added),
                  "rejected": len(report.rejected), "seconds": seconds, "main_cpu": cpu,
                  "worker_cpu": children.ru_utime + children.ru_stime,
                  "stages": report.seconds}))
"""


def checkout(commit: str) -> tuple[str, Path]:
    """A detached worktree of `commit` under /tmp (made once per commit), beside a link to the
    shared data, as the repo expects it (../shared)."""
    sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--verify", f"{commit}^{{commit}}"],
                         capture_output=True, text=True)
    if sha.returncode:
        sys.exit(f"--baseline {commit}: not a commit of {ROOT}")
    sha = sha.stdout.strip()
    BASELINES.mkdir(exist_ok=True)
    shared = BASELINES / "shared"
    if not shared.exists():
        shared.symlink_to(corpus.MDS.parents[1])
    tree = BASELINES / sha[:12]
    if not (tree / "src" / "newsfuse").is_dir():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), sha],
                       check=True, capture_output=True)
    return sha, tree


def tree_state() -> tuple[str, bool]:
    """This checkout's commit and whether tracked files changed since (what a row measures)."""
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"], capture_output=True,
                          text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return head, bool(dirty)


def run(src: Path, path: Path, db: Path, profile: str = "-") -> dict:
    out = subprocess.run([sys.executable, "-c", RUNNER, str(src), str(path), str(db), profile],
                         capture_output=True, text=True, env=os.environ | {"PYTHONHASHSEED": "0"})
    if out.returncode:
        sys.exit(f"ingest with {src} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def digest(rows) -> tuple[int, str]:
    h = hashlib.blake2b(digest_size=12)
    n = 0
    for row in rows:
        h.update(repr(tuple(row)).encode())
        n += 1
    return n, h.hexdigest()


def contents(db: Path) -> dict[str, tuple[int, str]]:
    """What is compared (see the module's doc), as (rows, digest) per part."""
    con = sqlite3.connect(db)
    try:
        con.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, articles_fts, 'col')")
        r6 = lambda x: None if x is None else round(x, 6)  # noqa: E731
        return {
            "articles": digest(con.execute(
                "SELECT a.id, a.content_hash, s.name, a.title, a.url, a.published, a.author, a.lead, a.language,"
                " a.text, a.origin, a.captions, a.extra, (SELECT group_concat(x.start || '-' || x.\"end\", ' ')"
                " FROM (SELECT start, \"end\" FROM sentences WHERE article_seq = a.seq ORDER BY idx) x)"
                " FROM articles a LEFT JOIN sources s ON s.id = a.source_id ORDER BY a.id")),
            "search": digest(con.execute("SELECT term, col, doc, cnt FROM temp.vocab ORDER BY term, col")),
            "stories": digest([(story, article, r6(sim)) for story, article, sim in con.execute(
                "SELECT m.story_id, a.id, m.similarity FROM story_members m JOIN articles a ON a.seq = m.article_seq"
                " ORDER BY m.story_id, a.id")]
                + [("alias", alias, story) for alias, story in con.execute(
                    "SELECT alias, story_id FROM story_aliases ORDER BY alias")]),
            "copies": digest([(c, o, r6(sim)) for c, o, sim in con.execute(
                "SELECT a.id, b.id, c.similarity FROM copies c JOIN articles a ON a.seq = c.article_seq"
                " JOIN articles b ON b.seq = c.original_seq ORDER BY a.id")]),
        }
    finally:
        con.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline", default="main", help="a commit of this repo (default: main)")
    ap.add_argument("--n", type=int, default=15_000)
    ap.add_argument("--order", choices=["baseline-first", "tree-first"], default="baseline-first")
    ap.add_argument("--profile", type=Path, help="also profile the working tree's main process into this file")
    ap.add_argument("--pyspy", type=Path, help="also sample every process of the working tree's ingest with py-spy "
                    "(if installed) and write where each spends its time to this file")
    ap.add_argument("--input", type=Path, help="a JSONL file to ingest instead of the scaled corpus")
    args = ap.parse_args()
    sha, tree = checkout(args.baseline)
    head, dirty = tree_state()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.input or Path(tmp) / "scaled.jsonl"
        if not args.input:
            n = corpus.write_jsonl(path, corpus.perturbed(corpus.rows(), args.n))
        else:
            n = sum(1 for line in path.open(encoding="utf-8") if line.strip())
        print(f"# bench/ingest_compare.py — {corpus.machine()}; load average at start {load()}")
        print(f"# input: {n} articles ({path.stat().st_size / 1e6:.0f} MB)"
              + ("" if args.input else ", the shared corpus scaled by corpus.perturbed"))
        runs = {"baseline": (tree / "src", Path(tmp) / "baseline.db"), "tree": (ROOT / "src", Path(tmp) / "tree.db")}
        order = ["baseline", "tree"] if args.order == "baseline-first" else ["tree", "baseline"]
        results = {}
        for name in order:
            src, db = runs[name]
            results[name] = run(src, path, db) | {"load": load()}
        labels = {"baseline": f"baseline {sha[:12]}", "tree": f"tree {head}{' + changes' if dirty else ''}"}
        print(f"{'run':<30} {'articles':>9} {'seconds':>8} {'articles/s':>11} {'main CPU s':>11} "
              f"{'workers CPU s':>14} {'CPU ms/article':>15}  load after")
        for name in order:
            r = results[name]
            print(f"{labels[name]:<30} {r['articles']:>9} {r['seconds']:>8.1f} {r['articles'] / r['seconds']:>11.0f}"
                  f" {r['main_cpu']:>11.1f} {r['worker_cpu']:>14.1f} "
                  f"{(r['main_cpu'] + r['worker_cpu']) / r['articles'] * 1e3:>15.2f}  {r['load']}")
        ratio = results["baseline"]["seconds"] / results["tree"]["seconds"]
        cpu = sum(results["baseline"][k] for k in ("main_cpu", "worker_cpu")) / \
            sum(results["tree"][k] for k in ("main_cpu", "worker_cpu"))
        print(f"tree / baseline articles/s: {ratio:.2f}x; CPU per article baseline / tree: {cpu:.2f}x "
              "(on a loaded machine the CPU ratio is the steadier one: with 2 workers and the main process on 2 "
              "cores, the wall time is about the CPU of all three over the cores left)")
        print("\nseconds by stage (parse, features: summed over the workers; the rest: the main process):")
        steps = list(dict.fromkeys([*results["baseline"]["stages"], *results["tree"]["stages"]]))
        print(f"  {'':<28} {'baseline':>9} {'tree':>9}")
        for step in steps:
            b, t = (results[x]["stages"].get(step) for x in ("baseline", "tree"))
            print(f"  {step:<28} {'-' if b is None else f'{b:.1f}':>9} {'-' if t is None else f'{t:.1f}':>9}")
        base, mine = contents(runs["baseline"][1]), contents(runs["tree"][1])
        print("\nstores compared (rows, digest):")
        same = True
        for part in base:
            ok = base[part] == mine[part]
            same &= ok
            print(f"  {part:<9} {'same' if ok else 'DIFFERENT':<10} baseline {base[part][0]} rows {base[part][1]}"
                  + ("" if ok else f", tree {mine[part][0]} rows {mine[part][1]}"))
        if args.profile:
            args.profile.write_text(f"# cProfile of the main process of `newsfuse ingest`, tree {labels['tree']}, "
                                    f"{n} articles; load average at start {load()}\n")
            r = run(ROOT / "src", path, Path(tmp) / "profiled.db", str(args.profile))
            print(f"\nprofiled run (slower by the profiler): {r['seconds']:.1f} s, main CPU {r['main_cpu']:.1f} s; "
                  f"written to {args.profile}")
        if args.pyspy:
            print(pyspy(path, Path(tmp), args.pyspy, labels["tree"], n))
        print(f"# load average at end {load()}")
        if not same:
            sys.exit(1)


def pyspy(path: Path, tmp: Path, out: Path, label: str, n: int) -> str:
    """Sample the working tree's ingest (main process and parse workers) with py-spy, 50 times a
    second, and write each role's share of samples by function: own (the leaf of the stack) and
    inclusive (anywhere on it), for the functions of newsfuse, sqlite3, numpy and pickling."""
    import shutil
    from collections import Counter

    exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(exe).exists():
        return "py-spy is not installed: no sampling profile (pip install py-spy)"
    raw = tmp / "pyspy.txt"
    runner = tmp / "runner.py"  # a file, not `-c`: py-spy writes the command line into every stack line
    runner.write_text(RUNNER)
    done = subprocess.run([exe, "record", "--subprocesses", "--format", "raw", "--rate", "50", "--nonblocking",
                           "--output", str(raw), "--", sys.executable, str(runner), str(ROOT / "src"), str(path),
                           str(tmp / "pyspy.db"), "-"], capture_output=True, text=True,
                          env=os.environ | {"PYTHONHASHSEED": "0"})
    if done.returncode or not raw.exists():
        return f"py-spy failed: {done.stderr[-500:]}"
    own: dict[str, Counter] = {"main": Counter(), "workers": Counter()}
    inclusive: dict[str, Counter] = {"main": Counter(), "workers": Counter()}
    total: Counter = Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        # A stack starts with its process and the processes above it: `process 1:"...";process 2:"...";f (file:line);...`
        frames = stack.split(";")
        if any(f.startswith("_exit_with_parent (") for f in frames):
            continue  # a worker's watchdog thread, asleep (py-spy does not see its sleep as idle)
        role = "workers" if any(f.startswith("_process_worker (") for f in frames) else "main"
        k = int(count)
        total[role] += k
        names = [f.split(" (")[0] + " (" + f.split(" (")[-1].split(":")[0].rsplit("/", 1)[-1] + ")"
                 for f in frames if not f.startswith("process ") and " (" in f]
        if names:
            own[role][names[-1]] += k
            for name in set(names):
                inclusive[role][name] += k
    lines = [f"# py-spy (50 samples/s, every process) of the main process and the parse workers of `newsfuse ingest`,"
             f" {label}, {n} articles; load average at end {load()}"]
    for role in ("main", "workers"):
        lines.append(f"\n## {role}: {total[role]} samples of a running thread (idle ones left out: a "
                     "worker waiting for a chunk, the main process waiting for one)")
        lines.append("own time (leaf of the stack):")
        for name, k in own[role].most_common(30):
            lines.append(f"  {100 * k / total[role]:5.1f}%  {name}")
        lines.append("inclusive (anywhere on the stack):")
        for name, k in inclusive[role].most_common(45):
            lines.append(f"  {100 * k / total[role]:5.1f}%  {name}")
    out.write_text("\n".join(lines) + "\n")
    return f"py-spy profile written to {out}"


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
