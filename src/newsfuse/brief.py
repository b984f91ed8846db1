"""One brief per story: a cited extractive summary and the facts each outlet shares or alone has.

The summary values each sentence with the language pack's learned scorer (`SentenceScorer`, a
logistic regression over `sentence_features`: its place in its report, how many outlets give its
fact, how central it is, ...) and takes the sentences, one per fact and no fragment, whose values sum
highest under a syllable budget counted as ROUGE counts (`best_sum_within`); a pack without a model
takes the best first by the hand weights (`sentence_scores`). Then it orders them by time (where the
earliest report of each fact has it). Every summary sentence cites the sentences of its fact.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from . import lang
from .align import Alignment, align, citation, not_units, readings_say_the_same, side_reading
from .config import BriefConfig, SelectionWeights
from .entities import SentenceMentions, name_conflicts, story_entities
from .model import Article, Brief, Conflict, ConflictSide, CopyGroup, CopyNote, Fact, SummarySentence
from .text import CAPITALS, CreditRules, budget_count, dangling_opening, fold
from .timeline import date_conflicts, story_timeline


# What a brief holds and how it is chosen; part of a cached brief's key, so a store's cached briefs are
# made again when it changes (2: conflicts spelled out, copies listed, selection by sentence scores;
# 3: the learned sentence scorer and the budget filled by the best sum of its values; 4: the scorer
# learns the sentences the references copy; 5: a conflict only where a sentence of each side says the
# same but for it; 6: a summary sentence of a disputed fact cited from its side only, the dispute named).
BRIEF_FORMAT = 6


class BriefError(ValueError):
    pass


def collapse_copies(articles: Sequence[Article], groups: Sequence[CopyGroup]) -> tuple[list[Article], list[str]]:
    """Keep one article of each copy group (the original), so copies do not pose as agreement.
    A copy whose original is in another story stays: it is this story's report of that text (a
    story made only of such copies once had no article left, and its brief failed)."""
    present = {a.id for a in articles}
    dropped = {c for g in groups if g.original_id in present for c in g.copies}
    kept = [a for a in articles if a.id not in dropped]
    notes = []
    if dropped & {a.id for a in articles}:
        n = len(dropped & {a.id for a in articles})
        notes.append(f"{n} cop{'y' if n == 1 else 'ies'} of other articles left out of the alignment")
    return kept, notes


def with_story_date(articles: Sequence[Article]) -> list[Article]:
    """Articles without a date take the story's earliest: the timeline resolves their expressions
    with it (marked `date_from_story`; nothing is written back)."""
    dates = sorted(a.published for a in articles if a.published)
    if not dates:
        return list(articles)
    return [a if a.published else replace(a, published=dates[0], extra=a.extra | {"date_from_story": True})
            for a in articles]


def members_key(article_ids: Sequence[str]) -> str:
    """What a cached brief was made from: it is valid while the story has exactly these articles."""
    return hashlib.blake2b("\x1f".join(sorted(article_ids)).encode(), digest_size=8).hexdigest()


def summarize(alignment: Alignment, articles: Sequence[Article], config: BriefConfig,
              scores: np.ndarray | None = None, scorer: SentenceScorer | None = None) -> list[SummarySentence]:
    """Whole sentences under the budget (counted as ROUGE counts: `text.budget_count`), one per fact;
    fragments (`min_syllables`) never. Chosen by the pack's learned scorer (`SentenceScorer`: the
    set of sentences, one per fact, whose values sum highest within the budget) or, when the pack
    ships none or `config.scorer` is "weights", best first by the hand-weighted `sentence_scores`
    (`scores` given: best first by them; `scorer` given: that model instead of the pack's).
    Ordered by time: each sentence where the earliest report of its fact has it."""
    items = alignment.sentences
    if not items:
        return []
    lengths = [budget_count(it.sentence.text) for it in items]
    if config.words < min(lengths):
        raise BriefError(f"a budget of {config.words} syllables is smaller than the shortest sentence "
                         f"({min(lengths)} syllables)")
    w = config.selection
    candidates = [r for r in range(len(items)) if lengths[r] >= w.min_syllables] or list(range(len(items)))
    if scores is None and scorer is None and config.scorer == "learned":
        scorer = learned_scorer(articles[0].language if articles else "vi")
    if scores is None and scorer is not None:
        features = sentence_features(alignment, articles, lengths)
        chosen = best_sum_within(items, lengths, scorer.values(features),
                                 whole_where_possible(items, candidates, features), config.words)
    else:
        if scores is None:
            scores = sentence_scores(alignment, articles, w)
        chosen = best_first(items, lengths, scores, candidates, config.words)
    facts = alignment.facts
    first_report = _first_report(alignment)

    def order(row: int) -> tuple[str, str, int]:
        it = items[row]
        return first_report.get(it.fact, (it.article.published or "\uffff", it.article.id, it.sentence.index))

    if len(articles) == 1:  # one report: no agreement claimed, its own sentence cited
        return [SummarySentence(items[r].sentence.text, items[r].fact, [citation(items[r].article, items[r].sentence)])
                for r in sorted(chosen, key=order)]
    return [SummarySentence(items[r].sentence.text, items[r].fact, facts[items[r].fact].citations)
            for r in sorted(chosen, key=order)]


def best_first(items, lengths: Sequence[int], scores: np.ndarray, candidates: Sequence[int], words: int) -> list[int]:
    """Rows best first by `scores` while they fit the budget, one per fact."""
    order = sorted(candidates, key=lambda r: (-scores[r], r))
    chosen: list[int] = []
    chosen_facts: set[int] = set()
    used = 0
    shortest = min(lengths[r] for r in order)
    for row in order:
        fact = items[row].fact
        if used + lengths[row] > words or (fact >= 0 and fact in chosen_facts):
            continue
        chosen.append(row)
        chosen_facts.add(fact)
        used += lengths[row]
        if words - used < shortest:
            break
    return chosen


def whole_where_possible(items, candidates: Sequence[int], features: np.ndarray) -> list[int]:
    """The candidates but those that open with a reference outside themselves (`Ông này`) when
    another candidate of their fact does not: the labels the scorer learnt from do not mind them,
    a reader does (issue 13)."""
    dangling = features[:, FEATURES.index("dangling")]
    whole_facts = {items[r].fact for r in candidates if not dangling[r] and items[r].fact >= 0}
    return [r for r in candidates if not (dangling[r] and items[r].fact in whole_facts)]


# Above this many cells (facts x budget) the exact choice is not made: best first by value instead
# (a 500-article story at 180 syllables is ~1.5M cells).
_MAX_CELLS = 20_000_000


def best_sum_within(items, lengths: Sequence[int], values: np.ndarray, candidates: Sequence[int],
                    words: int) -> list[int]:
    """The rows, at most one per fact, whose values sum highest with their lengths within `words`:
    a multiple-choice knapsack solved exactly by dynamic programming over the budget's syllables
    (the ILP of the field's concept-coverage summarisers, over facts instead of bigrams)."""
    groups: dict[int, list[int]] = {}
    for r in candidates:
        if lengths[r] <= words:
            fact = items[r].fact
            groups.setdefault(fact if fact >= 0 else -1 - r, []).append(r)
    if not groups:
        return []
    if len(groups) * (words + 1) > _MAX_CELLS:  # the masks kept to read the choice back
        return best_first(items, lengths, values, candidates, words)
    best = np.full(words + 1, -np.inf)  # best[k]: the highest sum of the facts so far within k syllables
    best[0] = 0.0
    # Per fact, which of its rows the best sum at each budget takes: for a fact of one sentence a
    # mask (taken or not), for more a row per budget (-1: none).
    taken: list[tuple[list[int], np.ndarray]] = []
    for rows in groups.values():
        if len(rows) == 1:  # most facts: one sentence, updated in place (the sums it reads come first)
            n = lengths[rows[0]]
            with_row = best[: words + 1 - n] + values[rows[0]]
            better = np.zeros(words + 1, dtype=bool)
            np.greater(with_row, best[n:], out=better[n:])
            np.maximum(best[n:], with_row, out=best[n:])
            taken.append((rows, better))
            continue
        new = best.copy()
        pick = np.full(words + 1, -1, dtype=np.int32)
        for r in rows:
            n = lengths[r]
            with_row = best[: words + 1 - n] + values[r]
            better = with_row > new[n:]
            new[n:][better] = with_row[better]
            pick[n:][better] = r
        best = new
        taken.append((rows, pick))
    used = int(np.argmax(best))
    chosen = []
    for rows, at in reversed(taken):
        r = (rows[0] if at[used] else -1) if at.dtype == bool else int(at[used])
        if r >= 0:
            chosen.append(r)
            used -= lengths[r]
    return sorted(chosen)


def _centrality(alignment: Alignment) -> np.ndarray:
    """Each aligned sentence's cosine to the story's TF-IDF centroid."""
    X = alignment.vectors
    centroid = np.asarray(X.mean(axis=0)).ravel()
    return np.asarray(X @ (centroid / (np.linalg.norm(centroid) or 1.0))).ravel()


def sentence_scores(alignment: Alignment, articles: Sequence[Article], w: SelectionWeights) -> np.ndarray:
    """Each aligned sentence's worth as a summary sentence (`SelectionWeights` says the terms)."""
    items = alignment.sentences
    centrality = _centrality(alignment)
    n_outlets = len({a.outlet_key for a in articles}) or 1
    rank = {a.id: k for k, a in enumerate(sorted(articles, key=lambda a: (a.published or "\uffff", a.id)))}
    out = np.empty(len(items))
    for row, it in enumerate(items):
        pack = lang.for_language(it.article.language)
        support = len(alignment.facts[it.fact].outlets) / n_outlets if it.fact >= 0 else 1 / n_outlets
        dangling = dangling_opening(pack.view("credits", CreditRules), it.sentence.text) is not None
        out[row] = (w.position * np.exp(-it.sentence.index / w.position_scale) + w.support * support
                    + w.centrality * centrality[row] - w.dangling * dangling - w.later * rank[it.article.id])
    return out


# What the learned scorer reads of each aligned sentence (`sentence_features`), in its column order:
# the shipped coefficients (`lang/<code>/summary_scorer.json`) name them, so a model trained on other
# features is refused, not misread.
FEATURES = (
    "position",  # exp(-index / 4): its place in its report
    "first",  # the report's first sentence
    "relative_position",  # index / the report's sentences
    "earliest_position",  # exp(-index / 4) of its fact's earliest-placed sentence in any report
    "article_rank",  # its report's rank in time (0: the earliest), over the story's reports
    "support",  # share of the story's outlets that give its fact
    "outlets",  # how many outlets give its fact (log1p)
    "fact_sentences",  # how many sentences state its fact (log1p)
    "centrality",  # cosine to the story's TF-IDF centroid
    "syllables",  # log of its length as the budget counts it
    "numbers",  # how many numbers it writes (at most 3)
    "names",  # how many capitalised words it holds after its first word (at most 6): names
    "dangling",  # opens with a reference outside itself (`Ông này`, `Tuy nhiên`)
    "quote",  # opens with a quotation mark
    "question",  # ends with a question mark
)

_DIGITS = re.compile(r"\d+(?:[.,/\-]\d+)*")
_CAPITALISED = re.compile(r"(?<=\s)[" + CAPITALS + "]")


def sentence_features(alignment: Alignment, articles: Sequence[Article],
                      lengths: Sequence[int] | None = None) -> np.ndarray:
    """One row per aligned sentence, one column per `FEATURES` name: what the brief knows of the
    sentence before choosing (no reference summary is read). `lengths`: the sentences' budget
    counts when the caller has them."""
    items = alignment.sentences
    n = len(items)
    centrality = _centrality(alignment)
    n_outlets = len({a.outlet_key for a in articles}) or 1
    ordered = sorted(articles, key=lambda a: (a.published or "\uffff", a.id))
    rank = {a.id: k / max(len(articles) - 1, 1) for k, a in enumerate(ordered)}
    n_sentences = {a.id: max(len(a.sentences), 1) for a in articles}
    index = np.fromiter((it.sentence.index for it in items), float, n)
    facts = [it.fact for it in items]
    fact_size: dict[int, int] = {}
    earliest: dict[int, float] = {}
    for f, i in zip(facts, index):
        if f >= 0:
            fact_size[f] = fact_size.get(f, 0) + 1
            earliest[f] = min(earliest.get(f, i), i)
    outlets = np.fromiter((len(alignment.facts[f].outlets) if f >= 0 else 1 for f in facts), float, n)
    rules: dict[str, CreditRules] = {}
    texts = [it.sentence.text for it in items]
    dangling = np.zeros(n)
    for row, it in enumerate(items):
        code = it.article.language
        if code not in rules:
            rules[code] = lang.for_language(code).view("credits", CreditRules)
        dangling[row] = dangling_opening(rules[code], texts[row]) is not None
    if lengths is None:
        lengths = [budget_count(t) for t in texts]
    heads = [t.lstrip()[:1] for t in texts]
    return np.column_stack([
        np.exp(-index / 4.0),
        index == 0,
        index / np.fromiter((n_sentences.get(it.article.id, 1) for it in items), float, n),
        np.exp(-np.fromiter((earliest.get(f, i) for f, i in zip(facts, index)), float, n) / 4.0),
        np.fromiter((rank.get(it.article.id, 0.0) for it in items), float, n),
        outlets / n_outlets,
        np.log1p(outlets),
        np.log1p(np.fromiter((fact_size.get(f, 1) for f in facts), float, n)),
        centrality,
        np.log(np.maximum(np.asarray(lengths, dtype=float), 1.0)),
        np.fromiter((min(len(_DIGITS.findall(t)), 3) for t in texts), float, n),
        np.fromiter((min(len(_CAPITALISED.findall(t)), 6) for t in texts), float, n),
        dangling,
        np.fromiter((bool(h) and h in "\"“‘«'" for h in heads), float, n),
        np.fromiter((t.rstrip().endswith("?") for t in texts), float, n),
    ]).reshape(n, len(FEATURES))


class SentenceScorer:
    """A logistic regression over `sentence_features` (standardised), trained on which sentences the
    human references copy (scripts/train_summary.py); a sentence's value is its probability
    raised to `exponent`, and the summary is the set of sentences whose values sum highest within
    the budget (`best_sum_within`): the exponent says how much one likely sentence outweighs two
    half-likely ones of the same length."""

    def __init__(self, features: Sequence[str], mean: Sequence[float], scale: Sequence[float],
                 coef: Sequence[float], intercept: float, exponent: float = 2.0, about: dict | None = None) -> None:
        unknown = [f for f in features if f not in FEATURES]
        if unknown:
            raise ValueError(f"summary scorer reads features this code does not make: {', '.join(unknown)}")
        self.features = tuple(features)
        self.columns = [FEATURES.index(f) for f in features]
        scale = np.asarray(scale, dtype=float)
        # Standardising folded into the weights: one dot product per sentence.
        self.weights = np.asarray(coef, dtype=float) / np.where(scale == 0, 1.0, scale)
        self.bias = float(intercept) - float(self.weights @ np.asarray(mean, dtype=float))
        self.exponent = float(exponent)
        self.about = about or {}

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(features[:, self.columns] @ self.weights + self.bias)))

    def values(self, features: np.ndarray) -> np.ndarray:
        return self.probabilities(features) ** self.exponent

    @classmethod
    def from_dict(cls, d: dict) -> SentenceScorer:
        return cls(d["features"], d["mean"], d["scale"], d["coef"], d["intercept"], d.get("exponent", 2.0),
                   {k: v for k, v in d.items() if k not in ("features", "mean", "scale", "coef", "intercept")})

    @classmethod
    def read(cls, path) -> SentenceScorer:
        import json

        with open(path, encoding="utf-8") as fh:
            return cls.from_dict(json.load(fh))


