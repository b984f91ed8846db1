"""The `newsfuse` command: a thin face over `newsfuse.api` and the stateless stages."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from .config import DB_ENV_VAR, Config, default_db_path

if TYPE_CHECKING:  # imported when a command runs: `newsfuse --help` loads no stage (bench/startup.py)
    from . import api

app = typer.Typer(
    help="newsfuse: read the news from many outlets as one sourced story per event.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)

DbOption = Annotated[Optional[Path], typer.Option("--db", help=f"Database file (default: ${DB_ENV_VAR} or "
                                                  "newsfuse.db in the user data folder).", show_default=False)]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON lines instead of a table.")]


def _open(db: Path | None) -> api.Newsfuse:
    from . import api

    try:
        return api.open(db or default_db_path())
    except api.StoreError as e:
        _fail(str(e))


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _emit(rows: list[dict], as_json: bool, columns: list[str]) -> None:
    if as_json:
        for r in rows:
            typer.echo(json.dumps(r, ensure_ascii=False, default=str))
        return
    if not rows:
        typer.echo("(nothing)")
        return
    widths = {c: min(60, max(len(c), *(len(str(r.get(c) or "")) for r in rows))) for c in columns}
    typer.echo("  ".join(c.ljust(widths[c]) for c in columns))
    for r in rows:
        cells = []
        for c in columns:
            v = str(r.get(c) if r.get(c) is not None else "")
            cells.append((v if len(v) <= widths[c] else v[: widths[c] - 1] + "…").ljust(widths[c]))
        typer.echo("  ".join(cells).rstrip())


def _ingest(nf: api.Newsfuse, paths: list[Path], quiet: bool) -> api.IngestReport:
    from tqdm import tqdm

    stored = nf.count_articles()
    if stored:  # the story and copy indexes are rebuilt from the store first
        with tqdm(desc="reading the store", total=stored, unit=" articles", disable=None if not quiet else True,
                  file=sys.stderr, leave=False) as bar:
            nf.warm(progress=bar.update)
    with tqdm(desc="ingest", unit=" articles", disable=None if not quiet else True, file=sys.stderr) as bar:
        report = nf.ingest(paths, progress=bar.update)
    for line in report.rejected:
        typer.echo(f"rejected: {line}", err=True)
    typer.echo(report.summary())
    return report


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders: .txt, .jsonl, .json, .html, .rss/.atom/.xml")],
    db: DbOption = None,
    encoding: Annotated[Optional[str], typer.Option(help="Read text files in this encoding (e.g. cp1258).")] = None,
    follow: Annotated[bool, typer.Option("--follow", help="Keep watching the folders and ingest new files as "
                                         "they appear; each article joins a story as it arrives.")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between looks with --follow.")] = 2.0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Store articles; each joins a story as it comes in. Exit code 1 if anything was rejected."""
    from dataclasses import replace

    from .config import IngestConfig

    nf = _open(db)
    if encoding:
        nf.config = replace(nf.config, ingest=IngestConfig(encoding=encoding))
    if not follow:
        report = _ingest(nf, paths, quiet)
        raise typer.Exit(0 if report.ok else 1)
    from .ingest import FolderFollower, expand

    # Files already settled are read now; younger ones (maybe still being written) wait until
    # they stop changing (FolderFollower).
    found = list(expand(paths))
    for missing in (p for p in found if not isinstance(p, Path)):
        typer.echo(f"rejected: {missing}", err=True)
    settled = [p for p in found if isinstance(p, Path) and time.time() - p.stat().st_mtime >= interval]
    if settled:
        _ingest(nf, settled, quiet)
    follower = FolderFollower(paths, taken=settled)
    follower.look()
    typer.echo(f"following {', '.join(map(str, paths))} (Ctrl-C to stop)", err=True)
    try:
        while True:
            time.sleep(interval)
            ready = follower.look()
            if ready:
                _ingest(nf, ready, quiet=True)
    except KeyboardInterrupt:
        typer.echo("stopped", err=True)


sources_app = typer.Typer(help="Feeds, sitemaps and pages `newsfuse watch` follows.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")


def _source_row(src) -> dict:
    return src.to_dict() | {"next_fetch": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(src.next_fetch))
                            if src.next_fetch else "now"}


