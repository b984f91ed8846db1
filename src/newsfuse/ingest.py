"""Read news from files into `Article` records.

Formats: plain text (with datelines, author lines and photo captions parsed), JSONL (the
VietnameseMDS `articles.jsonl` shape), HTML pages (trafilatura), RSS/Atom feeds (feedparser),
and folders of any of these. Reading never touches the store: it yields articles and
`Rejection`s, and the caller stores the articles of a batch in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date as date_, datetime, timezone
from pathlib import Path
from typing import Any

from . import lang
from .config import IngestConfig
from .lang import LanguagePack
from .model import Article, Sentence
from .lang import tokens
from .text import clean, detect_language, split

TEXT_SUFFIXES = {".txt", ".text", ""}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
FEED_SUFFIXES = {".rss", ".atom", ".xml"}
TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t"}
MIN_WORDS = 5  # fewer words than this is a fragment (a caption, a broken page), not a report
KNOWN_SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | JSONL_SUFFIXES | HTML_SUFFIXES | FEED_SUFFIXES | set(TABLE_SUFFIXES) | {".json"}
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


class IngestError(ValueError):
    """A one-line, user-facing reason why an input was not taken."""


@dataclass(slots=True)
class Rejection:
    origin: str  # "path" or "path:line"
    reason: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.reason}"


# ---------------------------------------------------------------- dates

_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T,]+(\d{1,2}):(\d{2}))?$")


def parse_date(value: Any) -> str | None:
    """An ISO 8601 prefix (`2023`, `2023-06`, `2023-06-26`, `2023-06-26T10:00`) or None.

    Raises IngestError for a value that is present but is no real date (`2023-13-45`).
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (int, float)):
        raise IngestError(f"date {value!r} is a number, expected ISO 8601 text")
    s = str(value).strip()
    try:
        if re.fullmatch(r"\d{4}", s):
            return s
        if re.fullmatch(r"\d{4}-\d{2}", s):
            datetime.strptime(s, "%Y-%m")
            return s
        m = _DMY.match(s)
        if m:
            d, mo, y, hh, mm = m.groups()
            dt = datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0))
            return _iso(dt, with_time=bool(hh))
        dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        try:
            from email.utils import parsedate_to_datetime

            dt = parsedate_to_datetime(s)
        except (TypeError, ValueError, IndexError, OverflowError):
            raise IngestError(f"date {s!r} cannot be read as a date") from None
    return _iso(dt, with_time=len(s) > 10)


def too_late(published: str, today: date_, days: int) -> str | None:
    """Why `published` (an ISO prefix, as `parse_date` gives) cannot be a report's date, when its
    earliest day (`2027` is 2027-01-01) is more than `days` after `today`; else None."""
    try:
        y, m, d = (int(x) for x in (published[:10].split("-") + ["1", "1"])[:3])
        first = date_(y, m, d)
    except ValueError:
        return None
    if (first - today).days <= days:
        return None
    return f"date {published!r} is more than {days} days after the ingest's day ({today.isoformat()})"


def ingest_day(config: IngestConfig) -> date_:
    """The day an ingest is taken to run on (`IngestConfig.today`, else the wall clock's, UTC)."""
    return config.today or datetime.now(timezone.utc).date()


def guessed_date(value: str | None, config: IngestConfig) -> str | None:
    """A date an extractor guessed from a page (trafilatura), as `parse_date` reads it, or None when
    it cannot be read or lies beyond `too_late`'s margin: a guess is a hint, not data the user gave,
    so it is dropped where a date the input states would reject the article."""
    try:
        published = parse_date(value)
    except IngestError:
        return None
    if published and too_late(published, ingest_day(config), config.future_days):
        return None
    return published