SCORER_FILE = "summary_scorer.json"  # in a language pack's folder; scripts/train_summary.py writes it


def learned_scorer(code: str | None) -> SentenceScorer | None:
    """The summary scorer the pack of language `code` ships, or None (the hand weights are used)."""
    pack = lang.for_language(code)
    path = pack.folder / SCORER_FILE
    return pack.view("summary_scorer", lambda _: SentenceScorer.read(path) if path.is_file() else None)


def _first_report(alignment: Alignment) -> dict[int, tuple[str, str, int]]:
    """fact -> (date, article, sentence index) of its earliest report: where the summary places it."""
    out: dict[int, tuple[str, str, int]] = {}
    for it in alignment.sentences:
        key = (it.article.published or "\uffff", it.article.id, it.sentence.index)
        if it.fact >= 0 and (it.fact not in out or key < out[it.fact]):
            out[it.fact] = key
    return out


def make_brief(story_id: str, articles: Sequence[Article], copies: Sequence[CopyGroup] = (),
               config: BriefConfig | None = None, embedder=None) -> Brief:
    """`embedder`: a loaded sentence-embedding model for `config.align_embeddings` (else `align` loads one)."""
    config = config or BriefConfig()
    if not articles:
        raise BriefError(f"story {story_id} has no articles")
    articles = sorted(articles, key=lambda a: (a.published or "\uffff", a.id))
    kept, notes = collapse_copies(articles, copies)
    entities, mentions = story_entities(articles, tagger=config.tagger)
    alignment = align(kept, config, embedder=embedder)
    notes.extend(alignment.notes)
    kinds: dict[str, str] = {}
    if len(kept) == 1:
        notes.append("one article: nothing to align, the summary is its lead")
        facts = []
    else:
        facts = alignment.facts
        kinds = {text: "number" for f in facts for text in f.conflicts}
        dated = [a.published for a in articles if a.published]
        kinds |= _flag_names_and_dates(alignment, min(dated) if dated else None, mentions)
    conflicts = spell_out_conflicts(facts, kinds, {a.id: a for a in kept})
    if config.conflicts_said_alike:
        conflicts = _shown_by_a_pair(conflicts, facts, not_units(kept[0].language))
    copy_notes = copies_of(articles, copies)
    _mark_repeats(facts, copy_notes)
    summary = _cite_own_side(summarize(alignment, kept, config), conflicts)
    dates = [a.published for a in articles if a.published]
    return Brief(
        story_id=story_id,
        title=kept[0].title,
        summary=summary,
        facts=facts,
        articles=[{"id": a.id, "outlet": a.source, "title": a.title, "date": a.published, "url": a.url,
                   "author": a.author, "agency": a.extra.get("agency")} for a in articles],
        first_date=min(dates) if dates else None,
        last_date=max(dates) if dates else None,
        notes=notes,
        entities=entities,
        timeline=story_timeline(kept, alignment),
        conflicts=conflicts,
        copies=copy_notes,
    )


