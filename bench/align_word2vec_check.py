"""Would word2vec neighbours help alignment? A pair-level check before any aligner run (issue 12,
item 4; docs/decisions.md, "Alignment: word associations learned from the corpus").

word2vec (gensim, not a dependency: `pip install gensim`) is trained on every sentence of the shared
corpus, articles and summaries, the 27 labelled tuning stories' own clusters INCLUDED: an
optimistic check (a held-out table can only know less). Each content word's nearest neighbours
(scripts/word_associations.py `vector_table`) are the association table, read by the same term as
`bench/align_quality.py --associations` (`AssocPairs`). Printed: how often the term is non-zero on
gold and on all cross-article pairs, its average precision among the pairs whose words' similarity
is below 0.2 (where the missed paraphrases are) against chance, and the average precision of
words + w x term over all pairs. Run with PYTHONHASHSEED=0 for the same table twice.

    PYTHONHASHSEED=0 python bench/align_word2vec_check.py   # -> bench/results/align_word2vec_check.txt
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import corpus  # noqa: E402
from align_quality import AssocPairs, tuning_stories  # noqa: E402

from newsfuse import lang  # noqa: E402
from newsfuse.align import _function_words  # noqa: E402


def main() -> None:
    try:
        import gensim  # noqa: F401
    except ImportError:
        sys.exit("skipped: gensim is not installed (pip install gensim); it is no dependency of newsfuse")
    import word_associations as wa

    stop = lang.for_language("vi").view("align_function_words", _function_words)
    sentences = wa.cluster_sentences()
    table = wa.vector_table(sentences, stop)
    stories, _ = tuning_stories()
    lex, term, gold = [], [], []
    for s in stories:
        p = AssocPairs(s, table, stop)
        I, J = p.I[p.cross], p.J[p.cross]
        lex.append(p.lex[I, J])
        term.append(p.soft[I, J])
        gold.append(np.array([(int(i), int(j)) in s.gold_pairs for i, j in zip(I, J)], dtype=bool))
    lex, term, gold = map(np.concatenate, (lex, term, gold))
    low = lex < 0.2
    print(f"# bench/align_word2vec_check.py — {corpus.machine()}")
    print(f"# word2vec on {sum(len(v) for v in sentences.values())} sentences of {len(sentences)} clusters "
          f"(the scored stories' clusters included: optimistic); table: {len(table)} words, neighbours at cosine "
          f">= {wa.VECTOR_MIN}, top {wa.TOP}; {len(stories)} tuning stories, {int(gold.sum())} gold cross-article "
          f"pairs of {len(gold)}")
    print(f"term > 0: {(term > 0).mean():.1%} of all pairs, {(term[gold] > 0).mean():.1%} of gold")
    print(f"among pairs of words' similarity < 0.2 ({int(gold[low].sum())} gold of {int(low.sum())}): the term's "
          f"average precision {average_precision_score(gold[low], term[low]):.4f} (chance {gold[low].mean():.4f})")
    print("average precision of words + w x term, all cross-article pairs: "
          + ", ".join(f"w {w:g} {average_precision_score(gold, lex + w * term):.4f}" for w in (0, 0.25, 0.5, 1, 2)))


if __name__ == "__main__":
    main()
