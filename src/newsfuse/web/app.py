"""REST API and web page over one store (FastAPI; templates rendered on the server).

SQLite allows one writer: writes go through one lock, reads run on their own connections in
WAL mode so a long ingest never blocks readers.
"""

from __future__ import annotations

import hmac
import os
import threading
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import api
from ..config import TOKEN_ENV_VAR

HERE = Path(__file__).parent
MAX_BODY_BYTES = 10 * 1024 * 1024
MAX_BATCH = 1000


def create_app(nf: api.Newsfuse, *, token: str | None = None) -> FastAPI:
    """The ASGI app. `token` (or $NEWSFUSE_API_TOKEN) is required as a Bearer token for writes."""
    token = token if token is not None else os.environ.get(TOKEN_ENV_VAR) or None
    app = FastAPI(title="newsfuse", version="0.1.0",
                  description="Stories fused from many outlets: cited summaries, facts, entities, timelines.")
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    write_lock = threading.Lock()
    local = threading.local()

    def reader() -> api.Newsfuse:
        # One read connection per worker thread; the writer keeps its own.
        if getattr(local, "nf", None) is None:
            local.nf = api.Newsfuse(nf.config)
        return local.nf

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return JSONResponse({"error": f"{where}: {first.get('msg', 'invalid request')}"}, status_code=422)

    @app.middleware("http")
    async def limit_body(request: Request, call_next):
        size = request.headers.get("content-length")
        if size is not None and size.isdigit() and int(size) > MAX_BODY_BYTES:
            return JSONResponse({"error": f"body too large (limit {MAX_BODY_BYTES // 2**20} MB)"}, status_code=413)
        return await call_next(request)

    def require_token(request: Request) -> None:
        if token is None:
            return
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given, token):
            raise HTTPException(401, "missing or wrong API token")

    def story_row(s) -> dict[str, Any]:
        return s.to_dict()

    # ------------------------------------------------------------ JSON API

    @app.get("/api/stories")
    def list_stories(
        since: str | None = None, until: str | None = None, outlet: str | None = None,
        entity: str | None = None, q: str | None = None,
        limit: int = Query(20, ge=1, le=200), offset: int = Query(0, ge=0),
    ) -> dict[str, Any]:
        stories = reader().stories(since=since, until=until, source=outlet, entity=entity, query=q,
                                   limit=limit, offset=offset)
        return {"stories": [story_row(s) for s in stories], "limit": limit, "offset": offset}

    @app.get("/api/stories/{story_id}")
    def get_story(story_id: str) -> Response:
        """The story's brief: summary with citations, facts, entities, timeline, articles."""
        try:
            return Response(reader().brief_json(story_id), media_type="application/json")
        except KeyError:
            raise HTTPException(404, f"no story {story_id!r}") from None

    @app.get("/api/articles/{article_id}")
    def get_article(article_id: str) -> dict[str, Any]:
        r = reader()
        a = r.article(article_id)
        if a is None:
            raise HTTPException(404, f"no article {article_id!r}")
        published = r.publications(a.id)
        return a.to_dict() | {"story": r.story_of(a.id), "version": len(r.versions(a.id)),
                              "publications": [p.to_dict() for p in published],
                              "first": published[0].outlet if published else a.source}

    @app.get("/api/articles/{article_id}/versions")
    def get_versions(article_id: str) -> dict[str, Any]:
        """Every version of the article (oldest first) and what changed from each to the next."""
        r = reader()
        versions = r.versions(article_id)
        if not versions:
            raise HTTPException(404, f"no article {article_id!r}")
        return {"versions": [{"version": v.version, "fetched_at": v.fetched_at, "title": v.title,
                              "published": v.published, "text": v.text} for v in versions],
                "changes": [c.to_dict() for c in r.version_changes(article_id)]}

    @app.get("/api/sources")
    def list_sources() -> dict[str, Any]:
        """Followed feeds, sitemaps and pages with their health (last fetch, status, last problem)."""
        return {"sources": [src.to_dict() for src in reader().sources()]}

    @app.post("/api/sources", status_code=201, dependencies=[Depends(require_token)])
    def post_source(body: dict[str, Any]) -> JSONResponse:
        """Follow a source: `{"url": ..., "name": outlet}`. Stored now, read by the next watch cycle
        (the server itself never fetches a URL a request names)."""
        url, name = body.get("url"), body.get("name")
        if not isinstance(url, str) or (name is not None and not isinstance(name, str)):
            raise HTTPException(422, "'url' (text) is needed; 'name' must be text")
        with write_lock:
            try:
                src, new = nf.add_source(url, name)
            except ValueError as e:
                raise HTTPException(422, str(e)) from None
        return JSONResponse({"source": src.to_dict(), "new": new}, status_code=201 if new else 200)

    @app.post("/api/articles", status_code=201, dependencies=[Depends(require_token)])
    async def post_articles(request: Request) -> JSONResponse:
        # Read in pieces and stop at the limit: a chunked body has no Content-Length to check first.
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise HTTPException(413, f"body too large (limit {MAX_BODY_BYTES // 2**20} MB)")
            chunks.append(chunk)
        body = b"".join(chunks)
        import json

        try:
            data = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise HTTPException(400, f"body is not JSON: {e}") from None
        items = data if isinstance(data, list) else [data]
        if not items:
            raise HTTPException(400, "no articles in the body")
        if len(items) > MAX_BATCH:
            raise HTTPException(413, f"at most {MAX_BATCH} articles per request")
        if not all(isinstance(i, dict) for i in items):
            raise HTTPException(422, "each article must be a JSON object")
        with write_lock:
            # All or nothing: a batch with a bad article stores none of them.
            try:
                report = nf.add_many(items, origin="request", all_or_nothing=True)
            except api.BatchRejected as e:
                raise HTTPException(422 if e.stage == "read" else 409, str(e)) from None
        results = [{"id": a, "status": "added", "story": report.stories[a]} for a in report.added]
        results += [{"id": stored, "status": "present", "story": nf.story_of(stored)}
                    for _, stored in report.present]
        return JSONResponse({"articles": results}, status_code=201 if report.added else 200)

    @app.get("/api/search")
    def search(q: str = Query(..., min_length=1), limit: int = Query(20, ge=1, le=200)) -> dict[str, Any]:
        r = reader()
        return {"results": [{"id": a.id, "title": a.title, "source": a.source, "published": a.published,
                             "snippet": snip, "story": r.story_of(a.id)} for a, snip in r.search(q, limit)]}

    # ------------------------------------------------------------ pages

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(request: Request, q: str | None = None, entity: str | None = None, page: int = Query(1, ge=1)):
        per_page = 30
        stories = reader().stories(query=q or None, entity=entity or None, limit=per_page + 1,
                                   offset=(page - 1) * per_page)
        return templates.TemplateResponse(request, "index.html", {
            "stories": stories[:per_page], "q": q or "", "entity": entity or "", "page": page,
            "has_next": len(stories) > per_page})

    @app.get("/sources", response_class=HTMLResponse, include_in_schema=False)
    def sources_page(request: Request):
        import time

        rows = [src.to_dict() | {"next": time.strftime("%Y-%m-%d %H:%M", time.localtime(src.next_fetch))
                                 if src.next_fetch else "now"} for src in reader().sources()]
        return templates.TemplateResponse(request, "sources.html", {"sources": rows})

    @app.get("/stories/{story_id}", response_class=HTMLResponse, include_in_schema=False)
    def story_page(request: Request, story_id: str):
        r = reader()
        try:
            brief = r.brief_dict(story_id)
        except KeyError:
            raise HTTPException(404, f"no story {story_id!r}") from None
        articles = r.story_articles(story_id)
        kind_of: dict[tuple[str, int], str] = {}
        fact_of: dict[tuple[str, int], int] = {}
        for f in brief["facts"]:
            for c in f["citations"]:
                kind_of[(c["article_id"], c["sentence_index"])] = f["kind"]
                fact_of[(c["article_id"], c["sentence_index"])] = f["id"]
        numbers = {a["id"]: k for k, a in enumerate(brief["articles"], 1)}
        sentences = {a.id: {s.index: s.text for s in a.sentences} for a in articles}
        from ..brief import also_published_by

        also = {a["id"]: also_published_by(a) for a in brief["articles"]}
        return templates.TemplateResponse(request, "story.html", {
            "brief": brief, "articles": articles, "kind_of": kind_of, "fact_of": fact_of,
            "numbers": numbers, "sentences": sentences, "also": also})

    return app