def copies_of(articles: Sequence[Article], groups: Sequence[CopyGroup]) -> list[CopyNote]:
    """Each copy of a story's article that `collapse_copies` left out, with its original."""
    by_id = {a.id: a for a in articles}
    out = []
    for g in groups:
        original = by_id.get(g.original_id)
        if original is None:
            continue
        for copy_id, similarity in g.copies.items():
            if (copy := by_id.get(copy_id)) is not None and copy_id != g.original_id:
                out.append(CopyNote(copy.id, copy.source, copy.published, original.id, original.source,
                                    original.published, round(float(similarity), 3)))
    return sorted(out, key=lambda c: (c.published or "\uffff", c.article_id))


def _mark_repeats(facts: Sequence[Fact], copies: Sequence[CopyNote]) -> None:
    """A fact cited from an article that others republished is repeated by their outlets: they are
    named on the fact (`repeated_by`), never counted among the outlets that give it."""
    repeaters: dict[str, set[str]] = {}
    for c in copies:
        repeaters.setdefault(c.original_id, set()).add(c.outlet or f"article:{c.article_id}")
    for f in facts:
        found = {o for c in f.citations for o in repeaters.get(c.article_id, ())} - set(f.outlets)
        f.repeated_by = sorted(found)


_TWO_SIDES = re.compile(r"^(?P<a>.+?) \((?P<oa>[^()]+)\) vs (?P<b>.+) \((?P<ob>[^()]+)\)$")


