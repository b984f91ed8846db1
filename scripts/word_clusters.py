"""Word clusters learned from the shared corpus's text, for the learned entity tagger (newsfuse/tagger.py).

    python scripts/word_clusters.py [--out PATH] [--clusters 256]

No labels are read: every word (the tagger's words, lower-cased) seen at least `--min-count` times (2)
in the titles, leads and texts of the 471 articles of ../shared/data/vietnamese-mds is described by
the words seen right before and right after it (counts over the most frequent words, weighted by
positive pointwise mutual information, then reduced by a truncated SVD), and the words are grouped
by k-means twice: into `--coarse` groups, then each group into finer ones. A word's cluster is
written `coarse.fine` (`17.3`), so the tagger can use the coarse part alone. Words that play the
same part in sentences end up together (given names, place names, organisation heads, verbs of
saying), which lets the tagger generalise from a labelled name to an unlabelled one of its cluster.
Deterministic (fixed seeds): the same corpus gives the same file.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import corpus  # noqa: E402

OUT = ROOT / "src" / "newsfuse" / "lang" / "vi" / "word_clusters.tsv"


def corpus_sentences():
    from newsfuse import lang
    from newsfuse.entities import _words, lexicon
    from newsfuse.text import split

    lx = lexicon(lang.get("vi"))
    for r in corpus.rows():
        for name in ("title", "lead", "text"):
            text = r.get(name) or ""
            for a, b in split(text).sentences:
                words = [lx.fold(w) for w in _words(lx, text[a:b])]
                if words:
                    yield words


def main() -> None:
    import numpy as np
    from scipy.sparse import coo_matrix
    from sklearn.cluster import KMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--min-count", type=int, default=2)
    ap.add_argument("--contexts", type=int, default=1500)
    ap.add_argument("--dims", type=int, default=60)
    ap.add_argument("--coarse", type=int, default=48)
    ap.add_argument("--fine", type=int, default=6)
    args = ap.parse_args()
    corpus.require_shared()
    sentences = list(corpus_sentences())
    counts = Counter(w for s in sentences for w in s)
    vocab = sorted((w for w, c in counts.items() if c >= args.min_count and any(ch.isalpha() for ch in w)),
                   key=lambda w: (-counts[w], w))
    index = {w: k for k, w in enumerate(vocab)}
    contexts = [w for w, _ in sorted(counts.items(), key=lambda x: (-x[1], x[0]))[:args.contexts]]
    cindex = {w: k for k, w in enumerate(contexts)}
    rows, cols = [], []
    for s in sentences:
        padded = ["<s>", *s, "</s>"]
        for i in range(1, len(padded) - 1):
            k = index.get(padded[i])
            if k is None:
                continue
            for side, other in ((0, padded[i - 1]), (1, padded[i + 1])):
                c = cindex.get(other, len(contexts)) if other not in ("<s>", "</s>") else len(contexts) + 1
                rows.append(k)
                cols.append(side * (len(contexts) + 2) + c)
    m = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(vocab), 2 * (len(contexts) + 2))).tocsr()
    m.sum_duplicates()
    total = m.sum()
    row = np.asarray(m.sum(axis=1)).ravel()
    col = np.asarray(m.sum(axis=0)).ravel()
    m = m.tocoo()
    pmi = np.log(m.data * total / (row[m.row] * col[m.col]))
    keep = pmi > 0
    ppmi = coo_matrix((pmi[keep], (m.row[keep], m.col[keep])), shape=m.shape).tocsr()
    vectors = normalize(TruncatedSVD(args.dims, random_state=0).fit_transform(ppmi))
    coarse = KMeans(args.coarse, random_state=0, n_init=4).fit_predict(vectors)
    fine = np.zeros(len(vocab), dtype=int)
    for c in range(args.coarse):
        members = np.flatnonzero(coarse == c)
        if len(members) > args.fine:
            fine[members] = KMeans(args.fine, random_state=0, n_init=2).fit_predict(vectors[members])
    with args.out.open("w", encoding="utf-8") as out:
        out.write("# word\tcluster (coarse.fine): written by scripts/word_clusters.py from the shared corpus's text\n")
        for w in sorted(vocab):
            out.write(f"{w}\t{coarse[index[w]]}.{fine[index[w]]}\n")
    print(f"{len(sentences)} sentences, {len(vocab)} words (>= {args.min_count}) -> {args.out} "
          f"({args.out.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
