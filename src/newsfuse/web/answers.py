"""The server's front: every request's checks and headers, and answers kept per store version.

Under load most reads ask what was just asked (the first page of stories, a popular search, a
story's brief), and the store changes far less often than it is read: an answer is kept with the
store's version it was made at (SQLite's `PRAGMA data_version` on one connection of its own, which
moves when any other connection commits, this server's writer and other processes alike) and sent
again, bytes as they were, while the version holds.

Lists and searches may also be sent for up to `lag` seconds after a write made them old (the
article is stored, the list does not show it yet), except on the connection that wrote: an answer
is only sent again to a connection whose last write was acknowledged before the answer was begun.
A story's brief, an article and everything else under /api/ are only ever sent for the version
they were made at. See docs/decisions.md (Web).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Scope = dict[str, Any]
Refusal = tuple[int, str]


@dataclass(slots=True)
class Answer:
    version: int  # the store's version (this cache's count of them) when it was begun
    begun: float  # time.monotonic() when it was begun
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


class StoreVersion:
    """A count that grows whenever anyone commits to the store (read on a connection of its own)."""

    def __init__(self, db: str | Path):
        self._db = sqlite3.connect(str(db), check_same_thread=False, isolation_level=None)  # never writes
        self._lock = threading.Lock()
        self._seen: int | None = None
        self.count = 0

    def now(self) -> int:
        with self._lock:
            seen = self._db.execute("PRAGMA data_version").fetchone()[0]
            if seen != self._seen:
                self._seen = seen
                self.count += 1
            return self.count

    def close(self) -> None:
        self._db.close()


class Activity:
    """When the last request came (the server's idle work waits for a quiet moment)."""

    def __init__(self) -> None:
        self.last = time.monotonic()

    def idle_for(self) -> float:
        return time.monotonic() - self.last


class Front:
    """ASGI middleware: refuses what `refuse` refuses, adds `headers` to every response, and keeps
    the answers of GET requests under `cached` (paths, or prefixes ending in `/`), those under
    `lagging` for up to `lag` seconds after a write (see the module's doc)."""

    def __init__(self, app: Any, *, refuse: Callable[[str, Any], Refusal | None], headers: dict[str, str],
                 version: StoreVersion | None, cached: Iterable[str] = (), lagging: Iterable[str] = (),
                 lag: float = 1.0, max_bytes: int = 64 * 2**20, activity: Activity | None = None):
        self.app = app
        self.activity = activity or Activity()
        self.refuse = refuse
        self.extra = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        self.version = version
        self.cached = tuple(cached)
        self.lagging = frozenset(lagging)
        self.lag = lag
        self.max_bytes = max_bytes
        self.answers: OrderedDict[str, Answer] = OrderedDict()  # least recently sent first
        self.bytes = 0
        self.making: dict[str, asyncio.Future] = {}
        self.wrote: dict[tuple[Any, ...], float] = {}  # connection -> when its last write was answered
        self._lock = threading.Lock()  # one event loop uses it; a test client may use several threads

    # ------------------------------------------------------------ ASGI

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.activity.last = time.monotonic()
        from starlette.datastructures import Headers

        headers = Headers(scope=scope)
        refused = self.refuse(scope["method"], headers)
        if refused is not None:
            status, message = refused
            body = json.dumps({"error": message}, ensure_ascii=False).encode()
            await self._send(send, status, [(b"content-type", b"application/json"),
                                            (b"content-length", str(len(body)).encode())], body)
            return
        key = self._key(scope)
        if key is None:
            await self.app(scope, receive, self._with_headers(send, scope))
            return
        await self._answer(key, scope, receive, send)

    def _key(self, scope: Scope) -> str | None:
        if self.version is None or scope["method"] != "GET":
            return None
        path = scope["path"]
        if not any(path == c or (c.endswith("/") and path.startswith(c)) for c in self.cached):
            return None
        query = scope.get("query_string", b"").decode("latin-1")
        return path + ("?" + query if query else "")

    def _with_headers(self, send: Any, scope: Scope) -> Any:
        writes = scope["method"] not in ("GET", "HEAD", "OPTIONS")
        client = self._client(scope)

        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + self.extra
                if writes:
                    # Answered now, so committed before: answers begun from now on include it.
                    self.wrote[client] = time.monotonic()
            await send(message)
        return sending

    @staticmethod
    def _client(scope: Scope) -> tuple[Any, ...]:
        return tuple(scope.get("client") or ())  # (host, port): one TCP connection

    async def _send(self, send: Any, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        await send({"type": "http.response.start", "status": status, "headers": headers + self.extra})
        await send({"type": "http.response.body", "body": body})

    # ------------------------------------------------------------ answers

    def usable(self, answer: Answer | None, key: str, version: int, client: tuple[Any, ...], now: float) -> bool:
        """Whether `answer` may be sent for `key` now: made at this version, or (a list or a search)
        begun at most `lag` seconds ago and after this connection's last write was answered."""
        if answer is None:
            return False
        if answer.version == version:
            return True
        return (key.split("?", 1)[0] in self.lagging and now - answer.begun <= self.lag
                and answer.begun > self.wrote.get(client, -1.0))

    async def _answer(self, key: str, scope: Scope, receive: Any, send: Any) -> None:
        assert self.version is not None
        client = self._client(scope)
        loop = asyncio.get_running_loop()
        while True:
            version, now = self.version.now(), time.monotonic()
            answer = self.answers.get(key)
            making = self.making.get(key)
            if making is not None and making.get_loop() is not loop:
                making = None  # (a test client may run each request on an event loop of its own)
            if self.usable(answer, key, version, client, now) and (
                    answer.version == version or making is not None or now - answer.begun <= self.lag / 2):
                # An old answer past half the lag is made again by the next request that needs
                # it; meanwhile the others are sent the old one, so none waits for it.
                with self._lock:
                    if key in self.answers:
                        self.answers.move_to_end(key)
                await self._send(send, answer.status, answer.headers, answer.body)
                return
            if making is None:
                break
            # The same question is being answered: wait for it, then see whether it will do
            # (it may have begun before this connection's last write).
            await asyncio.shield(making)
            if self.making.get(key) is making:
                del self.making[key]
            if not self.usable(self.answers.get(key), key, self.version.now(), client, time.monotonic()):
                break
        future = asyncio.get_running_loop().create_future()
        self.making[key] = future
        begun = time.monotonic()
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                message = dict(message, headers=list(message.get("headers", [])) + self.extra)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            if self.making.get(key) is future:
                del self.making[key]
            if start.get("status") == 200:
                self._keep(key, Answer(version, begun, 200, list(start.get("headers", [])), b"".join(chunks)))
            if not future.done():
                future.set_result(None)
            self._forget_old_writes(time.monotonic())

    def _keep(self, key: str, answer: Answer) -> None:
        with self._lock:
            self._keep_locked(key, answer)

    def _keep_locked(self, key: str, answer: Answer) -> None:
        old = self.answers.pop(key, None)
        if old is not None:
            self.bytes -= len(old.body)
        if len(answer.body) > self.max_bytes // 16:
            return  # one huge answer would push out everything else
        self.answers[key] = answer
        self.bytes += len(answer.body)
        while self.bytes > self.max_bytes and self.answers:
            _, dropped = self.answers.popitem(last=False)
            self.bytes -= len(dropped.body)

    def _forget_old_writes(self, now: float) -> None:
        if len(self.wrote) > 1024:  # a write older than the lag makes no kept answer usable any more
            with self._lock:
                for client, when in list(self.wrote.items()):
                    if now - when > self.lag:
                        self.wrote.pop(client, None)
