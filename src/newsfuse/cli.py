"""The `newsfuse` command: a thin face over `newsfuse.api` and the stateless stages."""

from __future__ import annotations

import json
import os
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from collections.abc import Callable, Iterable
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
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON lines (one object a row) instead of a table.")]
CsvOption = Annotated[bool, typer.Option("--csv", help="Print CSV with a header row instead of a table.")]
# One vocabulary with Python (`nf.stories(query=..., outlet=...)`) and REST (`?q=`/`?query=`, `?outlet=`).
QueryOption = Annotated[Optional[str], typer.Option(
    "--query", "-q", help='Words (all must match), "a phrase", prefix*, AND, OR, NOT, brackets; case does not '
    "matter; a word without tone marks finds every tone, one with its marks those marks only.")]
EntityOption = Annotated[Optional[str], typer.Option(
    help="A person, organisation or place of the story (tone marks and case aside).")]
OutletOption = Annotated[Optional[str], typer.Option(
    help="Any name of an outlet: its host (tienphong.vn), dateline code (TPO) or site name.")]
SinceOption = Annotated[Optional[str], typer.Option(
    help="From this date: 2023, 2023-06, 2023-06-26, 2023-06-26T21:15 or 26/6/2023.")]
UntilOption = Annotated[Optional[str], typer.Option(help="Up to this date, inclusive (2023-06 is all of June).")]
LimitOption = Annotated[int, typer.Option(help="At most this many rows (1 or more).")]
OffsetOption = Annotated[int, typer.Option(help="Skip this many rows first.")]


def _version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"newsfuse {__version__}")
        raise typer.Exit(0)


@app.callback()
def main_options(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                       help="Print the version and exit.")] = False) -> None:
    """newsfuse: read the news from many outlets as one sourced story per event."""


def _open(db: Path | None, *, create: bool = False) -> api.Newsfuse:
    """The store at `db` (else the default). Only commands that store something make a new one: a
    read command given a path that holds no store says so (a typo must not leave a new file)."""
    from . import api

    path = db or default_db_path()
    if not create and not path.exists():
        _fail(f"{path}: no such database (`newsfuse ingest FILES --db {path}` makes one)")
    if not create and path.is_dir():
        _fail(f"{path}: a folder, not a database")
    try:
        return api.open(path)
    except api.StoreError as e:
        _fail(str(e))


EXIT_LOCKED = 4  # the store was locked by another process for longer than the store waits (README)


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def _answers():
    """A bad filter is exit code 2 with its one-line message; something not found is exit code 1."""
    from .api import NotFound
    from .model import BadParameter

    try:
        yield
    except BadParameter as e:
        _fail(str(e), 2)
    except NotFound as e:
        _fail(str(e), 1)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return str(value)


_MIN_CELL = 10  # characters a column needs at least for a table to be readable


def _emit(rows: list[dict], columns: list[str], as_json: bool = False, as_csv: bool = False, *,
          marked: str | None = None, csv_columns: list[str] | None = None) -> None:
    """Rows as JSON lines, CSV, or a table that fits the terminal and wraps long cells (rich).
    `marked`: the column whose text has its `marks` (search matches) shown in bold. `csv_columns`:
    a CSV's, when it can hold more than a terminal's width (default `columns`)."""
    if as_json and as_csv:
        _fail("--json and --csv: choose one")
    if as_json:
        for r in rows:
            typer.echo(json.dumps(r, ensure_ascii=False, default=str))
        return
    if as_csv:
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        columns = csv_columns or columns
        writer.writerow(columns)
        for r in rows:
            writer.writerow([_cell(r.get(c)) for c in columns])
        return
    if not rows:
        typer.echo("(nothing)")
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    # Columns no row fills are left out of the table; the last text column takes the room left.
    shown = [c for c in columns if any(_cell(r.get(c)) for r in rows)] or columns[:1]
    console = Console(soft_wrap=False, highlight=False)
    if console.width < _MIN_CELL * len(shown):
        # Too many columns for the terminal (a source's 11 at 80 columns wrapped a URL 5 characters a
        # line): each row as a block, its first column heading its other filled ones.
        for r in rows:
            console.print(Text(_cell(r.get(shown[0])), style="bold"))
            for c in shown[1:]:
                if value := _cell(r.get(c)):
                    console.print(Text(f"  {c}: {value}"))
        return
    table = Table(box=None, pad_edge=False, header_style="bold", expand=False)
    short = {"id", "size", "published", "first_date", "last_date", "date", "type", "mentions", "articles",
             "sources", "status", "pending", "failed", "errors", "story", "kind", "last_fetch"}
    for c in shown:
        table.add_column(c, overflow="fold", no_wrap=c in short, ratio=None if c in short else (3 if c == shown[-1] else 1))
    for r in rows:
        cells = []
        for c in shown:
            text = Text(_cell(r.get(c)))
            if c == marked:
                for start, end in r.get("marks", ()):
                    text.stylize("bold", start, end)
            cells.append(text)
        table.add_row(*cells)
    console.print(table)


