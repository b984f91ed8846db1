"""Date expressions resolved against the article's own date, and a dated timeline per story.

Written by hand: dateparser reads `ngày 25-27/6` as 2027-06-25 and fills missing parts from
today's date; news needs them from the article's date, and needs to say when it cannot.

A language pack holds its date expressions as an ordered table of patterns (`dates.toml`), each
naming its resolver here (`RESOLVERS`: what a day, a range, a weekday ... is worth given the
article's date), an optional guard (`GUARDS`), and the words it cannot be written without.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from datetime import date, timedelta
import re

from . import lang
from .lang import LanguagePack
from .model import Article, Citation, TimeExpression, TimelineEvent, date_parts, two_sides
from .text import _optional_words

if TYPE_CHECKING:
    from .align import Alignment


class _Unresolved(Exception):
    """An expression that names no date the article's date lets us know: the reason."""


@dataclass(frozen=True, slots=True)
class Anchor:
    """What an expression is read against: the article's date (year, month, day, each None when
    not known) and the sentence it is in. `ahead_month` is the month a day/month without a year
    may run to before it is taken as last year's: the article's month, or December when the
    sentence speaks of what is to come (`sẽ`, `dự kiến`)."""

    y: int | None
    m: int | None
    d: int | None
    ahead_month: int | None
    text: str
    end: int  # of the expression, in `text`
    written_days: frozenset[str]
    words: DateWords

    def year(self, written: str | None = None) -> int:
        if written:
            return int(written)
        if self.y is None:
            raise _Unresolved("no year: the article has no date")
        return self.y

    def year_of(self, month: int) -> int:
        """The year of a month written without one: news reports recent events, so a month well
        after the article's month was last year's."""
        y = self.year()
        return y - 1 if self.ahead_month is not None and month > self.ahead_month + 1 else y

    def day(self, d: int, mo: int, written_year: str | None = None) -> date:
        return date(int(written_year), mo, d) if written_year else date(self.year_of(mo), mo, d)

    def today(self) -> date:
        if self.d is None:
            raise _Unresolved("the article's date is not known to the day")
        return date(self.y, self.m, self.d)


# ---------------------------------------------------------------- resolvers: (value, precision)

Resolved = tuple[str, str]


def _span(m: re.Match, at: Anchor) -> Resolved:
    start = at.today() if m.group("now") else at.day(int(m.group("d1")), int(m.group("m1")), m.group("y1"))
    end = at.day(int(m.group("d2")), int(m.group("m2")), m.group("y2"))
    if m.group("y2") and not m.group("y1") and not m.group("now"):
        start = date(end.year - (start.month > end.month), start.month, start.day)
    elif end < start:
        end = date(end.year + 1, end.month, end.day)  # `từ 20/12 đến 5/1` crosses a new year
    return f"{start.isoformat()}/{end.isoformat()}", "range"


def _month_span(m: re.Match, at: Anchor) -> Resolved:
    m1, m2 = int(m.group(1)), int(m.group(3))
    if m.group(4):
        y2 = int(m.group(4))
        y1 = int(m.group(2)) if m.group(2) else y2 - (m1 > m2)
    else:  # the range runs forward from its first month: `từ tháng 11 đến tháng 2`
        y1 = int(m.group(2)) if m.group(2) else at.year() if at.m is None else at.year_of(m1)
        y2 = y1 + (m2 < m1)
    date(y1, m1, 1), date(y2, m2, 1)
    return f"{y1:04d}-{m1:02d}/{y2:04d}-{m2:02d}", "range"


def _school_year(m: re.Match, at: Anchor) -> Resolved:
    if m.group(1):
        y1 = int(m.group(1))
    else:
        if at.m is None:
            raise _Unresolved("the article's date is not known to the month")
        y1 = at.y - (at.m < 8) + at.words.school_years[m.group(3).lower()]
    return f"{y1}/{y1 + 1}", "range"


def _year_span(m: re.Match, at: Anchor) -> Resolved:
    y1, y2 = int(m.group(1)), int(m.group(2))
    if y2 <= y1:
        raise ValueError(m.group(0))
    return f"{y1}/{y2}", "range"


def _day_of_relative_year(m: re.Match, at: Anchor) -> Resolved:
    return date(at.year() + at.words.years[m.group(3).lower()], int(m.group(2)), int(m.group(1))).isoformat(), "day"


