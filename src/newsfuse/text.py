"""Vietnamese-first text layer: cleaning, matching keys, sentences, words, language.

Two forms of a text exist:
- the *stored* form (`clean`): Unicode NFC, whitespace cleaned, original tone marks and quotes kept
  for display; every offset in newsfuse points into it;
- the *matching key* (`fold`): one tone-mark placement (`hoà` = `hòa`, `thuỷ` = `thủy`, via
  vi-textmatch's rule; a misplaced mark moved, `vơí` = `với`, `TonePlacement`), lower case, one
  kind of quote. `fold` preserves length, so a position in the key is the same position in the
  stored text.
"""

from __future__ import annotations

import copy
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from vi_textmatch.tone import TONE_PAIRS_SECOND_TO_FIRST

from .model import Caption, Credit

if TYPE_CHECKING:
    from .lang import LanguagePack
    from .lang.loader import PatternRule

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_SPACE_CHARS = r" \t\u00a0\u2000-\u200a\u202f\u205f\u3000"
# A run of white space within a line that is not already one plain space: `clean` makes each run
# one space, and a lone " " (most of them: every gap between words) is that already. Replacing
# every run was 60% of `clean` and ~6% of a parse worker's time (a new string built from ~700
# replacements an article); this matches the same runs less the lone spaces, so the result is
# the same (a run is matched from its first character, which follows no white space of the set).
_SPACES = re.compile("[" + _SPACE_CHARS[1:] + "][" + _SPACE_CHARS + "]*| [" + _SPACE_CHARS + "]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# str.translate with a dict is slow on non-ASCII text; a few str.replace calls run in C.
_FOLD_PAIRS = (("“", '"'), ("”", '"'), ("„", '"'), ("«", '"'), ("»", '"'), ("‘", "'"), ("’", "'"), ("`", "'"),
               ("–", "-"), ("—", "-"), ("‒", "-"), ("−", "-"))


def clean(text: str) -> str:
    """The stored form: NFC, no zero-width characters, one space between words, one blank line
    between paragraphs, no blanks at line ends."""
    text = _ZERO_WIDTH.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    # NFC last: removing a zero-width character or a space can bring a combining mark next to a
    # letter it composes with (`ổ\u200b\u0323` -> `ộ`), and the stored text must be NFC.
    return unicodedata.normalize("NFC", _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip())


# vi-textmatch's tone rule (`hoà` -> `hòa`: the mark moves to the first vowel of an open `oa`, `oe`,
# `uy`, never after `q`), applied to the words `TonePlacement.finder` finds in its one pass over the
# lower-cased text (every word this pattern changes): the library's two passes before lower-casing
# cost 1.4x as much (bench/fold_speed.py) and a cache of texts or syllables gains nothing over it;
# the test holds the key equal to the library's on the shared corpus, but for misplaced marks.
_SECOND_VOWEL_TONE = re.compile(r"o[àáảãạèéẻẽẹ](?![^\W\d_])|(?<!q)u[ỳýỷỹỵ](?![^\W\d_])")
_FIRST_VOWEL_TONE = {pair: first + plain for pair, (first, plain) in (
    (o + mark, TONE_PAIRS_SECOND_TO_FIRST[mark]) for o, marks in (("o", "àáảãạèéẻẽẹ"), ("u", "ỳýỷỹỵ")) for mark in marks)}


def _first_vowel_tone(m: re.Match[str]) -> str:
    return _FIRST_VOWEL_TONE[m.group(0)]


_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below
_LETTERS = r"[^\W\d_]"


class TonePlacement:
    """Moves a misplaced tone mark to the vowel of its syllable that carries it (`vơí` -> `với`,
    `hôị` -> `hội`, `ngươì` -> `người`, `gỉai` -> `giải`), in lower-cased NFC text: only the mark
    moves (letters and their vowel marks stay as written, the length too). A syllable is an
    initial, a nucleus and a final of the Vietnamese pack's `tones.toml`; a word that is no such
    syllable, or has no mark or two, is left as written.

    Our own rule, not a library's (measured on the shared corpus, docs/decisions.md): vi-textmatch
    only unifies open `oa`/`oe`/`uy`; underthesea's `token_normalize` is a table of 2,904 words
    that also respells (`qui` -> `quy`, `vuợt` -> `vượt`), and kept to its tone-only changes it
    fixes 273 of the 351 misplaced marks of the corpus (not `Hiệp hôị`, `buôỉ`, `giơí`, `bơỉ`).

    `finder` finds, in one pass of the regular-expression engine, every place where a mark can
    sit wrong (a marked vowel next to `ơ â ê ô ư ă` it should be on, the second of two vowels at
    a word's end, the first of two before a letter, the `i` of `gi` or the `u` of `qu`) and next
    to nothing a correct syllable has; only those words are parsed, so text without a misplaced
    mark costs that one pass (bench/fold_speed.py), no cache needed."""

    def __init__(self, initials: tuple[str, ...], finals: tuple[str, ...], open_nuclei: tuple[str, ...],
                 closed_nuclei: tuple[str, ...]) -> None:
        def parts(nucleus: str) -> tuple[str, int]:  # (the nucleus unmarked, where its mark is)
            split = [self.split.get(c, (c, "")) for c in nucleus]
            marked = [i for i, (_, mark) in enumerate(split) if mark]
            if len(marked) != 1:
                raise ValueError(f"tones.toml: nucleus {nucleus!r} carries {len(marked)} tone marks, not one")
            return "".join(b for b, _ in split), marked[0]

        vowels = sorted({unicodedata.normalize("NFC", "".join(
            c for c in unicodedata.normalize("NFD", ch) if c not in _TONE_MARKS))
            for n in (*open_nuclei, *closed_nuclei) for ch in n})
        self.split: dict[str, tuple[str, str]] = {}  # a vowel with a tone mark -> (the vowel, the mark)
        self.toned: dict[tuple[str, str], str] = {}
        for v in vowels:
            for mark in _TONE_MARKS:
                c = unicodedata.normalize("NFC", v + mark)
                self.split[c], self.toned[v, mark] = (v, mark), c
        self.open = dict(map(parts, open_nuclei))
        self.closed = dict(map(parts, closed_nuclei))
        plain = [v for v in vowels if len(unicodedata.normalize("NFD", v)) == 1]  # a e i o u y
        marked = [v for v in vowels if v not in plain]  # ă â ê ô ơ ư
        # `gi`, `qu`: an initial that ends in a vowel letter, which never carries the mark.
        self.glides = tuple(i for i in initials if i[-1] in vowels)
        by_length = "|".join(map(re.escape, sorted(initials, key=len, reverse=True)))
        self.syllable = re.compile(f"({by_length})?([{''.join(vowels)}]+)({'|'.join(sorted(finals, key=len, reverse=True))})?")
        toned = {v: "".join(self.toned[v, m] for m in _TONE_MARKS) for v in vowels}
        tp, tv = "".join(toned[v] for v in plain), "".join(toned.values())
        p, d = "".join(plain), "".join(marked)
        # Every way starts at the vowel with the tone mark (one character class, which the engine
        # skips to in C), and most such vowels fail at once: neither neighbour is a vowel. Ways
        # starting elsewhere, in one alternation, made folding 2.5 times as slow.
        not_glide = "".join(f"(?<!{re.escape(g)}[{tp}])" for g in self.glides)
        v = "".join(vowels)
        before = "|".join([  # a vowel follows the mark's
            f"(?=[{p}]{{0,2}}[{d}])",  # tíêng, ngừơi
            f"(?<=[{tp}])(?=[{p}]{_LETTERS})",  # tòan, ngòai
            *(f"(?<={re.escape(g[:-1])}[{toned[g[-1]]}])" for g in self.glides),  # gía, qúa
        ])
        after = "|".join([  # a vowel comes before it
            *(f"(?<=[{d}]{f'[{p}]' * k}[{tp}])" for k in range(3)),  # vơí, ngươì, điêù, giưã
            # the second of two at a word's end (cuả, ngoaì; not quả, giá), which also finds every
            # `hoà`, `thuỷ` that `_SECOND_VOWEL_TONE` keys
            f"(?<=[{p}][{tp}]){not_glide}(?!{_LETTERS})",
        ])
        self.finder = re.compile(f"[{tv}](?:(?=[{v}])(?:{before})|(?<=[{v}].)(?:{after}))")
        self._letter, self._word_end = re.compile(_LETTERS), re.compile(f"{_LETTERS}*")

    def __call__(self, text: str) -> str:
        """`text` (lower case) in the matching key's tone placement: every open `oa`, `oe`, `uy`
        with the mark on its first vowel (`_SECOND_VOWEL_TONE`: `hoà` -> `hòa`, in any word, as
        vi-textmatch keys it) and every misplaced mark moved. One pass of `finder`: the words it
        finds are the only ones read again."""
        found = self.finder.search(text)
        if found is None:
            return text
        out: list[str] = []
        done = 0
        style = _SECOND_VOWEL_TONE.sub
        while found is not None:
            start = found.start()
            while start > done and self._letter.match(text, start - 1):
                start -= 1
            end = self._word_end.match(text, found.start()).end()
            out.append(text[done:start])
            out.append(self.word(style(_first_vowel_tone, text[start:end])))
            done = end
            found = self.finder.search(text, end)
        out.append(text[done:])
        return "".join(out)

    def moves(self, text: str) -> bool:
        """Whether `text` (lower case) has a misplaced mark this pass moves (what a key made before
        it moved them holds otherwise: store migration 20)."""
        style = _SECOND_VOWEL_TONE.sub
        for found in self.finder.finditer(text):
            start = found.start()
            while start > 0 and self._letter.match(text, start - 1):
                start -= 1
            w = style(_first_vowel_tone, text[start:self._word_end.match(text, found.start()).end()])
            if self.word(w) != w:
                return True
        return False

    def word(self, word: str) -> str:
        """A lower-case word with its tone mark where its syllable carries it (as written when it is
        no syllable, or has no mark or two)."""
        split = self.split
        marks = [i for i, c in enumerate(word) if c in split]
        if len(marks) != 1:
            return word
        at = marks[0]
        base, mark = split[word[at]]
        bases = word[:at] + base + word[at + 1:]
        m = self.syllable.fullmatch(bases)
        if m is None:
            return word
        initial, nucleus, final = m.group(1) or "", m.group(2), m.group(3)
        table = self.closed if final else self.open
        place = table.get(nucleus)
        if place is not None:
            place += len(initial)
        elif initial in self.glides and (place := table.get(initial[-1] + nucleus)) is not None:
            place += len(initial) - 1  # `gi` + `n` is `g` + `in` (`gìn`)
        if place is None or place == at:
            return word
        return bases[:place] + self.toned[bases[place], mark] + bases[place + 1:]


@functools.cache
def tone_placement() -> TonePlacement:
    """The tone placement of the Vietnamese pack's data, built on first use (the one rule, made
    once per process like a compiled pattern: it holds no cache of what it folded)."""
    from pathlib import Path

    from .lang.loader import read

    lists, _, _ = read(Path(__file__).parent / "lang" / "vi" / "tones.toml", str)
    return TonePlacement(*(lists[n].words for n in ("syllable_initials", "syllable_finals", "open_nuclei",
                                                     "closed_nuclei")))


def fold(text: str) -> str:
    """Matching key of a stored text: same length, one tone placement (`hoà` = `hòa`, a misplaced
    mark moved: `vơí` = `với`), lower case, plain quotes."""
    text = tone_placement()(text.lower())
    for a, b in _FOLD_PAIRS:
        if a in text:
            text = text.replace(a, b)
    return text


def Folder(size: int = 4096) -> Callable[[str], str]:  # noqa: N802 (made like a class: one per owner)
    """`fold` keeping the last `size` texts it folded, for an owner that folds the same texts in
    turn (a language pack: each stage of a brief folds the same sentences and words again). The
    cache is the returned object's own and bounded (functools' LRU, which runs in C)."""
    return lru_cache(maxsize=size)(fold)


# A token is a number with its inner separators (26/6, 25-27/6, 5.000, 3,5) or a run of letters.
TOKEN = re.compile(r"\d+(?:[.,/:\-]\d+)*|[^\W\d_]+(?:['’][^\W\d_]+)?")


def tokens(text: str, key: Callable[[str], str] = fold) -> list[str]:
    """Folded syllables (Vietnamese) or words (space-separated languages) and numbers; `key` is the
    folding (`lang.tokens` passes the one that keeps what it folded). `TOKEN.findall` of the folded
    text, read a space-separated word at a time: a match never crosses white space, and a word of
    letters alone (most of them) is its own match, so only the others go through the expression."""
    out: list[str] = []
    add, more, find = out.append, out.extend, TOKEN.findall
    for w in key(text).split():
        if w.isalpha():
            add(w)
        else:
            more(find(w))
    return out


def WordTokens(size: int = 200_000) -> Callable[[str], list[str]]:  # noqa: N802 (made like a class: one per owner)
    """`tokens`, a whitespace-split word at a time, each distinct word's tokens kept (the last
    `size` words; then the cache starts over): news repeats a few tens of thousands of words, and
    folding and matching each again was most of what tokenising a text cost (about half at ingest,
    bench/results/ingest_compare.txt). The same tokens as `tokens`: folding and the token pattern
    never look across white space (`fold` is length-preserving, its lookarounds stop at a space,
    lower-casing is per word), so a text's tokens are its words' tokens in order; the test holds
    the two equal on the shared corpus. The cache is the returned object's own. `words`, when the
    caller has split the text already (`text.split()`), are read instead: an ingest's parser gives
    the body's words to the copy signer too, and a split makes a new string of every word."""
    cache: dict[str, str | list[str]] = {}

    def word_tokens(text: str, words: list[str] | None = None) -> list[str]:
        out: list[str] = []
        add, more, get = out.append, out.extend, cache.get
        for w in text.split() if words is None else words:
            t = get(w)
            if t is None:
                if len(cache) >= size:
                    cache.clear()
                found = tokens(w)
                t = cache[w] = found[0] if len(found) == 1 else found  # one token (most words): the string itself
            if t.__class__ is str:
                add(t)
            else:
                more(t)
        return out

    return word_tokens


# The capital letters, as the body of a character class: upper-case letters only. A range such as
# `À-Ỹ` also takes lower-case letters (`ở`, `ấp`), which then open names and sentences.
CAPITALS = "A-Z" + "".join(c for c in map(chr, range(0xC0, 0x1F00)) if c.isupper() and c.isalpha())
# A name as a run of two or more capitalised words, not the one that opens a sentence.
_NAME_RUN = re.compile(r"(?<![.!?]\s)(?<!^)\b([" + CAPITALS + r"][^\W\d_]*(?:\s+[" + CAPITALS + r"][^\W\d_]*)+)")


def name_runs(text: str) -> list[str]:
    """Runs of two or more capitalised words, none opening a sentence (`Lương Tam Quang`, `Hà Nội`)."""
    return _NAME_RUN.findall(text)


def syllable_count(text: str) -> int:
    return len(TOKEN.findall(text))


# What ROUGE scorers count: every run of letters or digits (`19/5` is two, `5.000` two, `U23` one).
SCORER_TOKEN = re.compile(r"[^\W_]+")


def budget_count(text: str) -> int:
    """Syllables as a summary's budget counts them: as the ROUGE scorer does, every run of letters
    or digits (`19/5` is two), so a summary within its budget is within the scorer's cut."""
    return len(SCORER_TOKEN.findall(text))


# ---------------------------------------------------------------- sentences

# Written by hand: the sentence splitters on PyPI either need data that cannot be downloaded
# here (nltk), move closing quotes into the next sentence and join captions (underthesea), or
# miss `TP. Hà Nội` and run at ~0.5 MB/s (pysbd) -- too slow for 2,000 articles/s. What a language
# adds (abbreviations, the words of a photo credit) comes from its pack.

# End punctuation, then closing quotes/brackets, then space, then what can open a sentence.
# The punctuation, `(?:[.!?]+|…)`, is written to open with one character class (a run of [.!?], or
# one `…`: the lookbehinds say which the first was) so that the regex engine skips to the next end
# mark instead of trying a match at every character: 3x faster, the same matches (a test).
_BOUNDARY = re.compile(r"[.!?…](?:(?<=…)|(?<=[.!?])[.!?]*)[\"”’»)\]]*(?=\s+[\"“‘«(\[]?[" + CAPITALS + r"0-9])")
_NAME = r"[" + CAPITALS + r"0-9][^\s.()]*"
# A word of a credit's name: a dot inside it is the name's (`N.T.Phúc`, `H.C`, `RT.com`), not its end.
_CREDIT_NAME = r"[" + CAPITALS + r"0-9](?:[^\s.():]|\.(?=[^\s.():]))*"


class SentenceRules:
    """A pack's sentence data, compiled: its abbreviations, and its photo credits: a paragraph that
    ends with a credit, or inside a flattened paragraph a credit of a few capitalised words before a
    period, else the shortest run of them before the next capitalised word."""

    def __init__(self, pack: LanguagePack) -> None:
        self.abbreviations = frozenset(pack.words("sentence_abbreviations"))
        # The words a person's initial follows in lower case (`ca sĩ T.`, `bà V.`): the pack's
        # titles and honorifics; see `_initial_of_a_name`.
        self.person_words = frozenset(w.lower() for w in _optional_words(pack, "roles") + _optional_words(pack, "honorifics"))
        self.person_words_span = max((len(w.split()) for w in self.person_words), default=0)
        credit = r"(?:" + "|".join(map(re.escape, pack.words("credit_words"))) + r")\s*:\s*"
        self.paragraph_credit = re.compile(r"\(?" + credit + r"(?P<credit>[^.:()\n]{1,40}?)\)?\.?$")
        # A bare credit runs over up to six capitalised words; `credit_name_length` says how many
        # of them are the name and which open the next sentence (`Ảnh: Đức Anh Tăng trưởng ...`).
        # Or a credit in brackets without its colon before the sentence goes on (`... tự sát (Ảnh AP)
        # Sokolov ...`, `(Nguồn DPA) Tổ chức ...`, `(Ảnh minh họa) Ngoài ra ...`).
        bracket = sorted(_optional_words(pack, "credit_bracket_words"), key=len, reverse=True)
        # Or, after a dash closing a caption, a credit word without its colon and a name in
        # capitals or a phrase of provenance, where the report or a link goes on or the line ends
        # (`... "mãn nhãn" - Ảnh Theverge >> ...`, `... còn đọng lại - Ảnh do người dân cung cấp Sau ...`).
        dash = sorted(_optional_words(pack, "credit_dash_words"), key=len, reverse=True)
        phrases = sorted(_optional_words(pack, "credit_dash_phrases"), key=len, reverse=True)
        self.inline_credit = re.compile(
            r"[-–(]?\s*\(?" + credit
            + r"(?:(?P<dotted>" + _CREDIT_NAME + r"(?:\s+" + _CREDIT_NAME + r"){0,3})\)?\.(?!\S)"
            + r"|(?P<bare>" + _CREDIT_NAME + r"(?:\s+" + _CREDIT_NAME + r"){0,5})\)?(?=\s+\S|\s*$))"
            + ((r"|\((?:" + "|".join(map(re.escape, bracket)) + r")(?:\s*:\s*|\s+|(?=\)))"
                r"(?P<bracketed>[^()\n]{0,40}?)\s*\)(?=\s+[\"“‘«]?[" + CAPITALS + r"0-9])") if bracket else "")
            + ((r"|(?<=\S)\s+[-–]\s*(?:" + "|".join(map(re.escape, dash)) + r")\s+(?:(?P<phrase>"
                + "|".join(map(re.escape, phrases)) + r")|(?P<dashed>" + _CREDIT_NAME + r"(?:\s+" + _CREDIT_NAME
                + r"){0,3}))(?=\s+(?:>>|[\"“‘«]?[" + CAPITALS + r"0-9])|\s*$)") if dash and phrases else "")
        )
        self.name_stops = frozenset(_optional_words(pack, "credit_name_stops"))
        after = _optional_words(pack, "credit_after_name")
        self.after_name = re.compile(r"\s+(?:" + "|".join(map(re.escape, after)) + r")\b\.?") if after else None


def _optional_words(pack: LanguagePack, name: str) -> tuple[str, ...]:
    """A list a pack may leave out (a new language starts with its sentences, not its credits)."""
    from .lang.loader import PackError

    try:
        return pack.words(name)
    except PackError:
        return ()


def _optional_patterns(pack: LanguagePack, name: str) -> list[re.Pattern[str]]:
    return [rule.pattern for rule in _optional_rules(pack, name)]


def _optional_rules(pack: LanguagePack, name: str) -> list[PatternRule]:
    from .lang.loader import PackError

    try:
        return pack.patterns(name)
    except PackError:
        return []


def credit_name_length(words: list[str], following: str | None, stops: frozenset[str]) -> int:
    """How many of the capitalised words after an inline credit (`Ảnh: VGP/Anh Dũng Chị Lãnh ...`)
    are its name: up to a word that opens a sentence (`Chị`, `Theo`); when the text goes on in lower
    case the last capitalised word opens the next sentence (`Đức Anh | Tăng trưởng không ...`); a
    run that filled the pattern is a name of two words and the rest is text."""
    for k, w in enumerate(words[1:], 1):
        if w in stops:
            return k
    if following is not None and following[:1].islower() and len(words) >= 2:
        return min(len(words) - 1, 3)
    if len(words) >= 6:
        return 2
    return min(len(words), 4)


# ---------------------------------------------------------------- credits

# A sign-off or agency tag is a name, not a sentence: no verb to find, so it is read by its shape.
# A word of a name: capitalised (`Tuấn`), in capitals (`NGUYỆT`), an initial (`T.`, `Nh.Thạch`), a
# joined desk (`VOV-Phnom`), `&`; and the words of an agency of the pack.
_NAME_WORD = re.compile(r"[" + CAPITALS + r"0-9][^\s]*|&|[-–]")
_END_CHARS = frozenset(".!?…\"”»:")  # what a sentence ends with
_INITIAL_END = re.compile(r"(?:^|[\s.])[" + CAPITALS + r"][hgri]?\.$")  # `T.`, `V.T.`, `Nh.`, `Tr.`


class AnyOf:
    """Whether any of one rule's patterns matches a sentence (`any(p.search(s) for p in
    patterns)`), the same answer in fewer and cheaper searches, since it runs on every sentence
    of every article in the parse workers (a loop over the patterns, mostly the case-blind search
    of the video prompt at every position of the sentence, was 4.8% of their time):
    - the patterns anchored at the start (`^...`, no `|` outside brackets, no MULTILINE) as one
      alternation tried at the start only (`match`): `^a` searched and `a` matched are one thing;
    - the others as one alternation searched once: a search stops at the first position where an
      alternative matches, so it finds one exactly when one of the patterns would;
    - a pattern whose entry lists what it `needs` (texts one of which a sentence holds, compared
      case-folded, wherever the pattern matches: the pack's data, as the pattern is) is tried
      only on a sentence that holds one (and, with `CreditRules.within`, only in an article that
      does): most hold none, and folding a sentence and a few `in` tests cost a fraction of a
      case-blind search at every position. Case folding maps each character alone, and every
      character a case-blind match takes for a letter of `needs` folds to that letter (a test
      holds this for the pack's `needs`, over all of Unicode).
    Each pattern keeps its own flags in the alternation (`(?i:...)`); a pattern with groups (whose
    back-references' numbers would move), other flags, or that does not combine stays apart."""

    def __init__(self, code: str, table: str, rules: list[PatternRule]) -> None:
        from .lang.loader import PackError

        self.patterns = [rule.pattern for rule in rules]
        anchored: list[str] = []
        anywhere: list[str] = []
        self.apart: list[re.Pattern[str]] = []
        self.guarded: list[tuple[tuple[str, ...], str]] = []
        for rule in rules:
            needs = rule.fields.get("needs", [])
            if not isinstance(needs, list) or not all(isinstance(n, str) and n for n in needs):
                raise PackError(f"language pack {code!r}: [[patterns.{table}]] {rule.name!r}: "
                                "`needs` is not a list of texts")
            part = _scoped(rule.pattern)
            if part is None:
                self.apart.append(rule.pattern)
            elif needs:
                self.guarded.append((tuple(n.casefold() for n in needs), part))
            elif _anchored(rule.pattern) and (rest := _scoped(rule.pattern, rule.pattern.pattern[1:])):
                anchored.append(rest)
            else:
                anywhere.append(part)
        self.anchored = _alternation(anchored)
        self.anywhere = anywhere
        self._tests: dict[tuple[bool, ...], Callable[[str], bool]] = {}
        self.any = self.test(tuple(True for _ in self.guarded))

    def present(self, key: str) -> tuple[bool, ...]:
        """Which guarded patterns a case-folded text holds what they need of."""
        return tuple(any(n in key for n in needs) for needs, _ in self.guarded)

    def test(self, keep: tuple[bool, ...]) -> Callable[[str], bool]:
        """The test of a sentence, with the guarded patterns of `keep` (those left out cannot match)."""
        found = self._tests.get(keep)
        if found is None:
            found = self._tests[keep] = self._make(keep)
        return found

    def _make(self, keep: tuple[bool, ...]) -> Callable[[str], bool]:
        match = self.anchored.match if self.anchored is not None else None
        whole = _alternation(self.anywhere)
        search = whole.search if whole is not None else None
        guarded = [(needs, re.compile(part).search) for (needs, part), k in zip(self.guarded, keep) if k]
        apart = [p.search for p in self.apart]

        def found(sentence: str) -> bool:
            if match is not None and match(sentence) is not None:
                return True
            if search is not None and search(sentence) is not None:
                return True
            if guarded:
                key = sentence.casefold()
                for needs, look in guarded:
                    if any(n in key for n in needs) and look(sentence) is not None:
                        return True
            return any(look(sentence) is not None for look in apart)

        return found


def _scoped(pattern: re.Pattern[str], body: str | None = None) -> str | None:
    """`pattern` (or `body` under its flags) as a part of an alternation, or None if it cannot be one."""
    flags = pattern.flags & ~re.UNICODE
    if pattern.groups or flags & ~re.IGNORECASE:
        return None
    text = pattern.pattern if body is None else body
    part = ("(?i:" if flags else "(?:") + text + ")"
    try:
        re.compile(part)
    except re.error:  # a global flag inside, say
        return None
    return part


def _anchored(pattern: re.Pattern[str]) -> bool:
    """Whether `pattern` can only match at the start: `^` first and no `|` outside a group."""
    if not pattern.pattern.startswith("^") or pattern.flags & re.MULTILINE:
        return False
    try:
        from re import _constants, _parser  # the parser `re` itself uses; no public way to ask

        first = _parser.parse(pattern.pattern, pattern.flags).data[0]
    except Exception:  # noqa: BLE001 (not known to be anchored: searched as it is)
        return False
    return first == (_constants.AT, _constants.AT_BEGINNING)


def _alternation(parts: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(parts)) if parts else None


class CreditRules:
    """A pack's credit data, compiled: its agencies, the sign-off tails, links, prompts, credits."""

    def __init__(self, pack: LanguagePack) -> None:
        self.agencies = {pack.fold(a): a for a in _optional_words(pack, "agencies")}
        found = {name: AnyOf(pack.code, name, _optional_rules(pack, name))
                 for name in ("credit_link", "credit_prompt", "credit_photo", "credit_source", "credit_not_name")}
        self.links = found["credit_link"].patterns
        self.prompts = found["credit_prompt"].patterns
        self.photos = found["credit_photo"].patterns
        self.tails = _optional_patterns(pack, "credit_tail")
        self.sources = found["credit_source"].patterns
        # Whether a sentence is a link, a prompt, a photo credit, an agency's source line: each
        # rule's patterns as one test (`AnyOf`), the same answer as a search by each in turn.
        self._any = found
        self.link_in = found["credit_link"].any
        self.prompt_in = found["credit_prompt"].any
        self.photo_in = found["credit_photo"].any
        self.source_in = found["credit_source"].any
        self.not_names = found["credit_not_name"].patterns
        self.not_name_in = found["credit_not_name"].any
        self._within: dict[tuple, CreditRules] = {}
        self.dangling = tuple(sorted((pack.fold(w) for w in _optional_words(pack, "dangling_openers")),
                                     key=len, reverse=True))
        self.dangling_pattern = re.compile("(?:" + "|".join(map(re.escape, self.dangling)) + r")(?![^\W_])")
        self.dangling_reach = 2 * max(map(len, self.dangling), default=0) + 8
        self.fold = pack.fold
        self.fronts = [(rule.pattern, rule.fields.get("reads_name") is True) for rule in _optional_rules(pack, "credit_front")]
        self.name_stops = frozenset(_optional_words(pack, "credit_name_stops"))

    def within(self, text: str) -> CreditRules:
        """These rules for the sentences of one `text`: without the patterns that say what a match
        needs (`AnyOf`) when `text` holds none of it, since a sentence holds no more than its
        text (case folding maps each character alone). The same answers for each sentence of
        `text`; most articles hold no video prompt's words, and their sentences skip its search."""
        if not any(a.guarded for a in self._any.values()):
            return self
        key = text.casefold()
        present = tuple(a.present(key) for a in self._any.values())
        view = self._within.get(present)
        if view is None:
            view = copy.copy(self)
            for (name, a), keep in zip(self._any.items(), present):
                setattr(view, {"credit_link": "link_in", "credit_prompt": "prompt_in", "credit_photo": "photo_in",
                               "credit_source": "source_in", "credit_not_name": "not_name_in"}[name], a.test(keep))
            view._within = {}
            self._within[present] = view
        return view

    def agency_in(self, text: str) -> str | None:
        """The first agency of the pack named in `text` as a word (`Thu Hà (TTXVN)` -> TTXVN)."""
        key = self.fold(text)
        best = None
        for folded, name in self.agencies.items():
            for m in re.finditer(re.escape(folded), key):
                before = key[m.start() - 1] if m.start() else " "
                after = key[m.end()] if m.end() < len(key) else " "
                if not before.isalnum() and not (after.isalnum() and folded[-1].isalnum()):
                    if best is None or m.start() < best[0]:
                        best = (m.start(), name)
        return best[1] if best else None


@dataclass(slots=True)
class CreditFound:
    kind: str  # link, prompt, photo, agency, byline
    author: str | None = None
    agency: str | None = None


def related_link(rules: CreditRules, sentence: str, last: bool) -> CreditFound | None:
    """`>> Ấn Độ kêu gọi ...`, `[Nhật đề nghị ...]`, `Xem thêm: ...`."""
    return CreditFound("link") if rules.link_in(sentence) else None


def video_prompt(rules: CreditRules, sentence: str, last: bool) -> CreditFound | None:
    """`Bạn cài Flash Player để xem ...`, `Mời độc giả xem video ...`, `Video ...:`."""
    return CreditFound("prompt") if rules.prompt_in(sentence) else None


def photo_credit(rules: CreditRules, sentence: str, last: bool) -> CreditFound | None:
    """`Tin, ảnh: Gia Bách`, `Ảnh minh họa.`, `(Nguồn: giaoducthoidai.vn).` standing as a sentence."""
    if len(sentence) <= 80 and rules.photo_in(sentence):
        return CreditFound("photo", agency=rules.agency_in(sentence))
    return None


_OPENS_SENTENCE = re.compile(r"[\"“‘«]?[" + CAPITALS + r"0-9]")
# An outlet's code in brackets and a dash before the report (`(eFinance Online) - Cục ...`): the
# dateline its text opens with, when a photo's label stands before it (`Ảnh minh họa. (eFinance
# Online) - ...`) and so the dateline is not at the top, where ingest takes datelines off.
_BRACKETED_CODE = re.compile(r"\([^()\n]{2,30}\)\s*[-–—]\s+")
_FRONT_NAME_WORD = re.compile(r"[" + CAPITALS + r"0-9]\S*|\S*[./]\S+")  # `VGP/Từ`, `scmp.com`


def front_credit(rules: CreditRules, sentence: str) -> tuple[int, CreditFound] | None:
    """A photo or source credit glued before the sentence (`(Nguồn: techradar.com) Tạp chí ...` is
    read when the sentence is split; here `Nguồn: scmp.com Ông ...`, `Ảnh minh họa Khối lượng ...`,
    `Ảnh VGP/Từ Lương Phát biểu ...`): where the sentence starts after it, and the credit. The
    pack's `credit_front` patterns open it; one that `reads_name` goes on with a name, read as an
    inline credit's is (`credit_name_length`), and taken only where it cannot be the sentence's own
    words: a desk's slash or a domain's dot, capitals, an agency, or a word that opens a sentence
    after it (`Ảnh Hồ Chí Minh được in ...` stays). What follows must open a sentence, after an
    outlet's bracketed code if one stands there (`Ảnh minh họa. (eFinance Online) - Cục ...`)."""
    for pattern, reads_name in rules.fronts:
        m = pattern.match(sentence)
        if m is None:
            continue
        cut, name = m.end(), None
        if reads_name:
            words = [(w.start(), w.end()) for w in re.finditer(r"\S+", sentence[:m.end() + 200])
                     if w.start() >= m.end()][:7]
            run = 0
            while run < len(words) and _FRONT_NAME_WORD.fullmatch(sentence[slice(*words[run])]):
                run += 1
            if run < 2 and not (run == 1 and len(words) > 1):
                continue
            texts = [sentence[a:b] for a, b in words[:run]]
            k = credit_name_length(texts, sentence[slice(*words[run])] if run < len(words) else None, rules.name_stops)
            if k >= len(words):
                continue
            name = sentence[words[0][0]:words[k - 1][1]].rstrip(")")
            after = sentence[slice(*words[k])]
            if not (after in rules.name_stops or any(c in name for c in "./") or name.isupper()
                    or rules.fold(name) in rules.agencies):
                continue
            cut = words[k - 1][1]
        rest = sentence[cut:].lstrip()
        code = _BRACKETED_CODE.match(rest)
        if not rest or not _OPENS_SENTENCE.match(rest[code.end():] if code else rest):
            continue
        return len(sentence) - len(rest), CreditFound("photo", author=None if name is None or rules.fold(name) in
                                                      rules.agencies else name, agency=rules.agency_in(sentence[:cut]))
    return None


def _name_core(rules: CreditRules, sentence: str) -> str:
    """A sign-off without what follows the name: `Đỗ Tuấn Anh/VOV-Phnom Penh` -> `Đỗ Tuấn Anh`."""
    core = sentence.strip().rstrip("./ ").strip()
    for _ in range(4):
        before = core
        for tail in rules.tails:
            m = tail.search(core)
            if m and m.start() > 0:
                core = core[:m.start()].rstrip(" -–,/")
        if core == before:
            break
    return core


def _ends_as_sentence(text: str) -> bool:
    """A sentence end that is no initial's dot (`V.T.`) and no closing `./.` or `).` of a tag."""
    text = text.rstrip()
    # The last character alone, and the initial only among the last four (its longest match): a
    # search of the whole sentence for a pattern anchored at its end tried every position, and
    # this ran on every sentence of every article (`sign_off`). `^` never matches at `pos` > 0.
    return text[-1:] in _END_CHARS and not _INITIAL_END.search(text, max(len(text) - 4, 0)) and \
        not text.endswith((").", "./."))


def agency_tag(rules: CreditRules, sentence: str, last: bool) -> CreditFound | None:
    """`(Vietnam+)`, `TTXVN/Tin tức`, `Theo BBC`, `(Tổng hợp ANTĐ/ Infonet)`: an agency alone."""
    if rules.source_in(sentence.strip()):
        return CreditFound("agency", agency=rules.agency_in(sentence))
    text = sentence.strip().strip("()./ ").strip()
    # At most nine pieces: a ninth is the rest of a longer sentence (most of them), which is no
    # tag, and is not cut into words; eight or fewer are all its words, as `split()` gives them.
    words = text.split(None, 8)
    if not words or len(words) > 8:
        return None
    first = rules.fold(words[0]).rstrip(":")
    if first in ("theo", "nguồn", "according"):
        words = words[1:]
    elif first == "tổng" and len(words) > 2:
        words = words[2:]
    rest = " ".join(words)
    parts = [p.strip() for p in re.split(r"[/,]|\s[-–]\s", rest) if p.strip()]
    if parts and all(rules.fold(p) in rules.agencies for p in parts):
        return CreditFound("agency", agency=rules.agencies[rules.fold(parts[0])])
    if first == "theo" and 0 < len(words) <= 5 and not _ends_as_sentence(sentence) and \
            all(_NAME_WORD.fullmatch(w) for w in words):
        return CreditFound("agency", agency=rules.agency_in(rest) or rest.strip("()"))
    return None


def sign_off(rules: CreditRules, sentence: str, last: bool) -> CreditFound | None:
    """The author's name standing as a sentence (`NGUYỆT PHƯƠNG`, `T.Tuyền`, `Thu Hà (TTXVN)`,
    `Gia Tùng Theo Inquirer, Telegraph`): up to four name words once the tails are cut, and no
    sentence end but an initial's dot. At the end of an article a longer signature passes when
    most of its words are names (`Thành Đạt Thể thao & Văn hóa`). What no name holds (the pack's
    `credit_not_name`: a date, a time word and a number, a clause after a comma) keeps a line of
    the report without its final period text (`Tối 10/11, lực lượng cứu hộ đã có mặt`)."""
    stripped = sentence.strip()
    if _ends_as_sentence(stripped):
        return None
    if stripped.startswith("(") and stripped.endswith(")"):
        stripped = stripped[1:-1].strip()
    core = _name_core(rules, stripped)
    words = core.split()
    if not words or len(words) > 12 or rules.not_name_in(core):
        return None
    names = [w for w in words if _NAME_WORD.fullmatch(w)]
    if len(words) <= 4 and len(names) == len(words) or last and _NAME_WORD.fullmatch(words[0]) and (
            len(words) <= 3 or len(words) <= 10 and len(names) >= 0.6 * len(words)):
        agency = rules.agency_in(stripped[len(core):]) or rules.agency_in(core)
        # A name is the author; a longer signature (`Reporting by ...; Editing by ...`) is kept as a credit only.
        author = None if agency and rules.fold(core) in rules.agencies or len(words) > 4 else core
        return CreditFound("byline", author=author, agency=agency)
    return None


# In order: the first that matches names the credit.
CREDIT_RULES = (related_link, video_prompt, photo_credit, agency_tag, sign_off)


def credit_of(rules: CreditRules, sentence: str, last: bool) -> CreditFound | None:
    """What kind of credit the sentence is (None: a sentence of the report). `last`: it is at the
    end of the article, or only credits follow it."""
    for rule in CREDIT_RULES:
        if found := rule(rules, sentence, last):
            return found
    return None


def dangling_opening(rules: CreditRules, sentence: str) -> str | None:
    """The opening of `sentence` that points outside it (`Ông này`, `Tuy nhiên`), or None."""
    if not rules.dangling:
        return None
    # Openers are a few words: the head of the sentence is folded, not all of it (a summary reads
    # every sentence of a story), and one pattern of them all, longest first, tries it.
    m = rules.dangling_pattern.match(rules.fold(sentence.lstrip("\"“‘«(")[:rules.dangling_reach]))
    return m.group(0) if m else None


@dataclass(slots=True)
class Split:
    """Sentence spans, caption spans and credits (sign-offs, agency tags, links, prompts) of a text."""

    sentences: list[tuple[int, int]]
    captions: list[Caption]
    credits: list[Credit] = field(default_factory=list)


def _is_abbreviation(rules: SentenceRules, text: str, dot: int) -> bool:
    """Whether the period at `dot` ends an abbreviation (TP., ThS., v.v.) or an initial (N.)."""
    start = dot
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in "(\"“":
        start -= 1
    word = text[start:dot].lower()
    if not word:
        return False
    if word in rules.abbreviations or word.rstrip(".") in rules.abbreviations:
        return True
    return len(word) == 1 and word.isalpha() and _initial_of_a_name(rules, text, start)


def _initial_of_a_name(rules: SentenceRules, text: str, start: int) -> bool:
    """Whether the one letter at `start` (before a period) is a person's initial, not the end of a
    sentence that closes on a letter (`29 độ C. Phương…`, `bảng F. Tuy nhiên`, `so với Z. Xperia`):
    an initial follows a capitalised word (`Jillian C. York`), a title or honorific (`ca sĩ T. H`,
    `bà V.`), or opens its sentence (a byline `T. LŨY`); a letter after any other word in lower case
    is no name's."""
    before = text[max(0, start - 60):start].split()
    if not before:
        return True
    last = before[-1].strip("\"“”‘’«»()[]")
    if not last or last[-1] in ".!?…:;" or not last[0].isalpha() or last[0].isupper():
        return True
    words = [w.strip("\"“”‘’«»()[]").lower() for w in before[-rules.person_words_span:]]
    return any(" ".join(words[k:]) in rules.person_words for k in range(len(words)))


def _sentence_spans(rules: SentenceRules, text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    cursor = start
    for m in _BOUNDARY.finditer(text, start, end):
        cut = m.end()
        if m.group(0) and m.group(0)[0] == "." and _is_abbreviation(rules, text, m.start()):
            continue
        if text[cursor:cut].strip():
            spans.append((cursor, cut))
        cursor = cut
        while cursor < end and text[cursor].isspace():
            cursor += 1
    if cursor < end and text[cursor:end].strip():
        spans.append((cursor, end))
    # Trim whitespace inside spans so offsets point at text.
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def split(text: str, pack: LanguagePack | None = None) -> Split:
    """Split a stored text into body sentences, photo captions and credits, with the words of
    `pack` (default: Vietnamese).

    A paragraph that ends with a photo credit (`... Ảnh: Hiếu Nguyễn`) is a caption. Inside a
    paragraph (texts flattened to one line), the sentence that carries a credit is a caption and
    the credit is cut off the text that follows it. A sentence that is a sign-off, an agency tag, a
    related link or a video prompt is a credit (`credit_of`), wherever it stands; a related link
    inside a sentence (`... >> Tường thuật ...`) is cut off it.
    """
    from . import lang

    pack = pack or lang.get("vi")
    rules = pack.view("sentences", SentenceRules)
    spans: list[tuple[int, int]] = []
    captions: list[Caption] = []
    for p_start, p_end in _paragraphs(text):
        body = text[p_start:p_end]
        # Only a short paragraph is a caption, so a long one is not searched for its credit (the
        # pattern opens with optional parts: a search tries it at every character of the paragraph).
        whole = rules.paragraph_credit.search(body) if len(body) < 400 else None
        if whole:
            captions.append(Caption(p_start, p_end, body, whole.group("credit").strip()))
            continue
        cursor = p_start
        for c in rules.inline_credit.finditer(body):
            c_start, c_end = p_start + c.start(), p_start + c.end()
            if c_start < cursor:
                continue
            credit = c.group("dotted")
            groups = c.groupdict()
            if (bracketed := groups.get("bracketed")) is not None:
                credit = bracketed.strip() or None  # `(Ảnh minh họa)` names no one
            elif groups.get("phrase") is not None:
                credit = None  # `- Ảnh do người dân cung cấp` names no one either
            elif credit is None:
                name = "bare" if c.group("bare") is not None else "dashed"
                bare_start = p_start + c.start(name)
                words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text[bare_start:p_start + c.end(name)])]
                after = re.match(r"\s*\)?\s*(\S+)", text[bare_start + words[-1][1]:p_end])
                k = credit_name_length([text[bare_start + a:bare_start + b] for a, b in words],
                                       after.group(1) if after else None, rules.name_stops)
                if name == "dashed":
                    # No colon says it is a credit: only where the line ends, a link follows or a
                    # word that opens a sentence does (`- Ảnh Hồ Chí Minh được in ...` stays text).
                    nxt = text[bare_start + words[k][0]:bare_start + words[k][1]] if k < len(words) else \
                        (after.group(1) if after else None)
                    if not (nxt is None or nxt.startswith(">>") or nxt in rules.name_stops):
                        continue
                c_end = bare_start + words[k - 1][1]
                if c_end < p_end and text[c_end] == ")":
                    c_end += 1
                credit = text[bare_start:bare_start + words[k - 1][1]]
                if (glued := _glued_at(credit)) is not None:  # `N.KhánhÔng Hoàng ...`
                    credit, c_end = credit[:glued], bare_start + glued
                if rules.after_name and (m := rules.after_name.match(text, c_end, p_end)):
                    c_end = m.end()
            # The caption is the piece between the last sentence end before the credit and the credit.
            found = _sentence_spans(rules, text, cursor, c_start)
            cap_start = found[-1][0] if found else c_start
            spans.extend(found[:-1])
            captions.append(Caption(cap_start, c_end, text[cap_start:c_end].strip(), credit))
            cursor = c_end
        spans.extend(_sentence_spans(rules, text, cursor, p_end))
    sentences, credits = _credits_apart(pack, text, spans)
    return Split(sentences, captions, credits)