@sources_app.command("add")
def sources_add(urls: Annotated[list[str], typer.Argument(help="Feed, sitemap or page URLs (a page's feed is found).")],
                name: Annotated[Optional[str], typer.Option("--name", help="The outlet of these sources' articles "
                                                            "(default: each page's site).")] = None,
                db: DbOption = None,
                check: Annotated[bool, typer.Option("--check/--no-check", help="Read each source now: find the feed "
                                                    "of a page, list its items, show its health.")] = True) -> None:
    """Follow sources. Exit code 1 if one could not be added or read."""
    nf = _open(db)
    ok = True
    for url in urls:
        try:
            src, new = nf.add_source(url, name, read_now=check)
        except ValueError as e:
            typer.echo(f"error: {e}", err=True)
            ok = False
            continue
        what = f"{src.kind or 'not read yet'}" + (f" {src.feed_url}" if src.feed_url and src.feed_url != src.url else "")
        typer.echo(f"{'added' if new else 'already followed'} [{src.id}] {src.url}: {what}, {src.pending} items pending"
                   + (f"; {src.status}: {src.error}" if src.error else ""))
        ok = ok and src.status not in ("error", "robots", "paused")
    raise typer.Exit(0 if ok else 1)


@sources_app.command("import")
def sources_import(opml: Annotated[Path, typer.Argument(help="An OPML file (a feed reader's export).")],
                   db: DbOption = None,
                   check: Annotated[bool, typer.Option("--check/--no-check", help="Read each feed now.")] = False) -> None:
    """Follow every feed an OPML file lists."""
    nf = _open(db)
    try:
        added = nf.import_opml(opml, read_now=check)
    except ValueError as e:
        _fail(str(e))
    typer.echo(f"{sum(new for _, new in added)} sources added, {sum(not new for _, new in added)} already followed"
               f" (from {opml})")


@sources_app.command("list")
def sources_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every followed source with its health: last fetch, status, articles, errors, the last problem."""
    nf = _open(db)
    _emit([_source_row(s) for s in nf.sources()], as_json,
          ["id", "url", "kind", "last_fetch", "status", "articles", "pending", "errors", "error"])


@sources_app.command("remove")
def sources_remove(keys: Annotated[list[str], typer.Argument(help="Source ids or URLs.")], db: DbOption = None) -> None:
    """Stop following sources; the articles they brought stay."""
    nf = _open(db)
    for key in keys:
        try:
            src = nf.remove_source(key)
        except KeyError as e:
            _fail(str(e.args[0]), 1)
        typer.echo(f"removed [{src.id}] {src.url}")


@app.command()
def watch(db: DbOption = None,
          once: Annotated[bool, typer.Option("--once", help="One cycle, then exit.")] = False,
          interval: Annotated[Optional[float], typer.Option(help="Seconds between two fetches of one source "
                                                            "(default 900).")] = None,
          user_agent: Annotated[Optional[str], typer.Option("--user-agent", help="Say who you are to the outlets' "
                                                            "servers (add a contact).")] = None) -> None:
    """Follow every source: new and edited articles are fetched, extracted and join stories as they
    arrive. One progress line per cycle; Ctrl-C stops between two articles and the next run resumes."""
    import signal
    from dataclasses import replace

    nf = _open(db)
    config = nf.config.watch
    if interval is not None:
        if interval <= 0:
            _fail("--interval must be more than 0 seconds")
        config = replace(config, interval=interval)
    if user_agent:
        config = replace(config, user_agent=user_agent)
    if not nf.sources():
        _fail("no sources followed yet: newsfuse sources add URL", 1)
    with nf.watcher(config) as watcher:
        def stop(signum, frame) -> None:
            if watcher.stop.is_set():
                raise KeyboardInterrupt
            typer.echo("stopping after the article being stored (Ctrl-C again to quit at once)", err=True)
            watcher.stop.set()

        previous = signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            reports = watcher.run(once=once, progress=lambda r: typer.echo(r.line(), err=True))
        finally:
            signal.signal(signal.SIGINT, previous)
    if watcher.stop.is_set():
        typer.echo(f"stopped; {reports[-1].pending if reports else 0} items pending, the next watch resumes them",
                   err=True)
    raise typer.Exit(1 if reports and reports[-1].failed and once else 0)


@app.command()
def articles(
    db: DbOption = None,
    source: Annotated[Optional[str], typer.Option(help="Only this outlet.")] = None,
    since: Annotated[Optional[str], typer.Option(help="From this date (ISO, e.g. 2023-06).")] = None,
    until: Annotated[Optional[str], typer.Option(help="Up to this date, inclusive (ISO).")] = None,
    limit: int = 50,
    offset: int = 0,
    as_json: JsonOption = False,
) -> None:
    """List stored articles, newest first."""
    nf = _open(db)
    rows = []
    for a in nf.articles(source=source, since=since, until=until, limit=limit, offset=offset):
        row = a.to_dict(with_sentences=False)
        del row["text"]  # `newsfuse show ID` prints it
        rows.append(row)
    _emit(rows, as_json, ["id", "published", "source", "title"])


outlets_app = typer.Typer(help="Outlets in the store: one name each, with the names they also go by.",
                          invoke_without_command=True, no_args_is_help=False)
app.add_typer(outlets_app, name="outlets")


@outlets_app.callback()
def outlets(ctx: typer.Context, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Outlets in the store with how many articles each has and their aliases (hosts, dateline
    codes, site names); `newsfuse outlets alias NAME OUTLET` adds one."""
    if ctx.invoked_subcommand is not None:
        return
    nf = _open(db)
    rows = [r | ({} if as_json else {"aliases": ", ".join(r["aliases"])}) for r in nf.outlets()]
    _emit(rows, as_json, ["outlet", "name", "articles", "aliases"])