def _month_in_words(m: re.Match, at: Anchor) -> Resolved:
    mo = at.words.months[m.group(1).lower()]
    y = int(next((g for g in m.groups()[1:] if g), 0)) or at.year_of(mo)
    return f"{y:04d}-{mo:02d}", "month"


def _quarter(m: re.Match, at: Anchor) -> Resolved:
    q = at.words.roman.get(m.group(1).upper()) or int(m.group(1))
    y = at.year(m.group(2))
    return f"{y:04d}-{3 * q - 2:02d}/{y:04d}-{3 * q:02d}", "range"


def _first_months(m: re.Match, at: Anchor) -> Resolved:
    n = int(m.group(1)) if m.group(1).isdigit() else at.words.numbers[m.group(1).lower()]
    y = at.year(m.group(2))
    if not 1 <= n <= 12:
        raise ValueError(n)
    return f"{y:04d}-01/{y:04d}-{n:02d}", "range"


def _half_year(m: re.Match, at: Anchor) -> Resolved:
    """`nửa đầu năm 2013`, `nửa cuối năm nay`: January to June, or July to December."""
    which, year = m.group(1).lower(), m.group(2)
    y = int(year) if year and year.isdigit() else at.year() + (at.words.year_parts[year.lower()] if year else 0)
    first = at.words.halves[which]
    return f"{y:04d}-{first:02d}/{y:04d}-{first + 5:02d}", "range"


