"""The stories `newsfuse ingest` makes of the shared corpus, against `newsfuse cluster`'s (issue 12
item 1, issue 19): a first load into an empty store is placed as the batch places it
(`IngestConfig.batch_stories`, on by default), the stream being what ingest did before (one
article at a time, as it still places every later ingest).

For each of the 5 shuffled input orders of `bench/cluster_quality.py` (and the date order), the
same JSONL lines are ingested into a fresh store with the batch on and with it off, and given to
`stories.cluster` (what `newsfuse cluster FILE` runs); printed per order: stories, B-cubed F1 of
ingest's stories against cluster's (1.000: the same partition) and whether the story ids are the
same too, and B-cubed P/R/F1 of each against the gold clusters; then min / mean / max over the
shuffles. The entity index is off (another stage, per story).

    python bench/ingest_stories.py
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402
from cluster_quality import orders  # noqa: E402  (the same 5 shuffles)

import newsfuse  # noqa: E402
from newsfuse.config import Config, EntityConfig, IngestConfig  # noqa: E402
from newsfuse.evaluation import bcubed  # noqa: E402
from newsfuse.ingest import Rejection, read_jsonl  # noqa: E402
from newsfuse.stories import cluster  # noqa: E402


def ingest(path: Path, db: Path, batch: bool) -> tuple[dict[str, str], float]:
    config = replace(Config(db=db), entities=replace(EntityConfig(), index_at_ingest=False),
                     ingest=replace(IngestConfig(), batch_stories=batch))
    t = time.process_time()
    with newsfuse.open(config=config) as nf:
        nf.ingest([path])
        return nf.store.story_assignments(), time.process_time() - t


def batch_file(path: Path) -> dict[str, str]:
    arts = [a for a in read_jsonl(path, IngestConfig()) if not isinstance(a, Rejection)]
    return {x.article_id: x.story_id for x in cluster(arts)}


def main() -> None:
    rows = corpus.rows()
    gold = {r["id"]: r["cluster_id"] for r in rows}
    by_date = sorted(rows, key=lambda r: (r["date"] or "", r["id"]))
    print(f"# bench/ingest_stories.py — {corpus.machine()}; load average at start "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"# {len(rows)} articles, {len(set(gold.values()))} gold clusters; ingest CPU is the main process's")
    print(f"{'order':<8} {'method':<26} {'stories':>7} {'F1 vs cluster':>13} {'same ids':>8} "
          f"{'P':>6} {'R':>6} {'F1':>6} {'CPU s':>6}")
    f1s: dict[str, list[float]] = {}
    agree: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for k, order in enumerate([by_date] + orders(rows)):
            name = "date" if k == 0 else f"shuf {k}"
            path = Path(tmp) / f"order{k}.jsonl"
            path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in order), encoding="utf-8")
            want = batch_file(path)
            runs = [("newsfuse cluster", want, 0.0)]
            for label, on in (("ingest, batch (now)", True), ("ingest, stream (before)", False)):
                got, cpu = ingest(path, Path(tmp) / f"{k}-{on}.db", on)
                runs.append((label, got, cpu))
            for label, got, cpu in runs:
                p, r, f = bcubed(got, gold)
                _, _, between = bcubed(got, want)
                same = got == want
                print(f"{name:<8} {label:<26} {len(set(got.values())):>7} {between:>13.3f} {'yes' if same else 'no':>8} "
                      f"{p:>6.3f} {r:>6.3f} {f:>6.3f} {cpu:>6.1f}")
                if k:
                    f1s.setdefault(label, []).append(f)
                    agree.setdefault(label, []).append(between)
    print("\nover the 5 shuffles, min / mean / max:")
    for label in f1s:
        print(f"  {label:<26} F1 vs gold {min(f1s[label]):.3f} / {statistics.mean(f1s[label]):.3f} / "
              f"{max(f1s[label]):.3f}; F1 vs cluster {min(agree[label]):.3f} / {statistics.mean(agree[label]):.3f} / "
              f"{max(agree[label]):.3f}")
    print("# load average at end " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
