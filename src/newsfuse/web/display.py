"""What the web page shows and how: its words in each UI language, readable dates, and the
geometry of the story's pictures (coverage by outlet over time, the timeline), drawn as inline SVG
by the templates. No chart library: the two pictures are a few dozen shapes each, which a template
draws with no script (and no build step), readable without JavaScript and by screen readers."""

from __future__ import annotations

import math
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES = ("vi", "en")  # the first is the default
MESSAGES_FILE = Path(__file__).parent / "messages.toml"


@cache
def messages() -> dict[str, dict[str, str]]:
    """Every UI language's words; a key missing in one language is an error, not a blank."""
    with MESSAGES_FILE.open("rb") as fh:
        table = tomllib.load(fh)
    keys = {lang: set(table.get(lang, {})) for lang in LANGUAGES}
    for lang in LANGUAGES:
        missing = set().union(*keys.values()) - keys[lang]
        if missing:
            raise ValueError(f"{MESSAGES_FILE.name}: [{lang}] has no {', '.join(sorted(missing))}")
    return table


def translator(lang: str):
    words = messages()[lang]

    def t(key: str, **values: Any) -> str:
        return words[key].format(**values) if values else words[key]

    return t


# The brief's own fixed words (its notes, `vs` between the sides of a conflict), as `brief.py` writes
# them for every face, and the page's message that says each in the page's language.
_BRIEF_NOTES = ((re.compile(r"(\d+) cop(?:y|ies) of other articles left out of the alignment"), "note_copies_left_out"),
                (re.compile(r"one article: nothing to align, the summary is its lead"), "note_one_article"))
_VERSUS = re.compile(r"(?<=\)) vs (?=\S)")


def brief_words(text: str, lang: str) -> str:
    """`text` of a brief (a note, a conflict) with the brief's fixed English words in the page's language."""
    words = messages()[lang]
    for form, key in _BRIEF_NOTES:
        if m := form.fullmatch(text):
            if not m.groups():
                return words[key]
            n = int(m.group(1))
            return words[key + ("_one" if n == 1 else "")].format(n=n)
    return _VERSUS.sub(f" {words['versus']} ", text)


def parameter_error(error: Exception, lang: str) -> str:
    """A BadParameter in the page's language when the messages know its `key` (a parameter's name
    that is a message key, `since`, is said as the form says it), else its own message."""
    words = messages()[lang]
    key = getattr(error, "key", None)
    if key not in words:
        return str(error)
    values = {k: words.get(v, v) if k == "name" and isinstance(v, str) else v
              for k, v in getattr(error, "values", {}).items()}
    return words[key].format(**({"detail": str(error)} | values))


def _parse(value: str) -> tuple[datetime, str] | None:
    """An ISO prefix as a moment and its precision (year, month, day, minute)."""
    v = value.strip()
    try:
        if len(v) == 4:
            return datetime(int(v), 1, 1), "year"
        if len(v) == 7:
            return datetime(int(v[:4]), int(v[5:7]), 1), "month"
        if len(v) == 10:
            return datetime.fromisoformat(v), "day"
        return datetime.fromisoformat(v.replace("Z", "+00:00")), "minute"
    except ValueError:
        return None


def when(value: str | None, lang: str, now: datetime | None = None) -> str:
    """`26/6/2023 21:15` (as Vietnamese and many others write days), `6/2023`, `2023`; a moment of
    today is relative (`3 giờ trước`, `3 hours ago`), a day of today is `hôm nay` / `today`."""
    if not value:
        return ""
    parsed = _parse(value)
    if parsed is None:
        return value
    moment, precision = parsed
    if precision == "year":
        return f"{moment.year}"
    if precision == "month":
        return f"{moment.month}/{moment.year}"
    now = now or datetime.now(moment.tzinfo or None)
    if moment.tzinfo is not None and now.tzinfo is None:
        now = now.astimezone()
    local_now = now.astimezone(moment.tzinfo) if moment.tzinfo is not None else now
    if moment.date() == local_now.date():
        if precision == "day":
            return translator(lang)("today")
        from babel.dates import format_timedelta

        return format_timedelta(moment - local_now, locale=lang, add_direction=True, threshold=1.0)
    day = f"{moment.day}/{moment.month}/{moment.year}"
    return day if precision == "day" else f"{day} {moment.hour:02d}:{moment.minute:02d}"


def day_of(value: str | None) -> str | None:
    """The ISO day of a date (`2023-06-26` of `2023-06-26T21:15+07:00`), for a one-day filter."""
    return value[:10] if value and len(value) >= 10 else value


# ------------------------------------------------------------ the coverage chart


@dataclass(slots=True)
class Dot:
    x: float
    r: float
    count: int
    label: str
    article_ids: list[str]
    undated: bool = False


@dataclass(slots=True)
class Row:
    outlet: str
    y: float
    total: int
    dots: list[Dot] = field(default_factory=list)


