"""A parse worker's CPU per article, a baseline commit against the working tree (issue 19), and
whether both make the same batches.

What a parse worker of `newsfuse ingest` does with each chunk of a JSONL file — parse and build
every article (`ingest._finish_jsonl_chunk`), make its features (`features.FeatureMaker`) and
pickle the batch that goes back to the main process — run on the same chunks, in one process per
round, baseline and tree in turn (`--rounds` each, alternating, so a change of the machine's load
falls on both). A round's figure is its process CPU time (user + system) over the articles: on a
shared machine CPU per article is steadier than wall time. `bench/ingest_compare.py` measures the
whole ingest; this is the part the two parse workers run, with less noise around it.

"The same batches": every item (each article's fields, or the rejection), sentence offsets, the
full-text keys, story terms (as strings: term ids are per process) and weights, and copy
signatures, digested per round; the rounds of both sides must agree.

    python bench/parse_compare.py [--baseline main] [--n 6000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402
from ingest_compare import checkout, load, tree_state  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

# In a child process with the checkout's `src` first on sys.path: a worker's path over every chunk,
# timed; then (untimed) a digest of what it made.
RUNNER = r"""
import hashlib, json, pickle, sys, time
src, path = sys.argv[1:3]
sys.path.insert(0, src)
import newsfuse
from newsfuse import ingest
from newsfuse.config import Config
from newsfuse.features import FeatureMaker
assert newsfuse.__file__.startswith(src), newsfuse.__file__
config = Config().ingest
chunks = list(ingest._jsonl_chunks(__import__("pathlib").Path(path)))
make = FeatureMaker()
batches = []
cpu = time.process_time()
for chunk in chunks:
    batch = ingest._finish_jsonl_chunk(chunk, config, make)
    batches.append(pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL))  # as it leaves the worker
cpu = time.process_time() - cpu
h = hashlib.blake2b(digest_size=12)
vocabulary = []
for data in batches:
    b = pickle.loads(data)
    vocabulary.extend(b.new_terms)
    for item in b.items:
        h.update(repr(item).encode())
    for part in (b.sentences, b.sentence_start, b.term_start, b.weights, b.signatures):
        h.update(part.tobytes())
    h.update(repr(b.fts).encode())
    h.update(repr([vocabulary[i] for i in b.terms.tolist()]).encode())
n = sum(len(c) for c in chunks)
print(json.dumps({"articles": n, "cpu": cpu, "digest": h.hexdigest()}))
"""


def run(src: Path, path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", RUNNER, str(src), str(path)], capture_output=True, text=True,
                         env=os.environ | {"PYTHONHASHSEED": "0"})
    if out.returncode:
        sys.exit(f"parse with {src} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline", default="main", help="a commit of this repo (default: main)")
    ap.add_argument("--n", type=int, default=6000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    sha, tree = checkout(args.baseline)
    head, dirty = tree_state()
    labels = {"baseline": f"baseline {sha[:12]}", "tree": f"tree {head}{' + changes' if dirty else ''}"}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scaled.jsonl"
        n = corpus.write_jsonl(path, corpus.perturbed(corpus.rows(), args.n))
        print(f"# bench/parse_compare.py — {corpus.machine()}; load average at start {load()}")
        print(f"# input: {n} articles ({path.stat().st_size / 1e6:.0f} MB), the shared corpus scaled by corpus.perturbed;"
              f" {args.rounds} rounds each, alternating")
        srcs = {"baseline": tree / "src", "tree": ROOT / "src"}
        figures: dict[str, list[float]] = {"baseline": [], "tree": []}
        digests: dict[str, set[str]] = {"baseline": set(), "tree": set()}
        for r in range(args.rounds):
            for name in ("baseline", "tree") if r % 2 == 0 else ("tree", "baseline"):
                out = run(srcs[name], path)
                figures[name].append(out["cpu"] / out["articles"] * 1e3)
                digests[name].add(out["digest"])
                print(f"  round {r + 1} {labels[name]:<32} {figures[name][-1]:.3f} ms CPU an article  load {load()}")
        print(f"{'run':<32} {'best':>7} {'median':>7}  ms of CPU an article (parse, features, pickling)")
        for name in ("baseline", "tree"):
            print(f"{labels[name]:<32} {min(figures[name]):>7.3f} {statistics.median(figures[name]):>7.3f}")
        b, t = statistics.median(figures["baseline"]), statistics.median(figures["tree"])
        print(f"baseline / tree (medians): {b / t:.3f}x, {b - t:+.3f} ms an article")
        same = len(digests["baseline"] | digests["tree"]) == 1
        print(f"batches: {'same' if same else 'DIFFERENT'} ({', '.join(sorted(digests['baseline'] | digests['tree']))})")
        print(f"# load average at end {load()}")
        if not same:
            sys.exit(1)


if __name__ == "__main__":
    main()