def _ingest(nf: api.Newsfuse, paths: list[Path], quiet: bool,
            growing: Callable[[Path], bool] | None = None) -> api.IngestReport:
    from tqdm import tqdm

    stored = nf.count_articles()
    if stored:  # the story and copy indexes are rebuilt from the store first
        with tqdm(desc="reading the store", total=stored, unit=" articles", disable=None if not quiet else True,
                  file=sys.stderr, leave=False) as bar:
            nf.warm(progress=bar.update)
    with tqdm(desc="ingest", unit=" articles", disable=None if not quiet else True, file=sys.stderr) as bar:
        report = nf.ingest(paths, progress=bar.update)
    nf.save_indexes()  # the next process reads them instead of every stored text
    # A file written to while it was read (`--follow`) is read again once it settles: what its
    # unfinished part gave is no rejection of it.
    again = [p for p in paths if growing is not None and growing(p)]
    for line in report.rejected:
        if not any(line.startswith(f"{p}:") for p in again):
            typer.echo(f"rejected: {line}", err=True)
    for p in again:
        typer.echo(f"{p}: written to while it was read; read again once it stops changing", err=True)
    typer.echo(report.summary())
    return report



def _remove_store(nf, path: Path) -> None:
    nf.close()
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)


def _holds_nothing(nf: api.Newsfuse) -> bool:
    """Whether the store holds no article and follows no source; False when it cannot be read
    (it is left for a look, and the command says its first fault)."""
    try:
        return not nf.count_articles() and not nf.sources()
    except Exception:  # noqa: BLE001
        return False


@contextmanager
def _new_store(db: Path | None):
    """The store of a command that stores something (`ingest`, `sources add`, `sources import`,
    `archive load`): made when it is not there, and taken away again when the command ends,
    however it ends (an error, a rejection, Ctrl-C), with nothing in it: a store made for a typo
    would stand where the next command looks, as if something were stored."""
    path = db or default_db_path()
    made_now = not path.exists()
    nf = _open(db, create=True)
    try:
        yield nf
    finally:
        if made_now and _holds_nothing(nf):
            _remove_store(nf, path)
            typer.echo(f"{path}: not made, nothing was stored", err=True)


WORDS_HELP = ("Summary budget in syllables, counted as the ROUGE scorer counts them: every run of letters or "
              "digits (`19/5` is two, `5.000` two); whole sentences only, the summary never exceeds it.")