def _nearest_day(d: int, at: Anchor) -> date:
    """The day `d` of the month nearest the article's day: `ngày 23` in a report of 21 October is 23
    October, `ngày 30` in one of 2 November is 30 October (news writes the month only when it is not
    plain)."""
    today = at.today()
    found = []
    for shift in (-1, 0, 1):
        k = today.year * 12 + today.month - 1 + shift
        try:
            found.append(date(k // 12, k % 12 + 1, d))
        except ValueError:
            continue
    if not found:
        raise ValueError(d)
    return min(found, key=lambda day: (abs((day - today).days), day))


def _bare_day(m: re.Match, at: Anchor) -> Resolved:
    return _nearest_day(int(m.group(1)), at).isoformat(), "day"


def _bare_day_range(m: re.Match, at: Anchor) -> Resolved:
    """`Từ ngày 23 đến ngày 27`: the first day nearest the article's, the second the next such day."""
    start = _nearest_day(int(m.group(1)), at)
    d2 = int(m.group(2))
    k = start.year * 12 + start.month - 1 + (d2 < start.day)
    return f"{start.isoformat()}/{date(k // 12, k % 12 + 1, d2).isoformat()}", "range"


def _dotted(m: re.Match, at: Anchor) -> Resolved:
    g = [x for x in m.groups() if x is not None]
    return at.day(int(g[0]), int(g[1]), g[2] if len(g) > 2 else None).isoformat(), "day"


def _weekday(m: re.Match, at: Anchor) -> Resolved:
    """The last such day on or before the article's date (news reports what happened), unless
    a word says which week (`tới`, `tuần này`, `tuần trước`) or a date written after it which day."""
    today = at.today()
    named = m.re.groupindex  # English writes which week before the day: `last Monday`
    day_text, which_text = (m.group("weekday"), m.group("which")) if "weekday" in named else (m.group(1), m.group(2))
    wanted = at.words.weekdays[" ".join(day_text.lower().split())]
    which = at.words.weeks.get(((which_text or "").split() or [""])[-1].lower())
    monday = today - timedelta(days=today.weekday())
    if which == "this":
        day = monday + timedelta(days=wanted)
    elif which == "last":
        day = monday + timedelta(days=wanted - 7)
    elif which == "next":
        day = today + timedelta(days=(wanted - today.weekday() - 1) % 7 + 1)
    else:
        day = today - timedelta(days=(today.weekday() - wanted) % 7)
    if written := at.words.weekday_date.match(at.text, at.end):
        day = at.day(int(written.group(1)), int(written.group(2)), written.group(3))
    return day.isoformat(), "day"


def _month_name_day(m: re.Match, at: Anchor) -> Resolved:
    """`June 26`, `26 June 2013`, `Wednesday, Oct. 16`."""
    return at.day(int(m.group("dom")), at.words.months[m.group("month").lower()], m.group("year")).isoformat(), "day"


def _week_shift(m: re.Match, at: Anchor) -> Resolved:
    """`last week`: Monday to Sunday of the week before the article's."""
    today = at.today()
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=at.words.week_shifts[m.group(1).lower()])
    return f"{monday.isoformat()}/{(monday + timedelta(days=6)).isoformat()}", "range"


def _to_date(m: re.Match, at: Anchor) -> Resolved:
    today = at.today()
    start = date(today.year, 1 if at.words.to_date_units[m.group(1).lower()] == "year" else today.month, 1)
    return f"{start.isoformat()}/{today.isoformat()}", "range"


def _to_year_end(m: re.Match, at: Anchor) -> Resolved:
    today = at.today()
    return f"{today.isoformat()}/{today.year:04d}-12-31", "range"


def _to_year(m: re.Match, at: Anchor) -> Resolved:
    today, y = at.today(), int(m.group(2))
    if y < today.year:
        raise ValueError(y)
    return f"{today.isoformat()}/{y:04d}{'-12-31' if m.group(1) else ''}", "range"


def _year_part(m: re.Match, at: Anchor) -> Resolved:
    return str(at.year() + (at.words.year_parts[m.group(1).lower()] if m.group(1) else 0)), "year"


def _relative_year(m: re.Match, at: Anchor) -> Resolved:
    return str(at.year() + at.words.years[m.group(1).lower()]), "year"


def _day_range(m: re.Match, at: Anchor) -> Resolved:
    d1, d2, mo = int(m.group(1)), int(m.group(2)), int(m.group(3))
    this_year = m.re.groups > 4 and m.group(5)  # `từ 22 đến 26/12 năm nay`: written, not guessed
    y = int(m.group(4)) if m.group(4) else at.year() if this_year else at.year_of(mo)
    return f"{date(y, mo, d1).isoformat()}/{date(y, mo, d2).isoformat()}", "range"


def _day(m: re.Match, at: Anchor) -> Resolved:
    return at.day(int(m.group(1)), int(m.group(2)), m.group(3)).isoformat(), "day"


def _month(m: re.Match, at: Anchor) -> Resolved:
    mo, y = int(m.group(1)), int(m.group(2))
    date(y, mo, 1)
    return f"{y:04d}-{mo:02d}", "month"


def _year(m: re.Match, at: Anchor) -> Resolved:
    return m.group(1), "year"


def _month_of_relative_year(m: re.Match, at: Anchor) -> Resolved:
    mo = int(m.group(1))
    y = at.year() + at.words.years[m.group(2).lower()]
    date(y, mo, 1)
    return f"{y:04d}-{mo:02d}", "month"


def _month_of_year(m: re.Match, at: Anchor) -> Resolved:
    mo = int(m.group(1))
    y = at.year_of(mo)
    date(y, mo, 1)
    return f"{y:04d}-{mo:02d}", "month"


def _month_shift(m: re.Match, at: Anchor) -> Resolved:
    at.year()
    if at.m is None:
        raise _Unresolved("the article's date is only known to the year")
    k = (at.y * 12 + at.m - 1) + at.words.month_shifts[m.group(1).lower()]
    return f"{k // 12:04d}-{k % 12 + 1:02d}", "month"


def _days_ago(m: re.Match, at: Anchor) -> Resolved:
    """`cách đây hai ngày`: that many days before the article's day."""
    n = m.group(1)
    return (at.today() - timedelta(days=int(n) if n.isdigit() else at.words.numbers[n.lower()])).isoformat(), "day"


SAME_DAY = "the day it refers to is not named before it"


def _same_day(m: re.Match, at: Anchor) -> Resolved:
    """`cùng ngày`: the last day named before it, which only the whole text says (`DateRules._same_days`)."""
    raise _Unresolved(SAME_DAY)


def _relative_day(m: re.Match, at: Anchor) -> Resolved:
    if at.d is None:
        raise _Unresolved("the article's date is only known to the month" if at.y else "the article has no date")
    day = date(at.y, at.m, at.d) + timedelta(days=at.words.days[m.group(1).lower()])
    eve = day - timedelta(days=1)
    if eve.isoformat() in at.written_days and day.isoformat() not in at.written_days:
        day = eve  # read from the evening before the stamp: see `DateRules.written_days`
    return day.isoformat(), "day"


RESOLVERS: dict[str, Callable[[re.Match, Anchor], Resolved]] = {
    "span": _span, "month_span": _month_span, "school_year": _school_year, "quarter": _quarter,
    "first_months": _first_months, "to_date": _to_date, "to_year_end": _to_year_end, "year_part": _year_part,
    "dotted": _dotted, "year": _year, "year_span": _year_span, "day_rel": _day_of_relative_year,
    "month_word": _month_in_words, "name_year": _year, "range": _day_range, "month": _month, "day": _day,
    "month_rel": _month_of_relative_year, "year_rel": _relative_year, "month_of_year": _month_of_year,
    "month_shift": _month_shift, "weekday": _weekday, "relative": _relative_day,
    "month_name_day": _month_name_day, "week_shift": _week_shift, "days_ago": _days_ago,
    "same_day": _same_day, "half_year": _half_year, "bare_day": _bare_day, "bare_day_range": _bare_day_range,
    "to_year": _to_year,
}


# ---------------------------------------------------------------- guards: is the match a date at all


def _previous_word(text: str, start: int) -> str:
    words = text[max(0, start - 40):start].split()
    return words[-1] if words else ""


def _after_name(m: re.Match, text: str, words: DateWords) -> bool:
    """`Olympic Bắc Kinh 2008`: right after a capitalised word that does not open its sentence
    (`Có 2008 người` is a count)."""
    start = m.start()
    word = _previous_word(text, start)
    if not (word[:1].isupper() and word.isalpha()):
        return False
    before = text[max(0, start - 1 - len(word) - 40):start - 1 - len(word)].rstrip()
    return bool(before) and before[-1] not in ".!?:\"“"


def _not_after_quantity(m: re.Match, text: str, words: DateWords) -> bool:
    """`sáu tháng tới`, `nhiều năm nay`: a duration, not a date."""
    word = _previous_word(text, m.start()).lower()
    return not (word.isdigit() or word in words.quantities)


def _not_a_quantity(m: re.Match, text: str, words: DateWords) -> bool:
    """Two numbers joined by `-`, `/` or `.` are a day only when nothing says they are a quantity:
    a score or a ratio (`hòa 1-1`, `nâng tỉ số lên 2-1`, `tỷ lệ 1/3`), an amount or an age (`9-12
    tuổi`, `từ 2.5 đến 3.5 triệu`), a fraction (`2/3 khối lượng`, `1/4 dân số`). A day word right
    before (`ngày 2/3`, `sáng 2-1`, `(23/10)`) makes it a day whatever follows."""
    expr, start = m.group(0), m.start()
    before = text[max(0, start - 60):start].split()
    if expr.split()[0].lower() in words.date_cues or (before and before[-1].lower() in words.date_cues) \
            or text[start - 1:start] == "(":
        return True
    after = text[m.end():m.end() + 24].split()
    following = after[0].lower().strip(",.;:)\"”") if after else ""
    if following in words.quantity_units or text[m.end():m.end() + 1] == "%":
        return False
    previous = [w.lower().strip(",(") for w in before[-3:]]
    if previous[-1:] and previous[-1] in words.numbered_nouns:
        return False  # a name made of numbers: `học sinh lớp 4/4`, `hẻm 12/5`
    if "-" in expr and set(previous) & words.score_words:
        return False
    if "-" in expr and (_SCORE_AFTER.match(text, m.end()) or _SCORE_BEFORE.search(text[max(0, start - 12):start])):
        return False  # a set of scores: `thúc thủ 2-6, 2-6, 2-6`
    numbers = re.findall(r"\d+", expr)
    if "/" in expr and len(numbers) == 2:
        if previous[-1:] and previous[-1] in ("lệ", "số"):
            return False  # `tỷ lệ 1/3`, `tỉ số 2/1`
        numerator, denominator = int(numbers[0]), int(numbers[1])
        if numerator < denominator and previous[-1:] and previous[-1] in words.fraction_openers:
            return False  # `không quá 1/3`, `chiếm gần 1/2`
        if following in words.fraction_nouns or (numerator < denominator <= 5 and following.isalpha()
                                                  and following.islower()):
            return False
        # A count out of a total: `có 8/11 nhóm hàng`, `dự 7/8 giải` (a day with no cue word before
        # is followed by a word that dates it, `5/10 tới`, `1/11 vừa qua`, or by none).
        if numerator < denominator and following.isalpha() and following.islower() \
                and following not in words.day_followers and not set(previous[-1:]) & words.count_breakers:
            return False
    return True


_SCORE_AFTER = re.compile(r"\s*,\s*\d{1,2}\s*-\s*\d{1,2}\b")
_SCORE_BEFORE = re.compile(r"\b\d{1,2}\s*-\s*\d{1,2}\s*,\s*$")


def _not_a_birth_day(m: re.Match, text: str, words: DateWords) -> bool:
    """`sinh ngày 5-11-1987`, `sinh năm 1973`, `(SN 1980)`: when someone was born is no date of the story."""
    return _previous_word(text, m.start()).lower().strip("(") not in words.birth_words


def _year_of_the_story(m: re.Match, text: str, words: DateWords) -> bool:
    """Not a birth year nor a decade (`những năm 2000`)."""
    return _not_a_birth_day(m, text, words) and _previous_word(text, m.start()).lower() not in words.decade_words


def _day_of_the_story(m: re.Match, text: str, words: DateWords) -> bool:
    return _not_a_birth_day(m, text, words) and _not_a_quantity(m, text, words)


def _not_a_day_number(m: re.Match, text: str, words: DateWords) -> bool:
    """`ngày 3` is a day of the month unless a word says it counts days of something (`ngày 3 của
    giải`), or times a day (`mỗi ngày 3 lần`), or it is a birth day."""
    after = text[m.end():m.end() + 16].split()
    following = after[0].lower().strip(",.;:") if after else ""
    return (_not_a_birth_day(m, text, words) and following not in words.day_number_followers
            and following not in words.quantity_units  # `ngày 3 lần`: three times a day
            and _previous_word(text, m.start()).lower() not in words.quantities)  # `mỗi ngày 3`


GUARDS: dict[str, Callable[[re.Match, str, DateWords], bool]] = {
    "after_name": _after_name, "not_after_quantity": _not_after_quantity, "not_a_quantity": _not_a_quantity,
    "year_of_the_story": _year_of_the_story, "not_a_birth_day": _not_a_birth_day,
    "day_of_the_story": _day_of_the_story, "not_a_day_number": _not_a_day_number,
}


# ---------------------------------------------------------------- a pack's date table


@dataclass(frozen=True, slots=True)
class DateRule:
    kind: str
    pattern: re.Pattern[str]
    resolve: Callable[[re.Match, Anchor], Resolved]
    guard: Callable[[re.Match, str, DateWords], bool] | None
    needs: tuple[str, ...]
    needs_digit: bool


class DateWords:
    """A pack's date words, as the resolvers look them up."""

    def __init__(self, pack: LanguagePack) -> None:
        t = pack.table
        self.months, self.roman, self.weekdays = t("month_names"), t("roman_numbers"), t("weekdays")
        self.years, self.month_shifts, self.days = t("year_words"), t("month_words"), t("day_words")
        self.school_years, self.weeks = t("school_year_words"), t("week_words")
        self.year_parts, self.to_date_units = t("year_part_words"), t("to_date_units")
        self.week_shifts = t("week_shifts") if "week_shifts" in pack.names() else {}
        self.score_words, self.quantities = set(pack.words("score_words")), set(pack.words("quantities"))
        self.date_cues, self.quantity_units = set(pack.words("date_cues")), set(pack.words("quantity_units"))
        self.fraction_nouns = set(pack.words("fraction_nouns"))
        names = pack.names()
        # Lists a pack may leave out (English has no `ngày 3 của giải`).
        self.birth_words, self.day_followers = set(_optional_words(pack, "birth_words")), set(_optional_words(pack, "day_followers"))
        self.decade_words, self.count_breakers = set(_optional_words(pack, "decade_words")), set(_optional_words(pack, "count_breakers"))
        self.fraction_openers = set(_optional_words(pack, "fraction_openers"))
        self.numbered_nouns = set(_optional_words(pack, "numbered_nouns"))
        self.day_number_followers = set(_optional_words(pack, "day_number_followers"))
        self.numbers = t("number_words") if "number_words" in names else {}
        self.halves = t("half_year_words") if "half_year_words" in names else {}
        # Two dates joined into one range (`từ năm 2004 đến tháng 9/2013`): the opener before the
        # first (anchored at its end), what joins them, and what ends a range at the article's day.
        self.ranges = [(p.pattern, re.compile(p.fields["join"]), re.compile(p.fields["now"]) if "now" in p.fields else None)
                       for p in (pack.patterns("date_ranges") if "date_ranges" in names else [])]
        filters = {p.name: p.pattern for p in pack.patterns("date_filters")}
        self.maybe_date, self.relative_day = filters["maybe_date"], filters["relative_day"]
        self.looks_ahead, self.weekday_date = filters["looks_ahead"], filters["weekday_date"]


class DateRules:
    """The date table of one pack and what it reads. Sentences are read once each (a brief reads
    each sentence's dates for its timeline and again for conflicts): the answers are kept, up to
    a bound, by this object."""

    def __init__(self, pack: LanguagePack, keep: int = 16384) -> None:
        self.words = DateWords(pack)
        self.rules = [DateRule(p.name, p.pattern, RESOLVERS[p.name], GUARDS[p.fields["guard"]] if "guard" in p.fields else None,
                               tuple(p.fields.get("needs", ())), bool(p.fields.get("needs_digit")))
                      for p in pack.patterns("dates")]
        self._keep = keep
        self._read: dict[tuple[str, str | None, frozenset[str]], tuple[TimeExpression, ...]] = {}
        # text -> the keys of `_read` it was read under (`article_date_readings` looks a text up)
        self._keys: dict[str, list[tuple[str, str | None, frozenset[str]]]] = {}

    def read(self, text: str, published: str | None, written_days: frozenset[str]) -> tuple[TimeExpression, ...]:
        key = (text, published, written_days)
        found = self._read.get(key)
        if found is None:
            found = self._scan(text, published, written_days)
            self.put(key, found)
        return found

    def put(self, key: tuple[str, str | None, frozenset[str]], found: tuple[TimeExpression, ...]) -> None:
        """Keep what `key` reads (up to the bound: emptied when full)."""
        if len(self._read) >= self._keep:
            self.clear()
        self._read[key] = found
        self._keys.setdefault(key[0], []).append(key)

    def kept(self, text: str) -> list[tuple[tuple[str, str | None, frozenset[str]], tuple[TimeExpression, ...]]]:
        """What is kept of `text`: (key, expressions) under each date it was read against."""
        return [(k, self._read[k]) for k in self._keys.get(text, ()) if k in self._read]

    def clear(self) -> None:
        self._read.clear()
        self._keys.clear()

    def _scan(self, text: str, published: str | None, written_days: frozenset[str]) -> tuple[TimeExpression, ...]:
        if not self.words.maybe_date.search(text):
            return ()
        ay, am, ad = date_parts(published)
        taken: list[tuple[int, int]] = []
        out: list[TimeExpression] = []
        low = text.lower()
        digit = any(c.isdigit() for c in text)
        for rule in self.rules:
            if rule.needs_digit and not digit or rule.needs and not any(w in low for w in rule.needs):
                continue
            for m in rule.pattern.finditer(text):
                s, e = m.span()
                if any(s < te and ts < e for ts, te in taken) or rule.guard and not rule.guard(m, text, self.words):
                    continue
                taken.append((s, e))
                # A date with no year in a sentence about what will happen (`sẽ`, `dự kiến`) is not
                # pushed back to last year when its month is well after the article's.
                ahead = 12 if am is not None and self._looks_ahead(text, s, e) else am
                out.append(self._expression(rule, m, Anchor(ay, am, ad, ahead, text, e, written_days, self.words)))
        out.sort(key=lambda t: t.start)
        if self.words.ranges:
            out = self._joined(text, out, Anchor(ay, am, ad, am, text, 0, written_days, self.words))
        today = date(ay, am, ad).isoformat() if ay and am and ad else None
        return tuple(self._same_days(text, out, today))

    def _same_days(self, text: str, found: list[TimeExpression], today: str | None) -> list[TimeExpression]:
        """`cùng ngày` is the last day named before it in the text read; in a sentence that does not
        speak of what is to come, the last such day not after the article's (`today`): a report goes
        from a day planned ahead (`sẽ được chuyển … trong ngày 12/11 tới`) back to the day's news
        (`Cùng ngày, các nước … đã gửi lời chia buồn`), and a day ahead would put it in the future."""
        last = last_past = None
        out = []
        for t in found:
            if t.reason == SAME_DAY:
                day = last if today is None or self._looks_ahead(text, t.start, t.end) else last_past
                if day is not None:
                    t = replace(t, value=day, precision="day", reason=None)
            elif t.value and t.precision == "day":
                last = t.value
                if today is None or t.value <= today:
                    last_past = t.value
            out.append(t)
        return out

    def _joined(self, text: str, found: list[TimeExpression], at: Anchor) -> list[TimeExpression]:
        """Two dates that a range's words join (`từ năm 2004 đến tháng 9/2013`, `giữa tháng 9/2012
        và tháng 6/2013`), or a date and now (`từ tháng 7 năm 1976 đến nay`), as one range from
        the first's start to the second's end."""
        out: list[TimeExpression] = []
        k = 0
        while k < len(found):
            t = found[k]
            merged = None
            for opener, join, now in self.words.ranges:
                o = opener.search(text, max(0, t.start - 16), t.start)
                if o is None or o.end() != t.start or not t.value:
                    continue
                nxt = found[k + 1] if k + 1 < len(found) else None
                j = join.match(text, t.end)
                if nxt is not None and nxt.value and j is not None and j.end() == nxt.start:
                    end_text, end_value, used = nxt.end, nxt.value.split("/")[-1], 2
                elif now is not None and (n := now.match(text, t.end)):
                    try:
                        end_text, end_value, used = n.end(), at.today().isoformat(), 1
                    except _Unresolved:
                        continue
                else:
                    continue
                start_value = t.value.split("/")[0]
                if start_value[:len(end_value)] > end_value[:len(start_value)]:
                    continue
                merged = (TimeExpression(text[o.start():end_text], o.start(), end_text,
                                         f"{start_value}/{end_value}", "range", None), used)
                break
            if merged:
                out.append(merged[0])
                k += merged[1]
            else:
                out.append(t)
                k += 1
        return out

    @staticmethod
    def _expression(rule: DateRule, m: re.Match, at: Anchor) -> TimeExpression:
        try:
            value, precision = rule.resolve(m, at)
            return TimeExpression(m.group(0), m.start(), m.end(), value, precision, None)
        except _Unresolved as why:
            return TimeExpression(m.group(0), m.start(), m.end(), None, None, str(why))
        except ValueError:
            return TimeExpression(m.group(0), m.start(), m.end(), None, None, "no such date")

    def _looks_ahead(self, text: str, start: int, end: int) -> bool:
        """Whether the sentence around text[start:end] speaks of what is to come."""
        left = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start)) + 1
        right = min((k for k in (text.find(". ", end), text.find("\n", end)) if k >= 0), default=len(text))
        return bool(self.words.looks_ahead.search(text, left, right))

    def written_days(self, article_text: str, published: str | None) -> frozenset[str]:
        """The days an article stamped in the hour after midnight writes out in digits (else none).

        Such a story was often written the evening before, so `ngày mai` may be the stamp's own
        day. Which reading is meant shows in the days it writes: `9h sáng 8/11 ... đấu thầu ...
        ngày mai` stamped 8/11 00:01 means 8/11; `sáng qua` stamped 23/10 00:15 with no day
        written keeps 22/10."""
        if not published or published[11:13] != "00" or not self.words.relative_day.search(article_text):
            return frozenset()
        return frozenset(t.value for t in self.read(article_text, published, frozenset())
                         if t.value and t.precision == "day" and any(c.isdigit() for c in t.text))


