"""Credits and caption leftovers still inside the sentences of the shared corpus (issue 13, item 1):
every sentence of the 471 articles as ingest makes them (`article_from_json`), counted by kind:

- `front`: a photo or source credit opening the sentence (`(Nguồn: Reuters) Thủ tướng ...`,
  `Nguồn: scmp.com Ông ...`, `Ảnh minh họa Khối lượng ...`, `Ảnh minh họa. (eFinance Online) - Cục ...`,
  `Ảnh VGP/Từ Lương Phát biểu ...`);
- `inline`: a bracketed credit inside it, a caption glued to the report (`... tự sát (Ảnh AP) Sokolov ...`),
  or one without its colon after a dash (`... "mãn nhãn" - Ảnh Theverge`, `- Ảnh do người dân cung cấp Sau ...`);
- `cut name`: a sentence that opens inside a credit's name, cut at its dot (`Ảnh: N.` + `T.Phúc Theo ...`);
- `rule/links`: a rule line or the related-articles header (`QUỐC LINH ------- * Tin bài liên quan:`);
- `colon credit`: `Ảnh:`/`Nguồn:` anywhere else in it;
- `dateline`: the article's first sentence, after a caption or credit, opening with an outlet's code
  and a dash (`... (Ảnh: Thu Trang) NDĐT- Sự kiện ...`): ingest cuts a dateline only at the top
  (`GS - TS Võ Tòng Xuân ...` later in a text is a title, not counted).

Each sentence is counted once (the first kind that matches); the examples are printed.

    python bench/credit_leftovers.py [--examples N]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "data" / "vietnamese-mds" / "articles.jsonl"

from newsfuse.ingest import article_from_json  # noqa: E402
from newsfuse.text import CAPITALS  # noqa: E402

CAP = "[" + CAPITALS + "]"
KINDS = [
    ("front", re.compile(r"^\((?:Nguồn|Ảnh|Photo)\b[^()]{0,60}\)\s+\S"
                         r"|^(?:Nguồn|Nguồn ảnh|Ảnh|Photo)\s*:\s*\S"
                         r"|^\(?Ảnh (?:minh họa|minh hoạ|tư liệu|internet|chụp màn hình)\)?\.?\s+(?:\(|" + CAP + ")"
                         r"|^(?:Ảnh|Nguồn)\s+" + CAP + r"\S*/")),
    ("inline", re.compile(r"\((?:Nguồn|Ảnh)\b[^()]{0,60}\)\s+" + CAP
                          + r"|\s[-–]\s*Ảnh\s+(?:do\s|minh họa|minh hoạ|tư liệu|" + CAP + ")")),
    ("rule/links", re.compile(r"-{4,}|_{4,}|={4,}|Tin bài liên quan|Tin liên quan\s*:")),
    ("colon credit", re.compile(r"(?:^|\s|\()(?:Ảnh|Nguồn)\s*:")),
]
DATELINE = re.compile(r"^(?:" + CAP + r"[" + CAPITALS + r".]{1,14}|\([^()\n]{2,30}\))\s*[-–—]\s")
# The sentence opens inside a credit: the text before it on its line ends in `Ảnh: N.` (no space since).
CUT_BEFORE = re.compile(r"(?:Ảnh|Nguồn)\s*:\s*\S*\.$")


def leftovers(article) -> list[tuple[str, str]]:
    out = []
    for s in article.sentences:
        line_start = article.text.rfind("\n", 0, s.start) + 1
        before = article.text[max(line_start, s.start - 40):s.start]
        if s is article.sentences[0] and article.text[:s.start].strip() and DATELINE.match(s.text):
            out.append(("dateline", s.text))
            continue
        if CUT_BEFORE.search(before):
            out.append(("cut name", s.text))
            continue
        for kind, pattern in KINDS:
            if pattern.search(s.text):
                out.append((kind, s.text))
                break
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=100)
    args = parser.parse_args()
    rows = [json.loads(line) for line in CORPUS.open(encoding="utf-8")]
    counts: dict[str, int] = {}
    sentences = 0
    examples = []
    for r in rows:
        a = article_from_json(r, r["id"])
        sentences += len(a.sentences)
        for kind, text in leftovers(a):
            counts[kind] = counts.get(kind, 0) + 1
            examples.append((r["id"], kind, text))
    total = sum(counts.values())
    print(f"{len(rows)} articles, {sentences} sentences; {total} hold a credit or caption leftover:")
    for kind in ("front", "inline", "cut name", "rule/links", "colon credit", "dateline"):
        print(f"  {kind:<13} {counts.get(kind, 0):>4}")
    for id_, kind, text in examples[:args.examples]:
        print(f"  {id_} {kind:<13} {text[:110]}")


if __name__ == "__main__":
    sys.exit(main())
