"""What trafilatura keeps of an article page, balanced (its default) against `favor_recall=True`
and against balanced on the page with the divs inside paragraphs made spans (what newsfuse reads,
`ingest.divs_inside_paragraphs_inline`):
the 471 shared-corpus articles rendered as outlet pages (tests/newsroom.py: navigation, headline,
paragraphs, related links, footer), as written and with one paragraph holding a `<div>` (broken
HTML: a `<div>` inside a `<p>`, which the HTML parser, as browsers do, closes the `<p>` at, so the
div's text and what follows it stand outside any paragraph). Counted: sentences of the article
missing from the extracted text, and the page's boilerplate (navigation, related links, footer)
taken into it.

    python bench/html_recall.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from newsroom import article_page  # noqa: E402

from newsfuse.text import clean, split  # noqa: E402

BOILERPLATE = ("Trang chủ", "Thời sự", "Tin liên quan", "Một tin khác", "Giấy phép số")


def pages(rows):
    """Each article as a page of paragraphs of three sentences, plain and with a nested div."""
    for r in rows:
        text = clean(r["text"])
        sents = [text[s:e] for s, e in split(text).sentences]
        if len(sents) < 3:
            continue
        paras = ["\n".join([" ".join(sents[i:i + 3])]) for i in range(0, len(sents), 3)]
        plain = article_page(r["title"], "\n".join(paras), site_name="Báo Thử", date=r.get("date"))
        # The second sentence of the first paragraph in a div inside the paragraph.
        import html as h
        esc = [h.escape(s) for s in sents[:3]]
        first_esc = f"<p>{esc[0]} <div>{esc[1]}</div> {esc[2]}</p>"
        nested = plain.replace(f"<p>{h.escape(paras[0])}</p>", first_esc, 1)
        assert nested != plain, r["id"]
        yield r["id"], sents, plain, nested


def main() -> None:
    import trafilatura

    rows = [json.loads(line) for line in (ROOT.parent / "shared" / "data" / "vietnamese-mds" / "articles.jsonl").open(encoding="utf-8")]
    found = list(pages(rows))
    print(f"{len(found)} pages (articles of 3 sentences or more), each plain and with a nested div")
    print(f"{'mode':<10} {'page':<7} {'pages losing text':>18} {'sentences lost':>15} {'pages with boilerplate':>23} {'s':>6}")
    from newsfuse.ingest import divs_inside_paragraphs_inline

    for mode, kw in (("balanced", {}), ("recall", {"favor_recall": True}), ("repaired", {})):
        for kind in ("plain", "nested"):
            t = time.perf_counter()
            losing = lost = noisy = total = 0
            for _id, sents, plain, nested in found:
                page = plain if kind == "plain" else nested
                if mode == "repaired":  # what newsfuse reads: balanced, the divs of a paragraph inline
                    page = divs_inside_paragraphs_inline(page)
                doc = trafilatura.bare_extraction(page, with_metadata=True,
                                                  include_comments=False, **kw)
                got = clean(doc.text if doc is not None and doc.text else "")
                miss = sum(1 for s in sents if s not in got)
                total += len(sents)
                lost += miss
                losing += miss > 0
                noisy += any(b in got for b in BOILERPLATE)
            print(f"{mode:<10} {kind:<7} {losing:>18} {lost:>9} of {total:<5} {noisy:>22} {time.perf_counter() - t:>6.1f}")


if __name__ == "__main__":
    main()