# A rule drawn in characters (`-----`, `_____`, `=====`, `*****`) parts what is before it from what
# is after (`QUỐC LINH ------------------ * Tin bài liên quan:`): a line break that lost its line.
_RULE_LINE = re.compile(r"-{4,}|_{4,}|={4,}|\*{4,}")


def _paragraphs(text: str) -> Iterator[tuple[int, int]]:
    """The spans of the lines of `text`, a line cut where a rule is drawn in it."""
    for para in re.finditer(r"[^\n]+", text):
        start, end = para.span()
        line = para.group(0)
        if "----" not in line and "____" not in line and "====" not in line and "****" not in line:
            yield start, end
            continue
        for m in _RULE_LINE.finditer(text, start, end):
            yield from _trimmed(text, start, m.start())
            start = m.end()
        yield from _trimmed(text, start, end)


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        yield start, end


_LOWER_THEN_CAPITAL = re.compile(r"(?<=[^\W\d_])(?<![" + CAPITALS + r"])(?=[" + CAPITALS + r"])")


def _glued_at(name: str) -> int | None:
    """Where the next sentence starts inside a credit's name whose space was lost (`N.KhánhÔng`:
    a lower-case letter, then a capital, after an initial's dot or a space of the name; `VnExpress`
    and `McCain` are names), or None."""
    m = _LOWER_THEN_CAPITAL.search(name)
    if m is None or "." not in name[:m.start()] and " " not in name[:m.start()]:
        return None
    return m.start()


