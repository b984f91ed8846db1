"""Word associations learned without labels (scripts/word_associations.py; measured, not shipped:
docs/decisions.md, "Alignment: word associations learned from the corpus"): on real clusters of
the shared corpus, what it counts and that a table made without a cluster knows nothing of it."""

import sys
from pathlib import Path

from newsfuse import lang
from newsfuse.align import _function_words

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import word_associations as wa  # noqa: E402


def test_content_words_leave_out_function_words_numbers_and_names():
    stop = lang.for_language("vi").view("align_function_words", _function_words)
    words = wa.content("Cảnh sát đã bắt giữ 5 nghi can người Uighur tại Tân Cương.", stop, unit="word")
    assert {"bắt giữ", "nghi can"} <= words
    assert not words & {"đã", "tại", "5", "uighur", "tân cương"}


def test_a_table_without_a_cluster_is_the_table_of_the_others(mds_rows, mds_clusters):
    chosen = mds_clusters[:20]  # fewer clusters show no pair of words in two of them
    ids = {c["cluster_id"] for c in chosen}
    counts = wa.cluster_counts([r for r in mds_rows if r["cluster_id"] in ids], chosen)
    assert all(len(v[2]) > 0 for v in counts.values())  # every cluster's summaries find article sentences
    left = chosen[0]["cluster_id"]
    others = {k: v for k, v in counts.items() if k != left}
    assert wa.table(counts) != wa.table(others)  # the cluster left out does move the table
    assert wa.table(counts, {left}) == wa.table(others)
    assert wa.table(counts, {left}, wa.totals(counts)) == wa.table(others)
