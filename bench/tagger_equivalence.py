"""Same entities and briefs from two checkouts (issues 13 and 17: the entity tagger made cheaper
must say the same): every cluster of the shared corpus read by `story_entities` (its entities and
what each sentence named) once after the readers' process caches are emptied (a first reading)
and once more in the same process (what a second reading takes from those caches), then its brief
(`make_brief(...).to_dict()`, as the API serves it), each checkout in its own process.

    python bench/tagger_equivalence.py [--baseline ../main/src] [--show 5]

Prints how many clusters' records differ and the first few differences; exit code 1 when any do.
`--emit FILE` is the child's mode: write this process's records (newsfuse as imported) to FILE.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402

HERE = Path(__file__).resolve().parents[1] / "src"


def emit(path: Path) -> None:
    import newsfuse
    from newsfuse.brief import make_brief
    from newsfuse.entities import clear_caches, story_entities
    from newsfuse.ingest import article_from_json
    from newsfuse.timeline import clear_caches as clear_dates

    from newsfuse.tagger import EntityTagger

    # What the model reads of each sentence it tags: the attributes it knows, in their order (a
    # checkout may hand CRFsuite bytes, or leave out those the model does not know, which CRFsuite
    # passes over), as strings; a digest of them per cluster.
    import pycrfsuite

    seen = hashlib.sha1()
    labels = EntityTagger.labels
    known: dict[str, set[str]] = {}

    def hooked(self, features):
        model = known.get(str(self.model))
        if model is None:
            t = pycrfsuite.Tagger()
            t.open(str(self.model))
            model = known[str(self.model)] = set(t.info().attributes)
        for feats in features:
            text = [x.decode() if isinstance(x, bytes) else x for x in feats]
            seen.update("\x1f".join(x for x in text if x in model).encode() + b"\x1e")
        seen.update(b"\x1d")
        return labels(self, features)

    EntityTagger.labels = hooked
    by_cluster: dict[str, list] = {}
    for r in corpus.rows():
        by_cluster.setdefault(r["cluster_id"], []).append(article_from_json(r, r["id"]))

    def entities(arts) -> list:
        found, mentions = story_entities(arts)
        return [[[e.name, e.type, e.roles, e.aliases, e.outlets,
                  [[c.article_id, c.sentence_index] for c in e.mentions]] for e in found],
                sorted([list(k), [list(m) for m in v]] for k, v in mentions.items())]

    with path.open("w", encoding="utf-8") as fh:
        for key in sorted(by_cluster):
            arts = sorted(by_cluster[key], key=lambda a: (a.published or "\uffff", a.id))
            clear_caches()
            clear_dates()
            seen = hashlib.sha1()
            first = entities(arts)
            again = entities(arts)
            brief = make_brief(key, arts).to_dict()
            fh.write(json.dumps({"key": key, "first": first, "again": again, "brief": brief,
                                 "features": seen.hexdigest()},
                                ensure_ascii=False, sort_keys=True) + "\n")
    print(f"# {len(by_cluster)} clusters from {Path(newsfuse.__file__).parents[1]}", file=sys.stderr)


def run(src: Path, out: Path) -> dict[str, dict]:
    env = os.environ | {"PYTHONPATH": str(src), "PYTHONHASHSEED": "0"}
    subprocess.run([sys.executable, __file__, "--emit", str(out)], env=env, check=True)
    return {r["key"]: r for r in map(json.loads, out.open(encoding="utf-8"))}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline", type=Path, default=HERE.parents[1] / "main" / "src")
    ap.add_argument("--emit", type=Path)
    ap.add_argument("--show", type=int, default=5)
    args = ap.parse_args()
    if args.emit:
        emit(args.emit)
        return
    corpus.require_shared()
    print(f"# bench/tagger_equivalence.py — {corpus.machine()}; baseline {args.baseline.resolve()}, "
          f"this {HERE}")
    with tempfile.TemporaryDirectory() as tmp:
        old = run(args.baseline.resolve(), Path(tmp) / "old.jsonl")
        new = run(HERE, Path(tmp) / "new.jsonl")
    differ = {part: 0 for part in ("first", "again", "brief", "features")}
    shown = 0
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key, {}), new.get(key, {})
        for part in differ:
            if a.get(part) != b.get(part):
                differ[part] += 1
                if shown < args.show:
                    shown += 1
                    print(f"--- {key} {part}\n  was {json.dumps(a.get(part), ensure_ascii=False)[:600]}\n"
                          f"  now {json.dumps(b.get(part), ensure_ascii=False)[:600]}")
    n = len(old.keys() | new.keys())
    mentions = sum(len(r["first"][1]) for r in new.values())
    entities = sum(len(r["first"][0]) for r in new.values())
    print(f"{n} clusters ({entities} entities, {mentions} sentences' mentions): first reading differs in "
          f"{differ['first']}, second reading in {differ['again']}, brief JSON in {differ['brief']}, "
          f"the model's attributes in {differ['features']}")
    print("same output" if not any(differ.values()) else "OUTPUT DIFFERS")
    sys.exit(1 if any(differ.values()) else 0)


if __name__ == "__main__":
    main()