def spell_out_conflicts(facts: Sequence[Fact], kinds: dict[str, str], by_id: dict[str, Article]) -> list[Conflict]:
    """Every disagreement of the facts as its two sides, each with its outlets and the sentences
    (cited) that say it: `47 đội (nhandan.vn) vs 48 đội (cand.com.vn)`."""
    out = []
    for f in facts:
        for text in f.conflicts:
            m = _TWO_SIDES.match(text)
            if not m:
                continue
            sides = []
            for value, named in ((m["a"], m["oa"]), (m["b"], m["ob"])):
                outlets = [o for o in f.outlets if o == named or o in named.split(", ")]
                cites = [c for c in f.citations if by_id[c.article_id].outlet_key in outlets]
                saying = [c for c in cites if _says(by_id[c.article_id].text[c.start:c.end], value)]
                cites = saying or cites
                sides.append(ConflictSide(value, outlets, cites, [by_id[c.article_id].text[c.start:c.end] for c in cites]))
            if all(side.citations for side in sides):
                out.append(Conflict(f.id, kinds.get(text, "number"), text, sides))
    return out


def _cite_own_side(summary: list[SummarySentence], conflicts: Sequence[Conflict]) -> list[SummarySentence]:
    """A summary sentence of a disputed fact says one side's value (`47 đội`): it is cited from the
    articles of that side, not from those that wrote the other value (the fact's citations hold
    both), and names the disagreement. A sentence that writes neither value, or both, keeps them all."""
    by_fact: dict[int, list[Conflict]] = {}
    for c in conflicts:
        by_fact.setdefault(c.fact_id, []).append(c)
    for s in summary:
        for c in by_fact.get(s.fact_id, ()):
            s.disputed.append(c.text)
            said = [side for side in c.sides if _says(s.text, side.value)]
            if len(said) != 1:
                continue
            others = {cite.article_id for side in c.sides if side is not said[0] for cite in side.citations}
            others -= {cite.article_id for cite in said[0].citations}
            s.citations = [cite for cite in s.citations if cite.article_id not in others] or s.citations
    return summary


