"""What a followed source's answer says: RSS/Atom items (feedparser), sitemap and news-sitemap
entries, OPML outlines, feed links in an HTML page; and an article from a fetched page
(trafilatura, with the feed's own fields where the page lacks them).

Every XML document passes defusedxml first, which refuses entity declarations and external
references (an entity bomb, `SYSTEM "file:///etc/passwd"`) before any parser expands them:
feedparser strips only the entity declarations its regex recognises and expands the rest.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urljoin, urldefrag

from .config import IngestConfig
from .ingest import (MIN_WORDS, IngestError, _html_to_text, build_article, divs_inside_paragraphs_inline, guessed_date,
                     parse_date)
from .model import Article
from .text import tokens


class SourceError(ValueError):
    """A one-line reason a source's answer gave no items."""


@dataclass(slots=True)
class FeedItem:
    """One item a feed or sitemap lists: enough to fetch its page and to fall back on."""

    key: str  # the feed's guid, else the link
    url: str | None
    title: str | None = None
    author: str | None = None
    published: str | None = None  # as the feed wrote it
    summary: str = ""  # plain text
    content: str = ""  # plain text of the feed's full content, when it carries one

    @property
    def fingerprint(self) -> str:
        """Changes when the outlet changes the item: its page is fetched again (a new version)."""
        raw = "\x1f".join([self.url or "", self.title or "", self.published or "", self.summary, self.content])
        return hashlib.blake2b(raw.encode(), digest_size=8).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class SourceAnswer:
    kind: str  # "feed" | "sitemap" | "sitemap index" | "page"
    items: list[FeedItem] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # feeds a page names, or the sitemaps an index lists
    title: str | None = None
    notes: list[str] = field(default_factory=list)  # problems that did not stop the source


# ---------------------------------------------------------------- safe XML


_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.I)


def check_xml(data: bytes) -> bool:
    """Refuse entity declarations and external references; True when the XML is well-formed.
    Declarations can only stand in the prolog, before the root element: that is looked at as
    bytes too, for documents expat cannot decode (`encoding="windows-1258"`)."""
    import defusedxml.ElementTree as safe
    from defusedxml import DefusedXmlException

    start = re.search(rb"<(?![?!])[\w.-]", data)
    if _ENTITY_DECLARATION.search(data[: start.start() if start else len(data)]):
        raise SourceError("XML with entity declarations refused (an entity bomb or an external entity); "
                          "entities are never expanded")
    try:
        safe.fromstring(data)
        return True
    except DefusedXmlException as e:
        raise SourceError(f"XML with entity declarations or external references refused ({type(e).__name__}: "
                          f"{getattr(e, 'name', '') or e}); entities are never expanded") from None
    except Exception:  # noqa: BLE001 - not well-formed: the caller decides (ParseError, ValueError)
        return False


def _xml_root(data: bytes) -> str:
    """The root element's local name, read past the prolog (`rss`, `feed`, `urlset`, `html`)."""
    m = re.search(rb"<(?![?!])(?:[\w.-]+:)?([\w.-]+)", data[:4096])
    return m.group(1).decode().lower() if m else ""


def _looks_html(data: bytes, content_type: str) -> bool:
    head = data[:2048].lower()
    return "html" in content_type.lower() or b"<html" in head or b"<!doctype html" in head


def _closed(data: bytes, root: str) -> bool:
    """The document ends with its root's end tag: not cut off in transfer."""
    return re.search(rb"</(?:[\w.-]+:)?" + re.escape(root.encode()) + rb"\s*>\s*$", data[-512:], re.I) is not None


# ---------------------------------------------------------------- reading answers


def read_answer(data: bytes, content_type: str, url: str, max_items: int) -> SourceAnswer:
    """Items of a feed or sitemap, or the feed links of a page. Raises SourceError."""
    if not data.strip():
        raise SourceError("empty answer")
    root = _xml_root(data)
    if root == "html" or (root not in ("rss", "feed", "rdf", "urlset", "sitemapindex") and _looks_html(data, content_type)):
        links = discover_feeds(data, url)
        return SourceAnswer("page", links=links)
    if root not in ("rss", "feed", "rdf", "urlset", "sitemapindex"):
        raise SourceError(f"not a feed or sitemap: the document's root is <{root}>" if root
                          else "not a feed, sitemap or web page (no XML or HTML in the answer)")
    well_formed = check_xml(data)
    if not well_formed and not _closed(data, root):
        raise SourceError(f"truncated XML: the document stops before its closing </{root or 'root'}> tag")
    if root in ("urlset", "sitemapindex"):
        if not well_formed:
            raise SourceError("broken XML in the sitemap (not well-formed)")
        answer = read_sitemap(data)
    else:
        answer = read_feed(data, content_type, url)
        if not well_formed:
            answer.notes.append("the feed is not well-formed XML; read leniently")
    if answer.kind in ("feed", "sitemap"):
        _cap(answer, max_items)
    return answer


