"""Inputs for the benchmarks: the shared VietnameseMDS corpus, and copies of it scaled up by perturbing."""

from __future__ import annotations

import json
import platform
import random
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MDS = ROOT.parent / "shared" / "data" / "vietnamese-mds"
SEEDS = ROOT.parent / "shared" / "data" / "seeds"


def require_shared() -> None:
    if not (MDS / "articles.jsonl").exists():
        sys.exit(f"skipped: {MDS} is absent (the shared data lives in ../shared next to the project)")


def rows() -> list[dict]:
    require_shared()
    return [json.loads(line) for line in (MDS / "articles.jsonl").open(encoding="utf-8")]


def clusters() -> list[dict]:
    require_shared()
    return [json.loads(line) for line in (MDS / "clusters.jsonl").open(encoding="utf-8")]


def perturbed(base: list[dict], n: int, seed: int = 0, first_round: int = 0) -> Iterator[dict]:
    """`n` articles: round k of the corpus has new ids, dates shifted by 200*k days (beyond the
    reach of any story, so each round forms its own stories as news of another season would) and
    its sentences shuffled, so no two rounds are byte-identical (they are near-copies). From
    round `first_round` on (the shuffles then differ from those of the rounds made from 0)."""
    rng = random.Random(seed if not first_round else f"{seed}-{first_round}")
    k = first_round
    produced = 0
    while produced < n:
        for r in base:
            if produced >= n:
                return
            if k == 0:
                yield r
            else:
                from newsfuse.text import split

                spans = split(r["text"]).sentences
                sentences = [r["text"][a:b] for a, b in spans]
                rng.shuffle(sentences)
                date = datetime.fromisoformat(r["date"]) + timedelta(days=200 * k)
                yield r | {"id": f"{r['id']}-{k}", "cluster_id": f"{r['cluster_id']}-{k}",
                           "date": date.strftime("%Y-%m-%dT%H:%M"), "text": " ".join(sentences)}
            produced += 1
        k += 1


def write_jsonl(path: Path, items) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        for item in items:
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")
            n += 1
    return n


def machine() -> str:
    import os

    return (f"{datetime.now():%Y-%m-%d}, {platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}")


def peak_rss_mb() -> tuple[float, float]:
    """Peak resident memory (MB) of this process and of its largest child."""
    import resource

    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)


def planted_copy(row: dict, rng: random.Random, new_id: str, outlet: str, days: float = 1.0) -> dict:
    """A near copy of `row` by another outlet, as syndication makes them: one sentence of the
    middle dropped, a closing credit line added, published up to `days` later."""
    from newsfuse.text import split

    text = row["text"]
    spans = split(text).sentences
    if len(spans) >= 4:
        a, b = spans[rng.randrange(1, len(spans) - 1)]
        text = (text[:a] + text[b:]).replace("  ", " ")
    date = datetime.fromisoformat(row["date"]) + timedelta(minutes=rng.randrange(10, max(11, int(days * 1440))))
    return row | {"id": new_id, "source": outlet, "url": None, "date": date.strftime("%Y-%m-%dT%H:%M"),
                  "text": text.rstrip() + f"\n\nTheo {outlet}", "copy_of": row["id"]}


def previous_stories(rev: str):
    """`newsfuse/stories.py` of revision `rev`, run against today's package as a module of its own:
    the clusterer before a change, measured beside today's in the same process."""
    import importlib.util
    import subprocess

    source = subprocess.run(["git", "show", f"{rev}:src/newsfuse/stories.py"], capture_output=True, text=True,
                            check=True, cwd=ROOT).stdout
    spec = importlib.util.spec_from_loader("newsfuse._stories_previous", loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "newsfuse"
    sys.modules[spec.name] = module
    exec(compile(source, f"{rev}:stories.py", "exec"), module.__dict__)
    return module


def child_result(script: str, src: Path, *args: str) -> dict:
    """Run `script` again as a child process with the checkout `src` first on its path (two
    checkouts of newsfuse cannot share one process) and read the JSON object its last line prints."""
    import json
    import os
    import subprocess
    import sys

    done = subprocess.run([sys.executable, script, "--child", *args], env=os.environ | {"PYTHONPATH": str(src)},
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def dated_ahead(config):
    """`config` (a newsfuse Config) with the ingest's day far ahead: the scaled rounds are dated 200
    days apart, up to decades ahead, and the future-date check (`IngestConfig.future_days`, since
    5ba74d6) would refuse them, parsed but not stored. A checkout before that check is left as it is."""
    from dataclasses import replace
    from datetime import date

    if not hasattr(config.ingest, "today"):
        return config
    return replace(config, ingest=replace(config.ingest, today=date(9000, 1, 1)))
