"""Search: the query language, its FTS5 expression, and snippets with the matches marked.

A query is words (`bão`), phrases in quotes (`"hòa bình"`), prefixes (`Philip*`), the operators
AND, OR, NOT written in capitals, and brackets; words side by side must all match. Matching is
case-free, and tone-free for a word written without marks (`luong tam quang` finds `Lương Tam
Quang`, as people type on a phone); a word written with its marks finds those marks only (`bão`
is a storm, not `báo`, `bảo`, `bao`), since an analyst who types them means them. The full-text
index holds every text twice, as its matching key (`lang.tokens`: lower case, one tone placement,
so `hoà` is `hòa`) and tone-free (`text.bare`). A phrase marks some words and not others (`Hà
Noi`): it is matched tone-free and its marked spelling only adds to the score.
Several plain words also ask for themselves as a phrase, which only adds to the score, so
`hoà bình` ranks the phrase above `phường Bình Hòa`.

The parser is written by hand: the grammar is six rules, and each word must be rewritten into the
two spellings of the index; Lucene-syntax parsers (luqum) bring fields, ranges, boosts and fuzzy
terms that would each have to be refused again.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .lang import tokens
from .model import BadParameter
from .text import TOKEN, bare

# Column weights of bm25 over (title, text, title_bare, text_bare): a title match counts as four
# body matches, and the exact-tone columns count twice their tone-free twins.
RANK_WEIGHTS = (8.0, 2.0, 4.0, 1.0)
# A search ranks the newest RANK_WINDOW matches first (bm25 costs ~40 µs a match it orders), then
# the older ones: see Store.search and docs/decisions.md (Web).
RANK_WINDOW = 1000
EXACT_COLUMNS = "{title text}"
BARE_COLUMNS = "{title_bare text_bare}"
OPERATORS = ("AND", "OR", "NOT")


class QueryError(BadParameter):
    """A query that cannot be read; the message is one line that names the query."""

    key = "bad_query"  # a page says it in its own words, the message as its detail


@dataclass(frozen=True, slots=True)
class Term:
    """A word or a phrase of the query, as the index spells it (its matching key)."""

    words: tuple[str, ...]
    prefix: bool = False

    @property
    def bare(self) -> tuple[str, ...]:
        return tuple(bare(w) for w in self.words)

    @property
    def exact(self) -> bool:
        """Every word written with its marks: matched as written (see the module's docstring)."""
        return bool(self.words) and all(bare(w) != w for w in self.words)


@dataclass(frozen=True, slots=True)
class All:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Any:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Without:
    kept: Node
    left_out: Node


Node = Term | All | Any | Without

_LEXEME = re.compile(r'\s*(?:(")|(\()|(\))|([^\s"()]+))')


def _lex(query: str) -> list[tuple[str, str]]:
    """(kind, text) pieces: `phrase`, `(`, `)`, `op`, `word`."""
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(query):
        m = _LEXEME.match(query, pos)
        if m is None or m.end() == pos:  # only spaces left
            break
        pos = m.end()
        if m.group(1):
            end = query.find('"', pos)
            if end < 0:
                inside = query[pos:]
                if tokens(inside):
                    raise QueryError(f"query {query!r}: a quote is not closed")
                break  # a lone `"` holds no word: nothing to look for
            out.append(("phrase", query[pos:end]))
            pos = end + 1
        elif m.group(2) or m.group(3):
            out.append((m.group(2) or m.group(3), m.group(2) or m.group(3)))
        elif m.group(4) in OPERATORS:
            out.append(("op", m.group(4)))
        else:
            out.append(("word", m.group(4)))
    return out


class _Parser:
    """or := and (OR and)* ; and := not not* (AND between two is optional) ; not := unit (NOT unit)* ;
    unit := word | phrase | ( or )."""

    def __init__(self, query: str):
        self.query = query
        self.pieces = _lex(query)
        self.at = 0

    def error(self, why: str) -> QueryError:
        return QueryError(f"query {self.query!r}: {why}")

    def peek(self) -> tuple[str, str] | None:
        return self.pieces[self.at] if self.at < len(self.pieces) else None

    def parse(self) -> Node | None:
        if not self.pieces:
            return None
        node = self.any()
        if self.peek() is not None:
            raise self.error("a closing bracket has no opening one")
        return node

    def any(self) -> Node | None:
        items = [self.all()]
        while self.peek() == ("op", "OR"):
            self.at += 1
            items.append(self.all())
        found = tuple(i for i in items if i is not None)
        return None if not found else found[0] if len(found) == 1 else Any(found)

    def all(self) -> Node | None:
        items = [self.without()]
        while (nxt := self.peek()) is not None and nxt not in (("op", "OR"), (")", ")")):
            if nxt == ("op", "AND"):
                self.at += 1
            items.append(self.without())
        found = tuple(i for i in items if i is not None)
        return None if not found else found[0] if len(found) == 1 else All(found)

    def without(self) -> Node | None:
        node = self.unit()
        while self.peek() == ("op", "NOT"):
            self.at += 1
            left_out = self.unit()
            if node is None:
                raise self.error("NOT needs something before it (`hòa NOT bình`)")
            if left_out is not None:
                node = Without(node, left_out)
        return node

    def unit(self) -> Node | None:
        piece = self.peek()
        if piece is None:
            raise self.error(f"{self.pieces[-1][1]} at the end needs something after it")
        kind, text = piece
        self.at += 1
        if kind == "op":
            before = "at the start" if self.at == 1 else f"after {self.pieces[self.at - 2][1]}"
            raise self.error(f"{text} {before} needs a word on each side")
        if kind == ")":
            raise self.error("a closing bracket has no opening one")
        if kind == "(":
            if self.peek() == (")", ")"):
                raise self.error("empty brackets")
            node = self.any()
            if self.peek() != (")", ")"):
                raise self.error("a bracket is not closed")
            self.at += 1
            return node
        prefix = kind == "word" and text.endswith("*")
        words = tuple(tokens(text.rstrip("*") if prefix else text))
        if prefix and not words:
            raise self.error(f"{text!r}: a prefix needs letters before the *")
        return Term(words, prefix) if words else None  # punctuation alone looks for nothing


def parse(query: str) -> Node | None:
    """The query's tree, None when it holds no word (`"`, `...`); QueryError on bad syntax."""
    return _Parser(query).parse()


def _phrase(words: tuple[str, ...], prefix: bool) -> str:
    # Each word is quoted: FTS5 then reads it as text, never as its own syntax.
    return " + ".join(f'"{w}"' for w in words) + (" *" if prefix else "")


def _term(t: Term) -> str:
    if t.exact:
        return f"{EXACT_COLUMNS}: ({_phrase(t.words, t.prefix)})"
    plain = f"{BARE_COLUMNS}: ({_phrase(t.bare, t.prefix)})"
    if t.bare == t.words:
        return plain
    return f"({plain} OR {EXACT_COLUMNS}: ({_phrase(t.words, t.prefix)}))"


def expression(node: Node) -> str:
    """The FTS5 MATCH expression of a query's tree (every piece in brackets: FTS5's own
    precedence never decides)."""
    if isinstance(node, Term):
        return _term(node)
    if isinstance(node, Without):
        return f"({expression(node.kept)} NOT {expression(node.left_out)})"
    joined = " AND " if isinstance(node, All) else " OR "
    inner = joined.join(expression(i) for i in node.items)
    if isinstance(node, All) and all(isinstance(i, Term) and not i.prefix for i in node.items):
        # Plain words side by side: the same words as one phrase score more (never match more).
        together = Term(tuple(w for i in node.items for w in i.words))  # type: ignore[union-attr]
        return f"(({inner}) OR {_term(together)})"
    return f"({inner})"


def filter_expression(node: Node) -> str:
    """The FTS5 expression that matches exactly what `expression(node)` matches, without what only
    adds to the score (the marked spelling of a partly marked phrase, plain words asked again as a
    phrase): a word's marked spelling is found only where its tone-free one is, and a phrase only where its words
    all are. For counting and filtering, where no rank is read: `Việt Nam` counts its 40k
    matches in a third of the time."""
    if isinstance(node, Term):
        if node.exact:
            return f"{EXACT_COLUMNS}: ({_phrase(node.words, node.prefix)})"
        return f"{BARE_COLUMNS}: ({_phrase(node.bare, node.prefix)})"
    if isinstance(node, Without):
        return f"({filter_expression(node.kept)} NOT {filter_expression(node.left_out)})"
    joined = " AND " if isinstance(node, All) else " OR "
    return "(" + joined.join(filter_expression(i) for i in node.items) + ")"


def wanted(node: Node | None) -> list[Term]:
    """The terms a match may show (those under NOT are left out)."""
    if node is None:
        return []
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Without):
        return wanted(node.kept)
    return [t for i in node.items for t in wanted(i)]


