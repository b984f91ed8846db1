"""How many of the conflicts a brief spells out are real disagreements (issue 13, item 4).

Each cluster of the shared corpus is briefed as one story (copies found as ingest finds them).
`--candidates FILE` writes every conflict the briefs flag when any difference of a unit's number,
a person's name or a day counts (`BriefConfig(conflicts_said_alike=False)`): the set an outside
labeller judged, blind to which rule keeps what (tests/data/conflict_labels.jsonl, conventions in
tests/data/README.md). Without it, prints the precision of each rule's flagged conflicts against
those labels, and the labelled disagreements each rule keeps, beside "every difference" (the
candidates themselves, and the same rule run now). Every figure here is a development figure: the gate was written reading these briefs.

    python bench/conflict_quality.py [--candidates tests/data/conflict_candidates.jsonl]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402

from newsfuse.brief import make_brief  # noqa: E402
from newsfuse.config import BriefConfig  # noqa: E402
from newsfuse.copies import find_copy_groups  # noqa: E402
from newsfuse.ingest import article_from_json  # noqa: E402

DATA = corpus.ROOT / "tests" / "data"


def story_articles() -> dict[str, list]:
    by_cluster: dict[str, list] = {}
    for r in corpus.rows():
        by_cluster.setdefault(r["cluster_id"], []).append(article_from_json(r, r["id"]))
    return by_cluster


def flagged(stories: dict[str, list], config: BriefConfig) -> list[dict]:
    """Every conflict the briefs spell out, with both sides' outlets and sentences."""
    out = []
    for cluster, articles in stories.items():
        brief = make_brief(cluster, articles, find_copy_groups(articles), config)
        for c in brief.conflicts:
            out.append({"cluster": cluster, "kind": c.kind, "conflict": c.text,
                        "sides": [{"value": s.value, "outlets": s.outlets, "sentences": s.sentences}
                                  for s in c.sides]})
    return out


def key(row: dict) -> tuple[str, str]:
    return row["cluster"], row["conflict"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--candidates", type=Path, help="write every difference's conflicts here and stop")
    args = ap.parse_args()
    stories = story_articles()
    every = flagged(stories, BriefConfig(conflicts_said_alike=False))
    if args.candidates:
        with args.candidates.open("w", encoding="utf-8") as f:
            for i, row in enumerate(every, 1):
                f.write(json.dumps({"id": i} | row, ensure_ascii=False) + "\n")
        print(f"{len(every)} candidates written to {args.candidates}")
        return
    candidates = [json.loads(line) for line in (DATA / "conflict_candidates.jsonl").open(encoding="utf-8")]
    ids = {key(c): c["id"] for c in candidates}
    labels = {json.loads(line)["id"]: json.loads(line)["real"]
              for line in (DATA / "conflict_labels.jsonl").open(encoding="utf-8")}
    real = {i for i, yes in labels.items() if yes}
    print(f"# {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.machine()}, Python {platform.python_version()}")
    print(f"# {len(stories)} clusters briefed; {len(labels)} candidates labelled, {len(real)} real disagreements")
    print("| rule | flagged | labelled real | precision | real ones kept | unlabelled |")
    print("|---|---|---|---|---|---|")
    rows = [("main 907e944, every difference (the candidates; baseline)", candidates),
            ("every difference, names' short forms, misspellings and cut words joined", every),
            ("shipped: the two sentences say the same besides it", flagged(stories, BriefConfig()))]
    for name, found in rows:
        got = [ids.get(key(r)) for r in found]
        known = [i for i in got if i is not None]
        yes = sum(i in real for i in known)
        precision = yes / len(known) if known else 0.0
        print(f"| {name} | {len(found)} | {yes} | {precision:.2f} | {yes} of {len(real)} | {len(got) - len(known)} |")
        if name.startswith("shipped"):
            for r, i in zip(found, got):
                print(f"#   kept: id {i} ({'real' if i in real else 'not real' if i else 'unlabelled'}) "
                      f"{r['cluster']}: {r['conflict']}")


if __name__ == "__main__":
    main()