def _cap(answer: SourceAnswer, max_items: int) -> None:
    if len(answer.items) <= max_items:
        return
    total = len(answer.items)
    dated = [i for i in answer.items if _sortable_date(i.published)]
    if len(dated) == total:
        answer.items.sort(key=lambda i: _sortable_date(i.published) or "", reverse=True)
    answer.items = answer.items[:max_items]  # feeds list newest first; sitemaps sorted above when dated
    answer.notes.append(f"{total} items in one answer; took the {max_items} newest")


def _sortable_date(value: str | None) -> str | None:
    try:
        return parse_date(value)
    except IngestError:
        return None


def read_feed(data: bytes, content_type: str, url: str) -> SourceAnswer:
    import feedparser

    parsed = feedparser.parse(data, response_headers={"content-type": content_type or "application/xml"})
    if not parsed.entries:
        why = getattr(parsed, "bozo_exception", None)
        if parsed.get("version"):
            raise SourceError("the feed lists no items")
        raise SourceError(f"not an RSS/Atom feed ({why})" if why else "not an RSS/Atom feed")
    items, keyless, linkless, dateless = [], 0, 0, 0
    seen: set[str] = set()
    for entry in parsed.entries:
        link = entry.get("link") or None
        if link:
            link = urldefrag(urljoin(url, link))[0]
        key = entry.get("id") or link
        if not key:
            keyless += 1
            continue
        if key in seen:
            continue
        seen.add(key)
        linkless += link is None
        published = entry.get("published") or entry.get("updated")
        dateless += not published
        content = ""
        if entry.get("content"):
            content = _html_to_text(entry.content[0].get("value", "")).strip()
        items.append(FeedItem(key, link, _html_to_text(entry.get("title", "")).strip() or None,
                              entry.get("author") or None, published,
                              _html_to_text(entry.get("summary", "")).strip(), content))
    answer = SourceAnswer("feed", items, title=parsed.feed.get("title"))
    total = len(parsed.entries)
    if keyless:
        answer.notes.append(f"{keyless} of {total} items have neither a link nor an id (left out)")
    if not items:
        raise SourceError(f"none of the {total} items has a link or an id")
    if linkless:
        answer.notes.append(f"{linkless} of {total} items have no link (their feed text is used)")
    if dateless == len(items):
        answer.notes.append(f"none of the {total} items has a date (the pages' dates are used)")
    return answer


_SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
_NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


def read_sitemap(data: bytes) -> SourceAnswer:
    """A sitemap's page URLs (with Google News' title and publication date when present), or a
    sitemap index's child sitemaps, newest first."""
    import defusedxml.ElementTree as safe

    root = safe.fromstring(data)
    name = root.tag.rsplit("}", 1)[-1]

    def text(el: Any, path: str) -> str | None:
        found = el.find(path)
        return found.text.strip() if found is not None and found.text else None

    if name == "sitemapindex":
        children = [(text(s, f"{_SM}lastmod") or text(s, "lastmod") or "", text(s, f"{_SM}loc") or text(s, "loc"))
                    for s in root]
        links = [loc for _, loc in sorted(children, key=lambda c: c[0], reverse=True) if loc]
        if not links:
            raise SourceError("the sitemap index lists no sitemaps")
        return SourceAnswer("sitemap index", links=links)
    items = []
    for u in root:
        loc = text(u, f"{_SM}loc") or text(u, "loc")
        if not loc:
            continue
        news = u.find(f"{_NEWS}news")
        title = published = None
        if news is not None:
            title = text(news, f"{_NEWS}title")
            published = text(news, f"{_NEWS}publication_date")
        items.append(FeedItem(loc, loc, title, None, published or text(u, f"{_SM}lastmod") or text(u, "lastmod")))
    if not items:
        raise SourceError("the sitemap lists no pages")
    return SourceAnswer("sitemap", items)


_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/rdf+xml",
               "application/xml", "text/xml")


def discover_feeds(data: bytes | str, url: str) -> list[str]:
    """The feeds a page names: `<link rel="alternate" type="application/rss+xml">` first, then
    links whose address says rss/feed/atom."""
    import lxml.html

    try:
        doc = lxml.html.fromstring(data)
    except Exception:  # noqa: BLE001 - lxml raises bare ParserError on junk: a page that names no feed
        return []
    found: list[str] = []
    for link in doc.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "alternate" in rel and (link.get("type") or "").lower().split(";")[0].strip() in _FEED_TYPES and link.get("href"):
            found.append(urljoin(url, link.get("href")))
    for a in doc.iter("a"):
        href = a.get("href") or ""
        if re.search(r"(?:^|[/.?_-])(?:rss|feed|atom)(?:[/.?_-]|$)", href, re.I) and not href.startswith(("javascript:", "mailto:")):
            found.append(urljoin(url, href))
    return list(dict.fromkeys(found))


