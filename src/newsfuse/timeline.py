"""Date expressions resolved against the article's own date, and a dated timeline per story.

Written by hand: dateparser reads `ngày 25-27/6` as 2027-06-25 and fills missing parts from
today's date; news needs them from the article's date, and needs to say when it cannot.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from collections.abc import Sequence
from datetime import date, timedelta

from .align import Alignment
from .model import Article, Citation, TimeExpression, TimelineEvent

_PART = r"(?:(?:[Ss]áng|[Tt]rưa|[Cc]hiều|[Tt]ối|[Đđ]êm|[Rr]ạng sáng)\s+(?:ngày\s+)?)?"
_MONTH_NAMES = {"giêng": 1, "một": 1, "hai": 2, "ba": 3, "tư": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9,
                "mười": 10, "mười một": 11, "mười hai": 12, "chạp": 12}
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # `từ ngày 24/10 đến 22/11`, `từ nay đến 28/2/2014`: one range, not two days.
    ("span", re.compile(r"\btừ\s+(?:(?P<now>nay)|(?:ngày\s+)?(?P<d1>\d{1,2})[/-](?P<m1>\d{1,2})(?:[/-](?P<y1>\d{4}))?)"
                        r"\s+(?:đến|tới)\s+(?:hết\s+)?(?:ngày\s+)?(?P<d2>\d{1,2})[/-](?P<m2>\d{1,2})(?:[/-](?P<y2>\d{4}))?"
                        r"\b(?![.,]\d)", re.IGNORECASE)),
    # `từ tháng 10/2012 đến tháng 9 vừa qua`: a range of months.
    ("month_span", re.compile(r"\btừ\s+tháng\s+(\d{1,2})(?:[/-](\d{4}))?\s+(?:đến|tới)\s+(?:hết\s+)?tháng\s+(\d{1,2})"
                              r"(?:[/-](\d{4}))?\b(?![/-]\d)", re.IGNORECASE)),
    # `năm học 2014-2015`, `năm học này`: a school year, September to August.
    ("school_year", re.compile(r"\bnăm học\s+(?:(\d{4})\s*[–-]\s*(\d{4})|(này|nay|tới|sau|trước))\b", re.IGNORECASE)),
    # `quý III`, `quý 3/2013`, `6 tháng đầu năm`, `9 tháng đầu năm 2013`: parts of a year.
    ("quarter", re.compile(r"\bquý\s+(I{1,3}|IV|[1-4])\b(?:(?:/|\s+năm\s+)(\d{4}))?", re.IGNORECASE)),
    ("first_months", re.compile(r"\b(\d{1,2})\s+tháng\s+đầu\s+năm(?:\s+(\d{4}))?", re.IGNORECASE)),
    # `từ đầu năm đến nay`, `từ đầu tháng tới nay`: from the start of the year (month) to the article's day.
    ("to_date", re.compile(r"\btừ\s+đầu\s+(năm|tháng)(?:\s+(?:nay|này))?\s+(?:đến|tới)\s+nay\b", re.IGNORECASE)),
    # `từ nay đến cuối năm`, `từ nay đến hết năm`: from the article's day to the year's last.
    ("to_year_end", re.compile(r"\btừ\s+nay\s+(?:đến|tới)\s+(?:cuối|hết)\s+năm(?:\s+(?:nay|này))?\b", re.IGNORECASE)),
    # `đầu năm`, `cuối năm ngoái`: a part of a year, read as that year (`đầu năm học` is a school year).
    ("year_part", re.compile(r"\b(?:đầu|cuối|giữa)\s+năm(?:\s+(nay|ngoái|trước|sau|tới))?\b(?!\s+(?:học|tài|\d))",
                             re.IGNORECASE)),
    # `ngày 15.9.2013`, `(23.11)`: dotted dates, only with a year, after `ngày` or alone in brackets,
    # since `3.000` is a number.
    ("dotted", re.compile(r"(?:\b(?:ngày|hôm)\s+(\d{1,2})\.(\d{1,2})(?:\.(\d{4}))?|\b(\d{1,2})\.(\d{1,2})\.(\d{4})"
                          r"|(?<=\()(\d{1,2})\.(\d{1,2})(?=\)))(?![.,]?\d)", re.IGNORECASE)),
    ("year", re.compile(r"\b(?:cùng kỳ|niên khóa|mùa giải)\s+(\d{4})\b", re.IGNORECASE)),
    ("year_span", re.compile(r"\b(?:năm|vụ|niên khóa|giai đoạn)\s+(\d{4})\s*[–-]\s*(\d{4})\b", re.IGNORECASE)),
    # `8/1 năm sau`: a day of next (or last) year.
    ("day_rel", re.compile(r"\b(?:ngày\s+)?(\d{1,2})/(\d{1,2})\s+(năm nay|năm sau|năm tới|năm ngoái|năm trước)\b",
                           re.IGNORECASE)),
    # `tháng Một năm 2010`, `tháng Giêng`: months in words, capitalised (`tháng năm` is `months and years`).
    ("month_word", re.compile(r"\b[Tt]háng\s+(Mười Một|Mười Hai|Một|Hai|Ba|Tư|Năm|Sáu|Bảy|Tám|Chín|Mười|Giêng|Chạp)\b"
                              r"(?:\s+năm\s+(\d{4})|/(\d{4}))?")),
    # `Olympic Bắc Kinh 2008`, `World Cup 2014`: a year right after a name (checked in `resolve`).
    ("name_year", re.compile(r"(?<=\w )((?:19|20)\d\d)\b(?![.,/:-]?\d)", re.IGNORECASE)),
    ("range", re.compile(r"\b(?:từ\s+)?(?:ngày\s+)?(\d{1,2})\s*-\s*(\d{1,2})/(\d{1,2})(?:/(\d{4}))?\b", re.IGNORECASE)),
    ("month", re.compile(r"\btháng\s+(\d{1,2})[/.-](\d{4})\b", re.IGNORECASE)),
    ("day", re.compile(r"\b" + _PART + r"(?:ngày\s+)?(\d{1,2})[/-](\d{1,2})(?:[/-](\d{4}))?\b(?![.,]\d)", re.IGNORECASE)),
    ("month", re.compile(r"\btháng\s+(\d{1,2})\s+năm\s+(\d{4})\b", re.IGNORECASE)),
    ("month_rel", re.compile(r"\btháng\s+(\d{1,2})\s+(năm nay|năm sau|năm tới|năm ngoái|năm trước)\b", re.IGNORECASE)),
    ("year", re.compile(r"\bnăm\s+(\d{4})\b", re.IGNORECASE)),
    # Only the unambiguous ones: `2 năm sau` is two years after something, not next year.
    ("year_rel", re.compile(r"\b(năm nay|năm ngoái)\b(?!\s+\d)", re.IGNORECASE)),
    ("month_of_year", re.compile(r"\btháng\s+(\d{1,2})\b(?![/\d])", re.IGNORECASE)),
    ("month_shift", re.compile(r"\b(tháng trước|tháng này|tháng sau|tháng tới)\b", re.IGNORECASE)),
    # `hôm thứ Năm`, `tối Chủ nhật tới`: a weekday with a word that makes it one day (`buổi cầu nguyện
    # thứ Sáu` is every Friday; `lần thứ năm` is fifth, hence the capital).
    # A weekday followed by its date (`thứ Hai, 11/11/2013`, `hôm thứ Hai (21/10)`) is that date;
    # `các ngày thứ Tư` is many.
    ("weekday", re.compile(r"(?<!các )(?<!những )\b(?:[Hh]ôm|[Vv]ào|[Nn]gày|[Ss]áng|[Tt]rưa|[Cc]hiều|[Tt]ối|[Đđ]êm)\s+"
                           r"(thứ\s+(?:Hai|Ba|Tư|Năm|Sáu|Bảy)|[Cc]hủ\s+[Nn]hật)\b"
                           r"(?:\s+(tới|sau|này|tuần\s+(?:tới|sau|này|trước)))?(?!\s+hàng)")),
    ("relative", re.compile(r"\b((?:hôm|sáng|trưa|chiều|tối|đêm) (?:qua|nay)|(?:ngày|sáng|trưa|chiều|tối|đêm) mai|hôm kia)\b",
                            re.IGNORECASE)),
]
_WEEKDAY_DATE = re.compile(r"[\s,(]*(?:ngày\s+)?(\d{1,2})[/-](\d{1,2})(?:[/-](\d{4}))?\b")
_WEEKDAYS = {"hai": 0, "ba": 1, "tư": 2, "năm": 3, "sáu": 4, "bảy": 5, "chủ nhật": 6}
# What a kind of expression cannot be written without: any of these words in the lower-cased
# text, and a digit or not. A sentence is scanned only by the patterns that can match it; a kind
# missing here is scanned always (slower, never wrong).
_NEEDS: dict[str, tuple[tuple[str, ...], bool]] = {
    "span": (("từ",), True), "month_span": (("từ",), True), "school_year": (("năm học",), False),
    "quarter": (("quý",), False), "first_months": (("tháng đầu năm",), True), "to_date": (("từ đầu",), False),
    "to_year_end": (("từ nay",), False), "year_part": (("đầu năm", "cuối năm", "giữa năm"), False),
    "dotted": ((".",), True), "year": (("cùng kỳ", "niên khóa", "mùa giải", "năm"), True),
    "year_span": ((), True), "day_rel": (("năm",), True), "month_word": (("tháng",), False),
    "name_year": ((), True), "range": ((), True), "month": (("tháng",), True), "day": ((), True),
    "month_rel": (("tháng",), True), "year_rel": (("năm nay", "năm ngoái"), False),
    "month_of_year": (("tháng",), True), "month_shift": (("tháng",), False),
    "weekday": (("thứ", "chủ nhật"), False), "relative": (("qua", "nay", "mai", "kia"), False),
}
_YEAR_WORDS = {"năm nay": 0, "năm sau": 1, "năm tới": 1, "năm ngoái": -1, "năm trước": -1}
_MONTH_WORDS = {"tháng trước": -1, "tháng này": 0, "tháng sau": 1, "tháng tới": 1}
_OFFSETS = {f"{part} {word}": offset for part in ("hôm", "sáng", "trưa", "chiều", "tối", "đêm", "ngày")
            for word, offset in (("qua", -1), ("nay", 0), ("mai", 1))} | {"hôm kia": -2}


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


_AHEAD = re.compile(r"\b(?:sẽ|dự kiến|sắp|hướng đến|hướng tới|chuẩn bị|tới đây|kế hoạch)\b", re.IGNORECASE)


def _looks_ahead(text: str, start: int, end: int) -> bool:
    """Whether the sentence around text[start:end] speaks of what is to come."""
    left = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start)) + 1
    right = min((k for k in (text.find(". ", end), text.find("\n", end)) if k >= 0), default=len(text))
    return bool(_AHEAD.search(text, left, right))


_SCORE_WORDS = {"hòa", "hoà", "thắng", "thua", "số", "tỷ", "tỉ", "bàn", "trận", "cách", "biệt", "gỡ", "set", "ván"}
_QUANTITIES = {"một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín", "mười", "mươi", "vài", "mấy",
               "những", "các", "nhiều", "mỗi"}


def _previous_word(text: str, start: int) -> str:
    words = text[max(0, start - 40):start].split()
    return words[-1] if words else ""


def _after_name(text: str, start: int) -> bool:
    """Right after a capitalised word that does not open its sentence (`Có 2008 người` is a count)."""
    word = _previous_word(text, start)
    if not (word[:1].isupper() and word.isalpha()):
        return False
    before = text[max(0, start - 1 - len(word) - 40):start - 1 - len(word)].rstrip()
    return bool(before) and before[-1] not in ".!?:\"“"


def _after_quantity(text: str, start: int) -> bool:
    word = _previous_word(text, start).lower()
    return word.isdigit() or word in _QUANTITIES


class _Unresolved(Exception):
    """An expression that names a date only relative to an article date we do not have."""


def _year(written: str | None, anchor_y: int | None) -> int:
    if written:
        return int(written)
    if anchor_y is None:
        raise _Unresolved("no year: the article has no date")
    return anchor_y


def _day(d: int, mo: int, written_year: str | None, anchor_y: int | None, anchor_m: int | None) -> date:
    if written_year:
        return date(int(written_year), mo, d)
    if anchor_y is None:
        raise _Unresolved("no year: the article has no date")
    return date(_year_for(mo, anchor_y, anchor_m), mo, d)


def resolve(text: str, published: str | None, base: int = 0, article_text: str | None = None) -> list[TimeExpression]:
    """Date expressions in `text` (offsets shifted by `base`), resolved against `published`.
    `article_text`, when `text` is one sentence, is the whole article: the days it writes out
    settle which evening a story stamped just after midnight was written on."""
    found = _resolve(text, published, _written_days(article_text if article_text is not None else text, published))
    if not base:
        return list(found)
    return [replace(t, start=t.start + base, end=t.end + base) for t in found]


# Nothing is a date expression without a digit or one of these words (the patterns with no digit:
# `hôm qua`, `năm ngoái`, `tháng trước`, `tháng Một`, `đầu năm`): most sentences skip the patterns.
# Weeks (`tuần trước`) are not read: in news they are mostly a comparison's baseline (`tăng so với
# tuần trước`, `tuần trước đó`) counted from the reported week, not from the article's date.
_MAYBE_DATE = re.compile(r"\d|\b(?:nay|ngoái|qua|mai|kia)\b|tháng (?:trước|này|sau|tới)|[Tt]háng [A-ZĐ]"
                         r"|(?:đầu|cuối|giữa) năm|năm học|thứ [A-ZĐ]|[Cc]hủ [Nn]hật",
                         re.IGNORECASE)


def _written_days(article_text: str, published: str | None) -> frozenset[str]:
    """The days an article stamped in the hour after midnight writes out in digits (else none).

    Such a story was often written the evening before, so `ngày mai` may be the stamp's own day.
    Which reading is meant shows in the days it writes: `9h sáng 8/11 ... đấu thầu ... ngày mai`
    stamped 8/11 00:01 means 8/11; `sáng qua` stamped 23/10 00:15 with no day written keeps 22/10."""
    if not published or published[11:13] != "00" or not _RELATIVE_DAY.search(article_text):
        return frozenset()
    return frozenset(t.value for t in _resolve(article_text, published, frozenset())
                     if t.value and t.precision == "day" and any(c.isdigit() for c in t.text))


_RELATIVE_DAY = re.compile(r"\b(?:qua|nay|mai|kia)\b", re.IGNORECASE)


@lru_cache(maxsize=16384)
def _resolve(text: str, published: str | None, written_days: frozenset[str]) -> tuple[TimeExpression, ...]:
    """Cached: a brief reads each sentence's dates for its timeline and again for conflicts."""
    if not _MAYBE_DATE.search(text):
        return ()
    ay, am, ad = _anchor(published)
    taken: list[tuple[int, int]] = []
    out: list[TimeExpression] = []
    low = text.lower()
    digit = any(c.isdigit() for c in text)
    for kind, pattern in _PATTERNS:
        words, needs_digit = _NEEDS.get(kind, ((), False))
        if needs_digit and not digit or words and not any(w in low for w in words):
            continue
        for m in pattern.finditer(text):
            s, e = m.span()
            if any(s < te and ts < e for ts, te in taken):
                continue
            if kind == "name_year" and not _after_name(text, s):
                continue
            if kind in ("month_shift", "year_rel") and _after_quantity(text, s):
                continue  # `sáu tháng tới`, `nhiều năm nay`: a duration, not a date
            if kind in ("day", "range") and "-" in m.group(0) and _previous_word(text, s).lower() in _SCORE_WORDS:
                continue  # `hòa 1-1`, `thắng 2-0`: a score
            taken.append((s, e))
            value = precision = reason = None
            # A date with no year in a sentence about what will happen (`sẽ`, `dự kiến`) is not
            # pushed back to last year when its month is well after the article's.
            am_y = 12 if am is not None and _looks_ahead(text, s, e) else am
            try:
                if kind == "span":
                    if m.group("now"):
                        if ad is None:
                            raise _Unresolved("the article's date is not known to the day")
                        start = date(ay, am, ad)
                    else:
                        start = _day(int(m.group("d1")), int(m.group("m1")), m.group("y1"), ay, am_y)
                    end = _day(int(m.group("d2")), int(m.group("m2")), m.group("y2"), ay, am_y)
                    if m.group("y2") and not m.group("y1") and not m.group("now"):
                        start = date(end.year - (start.month > end.month), start.month, start.day)
                    elif end < start:
                        end = date(end.year + 1, end.month, end.day)  # `từ 20/12 đến 5/1` crosses a new year
                    value, precision = f"{start.isoformat()}/{end.isoformat()}", "range"
                elif kind == "month_span":
                    m1, m2 = int(m.group(1)), int(m.group(3))
                    if m.group(4):
                        y2 = int(m.group(4))
                        y1 = int(m.group(2)) if m.group(2) else y2 - (m1 > m2)
                    else:  # the range runs forward from its first month: `từ tháng 11 đến tháng 2`
                        y1 = int(m.group(2)) if m.group(2) else _year(None, ay) if am is None else _year_for(m1, ay, am_y)
                        y2 = y1 + (m2 < m1)
                    date(y1, m1, 1), date(y2, m2, 1)
                    value, precision = f"{y1:04d}-{m1:02d}/{y2:04d}-{m2:02d}", "range"
                elif kind == "school_year":
                    if m.group(1):
                        y1 = int(m.group(1))
                    else:
                        if am is None:
                            raise _Unresolved("the article's date is not known to the month")
                        y1 = ay - (am < 8) + {"này": 0, "nay": 0, "tới": 1, "sau": 1, "trước": -1}[m.group(3).lower()]
                    value, precision = f"{y1}/{y1 + 1}", "range"
                elif kind == "year_span":
                    y1, y2 = int(m.group(1)), int(m.group(2))
                    if y2 <= y1:
                        raise ValueError(m.group(0))
                    value, precision = f"{y1}/{y2}", "range"
                elif kind == "day_rel":
                    if ay is None:
                        raise _Unresolved("no year: the article has no date")
                    value = date(ay + _YEAR_WORDS[m.group(3).lower()], int(m.group(2)), int(m.group(1))).isoformat()
                    precision = "day"
                elif kind == "month_word":
                    mo = _MONTH_NAMES[m.group(1).lower()]
                    y = int(m.group(2) or m.group(3) or 0) or (_year_for(mo, ay, am_y) if ay else None)
                    if y is None:
                        raise _Unresolved("no year: the article has no date")
                    value, precision = f"{y:04d}-{mo:02d}", "month"
                elif kind == "quarter":
                    q = _ROMAN.get(m.group(1).upper()) or int(m.group(1))
                    y = _year(m.group(2), ay)
                    value, precision = f"{y:04d}-{3 * q - 2:02d}/{y:04d}-{3 * q:02d}", "range"
                elif kind == "first_months":
                    n = int(m.group(1))
                    y = _year(m.group(2), ay)
                    if not 1 <= n <= 12:
                        raise ValueError(n)
                    value, precision = f"{y:04d}-01/{y:04d}-{n:02d}", "range"
                elif kind == "dotted":
                    g = [x for x in m.groups() if x is not None]
                    value, precision = _day(int(g[0]), int(g[1]), g[2] if len(g) > 2 else None, ay, am_y).isoformat(), "day"
                elif kind == "weekday":
                    if ad is None:
                        raise _Unresolved("the article's date is not known to the day")
                    name = " ".join(m.group(1).lower().split())
                    wanted = _WEEKDAYS[name.removeprefix("thứ ")]
                    today = date(ay, am, ad)
                    which = (m.group(2) or "").split()[-1:]
                    written = _WEEKDAY_DATE.match(text, e)
                    monday = today - timedelta(days=today.weekday())
                    if which == ["này"]:
                        day = monday + timedelta(days=wanted)
                    elif which == ["trước"]:
                        day = monday + timedelta(days=wanted - 7)
                    elif which:  # `tới`, `sau`: the next such day
                        day = today + timedelta(days=(wanted - today.weekday() - 1) % 7 + 1)
                    else:  # News reports what happened: the last such day, the article's own included.
                        day = today - timedelta(days=(today.weekday() - wanted) % 7)
                    if written:  # the date written after it says which week
                        day = _day(int(written.group(1)), int(written.group(2)), written.group(3), ay, am_y)
                    value, precision = day.isoformat(), "day"
                elif kind == "to_date":
                    if ad is None:
                        raise _Unresolved("the article's date is not known to the day")
                    start = date(ay, 1 if m.group(1).lower() == "năm" else am, 1)
                    value, precision = f"{start.isoformat()}/{date(ay, am, ad).isoformat()}", "range"
                elif kind == "to_year_end":
                    if ad is None:
                        raise _Unresolved("the article's date is not known to the day")
                    value, precision = f"{date(ay, am, ad).isoformat()}/{ay:04d}-12-31", "range"
                elif kind == "year_part":
                    value, precision = str(_year(None, ay) + _YEAR_WORDS.get(f"năm {(m.group(1) or 'nay').lower()}", 0)), "year"
                elif kind == "year_rel":
                    value, precision = str(_year(None, ay) + _YEAR_WORDS[m.group(1).lower()]), "year"
                elif kind == "range":
                    d1, d2, mo = int(m.group(1)), int(m.group(2)), int(m.group(3))
                    y = int(m.group(4)) if m.group(4) else (_year_for(mo, ay, am_y) if ay else None)
                    if y is None:
                        reason = "no year: the article has no date"
                    else:
                        value = f"{date(y, mo, d1).isoformat()}/{date(y, mo, d2).isoformat()}"
                        precision = "range"
                elif kind == "day":
                    d, mo = int(m.group(1)), int(m.group(2))
                    y = int(m.group(3)) if m.group(3) else (_year_for(mo, ay, am_y) if ay else None)
                    if y is None:
                        reason = "no year: the article has no date"
                    else:
                        value, precision = date(y, mo, d).isoformat(), "day"
                elif kind == "month":
                    mo, y = int(m.group(1)), int(m.group(2))
                    date(y, mo, 1)
                    value, precision = f"{y:04d}-{mo:02d}", "month"
                elif kind in ("year", "name_year"):
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
                        y = ay + _YEAR_WORDS[m.group(2).lower()] if kind == "month_rel" else _year_for(mo, ay, am_y)
                        date(y, mo, 1)
                        value, precision = f"{y:04d}-{mo:02d}", "month"
                else:
                    if ad is None:
                        reason = ("the article's date is only known to the month" if ay
                                  else "the article has no date")
                    else:
                        day = date(ay, am, ad) + timedelta(days=_OFFSETS[m.group(1).lower()])
                        eve = day - timedelta(days=1)
                        if eve.isoformat() in written_days and day.isoformat() not in written_days:
                            day = eve  # read from the evening before the stamp: see `_written_days`
                        value, precision = day.isoformat(), "day"
            except _Unresolved as why:
                reason = str(why)
                value = precision = None
            except ValueError:
                reason = "no such date"
                value = precision = None
            out.append(TimeExpression(m.group(0), s, e, value, precision, reason))
    out.sort(key=lambda t: t.start)
    return tuple(out)


