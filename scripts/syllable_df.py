"""Write the Vietnamese pack's syllable document frequencies (`lang/vi/syllable_df.json`): in how
many articles of the shared VietnameseMDS corpus (../shared/data/vietnamese-mds/articles.jsonl, the
`text` field) each folded token (`lang.tokens`: syllables, numbers) occurs. The alignment's
IDF-weighted pair features read it (`align.corpus_idf`): a syllable that a story's sentences share
says more when it is rare in news at large than when every article has it, which the story's own
IDF (three or four articles) cannot tell.

Only the texts are read, never a label: the labelled alignment stories are clusters of this corpus,
so their words are counted like any other article's. Tokens in one article only are left out (the
reader gives every token it does not find the frequency 1). Deterministic: the same corpus gives
the same file.

    python scripts/syllable_df.py [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import corpus  # noqa: E402

from newsfuse.lang import tokens  # noqa: E402

OUT = ROOT / "src" / "newsfuse" / "lang" / "vi" / "syllable_df.json"
MIN_DF = 2


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    rows = corpus.rows()
    df: Counter[str] = Counter()
    for r in rows:
        df.update(set(tokens(r["text"])))
    kept = {t: n for t, n in sorted(df.items(), key=lambda x: (-x[1], x[0])) if n >= MIN_DF}
    data = {"about": "articles of the shared VietnameseMDS corpus (text field) holding each folded token; "
                     "written by scripts/syllable_df.py", "documents": len(rows), "min_df": MIN_DF, "df": kept}
    args.out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{len(rows)} articles, {len(df)} tokens, {len(kept)} in {MIN_DF}+ articles -> {args.out}")


if __name__ == "__main__":
    main()