@dataclass(slots=True)
class Tick:
    x: float
    label: str


@dataclass(slots=True)
class Chart:
    width: int
    height: int
    left: int
    right: int
    rows: list[Row]
    ticks: list[Tick]
    first: str
    last: str


WIDTH, LEFT, RIGHT, ROW_HEIGHT, TOP, BOTTOM = 720, 150, 40, 26, 10, 30
MAX_ROWS = 12  # more outlets than this: the rest are one row


def _moment(value: str | None) -> datetime | None:
    parsed = _parse(value) if value else None
    if parsed is None:
        return None
    m = parsed[0]
    return m.astimezone(timezone.utc).replace(tzinfo=None) if m.tzinfo else m


def _slot(span: timedelta) -> timedelta:
    """Time slots that keep a story's dots apart: hours for a day's news, days, then weeks."""
    if span <= timedelta(days=2):
        return timedelta(hours=1)
    if span <= timedelta(days=120):
        return timedelta(days=1)
    return timedelta(days=7)


def coverage(articles: list[dict[str, Any]], lang: str, other: str) -> Chart | None:
    """Each outlet's articles over time: a row per outlet (most articles first), a dot per time slot
    with articles, its area growing with their number. `articles`: id, outlet, date, undated."""
    if not articles:
        return None
    moments = [(a, _moment(a.get("date"))) for a in articles]
    dated = [m for _, m in moments if m is not None]
    if not dated:
        return None
    start, end = min(dated), max(dated)
    slot = _slot(end - start)
    span = max((end - start).total_seconds(), slot.total_seconds())
    plot = WIDTH - LEFT - RIGHT

    def x_of(m: datetime) -> float:
        if end == start:
            return LEFT + plot / 2
        return LEFT + plot * (m - start).total_seconds() / span

    counts = Counter(a.get("outlet") or other for a in articles)
    names = [o for o, _ in counts.most_common()]
    if len(names) > MAX_ROWS:
        kept = set(names[:MAX_ROWS - 1])
        names = names[:MAX_ROWS - 1] + [other]
    else:
        kept = set(names)
    rows = {n: Row(n, TOP + ROW_HEIGHT * (i + 0.5), 0) for i, n in enumerate(names)}
    slots: dict[tuple[str, int, bool], list[tuple[dict[str, Any], datetime]]] = {}
    for a, m in moments:
        name = a.get("outlet") or other
        name = name if name in kept else other
        m = m or start
        key = (name, int((m - start) / slot), bool(a.get("undated")))
        slots.setdefault(key, []).append((a, m))
        rows[name].total += 1
    for (name, _, undated), members in sorted(slots.items()):
        n = len(members)
        first = min(m for _, m in members)
        label = when(members[0][0].get("date"), lang) if n == 1 else when(first.isoformat(timespec="minutes"), lang)
        rows[name].dots.append(Dot(x_of(first), 4 + 2.5 * math.sqrt(n - 1), n, label,
                                   [a["id"] for a, _ in members], undated))
    first_written = min((a.get("date") for a, m in moments if m == start), key=len)
    ticks = _ticks(start, end, x_of, lang) if end != start else [Tick(x_of(start), when(first_written, lang))]
    return Chart(WIDTH, TOP + ROW_HEIGHT * len(rows) + BOTTOM, LEFT, RIGHT, list(rows.values()), ticks,
                 when(start.isoformat(timespec="minutes"), lang), when(end.isoformat(timespec="minutes"), lang))


def _ticks(start: datetime, end: datetime, x_of, lang: str) -> list[Tick]:
    if end == start:
        return [Tick(x_of(start), when(start.isoformat(timespec="minutes"), lang))]
    span = end - start
    out = []
    for k in range(5):
        m = start + span * k / 4
        text = f"{m.hour:02d}:{m.minute:02d}" if span <= timedelta(days=1) else f"{m.day}/{m.month}"
        if span > timedelta(days=365):
            text = f"{m.month}/{m.year}"
        out.append(Tick(x_of(m), text))
    return out


# ------------------------------------------------------------ the timeline


@dataclass(slots=True)
class Mark:
    x: float
    number: int
    label: str
    day: str


def timeline_marks(events: list[dict[str, Any]], lang: str) -> list[Mark]:
    """Where each dated event sits on one axis from the first to the last (in a viewBox of WIDTH)."""
    points = [(i, e, _moment(e["date"].split("/")[0])) for i, e in enumerate(events, 1)]
    points = [(i, e, m) for i, e, m in points if m is not None]
    if not points:
        return []
    start, end = min(m for *_, m in points), max(m for *_, m in points)
    plot = WIDTH - 60
    span = (end - start).total_seconds() or 1
    return [Mark(30 + plot * ((m - start).total_seconds() / span if end != start else 0.5), i,
                 when(e["date"].split("/")[0], lang), day_of(e["date"].split("/")[0]) or "")
            for i, e, m in points]