@outlets_app.command("alias")
def outlets_alias(alias: Annotated[str, typer.Argument(help="Another name of the outlet (a code, a site name, a host).")],
                  outlet: Annotated[str, typer.Argument(help="The outlet (its host, e.g. tienphong.vn, or any name of it).")],
                  db: DbOption = None) -> None:
    """Make ALIAS one more name of OUTLET; stored articles under ALIAS move to OUTLET."""
    nf = _open(db)
    try:
        folded = nf.add_outlet_alias(alias, outlet)
    except ValueError as e:
        _fail(str(e))
    typer.echo(f"{alias!r} is now {nf.outlet(outlet)!r}" + (f" ({folded} stored name(s) folded into it)" if folded else ""))


@app.command()
def show(article_id: str, db: DbOption = None, as_json: JsonOption = False,
         words: Annotated[bool, typer.Option("--words", help="Also show each sentence's words "
                                             "(Vietnamese word segmentation, `|` between words).")] = False,
         versions: Annotated[bool, typer.Option("--versions", help="Every version the outlet published and what "
                                                "changed from each to the next (sentences removed -, added +).")] = False,
         ) -> None:
    """One article: metadata, then its sentences with character offsets."""
    from .text import segment_words

    nf = _open(db)
    a = nf.article(article_id)
    if a is None:
        _fail(f"no article {article_id!r}", 1)
    if versions:
        _show_versions(nf, article_id, as_json)
        return
    if as_json:
        typer.echo(json.dumps(a.to_dict(), ensure_ascii=False))
        return
    for k in ("id", "title", "source", "published", "author", "url", "language", "origin"):
        typer.echo(f"{k:>10}: {getattr(a, k) or '-'}")
    typer.echo(f"{'story':>10}: {nf.story_of(a.id) or '-'}")
    all_versions = nf.versions(a.id)
    if len(all_versions) > 1:
        typer.echo(f"{'version':>10}: {all_versions[-1].version} of {len(all_versions)} (--versions shows the changes)")
    published = nf.publications(a.id)
    if len(published) > 1:
        typer.echo(f"{'first':>10}: {published[0].outlet or '?'} {published[0].published or ''}".rstrip())
        for p in published:
            if p.article_id != a.id or p.kind == "exact":
                typer.echo(f"{'also':>10}: {p.outlet or '?'} {p.published or p.seen_at or ''} ({p.kind} copy"
                           f"{'' if p.kind == 'exact' else ', ' + p.article_id}) {p.url or ''}".rstrip())
    for c in a.captions:
        typer.echo(f"{'caption':>10}: [{c.start}:{c.end}] {c.text}")
    typer.echo("")
    for s in a.sentences:
        typer.echo(f"{s.index:3d} [{s.start}:{s.end}] {s.text}")
        if words:
            typer.echo("    " + " | ".join(segment_words(s.text, a.language)))