def _shown_by_a_pair(conflicts: list[Conflict], facts: Sequence[Fact], units_not: frozenset[str]) -> list[Conflict]:
    """The conflicts a sentence of each side shows: the two say the same but for the disputed
    value (`align.say_the_same_besides`). The others are dropped from their facts too (a fact left
    with none is shared again): two sentences that share a unit, a title or a day but say different
    things are two facts, not a disagreement (3 of the 28 differences the briefs told were one on
    the labelled candidates; bench/conflict_quality.py)."""
    def shown(c: Conflict) -> bool:
        a, b = c.sides
        left = [side_reading(x, a.value, units_not) for x in a.sentences]
        right = [side_reading(y, b.value, units_not) for y in b.sentences]
        return any(readings_say_the_same(x, y, c.kind) for x in left for y in right)

    kept = [c for c in conflicts if shown(c)]
    told = {(c.fact_id, c.text) for c in kept}
    for f in facts:
        if f.conflicts:
            f.conflicts = [t for t in f.conflicts if (f.id, t) in told]
            if not f.conflicts and f.kind == "conflict":
                f.kind = "shared"
    return kept


def _says(sentence: str, value: str) -> bool:
    """Whether a sentence writes a side's value (`47 đội`; a name; a day is written otherwise)."""
    return any(part.strip() and fold(part.strip()) in fold(sentence) for part in value.split(", "))