def story_timeline(articles: Sequence[Article], alignment: Alignment) -> list[TimelineEvent]:
    """Dated events of a story: one per fact that names a day, month or range, sorted by date."""
    by_article = {a.id: a for a in articles}
    events: dict[int | tuple[str, int], TimelineEvent] = {}
    for item in alignment.sentences:
        a, s = item.article, item.sentence
        exprs = [t for t in resolve(s.text, a.published, s.start, a.text) if t.value and t.precision != "year"]
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


def date_conflicts(sentences: Sequence[tuple[str, str, str | None]]) -> list[str]:
    """Different days for what sentences from different outlets say happened: (outlet, text,
    article date) triples. Only sentences that name exactly one day count, so a sentence about two
    days is not held against one about either."""
    days: dict[str, set[str]] = {}
    for outlet, text, published in sentences:
        # Written dates only: `hôm qua` read from two publication times is no disagreement.
        found = {t.value for t in resolve(text, published)
                 if t.value and t.precision == "day" and any(c.isdigit() for c in t.text)}
        if len(found) == 1:
            days.setdefault(found.pop(), set()).add(outlet)
    # Two days, each given by an outlet that does not give the other: one outlet's sentences
    # about two days are two events, not a disagreement.
    if len(days) != 2:
        return []
    (d1, o1), (d2, o2) = sorted(days.items())
    if not (o1 - o2 and o2 - o1):
        return []
    return [f"{d1} ({', '.join(sorted(o1 - o2))}) vs {d2} ({', '.join(sorted(o2 - o1))})"]