# ------------------------------------------------------------ snippets


@dataclass(frozen=True, slots=True)
class Snippet:
    """A passage of an article with the characters that match the query (offsets into `text`)."""

    text: str
    marks: tuple[tuple[int, int], ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"text": self.text, "marks": [list(m) for m in self.marks]}

    def parts(self) -> list[tuple[str, bool]]:
        """The text cut into (piece, is a match) for a face to render."""
        out, at = [], 0
        for s, e in self.marks:
            if s > at:
                out.append((self.text[at:s], False))
            out.append((self.text[s:e], True))
            at = e
        if at < len(self.text):
            out.append((self.text[at:], False))
        return out


def _matches(text: str, terms: list[Term]) -> list[tuple[int, int, int]]:
    """(start, end, term number) of every word of `text` that a term matches, tone-free; a
    phrase's words only where they stand together in order."""
    folded = bare(text.lower())
    if len(folded) != len(text):  # (a letter whose lower case or tone-free form is longer)
        return _matches_by_word(text, terms)
    if not any(t.bare and t.bare[0][:3] in folded for t in terms):
        return []  # most sentences of a long article hold no word of the query: no need to read them
    # Tone marks off the whole sentence at once: the words are where they were (one letter for one).
    words = [(m.start(), m.end(), m.group()) for m in TOKEN.finditer(folded)]
    at: dict[str, list[int]] = {}
    for i, (_, _, w) in enumerate(words):
        at.setdefault(w, []).append(i)
    found = []
    for n, term in enumerate(terms):
        want = term.bare
        if not want:
            continue
        if len(want) == 1 and term.prefix:
            starts = [i for i, (_, _, w) in enumerate(words) if w.startswith(want[0])]
        else:
            starts = at.get(want[0], [])
        for i in starts:
            if i + len(want) > len(words):
                continue
            ok = all(words[i + k][2] == w for k, w in enumerate(want[:-1]))
            last = words[i + len(want) - 1][2]
            if ok and (last.startswith(want[-1]) if term.prefix else last == want[-1]):
                found.append((words[i][0], words[i + len(want) - 1][1], n))
    return _as_written(text, terms, found)