def _flag_names_and_dates(alignment: Alignment, story_date: str | None, mentions: SentenceMentions) -> dict[str, str]:
    """Add to alignment's numeric conflicts those of people and days (alignment comes before the
    entity and time stages, so they are found here). Undated articles are read at the story's date,
    as the timeline reads them. Returns each conflict found with its kind (name, date)."""
    kinds: dict[str, str] = {}
    members: dict[int, list] = {}
    for item in alignment.sentences:
        if item.fact >= 0:
            members.setdefault(item.fact, []).append(item)
    for fact in alignment.facts:
        items = members.get(fact.id, [])
        if len(fact.outlets) < 2 or len(items) < 2:
            continue
        pack = lang.for_language(items[0].article.language)  # a fact's sentences share a language
        names = name_conflicts([(it.article.outlet_key, mentions.get((it.article.id, it.sentence.index), []))
                                for it in items], pack, texts=[it.sentence.text for it in items])
        days = date_conflicts([(it.article.outlet_key, it.sentence.text, it.article.published or story_date)
                               for it in items], pack)
        kinds |= {t: "name" for t in names} | {t: "date" for t in days}
        found = names + days
        if found:
            fact.conflicts.extend(c for c in found if c not in fact.conflicts)
            fact.kind = "conflict"
    return kinds


# ---------------------------------------------------------------- rendering


def _source_numbers(brief: Brief) -> dict[str, int]:
    return {a["id"]: k for k, a in enumerate(brief.articles, 1)}


def _outlet_name(a: dict) -> str:
    return a["outlet"] or "(outlet unknown)"  # the title follows it in the source list


def _count_line(articles: Sequence[dict]) -> str:
    """`5 articles, 3 outlets`; an article whose outlet is not known is said apart, not counted as
    an outlet of its own (a reader takes "2 outlets" for two named ones)."""
    named = {a["outlet"] for a in articles if a["outlet"]}
    unknown = sum(1 for a in articles if not a["outlet"])
    line = f"{len(articles)} article{'s' * (len(articles) != 1)}, {len(named)} outlet{'s' * (len(named) != 1)}"
    return line + (f" ({unknown} of unknown outlet)" if unknown else "")


def to_markdown(brief: Brief) -> str:
    num = _source_numbers(brief)
    lines = [f"# {brief.title}", ""]
    span = " – ".join(dict.fromkeys(d for d in (brief.first_date, brief.last_date) if d))
    lines.append(f"*{_count_line(brief.articles)}" + (f", {span}" if span else "") + "*")
    lines += ["", "## Summary", ""]
    for s in brief.summary:
        refs = "".join(f"[{num[c.article_id]}]" for c in _unique_articles(s.citations))
        disputed = f" *(disputed: {'; '.join(s.disputed)})*" if s.disputed else ""
        lines.append(f"{s.text} {refs}{disputed}")
    if brief.conflicts:
        lines += ["", f"## Where the outlets disagree ({len(brief.conflicts)})", ""]
        for c in brief.conflicts:
            lines.append(f"- **{c.text}**")
            for side in c.sides:
                for cite, sentence in _per_article(side):
                    lines.append(f"  - {side.value}, {cite.outlet or '(outlet unknown)'} [{num[cite.article_id]}]: "
                                 f"“{sentence}”")
    by_kind = {k: [f for f in brief.facts if f.kind == k] for k in ("shared", "conflict", "only-one")}
    if brief.facts:
        lines += ["", "## What the sources say", ""]
        if by_kind["shared"]:
            lines.append(f"**Shared by several outlets** ({len(by_kind['shared'])})")
        for f in by_kind["shared"]:
            lines.append(f"- {f.text} " + "".join(f"[{num[c.article_id]}]" for c in _unique_articles(f.citations))
                         + (f" (repeated by {', '.join(f.repeated_by)})" if f.repeated_by else ""))
        if by_kind["conflict"]:
            lines += ["", f"**Disagreements** ({len(by_kind['conflict'])})"]
            for f in by_kind["conflict"]:
                lines.append(f"- {f.text} — " + "; ".join(f.conflicts) + " "
                             + "".join(f"[{num[c.article_id]}]" for c in _unique_articles(f.citations)))
        if by_kind["only-one"]:
            lines += ["", f"**Reported by one outlet only** ({len(by_kind['only-one'])})"]
        for f in by_kind["only-one"]:
            # One outlet, maybe several of its articles (an update, a second edition): each cited.
            lines.append(f"- {''.join(f'[{num[c.article_id]}]' for c in _unique_articles(f.citations))} {f.text}")
    if brief.entities:
        lines += ["", "## Who and where", ""]
        for e in brief.entities:
            roles = f" — {', '.join(e.roles)}" if e.roles else ""
            lines.append(f"- **{e.name}** ({e.type}){roles}; {len(e.outlets)} outlet(s)")
    if brief.timeline:
        lines += ["", "## Timeline", ""]
        for ev in brief.timeline:
            refs = "".join(f"[{num[c.article_id]}]" for c in _unique_articles(ev.citations))
            lines.append(f"- **{ev.date}** {ev.text} {refs}")
    if copies := copy_lines(brief, num):
        lines += ["", "## Copies", ""] + [f"- {line}" for line in copies]
    if brief.notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in brief.notes]
    lines += ["", "## Sources", ""]
    for a in brief.articles:
        date = f", {a['date']}" if a["date"] else ""
        url = f" <{a['url']}>" if a["url"] else ""
        lines.append(f"{num[a['id']]}. {_outlet_name(a)}{date}: {a['title']}{url}")
        if also := also_published_by(a):
            lines.append(f"   also published by {also}")
    return "\n".join(lines) + "\n"


