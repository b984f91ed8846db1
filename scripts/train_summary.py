"""Train the summary's sentence scorer that ships in the Vietnamese pack (newsfuse/brief.py).

    python scripts/train_summary.py [--half A|B|all] [--out PATH]

A logistic regression (scikit-learn) over `brief.sentence_features` of every aligned sentence of
the shared VietnameseMDS clusters, its target the share of the two human references that copy the
sentence (`summary_quality.copied_rows`: a reference sentence agreeing with it in 70% of their
syllable bigrams; the greedy ROUGE-2 oracle's choice was the target before); the coefficients and the standardising are written as
JSON (`lang/vi/summary_scorer.json`, read by `brief.SentenceScorer`). Trained on half A of
bench/summary_quality.py's split by default, as the hand weights before it were chosen on half A:
the bench's A->B row is then the shipped model scored on clusters it never saw (`--half all` trained
on all 149 scored lower on both halves; docs/decisions.md). The lbfgs solver has no random start and
the clusters are read in file order, so the same data give the same file.
Needs ../shared (the corpus).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import corpus  # noqa: E402
import summary_quality  # noqa: E402

from newsfuse.align import align  # noqa: E402
from newsfuse.brief import SCORER_FILE  # noqa: E402
from newsfuse.config import BriefConfig  # noqa: E402
from newsfuse.ingest import article_from_json  # noqa: E402

OUT = ROOT / "src" / "newsfuse" / "lang" / "vi" / SCORER_FILE


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--half", choices=("A", "B", "all"), default="A",
                    help="the half of bench/summary_quality.py's split to train on (default A), or all")
    ap.add_argument("--words", type=int, default=180)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    t = time.perf_counter()
    by_cluster: dict[str, list] = {}
    for r in corpus.rows():
        by_cluster.setdefault(r["cluster_id"], []).append(article_from_json(r, r["id"]))
    clusters = corpus.clusters()
    ids = [c["cluster_id"] for c in clusters]
    if args.half != "all":
        keep = set(summary_quality.halves(ids)["AB".index(args.half)])
        clusters = [c for c in clusters if c["cluster_id"] in keep]
    rows = []
    for c in clusters:
        arts = sorted(by_cluster[c["cluster_id"]], key=lambda a: (a.published or "\uffff", a.id))
        rows.append(summary_quality.training_rows(align(arts, BriefConfig()), arts, c["summaries"], args.words))
    note = (f"VietnameseMDS shared clusters, {'half ' + args.half if args.half != 'all' else 'all'} "
            f"({len(rows)} clusters), sentences the references copy; scripts/train_summary.py")
    model = summary_quality.train_scorer(rows, note)
    args.out.write_text(json.dumps(model, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"trained on {len(rows)} clusters, {model['sentences']} sentences ({model['positives']} copied by the "
          f"references), {time.perf_counter() - t:.0f} s -> {args.out}")
    for name, coef in sorted(zip(model["features"], model["coef"]), key=lambda x: -abs(x[1])):
        print(f"  {name:<18} {coef:+.3f}")


if __name__ == "__main__":
    main()