def _show_versions(nf: api.Newsfuse, article_id: str, as_json: bool) -> None:
    all_versions = nf.versions(article_id)
    found = nf.version_changes(article_id)
    if as_json:
        typer.echo(json.dumps({"versions": [{"version": v.version, "fetched_at": v.fetched_at, "title": v.title,
                                             "published": v.published} for v in all_versions],
                               "changes": [c.to_dict() for c in found]}, ensure_ascii=False))
        return
    for v in all_versions:
        typer.echo(f"version {v.version}  {v.fetched_at}  {v.title}")
    if not found:
        typer.echo("(one version only)")
    for c in found:
        typer.echo(f"\nversion {c.before} -> {c.after} ({c.fetched_at}; {c.kept} sentences unchanged)")
        if c.title:
            typer.echo(f"  title: {c.title[0]!r} -> {c.title[1]!r}")
        for op, sentence in c.lines:
            typer.echo(f"  {op} {sentence}")


@app.command()
def search(query: str, db: DbOption = None, limit: int = 20, as_json: JsonOption = False) -> None:
    """Full-text search (tone marks and case do not matter: `hoà` finds `hòa`)."""
    nf = _open(db)
    rows = [{"id": a.id, "published": a.published, "source": a.source, "title": a.title, "snippet": snip}
            for a, snip in nf.search(query, limit)]
    _emit(rows, as_json, ["id", "published", "source", "snippet"])


@app.command()
def stories(
    db: DbOption = None,
    entity: Annotated[Optional[str], typer.Option(help="Only stories with a person, organisation or place of this name (any part of it; tone marks and case aside).")] = None,
    source: Annotated[Optional[str], typer.Option(help="Only stories with an article from this outlet.")] = None,
    since: Optional[str] = None,
    until: Optional[str] = None,
    query: Annotated[Optional[str], typer.Option(help="Only stories whose articles match this text.")] = None,
    limit: int = 50,
    offset: int = 0,
    as_json: JsonOption = False,
) -> None:
    """List stories, latest first: size, outlets, first and last date, title."""
    nf = _open(db)
    rows = [s.to_dict() | ({} if as_json else {"outlets": ", ".join(s.outlets),
                                                "also_published_by": ", ".join(s.also_published_by)})
            for s in nf.stories(entity=entity, source=source, since=since, until=until, query=query, limit=limit,
                                offset=offset)]
    _emit(rows, as_json, ["id", "size", "first_date", "last_date", "outlets", "also_published_by", "title"])


@app.command()
def brief(
    story_id: str,
    db: DbOption = None,
    format: Annotated[str, typer.Option("--format", "-f", help="md, json or html")] = "md",
    words: Annotated[int, typer.Option(help="Summary budget in syllables.")] = 180,
) -> None:
    """The brief of a story: cited summary, shared / only-one / conflicting facts, entities, timeline."""
    from .brief import BriefError, to_html, to_markdown

    nf = _open(db)
    if nf.story(story_id) is None:
        _fail(f"no story {story_id!r}", 1)
    try:
        b = nf.brief(story_id, words=words)
    except BriefError as e:
        _fail(str(e))
    if format == "json":
        typer.echo(json.dumps(b.to_dict(), ensure_ascii=False, indent=1))
    elif format == "html":
        typer.echo(to_html(b))
    elif format == "md":
        typer.echo(to_markdown(b))
    else:
        _fail(f"unknown format {format!r} (md, json, html)")


