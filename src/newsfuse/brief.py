"""One brief per story: a cited extractive summary and the facts each outlet shares or alone has.

The summary reads the outlets' reports lead first, round robin, most central and best supported
outlet first, one sentence per fact, under a syllable budget; then orders the sentences by article
date and position. Every summary sentence cites the sentences of its fact.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from . import lang
from .align import Alignment, align, citation
from .config import BriefConfig
from .entities import SentenceMentions, name_conflicts, story_entities
from .model import Article, Brief, CopyGroup, SummarySentence
from .text import syllable_count
from .timeline import date_conflicts, story_timeline


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


def summarize(alignment: Alignment, articles: Sequence[Article], config: BriefConfig) -> list[SummarySentence]:
    items = alignment.sentences
    if not items:
        return []
    lengths = [syllable_count(it.sentence.text) for it in items]
    if config.words < min(lengths):
        raise BriefError(f"a budget of {config.words} syllables is smaller than the shortest sentence "
                         f"({min(lengths)} syllables)")
    n_outlets = len({a.outlet_key for a in articles})
    if len(articles) == 1:
        # One report: its own lead sentences, in order, no agreement claimed.
        out, used = [], 0
        for it, n in zip(items, lengths):
            if used + n > config.words:
                break
            used += n
            out.append(SummarySentence(it.sentence.text, it.fact, [citation(it.article, it.sentence)]))
        return out

    # Each outlet's report in the order a news writer puts it (most important first), read round
    # robin: every outlet's first sentence, then every outlet's second, ... Outlets go in order of
    # how central their lead sentence is to the story plus how many outlets back its fact; a
    # sentence whose fact is already in the summary is skipped. Measured against MMR over
    # support/centrality/position scores: see docs/decisions.md.
    X = alignment.vectors
    centroid = np.asarray(X.mean(axis=0)).ravel()
    centrality = np.asarray(X @ (centroid / (np.linalg.norm(centroid) or 1.0))).ravel()
    facts = alignment.facts
    rows_of: dict[str, list[int]] = {}
    for row, it in enumerate(items):
        rows_of.setdefault(it.article.id, []).append(row)

    def priority(article_id: str) -> float:
        lead = rows_of[article_id][0]
        return centrality[lead] + len(facts[items[lead].fact].outlets) / n_outlets

    outlets_order = sorted(rows_of, key=lambda a: (-priority(a), a))
    chosen: list[int] = []
    chosen_facts: set[int] = set()
    used = 0
    for k in range(max(len(r) for r in rows_of.values())):
        for article_id in outlets_order:
            rows = rows_of[article_id]
            if k >= len(rows):
                continue
            row = rows[k]
            if used + lengths[row] > config.words or items[row].fact in chosen_facts:
                continue
            chosen.append(row)
            chosen_facts.add(items[row].fact)
            used += lengths[row]
        if config.words - used < min(lengths):
            break

    def order(row: int) -> tuple[str, str, int]:
        it = items[row]
        return (it.article.published or "\uffff", it.article.id, it.sentence.index)

    return [SummarySentence(items[r].sentence.text, items[r].fact, facts[items[r].fact].citations)
            for r in sorted(chosen, key=order)]


def make_brief(story_id: str, articles: Sequence[Article], copies: Sequence[CopyGroup] = (),
               config: BriefConfig | None = None) -> Brief:
    config = config or BriefConfig()
    if not articles:
        raise BriefError(f"story {story_id} has no articles")
    articles = sorted(articles, key=lambda a: (a.published or "\uffff", a.id))
    kept, notes = collapse_copies(articles, copies)
    entities, mentions = story_entities(articles, tagger=config.tagger)
    alignment = align(kept, config)
    notes.extend(alignment.notes)
    if len(kept) == 1:
        notes.append("one article: nothing to align, the summary is its lead")
        facts = []
    else:
        facts = alignment.facts
        dated = [a.published for a in articles if a.published]
        _flag_names_and_dates(alignment, min(dated) if dated else None, mentions)
    summary = summarize(alignment, kept, config)
    dates = [a.published for a in articles if a.published]
    return Brief(
        story_id=story_id,
        title=kept[0].title,
        summary=summary,
        facts=facts,
        articles=[{"id": a.id, "outlet": a.source, "title": a.title, "date": a.published, "url": a.url,
                   "author": a.author} for a in articles],
        first_date=min(dates) if dates else None,
        last_date=max(dates) if dates else None,
        notes=notes,
        entities=entities,
        timeline=story_timeline(kept, alignment),
    )


def _flag_names_and_dates(alignment: Alignment, story_date: str | None, mentions: SentenceMentions) -> None:
    """Add to alignment's numeric conflicts those of people and days (alignment comes before the
    entity and time stages, so they are found here). Undated articles are read at the story's date,
    as the timeline reads them."""
    members: dict[int, list] = {}
    for item in alignment.sentences:
        if item.fact >= 0:
            members.setdefault(item.fact, []).append(item)
    for fact in alignment.facts:
        items = members.get(fact.id, [])
        if len(fact.outlets) < 2 or len(items) < 2:
            continue
        pack = lang.for_language(items[0].article.language)  # a fact's sentences share a language
        found = name_conflicts([(it.article.outlet_key, mentions.get((it.article.id, it.sentence.index), []))
                                for it in items], pack)
        found += date_conflicts([(it.article.outlet_key, it.sentence.text, it.article.published or story_date)
                                 for it in items], pack)
        if found:
            fact.conflicts.extend(c for c in found if c not in fact.conflicts)
            fact.kind = "conflict"


# ---------------------------------------------------------------- rendering


def _source_numbers(brief: Brief) -> dict[str, int]:
    return {a["id"]: k for k, a in enumerate(brief.articles, 1)}


def _outlet_name(a: dict) -> str:
    return a["outlet"] or "(outlet unknown)"  # the title follows it in the source list


def to_markdown(brief: Brief) -> str:
    num = _source_numbers(brief)
    lines = [f"# {brief.title}", ""]
    span = " – ".join(dict.fromkeys(d for d in (brief.first_date, brief.last_date) if d))
    lines.append(f"*{len(brief.articles)} articles, {len({a['outlet'] or a['id'] for a in brief.articles})} outlets"
                 + (f", {span}" if span else "") + "*")
    lines += ["", "## Summary", ""]
    for s in brief.summary:
        refs = "".join(f"[{num[c.article_id]}]" for c in _unique_articles(s.citations))
        lines.append(f"{s.text} {refs}")
    by_kind = {k: [f for f in brief.facts if f.kind == k] for k in ("shared", "conflict", "only-one")}
    if brief.facts:
        lines += ["", "## What the sources say", ""]
        lines.append(f"**Shared by several outlets** ({len(by_kind['shared'])})")
        for f in by_kind["shared"]:
            lines.append(f"- {f.text} " + "".join(f"[{num[c.article_id]}]" for c in _unique_articles(f.citations)))
        if by_kind["conflict"]:
            lines += ["", f"**Disagreements** ({len(by_kind['conflict'])})"]
            for f in by_kind["conflict"]:
                lines.append(f"- {f.text} — " + "; ".join(f.conflicts))
        lines += ["", f"**Reported by one outlet only** ({len(by_kind['only-one'])})"]
        for f in by_kind["only-one"]:
            lines.append(f"- [{num[f.citations[0].article_id]}] {f.text}")
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


def also_published_by(article: dict) -> str:
    """`vietnamplus.vn 2023-05-31T07:00 (first), baomoi.com 2023-07-01T09:30`: the other outlets
    that published this article's text (exact or near copies), with times, and who had it first."""
    others = [p for p in article.get("publications", ()) if p["article_id"] != article["id"] or p["kind"] == "exact"]
    if not others:
        return ""
    first = article.get("first")
    shown = [f"{p['outlet'] or '?'}{' ' + p['published'] if p['published'] else ''}"
             f"{' (first)' if p['outlet'] == first else ''}" for p in others]
    own_first = first == article["outlet"]
    return ", ".join(shown) + ("; this outlet had it first" if own_first else "")


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


