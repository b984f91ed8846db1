"""Polite HTTP for `newsfuse watch`: one httpx client, robots.txt (protego), a per-host gate,
conditional GET, size caps, a deadline per answer, redirects followed one hop at a time.

httpx does the HTTP; written here is only what it leaves to the caller: a deadline for a whole
answer (its timeouts are per read, so a server trickling bytes never times out; encode/httpx#1450),
a size cap while streaming, robots.txt and the per-host gate checked at every redirect hop, and
Retry-After read into a pause of the host.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from .config import WatchConfig

if TYPE_CHECKING:
    import httpx
    from protego import Protego


class FetchError(Exception):
    """A one-line reason a URL could not be fetched. `retry_after`: the server asked to wait (429,
    503); `permanent`: asking again will not help (404, 410, robots.txt); `status`: the HTTP status
    that said so, if one did."""

    def __init__(self, message: str, *, retry_after: float | None = None, permanent: bool = False,
                 robots: bool = False, status: int | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.permanent = permanent or robots
        self.robots = robots


@dataclass(slots=True)
class Answer:
    url: str  # after redirects
    status: int  # 200, or 304 for "not modified"
    body: bytes
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def host_key(url: httpx.URL) -> str:
    return f"{url.host}:{url.port}" if url.port else url.host


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """Retry-After as seconds from now: a number of seconds or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError, IndexError):
        return None


@dataclass(slots=True)
class _Host:
    active: int = 0
    next_at: float = 0.0  # monotonic time of the next allowed request
    paused_until: float = 0.0  # wall-clock time the host asked us to wait until
    interval: float | None = None  # robots.txt's Crawl-delay when longer than the default


class HostGate:
    """At most `per_host_connections` requests in flight to one host, at least `per_host_interval`
    seconds apart (or the host's Crawl-delay), none while the host asked to wait. Rate-limit
    libraries count requests per key; none also knows a host's Crawl-delay and Retry-After, which
    is the point here, and it is these thirty lines."""

    def __init__(self, config: WatchConfig):
        self.config = config
        self._hosts: dict[str, _Host] = {}
        self._cond = threading.Condition()

    def _host(self, key: str) -> _Host:
        return self._hosts.setdefault(key, _Host())

    def acquire(self, key: str, stop: threading.Event | None = None) -> None:
        with self._cond:
            while True:
                h = self._host(key)
                if h.paused_until > time.time():
                    raise FetchError(f"{key} asked to wait until {time.strftime('%H:%M:%S', time.localtime(h.paused_until))}",
                                     retry_after=h.paused_until - time.time())
                now = time.monotonic()
                if h.active < self.config.per_host_connections and now >= h.next_at:
                    h.active += 1
                    h.next_at = now + max(self.config.per_host_interval, h.interval or 0.0)
                    return
                if stop is not None and stop.is_set():
                    raise FetchError("stopped")
                self._cond.wait(timeout=min(1.0, max(0.005, h.next_at - now)))

    def release(self, key: str) -> None:
        with self._cond:
            self._host(key).active -= 1
            self._cond.notify_all()

    def pause(self, key: str, seconds: float) -> None:
        with self._cond:
            h = self._host(key)
            h.paused_until = max(h.paused_until, time.time() + seconds)

    def set_interval(self, key: str, seconds: float | None) -> None:
        with self._cond:
            self._host(key).interval = seconds


@dataclass(slots=True)
class _Robots:
    rules: Protego | None  # None: everything allowed (no robots.txt)
    fetched: float
    error: str | None = None  # robots.txt could not be read: everything disallowed for now


