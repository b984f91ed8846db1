"""A language pack: the data files of one folder behind the `LanguagePack` interface."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from ..text import Folder
from .loader import PackError, PatternRule, WordList, read

T = TypeVar("T")


class LanguagePack(Protocol):
    """What every stage asks of a language. Data comes from the pack's files (`words`, `table`,
    `patterns`); `hook` is the little code a language needs (gazetteers built from packages, a
    word segmenter); `view` keeps what a stage compiles from the data (phrase tables, joined
    patterns), built once per pack."""

    code: str

    def fold(self, text: str) -> str: ...
    def words(self, name: str) -> tuple[str, ...]: ...
    def table(self, name: str) -> dict[str, Any]: ...
    def patterns(self, name: str) -> list[PatternRule]: ...
    def hook(self, name: str) -> Callable[..., Any] | None: ...
    def view(self, name: str, build: Callable[[LanguagePack], T]) -> T: ...


class Pack:
    """A pack read from `folder`: every `*.toml` file in it, loaded on first use. `hooks` names the
    module whose functions are the pack's hooks (`gazetteer`, `segment_words`, ...)."""

    def __init__(self, code: str, folder: Path, hooks: str | None = None, fold: Callable[[str], str] | None = None) -> None:
        self.code = code
        self.folder = folder
        self._hooks_module = hooks
        self._lists: dict[str, WordList] | None = None
        self._tables: dict[str, dict] = {}
        self._patterns: dict[str, list[PatternRule]] = {}
        self._views: dict[str, Any] = {}
        # The matching key is the same for every language (the Vietnamese tone placement it unifies
        # does not occur elsewhere), so stores and indexes mixing languages compare like with like;
        # the registry gives every pack one `Folder`, which keeps the texts folded last (bounded).
        self.fold = fold or Folder()

    def __repr__(self) -> str:
        return f"<language pack {self.code} at {self.folder}>"


    def load(self) -> None:
        """Read and check every data file now (else on first use)."""
        if self._lists is not None:
            return
        lists: dict[str, WordList] = {}
        where: dict[str, Path] = {}
        for path in sorted(self.folder.glob("*.toml")):
            found, tables, patterns = read(path, self.fold)
            for name in [*found, *tables, *patterns]:
                if name in where:
                    raise PackError(f"{path}: [{name}] is also defined in {where[name]}")
                where[name] = path
            lists.update(found)
            self._tables.update(tables)
            self._patterns.update(patterns)
        self._lists = lists

    def word_list(self, name: str) -> WordList:
        self.load()
        assert self._lists is not None
        try:
            return self._lists[name]
        except KeyError:
            raise PackError(f"language pack {self.code!r} has no list [{name}]") from None

    def words(self, name: str) -> tuple[str, ...]:
        return self.word_list(name).words

    def table(self, name: str) -> dict[str, Any]:
        self.load()
        if name not in self._tables:
            raise PackError(f"language pack {self.code!r} has no table [{name}]")
        return self._tables[name]

    def patterns(self, name: str) -> list[PatternRule]:
        self.load()
        if name not in self._patterns:
            raise PackError(f"language pack {self.code!r} has no patterns [[patterns.{name}]]")
        return self._patterns[name]

    def names(self) -> list[str]:
        """Every list, table and pattern table of the pack (for the data tests)."""
        self.load()
        assert self._lists is not None
        return sorted([*self._lists, *self._tables, *self._patterns])

    def hook(self, name: str) -> Callable[..., Any] | None:
        if self._hooks_module is None:
            return None
        return getattr(importlib.import_module(self._hooks_module), name, None)

    def view(self, name: str, build: Callable[[LanguagePack], T]) -> T:
        if name not in self._views:
            self._views[name] = build(self)
        return self._views[name]
