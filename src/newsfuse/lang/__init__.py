"""Language packs: what newsfuse knows of a language, as data behind one interface.

    from newsfuse import lang
    pack = lang.get("vi")            # the Vietnamese pack (data under newsfuse/lang/vi/)
    pack.words("roles")              # a list of its data files
    lang.for_language("de")          # the pack a German article is read with: the fallback

A pack is a folder of TOML data files (`loader.py` says their form) plus, when the language needs
code, a module of hooks. Adding a language is adding its folder and one line to `REGISTRY`.
Packs are made once per process on first use, like modules: their data never changes, and the
caches they hold (what a stage compiled from the data) are theirs, not the stages'.
"""

from __future__ import annotations

from pathlib import Path

from .loader import PackError
from ..text import Folder, WordTokens
from .pack import LanguagePack, Pack

HERE = Path(__file__).parent

# code -> (folder, module of hooks or None)
REGISTRY: dict[str, tuple[Path, str | None]] = {
    "vi": (HERE / "vi", "newsfuse.lang.vi"),
    "en": (HERE / "en", "newsfuse.lang.en"),
}
# Text in a language with no pack of its own is read with the English one: its rules (capitalised
# runs, a Latin gazetteer) are the generic ones, where the Vietnamese rules would read its words as
# Vietnamese syllables.
FALLBACK = "en"


class _Packs:
    def __init__(self) -> None:
        self._made: dict[str, Pack] = {}
        # One matching key for every language (see `Pack.fold`), so one bounded cache of what was
        # folded last: ingest folds an article's text for its hash, copies, stories and search.
        self.fold = Folder()
        # Tokens a word at a time from a bounded cache of words (`text.WordTokens`): the same as
        # `text.tokens` of the folded text, without folding each word of every text again.
        self.tokens = WordTokens()

    def get(self, code: str) -> Pack:
        pack = self._made.get(code)
        if pack is None:
            if code not in REGISTRY:
                raise PackError(f"no language pack for {code!r} (packs: {', '.join(sorted(REGISTRY))})")
            folder, hooks = REGISTRY[code]
            pack = self._made[code] = Pack(code, folder, hooks, self.fold)
        return pack


_packs = _Packs()


def get(code: str) -> Pack:
    """The pack of `code` (ISO 639-1); PackError when there is none."""
    return _packs.get(code)


def for_language(code: str | None) -> Pack:
    """The pack an article in language `code` is read with: its own, else the fallback."""
    return _packs.get(code if code in REGISTRY else FALLBACK)


def codes() -> list[str]:
    return sorted(REGISTRY)


def fold(text: str) -> str:
    """The matching key of `text` (`text.fold`), kept for the texts folded last: what stages that
    fold the same text in turn call (bench/fold_speed.py: 56 µs an article at ingest against 148
    without the cache and 84 with vi-textmatch's own rule, which it replaced)."""
    return _packs.fold(text)


def tokens(text: str, words: list[str] | None = None) -> list[str]:
    """`text.tokens`, a word at a time from the words tokenised before (`text.WordTokens`);
    `words` is `text.split()` when the caller has made it."""
    return _packs.tokens(text, words)


# Pack files only the alignment (`align.SYLLABLE_DF`) and the summary (`brief.SCORER_FILE`) read:
# retraining the summary scorer or counting the corpus again must not throw away every store's
# kept entity and date readings (a first reading costs ~20 ms an article).
NOT_READ_BY_READERS = frozenset({"syllable_df.json", "summary_scorer.json"})


def code_digest(label: str, modules: tuple[str, ...], packages: tuple[str, ...] = ()) -> str:
    """A digest of what decides a kept reading: `label`, the named modules of newsfuse, every file of
    the language packs but those of `NOT_READ_BY_READERS`, and the versions of `packages`. A reading
    stored under another digest was made by other code or data and is never taken (entities' and
    dates' kept readings)."""
    import hashlib
    from importlib import metadata

    here = Path(__file__).resolve().parents[1]
    h = hashlib.blake2b(label.encode(), digest_size=10)
    files = [here / m for m in modules] + sorted(
        f for f in (here / "lang").rglob("*")
        if f.is_file() and "__pycache__" not in f.parts and f.name not in NOT_READ_BY_READERS)
    for f in files:
        h.update(str(f.relative_to(here)).encode() + b"\0" + f.read_bytes() + b"\0")
    for dist in packages:
        try:
            h.update(f"{dist}={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{dist}=none".encode())
    return h.hexdigest()


__all__ = ["LanguagePack", "Pack", "PackError", "REGISTRY", "FALLBACK", "get", "for_language", "codes", "fold", "tokens", "code_digest"]
