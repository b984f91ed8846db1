"""Vietnamese-first text layer: cleaning, matching keys, sentences, words, language.

Two forms of a text exist:
- the *stored* form (`clean`): Unicode NFC, whitespace cleaned, original tone marks and quotes kept
  for display; every offset in newsfuse points into it;
- the *matching key* (`fold`): one tone-mark placement (`hoà` = `hòa`, `thuỷ` = `thủy`, via
  vi-textmatch), lower case, one kind of quote. `fold` preserves length, so a position in the key
  is the same position in the stored text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from vi_textmatch.tone import normalize_tone

from .model import Caption

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# str.translate with a dict is slow on non-ASCII text; a few str.replace calls run in C.
_FOLD_PAIRS = (("“", '"'), ("”", '"'), ("„", '"'), ("«", '"'), ("»", '"'), ("‘", "'"), ("’", "'"), ("`", "'"),
               ("–", "-"), ("—", "-"), ("‒", "-"), ("−", "-"))


def clean(text: str) -> str:
    """The stored form: NFC, no zero-width characters, one space between words, one blank line
    between paragraphs, no blanks at line ends."""
    text = _ZERO_WIDTH.sub("", unicodedata.normalize("NFC", text))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


@lru_cache(maxsize=512)  # one article's text is folded by several stages in a row (search, copies, stories)
def fold(text: str) -> str:
    """Matching key of a stored text: same length, one tone placement, lower case, plain quotes."""
    text = normalize_tone(text).lower()
    for a, b in _FOLD_PAIRS:
        if a in text:
            text = text.replace(a, b)
    return text


# A token is a number with its inner separators (26/6, 25-27/6, 5.000, 3,5) or a run of letters.
TOKEN = re.compile(r"\d+(?:[.,/:\-]\d+)*|[^\W\d_]+(?:['’][^\W\d_]+)?")


def tokens(text: str) -> list[str]:
    """Folded syllables (Vietnamese) or words (space-separated languages) and numbers."""
    return TOKEN.findall(fold(text))


def syllable_count(text: str) -> int:
    return len(TOKEN.findall(text))


# ---------------------------------------------------------------- sentences

# Written by hand: the sentence splitters on PyPI either need data that cannot be downloaded
# here (nltk), move closing quotes into the next sentence and join captions (underthesea), or
# miss `TP. Hà Nội` and run at ~0.5 MB/s (pysbd) -- too slow for 2,000 articles/s.
_ABBREVIATIONS = frozenset(
    """tp tt ts ths pgs gs bs ks ls ns nxb ubnd hđnd tw q p ng st mr mrs ms dr prof no vs tr
    đ th kts cn vd gđ pgđ ct pct""".split()
)
_UPPER = "A-ZÀ-ỸĐ"
# End punctuation, then closing quotes/brackets, then space, then what can open a sentence.
_BOUNDARY = re.compile(
    r"(?:[.!?]+|…)[\"”’»)\]]*(?=\s+[\"“‘«(\[]?[" + _UPPER + r"0-9])"
)
_CREDIT_WORD = r"(?:Ảnh|Nguồn ảnh|Ảnh minh họa|Ảnh minh hoạ|Photo)\s*:\s*"
# A paragraph that ends with a credit is a caption.
_PARAGRAPH_CREDIT = re.compile(r"\(?" + _CREDIT_WORD + r"(?P<credit>[^.:()\n]{1,40}?)\)?\.?$")
# Inside a flattened paragraph: the credit is a few capitalised words before a period, or else
# the shortest run of them before the next capitalised word.
_NAME = r"[" + _UPPER + r"0-9][^\s.()]*"
_INLINE_CREDIT = re.compile(
    r"[-–(]?\s*\(?" + _CREDIT_WORD
    + r"(?:(?P<dotted>" + _NAME + r"(?:\s+" + _NAME + r"){0,3})\)?\."
    + r"|(?P<bare>" + _NAME + r"(?:\s+" + _NAME + r"){0,2}?)\)?(?=\s+[" + _UPPER + r"]))"
)


@dataclass(slots=True)
class Split:
    """Sentence spans and caption spans of a text, as (start, end) offsets."""

    sentences: list[tuple[int, int]]
    captions: list[Caption]


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the period at `dot` ends an abbreviation (TP., ThS., v.v.) or an initial (N.)."""
    start = dot
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in "(\"“":
        start -= 1
    word = text[start:dot].lower()
    if not word:
        return False
    if word in _ABBREVIATIONS or word.rstrip(".") in _ABBREVIATIONS:
        return True
    return len(word) == 1 and word.isalpha()


def _sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    cursor = start
    for m in _BOUNDARY.finditer(text, start, end):
        cut = m.end()
        if m.group(0) and m.group(0)[0] == "." and _is_abbreviation(text, m.start()):
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


def split(text: str) -> Split:
    """Split a stored text into body sentences and photo captions.

    A paragraph that ends with a photo credit (`... Ảnh: Hiếu Nguyễn`) is a caption. Inside a
    paragraph (texts flattened to one line), the sentence that carries a credit is a caption and
    the credit is cut off the text that follows it.
    """
    sentences: list[tuple[int, int]] = []
    captions: list[Caption] = []
    for para in re.finditer(r"[^\n]+", text):
        p_start, p_end = para.span()
        body = text[p_start:p_end]
        whole = _PARAGRAPH_CREDIT.search(body)
        if whole and len(body) < 400:
            captions.append(Caption(p_start, p_end, body, whole.group("credit").strip()))
            continue
        cursor = p_start
        for c in _INLINE_CREDIT.finditer(body):
            c_start, c_end = p_start + c.start(), p_start + c.end()
            # The caption is the piece between the last sentence end before the credit and the credit.
            spans = _sentence_spans(text, cursor, c_start)
            cap_start = spans[-1][0] if spans else c_start
            for s in spans[:-1]:
                sentences.append(s)
            credit = c.group("dotted") or c.group("bare")
            captions.append(Caption(cap_start, c_end, text[cap_start:c_end].strip(), credit))
            cursor = c_end
        sentences.extend(_sentence_spans(text, cursor, p_end))
    return Split(sentences, captions)


# ---------------------------------------------------------------- words and language


@lru_cache(maxsize=1)
def _underthesea_word_tokenize():
    from underthesea import word_tokenize

    return word_tokenize


def segment_words(text: str, language: str = "vi") -> list[str]:
    """Words of a sentence: underthesea for Vietnamese (keeps names such as `Lương Tam Quang`
    whole, see docs/decisions.md), Unicode word tokens for any other language."""
    if language == "vi":
        return _underthesea_word_tokenize()(text)
    return TOKEN.findall(text)


@lru_cache(maxsize=1)
def _langid():
    import py3langid

    return py3langid


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
    return _langid().classify(sample)[0]