def _as_written(text: str, terms: list[Term], found: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Of tone-free matches, those of a marked term (`Term.exact`) whose words are its spelling."""
    def kept(s: int, e: int, term: Term) -> bool:
        if not term.exact:
            return True
        key = tokens(text[s:e])
        if len(key) != len(term.words):
            return False
        head, last = key[:-1], key[-1]
        return head == list(term.words[:-1]) and (last.startswith(term.words[-1]) if term.prefix
                                                   else last == term.words[-1])
    return sorted(m for m in found if kept(m[0], m[1], terms[m[2]]))


_MARK = re.compile(r"[\u0300-\u036f]")  # a sentence not in NFC: read word by word


@functools.cache
def _spellings() -> dict[str, str]:
    """Tone-free lower-case letter -> every character that is it in some case and tones (`a` ->
    `aAàÀáÁ…ăĂ…âÂ…`): what `bare(c.lower())` makes of each character of the Basic Multilingual Plane."""
    out: dict[str, list[str]] = {}
    for code in range(0x20, 0x10000):
        c = chr(code)
        if 0xD800 <= code < 0xE000:
            continue
        folded = bare(c.lower())
        if len(folded) == 1 and folded != c:
            out.setdefault(folded, [folded]).append(c)
    return {k: "".join(v) for k, v in out.items()}


@functools.lru_cache(maxsize=4096)
def _word_pattern(word: str, prefix: bool) -> re.Pattern[str]:
    """Where a tone-free word of a term may stand in a text as written (any case and tones; not
    inside a longer run of letters; digits: anywhere): it finds every place `_matches` finds,
    and maybe more."""
    spellings = _spellings()
    body = "".join(f"[{re.escape(spellings[c])}]" if c in spellings else re.escape(c) for c in word)
    if not word or not word[0].isalpha():
        return re.compile(body)
    return re.compile(r"(?<![^\W\d_])" + body + ("" if prefix else r"(?![^\W\d_])"))


def _matches_by_word(text: str, terms: list[Term]) -> list[tuple[int, int, int]]:
    words = [(m.start(), m.end(), bare(m.group().lower())) for m in TOKEN.finditer(text)]
    found = []
    for n, term in enumerate(terms):
        want = term.bare
        for i in range(len(words) - len(want) + 1):
            ok = all(words[i + k][2] == w for k, w in enumerate(want[:-1]))
            last = words[i + len(want) - 1][2]
            ok = ok and (last.startswith(want[-1]) if term.prefix else last == want[-1])
            if ok:
                found.append((words[i][0], words[i + len(want) - 1][1], n))
    return _as_written(text, terms, found)


def snippet(sentences: list[str], title: str, node: Node | None, width: int = 220) -> Snippet:
    """The sentence that holds the most of the query's terms (the title when none does), cut to
    about `width` characters around its first match at word boundaries, with every match marked."""
    terms = wanted(node)
    best, best_hits, best_score = title, _matches(title, terms), -1
    present = [[_word_pattern(w, t.prefix and k == len(t.bare) - 1) for k, w in enumerate(t.bare)] for t in terms]
    for s in sentences:
        if best_score >= 0 and not _MARK.search(s):
            # At most this many terms can match (each of their words stands in the sentence, in
            # any case and tones): a sentence that cannot beat the best so far is not read word by word.
            if sum(all(p.search(s) for p in words) for words in present) <= best_score:
                continue
        hits = _matches(s, terms)
        score = len({n for _, _, n in hits})
        if score > best_score or (score == best_score and best is title):
            best, best_hits, best_score = s, hits, score
        if score == len(terms):
            break
    if best_score <= 0:
        best, best_hits = title, _matches(title, terms)
    text, offset, end = best, 0, len(best)
    if len(best) > width:
        first = best_hits[0][0] if best_hits else 0
        start = max(0, min(first - width // 3, len(best) - width))
        end = min(len(best), start + width)
        if start > 0:  # cut at word boundaries
            start = best.find(" ", start) + 1 or start
        if end < len(best) and best.rfind(" ", start, end) > start:
            end = best.rfind(" ", start, end)
        piece = best[start:end]
        start += len(piece) - len(piece.lstrip())
        lead = "…" if start > 0 else ""
        text = lead + best[start:end].strip() + ("…" if end < len(best) else "")
        offset = start - len(lead)
    marks: list[tuple[int, int]] = []
    for s, e, _ in best_hits:
        if s - offset >= (1 if offset else 0) and e <= end and (not marks or s - offset >= marks[-1][1]):
            marks.append((s - offset, e - offset))
    return Snippet(text, tuple(marks))