def date_rules(pack: LanguagePack) -> DateRules:
    return pack.view("dates", DateRules)


def clear_caches() -> None:
    """Empty the date readings every pack's rules keep (benchmarks and tests measure or compare a
    first reading with it)."""
    for code in lang.codes():
        date_rules(lang.get(code)).clear()


# ---------------------------------------------------------------- date readings kept in a store

# How `article_date_readings` writes them; part of `dates_key`.
DATE_READINGS_FORMAT = 1


def dates_key(pack: LanguagePack) -> str:
    """What a stored date reading was read with: the pack, and a digest of the code and data that
    decide one (this module, the model's and the text layer's, every file of the language packs).
    A reading kept under another key is never taken."""
    return pack.view("dates_key", lambda p: f"{p.code}-dates-{_code_digest()}")


def _code_digest() -> str:
    from . import lang

    return lang.code_digest(f"dates {DATE_READINGS_FORMAT}", ("timeline.py", "model.py", "text.py"), ("vi-textmatch",))


def article_date_readings(articles: Sequence[Article]) -> dict[str, tuple[str, bytes]]:
    """What the date rules keep now (`DateRules.read`, after a brief read its story) of each
    article's text and sentences, as the store keeps it: article id -> (dates key, compressed
    body). A reading is a function of the text, the date it is read against and the days the
    article writes out, which are its key, so taken again it is what a fresh reading gives."""
    import json
    import zlib

    out: dict[str, tuple[str, bytes]] = {}
    for a in articles:
        pack = lang.for_language(a.language)
        rules = date_rules(pack)
        texts = [(-1, a.text)] + [(s.index, s.text) for s in a.sentences]
        kept = [[index, zlib.crc32(text.encode()), published, sorted(days),
                 [[t.text, t.start, t.end, t.value, t.precision, t.reason] for t in found]]
                for index, text in texts for (_, published, days), found in rules.kept(text)]
        if kept:
            out[a.id] = (dates_key(pack), zlib.compress(json.dumps(kept, ensure_ascii=False,
                                                                   separators=(",", ":")).encode(), 1))
    return out