def _credits_apart(pack: LanguagePack, text: str, spans: list[tuple[int, int]]
                   ) -> tuple[list[tuple[int, int]], list[Credit]]:
    """The spans that are sentences of the report, and the credits among them (read from the end:
    the sign-offs that close an article are `last`, as is any credit only credits follow)."""
    rules = pack.view("credits", CreditRules)
    if not (rules.links or rules.prompts or rules.photos or rules.tails or rules.agencies):
        return spans, []
    rules = rules.within(text)
    keep: list[tuple[int, int]] = []
    credits: list[Credit] = []
    last = True
    for s, e in reversed(spans):
        if cut := _link_before(rules, text[s:e]):
            credits.append(Credit(s, s + cut, text[s:s + cut].rstrip(), "link"))
            s += cut
        if rules.fronts and (front := front_credit(rules, text[s:e])):
            cut, found = front
            piece = text[s:s + cut].rstrip()
            credits.append(Credit(s, s + len(piece), piece, found.kind, found.author, found.agency))
            s += cut
            if code := _BRACKETED_CODE.match(text, s, e):
                # The outlet's dateline the photo's label stood before: its code names the
                # outlet as `(Vietnam+)` alone does, an agency tag; the report starts after it.
                piece = text[s:code.end()].rstrip()
                name = piece[1:piece.rindex(")")].strip()
                credits.append(Credit(s, s + len(piece), piece, "agency", None, rules.agency_in(name) or name))
                s = code.end()
        piece = text[s:e]
        found = credit_of(rules, piece, last)
        if found is None and (cut := _link_inside(rules, piece)) is not None:
            credits.append(Credit(s + cut, e, text[s + cut:e], "link"))
            e = s + cut
            while e > s and text[e - 1].isspace():
                e -= 1
            piece = text[s:e]
            found = credit_of(rules, piece, last) if piece.strip() else None
        if found is None:
            if e > s:
                keep.append((s, e))
            last = False
            continue
        credits.append(Credit(s, e, piece, found.kind, found.author, found.agency))
    keep.reverse()
    if keep and text[:keep[0][0]].strip() and (found_code := dateline_after_front(pack, text, *keep[0])):
        cut, code = found_code
        s, e = keep[0]
        piece = text[s:s + cut].rstrip()
        credits.append(Credit(s, s + len(piece), piece, "agency", None, code and (rules.agency_in(code) or code)))
        keep[0] = (s + cut, e)
    credits.sort(key=lambda c: c.start)
    return keep, credits