def to_html(brief: Brief) -> str:
    """One self-contained page (no external assets)."""
    e = html.escape
    num = _source_numbers(brief)
    parts = [
        "<!doctype html><html lang='vi'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{e(brief.title)}</title><style>body{{font-family:system-ui,'Noto Sans',sans-serif;max-width:50rem;"
        "margin:2rem auto;padding:0 1rem;line-height:1.55}.shared{border-left:4px solid #2a7}"
        ".only-one{border-left:4px solid #aaa}.conflict{border-left:4px solid #d33}li{padding-left:.5rem;"
        "margin:.3rem 0;list-style:none}sup a{text-decoration:none}</style></head><body>",
        f"<h1>{e(brief.title)}</h1><h2>Summary</h2><p>",
    ]
    for s in brief.summary:
        refs = "".join(f"<sup><a href='#src{num[c.article_id]}' title='{e(c.outlet or '')}'>[{num[c.article_id]}]"
                       "</a></sup>" for c in _unique_articles(s.citations))
        parts.append(f"{e(s.text)}{refs} ")
    parts.append("</p>")
    if brief.facts:
        parts.append("<h2>What the sources say</h2><ul>")
        for f in brief.facts:
            extra = f" <em>({e('; '.join(f.conflicts))})</em>" if f.conflicts else ""
            parts.append(f"<li class='{f.kind}'>{e(f.text)}{extra} <small>{e(', '.join(f.outlets))}</small></li>")
        parts.append("</ul>")
    if brief.entities:
        parts.append("<h2>Who and where</h2><ul>")
        for en in brief.entities:
            parts.append(f"<li><b>{e(en.name)}</b> ({en.type}) {e(', '.join(en.roles))}</li>")
        parts.append("</ul>")
    if brief.timeline:
        parts.append("<h2>Timeline</h2><ul>")
        for ev in brief.timeline:
            parts.append(f"<li><b>{e(ev.date)}</b> {e(ev.text)}</li>")
        parts.append("</ul>")
    parts.append("<h2>Sources</h2><ol>")
    for a in brief.articles:
        href = link_url(a["url"])
        link = f" <a href='{e(href)}' rel='noopener noreferrer'>link</a>" if href else ""
        also = also_published_by(a)
        also = f"<br><small>also published by {e(also)}</small>" if also else ""
        parts.append(f"<li id='src{num[a['id']]}'>{e(_outlet_name(a))} {e(a['date'] or '')}: {e(a['title'])}{link}"
                     f"{also}</li>")
    parts.append("</ol></body></html>")
    return "".join(parts)