def _per_article(side):
    """A side's citations, one per article, with the sentence each cites."""
    seen, out = set(), []
    for cite, sentence in zip(side.citations, side.sentences):
        if cite.article_id not in seen:
            seen.add(cite.article_id)
            out.append((cite, sentence))
    return out


def copy_lines(brief: Brief, num: dict[str, int]) -> list[str]:
    """`[3] baomoi.com, 2023-06-28: copy of [1] nhandan.vn, 2023-06-27 (similarity 0.91)`: each
    copy left out of the alignment, then each outlet that republished a source's text exactly."""
    out = []
    for c in brief.copies:
        out.append(f"[{num[c.article_id]}] {c.outlet or '(outlet unknown)'}{', ' + c.published if c.published else ''}: "
                   f"copy of [{num[c.original_id]}] {c.original_outlet or '(outlet unknown)'}"
                   f"{', ' + c.original_published if c.original_published else ''} (similarity {c.similarity:.2f})")
    for a in brief.articles:
        for p in a.get("publications", ()):
            if p["kind"] == "exact" and p["article_id"] == a["id"]:  # a group's near copy has a text of its own
                out.append(f"{p['outlet'] or '(outlet unknown)'}{', ' + p['published'] if p['published'] else ''}: "
                           f"the same text as [{num[a['id']]}] {a['outlet'] or '(outlet unknown)'}"
                           f"{', ' + a['date'] if a['date'] else ''}")
    return out


def republishers(article: dict) -> list[dict]:
    """The publications of this article's text by other outlets (exact or near copies)."""
    return [p for p in article.get("publications", ()) if p["article_id"] != article["id"] or p["kind"] == "exact"]


def also_published_by(article: dict, t: Callable[..., str] | None = None,
                      when: Callable[[str | None], str] | None = None) -> str:
    """`vietnamplus.vn 2023-05-31T07:00 (first), baomoi.com 2023-07-01T09:30`: the other outlets
    that published this article's text (exact or near copies), with times, and who had it first.
    `t` and `when` are a page's words and dates (`web.display`); without them, the Markdown's."""
    others = republishers(article)
    if not others:
        return ""
    first = article.get("first")
    first_mark = t("first_mark") if t else "first"
    shown = [" ".join(x for x in (p["outlet"] or "?", (when or str)(p["published"]) if p["published"] else "",
                                  f"({first_mark})" if p["outlet"] == first else "") if x) for p in others]
    own_first = first == article["outlet"]
    return ", ".join(shown) + (f"; {t('had_it_first') if t else 'this outlet had it first'}" if own_first else "")


def link_url(url: str | None) -> str | None:
    """The URL if it may become a link: http(s) with a host, nothing else. A stored `url` is
    data from outside (`javascript:alert(1)`, ` JaVaScRiPt:…`, `java\tscript:`, which browsers
    read as `javascript:` because they drop tabs and newlines inside a URL)."""
    if not url:
        return None
    from urllib.parse import urlsplit

    url = url.strip()
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def _unique_articles(citations):
    seen, out = set(), []
    for c in citations:
        if c.article_id not in seen:
            seen.add(c.article_id)
            out.append(c)
    return out