def _iso(dt: datetime, with_time: bool) -> str:
    """`2023-06-26` or `2023-06-26T10:00`, with the UTC offset when the input gave one
    (`2023-06-26T23:30+07:00`): the local day is what the report's own day words count from, so
    the time stays local rather than moved to UTC. The year always has four digits (strftime writes
    year 1 as `1`, which sorts after 2023)."""
    day = f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}"
    if not with_time:
        return day
    offset = dt.utcoffset()
    zone = ""
    if offset is not None:
        minutes = int(offset.total_seconds() // 60)
        zone = f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return f"{day}T{dt.hour:02d}:{dt.minute:02d}{zone}"


# ---------------------------------------------------------------- plain-text metadata

@dataclass(slots=True)
class PlainParts:
    body: str
    published: str | None
    outlet_code: str | None
    author: str | None


def parse_plain(text: str, pack: LanguagePack | None = None) -> PlainParts:
    """Take the dateline off the top and the author line off the top or the bottom of a cleaned
    text, as the language's pack writes them (`date 2023-06 TPO - `, `HANOI, Oct 28 (Reuters) -`;
    `By Sarah Collins`, the name alone on the last line)."""
    pack = pack or lang.get("vi")
    published = code = author = None
    for rule in pack.patterns("byline"):
        if rule.fields.get("at") == "first_line":
            first, _, rest = text.partition("\n")
            if (m := rule.pattern.match(first.strip())) and rest.strip():
                author, text = m.group("author"), rest.lstrip()
                break
    for rule in pack.patterns("dateline"):
        m = rule.pattern.match(text)
        groups = m.groupdict() if m else {}
        if m and (groups.get("date") or groups.get("code") or groups.get("place")):
            published = parse_date(groups["date"]) if groups.get("date") else None
            code = groups["code"].strip("()").strip() if groups.get("code") else None
            text = text[m.end():]
            break
    for rule in pack.patterns("byline"):
        if rule.fields.get("at", "last_line") == "last_line" and author is None:
            paragraphs = text.rsplit("\n", 1)
            last = paragraphs[1].strip() if len(paragraphs) == 2 else ""
            if last and len(last) <= rule.fields.get("max_length", 40) and (m := rule.pattern.match(last)):
                author = m.groupdict().get("author") or last
                text = paragraphs[0].rstrip()
    return PlainParts(text, published, code, author)


# ---------------------------------------------------------------- building articles


def content_hash(text: str, toks: list[str] | None = None) -> str:
    """Stable id of a text: independent of Unicode form, tone placement, case and spacing."""
    toks = tokens(text) if toks is None else toks
    return hashlib.blake2b(" ".join(toks).encode(), digest_size=8).hexdigest()


def build_article(
    text: str,
    *,
    origin: str,
    id: str | None = None,
    title: str | None = None,
    source: str | None = None,
    url: str | None = None,
    published: Any = None,
    author: str | None = None,
    lead: str | None = None,
    extra: dict[str, Any] | None = None,
    body_tokens: list[str] | None = None,
    body_words: list[str] | None = None,
) -> Article:
    """Clean, parse and split one article. Raises IngestError when it cannot be an article.

    `body_tokens`, when a list is given, receives the body's matching-key tokens
    (`text.tokens(article.text)`): later stages start from them, and computing them again was a
    fifth of a big ingest's parsing time. `body_words`, likewise, receives `article.text.split()`
    (what the tokens were read from; the copy signer reads them too)."""
    if not isinstance(text, str):
        raise IngestError(f"text must be a string, got {type(text).__name__}")
    cleaned = clean(text)
    language = detect_language(cleaned)
    pack = lang.for_language(language)
    parts = parse_plain(cleaned, pack)
    body = parts.body
    words = body.split()
    toks = tokens(body, words)
    if not toks:
        raise IngestError("no text")
    if len(toks) < MIN_WORDS:
        raise IngestError(f"too little text for an article ({len(toks)} words)")
    date = parse_date(published) or parts.published
    extra = dict(extra or {})
    if parts.outlet_code:
        extra.setdefault("outlet_code", parts.outlet_code)
    if id is not None and not isinstance(id, (str, int)):
        shown = "a fraction" if isinstance(id, float) else type(id).__name__
        raise IngestError(f"id must be text or a whole number, got {shown} ({str(id)[:40]})")
    spans = split(body, pack)
    if spans.credits:
        # Sign-offs, agency tags, links and prompts are no sentences; the author and agency they name
        # are kept (the input's own author first).
        extra.setdefault("credits", [[c.start, c.end, c.kind, c.author, c.agency] for c in spans.credits])
        signed = [c for c in spans.credits if c.kind == "byline" and c.author]
        if signed and not (author or parts.author):
            author = signed[-1].author
        agencies = [c.agency for c in spans.credits if c.agency]
        if agencies:
            extra.setdefault("agency", agencies[-1])
    digest = content_hash(body, toks)
    article_id = str(id) if id not in (None, "") else digest
    sentences = [Sentence(article_id, i, s, e, body[s:e]) for i, (s, e) in enumerate(spans.sentences)]
    if not title:
        title = sentences[0].text if sentences else body.split("\n", 1)[0]
        if len(title) > 200:
            title = title[:197].rsplit(" ", 1)[0] + "…"
    if body_tokens is not None:
        body_tokens.extend(toks)
    if body_words is not None:
        body_words.extend(words)
    return Article(
        id=article_id,
        text=body,
        title=clean(title),
        source=source or parts.outlet_code,
        url=url,
        published=date,
        author=author or parts.author,
        lead=clean(lead) if lead else None,
        language=language,
        content_hash=digest,
        origin=origin,
        sentences=sentences,
        captions=spans.captions,
        extra=extra,
    )


# ---------------------------------------------------------------- bytes to text


def _not_utf8_bytes(data: bytes, limit: int = 3) -> tuple[int, int, list[int]]:
    """How `data` fails to be UTF-8: its well-formed non-ASCII UTF-8 characters, its bytes that are
    no part of one, and the offsets of the first `limit` of those."""
    text = data.decode("utf-8", "surrogateescape")  # each stray byte becomes one of U+DC80..U+DCFF
    bad = len(_ESCAPED_BYTE.findall(text))
    valid = len(_NON_ASCII.findall(text)) - bad
    offsets: list[int] = []
    start = 0
    while len(offsets) < limit:
        try:
            data[start:].decode("utf-8")
            break
        except UnicodeDecodeError as e:
            offsets.append(start + e.start)
            start += e.end
    return valid, bad, offsets


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
_NON_ASCII = re.compile("[^\x00-\x7f]")
# chardet's confidence below which its name is not offered: on a right guess it gives 0.15 for two
# lines of French in cp1252 and 0.3-0.5 for the corpus's articles in cp1258; on UTF-8 with two
# stray Latin-1 bytes it named hp-roman8, iso8859-16, cp852 (ibm866 in issue) at 0.0-0.04.
GUESS_CONFIDENCE = 0.1


def decode(data: bytes, origin: str, encoding: str | None = None) -> str:
    """Bytes to text, the same for every `encoding` on text whose encoding the bytes show: a BOM
    (UTF-8, UTF-16, UTF-32) is its encoding, and bytes that are UTF-8 with non-ASCII characters
    are UTF-8; `encoding` reads the rest (pure ASCII, legacy text). Text that is UTF-8 but for a
    few bytes is refused whatever `encoding` says (no one encoding reads it), naming the bytes; a
    legacy text without `encoding` is refused naming the encoding chardet sees, when it is sure
    enough. See docs/decisions.md, Encodings."""
    if not data.strip():
        raise IngestError("empty file")
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
                     (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(enc)
            except UnicodeDecodeError as e:
                raise IngestError(f"broken {enc} text: {e.reason} at byte {e.start}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        first = e.start
    else:
        # ASCII reads the same in every encoding a news file is in, but for UTF-16 without a BOM
        # (its zero bytes are ASCII too), which the user's --encoding then names.
        if not encoding or not data.isascii():
            return text
        first = -1
    if first >= 0:
        valid, bad, offsets = _not_utf8_bytes(data)
        if valid > bad:
            # A legacy encoding would read the bytes that are not UTF-8 and garble every UTF-8
            # letter around them (`GiÃ¡ vÃ ng`).
            many = "s" if bad > 1 else ""
            at = ", ".join(f"0x{data[o]:02X} at {_byte_place(data, o)}" for o in offsets)
            raise IngestError(f"UTF-8 but for {bad} byte{many} ({at}{', ...' if bad > len(offsets) else ''}): "
                              f"no one encoding reads it, --encoding would garble its UTF-8 letters; "
                              f"mend or remove {'those bytes' if bad > 1 else 'that byte'}") from None
    if encoding:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError) as e:
            raise IngestError(f"cannot decode as {encoding}: {e}") from None
    # chardet, not charset-normalizer: charset-normalizer named cp1250 or cp1257 for French
    # and German text in cp1252 (its advice stored `ŕ Paris`); chardet weighs letter sequences
    # of each language and names cp1252, cp1250, cp1258 rightly on the same files.
    import chardet

    guess = chardet.detect(data[:200_000])
    name = (guess.get("encoding") or "").lower()
    if not name or b"\x00" in data[:4096] and not name.startswith("utf-16"):
        raise IngestError(f"binary data, not text (byte {first} is not UTF-8)")
    if (guess.get("confidence") or 0.0) < GUESS_CONFIDENCE:
        raise IngestError(f"not UTF-8 (0x{data[first]:02X} at {_byte_place(data, first)}) and its encoding cannot "
                          "be told from its bytes; re-run with --encoding ENCODING (cp1258 for Vietnamese from "
                          "Windows, cp1252 for Western Europe)")
    raise IngestError(f"not UTF-8 (looks like {name}); re-run with --encoding {name}")


def _byte_place(data: bytes, offset: int) -> str:
    """`byte 1234`, and its line in a text of several lines (`byte 1234, line 7`)."""
    if b"\n" not in data.rstrip(b"\r\n"):
        return f"byte {offset}"
    line = data.count(b"\n", 0, offset) + 1
    return f"byte {offset}, line {line}"


# ---------------------------------------------------------------- formats


def _read_bytes(path: Path, config: IngestConfig, limit: int | None) -> bytes:
    size = path.stat().st_size
    if limit is not None and size > limit:
        raise IngestError(f"file too large for one article ({size / 1e6:.1f} MB > {limit / 1e6:.0f} MB)")
    return path.read_bytes()


def path_id(path: Path) -> str:
    """The id of a file's one article when ids come from paths (`IngestConfig.path_ids`): the
    resolved path, so `inbox/a.txt` and `./inbox/a.txt` are one article."""
    return hashlib.blake2b(f"file:{path.resolve()}".encode(), digest_size=8).hexdigest()


def read_text_file(path: Path, config: IngestConfig) -> Iterator[Article]:
    data = _read_bytes(path, config, config.max_article_bytes)
    text = decode(data, str(path), config.encoding)
    article_id = path_id(path) if config.path_ids else None
    if "<html" in text[:1000].lower():
        yield from read_html(text, str(path), config, id=article_id)
        return
    if path.suffix.lower() in MARKDOWN_SUFFIXES:
        title, text = markdown_text(text)
        yield build_article(text, origin=str(path), id=article_id, title=title)
        return
    yield build_article(text, origin=str(path), id=article_id)


def markdown_text(source: str) -> tuple[str | None, str]:
    """The title (the first heading's text) and the plain text of a Markdown document, as
    markdown-it (CommonMark, with tables) reads it: each block (paragraph, list item, quote, later
    heading, table row, code block) a paragraph; emphasis, code and link markup gone, a link's text
    kept and its address dropped, as trafilatura keeps a page's; images (their alt text describes a
    picture, it is no sentence of the report) and HTML tags dropped, the text between tags kept."""
    from markdown_it import MarkdownIt

    tokens_ = MarkdownIt("commonmark").enable("table").parse(source)
    title: str | None = None
    paragraphs: list[str] = []
    row: list[str] | None = None
    in_heading = False
    for tok in tokens_:
        if tok.type == "heading_open":
            in_heading = True
        elif tok.type == "heading_close":
            in_heading = False
        elif tok.type == "tr_open":
            row = []
        elif tok.type == "tr_close" and row is not None:
            paragraphs.append(" | ".join(cell for cell in row if cell))
            row = None
        elif tok.type == "inline":
            words = _markdown_inline(tok.children or [])
            if row is not None:
                row.append(words)
            elif in_heading and title is None:
                title = words or None
            elif words:
                paragraphs.append(words)
        elif tok.type in ("fence", "code_block") and tok.content.strip():
            paragraphs.append(tok.content.strip())
        elif tok.type == "html_block" and (words := _html_to_text(tok.content).strip()):
            paragraphs.append(words)
    return title, "\n\n".join(p for p in paragraphs if p.strip())


def _markdown_inline(children: list[Any]) -> str:
    out = []
    for child in children:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type == "softbreak":  # a line break inside a paragraph is a space (CommonMark)
            out.append(" ")
        elif child.type == "hardbreak":
            out.append("\n")
    return "".join(out).strip()


# A paragraph closed by its own `</p>` after a `<div>` it holds, with nothing but inline markup and
# divs between: `<p>... Quảng Ninh <div>với sức gió cấp 12.</div> Hơn 5.000 ...</p>`.
_PARAGRAPH = re.compile(r"<p(?:\s[^>]*)?>(?:(?!<p[\s>]|</p\s*>).)*?</p\s*>", re.IGNORECASE | re.DOTALL)
_DIV_TAG = re.compile(r"<(/?)div\b", re.IGNORECASE)
_OTHER_BLOCK = re.compile(r"<(?:address|article|aside|blockquote|dl|fieldset|figure|footer|form|h[1-6]|header|hr|"
                          r"main|nav|ol|pre|section|table|ul|script|style)\b", re.IGNORECASE)


def divs_inside_paragraphs_inline(html: str) -> str:
    """`html` with the divs a paragraph holds made spans. An HTML parser (lxml's, a browser's)
    closes a `<p>` at a `<div>`, so the div's text and the rest of the paragraph stand outside any
    paragraph, and trafilatura drops both in every mode (`favor_recall` keeps them only on a page
    of nothing else, as lines apart): issue 13's `nest.html` lost two sentences, and outlet-shaped
    pages with one such paragraph lose 695 of 7,032 sentences (bench/html_recall.py). Only a
    paragraph its author closed after the div, holding no other block, is touched, so a page of
    unclosed `<p>`s keeps its layout."""
    if "<div" not in html and "<DIV" not in html:
        return html

    def inline(m: re.Match[str]) -> str:
        body = m.group(0)
        if not _DIV_TAG.search(body) or _OTHER_BLOCK.search(body):
            return body
        tags = [t.group(1) for t in _DIV_TAG.finditer(body)]
        if tags.count("") != tags.count("/"):
            return body
        return _DIV_TAG.sub(lambda t: f"<{t.group(1)}span", body)

    return _PARAGRAPH.sub(inline, html)


def read_html(html: str, origin: str, config: IngestConfig, url: str | None = None,
              id: str | None = None) -> Iterator[Article]:  # noqa: A002
    import trafilatura

    html = divs_inside_paragraphs_inline(html)
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    if doc is None or len(tokens(doc.text or "")) < MIN_WORDS:
        raise IngestError("no article text found in the HTML")
    text = doc.text
    if doc.title and text.startswith(doc.title):  # trafilatura repeats the headline as line one
        text = text[len(doc.title):].lstrip()
    published = guessed_date(doc.date, config)
    yield build_article(text, origin=origin, id=id, title=doc.title, source=doc.sitename or doc.hostname,
                        url=doc.url or url, published=published, author=doc.author)


def origin_order(origin: str) -> tuple[str, int]:
    """A sort key of `path:line` origins (and of lines that start with one): `path:12` after `path:2`."""
    head, _, rest = origin.partition(": ")
    path, _, line = head.rpartition(":")
    return (path, int(line)) if path and line.isdigit() else (head, 0)


def id_reused(article_id: str) -> str:
    """Why a record is refused whose id another text has (the store makes it a version instead)."""
    return f"id {article_id!r} is already used by another text"


def first_of_each(articles: Sequence[Article]) -> tuple[list[Article], dict[str, str], list[Rejection]]:
    """For a stateless run over a file (`newsfuse cluster`, `summarize`), the rule a store and an
    archive apply: of articles with the same text the first stays and the others repeat it (id ->
    the id they repeat); an id used again for another text is rejected, naming the line that has it."""
    kept: list[Article] = []
    repeats: dict[str, str] = {}
    rejected: list[Rejection] = []
    by_text: dict[str, str] = {}
    by_id: dict[str, Article] = {}
    for a in articles:
        seen = by_id.get(a.id)
        if seen is not None:
            if seen.content_hash != a.content_hash:
                rejected.append(Rejection(a.origin, f"{id_reused(a.id)} ({seen.origin})"))
            continue  # else the same line again
        by_id[a.id] = a
        first = by_text.get(a.content_hash)
        if first is not None:
            repeats[a.id] = first
            continue
        by_text[a.content_hash] = a.id
        kept.append(a)
    return kept, repeats, rejected


_JSON_FIELDS = {"id", "source", "url", "date", "title", "lead", "text", "author", "published", "outlet"}


def article_from_json(obj: Any, origin: str, body_tokens: list[str] | None = None,
                      body_words: list[str] | None = None) -> Article:
    """One article from a JSON object (articles.jsonl fields; unknown fields kept in `extra`;
    `body_tokens` and `body_words` as in `build_article`)."""
    if not isinstance(obj, dict):
        raise IngestError(f"expected a JSON object, got {type(obj).__name__}")
    text = obj.get("text")
    if text is None or (isinstance(text, str) and not text.strip()):
        raise IngestError("no 'text' field" if text is None else "empty 'text'")
    for name in ("title", "source", "outlet", "url", "author", "lead"):
        if obj.get(name) is not None and not isinstance(obj[name], str):
            raise IngestError(f"'{name}' must be text, got {type(obj[name]).__name__}")
    for name, value in obj.items():
        _require_unicode(name, value)
    if isinstance(obj.get("id"), int) and not isinstance(obj["id"], bool) and abs(obj["id"]) >= 10**64:
        raise IngestError("'id' is a number too large to be an id")
    return build_article(
        text,
        origin=origin,
        id=obj.get("id"),
        title=obj.get("title"),
        source=obj.get("source") or obj.get("outlet"),
        url=obj.get("url"),
        published=obj.get("date", obj.get("published")),
        author=obj.get("author"),
        lead=obj.get("lead"),
        extra={k: v for k, v in obj.items() if k not in _JSON_FIELDS},
        body_tokens=body_tokens,
        body_words=body_words,
    )


def _require_unicode(name: str, value: Any) -> None:
    """JSON may escape half of a UTF-16 pair (`"\\ud800"`); such a string cannot be stored as UTF-8."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as e:
            raise IngestError(f"'{name}' holds a lone UTF-16 surrogate (\\u{ord(value[e.start]):04x}) at character "
                              f"{e.start}") from None
    elif isinstance(value, (dict, list)):
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise IngestError(f"'{name}' holds a lone UTF-16 surrogate") from None


def _where(text: str, e: json.JSONDecodeError) -> str:
    """Where the JSON broke: a line and column in a document; in one line (a JSONL line, named by
    its caller with its number in the file) its character, or its end, since the decoder counts the
    line's own newline as a second line (`line 2 column 1` for a line cut short)."""
    body = text.rstrip("\r\n")
    if "\n" in body:
        return f"at line {e.lineno} column {e.colno}"
    return "at the end of the line" if e.pos >= len(body.rstrip()) else f"at character {e.pos + 1}"


def _not_json_constant(name: str) -> Any:
    raise IngestError(f"not JSON ({name} is no JSON value)")


def loads_json(text: str) -> Any:
    """`json.loads` whose every failure is an IngestError: deep nesting (RecursionError), an
    integer of more than 4,300 digits (ValueError), broken syntax, and Python's extensions to
    JSON (`NaN`, `Infinity`: no JSON writer makes them, and no stored field means them)."""
    try:
        return json.loads(text, parse_constant=_not_json_constant)
    except json.JSONDecodeError as e:
        # json's own messages end some of theirs with "at" (`Unterminated string starting at`,
        # `Invalid control character ... at`): the place follows once (`at character 35`).
        raise IngestError(f"not JSON ({e.msg.removesuffix(' at')} {_where(text, e)})") from None
    except RecursionError:
        raise IngestError("JSON nested too deeply") from None
    except IngestError:
        raise
    except ValueError as e:  # an integer too long to read
        raise IngestError(f"not JSON we can read ({str(e).split(';')[0]})") from None


def _parse_jsonl_line(origin: str, raw: bytes, config: IngestConfig,
                      body_tokens: list[str] | None = None, body_words: list[str] | None = None
                      ) -> Article | Rejection:
    if len(raw) > config.max_article_bytes:
        return Rejection(origin, f"line too large ({len(raw) / 1e6:.1f} MB > {config.max_article_bytes / 1e6:.0f} MB)")
    try:
        return article_from_json(loads_json(decode(raw, origin, config.encoding)), origin, body_tokens,
                                 body_words)
    except IngestError as e:
        return Rejection(origin, str(e))
    except Exception as e:  # noqa: BLE001 - any other failure on one line is that line's rejection
        return Rejection(origin, unexpected(e))


def unexpected(e: BaseException) -> str:
    """One line for an error no rule above foresaw (a parser library's own exception)."""
    message = " ".join(str(e).split())[:200]
    return f"cannot be read ({type(e).__name__}{': ' + message if message else ''})"


def _parse_jsonl_chunk(chunk: list[tuple[str, bytes]], config: IngestConfig) -> list[Article | Rejection]:
    return [_parse_jsonl_line(origin, raw, config) for origin, raw in chunk]


# What a chunk of parsed items becomes before it leaves the parsing process: `finish(items,
# body_tokens, parse_seconds[, body_words])`, where `body_tokens[k]` are the matching-key tokens of
# `items[k]` and `body_words[k]` the words of its text (`text.split()`; both empty for a rejection,
# and for articles of formats whose tokens were not kept) and `parse_seconds` the time the chunk
# took to parse. A JSONL chunk gives `body_words`; a chunk of other files does not.
Finish = Callable[..., Any]


def _finish_jsonl_chunk(chunk: list[tuple[str, bytes]], config: IngestConfig, finish: Finish) -> Any:
    t = time.perf_counter()
    items, toks, words = [], [], []
    for origin, raw in chunk:
        kept: list[str] = []
        split_words: list[str] = []
        items.append(_parse_jsonl_line(origin, raw, config, kept, split_words))
        toks.append(kept)
        words.append(split_words)
    return finish(items, toks, time.perf_counter() - t, words)


# The finishing function of a parsing worker, handed over once by the pool's initializer (with
# fork, not pickled) so what it caches lives across chunks. The worker's own state, never the parent's.
_worker_finish: Finish | None = None


def _start_worker(finish: Finish) -> None:
    global _worker_finish
    _worker_finish = finish


def _finish_in_worker(chunk: list[tuple[str, bytes]], config: IngestConfig) -> Any:
    assert _worker_finish is not None
    return _finish_jsonl_chunk(chunk, config, _worker_finish)


_CHUNK_LINES = 512
_CHUNK_BYTES = 2 * 1024 * 1024  # a chunk ends at whichever comes first: memory in flight stays bounded
_PARALLEL_FROM_BYTES = 4 * 1024 * 1024  # below this, starting worker processes costs more than it saves


def _jsonl_chunks(path: Path) -> Iterator[list[tuple[str, bytes]]]:
    chunk: list[tuple[str, bytes]] = []
    size = 0
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, 1):
            if raw.strip():
                chunk.append((f"{path}:{n}", raw))
                size += len(raw)
                if len(chunk) == _CHUNK_LINES or size >= _CHUNK_BYTES:
                    yield chunk
                    chunk, size = [], 0
    if chunk:
        yield chunk


def _jsonl_batches(path: Path, config: IngestConfig, finish: Finish) -> Iterator[Any]:
    """`finish` of each chunk of a JSONL file in file order; big files are parsed (and finished)
    by `config.workers` processes."""
    _refuse_binary(path)
    workers = config.workers or os.cpu_count() or 1
    seen_any = False
    if workers > 1 and path.stat().st_size >= _PARALLEL_FROM_BYTES:
        from collections import deque

        from .workers import process_pool

        with process_pool(workers, _start_worker, (finish,)) as pool:
            pending: deque = deque()
            for chunk in _jsonl_chunks(path):
                pending.append(pool.submit(_finish_in_worker, chunk, config))
                if len(pending) > 2 * workers:  # bounded read-ahead keeps memory flat
                    seen_any = True
                    yield pending.popleft().result()
            while pending:
                seen_any = True
                yield pending.popleft().result()
    else:
        for chunk in _jsonl_chunks(path):
            seen_any = True
            yield _finish_jsonl_chunk(chunk, config, finish)
    if not seen_any:
        raise IngestError("empty file")


def _refuse_binary(path: Path) -> None:
    """A file whose first 4 KB hold a NUL byte is no JSONL text (a zip, an image, /dev/zero's kind):
    one rejection for the file, not one per newline byte it happens to hold. UTF-16 (its BOM) aside."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise IngestError(f"binary data, not JSONL text (a NUL byte at byte {head.find(0)})")


def _as_list(items: list[Article | Rejection], body_tokens: list[list[str]], parse_seconds: float,
             body_words: list[list[str]] | None = None) -> list[Article | Rejection]:
    return items


def read_jsonl(path: Path, config: IngestConfig) -> Iterator[Article | Rejection]:
    """Articles of a JSONL file in file order; big files are parsed by `config.workers` processes."""
    for items in _jsonl_batches(path, config, _as_list):
        yield from items


def read_table(path: Path, config: IngestConfig) -> Iterator[Article | Rejection]:
    """A CSV (or TSV) file with a header row naming the JSONL fields (`text`, `title`, `source`,
    `date`, `id`, ...): each row is one article, as a JSONL line would be."""
    import csv
    import io

    text = decode(_read_bytes(path, config, None), str(path), config.encoding)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=TABLE_SUFFIXES[path.suffix.lower()])
    if not reader.fieldnames or "text" not in reader.fieldnames:
        raise IngestError(f"no 'text' column in the header row (it has: {', '.join(reader.fieldnames or []) or 'nothing'})")
    for row in reader:
        origin = f"{path}:{reader.line_num}"
        try:
            if None in row:
                raise IngestError("more cells than the header has columns")
            yield article_from_json({k: v for k, v in row.items() if v not in (None, "")} | {"text": row["text"] or ""},
                                    origin)
        except IngestError as e:
            yield Rejection(origin, str(e))


def read_json(path: Path, config: IngestConfig) -> Iterator[Article | Rejection]:
    data = loads_json(decode(_read_bytes(path, config, None), str(path), config.encoding))
    items = data if isinstance(data, list) else [data]
    for i, obj in enumerate(items):
        origin = f"{path}[{i}]"
        try:
            yield article_from_json(obj, origin)
        except IngestError as e:
            yield Rejection(origin, str(e))
        except Exception as e:  # noqa: BLE001 - one object's failure is that object's rejection
            yield Rejection(origin, unexpected(e))


def _html_to_text(fragment: str) -> str:
    import lxml.html

    if not fragment.strip():
        return ""
    try:
        root = lxml.html.fromstring(fragment)
    except Exception:  # lxml raises bare ParserError for junk; the feed entry is then rejected
        return ""
    for br in root.iter("br", "p", "div", "li"):
        br.tail = "\n" + (br.tail or "")
    return root.text_content()


def read_feed(path: Path, config: IngestConfig) -> Iterator[Article | Rejection]:
    import feedparser

    data = _read_bytes(path, config, None)
    if not data.strip():
        raise IngestError("empty file")
    feed = feedparser.parse(data)
    if not feed.entries:
        why = getattr(feed, "bozo_exception", None)
        raise IngestError(f"not an RSS/Atom feed with entries ({why})" if why else "feed has no entries")
    outlet = feed.feed.get("title") or None
    link = feed.feed.get("link")
    if link:
        from urllib.parse import urlparse

        outlet = urlparse(link).hostname or outlet
    for i, entry in enumerate(feed.entries):
        origin = f"{path}#{entry.get('id') or i}"
        body = ""
        if entry.get("content"):
            body = _html_to_text(entry.content[0].get("value", ""))
        if not body.strip():
            body = _html_to_text(entry.get("summary", ""))
        published = entry.get("published") or entry.get("updated")
        try:
            yield build_article(
                body,
                origin=origin,
                id=entry.get("id") or None,
                title=_html_to_text(entry.get("title", "")) or None,
                source=outlet,
                url=entry.get("link"),
                published=published,
                author=entry.get("author"),
            )
        except IngestError as e:
            yield Rejection(origin, str(e))
        except Exception as e:  # noqa: BLE001 - one entry's failure is that entry's rejection
            yield Rejection(origin, unexpected(e))


def _looks_like_feed(path: Path) -> bool:
    with path.open("rb") as fh:
        head = fh.read(2048).lower()
    return b"<rss" in head or b"<feed" in head or b"<rdf" in head


def read_file(path: Path, config: IngestConfig) -> Iterator[Article | Rejection]:
    """Articles and rejections from one file; a file-level failure is one Rejection."""
    suffix = path.suffix.lower()
    try:
        if suffix in JSONL_SUFFIXES:
            yield from read_jsonl(path, config)
        elif suffix == ".json":
            yield from read_json(path, config)
        elif suffix in TABLE_SUFFIXES:
            yield from read_table(path, config)
        elif suffix in FEED_SUFFIXES or (suffix not in HTML_SUFFIXES and _looks_like_feed(path)):
            yield from read_feed(path, config)
        elif suffix in HTML_SUFFIXES:
            data = _read_bytes(path, config, config.max_article_bytes)
            yield from read_html(decode(data, str(path), config.encoding), str(path), config,
                                 id=path_id(path) if config.path_ids else None)
        elif suffix in TEXT_SUFFIXES or suffix in MARKDOWN_SUFFIXES:
            yield from read_text_file(path, config)
        else:
            raise IngestError(f"not a format newsfuse reads ({suffix}; it reads "
                              f"{', '.join(sorted(KNOWN_SUFFIXES - {''}))} and files without a suffix as text)")
    except IngestError as e:
        yield Rejection(str(path), str(e))
    except OSError as e:
        yield Rejection(str(path), f"cannot read: {e.strerror or e}")
    except Exception as e:  # noqa: BLE001 - whatever a parser library raises, the file is rejected, not the ingest
        yield Rejection(str(path), unexpected(e))


_SPECIAL_FILES = ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO"),
                  (stat.S_ISSOCK, "a socket"))


def _special(path: Path) -> Rejection | None:
    """A device, FIFO or socket is named as such: reading one may never end (`/dev/zero`)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    for test, kind in _SPECIAL_FILES:
        if test(mode):
            return Rejection(str(path), f"not a regular file ({kind})")
    return None


NOT_READ = "not a format newsfuse reads"
HIDDEN = "hidden"
HIDDEN_FOLDER = "hidden folder"


def _folder_files(folder: Path, skipped: list[tuple[str, str]] | None) -> list[Path | Rejection]:
    """The files under `folder` of the formats newsfuse reads, sorted by path; hidden files and
    folders (`.name`: `.git`, `.DS_Store`, an editor's `.a.txt.swp`, a download's `.part`) are not
    entered nor read, and files of other formats are not read: each is added to `skipped` as (path,
    why). A subfolder that cannot be listed is a rejection."""
    found: list[Path] = []
    passed: list[tuple[Path, str]] = []
    problems: list[Rejection] = []

    def unreadable(e: OSError) -> None:
        problems.append(Rejection(str(e.filename or folder), f"cannot read the folder: {e.strerror or e}"))

    for root, dirs, files in os.walk(folder, onerror=unreadable):
        here = Path(root)
        passed.extend((here / d, HIDDEN_FOLDER) for d in dirs if d.startswith("."))
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            f = here / name
            if name.startswith("."):
                passed.append((f, HIDDEN))
            elif f.suffix.lower() not in KNOWN_SUFFIXES:
                passed.append((f, NOT_READ))
            else:
                found.append(f)
    if skipped is not None:
        skipped.extend((str(f), why) for f, why in sorted(passed))
    return [*sorted(found), *problems]


def skipped_line(skipped: Sequence[tuple[str, str]], names: int = 5) -> str:
    """`skipped 3 files: in/c.png, in/d.pdf (not a format newsfuse reads), in/.a.txt (hidden)`: the
    count and the names by reason, at most `names` of each."""
    folders = sum(why == HIDDEN_FOLDER for _, why in skipped)
    files = len(skipped) - folders
    count = " and ".join(f"{n} {what}{'s' if n != 1 else ''}" for n, what in ((files, "file"), (folders, "folder")) if n)
    by_why: dict[str, list[str]] = {}
    for path, why in skipped:
        by_why.setdefault(why, []).append(path)
    parts = [", ".join(shown[:names]) + (f" and {len(shown) - names} more" if len(shown) > names else "") + f" ({why})"
             for why, shown in by_why.items()]
    return f"skipped {count}: {', '.join(parts)}"


def expand(paths: Iterable[str | Path], skipped: list[tuple[str, str]] | None = None) -> Iterator[Path | Rejection]:
    """Files named, and files under folders named (recursively, sorted, the formats newsfuse reads
    only; what a folder holds that is not read goes to `skipped`, see `_folder_files`). A file named
    itself is read whatever its name (a hidden one too), or rejected naming why."""
    for given in paths:
        if isinstance(given, str) and _URL.match(given):
            yield Rejection(given, "a web address, not a file: `newsfuse sources add URL` follows a site or a "
                                   "feed (its pages are fetched by `newsfuse watch`)")
            continue
        p = Path(given)
        if p.is_dir():
            for f in _folder_files(p, skipped):
                if isinstance(f, Rejection):
                    yield f
                elif not f.is_dir():  # a link to a folder is not followed (no loops)
                    yield f if f.is_file() else (_special(f) or Rejection(str(f), "no such file"))
        elif p.is_file():
            yield p
        else:
            yield _special(p) or Rejection(str(p), "no such file or folder")


def read(paths: Iterable[str | Path], config: IngestConfig | None = None) -> Iterator[Article | Rejection]:
    """Everything under `paths`, in order."""
    config = config or IngestConfig()
    for item in expand(paths):
        if isinstance(item, Rejection):
            yield item
        else:
            yield from read_file(item, config)


UNFINISHED_WAIT = 30.0  # seconds of quiet after which a file that looks cut off is read as it is


class FolderFollower:
    """New and rewritten files under folders, each taken only once it is whole: when its size and
    modification time have stayed the same for `settle` seconds, seen on two looks at least. A
    file that looks unfinished (empty; JSONL or CSV without its last line's newline; JSON or XML
    not closed) waits for `unfinished_wait` seconds of quiet instead: a writer pausing between two
    parts longer than `settle` is not read half-way (then taken as it is: a JSONL whose writer
    left off the final newline). A file renamed into place is whole at once. Hidden files and
    unknown suffixes (`.part`, `.tmp`, `.crdownload`) are never read."""

    def __init__(self, paths: Iterable[str | Path], *, settle: float = 2.0,
                 unfinished_wait: float = UNFINISHED_WAIT, clock: Callable[[], float] = time.monotonic):
        self.paths = [Path(p) for p in paths]
        self.settle = settle
        self.unfinished_wait = max(unfinished_wait, settle)
        self.clock = clock
        self._taken: dict[Path, tuple[int, int]] = {}  # what was read of each file (`take_settled`, `look`)
        self._seen: dict[Path, tuple[tuple[int, int], float]] = {}  # stamp, and since when it is so

    def look(self) -> list[Path]:
        """Files that are new or changed since they were taken, and unchanged for long enough."""
        t = self.clock()
        seen: dict[Path, tuple[tuple[int, int], float]] = {}
        ready = []
        for p in expand(self.paths):
            if not isinstance(p, Path):
                continue
            try:
                stamp = _stamp(p)
            except OSError:  # gone between the listing and the look
                continue
            before = self._seen.get(p)
            same = before is not None and before[0] == stamp
            seen[p] = (stamp, before[1] if same else t)
            if not same or self._taken.get(p) == stamp:
                continue
            if self._ready(p, stamp[0], t - seen[p][1]):
                ready.append(p)
        self._seen = seen
        for p in ready:
            self._taken[p] = seen[p][0]
        return sorted(ready)

    def take_settled(self, now: float | None = None) -> tuple[list[Path], list[Rejection]]:
        """At start: the files already quiet for long enough by their modification time (`now`:
        the wall clock), taken at once; the others wait for `look`. And the names that are no file."""
        now = time.time() if now is None else now
        settled, missing = [], []
        for p in expand(self.paths):
            if not isinstance(p, Path):
                missing.append(p)
                continue
            try:
                st = p.stat()
            except OSError:  # gone between the listing and the look
                continue
            if self._ready(p, st.st_size, now - st.st_mtime):
                settled.append(p)
                self._taken[p] = _stamp_of(st)
        return settled, missing

    def _ready(self, path: Path, size: int, quiet: float) -> bool:
        return quiet >= self.settle and (quiet >= self.unfinished_wait or looks_whole(path, size))

    def changed_since_taken(self, path: Path) -> bool:
        """The file was written to after it was taken (it is read again once it settles)."""
        try:
            return self._taken.get(path) != _stamp(path)
        except OSError:
            return False


def looks_whole(path: Path, size: int) -> bool:
    """False for a file that looks cut off where its writer has not finished: empty, a JSONL or
    CSV/TSV whose last line has no newline, a JSON or XML document whose end is not closed."""
    if size == 0:
        return False
    suffix = path.suffix.lower()
    if suffix not in JSONL_SUFFIXES and suffix not in TABLE_SUFFIXES and suffix not in FEED_SUFFIXES | {".json"}:
        return True  # a text or a page has no mark of its end
    try:
        with path.open("rb") as fh:
            fh.seek(max(0, size - 64))
            tail = fh.read()
    except OSError:
        return True  # the read says what is wrong
    tail = tail.rstrip(b"\x00")  # UTF-16 (read with its BOM) ends in a zero byte
    if suffix in JSONL_SUFFIXES or suffix in TABLE_SUFFIXES:
        return tail.endswith(b"\n")
    end = tail.rstrip()[-1:]
    return end in (b"}", b"]") if suffix == ".json" else end == b">"


def _stamp(path: Path) -> tuple[int, int]:
    return _stamp_of(path.stat())


def _stamp_of(st: os.stat_result) -> tuple[int, int]:
    # size and nanosecond time together: a rewrite within one second of the same size still differs
    return st.st_size, st.st_mtime_ns


def read_batches(paths: Iterable[str | Path], config: IngestConfig, finish: Finish,
                 skipped: list[tuple[str, str]] | None = None) -> Iterator[Any]:
    """Everything under `paths`, in order, in chunks of at most 512 items, each passed through
    `finish` (see `Finish`): in the parsing processes for big JSONL files, so that per-article
    work runs where the cores are, and here for everything else. What folders hold that is not
    read goes to `skipped` (`expand`)."""
    pending: list[Article | Rejection] = []
    parse_seconds = 0.0

    def done() -> Any:
        nonlocal pending, parse_seconds
        out = finish(pending, [[] for _ in pending], parse_seconds)
        pending, parse_seconds = [], 0.0
        return out

    for item in expand(paths, skipped):
        if isinstance(item, Rejection):
            pending.append(item)
            continue
        if item.suffix.lower() in JSONL_SUFFIXES:
            if pending:
                yield done()
            try:
                yield from _jsonl_batches(item, config, finish)
            except IngestError as e:
                pending.append(Rejection(str(item), str(e)))
            except OSError as e:
                pending.append(Rejection(str(item), f"cannot read: {e.strerror or e}"))
            except Exception as e:  # noqa: BLE001 - as `read_file`: the file is rejected, not the ingest
                pending.append(Rejection(str(item), unexpected(e)))
            continue
        t = time.perf_counter()
        for parsed in read_file(item, config):
            pending.append(parsed)
            if len(pending) == _CHUNK_LINES:
                parse_seconds += time.perf_counter() - t
                yield done()
                t = time.perf_counter()
        parse_seconds += time.perf_counter() - t
    if pending:
        yield done()
