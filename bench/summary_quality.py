"""Multi-document summary quality on the shared VietnameseMDS corpus (149 clusters, 2 references each).

ROUGE-1/2/L F1 on syllables as the scorer counts them (every run of letters or digits, lower-cased,
NFC), averaged over the two references and macro-averaged over clusters, every summary cut strictly
at the budget (180 syllables), for newsfuse and, in the same run: lead (first sentence of each
article in turn), LexRank and TextRank (sumy, fed newsfuse's own sentence split), a TF-IDF centroid
baseline, the greedy extractive oracle (the ceiling of any extractive method), and one human
reference scored against the other (how far two people writing the summary agree). Beside the
scores: the share of summary sentences that are fragments (4 syllables or fewer), credits (a
sign-off, agency tag, photo credit, link or prompt, by the pack's credit rules) or open with a
reference outside themselves when their fact has a sentence that does not; the share of summaries
over the budget. Then the half split: the selection weights chosen on one half of the clusters
(a grid), the learned scorer trained on it and the submodular cover's weights chosen on it (inner
cross-validation), scored on the other, both ways, beside lead on the same half, with a paired
bootstrap and a sign test.

    python bench/summary_quality.py [--words 180]                      # quality (no lock needed)
    python bench/summary_quality.py --against-scorer FILE   # only: the pack's scorer file against FILE
    python bench/summary_quality.py --dated-and-bare    # the scorer trained dated / bare / both, scored on each
    flock /tmp/newsfuse-bench.lock python bench/summary_quality.py --speed   # brief times, load printed
"""

from __future__ import annotations

import argparse
import gc
import itertools
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402

from newsfuse import lang  # noqa: E402
from newsfuse.align import align  # noqa: E402
from newsfuse.brief import FEATURES, SentenceScorer, make_brief, sentence_features, summarize  # noqa: E402
from newsfuse.config import BriefConfig, SelectionWeights  # noqa: E402
from newsfuse.entities import story_entities  # noqa: E402
from newsfuse.evaluation import rouge, rouge_n, syllables  # noqa: E402
from newsfuse.ingest import article_from_json  # noqa: E402
from newsfuse.text import TOKEN, CreditRules, budget_count, credit_of, dangling_opening, fold  # noqa: E402


def fill(sentences: list[str], words: int) -> list[str]:
    """Whole sentences in the given order while they fit the budget."""
    out, used = [], 0
    for s in sentences:
        n = budget_count(s)
        if used + n <= words and s not in out:
            out.append(s)
            used += n
    return out


def with_credits(articles):
    """Each article's sentences with the credits the text layer took out put back in place (what
    the split gave before issue 13): for the baseline row that shows what they cost."""
    from dataclasses import replace as copy_with

    from newsfuse.model import Sentence

    out = []
    for a in articles:
        spans = [(s.start, s.end) for s in a.sentences] + [(c[0], c[1]) for c in a.extra.get("credits", [])]
        out.append(copy_with(a, sentences=[Sentence(a.id, k, s, e, a.text[s:e]) for k, (s, e) in enumerate(sorted(spans))]))
    return out


def lead_with_credits(articles, words):
    return lead(with_credits(articles), words)


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
    return [sents[k] for k in greedy_oracle(sents, refs, words)]


def greedy_oracle(texts: list[str], refs, words: int) -> list[int]:
    """The sentences (indices, in the order taken) the greedy ROUGE-2 oracle takes: each round the
    one that raises the mean ROUGE-2 against the references most while the budget holds; a text
    already taken is not taken twice."""
    ref_tokens = [syllables(r) for r in refs]
    chosen: list[int] = []
    used, best = 0, 0.0
    while True:
        pick = None
        taken = {texts[k] for k in chosen}
        for k, s in enumerate(texts):
            if s in taken or used + budget_count(s) > words:
                continue
            cand = syllables(" ".join([texts[j] for j in chosen] + [s]))
            score = sum(rouge_n(cand, r, 2) for r in ref_tokens) / len(ref_tokens)
            if score > best:
                best, pick = score, k
        if pick is None:
            return chosen
        chosen.append(pick)
        used += budget_count(texts[pick])


def newsfuse(articles, words):
    brief = make_brief("s", articles, (), BriefConfig(words=words))
    return [s.text for s in brief.summary]


def newsfuse_hand(articles, words):
    """The hand-weighted scorer (SelectionWeights as shipped), best first, on the same alignment."""
    kept = sorted(articles, key=lambda a: (a.published or "\uffff", a.id))
    config = BriefConfig(words=words, scorer="weights")
    return [s.text for s in summarize(align(kept, config), kept, config)]


def strict(sentences: list[str], words: int) -> str:
    """The summary as the scorer reads it at a strict cut: its first `words` syllables."""
    toks = syllables(" ".join(sentences))
    return " ".join(toks[:words])