def dateline_after_front(pack: LanguagePack, text: str, start: int, end: int) -> tuple[int, str | None] | None:
    """The outlet's dateline opening the text's first sentence when only captions or credits stand
    before it (`... Việt Nam (Ảnh: Thu Trang) NDĐT- Sự kiện ...`, 12327401): ingest takes a dateline
    off only at the text's top, where it was not. The pack's own `dateline` patterns, as ingest reads
    them (a date, a code or a place matched); where the report starts in the sentence and the
    outlet's code (brackets off), or None."""
    from .lang.loader import PackError

    try:
        rules = pack.patterns("dateline")
    except PackError:  # a pack without datelines
        return None
    sentence = text[start:end]
    for rule in rules:
        m = rule.pattern.match(sentence)
        groups = m.groupdict() if m else {}
        if m and m.end() < len(sentence) and (groups.get("date") or groups.get("code") or groups.get("place")):
            return m.end(), groups["code"].strip("()").strip() if groups.get("code") else None
    return None


_INNER_LINK = re.compile(r"\s(?:>>|»)\s")
_LEADING_TITLE = re.compile(r"^\[[^\[\]]{8,200}\]\s+(?=\S)")


def _link_inside(rules: CreditRules, piece: str) -> int | None:
    """Where a related link starts inside a sentence (`... - Ảnh Theverge >> Tường thuật ...`)."""
    if not rules.links:
        return None
    m = _INNER_LINK.search(piece)
    return m.start() + 1 if m else None