@dataclass
class Fetcher:
    """GETs with everything a polite crawler does. Thread-safe; one per watch run."""

    config: WatchConfig
    gate: HostGate = field(init=False)
    _client: httpx.Client = field(init=False)
    _robots: dict[str, _Robots] = field(init=False, default_factory=dict)
    _robots_lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    _robots_reading: dict[str, threading.Lock] = field(init=False, default_factory=dict)  # one per origin
    stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        import httpx

        self.gate = HostGate(self.config)
        limits = httpx.Limits(max_connections=self.config.connections, max_keepalive_connections=self.config.connections)
        self._client = httpx.Client(timeout=httpx.Timeout(self.config.timeout), limits=limits, follow_redirects=False,
                                    headers={"User-Agent": self.config.user_agent,
                                             "Accept-Encoding": "gzip, deflate"})

    def close(self) -> None:
        self._client.close()

    # ------------------------------------------------------------ robots.txt

    def allowed(self, url: httpx.URL) -> bool:
        """robots.txt (RFC 9309, longest match wins; protego) of the URL's site allows it. A site
        whose robots.txt cannot be read now (5xx, no answer) is left alone for now; one without
        (4xx) allows everything."""
        origin = f"{url.scheme}://{host_key(url)}"
        with self._robots_lock:
            known = self._robots.get(origin)
            reading = self._robots_reading.setdefault(origin, threading.Lock())
        if known is None or time.time() - known.fetched > self.config.robots_ttl:
            # One read of a site's robots.txt at a time: the first cycle's pages of one host all
            # arrive here at once, and each read of it would take a slot of the host's gate.
            # The others wait for that read and take its answer.
            with reading:
                with self._robots_lock:
                    known = self._robots.get(origin)
                if known is None or time.time() - known.fetched > self.config.robots_ttl:
                    known = self._read_robots(url.copy_with(path="/robots.txt", query=None, fragment=None))
                    with self._robots_lock:
                        self._robots[origin] = known
        if known.error:
            raise FetchError(f"robots.txt of {host_key(url)} cannot be read ({known.error}); not fetching there for now")
        return known.rules is None or known.rules.can_fetch(str(url), self.config.robots_agent)

    def _read_robots(self, url: httpx.URL) -> _Robots:
        from protego import Protego

        try:
            answer = self._get(url, max_bytes=512 * 1024, check_robots=False)
        except FetchError as e:
            status = getattr(e, "status", None)
            if status is not None and 400 <= status < 500:
                return _Robots(None, time.time())
            return _Robots(None, time.time(), str(e))
        rules = Protego.parse(answer.body.decode("utf-8", "replace"))
        delay = rules.crawl_delay(self.config.robots_agent)
        if delay:
            self.gate.set_interval(host_key(url), min(float(delay), 60.0))
        return _Robots(rules, time.time())

    # ------------------------------------------------------------ GET

    def get(self, url: str, *, max_bytes: int, etag: str | None = None, last_modified: str | None = None) -> Answer:
        import httpx

        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError) as e:
            raise FetchError(f"not a URL: {url!r} ({e})", permanent=True) from None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise FetchError(f"not an http(s) URL: {url!r}", permanent=True)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._get(parsed, max_bytes=max_bytes, headers=headers, check_robots=True)

    def _get(self, url: httpx.URL, *, max_bytes: int, headers: dict[str, str] | None = None,
             check_robots: bool) -> Answer:
        import httpx

        request = self._client.build_request("GET", url, headers=headers)
        seen = {str(url)}
        for _hop in range(self.config.max_redirects + 1):
            if check_robots and not self.allowed(request.url):
                raise FetchError(f"robots.txt of {host_key(request.url)} disallows {request.url}", robots=True)
            key = host_key(request.url)
            self.gate.acquire(key, self.stop)
            try:
                response = self._client.send(request, stream=True)
                try:
                    if response.is_redirect and response.status_code != 304:  # httpx counts 304 as one
                        following = response.next_request
                        if following is None:
                            raise FetchError(f"HTTP {response.status_code} redirect without a Location from {request.url}")
                        if str(following.url) in seen:
                            raise FetchError(f"redirect loop: {following.url} again after {len(seen)} hops")
                        seen.add(str(following.url))
                        request = following
                        continue
                    return self._answer(request.url, response, max_bytes)
                finally:
                    response.close()
            except httpx.HTTPError as e:
                raise FetchError(_network_reason(e, request.url, self.config)) from None
            finally:
                self.gate.release(key)
        raise FetchError(f"more than {self.config.max_redirects} redirects from {url}")

    def _answer(self, url: httpx.URL, response: httpx.Response, max_bytes: int) -> Answer:
        status = response.status_code
        if status == 304:
            return Answer(str(url), 304, b"", etag=response.headers.get("etag"),
                          last_modified=response.headers.get("last-modified"))
        if status in (429, 503):
            wait = retry_after_seconds(response.headers.get("retry-after"), time.time())
            if wait is not None:
                wait = min(wait, self.config.max_retry_after)
                self.gate.pause(host_key(url), wait)
            error = FetchError(f"HTTP {status} {response.reason_phrase} from {host_key(url)}"
                               + (f"; retry after {wait:.0f} s" if wait is not None else ""), retry_after=wait,
                               status=status)
            raise error
        if status >= 400:
            raise FetchError(f"HTTP {status} {response.reason_phrase} for {url}",
                             permanent=status in (401, 403, 404, 410), status=status)
        length = response.headers.get("content-length")
        if length and length.isdigit() and int(length) > max_bytes:
            raise FetchError(f"answer too large ({int(length) / 1e6:.1f} MB > {max_bytes / 1e6:.0f} MB cap) from {url}")
        started = time.monotonic()
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(f"answer too large (over the {max_bytes / 1e6:.0f} MB cap; stopped reading) from {url}")
            if time.monotonic() - started > self.config.deadline:
                raise FetchError(f"no complete answer within {self.config.deadline:.0f} s from {url}")
            chunks.append(chunk)
        return Answer(str(url), status, b"".join(chunks), response.headers.get("content-type", ""),
                      response.headers.get("etag"), response.headers.get("last-modified"))


def _network_reason(e: Exception, url: httpx.URL, config: WatchConfig) -> str:
    """One line for what went wrong on the way: timeout, DNS, TLS, refused, cut."""
    import httpx

    text = str(e) or type(e).__name__
    if isinstance(e, httpx.TimeoutException):
        return f"timed out after {config.timeout:.0f} s ({type(e).__name__}) at {url}"
    if isinstance(e, httpx.ConnectError):
        low = text.lower()
        if "ssl" in low or "certificate" in low or "tls" in low:
            return f"TLS failure with {host_key(url)}: {text}"
        if "name or service" in low or "nodename" in low or "getaddrinfo" in low or "resolv" in low \
                or "name resolution" in low:
            return f"DNS: cannot resolve {url.host} ({text})"
        return f"cannot connect to {host_key(url)}: {text}"
    if isinstance(e, httpx.DecodingError):
        return f"broken compressed answer from {url}: {text}"
    return f"{type(e).__name__} from {url}: {text}"