class Checks:
    """Per summary sentence: a fragment, a credit, a dangling opening when a better one exists."""

    def __init__(self) -> None:
        self.rules = lang.get("vi").view("credits", CreditRules)
        self.sentences = self.fragments = self.credits = self.dangling = self.dangling_avoidable = 0
        self.summaries = self.over = 0
        self.examples: list[str] = []

    def add(self, sentences: list[str], words: int, dangling_free: set[str] | None = None) -> None:
        self.summaries += 1
        self.over += budget_count(" ".join(sentences)) > words
        for s in sentences:
            self.sentences += 1
            fragment = budget_count(s) <= 4
            credit = credit_of(self.rules, s, last=True) is not None
            self.fragments += fragment
            self.credits += credit
            if (fragment or credit) and len(self.examples) < 8:
                self.examples.append(s)
            if dangling_opening(self.rules, s):
                self.dangling += 1
                self.dangling_avoidable += bool(dangling_free and s in dangling_free)

    def row(self) -> str:
        n = self.sentences or 1
        return (f"{self.fragments / n:>6.1%} {self.credits / n:>6.1%} {self.dangling_avoidable / n:>6.1%}"
                f" {self.over / (self.summaries or 1):>6.1%}")


def dangling_with_better(alignment, rules) -> set[str]:
    """Sentences that open with a dangling reference while another sentence of their fact does not."""
    by_fact: dict[int, list[str]] = {}
    for it in alignment.sentences:
        by_fact.setdefault(it.fact, []).append(it.sentence.text)
    out = set()
    for texts in by_fact.values():
        free = [t for t in texts if not dangling_opening(rules, t)]
        if free:
            out.update(t for t in texts if dangling_opening(rules, t))
    return out


def paired(a: list[float], b: list[float], rounds: int = 10000, seed: int = 7) -> tuple[float, float, int, int]:
    """Paired bootstrap: the share of resamples where mean(a - b) <= 0 (a one-sided p), and the
    two-sided sign test p, with the wins and losses of a over b."""
    d = np.array(a) - np.array(b)
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, len(d), size=(rounds, len(d)))].mean(axis=1)
    wins, losses = int((d > 1e-12).sum()), int((d < -1e-12).sum())
    n = wins + losses
    k = min(wins, losses)
    sign_p = min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n) if n else 1.0
    return float((means <= 0).mean()), sign_p, wins, losses


GRID = {"position": [1.0, 2.0], "position_scale": [2.0, 4.0], "support": [0.0, 0.5, 1.0],
        "centrality": [0.0, 0.5, 1.0], "dangling": [0.0, 0.3]}


def oracle_rows(alignment, refs, words: int) -> np.ndarray:
    """Which aligned sentences the greedy ROUGE-2 oracle takes (the learned scorer's target): 1/0."""
    taken = np.zeros(len(alignment.sentences))
    taken[greedy_oracle([it.sentence.text for it in alignment.sentences], refs, words)] = 1
    return taken


# A sentence a reference copies: its syllable bigrams and those of one of the reference's sentences
# agree at least this much (Dice, 2|A & B| / (|A| + |B|)); 0.7 keeps a copy with a clause cut or a
# word changed (docs/decisions.md says how it was chosen).
COPIED_AT = 0.7


def copied_rows(alignment, refs) -> np.ndarray:
    """For each aligned sentence, the share of the references that copy it (`COPIED_AT`): 0, 0.5 or 1
    with two references. Half of the references' sentences are an article's sentence word for word:
    the people who wrote them chose sentences, and this says which, where the oracle's labels say
    only which set of sentences scores highest (an equally good sentence of the same fact is a 0)."""
    from collections import Counter

    from newsfuse.text import split

    def grams(text: str) -> Counter:
        toks = syllables(text)
        return Counter(zip(toks, toks[1:]))

    ref_sentences = [[grams(r[a:b]) for a, b in split(r).sentences] for r in refs]
    ref_sentences = [[(g, sum(g.values())) for g in sents if g] for sents in ref_sentences]
    out = np.zeros(len(alignment.sentences))
    for row, it in enumerate(alignment.sentences):
        g = grams(it.sentence.text)
        n = sum(g.values())
        if not n:
            continue
        for sents in ref_sentences:
            out[row] += any(2 * sum((g & q).values()) >= COPIED_AT * (n + m) for q, m in sents)
    return out / (len(refs) or 1)


def training_rows(alignment, articles, refs, words: int, target: str = "copied") -> tuple[np.ndarray, np.ndarray]:
    """One cluster's features (`brief.sentence_features`) and labels: the share of references that copy
    each sentence (`copied_rows`, the shipped target) or, `target="oracle"`, whether the greedy ROUGE-2
    oracle takes it (the target before)."""
    labels = oracle_rows(alignment, refs, words) if target == "oracle" else copied_rows(alignment, refs)
    return sentence_features(alignment, articles), labels


# The learned scorer's settings besides its data: the regularisation of the logistic regression
# (scikit-learn's default) and the exponent of its values (docs/decisions.md says how they were chosen).
SCORER_C = 1.0
SCORER_EXPONENT = 3.0


