"""The one loader of language-pack data: TOML files under a pack's folder.

TOML (read by the standard library's `tomllib`, so no dependency) because the data needs comments
saying why a word is listed, and literal strings hold regular expressions without escaping. A file
holds *lists* and *patterns*, each a table of its own:

    [roles]
    why = "titles written before a person's name"
    key = "fold"              # how entries are matched: exact (default), lower or fold
    words = ["Bộ trưởng", ...]  # sorted (see `sort_key`) unless `order` says why not

    [[patterns.day]]          # an ordered table of regular expressions
    name = "day"
    pattern = '''\\b(\\d{1,2})/(\\d{1,2})\\b'''
    why = "..."

`\\p{Lu}` inside a pattern's character class stands for the capital letters (`text.CAPITALS`),
the one definition of them. The loader rejects, naming the file and the list: an entry listed twice (under the list's key, so
`Hòa Bình` and `Hoà Bình` are one entry of a folded list), a list out of order with no `order`
note, a pattern that does not compile, a table without `why`. Like dateparser's per-language data
and spaCy's `lang/` folders, a language is data first; code only where data cannot say it.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..text import CAPITALS


class PackError(ValueError):
    """Bad language-pack data: one line naming the file and the entry."""


def sort_key(word: str) -> tuple[str, str]:
    """The order lists are kept in: letters before their marks (`Ba`, `Bà`, `Bác`), case ignored."""
    return unicodedata.normalize("NFD", word.casefold()), word


@dataclass(frozen=True, slots=True)
class WordList:
    name: str
    why: str
    key: str  # exact | lower | fold
    words: tuple[str, ...]
    order: str | None = None  # why the list is not sorted, when it is not


@dataclass(frozen=True, slots=True)
class PatternRule:
    """One regular expression of an ordered table, with the data its rule needs."""

    name: str
    pattern: re.Pattern[str]
    fields: dict[str, Any]


_KEYS = ("exact", "lower", "fold")


def read(path: Path, fold: Callable[[str], str]) -> tuple[dict[str, WordList], dict[str, dict], dict[str, list[PatternRule]]]:
    """(lists, tables, pattern tables) of one TOML file, checked."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:  # also raised for a key given twice
        raise PackError(f"{path}: {e}") from None
    lists: dict[str, WordList] = {}
    tables: dict[str, dict] = {}
    patterns: dict[str, list[PatternRule]] = {}
    for name, value in data.items():
        if name == "patterns":
            for table, rules in value.items():
                patterns[table] = [_pattern(path, f"patterns.{table}", rule) for rule in rules]
        elif isinstance(value, dict) and "words" in value:
            lists[name] = _word_list(path, name, value, fold)
        elif isinstance(value, dict) and "map" in value:
            _need_why(path, name, value)
            tables[name] = dict(value["map"])
        else:
            raise PackError(f"{path}: [{name}] is neither a list (words = [...]) nor a table (map = {{...}})")
    return lists, tables, patterns


def _need_why(path: Path, name: str, value: dict) -> None:
    if not str(value.get("why", "")).strip():
        raise PackError(f"{path}: [{name}] has no `why`")


def _word_list(path: Path, name: str, value: dict, fold: Callable[[str], str]) -> WordList:
    _need_why(path, name, value)
    key = value.get("key", "exact")
    if key not in _KEYS:
        raise PackError(f"{path}: [{name}] key {key!r} is not one of {', '.join(_KEYS)}")
    words = value["words"]
    if not all(isinstance(w, str) and w and w == w.strip() for w in words):
        raise PackError(f"{path}: [{name}] holds an empty or padded entry")
    match = {"exact": str, "lower": str.lower, "fold": fold}[key]
    seen: dict[str, str] = {}
    for w in words:
        k = match(w)
        if k in seen:
            raise PackError(f"{path}: [{name}] lists {w!r} twice" + (f" (as {seen[k]!r})" if seen[k] != w else ""))
        seen[k] = w
    if "order" not in value and list(words) != sorted(words, key=sort_key):
        first = next(a for a, b in zip(words, sorted(words, key=sort_key)) if a != b)
        raise PackError(f"{path}: [{name}] is not sorted (first out of place: {first!r}) and has no `order` note")
    return WordList(name, value["why"], key, tuple(words), value.get("order"))


def _pattern(path: Path, where: str, rule: dict) -> PatternRule:
    if "pattern" not in rule or "name" not in rule:
        raise PackError(f"{path}: an entry of [[{where}]] lacks `name` or `pattern`")
    flags = re.IGNORECASE if "i" in rule.get("flags", "") else 0
    try:
        compiled = re.compile(rule["pattern"].replace(r"\p{Lu}", CAPITALS), flags)
    except re.error as e:
        raise PackError(f"{path}: [[{where}]] {rule['name']!r} does not compile: {e}") from None
    return PatternRule(rule["name"], compiled, {k: v for k, v in rule.items() if k not in ("name", "pattern", "flags")})