@app.command()
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files or folders: .txt, .md, .jsonl, .json, .csv/.tsv (a header "
                                               "row with the JSONL fields), .html, .rss/.atom/.xml. In a folder, "
                                               "hidden files and folders (.name) and other formats are skipped, "
                                               "and named in the report line.")],
    db: DbOption = None,
    encoding: Annotated[Optional[str], typer.Option(help="Read legacy text in this encoding (e.g. cp1258); text "
                                                    "that is UTF-8 (a file, a JSONL line) stays UTF-8.")] = None,
    follow: Annotated[bool, typer.Option("--follow", help="Keep watching the folders and ingest new files as "
                                         "they appear; each article joins a story as it arrives.")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between looks with --follow.")] = 2.0,
    settle: Annotated[float, typer.Option(help="With --follow, a file is read once its size and time have not "
                                          "changed for this many seconds (one that looks cut off, e.g. a JSONL "
                                          "line without its newline, waits 30 s).")] = 2.0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Store articles; each joins a story as it comes in. Exit code 1 if anything was rejected, or
    the folders held nothing newsfuse reads."""
    from dataclasses import replace

    from . import api

    if encoding:
        import codecs

        try:
            codecs.lookup(encoding)
        except LookupError:  # said before any file is read, and before a store is made
            _fail(f"--encoding {encoding!r}: no such encoding (e.g. cp1258, cp1252, utf-16)")
    with _new_store(db) as nf:
        if encoding:
            nf.config = replace(nf.config, ingest=replace(nf.config.ingest, encoding=encoding))
        if follow:  # a file rewritten is its article's next version, not another article
            nf.config = replace(nf.config, ingest=replace(nf.config.ingest, path_ids=True))
            _follow(nf, paths, interval, settle, quiet)
            return
        before = nf.count_articles()
        try:
            report = _ingest(nf, paths, quiet)
        except api.StoreLocked as e:
            # Not newsfuse's fault nor the input's: another process writes (an `ingest`, a `watch`, a
            # backup holding a lock); nothing of the ingest's one transaction began.
            _fail(f"{e}; " + ("nothing was stored" if nf.count_articles() == before else
                              "the articles were stored, what follows them (the entity index) was not"),
                  EXIT_LOCKED)
        except Exception as e:
            # A fault of newsfuse's own, not of the input (each bad input is a rejection): one line,
            # the batches committed before it kept (and no store made for nothing: `_new_store`).
            if os.environ.get("NEWSFUSE_TRACEBACK"):
                raise
            _fail(f"ingest stopped by an internal error, {type(e).__name__}: {e} (what was stored before it is "
                  "kept; NEWSFUSE_TRACEBACK=1 shows where)", 3)
    # A folder that held nothing newsfuse reads is an input that gave nothing, as a file it cannot read.
    read_nothing = report.skipped and not (report.added or report.present or report.updated)
    raise typer.Exit(0 if report.ok and not read_nothing else 1)


def _follow(nf: api.Newsfuse, paths: list[str], interval: float, settle: float, quiet: bool) -> None:
    from .ingest import FolderFollower

    # Files already settled are read now; younger ones (maybe still being written) wait until
    # they stop changing (FolderFollower).
    follower = FolderFollower(paths, settle=settle)
    settled, missing = follower.take_settled()
    for rejection in missing:
        typer.echo(f"rejected: {rejection}", err=True)
    if settled:
        _ingest(nf, settled, quiet, growing=follower.changed_since_taken)
    follower.look()
    typer.echo(f"following {', '.join(map(str, paths))} (Ctrl-C to stop)", err=True)
    try:
        while True:
            time.sleep(interval)
            ready = follower.look()
            if ready:
                _ingest(nf, ready, quiet=True, growing=follower.changed_since_taken)
    except KeyboardInterrupt:
        typer.echo("stopped", err=True)


sources_app = typer.Typer(help="Feeds, sitemaps and pages `newsfuse watch` follows.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")


def _source_row(src) -> dict:
    return src.to_dict()  # next_fetch as REST gives it: a local time, or None (the next cycle)


@sources_app.command("add")
def sources_add(urls: Annotated[list[str], typer.Argument(help="Feed, sitemap or page URLs (a page's feed is found).")],
                name: Annotated[Optional[str], typer.Option("--name", help="The outlet of these sources' articles "
                                                            "(default: each page's site).")] = None,
                db: DbOption = None,
                check: Annotated[bool, typer.Option("--check/--no-check", help="Read each source now: find the feed "
                                                    "of a page, list its items, show its health.")] = True) -> None:
    """Follow sources. Exit code 1 if one could not be added or read."""
    ok = True
    with _new_store(db) as nf:
        for url in urls:
            try:
                src, new = nf.add_source(url, name, read_now=check)
            except ValueError as e:
                typer.echo(f"error: {e}", err=True)
                ok = False
                continue
            what = f"{src.kind or 'not read yet'}" + (f" {src.feed_url}" if src.feed_url and src.feed_url != src.url else "")
            # The URL given may be the feed another source's page named: say which source follows it.
            via = f" (its feed is {url.strip()})" if not new and url.strip() != src.url else ""
            named = f"; outlet {src.outlet}" if name and not new else ""
            typer.echo(f"{'added' if new else 'already followed'} [{src.id}] {src.url}{via}: {what}, {src.pending} items "
                       "pending" + named + (f"; {src.status}: {src.error}" if src.error else ""))
            ok = ok and src.status not in ("error", "robots", "paused")
    raise typer.Exit(0 if ok else 1)


@sources_app.command("import")
def sources_import(opml: Annotated[Path, typer.Argument(help="An OPML file (a feed reader's export).")],
                   db: DbOption = None,
                   check: Annotated[bool, typer.Option("--check/--no-check", help="Read each feed now.")] = False) -> None:
    """Follow every feed an OPML file lists."""
    with _new_store(db) as nf:
        try:
            added = nf.import_opml(opml, read_now=check)
        except ValueError as e:
            _fail(str(e))
    typer.echo(f"{sum(new for _, new in added)} sources added, {sum(not new for _, new in added)} already followed"
               f" (from {opml})")


@sources_app.command("list")
def sources_list(db: DbOption = None, as_json: JsonOption = False, as_csv: CsvOption = False) -> None:
    """Every followed source with its health: last fetch, status, articles, errors, the last problem."""
    nf = _open(db)
    _emit([_source_row(s) for s in nf.sources()],
          ["id", "url", "kind", "last_fetch", "status", "articles", "pending", "failed", "errors", "error", "page_error"],
          as_json, as_csv)


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
                                                            "(default 900). Applies now: a source last fetched "
                                                            "longer ago is fetched in this cycle; a failing "
                                                            "source keeps its backoff.")] = None,
          user_agent: Annotated[Optional[str], typer.Option("--user-agent", help="Say who you are to the outlets' "
                                                            "servers (add a contact).")] = None,
          recheck_hours: Annotated[Optional[float], typer.Option(
              help="Pages of items first seen within this many hours (default 48) are fetched again, "
                   "conditionally, at most once an hour, so an edit that leaves the feed as it was "
                   "becomes the article's next version; 0: never.")] = None) -> None:
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
    if recheck_hours is not None:
        if recheck_hours < 0:
            _fail("--recheck-hours must be 0 (never) or more")
        config = replace(config, recheck_hours=recheck_hours)
    if not nf.sources():
        _fail("no sources followed yet: newsfuse sources add URL", 1)
    with nf.watcher(config) as watcher:
        if interval is not None:  # else the schedules stored with the old interval would stand
            watcher.reschedule()

        def stop(signum, frame) -> None:
            if watcher.stop.is_set():
                raise KeyboardInterrupt
            typer.echo("stopping after the article being stored (Ctrl-C again to quit at once)", err=True)
            watcher.stop.set()

        def progress(report) -> None:
            typer.echo(report.line(), err=True)
            for line in report.problems:  # each page the counts speak of, with its reason
                typer.echo(line, err=True)

        previous = signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            reports = watcher.run(once=once, progress=progress)
        finally:
            signal.signal(signal.SIGINT, previous)
    if watcher.stop.is_set():
        typer.echo(f"stopped; {reports[-1].pending if reports else 0} items pending, the next watch resumes them",
                   err=True)
    raise typer.Exit(1 if reports and reports[-1].failed and once else 0)


@app.command()
def articles(
    db: DbOption = None,
    query: QueryOption = None,
    outlet: OutletOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    story: Annotated[Optional[str], typer.Option(help="Only the articles of this story.")] = None,
    limit: LimitOption = 50,
    offset: OffsetOption = 0,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """List stored articles, newest first (best match first with --query)."""
    nf = _open(db)
    rows = []
    with _answers():
        found = nf.articles(query=query, outlet=outlet, since=since, until=until, story=story, limit=limit,
                            offset=offset)
    for a in found:
        row = a.to_dict(with_sentences=False)
        del row["text"]  # `newsfuse show ID` prints it
        rows.append(row)
    _emit(rows, ["id", "published", "source", "title"], as_json, as_csv)


outlets_app = typer.Typer(help="Outlets in the store: one name each, with the names they also go by.",
                          invoke_without_command=True, no_args_is_help=False)
app.add_typer(outlets_app, name="outlets")


@outlets_app.callback()
def outlets(ctx: typer.Context, db: DbOption = None, as_json: JsonOption = False, as_csv: CsvOption = False) -> None:
    """Outlets in the store with how many articles each has and their aliases (hosts, dateline
    codes, site names); `newsfuse outlets alias NAME OUTLET` adds one."""
    if ctx.invoked_subcommand is not None:
        return
    nf = _open(db)
    _emit(nf.outlets(), ["outlet", "name", "articles", "aliases"], as_json, as_csv)


@outlets_app.command("alias")
def outlets_alias(alias: Annotated[str, typer.Argument(help="Another name of the outlet (a code, a site name, a host).")],
                  outlet: Annotated[str, typer.Argument(help="The outlet (its host, e.g. tienphong.vn, or any name of it).")],
                  reassign: Annotated[bool, typer.Option(
                      "--reassign", help="ALIAS already names another outlet: take it from that outlet "
                      "(its articles stored under ALIAS move too).")] = False,
                  db: DbOption = None) -> None:
    """Make ALIAS one more name of OUTLET; stored articles under ALIAS move to OUTLET."""
    nf = _open(db)
    try:
        folded = nf.add_outlet_alias(alias, outlet, reassign=reassign)
    except ValueError as e:
        _fail(str(e))
    target = nf.outlet(outlet)
    empty = "" if any(o["outlet"] == target for o in nf.outlets()) else f"; no article of {target!r} is stored yet"
    typer.echo(f"{alias!r} is now {target!r}" + (f" ({folded} stored name(s) folded into it)" if folded else "") + empty)


@app.command()
def show(article_id: str, db: DbOption = None, as_json: JsonOption = False,
         words: Annotated[bool, typer.Option("--segment", help="Also show each sentence's words "
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
def search(query: Annotated[str, typer.Argument(help='Words (all must match), "a phrase", prefix*, AND, OR, NOT, '
                                                 "brackets; tone marks and case do not matter.")],
           db: DbOption = None, outlet: OutletOption = None, since: SinceOption = None, until: UntilOption = None,
           limit: LimitOption = 20, offset: OffsetOption = 0, as_json: JsonOption = False,
           as_csv: CsvOption = False) -> None:
    """Full-text search, best first (`luong tam quang` finds `Lương Tam Quang`; a word typed with its
    tone marks finds those marks only), each article with its best passage, the matches in bold."""
    nf = _open(db)
    with _answers():
        found = nf.search(query, outlet=outlet, since=since, until=until, limit=limit, offset=offset)
    rows = [{"id": h.article.id, "published": h.article.published, "source": h.article.source,
             "title": h.article.title, "story": h.story, "snippet": h.snippet.text,
             "marks": [list(m) for m in h.snippet.marks]} for h in found.items]
    _emit(rows, ["id", "published", "source", "snippet"], as_json, as_csv, marked="snippet",
          csv_columns=["id", "published", "source", "title", "story", "snippet"])
    if not (as_json or as_csv) and found.total > offset + len(rows):
        typer.echo(f"({found.total} in all; --offset {offset + len(rows)} for the next)", err=True)


@app.command()
def stories(
    db: DbOption = None,
    query: QueryOption = None,
    entity: EntityOption = None,
    outlet: OutletOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    sort: Annotated[Optional[str], typer.Option(help="relevance (the default with --query) or latest")] = None,
    limit: LimitOption = 50,
    offset: OffsetOption = 0,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """List stories, latest first (best match first with --query): size, outlets, dates, title.
    Every filter given must hold."""
    nf = _open(db)
    with _answers():
        found = nf.stories(query=query, entity=entity, outlet=outlet, since=since, until=until, sort=sort,
                           limit=limit, offset=offset)
    _emit([s.to_dict() for s in found], ["id", "size", "first_date", "last_date", "outlets", "also_published_by",
                                         "title"], as_json, as_csv)
    if not (as_json or as_csv) and len(found) == limit:  # a full page: say whether more follow, as `search` does
        with _answers():
            total = nf.count_stories(query=query, entity=entity, outlet=outlet, since=since, until=until)
        if total > offset + len(found):
            typer.echo(f"({total} in all; --offset {offset + len(found)} for the next)", err=True)


@app.command()
def brief(
    story_id: str,
    db: DbOption = None,
    format: Annotated[str, typer.Option("--format", "-f", help="md, json or html")] = "md",
    words: Annotated[int, typer.Option(help=WORDS_HELP)] = 180,
    lang: Annotated[str, typer.Option("--lang", help="The headings' language of --format html: vi or en "
                                      "(the web page's words).")] = "vi",
) -> None:
    """The brief of a story: cited summary, shared / only-one / conflicting facts, entities, timeline."""
    from .brief import BriefError, to_html, to_markdown
    from .web.display import LANGUAGES

    nf = _open(db)
    if format not in ("md", "json", "html"):
        _fail(f"--format: unknown format {format!r} (md, json, html)")
    if lang not in LANGUAGES:
        _fail(f"--lang: {lang!r} is not one of {', '.join(LANGUAGES)}")
    if words < 1:
        _fail(f"--words: {words} must be 1 or more")
    try:
        with _answers():
            b = nf.brief(story_id, words=words)
    except BriefError as e:
        _fail(str(e))
    if format == "json":
        typer.echo(json.dumps(b.to_dict(), ensure_ascii=False, indent=1))
    elif format == "html":
        typer.echo(to_html(b, lang))
    else:
        typer.echo(to_markdown(b))


@app.command()
def entities(story_id: str, db: DbOption = None, as_json: JsonOption = False, as_csv: CsvOption = False) -> None:
    """People, organisations and places of a story, merged across outlets, with their roles."""
    nf = _open(db)
    with _answers():
        found = nf.entities(story_id)
        unread = nf.unread_languages(story_id)
    rows = [{"name": e.name, "type": e.type, "roles": e.roles, "outlets": e.outlets, "mentions": len(e.mentions),
             "aliases": e.aliases} for e in found]
    if unread:
        typer.echo(f"{story_id}: names not read in {', '.join(unread)} (no language pack for it)", err=True)
    _emit(rows, ["type", "name", "mentions", "outlets", "roles"], as_json, as_csv)


@app.command()
def timeline(story_id: str, db: DbOption = None, as_json: JsonOption = False, as_csv: CsvOption = False) -> None:
    """Dated events of a story, oldest first."""
    nf = _open(db)
    with _answers():
        found = nf.timeline(story_id)
    rows = [asdict(ev) | {"sources": len({c.article_id for c in ev.citations})} for ev in found]
    _emit(rows, ["date", "sources", "text"], as_json, as_csv)


def _check_out(out: Path) -> None:
    """An --out FILE that cannot be written is one line naming it, said before any work is done."""
    if out.is_dir():
        _fail(f"--out {out}: a folder, not a file")
    parent = out.parent
    if not parent.is_dir():
        _fail(f"--out {out}: no such folder {parent}" if not parent.exists() else f"--out {out}: {parent} is not a folder")
    if not os.access(parent, os.W_OK):
        _fail(f"--out {out}: cannot write in {parent}")


def _check_out_folder(out: str) -> None:
    """An --out FOLDER on this machine that cannot be made or written in is one line naming it,
    said before the run (an fsspec URL, `s3://...`, is its filesystem's to refuse)."""
    if "://" in out:
        return
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        _fail(f"--out {out}: a file, not a folder")
    there = folder
    while not there.exists():  # the folder is made by the run: its first existing parent must take it
        there = there.parent
    if not there.is_dir():
        _fail(f"--out {out}: {there} is not a folder")
    if not os.access(there, os.W_OK | os.X_OK):
        _fail(f"--out {out}: cannot write in {there}")


@contextmanager
def _out_file(out: Path):
    """`out` open for writing text; its caller checked it before the work (`_check_out`), and a fault
    opening it now is one line too."""
    try:
        fh = out.open("w", encoding="utf-8", newline="")
    except OSError as e:
        _fail(f"--out {out}: cannot write: {e.strerror or e}")
    with fh:
        yield fh


def _read_jsonl_articles(path: Path, *, one_per_text: bool = True) -> tuple[list, dict[str, str], int]:
    """The file's articles, one per text and id as a store keeps them (`ingest.first_of_each`; not
    with `one_per_text` False: `summarize`'s groups may each hold the same wire text): the
    articles, the ids that repeat another's text (-> its id), and how many lines were rejected."""
    from .config import IngestConfig
    from .ingest import IngestError, Rejection, first_of_each, origin_order, read_jsonl

    if path.is_dir():  # one file: a folder's files would need an order and a format each (`ingest` reads folders)
        _fail(f"{path}: a folder, not a JSONL file (`cat {path}/*.jsonl > all.jsonl` makes one)")
    if not path.is_file():
        _fail(f"{path}: no such file")
    good, bad = [], []
    try:
        for item in read_jsonl(path, IngestConfig()):
            (bad if isinstance(item, Rejection) else good).append(item)
    except IngestError as e:  # the whole file (empty, not UTF-8, ...): as ingest says it, nothing to group
        _fail(f"{path}: {e}")
    good, repeats, reused = first_of_each(good) if one_per_text else (good, {}, [])
    for item in sorted(bad + reused, key=lambda r: origin_order(r.origin)):
        typer.echo(f"rejected: {item}", err=True)
    return good, repeats, len(bad) + len(reused)


@app.command()
def cluster(
    input: Annotated[Path, typer.Argument(help="articles.jsonl")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write {id, story} lines.")],
    embeddings: Annotated[bool, typer.Option(
        "--embeddings", help="Ask a sentence-embedding model about the decisions near the threshold "
        "(needs the embeddings extra: pip install 'newsfuse[embeddings]').")] = False,
) -> None:
    """Stateless batch clustering of a JSONL file into stories (nothing is stored); the same
    stories in any order of the lines."""
    from dataclasses import replace

    from .embeddings import EmbeddingsUnavailable
    from .stories import cluster as run

    _check_out(out)
    arts, repeats, rejected = _read_jsonl_articles(input)
    try:
        assignments = run(arts, replace(Config().stories, embeddings=embeddings))
    except EmbeddingsUnavailable as e:
        _fail(f"--embeddings: {e}")
    story_of = {a.article_id: a.story_id for a in assignments}
    with _out_file(out) as fh:
        for a in assignments:
            fh.write(json.dumps({"id": a.article_id, "story": a.story_id}, ensure_ascii=False) + "\n")
        for copy_id, first in repeats.items():  # the same text under another id: the story of its first
            fh.write(json.dumps({"id": copy_id, "story": story_of[first]}, ensure_ascii=False) + "\n")
    typer.echo(f"{_plural(len(assignments), 'article')} in {_plural(len(set(story_of.values())), 'story')} -> {out}"
               + (f"; {len(repeats)} repeating another's text placed with it" if repeats else "")
               + (f"; {_plural(rejected, 'line')} rejected" if rejected else ""))
    if rejected:
        raise typer.Exit(1)  # as ingest: the output holds every line that could be read


def _on_path(filename: object, out: str) -> bool:
    """Whether an OSError's file is `out`, inside it, or a folder on the way to it (`data` is not on
    the way to `data_out`)."""
    from pathlib import PurePath

    if not filename:
        return False
    a, b = PurePath(str(filename)).parts, PurePath(out).parts
    n = min(len(a), len(b))
    return a[:n] == b[:n]


@app.command()
def summarize(
    input: Annotated[Path, typer.Argument(help="articles.jsonl")],
    out: Annotated[Path, typer.Option("--out", "-o")],
    group_by: Annotated[str, typer.Option("--group-by", help="Field that names each article's group.")] = "cluster_id",
    words: Annotated[int, typer.Option(help=WORDS_HELP + " A group whose every sentence is longer gets an empty "
                                       "summary with a note.")] = 180,
    embeddings: Annotated[bool, typer.Option(
        "--embeddings", help="Align sentences with a sentence-embedding model too: it finds facts worded differently "
        "(needs the embeddings extra: pip install 'newsfuse[embeddings]'; seconds per story).")] = False,
) -> None:
    """Stateless: one cited summary per group of a JSONL file (for evaluation)."""
    from dataclasses import replace

    from .brief import BriefError, make_brief

    _check_out(out)
    embedder = None
    if embeddings:
        from .embeddings import Embedder, EmbeddingsUnavailable

        try:
            embedder = Embedder()  # one model for every group
        except EmbeddingsUnavailable as e:
            _fail(f"--embeddings: {e}")

    arts, _, rejected = _read_jsonl_articles(input, one_per_text=False)
    groups: dict[str, list] = {}
    for a in arts:
        # Unknown JSONL fields (cluster_id, ...) are kept in `extra`; known ones are attributes.
        attribute = {"date": "published"}.get(group_by, group_by)
        key = a.extra.get(group_by, getattr(a, attribute) if attribute in type(a).__dataclass_fields__ else None)
        if key is None:
            _fail(f"{a.origin}: no field {group_by!r}")
        groups.setdefault(str(key), []).append(a)
    config = replace(Config().brief, words=words, align_embeddings=embeddings)
    empty = 0
    with _out_file(out) as fh:
        for key, members in groups.items():
            try:
                b = make_brief(key, members, (), config, embedder=embedder)
                line = {group_by: key, "summary": [
                    {"text": s.text, "sources": sorted({c.article_id for c in s.citations})} for s in b.summary]}
            except BriefError as e:
                # A budget smaller than each sentence of this group: its summary is empty, said on its
                # line and here, and the other groups are still summarized (docs/decisions.md).
                line = {group_by: key, "summary": [], "note": str(e)}
                typer.echo(f"group {key}: empty summary: {e}", err=True)
                empty += 1
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    typer.echo(f"{len(groups)} summaries -> {out}" + (f" ({empty} empty: no sentence fits in {words} syllables)"
                                                      if empty else "")
               + (f"; {rejected} lines rejected" if rejected else ""))
    if rejected:
        raise typer.Exit(1)


DEFAULT_LAG = 10.0  # seconds a list or search may lag other connections' writes (docs/decisions.md, Web)


@app.command()
def serve(
    db: DbOption = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    allowed_host: Annotated[Optional[list[str]], typer.Option(
        "--allowed-host", help="Also answer requests for this Host name (repeatable; `*` = any). The bound "
        "address, and loopback names when it is one, are always allowed.")] = None,
    lag: Annotated[float, typer.Option("--lag", help="Seconds a list or search may lag writes made on other "
                                       "connections (the connection that wrote sees its write at once; 0: never).")
                   ] = DEFAULT_LAG,
) -> None:
    """REST API and web page over the store (http://HOST:PORT/; API docs at /docs)."""
    if not 0 <= lag <= 3600:
        _fail(f"--lag: {lag} is not a number of seconds from 0 to 3600")
    _serve(_open(db), host, port, allowed_host or (), lag)


def _serve(nf: api.Newsfuse, host: str, port: int, allowed_host: Iterable[str] = (), lag: float = DEFAULT_LAG) -> None:
    import socket

    import uvicorn

    from .web.app import allowed_hosts_for, create_app

    if not 0 <= port <= 65535:
        _fail(f"--port: {port} is not a port (0 to 65535)")
    # Bind first: a busy port is an error before anything says "serving".
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as e:
        _fail(f"cannot listen on {host}:{port}: {e.strerror or e}")
    app_ = create_app(nf, allowed_hosts=allowed_hosts_for(host, allowed_host), warm=True, lag=lag,
                      log=lambda message: typer.echo(message, err=True))
    typer.echo(f"serving {nf.config.db} at http://{host}:{sock.getsockname()[1]}/ (Ctrl-C stops)", err=True)
    uvicorn.Server(uvicorn.Config(app_, log_level="warning")).run(sockets=[sock])


@app.command()
def demo(
    db: Annotated[Optional[Path], typer.Option("--db", help="Database file (default: newsfuse-demo.db in the "
                                               "current folder).", show_default=False)] = None,
    serve_: Annotated[bool, typer.Option("--serve", help="Then serve the web page (with the shared corpus too, "
                                         "if ../shared is there).")] = False,
    port: int = 8000,
) -> None:
    """Ingest the two example reports of one event and print what was stored and their brief."""
    from .brief import to_markdown

    target = db or Path.cwd() / "newsfuse-demo.db"
    nf = _open(target, create=True)
    typer.echo(f"database: {target}")
    from .api import EXAMPLES

    report = _ingest(nf, sorted(EXAMPLES.glob("*.txt")), quiet=True)
    # The table of every listing: it fits the terminal and wraps a long title whole (it was cut at 70).
    _emit([{"id": a.id, "outlet": a.source or "?", "date": a.published or "?", "author": a.author or "?",
            "title": a.title} for a in nf.articles(limit=10)], ["id", "outlet", "date", "author", "title"])
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
        _serve(nf, "127.0.0.1", port)


@app.command()
def delete(article_ids: Annotated[list[str], typer.Argument(help="Ids of the articles to remove.")],
           db: DbOption = None) -> None:
    """Remove articles and everything of them; their stories keep the other articles (a story
    left empty goes) and their briefs are made again."""
    nf = _open(db)
    for article_id in article_ids:
        with _answers():
            story = nf.delete(article_id)
        left = nf.story(story) if story else None
        typer.echo(f"deleted {article_id}" + (f" (story {story}: {_plural(left.size, 'article')} left)" if left else
                                              f" (story {story} is gone)" if story else ""))


def _plural(n: int, one: str) -> str:
    if n == 1:
        return f"{n} {one}"
    return f"{n} {one[:-1]}ies" if one.endswith("y") and one[-2:-1] not in "aeiou" else f"{n} {one}s"


@app.command()
def recluster(db: DbOption = None,
              quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False) -> None:
    """Make every story again from scratch (batch clustering of all stored articles), in one
    transaction: an interrupted run leaves the stories as they were."""
    from tqdm import tqdm

    nf = _open(db)
    bars: dict[str, tqdm] = {}

    def progress(phase: str, done: int, total: int) -> None:
        bar = bars.get(phase)
        if bar is None:
            bar = bars[phase] = tqdm(desc=phase, total=total, unit=" articles", file=sys.stderr,
                                     disable=True if quiet else None)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    n, stories = nf.recluster(progress)
    typer.echo(f"{_plural(n, 'article')} in {stories} {'story' if stories == 1 else 'stories'}")


@app.command()
def export(what: Annotated[str, typer.Argument(help="articles, stories or briefs")],
           format: Annotated[str, typer.Option("--format", "-f", help="jsonl, csv or parquet")] = "jsonl",
           out: Annotated[Optional[Path], typer.Option("--out", "-o", help="File to write (default: standard output; "
                                                       "parquet needs a file).")] = None,
           db: DbOption = None,
           quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False) -> None:
    """Write every article (with its text and story), story (with its article ids) or brief (the
    REST API's JSON) as JSON lines, CSV (lists joined by `; `, a brief as JSON text) or Parquet."""
    from tqdm import tqdm

    if what not in ("articles", "stories", "briefs"):
        _fail(f"{what!r}: export articles, stories or briefs")
    if format not in ("jsonl", "csv", "parquet"):
        _fail(f"--format: {format!r} is not one of jsonl, csv, parquet")
    if format == "parquet" and out is None:
        _fail("--format parquet needs --out FILE")
    if out is not None:
        _check_out(out)
    nf = _open(db)
    total = nf.count_articles() if what == "articles" else nf.count_stories()
    with tqdm(desc=f"export {what}", total=total, unit=f" {what}", file=sys.stderr,
              disable=True if quiet or out is None else None) as bar:
        rows = nf.export_rows(what, progress=bar.update)
        n = _write_rows(rows, format, out)
    if out is not None:
        typer.echo(f"{n} {what} -> {out}")


def _write_rows(rows, format: str, out: Path | None) -> int:
    n = 0
    if format == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        writer = None
        batch: list[dict] = []

        def flush() -> None:
            nonlocal writer
            flat = [{k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v for k, v in r.items()}
                    for r in batch]
            if writer is None:  # the columns' types from the first row: a count, lists of names, text
                schema = pa.schema([(k, pa.int64() if isinstance(v, int) else pa.list_(pa.string())
                                     if isinstance(v, list) else pa.string()) for k, v in flat[0].items()])
                try:
                    writer = pq.ParquetWriter(str(out), schema)
                except OSError as e:
                    _fail(f"--out {out}: cannot write: {e.strerror or e}")
            writer.write_table(pa.Table.from_pylist(flat, schema=writer.schema))
            batch.clear()

        for r in rows:
            batch.append(r)
            n += 1
            if len(batch) == 1000:
                flush()
        if batch or writer is None:
            if not batch:
                _fail("nothing to export")
            flush()
        writer.close()
        return n
    if out is not None:
        with _out_file(out) as fh:
            return _write_text_rows(rows, format, fh)
    return _write_text_rows(rows, format, sys.stdout)


def _write_text_rows(rows, format: str, fh) -> int:
    n = 0
    if format == "jsonl":
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
            n += 1
    else:
        import csv

        writer = None
        for r in rows:
            if writer is None:
                writer = csv.DictWriter(fh, list(r), lineterminator="\n")
                writer.writeheader()
            writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else
                             "; ".join(map(str, v)) if isinstance(v, list) else v for k, v in r.items()})
            n += 1
    return n


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

    _check_out_folder(out)
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
    except OSError as e:
        if not _on_path(e.filename, out):
            raise
        _fail(f"--out {out}: cannot write: {e.strerror or e}")  # (a folder `_check_out_folder` could not foresee)
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
    with _new_store(db) as nf:
        try:
            report = nf.load_archive(folder)
        except (FileNotFoundError, OSError) as e:
            _fail(str(e))
    for line in report.rejected:
        typer.echo(f"rejected: {line}", err=True)
    typer.echo(report.summary())
    raise typer.Exit(0 if report.ok else 1)


def _reader_left() -> None:
    """The reader of the output closed it (`newsfuse articles --csv | head -1`): what it wanted got
    out, so the command ends quietly with 0. Click says 1, or nothing fails, as the pipe's buffer
    happens to fill or not, so a script under `set -o pipefail` failed now and then; a reader that
    is gone is not the command's failure. Later writes
    (the interpreter's last flush) go to the null device, where they cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    raise SystemExit(0)


def main() -> None:
    """The console script. Click's own report of a bad option is three lines (usage, a hint, the
    error); newsfuse's errors are one line naming what was wrong, so a usage error is said as one."""
    try:
        code = app(standalone_mode=False)
        sys.stdout.flush()  # here, not at exit: a reader that left (`| head -1`) is seen below
    except BrokenPipeError:
        _reader_left()
    except SystemExit as e:
        # Typer's click turns a broken pipe into exit 1 after wrapping stdout so that nothing more is
        # said (its `PacifyFlushWrapper`): that wrapper is how the reader's leaving is told apart.
        if e.code == 1 and type(sys.stdout).__name__ == "PacifyFlushWrapper":
            _reader_left()
        raise
    except typer.TyperException as e:  # typer's click (vendored in typer 0.28): usage and parameter errors
        message = e.format_message()
        ctx = getattr(e, "ctx", None)
        if "\n" in message:  # a bare group's help (no_args_is_help): printed as click prints it
            e.show()
        else:
            where = ctx.command_path if ctx is not None else "newsfuse"
            typer.echo(f"error: {where}: {message} (see `{where} --help`)", err=True)
        raise SystemExit(e.exit_code) from None
    except typer.Abort:
        typer.echo("aborted", err=True)
        raise SystemExit(1) from None
    except Exception as e:
        from .store import StoreLocked

        if not isinstance(e, StoreLocked):  # any command's write the lock held off (ingest says more)
            raise
        # (a `watch` or `ingest --follow` may have stored cycles or files before: those stay)
        typer.echo(f"error: {e}; the command stopped, its write not made", err=True)
        raise SystemExit(EXIT_LOCKED) from None
    raise SystemExit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