def train_scorer(rows: list[tuple[np.ndarray, np.ndarray]], note: str = "", exponent: float = SCORER_EXPONENT,
                 target: str = "the share of the references that copy each sentence") -> dict:
    """A logistic regression on the rows' labels (a share in [0, 1]: each row is taken once as a 1
    weighted by its label and once as a 0 weighted by the rest, the log-loss of a soft label), as the
    JSON `brief.SentenceScorer` reads."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    X = np.vstack([f for f, _ in rows])
    y = np.concatenate([t for _, t in rows])
    scaler = StandardScaler().fit(X)
    Z = scaler.transform(X)
    model = LogisticRegression(C=SCORER_C, max_iter=5000).fit(
        np.vstack([Z, Z]), np.r_[np.ones(len(y)), np.zeros(len(y))], sample_weight=np.r_[y, 1 - y])
    return {"model": "logistic regression (scikit-learn, lbfgs, C=%g) on %s" % (SCORER_C, target),
            "trained_on": note, "clusters": len(rows), "sentences": int(len(y)), "positives": round(float(y.sum()), 1),
            "exponent": exponent, "features": list(FEATURES),
            "mean": [round(float(v), 8) for v in scaler.mean_], "scale": [round(float(v), 8) for v in scaler.scale_],
            "coef": [round(float(v), 8) for v in model.coef_[0]], "intercept": round(float(model.intercept_[0]), 8)}


# Budgeted submodular selection (Lin & Bilmes 2011 style; issue 13 item 3): the weight of the story's
# content the summary covers beside the learned scorer's values, greedy by gain / length^r. Its
# two weights are chosen by inner cross-validation on the tuning half (`inner_cv`) over this grid.
COVER_WEIGHTS = (0.0, 0.1, 0.2, 0.35, 0.5, 0.7)  # lambda: the share of the objective that is coverage
COVER_COST = (0.3, 0.6, 1.0)  # r: gains scaled by length^r
INNER_FOLDS = 4


class Covering:
    """One story's content units for `covering_choice`: the syllable bigrams (the scorer's tokens) of
    its aligned sentences, each weighted by how many of the story's outlets write it (document
    frequency across outlets: what many outlets say is the story's content, and a bigram counts once
    however many summary sentences hold it, which is the redundancy term), as a sentence x bigram
    0/1 matrix."""

    def __init__(self, alignment) -> None:
        from scipy import sparse

        vocab: dict[tuple[str, str], int] = {}
        rows, cols = [], []
        outlets: dict[int, set[str]] = {}
        for r, it in enumerate(alignment.sentences):
            toks = syllables(it.sentence.text)
            for b in set(zip(toks, toks[1:])):
                k = vocab.setdefault(b, len(vocab))
                rows.append(r)
                cols.append(k)
                outlets.setdefault(k, set()).add(it.article.outlet_key)
        self.matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)),
                                        shape=(len(alignment.sentences), max(len(vocab), 1)))
        self.weights = np.zeros(max(len(vocab), 1))
        for k, o in outlets.items():
            self.weights[k] = len(o)


def covering_choice(items, lengths, values: np.ndarray, candidates, words: int, cover: Covering,
                    lam: float, r: float) -> list[int]:
    """The rows, at most one per fact, within `words`, that a greedy takes for the objective
    (1 - lam) x sum of their values / the candidates' + lam x weight of the bigrams they cover / the
    story's, each round the row of the highest gain / length^r that fits; then, as Lin & Bilmes
    do, the better of that and the best single row, and of the exact best sum of values
    (`best_sum_within`, what the shipped selection takes), by the same objective: at lam = 0 it is
    the shipped choice."""
    from newsfuse.brief import best_sum_within

    cands = [c for c in candidates if lengths[c] <= words]
    if not cands:
        return []
    total_v = float(sum(values[c] for c in cands)) or 1.0
    total_w = float(cover.weights.sum()) or 1.0
    M = cover.matrix

    def objective(rows) -> float:
        covered = np.asarray(M[rows].sum(axis=0)).ravel() > 0 if rows else np.zeros(M.shape[1], dtype=bool)
        return ((1 - lam) * sum(values[c] for c in rows) / total_v
                + lam * float(cover.weights[covered].sum()) / total_w)

    cost = np.asarray(lengths, dtype=float) ** r
    uncovered = cover.weights.copy()
    chosen: list[int] = []
    facts: set[int] = set()
    used = 0
    left = list(cands)
    while left:
        gains = (1 - lam) * values[left] / total_v + lam * (M[left] @ uncovered) / total_w
        best = None
        for k in np.argsort(-(gains / cost[left]), kind="stable"):
            c = left[k]
            if used + lengths[c] <= words and not (items[c].fact >= 0 and items[c].fact in facts):
                best = c
                break
        if best is None:
            break
        chosen.append(best)
        facts.add(items[best].fact)
        used += lengths[best]
        uncovered[M[best].indices] = 0.0
        left = [c for c in left if c != best and used + lengths[c] <= words
                and not (items[c].fact >= 0 and items[c].fact in facts)]
    options = [chosen, best_sum_within(items, lengths, values, cands, words)]
    options.append([max(cands, key=lambda c: objective([c]))])
    return max(options, key=objective)


def in_time_order(alignment, rows) -> list[str]:
    """The chosen rows' texts where the earliest report of each fact has them (as `summarize` orders)."""
    from newsfuse.brief import _first_report

    first = _first_report(alignment)
    items = alignment.sentences

    def key(row):
        it = items[row]
        return first.get(it.fact, (it.article.published or "\uffff", it.article.id, it.sentence.index))

    return [items[r].sentence.text for r in sorted(rows, key=key)]


