"""Date expressions resolved against the article's own date, and a dated timeline per story.

Written by hand: dateparser reads `ngày 25-27/6` as 2027-06-25 and fills missing parts from
today's date; news needs them from the article's date, and needs to say when it cannot.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta

from .align import Alignment
from .model import Article, Citation, TimeExpression, TimelineEvent

_PART = r"(?:(?:[Ss]áng|[Tt]rưa|[Cc]hiều|[Tt]ối|[Đđ]êm|[Rr]ạng sáng)\s+(?:ngày\s+)?)?"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("range", re.compile(r"\b(?:từ\s+)?(?:ngày\s+)?(\d{1,2})\s*-\s*(\d{1,2})/(\d{1,2})(?:/(\d{4}))?\b")),
    ("month", re.compile(r"\btháng\s+(\d{1,2})/(\d{4})\b")),
    ("day", re.compile(r"\b" + _PART + r"(?:ngày\s+)?(\d{1,2})[/-](\d{1,2})(?:[/-](\d{4}))?\b(?![.,]\d)")),
    ("month", re.compile(r"\btháng\s+(\d{1,2})\s+năm\s+(\d{4})\b")),
    ("month_rel", re.compile(r"\btháng\s+(\d{1,2})\s+(năm nay|năm sau|năm tới|năm ngoái|năm trước)\b")),
    ("year", re.compile(r"\bnăm\s+(\d{4})\b")),
    ("month_of_year", re.compile(r"\btháng\s+(\d{1,2})\b(?![/\d])")),
    ("month_shift", re.compile(r"\b(tháng trước|tháng này|tháng sau|tháng tới)\b", re.IGNORECASE)),
    ("relative", re.compile(r"\b(hôm qua|tối qua|đêm qua|sáng qua|trưa qua|chiều qua|hôm nay|sáng nay|trưa nay|"
                            r"chiều nay|tối nay|ngày mai|sáng mai|hôm kia)\b", re.IGNORECASE)),
]
_YEAR_WORDS = {"năm nay": 0, "năm sau": 1, "năm tới": 1, "năm ngoái": -1, "năm trước": -1}
_MONTH_WORDS = {"tháng trước": -1, "tháng này": 0, "tháng sau": 1, "tháng tới": 1}
_OFFSETS = {"hôm qua": -1, "tối qua": -1, "đêm qua": -1, "sáng qua": -1, "trưa qua": -1, "chiều qua": -1, "hôm nay": 0, "sáng nay": 0,
            "trưa nay": 0, "chiều nay": 0, "tối nay": 0, "ngày mai": 1, "sáng mai": 1, "hôm kia": -2}


def _anchor(published: str | None) -> tuple[int | None, int | None, int | None]:
    if not published:
        return None, None, None
    parts = published[:10].split("-")
    y = int(parts[0])
    m = int(parts[1]) if len(parts) > 1 else None
    d = int(parts[2]) if len(parts) > 2 else None
    return y, m, d


def _year_for(month: int, anchor_y: int, anchor_m: int | None) -> int:
    # News reports recent events: a month well after the article's month was last year's.
    if anchor_m is not None and month > anchor_m + 1:
        return anchor_y - 1
    return anchor_y


def resolve(text: str, published: str | None, base: int = 0) -> list[TimeExpression]:
    """Date expressions in `text` (offsets shifted by `base`), resolved against `published`."""
    ay, am, ad = _anchor(published)
    taken: list[tuple[int, int]] = []
    out: list[TimeExpression] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            s, e = m.span()
            if any(s < te and ts < e for ts, te in taken):
                continue
            taken.append((s, e))
            value = precision = reason = None
            try:
                if kind == "range":
                    d1, d2, mo = int(m.group(1)), int(m.group(2)), int(m.group(3))
                    y = int(m.group(4)) if m.group(4) else (_year_for(mo, ay, am) if ay else None)
                    if y is None:
                        reason = "no year: the article has no date"
                    else:
                        value = f"{date(y, mo, d1).isoformat()}/{date(y, mo, d2).isoformat()}"
                        precision = "range"
                elif kind == "day":
                    d, mo = int(m.group(1)), int(m.group(2))
                    y = int(m.group(3)) if m.group(3) else (_year_for(mo, ay, am) if ay else None)
                    if y is None:
                        reason = "no year: the article has no date"
                    else:
                        value, precision = date(y, mo, d).isoformat(), "day"
                elif kind == "month":
                    mo, y = int(m.group(1)), int(m.group(2))
                    date(y, mo, 1)
                    value, precision = f"{y:04d}-{mo:02d}", "month"
                elif kind == "year":
                    value, precision = m.group(1), "year"
                elif kind in ("month_rel", "month_of_year", "month_shift"):
                    if ay is None:
                        reason = "no year: the article has no date"
                    elif kind == "month_shift":
                        if am is None:
                            reason = "the article's date is only known to the year"
                        else:
                            k = (ay * 12 + am - 1) + _MONTH_WORDS[m.group(1).lower()]
                            value, precision = f"{k // 12:04d}-{k % 12 + 1:02d}", "month"
                    else:
                        mo = int(m.group(1))
                        y = ay + _YEAR_WORDS[m.group(2)] if kind == "month_rel" else _year_for(mo, ay, am)
                        date(y, mo, 1)
                        value, precision = f"{y:04d}-{mo:02d}", "month"
                else:
                    if ad is None:
                        reason = ("the article's date is only known to the month" if ay
                                  else "the article has no date")
                    else:
                        day = date(ay, am, ad) + timedelta(days=_OFFSETS[m.group(1).lower()])
                        value, precision = day.isoformat(), "day"
            except ValueError:
                reason = "no such date"
                value = precision = None
            out.append(TimeExpression(m.group(0), base + s, base + e, value, precision, reason))
    out.sort(key=lambda t: t.start)
    return out


def story_timeline(articles: Sequence[Article], alignment: Alignment) -> list[TimelineEvent]:
    """Dated events of a story: one per fact that names a day, month or range, sorted by date."""
    by_article = {a.id: a for a in articles}
    events: dict[int | tuple[str, int], TimelineEvent] = {}
    for item in alignment.sentences:
        a, s = item.article, item.sentence
        exprs = [t for t in resolve(s.text, a.published, s.start) if t.value and t.precision != "year"]
        if not exprs:
            continue
        first = exprs[0]
        key: int | tuple[str, int] = item.fact if item.fact >= 0 else (a.id, s.index)
        if key in events:
            continue
        # The event is the whole fact: every outlet that reports it, dated or not, is a source.
        cites = (list(alignment.facts[item.fact].citations) if item.fact >= 0 and alignment.facts
                 else [Citation(a.id, by_article[a.id].source, s.index, s.start, s.end)])
        events[key] = TimelineEvent(first.value, first.precision or "", s.text,
                                    item.fact if item.fact >= 0 else None, cites)
    return sorted(events.values(), key=lambda ev: (ev.date, ev.text))
