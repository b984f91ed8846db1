"""Word clusters learnt from unlabelled text for the entity tagger (issue 14): scripts/build_word_clusters.py
on real articles of the shared corpus, and the attributes `tagger.WordClusters` gives the CRF."""

import sys
from pathlib import Path

import pytest

from newsfuse import lang
from newsfuse.entities import Known, lexicon
from newsfuse.tagger import CLUSTER_PREFIXES, WordClusters, rule_mentions, sentence_features

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import build_word_clusters as wc  # noqa: E402


@pytest.fixture(scope="module")
def learnt(mds_rows) -> dict[str, str]:
    """The script's clusters of the whole corpus's words, as it is run for the pack (~25 s of CPU:
    fewer stories leave too few contexts for 256 clusters to mean anything)."""
    texts = [r[f] for r in mds_rows for f in wc.FIELDS if (r.get(f) or "").strip()]
    return wc.learn(wc.sentences(texts))


def test_words_of_one_kind_share_a_cluster_learnt_from_unlabelled_text(learnt):
    # No word list was given: surnames, forms of address, countries, administrative units and
    # organisations' heads are found alike from their contexts alone, and apart from each other:
    # each kind's words lie in a subtree of the tree of clusters that holds no word of another kind
    # (the tagger reads the tree's prefixes). Not one leaf each: which of 256 leaves a word falls in
    # moves with any change of the text layer's sentences (4 titles more among 8,085 sentences
    # put `bộ` and `sở`/`cục` in two leaves of one subtree; docs/decisions.md, 2026-12-06).
    from os.path import commonprefix

    groups = [("nguyễn", "trần", "lê", "phạm"), ("ông", "bà"), ("mỹ", "nga"), ("tỉnh", "huyện"), ("bộ", "sở", "cục")]
    paths = [{learnt.get(w) for w in group} for group in groups]
    assert all(None not in p for p in paths), paths
    for i, own in enumerate(paths):
        inside = min(len(commonprefix([a, b])) for a in own for b in own)
        outside = max(len(commonprefix([a, b])) for j, other in enumerate(paths) if j != i for a in own for b in other)
        assert inside > outside, (groups[i], paths)
    assert all(set(b) <= {"0", "1"} for b in learnt.values()) and len(set(learnt.values())) == 256
    assert not any(any(c.isdigit() for c in w) for w in learnt)  # numbers are left to the shape attributes


def test_the_tagger_reads_a_words_cluster_its_prefixes_and_its_neighbours(learnt, tmp_path):
    path = tmp_path / "clusters.tsv"
    wc.write(learnt, path, "test")
    clusters = WordClusters.load(path)
    assert clusters.paths == learnt
    lx = lexicon(lang.get("vi"))
    text = "Ông Nguyễn Zyxwq cho biết Bộ Y tế đã gửi công văn."
    known = Known()
    _, _, rules, _ = rule_mentions(lx, text, known)
    words, folded = known.read[text]
    plain = sentence_features(lx, words, folded, rules)
    with_clusters = sentence_features(lx, words, folded, rules, clusters)
    i = words.index("Nguyễn")
    bits = learnt["nguyễn"]
    extra = with_clusters[i][len(plain[i]):]
    assert with_clusters[i][:len(plain[i])] == plain[i]  # the other attributes are as before
    # its own path and prefixes, then the word before it (`Ông`); the made-up word after it has none
    assert "zyxwq" not in learnt and "cho" in learnt
    assert extra == [f"c={bits}", *(f"c{n}={bits[:n]}" for n in CLUSTER_PREFIXES if len(bits) > n), f"c-1={learnt['ông']}"]
    k = words.index("Zyxwq")
    assert with_clusters[k][len(plain[k]):] == [f"c-1={bits}", f"c1={learnt['cho']}"]  # unseen: its neighbours only


def test_a_clusters_file_with_a_bad_line_is_named(tmp_path):
    bad = tmp_path / "c.tsv"
    bad.write_text("# note\nnguyễn\t0101\ntrần 01x\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"c.tsv:3: not a word and its cluster's bits"):
        WordClusters.load(bad)
