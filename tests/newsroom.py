"""A local newsroom for the watch tests and bench/watch.py: real HTTP servers on loopback
addresses (127.0.0.x), in a thread, serving feeds, sitemaps and article pages built from the
seeds and the shared corpus. No other address is ever contacted.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VN = timezone(timedelta(hours=7))


@dataclass
class Route:
    body: bytes | Callable[[], bytes] = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = True  # answer If-None-Match with 304
    last_modified: str | None = None  # send it, and answer an If-Modified-Since that names it with 304
    delay: float = 0.0
    stream: int = 0  # send this many bytes of filler, without Content-Length


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    status: int


class Newsroom:
    """One HTTP server: `routes[path] = Route(...)`; `hits` logs every request."""

    def __init__(self, host: str = "127.0.0.1"):
        self.routes: dict[str, Route] = {}
        self.hits: list[Hit] = []
        room = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                route = room.routes.get(self.path)
                if route is None:
                    return self._send(404, b"not found", "text/plain", {})
                if route.delay:
                    time.sleep(route.delay)
                if route.stream:
                    room.hits.append(Hit(self.path, dict(self.headers), 200))
                    self.send_response(200)
                    self.send_header("Content-Type", route.content_type)
                    self.send_header("Connection", "close")
                    self.end_headers()
                    chunk = b"<rss>" + b"x" * 65536
                    try:
                        for _ in range(route.stream // len(chunk)):
                            self.wfile.write(chunk)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    self.close_connection = True
                    return
                body = route.body() if callable(route.body) else route.body
                headers = dict(route.headers)
                if route.last_modified and route.status == 200:
                    headers["Last-Modified"] = route.last_modified
                    # A server compares dates; the client echoes the header as it came, so equality is enough here.
                    if self.headers.get("If-Modified-Since") == route.last_modified:
                        return self._send(304, b"", route.content_type, headers)
                if route.etag and route.status == 200:
                    import hashlib

                    tag = '"' + hashlib.md5(body).hexdigest() + '"'
                    headers["ETag"] = tag
                    if self.headers.get("If-None-Match") == tag:
                        return self._send(304, b"", route.content_type, headers)
                return self._send(route.status, body, route.content_type, headers)

            def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str]) -> None:
                room.hits.append(Hit(self.path, dict(self.headers), status))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                for k, v in headers.items():
                    self.send_header(k, v)
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if status != 304:
                    try:
                        self.wfile.write(body)
                    except (BrokenPipeError, ConnectionResetError):
                        pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # http.server's 5 drops connections under a watcher's 16 at once
            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client that hangs up on a 100 MB answer is what the test asks for

        self.server = Server((host, 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://{host}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> Newsroom:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str) -> str:
        return self.base + path

    def requests_for(self, path: str) -> list[Hit]:
        return [h for h in self.hits if h.path == path]


# ---------------------------------------------------------------- content


def rfc822(iso: str) -> str:
    """`2023-06-27T08:00` (Vietnam time) as an RSS pubDate."""
    parts = iso if "T" in iso else iso + "T08:00"
    return format_datetime(datetime.fromisoformat(parts).replace(tzinfo=VN))


def article_page(title: str, text: str, *, site_name: str, date: str | None, author: str | None = None,
                 lead: str | None = None) -> str:
    """An outlet's article page: navigation, headline, sapo, paragraphs, related links, footer."""
    paras = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())
    meta = f'<meta property="article:published_time" content="{date}:00+07:00">' if date and "T" in date else (
        f'<meta property="article:published_time" content="{date}">' if date else "")
    byline = f'<meta name="author" content="{html.escape(author)}">' if author else ""
    sapo = f'<p class="sapo"><b>{html.escape(lead)}</b></p>' if lead else ""
    return (f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{html.escape(title)} | '
            f'{html.escape(site_name)}</title><meta property="og:site_name" content="{html.escape(site_name)}">'
            f'<meta property="og:title" content="{html.escape(title)}">{meta}{byline}</head><body>'
            '<header><nav><a href="/">Trang chủ</a> <a href="/thoi-su">Thời sự</a> <a href="/the-gioi">Thế giới</a>'
            f'</nav></header><main><article><h1>{html.escape(title)}</h1>{sapo}{paras}</article>'
            '<aside><h3>Tin liên quan</h3><ul><li><a href="/a">Một tin khác</a></li></ul></aside></main>'
            f'<footer>© {html.escape(site_name)}. Giấy phép số 123/GP-BTTTT.</footer></body></html>')


@dataclass
class Item:
    link: str | None
    title: str
    date: str | None = None
    guid: str | None = None
    summary: str = ""
    content: str = ""


def rss(title: str, home: str, items: list[Item]) -> bytes:
    out = []
    for it in items:
        parts = [f"<title>{html.escape(it.title)}</title>"]
        if it.link:
            parts.append(f"<link>{html.escape(it.link)}</link>")
        if it.guid:
            parts.append(f'<guid isPermaLink="false">{html.escape(it.guid)}</guid>')
        if it.date:
            parts.append(f"<pubDate>{rfc822(it.date)}</pubDate>")
        if it.summary:
            parts.append(f"<description>{html.escape(it.summary)}</description>")
        if it.content:
            parts.append(f"<content:encoded>{html.escape(it.content)}</content:encoded>")
        out.append("<item>" + "".join(parts) + "</item>")
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            f"<title>{html.escape(title)}</title><link>{html.escape(home)}</link><description>Tin mới</description>"
            + "".join(out) + "</channel></rss>").encode()


def atom(title: str, home: str, items: list[Item]) -> bytes:
    out = []
    for it in items:
        date = (it.date if "T" in (it.date or "") else (it.date or "2023-06-27") + "T08:00") + ":00+07:00"
        out.append(f"<entry><title>{html.escape(it.title)}</title><link href=\"{html.escape(it.link or '')}\"/>"
                   f"<id>{html.escape(it.guid or it.link or '')}</id><updated>{date}</updated>"
                   f"<summary>{html.escape(it.summary)}</summary></entry>")
    return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{html.escape(title)}</title><link href=\"{html.escape(home)}\"/><id>{html.escape(home)}</id>"
            "<updated>2023-06-28T08:00:00+07:00</updated>" + "".join(out) + "</feed>").encode()


def news_sitemap(entries: list[tuple[str, str, str]]) -> bytes:
    """(url, title, ISO date) as a Google News sitemap."""
    urls = "".join(f"<url><loc>{html.escape(u)}</loc><news:news><news:publication><news:name>X</news:name>"
                   f"<news:language>vi</news:language></news:publication><news:publication_date>{d}:00+07:00"
                   f"</news:publication_date><news:title>{html.escape(t)}</news:title></news:news></url>"
                   for u, t, d in entries)
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + urls + "</urlset>").encode()


def opml(feeds: list[tuple[str, str]]) -> bytes:
    outlines = "".join(f'<outline type="rss" text="{html.escape(t)}" title="{html.escape(t)}" '
                       f'xmlUrl="{html.escape(u)}"/>' for u, t in feeds)
    return ('<?xml version="1.0" encoding="UTF-8"?><opml version="2.0"><head><title>Báo chí</title></head>'
            f'<body><outline text="Thời sự">{outlines}</outline></body></opml>').encode()


def seed_parts(text: str) -> tuple[str, str]:
    """A seed report as a page shows it: its first line is the headline, the rest the body."""
    text = text.strip()
    if text.startswith("date "):
        text = text.split(" - ", 1)[1]
    first, _, rest = text.partition("\n")
    return first.strip(), rest.strip()
