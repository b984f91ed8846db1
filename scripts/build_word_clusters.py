"""Learn word clusters from unlabelled text for the entity tagger's features (issue 14).

    python scripts/build_word_clusters.py [--out PATH] [--k 256] [--dims 64] [--min-count 3]

Word clusters are the classic remedy of a NER model for words its labels never showed it: a word
unseen in training shares a cluster with words seen in the same contexts. Here each word (folded as
the tagger folds it: lower case, one tone placement; words with a digit and punctuation left out) is
a row of positive PMI with the words one and two places either side (position-specific, context
counts smoothed by the 0.75 power), reduced to `--dims` dimensions by scikit-learn's TruncatedSVD,
normalised, and cut into `--k` clusters by scikit-learn's KMeans; SciPy's Ward linkage over the
k centroids then orders the clusters in a binary tree, so each word's cluster is a path of bits and
its prefixes are coarser clusters (as Brown clusters are read). Learnt on the words of titles, leads
and texts of the shared corpus's articles (../shared/data/vietnamese-mds), no labels read; `--exclude`
leaves out stories (bench/entity_cv.py learns each fold's clusters without its held-out stories).
Seeded (random_state 0): the same text gives the same file.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import corpus  # noqa: E402

OUT = ROOT / "src" / "newsfuse" / "lang" / "vi" / "word_clusters.tsv"
FIELDS = ("title", "lead", "text")


def corpus_texts(exclude: Iterable[str] = ()) -> list[str]:
    """The titles, leads and texts of the shared corpus's articles, less those of the stories in `exclude`."""
    left_out = set(exclude)
    return [r[f] for r in corpus.rows() if r["cluster_id"] not in left_out for f in FIELDS if (r.get(f) or "").strip()]


def sentences(texts: Iterable[str]) -> list[list[str]]:
    """Each sentence as the tagger's folded words (`entities._words`, the pack's fold)."""
    from newsfuse import lang
    from newsfuse.entities import _words, lexicon
    from newsfuse.text import split

    lx = lexicon(lang.get("vi"))
    out = []
    for text in texts:
        for a, b in split(text).sentences:
            out.append([lx.fold(w) for w in _words(lx, text[a:b])])
    return out


def _clusterable(w: str) -> bool:
    return any(c.isalpha() for c in w) and not any(c.isdigit() for c in w)


def learn(sents: list[list[str]], k: int = 256, dims: int = 64, min_count: int = 3, seed: int = 0) -> dict[str, str]:
    """{folded word: its cluster's path of bits in the tree of clusters}."""
    import numpy as np
    from scipy import sparse
    from scipy.cluster.hierarchy import linkage, to_tree
    from sklearn.cluster import KMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    counts = Counter(w for s in sents for w in s)
    vocab = sorted(w for w, n in counts.items() if n >= min_count and _clusterable(w))
    row = {w: i for i, w in enumerate(vocab)}
    # contexts: any word seen min_count times (punctuation and numbers too: `,` after a name says
    # something), by offset, and the sentence's edges
    context_words = sorted(w for w, n in counts.items() if n >= min_count)
    col = {(off, w): j for j, (off, w) in enumerate((off, w) for off in (-2, -1, 1, 2) for w in [*context_words, "<s>"])}
    pairs: Counter = Counter()
    for s in sents:
        padded = ["<s>", "<s>", *s, "<s>", "<s>"]
        for i, w in enumerate(s):
            r = row.get(w)
            if r is None:
                continue
            for off in (-2, -1, 1, 2):
                j = col.get((off, padded[i + 2 + off]))
                if j is not None:
                    pairs[r, j] += 1
    if len(vocab) < k:
        raise ValueError(f"{len(vocab)} words seen {min_count} times: fewer than {k} clusters")
    rows, cols = zip(*pairs)
    m = sparse.csr_matrix((np.fromiter(pairs.values(), float), (rows, cols)), shape=(len(vocab), len(col)))
    total = m.sum()
    p_w = np.asarray(m.sum(axis=1)).ravel() / total
    p_c = np.asarray(m.sum(axis=0)).ravel() ** 0.75
    p_c /= p_c.sum()
    m = m.tocoo()
    pmi = np.log((m.data / total) / (p_w[m.row] * p_c[m.col]))
    keep = pmi > 0
    ppmi = sparse.csr_matrix((pmi[keep], (m.row[keep], m.col[keep])), shape=m.shape)
    vectors = normalize(TruncatedSVD(dims, random_state=seed).fit_transform(ppmi))
    km = KMeans(k, n_init=4, random_state=seed).fit(vectors)
    tree = to_tree(linkage(km.cluster_centers_, "ward"))
    paths: dict[int, str] = {}
    stack = [(tree, "")]
    while stack:
        node, path = stack.pop()
        if node.is_leaf():
            paths[node.id] = path or "0"
        else:
            stack += [(node.left, path + "0"), (node.right, path + "1")]
    return {w: paths[int(c)] for w, c in zip(vocab, km.labels_)}


def write(clusters: dict[str, str], path: Path, note: str) -> None:
    lines = [f"# {note}", "# folded word<TAB>its cluster's path in the tree of clusters (newsfuse.tagger.WordClusters)"]
    lines += [f"{w}\t{b}" for w, b in sorted(clusters.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--k", type=int, default=256)
    ap.add_argument("--dims", type=int, default=64)
    ap.add_argument("--min-count", type=int, default=3)
    ap.add_argument("--exclude", default="", help="comma-separated story (cluster) ids whose articles are left out")
    args = ap.parse_args()
    corpus.require_shared()
    t = time.perf_counter()
    sents = sentences(corpus_texts([x for x in args.exclude.split(",") if x]))
    clusters = learn(sents, args.k, args.dims, args.min_count)
    write(clusters, args.out, f"scripts/build_word_clusters.py --k {args.k} --dims {args.dims} --min-count "
                              f"{args.min_count}: {sum(map(len, sents))} words of the shared corpus's titles, leads "
                              f"and texts" + (f", stories {args.exclude} left out" if args.exclude else ""))
    print(f"{len(clusters)} words in {args.k} clusters from {len(sents)} sentences, "
          f"{time.perf_counter() - t:.0f} s -> {args.out} ({args.out.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