@app.command()
def entities(story_id: str, db: DbOption = None, as_json: JsonOption = False) -> None:
    """People, organisations and places of a story, merged across outlets, with their roles."""
    nf = _open(db)
    if nf.story(story_id) is None:
        _fail(f"no story {story_id!r}", 1)
    rows = [{"name": e.name, "type": e.type, "roles": "; ".join(e.roles), "outlets": len(e.outlets),
             "mentions": len(e.mentions)} | ({"aliases": e.aliases} if as_json else {})
            for e in nf.entities(story_id)]
    unread = nf.unread_languages(story_id)
    if unread:
        typer.echo(f"{story_id}: names not read in {', '.join(unread)} (no language pack for it)", err=True)
    _emit(rows, as_json, ["type", "name", "mentions", "outlets", "roles"])


@app.command()
def timeline(story_id: str, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Dated events of a story, oldest first."""
    nf = _open(db)
    if nf.story(story_id) is None:
        _fail(f"no story {story_id!r}", 1)
    rows = [asdict(ev) | {"sources": len({c.article_id for c in ev.citations})} for ev in nf.timeline(story_id)]
    _emit(rows, as_json, ["date", "sources", "text"])


def _read_jsonl_articles(path: Path) -> list:
    from .config import IngestConfig
    from .ingest import Rejection, read_jsonl

    if not path.is_file():
        _fail(f"{path}: no such file")
    good = []
    for item in read_jsonl(path, IngestConfig()):
        if isinstance(item, Rejection):
            typer.echo(f"rejected: {item}", err=True)
        else:
            good.append(item)
    return good


@app.command()
def cluster(
    input: Annotated[Path, typer.Argument(help="articles.jsonl")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write {id, story} lines.")],
) -> None:
    """Stateless batch clustering of a JSONL file into stories (nothing is stored)."""
    from .stories import cluster as run

    arts = _read_jsonl_articles(input)
    assignments = run(arts, Config().stories)
    with out.open("w", encoding="utf-8") as fh:
        for a in assignments:
            fh.write(json.dumps({"id": a.article_id, "story": a.story_id}, ensure_ascii=False) + "\n")
    typer.echo(f"{len(assignments)} articles in {len({a.story_id for a in assignments})} stories -> {out}")


@app.command()
def summarize(
    input: Annotated[Path, typer.Argument(help="articles.jsonl")],
    out: Annotated[Path, typer.Option("--out", "-o")],
    group_by: Annotated[str, typer.Option("--group-by", help="Field that names each article's group.")] = "cluster_id",
    words: int = 180,
) -> None:
    """Stateless: one cited summary per group of a JSONL file (for evaluation)."""
    from dataclasses import replace

    from .brief import BriefError, make_brief

    arts = _read_jsonl_articles(input)
    groups: dict[str, list] = {}
    for a in arts:
        # Unknown JSONL fields (cluster_id, ...) are kept in `extra`; known ones are attributes.
        attribute = {"date": "published"}.get(group_by, group_by)
        key = a.extra.get(group_by, getattr(a, attribute) if attribute in type(a).__dataclass_fields__ else None)
        if key is None:
            _fail(f"{a.origin}: no field {group_by!r}")
        groups.setdefault(str(key), []).append(a)
    config = replace(Config().brief, words=words)
    with out.open("w", encoding="utf-8") as fh:
        for key, members in groups.items():
            try:
                b = make_brief(key, members, (), config)
            except BriefError as e:
                _fail(f"group {key}: {e}")
            fh.write(json.dumps({group_by: key, "summary": [
                {"text": s.text, "sources": sorted({c.article_id for c in s.citations})} for s in b.summary]},
                ensure_ascii=False) + "\n")
    typer.echo(f"{len(groups)} summaries -> {out}")


@app.command()
def serve(
    db: DbOption = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    allowed_host: Annotated[Optional[list[str]], typer.Option(
        "--allowed-host", help="Also answer requests for this Host name (repeatable; `*` = any). The bound "
        "address, and loopback names when it is one, are always allowed.")] = None,
) -> None:
    """REST API and web page over the store (http://HOST:PORT/)."""
    import uvicorn

    from .web.app import allowed_hosts_for, create_app

    nf = _open(db)
    typer.echo(f"serving {nf.config.db} at http://{host}:{port}/", err=True)
    app_ = create_app(nf, allowed_hosts=allowed_hosts_for(host, allowed_host or ()))
    uvicorn.run(app_, host=host, port=port, log_level="warning")


@app.command()
def demo(
    db: DbOption = None,
    serve_: Annotated[bool, typer.Option("--serve", help="Then serve the web page (with the shared corpus too, "
                                         "if ../shared is there).")] = False,
    port: int = 8000,
) -> None:
    """Ingest the two example reports of one event and print what was stored and their brief."""
    from .brief import to_markdown

    target = db or Path.cwd() / "newsfuse-demo.db"
    nf = _open(target)
    typer.echo(f"database: {target}")
    from .api import EXAMPLES

    report = _ingest(nf, sorted(EXAMPLES.glob("*.txt")), quiet=True)
    for a in nf.articles(limit=10):
        typer.echo(f"- {a.id}  outlet={a.source or '?'}  date={a.published or '?'}  author={a.author or '?'}"
                   f"  {a.title[:70]}")
    story_ids = {sid for sid in (nf.story_of(i) for i in report.added + [p[1] for p in report.present]) if sid}
    typer.echo(f"stories: {len(story_ids)}\n")
    for sid in sorted(story_ids):
        typer.echo(to_markdown(nf.brief(sid)))
    if serve_:
        # ../shared beside the project (an editable install) or beside the current folder.
        for root in (Path(__file__).resolve().parents[3], Path.cwd().parent):
            shared = root / "shared" / "data" / "vietnamese-mds" / "articles.jsonl"
            if shared.is_file():
                typer.echo(f"also ingesting {shared}")
                _ingest(nf, [shared], quiet=False)
                break
        serve(db=target, port=port)


archive_app = typer.Typer(help="Archives: rebuild copies, stories and briefs of many shards as one batch "
                          "(on this machine or on a Ray cluster), then load them into a store.",
                          no_args_is_help=True, rich_markup_mode=None)
app.add_typer(archive_app, name="archive")


@archive_app.command("run")
def archive_run(
    inputs: Annotated[list[str], typer.Argument(help="JSONL (.jsonl, .jsonl.gz) or Parquet shards, or folders of "
                                                "them; local paths or fsspec URLs (s3://, gs://, ...)")],
    out: Annotated[str, typer.Option("--out", "-o", help="Folder or URL for the Parquet datasets.")],
    engine: Annotated[str, typer.Option(help="local (a process pool here) or ray (Ray Data).")] = "local",
    address: Annotated[Optional[str], typer.Option(help="With --engine ray: an existing cluster (auto, "
                                                   "ray://HOST:10001); without it a local Ray is started.")] = None,
    cpus: Annotated[int, typer.Option(help="Worker processes (local) or CPUs of the local Ray; 0 = all cores.")] = 0,
    window_days: Annotated[int, typer.Option(help="Stories are clustered per time window of this many days.")] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No per-stage lines.")] = False,
) -> None:
    """Run the whole pipeline over an archive; exit code 1 if any input line was rejected."""
    from dataclasses import replace

    from .archive import ArchiveError, run_archive

    config = Config()
    if window_days:
        config = replace(config, archive=replace(config.archive, window_days=window_days))

    def progress(stage: str, seconds: float) -> None:
        if not quiet:
            typer.echo(f"{stage}: {seconds:.1f} s", err=True)

    try:
        report = run_archive(inputs, out, config, engine=engine, address=address, cpus=cpus, progress=progress)
    except ArchiveError as e:
        _fail(str(e))
    for line in report.rejected:
        typer.echo(f"rejected: {line}", err=True)
    if report.n_rejected > len(report.rejected):
        typer.echo(f"rejected: ... and {report.n_rejected - len(report.rejected)} more (see {out}/rejected)", err=True)
    typer.echo(f"{report.summary()} -> {out}")
    raise typer.Exit(0 if report.ok else 1)


@archive_app.command("load")
def archive_load(
    folder: Annotated[str, typer.Argument(help="The --out of `newsfuse archive run`.")],
    db: DbOption = None,
) -> None:
    """Load an archive run's articles, stories, copies and briefs into a store."""
    nf = _open(db)
    try:
        report = nf.load_archive(folder)
    except (FileNotFoundError, OSError) as e:
        _fail(str(e))
    for line in report.rejected:
        typer.echo(f"rejected: {line}", err=True)
    typer.echo(report.summary())
    raise typer.Exit(0 if report.ok else 1)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