def halves(ids, seed: int = 13):
    """The shared clusters in two halves (a seeded shuffle): A and B."""
    ids = sorted(ids)
    random.Random(seed).shuffle(ids)
    return ids[: len(ids) // 2], ids[len(ids) // 2:]


def _held_out_line(label: str, ours: list[float], lead_scores: list[float], what: str) -> str:
    p_boot, p_sign, wins, losses = paired(ours, lead_scores)
    m, l = statistics.fmean(ours), statistics.fmean(lead_scores)
    return (f"  {label:<29} R-2 {m:.3f} vs lead {l:.3f} ({m / l:.3f}x); paired bootstrap p(<= lead) = {p_boot:.4f}; "
            f"sign test {wins} wins / {losses} losses, p = {p_sign:.4f}{what}")


def half_split(prepared, words: int, seed: int = 13) -> list[str]:
    """Each way (A->B, B->A): the hand weights chosen on one half (grid over `GRID`, best mean
    ROUGE-2) and the learned scorer trained on it (the sentences its references copy), both scored on
    the other half beside lead: the learned scorer as shipped (best sum of values within the budget),
    its cousin that takes sentences best first by the same probabilities, the budgeted submodular
    cover over the same values (`covering_choice`, its two weights by inner cross-validation on the
    tuning half), and the scorer as it was before (trained on the greedy oracle's sentences, values
    p^2)."""
    ids = sorted(prepared)
    split = halves(ids, seed)
    combos = [SelectionWeights(**dict(zip(GRID, values))) for values in itertools.product(*GRID.values())]
    lines = []
    ref_tokens = {cid: [syllables(r) for r in prepared[cid][2]] for cid in ids}
    rows = {cid: training_rows(prepared[cid][0], prepared[cid][1], prepared[cid][2], words) for cid in ids}
    oracle_labels = {cid: oracle_rows(prepared[cid][0], prepared[cid][2], words) for cid in ids}

    def r2(cid, **how):
        alignment, kept, _, _ = prepared[cid]
        config = BriefConfig(words=words, selection=how.pop("weights", SelectionWeights()), scorer="weights")
        chosen = [s.text for s in summarize(alignment, kept, config, **how)]
        toks = syllables(strict(chosen, words))
        return sum(rouge_n(toks, r, 2) for r in ref_tokens[cid]) / len(ref_tokens[cid])

    from newsfuse.brief import whole_where_possible

    pool = {}  # per cluster: what the covering choice reads besides the scorer (made once)
    for cid in ids:
        alignment = prepared[cid][0]
        items = alignment.sentences
        lengths = [budget_count(it.sentence.text) for it in items]
        cands = [k for k in range(len(items)) if lengths[k] >= SelectionWeights().min_syllables] or list(range(len(items)))
        pool[cid] = (lengths, whole_where_possible(items, cands, rows[cid][0]), Covering(alignment))

    def cover_r2(cid, scorer, lam, r):
        alignment = prepared[cid][0]
        lengths, cands, cover = pool[cid]
        chosen = covering_choice(alignment.sentences, lengths, scorer.values(rows[cid][0]), cands, words, cover, lam, r)
        toks = syllables(strict(in_time_order(alignment, chosen), words))
        return sum(rouge_n(toks, q, 2) for q in ref_tokens[cid]) / len(ref_tokens[cid])

    def inner_cv(tune):
        """(lam, r) of the best mean ROUGE-2 over the tuning half, each cluster scored by a scorer
        trained on the other folds of that half (`INNER_FOLDS`): the test half is never read."""
        folds = [tune[k::INNER_FOLDS] for k in range(INNER_FOLDS)]
        grid = [(lam, r) for lam in COVER_WEIGHTS for r in COVER_COST]
        scores = {g: [] for g in grid}
        for k, fold in enumerate(folds):
            inner = SentenceScorer.from_dict(train_scorer([rows[c] for j, f in enumerate(folds) if j != k for c in f]))
            for g in grid:
                scores[g] += [cover_r2(c, inner, *g) for c in fold]
        return max(grid, key=lambda g: (statistics.fmean(scores[g]), -g[0])), scores

    for name, (tune, test) in (("A->B", split), ("B->A", split[::-1])):
        best = max(combos, key=lambda w: statistics.fmean(r2(c, weights=w) for c in tune))
        hand = [r2(c, weights=best) for c in test]
        scorer = SentenceScorer.from_dict(train_scorer([rows[c] for c in tune]))
        learned = [r2(c, scorer=scorer) for c in test]
        before = SentenceScorer.from_dict(train_scorer([(rows[c][0], oracle_labels[c]) for c in tune], exponent=2.0))
        learned_before = [r2(c, scorer=before) for c in test]
        greedy = [r2(c, scores=scorer.probabilities(rows[c][0])) for c in test]
        lead_scores = [prepared[c][3] for c in test]
        (lam, r), cv = inner_cv(tune)
        covered = [cover_r2(c, scorer, lam, r) for c in test]
        p_cl, _, wins_c, losses_c = paired(covered, learned)
        runner = sorted(cv, key=lambda g: -statistics.fmean(cv[g]))[:3]
        cv_line = ", ".join(f"({g[0]}, {g[1]}) {statistics.fmean(cv[g]):.4f}" for g in runner)
        shown = ", ".join(f"{k}={getattr(best, k)}" for k in GRID)
        p_lh, p_sign, wins, losses = paired(learned, hand)
        p_lb, _, wins_b, losses_b = paired(learned, learned_before)
        lines += [f"{name}: tuned / trained on {len(tune)} clusters, held-out {len(test)}:",
                  _held_out_line("learned, best sum (shipped)", learned, lead_scores,
                                 f"; vs hand weights: p(<= hand) = {p_lh:.4f}, {wins} wins / {losses} losses; "
                                 f"vs oracle target: p(<=) = {p_lb:.4f}, {wins_b} wins / {losses_b} losses"),
                  _held_out_line("submodular cover (inner CV)", covered, lead_scores,
                                 f"; vs shipped: p(<= shipped) = {p_cl:.4f}, {wins_c} wins / {losses_c} losses "
                                 f"(lambda={lam}, r={r}; inner CV on the tuning half, best three: {cv_line}; "
                                 f"lambda=0 inner CV {statistics.fmean(cv[(0.0, COVER_COST[0])]):.4f})"),
                  _held_out_line("learned, best first", greedy, lead_scores, ""),
                  _held_out_line("oracle target, p^2 (before)", learned_before, lead_scores, ""),
                  _held_out_line("hand weights (grid)", hand, lead_scores, f" ({shown})")]
    return lines


def against_scorer(prepared, words: int, path: Path, seed: int = 13) -> list[str]:
    """The pack's scorer file (the tree's) and the one at `path` on the same clusters and alignments,
    in one run: on half B, which both have never read when both were trained on half A (as
    scripts/train_summary.py trains by default; a held-out figure), on half A (their training half: a
    development figure) and on all, each beside lead, with a paired bootstrap and a sign test of
    `path`'s file against the tree's. A model trained again is judged by its half B row."""
    from newsfuse.brief import learned_scorer

    ids = sorted(prepared)
    half_a, half_b = halves(ids, seed)
    files = {"tree": learned_scorer("vi"), "other": SentenceScorer.read(path)}
    ref_tokens = {cid: [syllables(r) for r in prepared[cid][2]] for cid in ids}

    def r2(cid, scorer):
        alignment, kept, _, _ = prepared[cid]
        chosen = [s.text for s in summarize(alignment, kept, BriefConfig(words=words), scorer=scorer)]
        toks = syllables(strict(chosen, words))
        return sum(rouge_n(toks, r, 2) for r in ref_tokens[cid]) / len(ref_tokens[cid])

    scores = {name: {cid: r2(cid, scorer) for cid in ids} for name, scorer in files.items()}
    about = {k: f"{v.about.get('trained_on', '?')}; {v.about.get('sentences', '?')} sentences" for k, v in files.items()}
    lines = [f"# the pack's scorer file (tree: {about['tree']}) against {path} ({about['other']}), same alignments, R-2:"]
    for label, part in (("half B (held out: both trained on A)", half_b), ("half A (development)", half_a),
                        ("all 149 (half development)", ids)):
        tree, other = [scores["tree"][c] for c in part], [scores["other"][c] for c in part]
        lead_scores = [prepared[c][3] for c in part]
        p_boot, p_sign, wins, losses = paired(other, tree)
        m_t, m_o, m_l = statistics.fmean(tree), statistics.fmean(other), statistics.fmean(lead_scores)
        lines.append(f"  {label:<37} tree {m_t:.4f} ({m_t / m_l:.3f}x lead), other {m_o:.4f} ({m_o / m_l:.3f}x), "
                     f"lead {m_l:.4f}; other - tree {m_o - m_t:+.4f}, paired bootstrap p(other <= tree) = {p_boot:.4f}, "
                     f"{wins} wins / {losses} losses (sign p = {p_sign:.4f})")
    moved = [c for c in ids if abs(scores["tree"][c] - scores["other"][c]) > 1e-12]
    lines.append(f"  clusters whose R-2 differs: {len(moved)} of {len(ids)}: " + ", ".join(
        f"{c} {scores['tree'][c]:.3f}->{scores['other'][c]:.3f}" for c in moved))
    return lines


def _bare(rows: list[dict]) -> list[dict]:
    """The rows as the issue's independent set comes: no dates, no outlet names (nor the URLs that name them)."""
    return [{k: v for k, v in r.items() if k not in ("date", "source", "url")} for r in rows]


def _unordered(rows: list[dict]) -> list[dict]:
    """Bare, and the ids renumbered in an order unrelated to time: the shared corpus's ids (baomoi's)
    grow with the time of publishing, so bare articles sorted by id are still in time order, which
    the issue's independent set need not be. Each id is replaced by a hash of it (the same every run);
    the file order, which lead reads, is kept."""
    import hashlib

    return [r | {"id": hashlib.blake2b(str(r["id"]).encode(), digest_size=6).hexdigest()} for r in _bare(rows)]


def _prepared(rows: list[dict], words: int) -> dict:
    """Per cluster, as `quality` prepares it: (alignment, articles in time order, references, lead's ROUGE-2)."""
    by_cluster: dict[str, list] = {}
    for r in rows:
        by_cluster.setdefault(r["cluster_id"], []).append(article_from_json(r, r["id"]))
    out = {}
    for c in corpus.clusters():
        arts = sorted(by_cluster[c["cluster_id"]], key=lambda a: a.published or "")
        kept = sorted(arts, key=lambda a: (a.published or "\uffff", a.id))
        out[c["cluster_id"]] = (align(kept, BriefConfig()), kept, c["summaries"],
                                rouge(strict(lead(arts, words), words), c["summaries"])["rouge2"])
    return out


def dated_and_bare(words: int, seed: int = 13) -> list[str]:
    """The learned scorer trained on one half and scored on the other, both ways, each on the held-out
    half as the shared corpus comes (dated), bare (`_bare`) and bare with ids out of time order
    (`_unordered`), beside lead on the same input. Trained on the dated tuning half (as shipped), on
    the union of its dated and bare (or unordered) versions (one model for every input), or on the
    bare (unordered) version alone (a model for that input). Then the same over 16 other half splits."""
    rows = corpus.rows()
    inputs = {"dated": _prepared(rows, words), "bare": _prepared(_bare(rows), words),
              "unord": _prepared(_unordered(rows), words)}
    ids = sorted(inputs["dated"])
    split = halves(ids, seed)
    training = {kind: {cid: training_rows(p[cid][0], p[cid][1], p[cid][2], words) for cid in ids}
                for kind, p in inputs.items()}
    refs = {cid: [syllables(r) for r in inputs["dated"][cid][2]] for cid in ids}

    def r2(kind, cid, scorer):
        alignment, kept, _, _ = inputs[kind][cid]
        config = BriefConfig(words=words)
        toks = syllables(strict([s.text for s in summarize(alignment, kept, config, scorer=scorer)], words))
        return sum(rouge_n(toks, q, 2) for q in refs[cid]) / len(refs[cid])

    models_of = {
        "dated (shipped way)": ("dated",),
        "dated + bare union": ("dated", "bare"),
        "bare-trained": ("bare",),
        "dated + unord union": ("dated", "unord"),
        "unord-trained": ("unord",),
    }

    def trial(tune, test) -> dict:
        """{(input, model): the held-out half's ROUGE-2 per cluster}, and lead's per input."""
        models = {m: SentenceScorer.from_dict(train_scorer([training[k][c] for k in kinds for c in tune]))
                  for m, kinds in models_of.items()}
        out = {(kind, "lead"): [inputs[kind][c][3] for c in test] for kind in inputs}
        for kind in inputs:
            for m, s in models.items():
                out[kind, m] = [r2(kind, c, s) for c in test]
        return out

    lines = [f"# dated and bare: the learned scorer trained on one half ({', '.join(k for k in inputs)} versions "
             "of its clusters as said), scored on the other (held out), beside lead on the same input"]
    base = "dated (shipped way)"
    for name, (tune, test) in (("A->B", split), ("B->A", split[::-1])):
        scores = trial(tune, test)
        lines.append(f"{name}: trained on {len(tune)} clusters, held-out {len(test)}:")
        for kind in inputs:
            for m in models_of:
                v = scores[kind, m]
                what = ""
                if m != base:
                    p_b, _, w, l = paired(v, scores[kind, base])
                    what = (f"; vs dated-trained: {statistics.fmean(v) - statistics.fmean(scores[kind, base]):+.4f}, "
                            f"p(<= it) = {p_b:.4f}, {w} wins / {l} losses")
                lines.append(_held_out_line(f"{kind:<5} input, {m}", v, scores[kind, "lead"], what))
    # The same on 16 other half splits (seeds 1-8, both ways): is the bench's split a lucky one?
    ratios = {(kind, m): [] for kind in inputs for m in models_of}
    ahead = {(kind, m): 0 for kind in inputs for m in models_of}
    for other in range(1, 9):
        a, b = halves(ids, other)
        for tune, test in ((a, b), (b, a)):
            scores = trial(tune, test)
            for kind in inputs:
                lead_mean = statistics.fmean(scores[kind, "lead"])
                for m in models_of:
                    ratios[kind, m].append(statistics.fmean(scores[kind, m]) / lead_mean)
                    ahead[kind, m] += statistics.fmean(scores[kind, m]) > statistics.fmean(scores[kind, base]) + 1e-12
    lines.append("16 other half splits (seeds 1-8, both ways), held-out half, mean ratio to lead [min, max]:")
    for kind in inputs:
        for m in models_of:
            v = ratios[kind, m]
            vs = f"; ahead of dated-trained in {ahead[kind, m]} of {len(v)}" if m != base else ""
            lines.append(f"  {kind:<5} input, {m:<21} {statistics.fmean(v):.3f}x [{min(v):.3f}, {max(v):.3f}]{vs}")
    return lines


def quality(args) -> None:
    rows = corpus.rows()
    if args.bare:
        rows = _bare(rows)
    by_cluster: dict[str, list] = {}
    for r in rows:
        by_cluster.setdefault(r["cluster_id"], []).append(article_from_json(r, r["id"]))
    methods = {"lead": lead, "lead, credits kept": lead_with_credits, "lexrank (sumy)": lexrank,
               "textrank (sumy)": textrank, "centroid": centroid, "newsfuse": newsfuse,
               "newsfuse, hand wts": newsfuse_hand}
    names = [*methods, "oracle (greedy)", "human vs human"]
    totals = {m: [] for m in names}
    checks = {m: Checks() for m in names}
    rules = lang.get("vi").view("credits", CreditRules)
    prepared = {}
    for c in corpus.clusters():
        arts = sorted(by_cluster[c["cluster_id"]], key=lambda a: a.published or "")
        alignment = align(sorted(arts, key=lambda a: (a.published or "\uffff", a.id)), BriefConfig())
        better = dangling_with_better(alignment, rules)
        for name, fn in methods.items():
            chosen = fn(arts, args.words)
            totals[name].append(rouge(strict(chosen, args.words), c["summaries"]))
            checks[name].add(chosen, args.words, better)
        prepared[c["cluster_id"]] = (alignment, sorted(arts, key=lambda a: (a.published or "\uffff", a.id)),
                                     c["summaries"], totals["lead"][-1]["rouge2"])
        chosen = oracle(arts, c["summaries"], args.words)
        totals["oracle (greedy)"].append(rouge(strict(chosen, args.words), c["summaries"]))
        checks["oracle (greedy)"].add(chosen, args.words, better)
        if len(c["summaries"]) == 2:
            # One reference against the other at the same strict cut (uncut: printed below).
            totals["human vs human"].append(rouge(strict([c["summaries"][0]], args.words), c["summaries"][1:]))
    uncut = [rouge(c["summaries"][0], c["summaries"][1:]) for c in corpus.clusters() if len(c["summaries"]) == 2]
    print(f"# bench/summary_quality.py{' --bare (no dates, outlets, URLs)' if args.bare else ''} — {corpus.machine()}")
    print(f"# {len(totals['lead'])} clusters, budget {args.words} syllables (runs of letters or digits), strict cut, "
          "ROUGE F1 on syllables, mean of 2 references")
    print(f"{'method':<19} {'R-1':>6} {'R-2':>6} {'R-L':>6} {'frag':>6} {'credit':>6} {'dangl':>6} {'over':>6}")
    mean = {m: {k: statistics.fmean(s[k] for s in v) for k in ("rouge1", "rouge2", "rougeL")}
            for m, v in totals.items()}
    for m, v in mean.items():
        extra = checks[m].row() if m != "human vs human" else ""
        print(f"{m:<19} {v['rouge1']:>6.3f} {v['rouge2']:>6.3f} {v['rougeL']:>6.3f} {extra}")
    u = {k: statistics.fmean(s[k] for s in uncut) for k in ("rouge1", "rouge2", "rougeL")}
    print(f"{'human, uncut':<19} {u['rouge1']:>6.3f} {u['rouge2']:>6.3f} {u['rougeL']:>6.3f}"
          f"   (one reference against the other, whole; {len(uncut)} clusters)")
    nf = checks["newsfuse"]
    print(f"newsfuse: {nf.sentences} summary sentences, {nf.fragments} fragments (<= 4 syllables), {nf.credits} "
          f"credits, {nf.dangling} open with a dangling reference ({nf.dangling_avoidable} where their fact has a "
          f"sentence that does not); {nf.over} of {nf.summaries} summaries over the budget")
    for m in ("lead, credits kept", "lead", "newsfuse"):
        if checks[m].examples:
            print(f"  {m} fragment/credit examples: " + " | ".join(checks[m].examples))
    print("frag/credit/dangl: share of summary sentences that are fragments, credits, dangling when a better one "
          "exists; over: share of summaries over the budget")
    print("newsfuse: the learned scorer as shipped, trained on half A of these clusters (scripts/train_summary.py), "
          "so half a training figure; hand wts: SelectionWeights as shipped (chosen on half A); the held-out "
          "figures are the half split below")
    for line in half_split(prepared, args.words):
        print(line)


def _time_briefs(stories, prepare, brief, label: str) -> None:
    """Time `brief(arts, prepare(arts))` per story (what `prepare` does is not timed) and print one line."""
    seconds, cpu = [], []
    for arts in stories:
        kept = prepare(arts)
        t, c = time.perf_counter(), time.process_time()
        brief(arts) if kept is None else brief(arts, kept)
        seconds.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    print(f"{label}: mean {statistics.fmean(seconds) * 1000:.0f} ms, median {statistics.median(seconds) * 1000:.0f} ms "
          f"over {len(seconds)} clusters (one core); CPU median {statistics.median(cpu) * 1000:.0f} ms")


def speed(args) -> None:
    print(f"# bench/summary_quality.py --speed — {corpus.machine()}; load average at start "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    rows = corpus.rows()
    by_cluster: dict[str, list] = {}
    for r in rows:
        by_cluster.setdefault(r["cluster_id"], []).append(article_from_json(r, r["id"]))
    # The corpus the bench holds is not the brief's to scan: frozen, so Python's cyclic collector
    # does not walk it in the middle of a timed brief (as bench/cluster_speed.py does).
    gc.collect()
    gc.freeze()
    t = time.perf_counter()
    newsfuse([article_from_json(r, r["id"]) for r in rows[:2]], args.words)
    print(f"first brief of a process (loads gazetteers and the segmenter): {time.perf_counter() - t:.2f} s")
    fives = [sorted(v, key=lambda a: a.published or "") for v in by_cluster.values() if len(v) == 5]
    for tagger in (True, False):
        config = BriefConfig(words=args.words, tagger=tagger)
        _time_briefs(fives, lambda arts: None, lambda arts, config=config: make_brief("s", arts, (), config),
                     f"5-article brief (summary, facts, entities, timeline{'' if tagger else '; entity rules alone'})")
    # The brief as a store makes it after its entity index read the story (`newsfuse ingest`), in a process
    # that holds nothing of the story but the readings the index kept of its articles (decoded in the time).
    try:
        from newsfuse.entities import article_readings, clear_caches, keep_readings
        from newsfuse.timeline import clear_caches as clear_dates
    except ImportError:  # a checkout before the store kept them
        article_readings = None
    config = BriefConfig(words=args.words)
    if article_readings is not None:
        def after_index(arts):
            story_entities(arts)
            kept = article_readings(arts)
            clear_caches()
            clear_dates()
            return kept

        def over_readings(arts, kept):
            keep_readings(arts, kept)
            make_brief("s", arts, (), config)

        _time_briefs(fives, after_index, over_readings, "5-article brief over the readings the store's entity index kept")
    try:  # a store's brief made again: the dates a brief before kept, too
        from newsfuse.timeline import article_date_readings, keep_date_readings
    except ImportError:
        article_date_readings = None
    if article_date_readings is not None:
        def after_brief(arts):
            make_brief("s", arts, (), config)
            kept = article_readings(arts), article_date_readings(arts)
            clear_caches()
            clear_dates()
            return kept

        def over_both(arts, kept):
            keep_readings(arts, kept[0])
            keep_date_readings(arts, kept[1])
            make_brief("s", arts, (), config)

        _time_briefs(fives, after_brief, over_both, "5-article brief made again over the entity and date readings kept")
    # The same run's baseline: the alignment alone, which every brief needs.
    seconds = []
    for arts in fives:
        t = time.perf_counter()
        align(arts, BriefConfig())
        seconds.append(time.perf_counter() - t)
    print(f"baseline, alignment alone of the same clusters: mean {statistics.fmean(seconds) * 1000:.0f} ms")
    # The summary stage alone on every shared cluster's alignment: the learned scorer (features and the
    # exact choice) against the hand weights best first, CPU per article, same run.
    stories = [(arts, align(arts, BriefConfig())) for arts in
               (sorted(v, key=lambda a: (a.published or "\uffff", a.id)) for v in by_cluster.values())]
    n_articles = sum(len(arts) for arts, _ in stories)
    for name, config in (("learned scorer", BriefConfig(words=args.words)),
                         ("hand weights", BriefConfig(words=args.words, scorer="weights"))):
        t = time.process_time()
        for arts, alignment in stories:
            summarize(alignment, arts, config)
        print(f"summary stage alone ({name}), {len(stories)} clusters: "
              f"{(time.process_time() - t) / n_articles * 1000:.2f} ms CPU per article")
    pool = [article_from_json(r, r["id"]) for r in corpus.perturbed(rows, args.big)]
    for n in (50, 100, 250, 500):
        if n > args.big:
            break
        t = time.perf_counter()
        make_brief("big", pool[:n], (), BriefConfig(words=args.words))
        dt = time.perf_counter() - t
        print(f"one story of {n} articles: {dt:.2f} s ({dt / n * 1000:.1f} ms per article)")
    print(f"load average at end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--words", type=int, default=180)
    ap.add_argument("--speed", action="store_true", help="time briefs instead (run under the bench flock)")
    ap.add_argument("--big", type=int, default=500, help="--speed: largest story timed")
    ap.add_argument("--dated-and-bare", action="store_true", help="only the learned scorer trained on dated, "
                    "dated + bare and bare versions of one half, scored on the other dated and bare, both ways")
    ap.add_argument("--bare", action="store_true", help="articles without dates, outlets and URLs (as the "
                    "issue's independent set): the shipped model in the table, the half split's models "
                    "trained on the bare tuning half")
    ap.add_argument("--against-scorer", type=Path, metavar="FILE", help="only the pack's scorer file and "
                    "FILE (a summary_scorer.json, e.g. one trained again to another --out) on the same clusters, "
                    "half B (held out when both were trained on half A), half A and all, in the same run")
    args = ap.parse_args()
    if args.against_scorer:
        print(f"# bench/summary_quality.py --against-scorer — {corpus.machine()}; load average at start "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        for line in against_scorer(_prepared(corpus.rows(), args.words), args.words, args.against_scorer):
            print(line, flush=True)
        return
    if args.dated_and_bare:
        print(f"# bench/summary_quality.py --dated-and-bare — {corpus.machine()}; load average at start "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        for line in dated_and_bare(args.words):
            print(line, flush=True)
        return
    speed(args) if args.speed else quality(args)


if __name__ == "__main__":
    main()