def keep_date_readings(articles: Sequence[Article], stored: dict[str, tuple[str, bytes]]) -> int:
    """Give the date rules the readings a store kept of these articles (`article_date_readings`)
    that they do not hold: a brief made again (its story grew, the process is new) reads only
    the articles it has not read. A body of another key, or of a text not the one read, is passed
    over. Returns how many readings were taken."""
    import json
    import zlib

    taken = 0
    for a in articles:
        if a.id not in stored:
            continue
        pack = lang.for_language(a.language)
        key, body = stored[a.id]
        if key != dates_key(pack):
            continue
        rules = date_rules(pack)
        texts = {-1: a.text} | {s.index: s.text for s in a.sentences}
        try:
            records = [(index, crc, published, frozenset(days), tuple(TimeExpression(*t) for t in found))
                       for index, crc, published, days, found in json.loads(zlib.decompress(body))]
        except (zlib.error, ValueError, TypeError):
            continue  # a damaged row is as good as none: the article's dates are read again
        for index, crc, published, days, found in records:
            text = texts.get(index)
            if text is None or zlib.crc32(text.encode()) != crc:
                continue
            read_key = (text, published, days)
            if read_key in rules._read:
                continue
            rules.put(read_key, found)
            taken += 1
    return taken


def resolve(text: str, published: str | None, base: int = 0, article_text: str | None = None,
            pack: LanguagePack | None = None) -> list[TimeExpression]:
    """Date expressions in `text` (offsets shifted by `base`), resolved against `published`, read
    with `pack` (default: Vietnamese). `article_text`, when `text` is one sentence, is the whole
    article: the days it writes out settle which evening a story stamped just after midnight was
    written on."""
    rules = date_rules(pack or lang.get("vi"))
    days = rules.written_days(article_text if article_text is not None else text, published)
    if article_text is not None and article_text is not text and article_text[base:base + len(text)] == text:
        # A sentence of an article is read within its article (read once, kept): what it refers
        # back to (`cùng ngày`) is named in sentences before it.
        return [t for t in rules.read(article_text, published, days) if base <= t.start and t.end <= base + len(text)]
    found = rules.read(text, published, days)
    if not base:
        return list(found)
    return [replace(t, start=t.start + base, end=t.end + base) for t in found]


