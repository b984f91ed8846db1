"""Multi-document summary quality on the shared VietnameseMDS corpus (149 clusters, 2 references each).

ROUGE-1/2/L F1 on syllables (lower-cased, NFC, punctuation stripped), averaged over the two
references and macro-averaged over clusters, for newsfuse and, in the same run: lead (first
sentence of each article in turn), LexRank and TextRank (sumy, fed newsfuse's own sentence split),
a TF-IDF centroid baseline, the greedy extractive oracle (the ceiling of any extractive method), and
one human reference scored against the other (how far two people writing the summary agree).
Every method gets the same budget (180 syllables, whole sentences only). Then seconds per cluster,
and seconds for one story of 50 to 500 articles (to show there is no quadratic blow-up).

    python bench/summary_quality.py [--words 180]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402

from newsfuse.brief import make_brief  # noqa: E402
from newsfuse.config import BriefConfig  # noqa: E402
from newsfuse.evaluation import rouge, rouge_n, syllables  # noqa: E402
from newsfuse.ingest import article_from_json  # noqa: E402
from newsfuse.text import TOKEN, fold, syllable_count  # noqa: E402


def fill(sentences: list[str], words: int) -> str:
    """Whole sentences in the given order while they fit the budget."""
    out, used = [], 0
    for s in sentences:
        n = syllable_count(s)
        if used + n <= words and s not in out:
            out.append(s)
            used += n
    return " ".join(out)


def lead(articles, words):
    per_article = [[s.text for s in a.sentences] for a in articles]
    order = [s for k in range(max(map(len, per_article))) for sents in per_article if k < len(sents)
             for s in [sents[k]]]
    return fill(order, words)


class _Tokenizer:
    language = "vietnamese"

    @staticmethod
    def to_words(text):
        return TOKEN.findall(fold(text))

    @staticmethod
    def to_sentences(text):
        return [text]


def _sumy(summarizer_class, articles, words):
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence

    class Ranked(summarizer_class):
        @staticmethod
        def _get_best_sentences(sentences, count, rating, *args, **kwargs):
            rate = rating.__getitem__ if isinstance(rating, dict) else rating
            return tuple(sorted(sentences, key=lambda s: -rate(s)))

    doc = ObjectDocumentModel([Paragraph([Sentence(s.text, _Tokenizer) for s in a.sentences]) for a in articles])
    ranked = Ranked()(doc, len(doc.sentences))
    return fill([str(s) for s in ranked], words)


def lexrank(articles, words):
    from sumy.summarizers.lex_rank import LexRankSummarizer

    return _sumy(LexRankSummarizer, articles, words)


def textrank(articles, words):
    from sumy.summarizers.text_rank import TextRankSummarizer

    return _sumy(TextRankSummarizer, articles, words)


def centroid(articles, words):
    sents = [s.text for a in articles for s in a.sentences]
    X = TfidfVectorizer(analyzer=lambda t: TOKEN.findall(fold(t))).fit_transform(sents)
    c = np.asarray(X.mean(axis=0)).ravel()
    scores = X @ c
    return fill([sents[i] for i in np.argsort(-scores)], words)


def oracle(articles, refs, words):
    sents = [s.text for a in articles for s in a.sentences]
    ref_tokens = [syllables(r) for r in refs]
    chosen, used, best = [], 0, 0.0
    while True:
        pick = None
        for s in sents:
            if s in chosen or used + syllable_count(s) > words:
                continue
            cand = syllables(" ".join(chosen + [s]))
            score = sum(rouge_n(cand, r, 2) for r in ref_tokens) / len(ref_tokens)
            if score > best:
                best, pick = score, s
        if pick is None:
            return " ".join(chosen)
        chosen.append(pick)
        used += syllable_count(pick)


def newsfuse(articles, words):
    brief = make_brief("s", articles, (), BriefConfig(words=words))
    return " ".join(s.text for s in brief.summary)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--words", type=int, default=180)
    args = ap.parse_args()
    rows = corpus.rows()
    by_cluster: dict[str, list] = {}
    for r in rows:
        by_cluster.setdefault(r["cluster_id"], []).append(article_from_json(r, r["id"]))
    methods = {"lead": lead, "lexrank (sumy)": lexrank, "textrank (sumy)": textrank, "centroid": centroid,
               "newsfuse": newsfuse}
    totals = {m: [] for m in [*methods, "oracle (greedy)"]}
    humans = []  # one reference scored against the other: how far two people agree
    # The corpus the bench holds (1,500 articles and their sentences) is not the brief's to scan:
    # frozen, so Python's cyclic collector does not walk it in the middle of a timed brief (a
    # server holds its articles in SQLite, not in live objects), as bench/cluster_speed.py does.
    gc.collect()
    gc.freeze()
    # A process's first brief loads the gazetteers and the word segmenter's model once; timed apart,
    # so it does not land on whichever cluster happens to come first.
    t = time.perf_counter()
    newsfuse([article_from_json(r, r["id"]) for r in rows[:2]], args.words)
    first_brief = time.perf_counter() - t
    seconds = []
    for c in corpus.clusters():
        arts = sorted(by_cluster[c["cluster_id"]], key=lambda a: a.published or "")
        for name, fn in methods.items():
            t = time.perf_counter()
            text = fn(arts, args.words)
            if name == "newsfuse":
                seconds.append(time.perf_counter() - t)
            totals[name].append(rouge(text, c["summaries"]))
        totals["oracle (greedy)"].append(rouge(oracle(arts, c["summaries"], args.words), c["summaries"]))
        if len(c["summaries"]) == 2:
            humans.append(rouge(c["summaries"][0], c["summaries"][1:]))
    print(f"# bench/summary_quality.py — {corpus.machine()}")
    print(f"# {len(totals['lead'])} clusters, budget {args.words} syllables, ROUGE F1 on syllables")
    print(f"{'method':<18} {'R-1':>6} {'R-2':>6} {'R-L':>6}")
    mean = {m: {k: statistics.fmean(s[k] for s in v) for k in ("rouge1", "rouge2", "rougeL")}
            for m, v in totals.items()}
    for m, v in mean.items():
        print(f"{m:<18} {v['rouge1']:>6.3f} {v['rouge2']:>6.3f} {v['rougeL']:>6.3f}")
    human = {k: statistics.fmean(s[k] for s in humans) for k in ("rouge1", "rouge2", "rougeL")}
    print(f"{'human vs human':<18} {human['rouge1']:>6.3f} {human['rouge2']:>6.3f} {human['rougeL']:>6.3f}"
          f"   (one reference against the other, {len(humans)} clusters; F1 is symmetric)")
    best_base = max(v["rouge2"] for m, v in mean.items() if m not in ("newsfuse", "oracle (greedy)"))
    gap = mean["oracle (greedy)"]["rouge2"] - best_base
    print(f"newsfuse closes {(mean['newsfuse']['rouge2'] - best_base) / gap:.0%} of the ROUGE-2 gap "
          "between the best baseline and the oracle")
    five = [s for s, c in zip(seconds, corpus.clusters()) if len(by_cluster[c["cluster_id"]]) == 5]
    print(f"first brief of a process (loads gazetteers and the segmenter): {first_brief:.2f} s")
    print(f"newsfuse brief (summary, facts, entities, timeline): {statistics.fmean(seconds) * 1000:.0f} ms per "
          f"cluster on average, {statistics.fmean(five) * 1000:.0f} ms for 5-article clusters (one core)")
    rules_only = []
    for c in corpus.clusters():
        arts = sorted(by_cluster[c["cluster_id"]], key=lambda a: a.published or "")
        if len(arts) == 5:
            t = time.perf_counter()
            make_brief("s", arts, (), BriefConfig(words=args.words, tagger=False))
            rules_only.append(time.perf_counter() - t)
    print(f"the same 5-article briefs with the entity rules alone (no learned tagger): "
          f"{statistics.fmean(rules_only) * 1000:.0f} ms")
    pool = [article_from_json(r, r["id"]) for r in corpus.perturbed(rows, 500)]
    for n in (50, 100, 250, 500):
        t = time.perf_counter()
        make_brief("big", pool[:n], (), BriefConfig(words=args.words))
        dt = time.perf_counter() - t
        print(f"one story of {n} articles: {dt:.2f} s ({dt / n * 1000:.1f} ms per article)")


if __name__ == "__main__":
    main()