def to_html(brief: Brief, lang: str = "vi") -> str:
    """One self-contained page (no external assets), its headings in `lang` (the web page's words:
    web/messages.toml; Vietnamese by default, as the web page)."""
    from .web.display import brief_words, translator, when as display_when

    t = translator(lang)

    def when(value: str | None) -> str:
        # a range (`2013-10-21/2013-10-23`) as its two ends
        return "–".join(display_when(v, lang) for v in value.split("/")) if value else ""

    e = html.escape
    num = _source_numbers(brief)
    parts = [
        f"<!doctype html><html lang='{e(lang)}'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{e(brief.title)}</title><style>body{{font-family:system-ui,'Noto Sans',sans-serif;max-width:50rem;"
        "margin:2rem auto;padding:0 1rem;line-height:1.55}.shared{border-left:4px solid #2a7}"
        ".only-one{border-left:4px solid #aaa}.conflict{border-left:4px solid #d33}li{padding-left:.5rem;"
        ".conflicts{border:2px solid #d33;padding:0 1rem;margin:1rem 0}"
        "margin:.3rem 0;list-style:none}sup a{text-decoration:none}</style></head><body>",
        f"<h1>{e(brief.title)}</h1>",
    ]
    if brief.conflicts:
        parts.append(f"<section class='conflicts'><h2>{e(t('conflicts'))} ({len(brief.conflicts)})</h2><ul>")
        for c in brief.conflicts:
            parts.append(f"<li class='conflict'><b>{e(brief_words(c.text, lang))}</b><ul>")
            for side in c.sides:
                for cite, sentence in _per_article(side):
                    parts.append(f"<li>{e(side.value)}, {e(cite.outlet or '(' + t('unknown_outlet') + ')')} "
                                 f"<sup><a href='#src{num[cite.article_id]}'>[{num[cite.article_id]}]</a></sup>: "
                                 f"“{e(sentence)}”</li>")
            parts.append("</ul></li>")
        parts.append("</ul></section>")
    parts.append(f"<h2>{e(t('summary'))}</h2><p>")
    for s in brief.summary:
        refs = "".join(f"<sup><a href='#src{num[c.article_id]}' title='{e(c.outlet or '')}'>[{num[c.article_id]}]"
                       "</a></sup>" for c in _unique_articles(s.citations))
        disputed = (f" <em class='disputed'>({e(t('conflict'))}: {e('; '.join(brief_words(d, lang) for d in s.disputed))})</em>"
                    if s.disputed else "")
        parts.append(f"{e(s.text)}{refs}{disputed} ")
    parts.append("</p>")
    if brief.facts:
        parts.append(f"<h2>{e(t('facts'))}</h2><ul>")
        for f in brief.facts:
            extra = f" <em>({e('; '.join(f.conflicts))})</em>" if f.conflicts else ""
            extra += f" <small>{e(t('repeated_by'))} {e(', '.join(f.repeated_by))}</small>" if f.repeated_by else ""
            parts.append(f"<li class='{f.kind}'>{e(f.text)}{extra} <small>{e(', '.join(f.outlets))}</small></li>")
        parts.append("</ul>")
    if brief.entities:
        parts.append(f"<h2>{e(t('entities'))}</h2><ul>")
        for en in brief.entities:
            parts.append(f"<li><b>{e(en.name)}</b> ({en.type}) {e(', '.join(en.roles))}</li>")
        parts.append("</ul>")
    if brief.timeline:
        parts.append(f"<h2>{e(t('timeline'))}</h2><ul>")
        for ev in brief.timeline:
            parts.append(f"<li><b>{e(when(ev.date))}</b> {e(ev.text)}</li>")
        parts.append("</ul>")
    # Each near copy in the page's words (`Bản sao của [1] vtc.vn 3/11/2013 16:09`); exact republications
    # are said under their original in the sources (`also_published`).
    copies = [f"[{num[c.article_id]}] {c.outlet or t('unknown_outlet')} {when(c.published)}: " +
              t("copy_line", n=num[c.original_id], outlet=c.original_outlet or t("unknown_outlet"),
                date=when(c.original_published)) for c in brief.copies]
    if copies:
        parts.append(f"<h2>{e(t('copies'))}</h2><ul>" + "".join(f"<li>{e(line)}</li>" for line in copies) + "</ul>")
    parts.append(f"<h2>{e(t('article_sources'))}</h2><ol>")
    for a in brief.articles:
        href = link_url(a["url"])
        link = f" <a href='{e(href)}' rel='noopener noreferrer'>{e(t('link'))}</a>" if href else ""
        also = also_published_by(a, t, when)
        also = f"<br><small>{e(t('also_published'))}: {e(also)}</small>" if also else ""
        parts.append(f"<li id='src{num[a['id']]}'>{e(_outlet_name(a))} {e(when(a['date']))}: {e(a['title'])}{link}"
                     f"{also}</li>")
    parts.append("</ol></body></html>")
    return "".join(parts)
