"""Vietnamese-first text layer: cleaning, matching keys, sentences, words, language.

Two forms of a text exist:
- the *stored* form (`clean`): Unicode NFC, whitespace cleaned, original tone marks and quotes kept
  for display; every offset in newsfuse points into it;
- the *matching key* (`fold`): one tone-mark placement (`hoà` = `hòa`, `thuỷ` = `thủy`, via
  vi-textmatch), lower case, one kind of quote. `fold` preserves length, so a position in the key
  is the same position in the stored text.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from vi_textmatch.tone import TONE_PAIRS_SECOND_TO_FIRST

from .model import Caption

if TYPE_CHECKING:
    from .lang import LanguagePack

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
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
# `uy`, never after `q`), applied in one pass over the lower-cased text: the library's two passes
# before lower-casing cost 1.4x as much (bench/fold_speed.py) and a cache of texts or syllables
# gains nothing over it; the test holds the two equal on the shared corpus.
_SECOND_VOWEL_TONE = re.compile(r"o[àáảãạèéẻẽẹ](?![^\W\d_])|(?<!q)u[ỳýỷỹỵ](?![^\W\d_])")
_FIRST_VOWEL_TONE = {pair: first + plain for pair, (first, plain) in (
    (o + mark, TONE_PAIRS_SECOND_TO_FIRST[mark]) for o, marks in (("o", "àáảãạèéẻẽẹ"), ("u", "ỳýỷỹỵ")) for mark in marks)}


def fold(text: str) -> str:
    """Matching key of a stored text: same length, one tone placement, lower case, plain quotes."""
    text = _SECOND_VOWEL_TONE.sub(lambda m: _FIRST_VOWEL_TONE[m.group(0)], text.lower())
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
    folding (`lang.tokens` passes the one that keeps what it folded)."""
    return TOKEN.findall(key(text))


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


# ---------------------------------------------------------------- sentences

# Written by hand: the sentence splitters on PyPI either need data that cannot be downloaded
# here (nltk), move closing quotes into the next sentence and join captions (underthesea), or
# miss `TP. Hà Nội` and run at ~0.5 MB/s (pysbd) -- too slow for 2,000 articles/s. What a language
# adds (abbreviations, the words of a photo credit) comes from its pack.

# End punctuation, then closing quotes/brackets, then space, then what can open a sentence.
_BOUNDARY = re.compile(r"(?:[.!?]+|…)[\"”’»)\]]*(?=\s+[\"“‘«(\[]?[" + CAPITALS + r"0-9])")
_NAME = r"[" + CAPITALS + r"0-9][^\s.()]*"


class SentenceRules:
    """A pack's sentence data, compiled: its abbreviations, and its photo credits: a paragraph that
    ends with a credit, or inside a flattened paragraph a credit of a few capitalised words before a
    period, else the shortest run of them before the next capitalised word."""

    def __init__(self, pack: LanguagePack) -> None:
        self.abbreviations = frozenset(pack.words("sentence_abbreviations"))
        credit = r"(?:" + "|".join(map(re.escape, pack.words("credit_words"))) + r")\s*:\s*"
        self.paragraph_credit = re.compile(r"\(?" + credit + r"(?P<credit>[^.:()\n]{1,40}?)\)?\.?$")
        self.inline_credit = re.compile(
            r"[-–(]?\s*\(?" + credit
            + r"(?:(?P<dotted>" + _NAME + r"(?:\s+" + _NAME + r"){0,3})\)?\."
            + r"|(?P<bare>" + _NAME + r"(?:\s+" + _NAME + r"){0,2}?)\)?(?=\s+[" + CAPITALS + r"]))"
        )


@dataclass(slots=True)
class Split:
    """Sentence spans and caption spans of a text, as (start, end) offsets."""

    sentences: list[tuple[int, int]]
    captions: list[Caption]


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
    return len(word) == 1 and word.isalpha()


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
    """Split a stored text into body sentences and photo captions, with the words of `pack`
    (default: Vietnamese).

    A paragraph that ends with a photo credit (`... Ảnh: Hiếu Nguyễn`) is a caption. Inside a
    paragraph (texts flattened to one line), the sentence that carries a credit is a caption and
    the credit is cut off the text that follows it.
    """
    from . import lang

    rules = (pack or lang.get("vi")).view("sentences", SentenceRules)
    sentences: list[tuple[int, int]] = []
    captions: list[Caption] = []
    for para in re.finditer(r"[^\n]+", text):
        p_start, p_end = para.span()
        body = text[p_start:p_end]
        whole = rules.paragraph_credit.search(body)
        if whole and len(body) < 400:
            captions.append(Caption(p_start, p_end, body, whole.group("credit").strip()))
            continue
        cursor = p_start
        for c in rules.inline_credit.finditer(body):
            c_start, c_end = p_start + c.start(), p_start + c.end()
            # The caption is the piece between the last sentence end before the credit and the credit.
            spans = _sentence_spans(rules, text, cursor, c_start)
            cap_start = spans[-1][0] if spans else c_start
            for s in spans[:-1]:
                sentences.append(s)
            credit = c.group("dotted") or c.group("bare")
            captions.append(Caption(cap_start, c_end, text[cap_start:c_end].strip(), credit))
            cursor = c_end
        sentences.extend(_sentence_spans(rules, text, cursor, p_end))
    return Split(sentences, captions)


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