def _link_before(rules: CreditRules, piece: str) -> int:
    """Where the sentence starts after a related title glued before it (`[Nguyên thủ ... G-20] Trong ...`)."""
    m = _LEADING_TITLE.match(piece) if rules.links else None
    return m.end() if m else 0


# ---------------------------------------------------------------- words and language


def segment_words(text: str, language: str = "vi") -> list[str]:
    """Words of a sentence: the pack's word segmenter (underthesea for Vietnamese, which keeps
    names such as `Lương Tam Quang` whole, see docs/decisions.md), else Unicode word tokens."""
    from . import lang

    pack = lang.get(language) if language in lang.REGISTRY else None
    segmenter = pack.hook("segment_words") if pack else None
    if segmenter is None:
        return TOKEN.findall(text)
    return pack.view("segmenter", segmenter)(text)


_LETTER = re.compile(r"[^\W\d_]")
_VI_MARKS = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE)


def detect_language(text: str) -> str:
    """ISO 639-1 code. Vietnamese is recognised by its letters at once (exact on news text, and far faster
    than a classifier); anything else goes to py3langid."""
    head = text[:400]
    if len(_VI_MARKS.findall(head)) >= 12:  # Vietnamese prose marks about one letter in five
        return "vi"
    sample = text[:2000]
    letters = len(_LETTER.findall(sample))
    if not letters:
        return "und"
    if len(_VI_MARKS.findall(sample)) / letters > 0.03:
        return "vi"
    import py3langid  # imported on first use: loading its model takes ~0.1 s

    return py3langid.classify(sample)[0]


@functools.cache
def _bare_table() -> dict[int, str]:
    table = {ord("đ"): "d", ord("Đ"): "D"}
    for code in range(0xC0, 0x1F00):
        base = unicodedata.normalize("NFD", chr(code))
        if len(base) > 1 and base[0].isascii() and base[0].isalpha():
            table[code] = base[0]
    return table


_COMBINING = re.compile(r"[\u0300-\u036f]")


def bare(text: str) -> str:
    """`text` without tone marks or other marks, `đ` as `d` (`Lương` -> `Luong`): what a reader types
    on a keyboard without Vietnamese input. Case is kept."""
    return _COMBINING.sub("", text.translate(_bare_table()))