def read_opml(data: bytes) -> list[tuple[str, str | None]]:
    """(feed URL, title) of every outline with an xmlUrl (nested folders included)."""
    import defusedxml.ElementTree as safe
    from defusedxml import DefusedXmlException

    try:
        root = safe.fromstring(data)
    except DefusedXmlException as e:
        raise SourceError(f"OPML with entity declarations refused ({type(e).__name__})") from None
    except Exception as e:  # noqa: BLE001 - ParseError
        raise SourceError(f"not OPML: broken XML ({e})") from None
    if root.tag.lower() != "opml":
        raise SourceError(f"not OPML: the root element is <{root.tag}>")
    out = []
    for outline in root.iter("outline"):
        xml_url = outline.get("xmlUrl") or outline.get("xmlurl")
        if xml_url:
            out.append((xml_url.strip(), outline.get("title") or outline.get("text")))
    if not out:
        raise SourceError("the OPML file lists no feeds (no outline has an xmlUrl)")
    return out


# ---------------------------------------------------------------- pages


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)


def decode_page(body: bytes, content_type: str) -> str:
    """The page's text in the encoding its HTTP header or its `<meta charset>` names, else UTF-8;
    a page that is not UTF-8 and names no encoding is refused with the encoding it looks like."""
    m = _HEADER_CHARSET.search(content_type or "") or _META_CHARSET.search(body[:4096])
    if m:
        name = m.group(1).decode() if isinstance(m.group(1), bytes) else m.group(1)
        try:
            return body.decode(name)
        except LookupError:
            raise IngestError(f"the page names an unknown encoding {name!r}") from None
        except UnicodeDecodeError as e:
            raise IngestError(f"the page is not valid {name} (byte {e.start})") from None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        guess = from_bytes(body[:200_000]).best()
        looks = f" (looks like {guess.encoding.replace('_', '-')})" if guess else ""
        raise IngestError(f"the page is not UTF-8 and names no encoding{looks}") from None


@dataclass(slots=True)
class PageArticle:
    article: Article
    site_name: str | None


def page_article(body: bytes, content_type: str, url: str, item: FeedItem, *, article_id: str,
                 outlet: str | None, feed_url: str, config: IngestConfig, fallbacks: bool = False) -> PageArticle:
    """The article on a fetched page (trafilatura: main text, title, author, date); what the page
    lacks comes from the feed's item (its title, author, date, full content or summary)."""
    import trafilatura

    html = divs_inside_paragraphs_inline(decode_page(body, content_type))
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False, fast=not fallbacks)
    text = doc.text if doc is not None and doc.text else ""
    title = (doc.title if doc is not None else None) or item.title
    if doc is not None and doc.title and text.startswith(doc.title):  # trafilatura repeats the headline
        text = text[len(doc.title):].lstrip()
    if len(tokens(text)) < MIN_WORDS:
        text = item.content if len(tokens(item.content)) >= MIN_WORDS else item.summary
        if len(tokens(text)) < MIN_WORDS:
            raise IngestError("no article text found in the page, nor in the feed's item")
    return PageArticle(feed_article(item, article_id=article_id, outlet=outlet, feed_url=feed_url, config=config, text=text,
                                    title=title, author=doc.author if doc is not None else None,
                                    page_date=doc.date if doc is not None else None, url=url),
                       doc.sitename if doc is not None else None)


def feed_article(item: FeedItem, *, article_id: str, outlet: str | None, feed_url: str, config: IngestConfig,
                 text: str | None = None, title: str | None = None, author: str | None = None,
                 page_date: str | None = None, url: str | None = None) -> Article:
    """An article from what is known of an item: the page's fields first, the feed's after. The
    page's date is trafilatura's guess: one past the ingest's margin is dropped (`guessed_date`),
    not the page; the feed's own date is the outlet's word and is checked as stored data is."""
    text = text if text is not None else (item.content if len(tokens(item.content)) >= MIN_WORDS else item.summary)
    feed_date = _sortable_date(item.published)
    page = guessed_date(page_date, config)
    # The page's date unless the feed says the same day more precisely (trafilatura gives days).
    published = feed_date if page is None or (feed_date and feed_date.startswith(page)) else page
    lead = item.summary if item.summary and len(item.summary) <= 600 and item.summary != text else None
    return build_article(text, origin=url or item.url or item.key, id=article_id, title=title or item.title,
                         source=outlet, url=url or item.url, published=published, author=author or item.author,
                         lead=lead, extra={"feed": feed_url})