def story_timeline(articles: Sequence[Article], alignment: Alignment) -> list[TimelineEvent]:
    """Dated events of a story: one per fact that names a day, month or range, sorted by date."""
    by_article = {a.id: a for a in articles}
    events: dict[int | tuple[str, int], TimelineEvent] = {}
    for item in alignment.sentences:
        a, s = item.article, item.sentence
        pack = lang.for_language(a.language)
        exprs = [t for t in resolve(s.text, a.published, s.start, a.text, pack) if t.value and t.precision != "year"]
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


def _overlap(a: str, b: str) -> bool:
    """Whether two days or spans (`2013-09-18/2013-09-19`) share a day."""
    (a0, _, a1), (b0, _, b1) = a.partition("/"), b.partition("/")
    return a0 <= (b1 or b0) and b0 <= (a1 or a0)


def date_conflicts(sentences: Sequence[tuple[str, str, str | None]], pack: LanguagePack | None = None) -> list[str]:
    """Different days for what sentences from different outlets say happened: (outlet, text,
    article date) triples. Only sentences that name exactly one day, or one span of days (`đêm 18
    và 19/9`), count, so a sentence about two events is not held against one about either; and
    the two must not overlap (`19/9` is within `18 và 19/9`: no disagreement)."""
    days: dict[str, set[str]] = {}
    for outlet, text, published in sentences:
        # Written dates only: `hôm qua` read from two publication times is no disagreement.
        found = {t.value for t in resolve(text, published, pack=pack)
                 if t.value and t.precision in ("day", "range") and any(c.isdigit() for c in t.text)
                 and all(len(end) == 10 for end in t.value.split("/"))}  # days, not months or years
        if len(found) == 1:
            days.setdefault(found.pop(), set()).add(outlet)
    # Two days, each given by an outlet that does not give the other: one outlet's sentences
    # about two days are two events, not a disagreement.
    if len(days) != 2:
        return []
    (d1, o1), (d2, o2) = sorted(days.items())
    if _overlap(d1, d2):
        return []
    found = two_sides(d1, o1, d2, o2)
    return [found] if found else []
