"""REST API and web page over one store (FastAPI; templates rendered on the server).

SQLite allows one writer: every write goes through one writer thread (a queue of one), so a POST
never waits on SQLite's busy handler behind another POST and never blocks the event loop; reads
run on per-thread connections in WAL mode, each in one read transaction (one snapshot).
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import os
import threading
import time
from collections.abc import Callable, Iterable
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__, api
from . import answers, display
from ..config import TOKEN_ENV_VAR

HERE = Path(__file__).parent
MAX_BODY_BYTES = 10 * 1024 * 1024
MAX_BATCH = 1000
MAX_QUEUED_ARTICLES = 64  # the most articles of queued POSTs stored in one transaction (a bigger POST goes alone)
MAX_OFFSET = 1_000_000  # beyond this a list is not paged by a person; SQLite's integers end at 2**63
MAX_PAGE = MAX_OFFSET // 30
IDLE_SECONDS = 3.0  # no request for this long: the writer reads the entities POSTs left unindexed
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
SECURITY_HEADERS = {
    # Scripts and styles only from this server (the page has no inline script); no framing.
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}
_WHY = {400: "body is not JSON or holds no article", 401: "missing or wrong API token",
        403: "a cross-site write from a browser, or a Host this server does not answer to",
        404: "no story or article of that id",
        409: "an article the store refuses (an id used by another text)",
        413: "body over 10 MB or more than 1,000 articles", 422: "an article or parameter that is not valid"}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI's description of these error answers (each `{"error": "one line"}`)."""
    return {code: {"description": _WHY[code], "content": {"application/json": {"schema": {
        "type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}}}} for code in codes}


ERROR_RESPONSES = error_responses(400, 401, 403, 409, 413, 422)
NOT_FOUND_RESPONSES = error_responses(404, 422)  # what a read of one story or article may answer
ARTICLE_SCHEMA = {"type": "object", "required": ["text"], "additionalProperties": True, "properties": {
    "id": {"type": ["string", "integer"]}, "text": {"type": "string", "minLength": 1}, "title": {"type": "string"},
    "source": {"type": "string", "description": "the outlet (a host or a name)"}, "url": {"type": "string"},
    "date": {"type": "string", "description": "ISO 8601 (`2023-06-26`, `2023-06-26T10:00+07:00`)"},
    "lead": {"type": "string"}, "author": {"type": "string"}}}
T = TypeVar("T")
# Answers kept while the store is unchanged; the lists and searches among them also up to `lag` after a write.
CACHED = ("/api/stories", "/api/stories/", "/api/search", "/api/articles", "/api/articles/", "/api/outlets")
LAGGING = ("/api/stories", "/api/search", "/api/articles", "/api/outlets")


def allowed_hosts_for(bound: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """The Host names a server bound to `bound` answers to: the bound address, loopback names when
    it is a loopback address, and `extra` (`*` = any). Checking Host closes DNS rebinding, where a
    hostile name resolves to 127.0.0.1 and its page then reads this server as same-origin."""
    names = {bound.strip("[]").lower(), *(e.lower() for e in extra)}
    try:
        loopback = ipaddress.ip_address(bound.strip("[]")).is_loopback
    except ValueError:
        loopback = bound == "localhost"
    if loopback:
        names.update(LOOPBACK_NAMES)
    return frozenset(names)


def host_name(host_header: str) -> str:
    """`example.org:8000` -> `example.org`, `[::1]:8000` -> `::1`."""
    if host_header.startswith("["):
        return host_header[1:].split("]", 1)[0].lower()
    return host_header.rsplit(":", 1)[0].lower() if host_header.count(":") == 1 else host_header.lower()


def cross_site_write(method: str, headers: Any) -> bool:
    """Whether a browser sent this write from another site. Browsers say where a request comes
    from (Sec-Fetch-Site; Origin on every POST); a page elsewhere can still send a `text/plain`
    POST without asking (`mode: "no-cors"`), so the token alone, off by default, is no defence.
    Clients that are not browsers send neither header and are let through (the token decides)."""
    if method in ("GET", "HEAD", "OPTIONS"):
        return False
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = headers.get("origin")
    if origin is None:
        return False
    parts = urlsplit(origin)
    return origin == "null" or parts.netloc.lower() != headers.get("host", "").lower()


def bearer_token_ok(authorization: str | None, token: str) -> bool:
    """`Authorization: Bearer TOKEN`, the scheme in any case (RFC 7235), the token compared as
    bytes in constant time (a header is Latin-1 text; a non-ASCII token must not raise)."""
    scheme, _, given = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode("latin-1", "replace"), token.encode("utf-8"))


QUERY_HELP = ('words (all must match), "a phrase", prefix*, AND, OR, NOT, brackets; case does not matter; a '
              'word without tone marks finds every tone (`luong tam quang`), one with its marks those marks only')
ENTITY_HELP = "a person, organisation or place of the story (tone marks and case aside)"
OUTLET_HELP = "any name of an outlet: its host (tienphong.vn), a dateline code (TPO), its site name"
SINCE_HELP = "from this date: 2023, 2023-06, 2023-06-26, 2023-06-26T21:15 or 26/6/2023"
UNTIL_HELP = "up to this date, inclusive (the same forms; 2023-06 is all of June)"


def one_query(q: str | None, query: str | None) -> str | None:
    """`q` and `query` are one parameter (the short and the long name)."""
    if q is not None and query is not None and q != query:
        raise HTTPException(422, "q and query: give one of them (they are the same parameter)")
    return q if q is not None else query


def validation_message(error: dict[str, Any], where: str) -> str:
    """A bad query parameter in the words of the Python API and the CLI (`limit: -1 must be a whole
    number of at least 1`), not pydantic's; anything else keeps pydantic's message."""
    loc = error.get("loc", ())
    ctx = error.get("ctx") or {}
    if len(loc) == 2 and loc[0] == "query" and error.get("type") in ("int_parsing", "greater_than_equal", "less_than_equal"):
        bounds = " and ".join(f"{word} {ctx[k]}" for k, word in (("ge", "of at least"), ("le", "of at most")) if k in ctx)
        value = error.get("input")
        return f"{loc[1]}: {value} must be a whole number" + (f" {bounds}" if bounds else "")
    return f"{where}: {error.get('msg', 'invalid request')}"


def listing(request: Request, key: str, rows: list[Any], total: int, limit: int, offset: int) -> dict[str, Any]:
    """A page of a list with its total and the links to the pages around it. The links are
    relative (`?...`): behind a proxy that serves this app under a path prefix they still work."""
    def link(to: int) -> str:
        return "?" + urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "offset"]
                               + [("offset", str(to))])

    return {key: rows, "total": total, "limit": limit, "offset": offset,
            "next": link(offset + limit) if offset + len(rows) < total else None,
            "previous": link(max(0, offset - limit)) if offset > 0 else None}


def docs_assets() -> Path:
    """Swagger UI's script and stylesheet, as the fastapi-offline package ships them."""
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


def base_of(request: Request) -> str:
    """The relative way from a page up to the app's root (`./`, `../`): every link of a page starts
    with it, so the site works under any path prefix a reverse proxy puts before it."""
    depth = request.url.path.count("/") - 1
    return "../" * depth if depth > 0 else "./"


def known_parameters(request: Request) -> None:
    """A query parameter the route does not know is an error, not ignored: `source=` on a list
    that filters by `outlet=` would otherwise return everything."""
    if not request.url.path.startswith(("/api/", "/healthz")):
        return  # pages take what they know and leave the rest (a link's tracking parameters)
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    known = {p.alias for p in dependant.query_params}
    for dep in dependant.dependencies:
        known |= {p.alias for p in dep.query_params}
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise HTTPException(422, f"unknown parameter {unknown[0]!r} (this address takes "
                            f"{', '.join(sorted(known)) or 'none'})")
    # A parameter given twice (`q=bão&q=x`, `limit=1&limit=5`) would be read as its last value,
    # silently: no parameter of the API is a list, so it is an error naming it.
    names = [k for k, _ in request.query_params.multi_items()]
    repeated = sorted({k for k in names if names.count(k) > 1})
    if repeated:
        raise HTTPException(422, f"{repeated[0]}: given {names.count(repeated[0])} times (give it once)")


def page_lang(request: Request) -> str:
    """The reader's UI language: `?lang=`, else the cookie that keeps it, else Vietnamese."""
    lang = request.query_params.get("lang") or request.cookies.get("lang") or display.LANGUAGES[0]
    return lang if lang in display.LANGUAGES else display.LANGUAGES[0]


NOT_PAGES = ("/api/", "/api-docs/", "/static/", "/healthz", "/openapi.json")


def is_page(request: Request) -> bool:
    """Whether the address is one of the web pages (or would be one), which answer HTML, errors
    too; the API, its docs' assets, static files and the health check answer JSON."""
    path = request.url.path
    return not (path.startswith(NOT_PAGES) or path == "/api")


class PageError(HTTPException):
    """An error of a page whose message is already in the page's language."""


class _Served(FastAPI):
    """The app with `front` (answers.Front) before FastAPI's middleware and routing."""

    front: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.front is None:
            await super().__call__(scope, receive, send)
        else:
            await self.front(scope, receive, send)


class _Stopping(Exception):
    """The server stops while the indexes are being read: the reading ends there."""


def create_app(nf: api.Newsfuse, *, token: str | None = None, allowed_hosts: Iterable[str] | None = None,
               warm: bool = False, log: Callable[[str], None] | None = None, keep_answers: bool = True,
               lag: float = 0.0) -> FastAPI:
    """The ASGI app. `token` (or $NEWSFUSE_API_TOKEN) is required as a Bearer token for writes;
    `allowed_hosts` are the Host names it answers to (default: loopback names; `*` = any).
    `warm`: read the story and copy indexes at once, on the writer thread (reads are served
    meanwhile; writes wait for it), saying how it goes to `log`; and save them when the server
    stops. `nf` then belongs to the writer thread. `keep_answers`: send a read's answer again
    while the store has not changed; `lag`: lists and searches also for that many seconds after
    a write, except on the connection that wrote (web/answers.py)."""
    token = token if token is not None else os.environ.get(TOKEN_ENV_VAR) or None
    hosts = frozenset(h.lower() for h in allowed_hosts) if allowed_hosts is not None else allowed_hosts_for("127.0.0.1")
    # One writer thread: writes queue here instead of in SQLite's busy handler, off the event loop.
    writer = ThreadPoolExecutor(1, thread_name_prefix="newsfuse-writer")
    local = threading.local()
    nf.load_models()  # at start-up, once, before any request thread can race to load them
    stopping = threading.Event()
    say = log or (lambda message: None)

    def warm_indexes() -> None:
        started = time.monotonic()
        total = nf.store.count_articles()
        done, shown = [0], [started]

        def progress(n: int) -> None:
            if stopping.is_set():
                raise _Stopping
            done[0] += n
            if time.monotonic() - shown[0] >= 10:
                shown[0] = time.monotonic()
                say(f"story and copy indexes: {done[0]:,} of {total:,} articles read from the store")

        say(f"reading the story and copy indexes ({total:,} article{'' if total == 1 else 's'} stored)")
        try:
            read = nf.warm(progress)
        except _Stopping:
            return
        except Exception as e:  # noqa: BLE001 - the first write reads them again, and says why if it fails
            say(f"could not read the story and copy indexes now ({type(e).__name__}: {e}); the first write will")
            return
        articles = f"{read:,} article{'' if read == 1 else 's'}"
        how = (f"the saved indexes and {articles} stored after them" if nf.indexes_from_saved
               else f"{articles} read from the store")
        say(f"story and copy indexes ready in {time.monotonic() - started:.1f} s ({how})")

    warming = writer.submit(warm_indexes) if warm else None

    # The entity index of the stories a POST touched is read later (~10 ms a sentence with the
    # learned tagger: 90% of a POST's time): when the server has had no request for IDLE_SECONDS,
    # one story per writer job, or at once by a request that filters by entity (docs/decisions.md, Web).
    activity = answers.Activity()
    posted: set[str] = set()  # stories this server's POSTs left unindexed (a backlog the store had
    # before is read by the first entity filter, as before: indexing it when idle would retire
    # every kept answer with each story's commit)

    def index_stale_entities() -> int:
        posted.clear()
        return nf.index_entities()

    def index_posted(story_id: str) -> int:
        posted.discard(story_id)
        return nf.index_entities(stories=[story_id])

    async def index_when_idle() -> None:
        while not stopping.is_set():
            await asyncio.sleep(IDLE_SECONDS / 2)
            while posted and not stopping.is_set() and activity.idle_for() >= IDLE_SECONDS:
                try:
                    story_id = next(iter(posted))
                except (StopIteration, RuntimeError):  # (emptied or changed by the writer meanwhile)
                    break
                try:
                    await write(lambda: index_posted(story_id))
                except Exception as e:  # noqa: BLE001 - the marks stay; an entity filter reads them
                    say(f"could not index entities now ({type(e).__name__}: {e})")
                    break

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        idle = asyncio.create_task(index_when_idle())
        yield
        stopping.set()
        idle.cancel()
        if warming is not None and warming.done():  # indexes of many new articles are kept for the next start
            await asyncio.wrap_future(writer.submit(nf.save_indexes))

    app = _Served(title="newsfuse", version=__version__, docs_url=None, redoc_url=None, lifespan=lifespan,
                  dependencies=[Depends(known_parameters)],
                  description="Stories fused from many outlets: cited summaries, facts, entities, timelines. "
                              "Every list has `total`, and `next`/`previous` links relative to itself.")
    templates = Jinja2Templates(directory=str(HERE / "templates"),
                                context_processors=[lambda request: {"base": base_of(request)}])
    templates.env.filters["link_url"] = api.link_url
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.mount("/api-docs", StaticFiles(directory=str(docs_assets())), name="api-docs")

    async def write(fn: Callable[[], T]) -> T:
        return await asyncio.wrap_future(writer.submit(fn))

    def index_entities_now() -> None:
        """Before an entity filter: the stories POSTs left unindexed are read first, on the writer
        (a reader that wrote them itself would queue in SQLite's busy handler behind it)."""
        if reader().store.count_stale_entity_stories():
            writer.submit(index_stale_entities).result()

    # Answers and costly reads are kept per store version (web/answers.py, api.Memo).
    store_version = answers.StoreVersion(nf.config.db) if keep_answers else None
    # The memo's count on a connection of its own: request threads asking it never hold the lock
    # the event loop takes for every request (a thread starved of the GIL would stall the loop).
    memo = api.Memo(answers.StoreVersion(nf.config.db).now) if keep_answers else None

    def reader() -> api.Newsfuse:
        # One read connection per worker thread; the writer keeps its own.
        if getattr(local, "nf", None) is None:
            local.nf = api.Newsfuse(nf.config)
            local.nf.memo = memo
        return local.nf

    # An error answers as its address does: JSON `{"error": ...}` for the API, an HTML page in the
    # reader's language for a page (a person reading it in a browser), the same status for both.
    def error_page(request: Request, status: int, message: str) -> HTMLResponse:
        t = display.translator(page_lang(request))
        heading = t("error_404") if status == 404 else t("error_422") if status == 422 else t("error_other")
        return page(request, "error.html", {"heading": heading, "message": message}, status_code=status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if is_page(request):
            t = display.translator(page_lang(request))
            # FastAPI's own answers (an unknown address, a POST to a page) in the page's language;
            # newsfuse's own page errors are written in it already.
            message = exc.detail if isinstance(exc, PageError) else t("page_not_found") if exc.status_code == 404 \
                else t("page_read_only", method=request.method) if exc.status_code == 405 else str(exc.detail)
            return error_page(request, exc.status_code, message)
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        if is_page(request):
            name = str(first.get("loc", ("", "?"))[-1])
            value = first.get("input")
            return error_page(request, 422, display.translator(page_lang(request))(
                "bad_page_parameter", name=name, value="" if value is None else value))
        return JSONResponse({"error": validation_message(first, where)}, status_code=422)

    @app.exception_handler(api.BadParameter)
    async def bad_parameter(request: Request, exc: api.BadParameter) -> Response:
        if is_page(request):
            return error_page(request, 422, display.parameter_error(exc, page_lang(request)))
        return JSONResponse({"error": str(exc)}, status_code=422)

    def refuse(method: str, headers: Any) -> tuple[int, str] | None:
        if "*" not in hosts and host_name(headers.get("host", "")) not in hosts:
            return 403, "this server does not answer to that Host"
        if cross_site_write(method, headers):
            return 403, "cross-site write refused"
        if (size := headers.get("content-length")) is not None and size.isdigit() and int(size) > MAX_BODY_BYTES:
            return 413, f"body too large (limit {MAX_BODY_BYTES // 2**20} MB)"
        return None

    # Checks and headers on every request; answers kept per store version (web/answers.py). In
    # front of FastAPI's own middleware: a kept answer is sent without passing through it.
    app.front = answers.Front(lambda scope, receive, send: FastAPI.__call__(app, scope, receive, send),
                              refuse=refuse, headers=SECURITY_HEADERS, activity=activity, version=store_version,
                              cached=CACHED, lagging=LAGGING if lag > 0 else (), lag=lag)

    def require_token(request: Request) -> None:
        if token and not bearer_token_ok(request.headers.get("authorization"), token):
            raise HTTPException(401, "missing or wrong API token")

    def story_row(s) -> dict[str, Any]:
        return s.to_dict()

    # ------------------------------------------------------------ JSON API

    @app.get("/healthz", responses=ERROR_RESPONSES)
    def healthz() -> dict[str, Any]:
        """Whether the store answers: its article and story counts and schema version."""
        r = reader()
        return {"status": "ok", "articles": r.count_articles(), "stories": r.count_stories(),
                "schema": r.store.schema_version(),
                # whether writes are answered at once or wait for the story and copy indexes
                "indexes": "reading" if warming is not None and not warming.done()
                else "ready" if nf.indexes_ready else "not read (the first write reads them)"}

    @app.get("/api/stories", responses=ERROR_RESPONSES)
    def list_stories(request: Request, q: str | None = Query(None, description=QUERY_HELP),
                     query: str | None = Query(None, description="the same as q"),
                     entity: str | None = Query(None, description=ENTITY_HELP),
                     outlet: str | None = Query(None, description=OUTLET_HELP),
                     since: str | None = Query(None, description=SINCE_HELP),
                     until: str | None = Query(None, description=UNTIL_HELP),
                     sort: str | None = Query(None, description="relevance (the default with q) or latest"),
                     limit: int = Query(20, ge=1, le=200), offset: int = Query(0, ge=0, le=MAX_OFFSET)) -> dict[str, Any]:
        """Stories, latest first (best match first with q), that pass every filter given."""
        r = reader()
        text = one_query(q, query)
        filters = {"query": text, "entity": entity, "outlet": outlet, "since": since, "until": until}
        if entity and entity.strip():
            index_entities_now()
        with r.snapshot():
            stories = r.stories(**filters, sort=sort, limit=limit, offset=offset)
            total = r.count_stories(**filters)
        return listing(request, "stories", [s.to_dict() for s in stories], total, limit, offset)

    def merged_into(request: Request, story_id: str) -> Response | None:
        """A redirect (308) to the same address under the survivor's id when `story_id` was merged
        into an older story, so that links to it keep working; None otherwise."""
        r = reader()
        if r.store.story_alias(story_id) is None:
            return None
        survivor = r.resolve_story(story_id)
        if survivor is None or survivor == story_id:
            return None
        path = request.url.path
        at = path.rindex("/" + story_id) if path.endswith("/" + story_id) else path.index("/" + story_id + "/")
        target = path[:at] + "/" + survivor + path[at + 1 + len(story_id):]
        return RedirectResponse(target + (f"?{request.url.query}" if request.url.query else ""), status_code=308)

    @app.get("/api/stories/{story_id}", responses=NOT_FOUND_RESPONSES)
    def get_story(request: Request, story_id: str) -> Response:
        """The story's brief: summary with citations, facts, entities, timeline, articles. The id
        of a story merged into another redirects to the survivor's."""
        if (moved := merged_into(request, story_id)) is not None:
            return moved
        try:
            return Response(reader().brief_json(story_id), media_type="application/json")
        except KeyError:
            raise HTTPException(404, f"no story {story_id!r}") from None

    @app.get("/api/stories/{story_id}/articles", responses=NOT_FOUND_RESPONSES)
    def story_articles(request: Request, story_id: str, limit: int = Query(50, ge=1, le=200),
                       offset: int = Query(0, ge=0, le=MAX_OFFSET)) -> Any:
        """The story's articles (without their texts), newest first."""
        if (moved := merged_into(request, story_id)) is not None:
            return moved
        return articles_page(request, {"story": story_id}, limit, offset)

    @app.get("/api/stories/{story_id}/entities", responses=NOT_FOUND_RESPONSES)
    def story_entities(request: Request, story_id: str) -> Any:
        """People, organisations and places of the story, merged across outlets."""
        if (moved := merged_into(request, story_id)) is not None:
            return moved
        return {"story": story_id, "entities": brief_of(story_id)["entities"]}

    @app.get("/api/stories/{story_id}/timeline", responses=NOT_FOUND_RESPONSES)
    def story_timeline(request: Request, story_id: str) -> Any:
        """The story's dated events, oldest first, each with its citations."""
        if (moved := merged_into(request, story_id)) is not None:
            return moved
        return {"story": story_id, "timeline": brief_of(story_id)["timeline"]}

    def brief_of(story_id: str) -> dict[str, Any]:
        try:
            return reader().brief_dict(story_id)
        except KeyError:
            raise HTTPException(404, f"no story {story_id!r}") from None

    @app.get("/api/articles", responses=ERROR_RESPONSES)
    def list_articles(request: Request, q: str | None = Query(None, description=QUERY_HELP),
                      query: str | None = Query(None, description="the same as q"),
                      outlet: str | None = Query(None, description=OUTLET_HELP),
                      since: str | None = Query(None, description=SINCE_HELP),
                      until: str | None = Query(None, description=UNTIL_HELP),
                      story: str | None = Query(None, description="only the articles of this story"),
                      limit: int = Query(20, ge=1, le=200), offset: int = Query(0, ge=0, le=MAX_OFFSET)) -> dict[str, Any]:
        """Stored articles (without their texts: `/api/articles/{id}` has it), newest first, or best
        match first with q."""
        filters = {"query": one_query(q, query), "outlet": outlet, "since": since, "until": until, "story": story}
        return articles_page(request, filters, limit, offset)

    def articles_page(request: Request, filters: dict[str, Any], limit: int, offset: int) -> dict[str, Any]:
        r = reader()
        with r.snapshot():
            try:
                found = r.articles(**filters, limit=limit, offset=offset)
                total = r.count_articles(**filters)
            except api.NotFound as e:
                raise HTTPException(404, str(e)) from None
            stories = {a.id: r.story_of(a.id) for a in found}
        rows = [a.to_dict(with_sentences=False) | {"story": stories[a.id]} for a in found]
        for row in rows:
            del row["text"]
        return listing(request, "articles", rows, total, limit, offset)

    @app.get("/api/outlets", responses=ERROR_RESPONSES)
    def list_outlets() -> dict[str, Any]:
        """Every outlet in the store: its one name, display name, aliases and article count."""
        outlets = reader().outlets()
        return {"outlets": outlets, "total": len(outlets)}

    @app.get("/api/articles/{article_id}", responses=NOT_FOUND_RESPONSES)
    def get_article(article_id: str) -> dict[str, Any]:
        r = reader()
        a = r.article(article_id)
        if a is None:
            raise HTTPException(404, f"no article {article_id!r}")
        published = r.publications(a.id)
        return a.to_dict() | {"story": r.story_of(a.id), "version": len(r.versions(a.id)),
                              "publications": [p.to_dict() for p in published],
                              "first": published[0].outlet if published else a.source}

    @app.get("/api/articles/{article_id}/versions", responses=NOT_FOUND_RESPONSES)
    def get_versions(article_id: str) -> dict[str, Any]:
        """Every version of the article (oldest first) and what changed from each to the next."""
        r = reader()
        versions = r.versions(article_id)
        if not versions:
            raise HTTPException(404, f"no article {article_id!r}")
        return {"versions": [{"version": v.version, "fetched_at": v.fetched_at, "title": v.title,
                              "published": v.published, "text": v.text} for v in versions],
                "changes": [c.to_dict() for c in r.version_changes(article_id)]}

    @app.get("/api/sources", responses=ERROR_RESPONSES)
    def list_sources() -> dict[str, Any]:
        """Followed feeds, sitemaps and pages with their health (last fetch, status, last problem)."""
        return {"sources": [src.to_dict() for src in reader().sources()]}

    @app.post("/api/sources", status_code=201, dependencies=[Depends(require_token)], responses=ERROR_RESPONSES)
    async def post_source(body: dict[str, Any]) -> JSONResponse:
        """Follow a source: `{"url": ..., "name": outlet}`. Stored now, read by the next watch cycle
        (the server itself never fetches a URL a request names)."""
        url, name = body.get("url"), body.get("name")
        if not isinstance(url, str) or (name is not None and not isinstance(name, str)):
            raise HTTPException(422, "'url' (text) is needed; 'name' must be text")
        try:
            src, new = await write(lambda: nf.add_source(url, name))
        except ValueError as e:
            raise HTTPException(422, str(e)) from None
        return JSONResponse({"source": src.to_dict(), "new": new}, status_code=201 if new else 200)

    # POSTed articles queue here; a job on the writer stores every POST queued by then (up to
    # MAX_QUEUED_ARTICLES) in one transaction, each all or nothing (`Newsfuse.add_batches`), and
    # answers each only after the commit. One commit per POST made the writer the limit (~30 POSTs/s
    # at 100k) and moved the store's version, retiring every kept answer, as often.
    queued: deque[tuple[list[Any], Future[tuple[api.IngestReport, list[dict[str, Any]]]]]] = deque()

    def store_queued() -> None:
        taken: list[tuple[list[Any], Future[tuple[api.IngestReport, list[dict[str, Any]]]]]] = []
        n = 0
        while queued and (not taken or n + len(queued[0][0]) <= MAX_QUEUED_ARTICLES):
            taken.append(queued.popleft())  # (one job per POST: the later jobs find the queue empty)
            n += len(taken[-1][0])
        if not taken:
            return
        try:
            outcomes = nf.add_batches([items for items, _ in taken], origin="request", entity_backlog=None)
            answers_ = []
            for outcome in outcomes:
                if isinstance(outcome, api.IngestReport):
                    posted.update(outcome.stories.values())
                    results = [{"id": a, "status": "added", "story": outcome.stories[a]} for a in outcome.added]
                    results += [{"id": stored, "status": "present", "story": nf.story_of(stored)}
                                for _, stored in outcome.present]
                    answers_.append((outcome, results))
                else:
                    answers_.append(outcome)
        except BaseException as e:  # nothing of these was stored: each POST gets the error
            for _, done in taken:
                done.set_exception(e)
            if not isinstance(e, Exception):
                raise
            return
        for (_, done), answer in zip(taken, answers_):
            if isinstance(answer, BaseException):
                done.set_exception(answer)
            else:
                done.set_result(answer)

    @app.post("/api/articles", status_code=201, dependencies=[Depends(require_token)],
              responses={200: {"description": "every article was already stored"}} | ERROR_RESPONSES,
              openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {
                  "oneOf": [ARTICLE_SCHEMA, {"type": "array", "items": ARTICLE_SCHEMA, "maxItems": MAX_BATCH}]}}}}})
    async def post_articles(request: Request) -> JSONResponse:
        """Store one article or a list (all or nothing); each joins a story."""
        # Read in pieces and stop at the limit: a chunked body has no Content-Length to check first.
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise HTTPException(413, f"body too large (limit {MAX_BODY_BYTES // 2**20} MB)")
            chunks.append(chunk)
        body = b"".join(chunks)
        try:
            data = api.loads_json(body.decode("utf-8"))
        except UnicodeDecodeError as e:
            raise HTTPException(400, f"body is not JSON: not UTF-8 at byte {e.start}") from None
        except api.IngestError as e:
            raise HTTPException(400, f"body is {e}") from None
        items = data if isinstance(data, list) else [data]
        if not items:
            raise HTTPException(400, "no articles in the body")
        if len(items) > MAX_BATCH:
            raise HTTPException(413, f"at most {MAX_BATCH} articles per request")
        if not all(isinstance(i, dict) for i in items):
            raise HTTPException(422, "each article must be a JSON object")

        done: Future[tuple[api.IngestReport, list[dict[str, Any]]]] = Future()
        queued.append((items, done))
        writer.submit(store_queued)
        try:
            report, results = await asyncio.wrap_future(done)
        except api.BatchRejected as e:
            raise HTTPException(422 if e.stage == "read" else 409, str(e)) from None
        return JSONResponse({"articles": results}, status_code=201 if report.added else 200)

    @app.get("/api/search", responses=ERROR_RESPONSES)
    def search(request: Request, q: str | None = Query(None, description=QUERY_HELP),
               query: str | None = Query(None, description="the same as q"),
               outlet: str | None = Query(None, description=OUTLET_HELP),
               since: str | None = Query(None, description=SINCE_HELP),
               until: str | None = Query(None, description=UNTIL_HELP),
               limit: int = Query(20, ge=1, le=200), offset: int = Query(0, ge=0, le=MAX_OFFSET)) -> dict[str, Any]:
        """Articles matching q, best first, each with its best passage (`snippet`) and the
        characters that match in it (`marks`: [start, end] offsets)."""
        text = one_query(q, query)  # none or only spaces: the API's BadParameter, 422, as in every face
        found = reader().search(text or "", outlet=outlet, since=since, until=until, limit=limit, offset=offset)
        rows = [{"id": h.article.id, "title": h.article.title, "source": h.article.source,
                 "published": h.article.published, "story": h.story, "snippet": h.snippet.text,
                 "marks": [list(m) for m in h.snippet.marks]} for h in found.items]
        return listing(request, "results", rows, found.total, limit, offset)

    # ------------------------------------------------------------ pages

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs(request: Request):
        return templates.TemplateResponse(request, "docs.html", {})

    def page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
        """A page in the reader's UI language (`?lang=` sets it and a cookie keeps it; Vietnamese
        by default), with its words, readable dates and links built for it."""
        lang = page_lang(request)

        def lang_query(code: str) -> str:
            return urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "lang"] + [("lang", code)])

        names = {code: display.messages()[code]["lang_name"] for code in display.LANGUAGES}
        response = templates.TemplateResponse(request, name, {
            "lang": lang, "t": display.translator(lang), "when": lambda v: display.when(v, lang),
            "said": lambda v: display.brief_words(v, lang),
            "day": display.day_of, "lang_query": lang_query, "page_name": name.split(".")[0],
            "other_languages": [(c, n) for c, n in names.items() if c != lang], **context}, status_code=status_code)
        if request.query_params.get("lang") == lang:
            response.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax", httponly=True)
        return response

    def filter_link(**filters: Any) -> str:
        return urlencode({k: v for k, v in filters.items() if v})

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(request: Request, q: str | None = None, query: str | None = None, entity: str | None = None,
              outlet: str | None = None, since: str | None = None, until: str | None = None,
              sort: str | None = None, lang: str | None = None, page_number: int = Query(1, ge=1, le=MAX_PAGE,
                                                                                        alias="page")):
        per_page = 30
        r = reader()
        if entity and entity.strip():
            index_entities_now()
        text = (q if q is not None else query) or ""
        current = {"q": text, "entity": entity or "", "outlet": outlet or "", "since": since or "",
                   "until": until or "", "sort": sort or ""}
        filters = {"query": text or None, "entity": entity or None, "outlet": outlet or None,
                   "since": since or None, "until": until or None}
        error, stories, total, hits = None, [], 0, []
        try:
            with r.snapshot():
                stories = r.stories(**filters, sort=sort or None, limit=per_page + 1, offset=(page_number - 1) * per_page)
                total = r.count_stories(**filters)
                if text.strip() and page_number == 1:  # (a query of spaces is no query: no search)
                    hits = r.search(text, outlet=filters["outlet"], since=filters["since"], until=filters["until"],
                                    limit=5).items
        except api.BadParameter as e:
            error = display.parameter_error(e, page_lang(request))

        def with_filters(**changes: Any) -> str:
            merged = {k: v for k, v in current.items() if v} | {"page": ""}
            merged.update({k: v for k, v in changes.items()})
            return filter_link(**merged)

        labels = {"q": "“{}”", "entity": "{}", "outlet": "{}", "since": "≥ {}", "until": "≤ {}"}
        active = [(k, labels[k].format(display.when(v, "vi") if k in ("since", "until") else v),
                   filter_link(**{x: y for x, y in current.items() if x != k}))
                  for k, v in current.items() if v and k in labels]
        return page(request, "index.html", {
            "stories": stories[:per_page], "total": total, "hits": hits, "error": error, "active": active,
            "with_filters": with_filters, "outlets": r.outlets(), "outlet_name": r.outlet(outlet) if outlet else "",
            "page": page_number, "has_next": len(stories) > per_page, **current},
            status_code=422 if error else 200)

    @app.get("/sources", response_class=HTMLResponse, include_in_schema=False)
    def sources_page(request: Request, lang: str | None = None):
        rows = [src.to_dict() for src in reader().sources()]
        t = display.translator(page_lang(request))

        def said(prefix: str, value: str | None) -> str:  # a kind or status in the page's words
            key = f"{prefix}_{(value or '').replace(' ', '_')}"
            return t(key) if value and key in display.messages()[page_lang(request)] else value or "—"

        return page(request, "sources.html", {"sources": rows, "said": said})

    @app.get("/stories/{story_id}", response_class=HTMLResponse, include_in_schema=False)
    def story_page(request: Request, story_id: str, lang: str | None = None):
        if (moved := merged_into(request, story_id)) is not None:
            return moved
        r = reader()
        try:
            brief = r.brief_dict(story_id)
            articles = r.story_articles(story_id)
            if {a.id for a in articles} != {a["id"] for a in brief["articles"]}:
                with r.snapshot():  # members changed in between: both as of one moment
                    brief = r.brief_dict(story_id)
                    articles = r.story_articles(story_id)
        except KeyError:
            raise PageError(404, display.translator(page_lang(request))("no_story", id=story_id)) from None
        # Side by side in time order, oldest first; an undated article (shown at the story's date) last of its day.
        articles = sorted(articles, key=lambda a: (a.published or "", bool(a.extra.get("date_from_story")), a.id))
        kind_of: dict[tuple[str, int], str] = {}
        fact_of: dict[tuple[str, int], int] = {}
        for f in brief["facts"]:
            for c in f["citations"]:
                kind_of[(c["article_id"], c["sentence_index"])] = f["kind"]
                fact_of[(c["article_id"], c["sentence_index"])] = f["id"]
        numbers = {a["id"]: k for k, a in enumerate(brief["articles"], 1)}
        sentences = {a.id: {s.index: s.text for s in a.sentences} for a in articles}
        from ..brief import also_published_by, republishers

        lang = page_lang(request)
        t = display.translator(lang)
        also = {a["id"]: also_published_by(a, t, lambda v: display.when(v, lang)) for a in brief["articles"]}
        already = {a["id"]: {p["article_id"] for p in republishers(a)} for a in brief["articles"]}
        # Each copy says whose it is; its original says who else published it (outlet and time).
        copy_of: dict[str, list[str]] = {}
        for c in brief.get("copies", []):
            copy_of.setdefault(c["article_id"], []).append(t(
                "copy_line", n=numbers.get(c["original_id"], "?"), outlet=c["original_outlet"] or t("unknown_outlet"),
                date=display.when(c["original_published"], lang)))
            if c["article_id"] in already.get(c["original_id"], ()):  # its publication is listed already
                continue
            line = f"{c['outlet'] or t('unknown_outlet')} {display.when(c['published'], lang)}".strip()
            also[c["original_id"]] = ", ".join(x for x in (also.get(c["original_id"]), line) if x)
        other = display.translator(lang)("unknown_outlet")
        chart = display.coverage([{"id": a.id, "outlet": a.source, "date": a.published,
                                   "undated": bool(a.extra.get("date_from_story"))} for a in articles], lang, other)
        groups = [(kind, [e for e in brief["entities"] if e["type"] == kind][:25]) for kind in ("PER", "ORG", "LOC")]
        return page(request, "story.html", {
            "brief": brief, "articles": articles, "kind_of": kind_of, "fact_of": fact_of,
            "numbers": numbers, "sentences": sentences, "also": also, "copy_of": copy_of,
            "chart": chart, "marks": display.timeline_marks(brief["timeline"], lang),
            "entity_groups": [(k, g) for k, g in groups if g], "filter_link": filter_link,
            "outlet_count": len({a.source for a in articles if a.source}),
            "conflict_facts": [f for f in brief["facts"] if f["kind"] == "conflict"]})

    return app
