"""What changed between two versions of an article: a sentence diff (difflib over the text
layer's sentences, so a reworded sentence shows as one removed and one added)."""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass, field
from typing import Any

from .model import ArticleVersion
from .text import split


@dataclass(slots=True)
class VersionChange:
    """From version `before` to version `after`: the title if it changed, and the sentences
    removed and added (in reading order, `-`/`+`)."""

    before: int
    after: int
    fetched_at: str
    title: tuple[str, str] | None = None
    lines: list[tuple[str, str]] = field(default_factory=list)  # ("-" | "+", sentence)
    kept: int = 0  # sentences unchanged

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split(text).sentences]


def sentence_diff(old: ArticleVersion, new: ArticleVersion) -> VersionChange:
    a, b = sentences(old.text), sentences(new.text)
    change = VersionChange(old.version, new.version, new.fetched_at,
                           (old.title, new.title) if old.title != new.title else None)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            change.kept += i2 - i1
            continue
        change.lines += [("-", s) for s in a[i1:i2]] + [("+", s) for s in b[j1:j2]]
    return change


def changes(versions: list[ArticleVersion]) -> list[VersionChange]:
    """One change per pair of consecutive versions, oldest first."""
    return [sentence_diff(x, y) for x, y in zip(versions, versions[1:])]
