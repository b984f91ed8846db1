"""One vocabulary across the CLI, Python and REST (issue 16, items 2 and 3): filters checked
(exit code 2, HTTP 422), read commands never make a store, the same names everywhere, lists
with totals and next links, offline API docs, relative links. Each bug of the issue is a test."""

import json
import re
import socket
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from conftest import write_jsonl
from newsfuse.cli import app

ROOT = Path(__file__).resolve().parents[1]


def run(*args, **kw):
    return CliRunner().invoke(app, [str(a) for a in args], **kw)


@pytest.fixture()
def store(tmp_path, seeds_dir, mds_rows):
    db = tmp_path / "n.db"
    # Two ingests, as `seeded` and `client` make theirs: a first load's stories are the batch's, a later
    # ingest's the stream's, so the faces compared below read the same stories.
    assert run("ingest", "-q", "--db", db, seeds_dir).exit_code == 0
    assert run("ingest", "-q", "--db", db, write_jsonl(tmp_path / "m.jsonl", mds_rows[:30])).exit_code == 0
    return db


@pytest.fixture()
def client(seeded, mds_rows, tmp_path):
    from newsfuse.web.app import create_app

    seeded.ingest([write_jsonl(tmp_path / "m.jsonl", mds_rows[:30])])
    return TestClient(create_app(seeded, token=""), base_url="http://127.0.0.1")


# ------------------------------------------------------------ read commands never make a store


@pytest.mark.parametrize("command", [["stories"], ["articles"], ["outlets"], ["search", "bão"], ["show", "x"],
                                     ["brief", "s1"], ["entities", "s1"], ["timeline", "s1"], ["sources", "list"]])
def test_a_read_command_on_a_typo_makes_no_database(tmp_path, command):
    typo = tmp_path / "typo.db"
    r = run(*command, "--db", typo)
    assert r.exit_code == 2 and "typo.db: no such database" in r.output, r.output
    assert not typo.exists() and list(tmp_path.iterdir()) == []


def test_serve_on_a_missing_database_refuses(tmp_path):
    r = run("serve", "--db", tmp_path / "missing.db", "--port", 0)
    assert r.exit_code == 2 and "missing.db: no such database" in r.output
    assert not (tmp_path / "missing.db").exists()


def test_serve_on_a_busy_port_says_so_before_serving(store):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        r = run("serve", "--db", store, "--port", busy.getsockname()[1])
    assert r.exit_code == 2 and "cannot listen on 127.0.0.1:" in r.output
    assert "serving" not in r.output


# ------------------------------------------------------------ ingest of what is not a file of news


def test_ingest_a_csv_takes_each_row_as_an_article(tmp_path, mds_rows):
    import csv

    path = tmp_path / "x.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, ["id", "source", "date", "title", "text"])
        w.writeheader()
        for row in mds_rows[:3]:
            w.writerow({k: row[k] for k in ("id", "source", "date", "title", "text")})
    db = tmp_path / "n.db"
    r = run("ingest", "-q", "--db", db, path)
    assert r.exit_code == 0 and "3 added" in r.output, r.output
    rows = [json.loads(line) for line in run("articles", "--db", db, "--json").output.splitlines()]
    assert {x["id"] for x in rows} == {str(x["id"]) for x in mds_rows[:3]}
    assert {x["language"] for x in rows} == {"vi"}
    bad = tmp_path / "bad.csv"
    bad.write_text("name,body\na,b\n", encoding="utf-8")
    r = run("ingest", "-q", "--db", db, bad)
    assert r.exit_code == 1 and "bad.csv: no 'text' column" in r.output


def test_ingest_an_unknown_format_or_a_url_says_what_it_is(tmp_path):
    odd = tmp_path / "notes.docx"
    odd.write_bytes(b"PK\x03\x04 not text")
    db = tmp_path / "n.db"
    r = run("ingest", "-q", "--db", db, odd)
    assert r.exit_code == 1 and "notes.docx: not a format newsfuse reads (.docx" in r.output
    url = "https://vnexpress.net/tin-tuc-123.html"
    r = run("ingest", "-q", "--db", db, url)
    assert r.exit_code == 1 and f"{url}: a web address" in r.output and "sources add" in r.output


# ------------------------------------------------------------ filters are checked


@pytest.mark.parametrize("args, message", [
    (["--since", "yesterday"], "since: 'yesterday' is not a date"),
    (["--since", "2013-13"], "since: '2013-13' is no such date"),
    (["--until", "2023-02-30"], "until: '2023-02-30' is no such date"),
    (["--since", "2024", "--until", "2023-06"], "since 2024 is after until 2023-06"),
    (["--limit", "-1"], "limit: -1 must be a whole number of at least 1"),
    (["--limit", "0"], "limit: 0 must be"),
    (["--offset", "-5"], "offset: -5 must be"),
])
@pytest.mark.parametrize("command", ["stories", "articles"])
def test_bad_filters_are_exit_code_2_naming_them(store, command, args, message):
    r = run(command, "--db", store, *args)
    assert r.exit_code == 2 and message in r.output, r.output
    assert "(nothing)" not in r.output


@pytest.mark.parametrize("command", ["stories", "articles"])
@pytest.mark.parametrize("option", ["--offset", "--limit"])
def test_a_number_past_sqlites_integers_is_exit_code_2_not_a_traceback(store, command, option):
    # Bug: `stories --offset 99999999999999999999` was an OverflowError traceback (REST said 422).
    r = run(command, "--db", store, option, "99999999999999999999")
    assert r.exit_code == 2 and f"{option[2:]}: 99999999999999999999 is more than" in r.output, r.output


def test_a_month_that_does_not_exist_returns_no_other_year(store):
    # Bug: `--since 2013-13` returned a 2023 article (string comparison of a date that is none).
    assert run("articles", "--db", store, "--since", "2013-13").exit_code == 2
    assert all(json.loads(line)["published"] >= "2013-12"
               for line in run("articles", "--db", store, "--since", "2013-12", "--json").output.splitlines())


def test_vietnamese_dates_are_dates(store):
    iso = run("stories", "--db", store, "--since", "2023-06-26", "--json").output
    vi = run("stories", "--db", store, "--since", "26/6/2023", "--json").output
    assert iso == vi and iso.strip()


def test_rest_checks_its_parameters(client):
    for params, where in [({"since": "garbage"}, "since"), ({"until": "2013-13"}, "until"),
                          ({"limit": -1}, "limit"), ({"source": "TPO"}, "source"), ({"sort": "random"}, "sort")]:
        r = client.get("/api/stories", params=params)
        assert r.status_code == 422 and where in r.json()["error"], (params, r.text)
    assert "outlet" in client.get("/api/stories", params={"source": "TPO"}).json()["error"]
    # In the words of the CLI and the Python API, not pydantic's (`Input should be greater than or equal to 1`).
    assert client.get("/api/stories", params={"limit": -1}).json()["error"] == "limit: -1 must be a whole number of at least 1"
    assert client.get("/api/articles", params={"limit": 500}).json()["error"] == \
        "limit: 500 must be a whole number of at most 200"
    assert client.get("/api/search", params={"q": "bão", "offset": "x"}).json()["error"] == "offset: x must be a whole number"
    assert client.get("/api/articles", params={"since": "yesterday"}).status_code == 422
    assert client.get("/api/search", params={"q": "bão", "until": "x"}).status_code == 422


# ------------------------------------------------------------ one vocabulary


def tienphong(mds_rows):
    """Articles of tienphong.vn (dateline code TPO) in the stores of these tests: a seed and the corpus's."""
    return 1 + sum(r["source"].endswith("tienphong.vn") for r in mds_rows[:30])


def test_the_same_filter_names_in_cli_python_and_rest(store, client, seeded, mds_rows):
    cli = [json.loads(line)["id"] for line in run("stories", "--db", store, "--outlet", "TPO", "--query",
                                                   "Công an", "--json").output.splitlines()]
    rest = [s["id"] for s in client.get("/api/stories", params={"outlet": "TPO", "query": "Công an"}).json()["stories"]]
    short = [s["id"] for s in client.get("/api/stories", params={"outlet": "TPO", "q": "Công an"}).json()["stories"]]
    python = [s.id for s in seeded.stories(outlet="TPO", query="Công an")]
    assert cli and cli == rest == short == python
    assert run("articles", "--db", store, "--outlet", "TPO", "--json").output.count("\n") == tienphong(mds_rows) > 1
    assert "--source" not in run("stories", "--help").output
    assert run("stories", "--db", store, "-q", "Công an", "--json").output.splitlines()[0] == \
        run("stories", "--db", store, "--query", "Công an", "--json").output.splitlines()[0]


def test_words_is_a_budget_and_segment_a_flag(store):
    story = json.loads(run("stories", "--db", store, "--outlet", "TPO", "--json").output.splitlines()[0])["id"]
    short, longer = (run("brief", story, "--db", store, "--words", n).output for n in (40, 200))
    assert len(short) < len(longer)
    article = json.loads(run("articles", "--db", store, "--outlet", "TPO", "--json").output.splitlines()[0])["id"]
    r = run("show", article, "--db", store, "--segment")
    assert r.exit_code == 0 and " | " in r.output
    assert run("show", article, "--db", store, "--words").exit_code == 2


def test_demo_help_names_its_own_database_and_version_is_there():
    assert "newsfuse-demo.db" in run("demo", "--help").output
    r = run("--version")
    assert r.exit_code == 0 and re.fullmatch(r"newsfuse \d+\.\d+\.\d+\S*\n", r.output)


def test_json_and_csv_on_every_listing(store):
    import csv
    import io

    story = json.loads(run("stories", "--db", store, "--outlet", "TPO", "--json").output.splitlines()[0])["id"]
    for command in (["stories"], ["articles"], ["outlets"], ["search", "Công an"], ["entities", story],
                    ["timeline", story], ["sources", "list"]):
        as_json = run(*command, "--db", store, "--json")
        as_csv = run(*command, "--db", store, "--csv")
        assert as_json.exit_code == 0 and as_csv.exit_code == 0, (command, as_json.output, as_csv.output)
        rows = [json.loads(line) for line in as_json.output.splitlines()]
        table = list(csv.reader(io.StringIO(as_csv.output)))
        assert len(table) == len(rows) + 1, command  # a header row, then one row each


def test_tables_fit_the_terminal_and_wrap_instead_of_cutting(store):
    story = json.loads(run("stories", "--db", store, "--outlet", "TPO", "--json").output.splitlines()[0])["id"]
    events = [json.loads(line) for line in run("timeline", story, "--db", store, "--json").output.splitlines()]
    longest = max(events, key=lambda e: len(e["text"]))["text"]
    assert len(longest) > 80
    table = run("timeline", story, "--db", store, env={"COLUMNS": "80"}).output
    assert max(len(line) for line in table.splitlines()) <= 80
    assert " ".join(longest.split()) in " ".join(" ".join(table.split()).split())  # every word, in order
    assert "…" not in table


def test_a_listing_of_many_columns_on_a_narrow_terminal_is_one_block_a_row(store, capsys, monkeypatch):
    """Bug: `sources list` at 80 columns wrapped a URL 5 characters a line (11 columns)."""
    from newsfuse.cli import _emit

    articles = [json.loads(line) for line in run("articles", "--db", store, "--json").output.splitlines()][:3]
    columns = ["id", "url", "source", "published", "title", "author", "story", "language", "origin", "kind", "x"]
    rows = [dict(a, kind="rss", x="") for a in articles]
    monkeypatch.setenv("COLUMNS", "80")
    _emit(rows, columns)
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 80
    for a in articles:
        assert a["id"] in out.splitlines()  # each row's first column heads its block
        assert f"title: {' '.join(a['title'].split())}" in " ".join(out.split())  # whole, wrapped at most
    assert "  x:" not in out  # a column no row fills is left out
    monkeypatch.setenv("COLUMNS", "200")
    _emit(rows, columns)
    assert out != capsys.readouterr().out  # a wide terminal gets the table


def test_one_story_is_not_stories(tmp_path, seeds_dir):
    r = run("ingest", "-q", "--db", tmp_path / "n.db", seeds_dir)
    assert "1 story touched" in r.output and "1 stories" not in r.output


# ------------------------------------------------------------ Python


def test_the_readme_python_snippet_runs_as_written(tmp_path, mds_rows, monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    snippet = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    write_jsonl(tmp_path / "articles.jsonl", mds_rows[:5])
    scope: dict = {}
    exec(compile(snippet, "README.md", "exec"), scope)  # noqa: S102 - the README's own example
    assert scope["brief"].summary and scope["story_id"]


def test_an_unknown_story_is_not_found_with_its_id(seeded):
    import newsfuse

    with pytest.raises(newsfuse.NotFound, match="no story 'nosuch'") as caught:
        seeded.brief("nosuch")
    assert isinstance(caught.value, KeyError) and str(caught.value) == "no story 'nosuch'"
    with pytest.raises(newsfuse.BadParameter, match="since: 'soon'"):
        seeded.stories(since="soon")


def test_a_query_within_a_story_keeps_the_story(client, seeded):
    """Bug: `articles --story S -q Q` searched every article (the story was dropped with a query),
    in the CLI, REST and Python; an unknown story listed nothing instead of saying so."""
    import newsfuse

    seed = seeded.articles(outlet="TPO", since="2023")[0]  # a seed: its story holds both seeds
    seed_story = seeded.story_of(seed.id)
    members = set(seeded.store.story_article_ids(seed_story))
    everywhere = {a.id for a in seeded.articles(query="Công an", limit=200)}
    assert everywhere - members  # the query alone finds articles of other stories
    within = {a.id for a in seeded.articles(query="Công an", story=seed_story, limit=200)}
    assert within and within <= members
    assert seeded.count_articles(query="Công an", story=seed_story) == len(within)
    rest = client.get("/api/articles", params={"story": seed_story, "q": "Công an"}).json()
    assert {a["id"] for a in rest["articles"]} == within and rest["total"] == len(within)
    with pytest.raises(newsfuse.NotFound, match="no story 'nosuch'"):
        seeded.articles(story="nosuch")
    with pytest.raises(newsfuse.NotFound, match="no story 'nosuch'"):  # also for a query of no word
        seeded.articles(story="nosuch", query='"')
    assert client.get("/api/articles", params={"story": "nosuch"}).status_code == 404
    assert client.get("/api/articles", params={"story": "nosuch", "q": "bão"}).status_code == 404


def test_an_unknown_story_filter_is_exit_code_1(store):
    r = run("articles", "--db", store, "--story", "nosuch")
    assert r.exit_code == 1 and "no story 'nosuch'" in r.output and "(nothing)" not in r.output


# ------------------------------------------------------------ REST lists


def test_rest_lists_articles_outlets_entities_timeline_with_totals(client, seeded, mds_rows):
    stories = client.get("/api/stories", params={"limit": 2}).json()
    assert stories["total"] == seeded.count_stories() > 2 and len(stories["stories"]) == 2
    assert stories["next"] and stories["previous"] is None
    page2 = client.get("/api/stories" + stories["next"]).json()  # a link relative to the list itself
    assert page2["offset"] == 2 and {s["id"] for s in page2["stories"]}.isdisjoint(s["id"] for s in stories["stories"])
    articles = client.get("/api/articles", params={"outlet": "TPO", "since": "2023"}).json()
    assert articles["total"] == 1 and articles["articles"][0]["source"] == "tienphong.vn"
    assert "text" not in articles["articles"][0] and articles["articles"][0]["story"]
    assert client.get("/api/articles", params={"outlet": "TPO"}).json()["total"] == tienphong(mds_rows)
    everything = client.get("/api/articles", params={"limit": 200}).json()
    assert everything["total"] == seeded.count_articles() == len(everything["articles"]) and everything["next"] is None
    outlets = client.get("/api/outlets").json()
    assert outlets["total"] == len(outlets["outlets"]) and {"outlet", "name", "articles", "aliases"} <= set(outlets["outlets"][0])
    story = articles["articles"][0]["story"]
    members = client.get(f"/api/stories/{story}/articles").json()
    assert members["total"] == 2
    entities = client.get(f"/api/stories/{story}/entities").json()["entities"]
    assert "Lương Tam Quang" in {e["name"] for e in entities}
    timeline = client.get(f"/api/stories/{story}/timeline").json()["timeline"]
    assert timeline and timeline[0]["date"] <= timeline[-1]["date"]
    for path in (f"/api/stories/nope/entities", "/api/stories/nope/timeline", "/api/stories/nope/articles"):
        assert client.get(path).status_code == 404
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["articles"] == seeded.count_articles()
    search = client.get("/api/search", params={"q": "Công an", "limit": 1}).json()
    assert search["total"] > 1 and search["next"]


def test_api_docs_work_offline(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and not [a for a in assets if "//" in a]  # nothing from another host (no CDN)
    for a in assets:
        assert client.get("/" + a.lstrip("./")).status_code == 200, a
    assert "<script>" not in page.text  # the CSP allows no inline script
    assert client.get("/openapi.json").json()["paths"]["/api/articles"]["get"]


def test_pages_link_relatively_so_a_path_prefix_works(client):
    story = client.get("/api/stories").json()["stories"][0]["id"]
    for path in ("/", f"/stories/{story}", "/sources", "/docs"):
        html = client.get(path).text
        links = re.findall(r'(?:src|href|action)="([^"#]*)"', html)
        absolute = [u for u in links if u.startswith("/")]
        assert links and not absolute, (path, absolute)


def test_an_internal_error_in_an_ingest_is_one_line_and_leaves_no_empty_store(tmp_path, seeds_dir, monkeypatch):
    """A fault of newsfuse's own (a KeyError in story assignment once stopped every ingest of a
    flood of tiny articles) was a traceback that left an empty new store behind."""
    from newsfuse.stories import StoryClusterer

    def broken(self, story_id):
        raise KeyError(story_id)

    monkeypatch.setattr(StoryClusterer, "_new_story", broken)
    monkeypatch.delenv("NEWSFUSE_TRACEBACK", raising=False)
    db = tmp_path / "new.db"
    r = run("ingest", "-q", "--db", db, seeds_dir)
    assert r.exit_code == 3 and "ingest stopped by an internal error, KeyError" in r.output
    assert "Traceback" not in r.output and not db.exists()


# ------------------------------------------------------------ a newcomer's face bugs (issues 16 and 18, fifth round)


def test_a_store_making_command_that_fails_leaves_no_new_store(tmp_path):
    """`archive load nosuch/` and `sources add notaurl` left a 200 KB empty store where the next
    command looks; they share ingest's rule now (`_new_store`)."""
    typo = tmp_path / "typo.db"
    r = run("archive", "load", tmp_path / "nosuch", "--db", typo)
    assert r.exit_code == 2 and "no archive here" in r.output and "typo.db: not made" in r.output, r.output
    assert not typo.exists()
    r = run("sources", "add", "notaurl", "--db", typo, "--no-check")
    assert r.exit_code == 1 and "not an http(s) URL" in r.output and "typo.db: not made" in r.output
    assert not typo.exists()
    bad = tmp_path / "f.opml"
    bad.write_text("not an outline")
    assert run("sources", "import", bad, "--db", typo).exit_code == 2 and not typo.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.opml"]  # no -wal, -shm either
    # a store that already holds something is kept, whatever the next command does
    assert run("sources", "add", "https://example.org/rss", "--db", typo, "--no-check").exit_code == 0
    assert run("sources", "add", "notaurl", "--db", typo, "--no-check").exit_code == 1
    assert run("archive", "load", tmp_path / "nosuch", "--db", typo).exit_code == 2
    listed = run("sources", "list", "--db", typo, "--json").output.splitlines()
    assert [json.loads(line)["url"] for line in listed] == ["https://example.org/rss"]


@pytest.mark.parametrize("where", ["missing folder", "a folder"])
def test_every_out_that_cannot_be_written_is_one_line_naming_it(store, tmp_path, mds_rows, where):
    """A missing folder (FileNotFoundError) or a folder (IsADirectoryError) was a 35-line
    traceback, exit code 1, after the work was done."""
    target = tmp_path / "nc" / "ex" / "a.out" if where == "missing folder" else tmp_path
    src = write_jsonl(tmp_path / "in.jsonl", mds_rows[:4])
    for command in (["export", "articles", "--format", "csv", "--db", store],
                    ["export", "stories", "--format", "parquet", "--db", store],
                    ["export", "briefs", "--db", store], ["cluster", src], ["summarize", src]):
        r = run(*command, "--out", target)
        lines = r.output.strip().splitlines()
        assert r.exit_code == 2 and len(lines) == 1 and f"--out {target}:" in lines[0], (command, r.output)
    assert not (tmp_path / "nc").exists()
    r = run("archive", "run", src, "--out", src, "-q")  # a folder's --out that is a file
    assert r.exit_code == 2 and r.output.strip() == f"error: --out {src}: a file, not a folder", r.output


def test_an_opml_import_is_all_or_nothing(tmp_path):
    """One good outline and one `ftp://` outline: the error was printed (exit code 2) and the good
    one added unreported. Now nothing is added and every bad outline is named (docs/decisions.md)."""
    from newsroom import opml

    db = tmp_path / "n.db"
    assert run("sources", "add", "https://example.org/first.rss", "--db", db, "--no-check").exit_code == 0
    listing = tmp_path / "f.opml"
    listing.write_bytes(opml([("https://example.org/good.rss", "Thời sự"), ("ftp://x/y", "Thế giới"),
                              ("gopher://z", "Khác")]))
    r = run("sources", "import", listing, "--db", db)
    assert r.exit_code == 2 and "nothing added, 2 outlines of 3 cannot be followed" in r.output, r.output
    assert "'ftp://x/y'" in r.output and "'gopher://z'" in r.output
    urls = [json.loads(line)["url"] for line in run("sources", "list", "--db", db, "--json").output.splitlines()]
    assert urls == ["https://example.org/first.rss"]
    listing.write_bytes(opml([("https://example.org/good.rss", "Thời sự"), ("https://example.org/first.rss", "")]))
    r = run("sources", "import", listing, "--db", db)
    assert r.exit_code == 0 and "1 sources added, 1 already followed" in r.output, r.output


def test_python_ingest_takes_one_path_as_a_path(nf, seeds_dir):
    """`nf.ingest("news.db")` read the characters of the name as paths (`n: no such file or folder`)."""
    report = nf.ingest(str(seeds_dir))
    assert len(report.added) == 2 and not report.rejected
    report = nf.ingest(seeds_dir)
    assert len(report.present) == 2 and not report.rejected
    assert [line.split(":")[0] for line in nf.ingest("nosuch.txt").rejected] == ["nosuch.txt"]


def test_an_empty_search_is_the_same_error_in_every_face(store, client, seeded):
    """`search ''` was `(nothing)` exit 0, REST 422 of its own, Python an empty page."""
    from newsfuse import BadParameter

    for text in ("", "   "):
        r = run("search", text, "--db", store)
        assert r.exit_code == 2 and "error: query: a query is needed" in r.output, r.output
        with pytest.raises(BadParameter, match="query: a query is needed"):
            seeded.search(text)
        got = client.get("/api/search", params={"q": text})
        assert got.status_code == 422 and got.json()["error"].startswith("query: a query is needed"), got.text
    assert client.get("/api/search").status_code == 422
    assert client.get("/", params={"q": "   "}).status_code == 200  # the page's search box left blank filters nothing
    # Text with no word in it (a lone quote, punctuation) is a search for nothing too: it matched
    # nothing with exit 0 / 200 while `"hòa bình` without its closing quote was an error.
    for text in ('"', "!!!"):
        for command in (("search", text), ("stories", "--query", text)):
            r = run(*command, "--db", store)
            assert r.exit_code == 2 and f"error: query: {text!r} holds no word to look for" in r.output, r.output
        for path in ("/api/search", "/api/stories"):
            got = client.get(path, params={"q": text})
            assert got.status_code == 422 and "holds no word" in got.json()["error"], got.text
        assert client.get("/", params={"q": text}).status_code == 422


def test_rest_refuses_a_repeated_parameter_naming_it(client):
    """`?q=bão&q=x` and `limit=1&limit=5` kept the last value silently."""
    for query, name in (("q=b%C3%A3o&q=x", "q"), ("limit=1&limit=5", "limit")):
        for path in ("/api/stories", "/api/articles", "/api/search"):
            got = client.get(f"{path}?{query}" + ("" if "q=" in query or path != "/api/search" else "&q=x"))
            assert got.status_code == 422 and got.json()["error"] == f"{name}: given 2 times (give it once)", \
                (path, got.text)
    assert client.get("/api/stories?limit=1&q=x").status_code == 200


def test_a_page_error_is_a_page_in_its_language_and_the_api_stays_json(client):
    """`/stories/nosuch` answered `{"error": ...}` as JSON, `/?page=abc` a JSON 422."""
    got = client.get("/stories/nosuch")
    assert got.status_code == 404 and got.headers["content-type"].startswith("text/html"), got.text
    assert '<html lang="vi">' in got.text and "Không có sự kiện “nosuch”." in got.text
    got = client.get("/stories/nosuch?lang=en")
    assert got.status_code == 404 and '<html lang="en">' in got.text and "No story “nosuch”." in got.text
    client.cookies.clear()  # (the page keeps the language it was given in a cookie)
    got = client.get("/?page=abc")
    assert got.status_code == 422 and got.headers["content-type"].startswith("text/html")
    assert "Tham số “page” không dùng được: “abc”." in got.text
    got = client.get("/no/such/page?lang=en")
    assert got.status_code == 404 and "There is no page at this address." in got.text
    client.cookies.clear()
    got = client.post("/")  # FastAPI's own 405 said in the page's language, not `Method Not Allowed`
    assert got.status_code == 405 and got.headers["content-type"].startswith("text/html"), got.text
    assert "Trang này chỉ để đọc (không nhận POST)." in got.text and "Method Not Allowed" not in got.text
    for path, status in (("/api/stories/nosuch", 404), ("/api/stories?limit=abc", 422), ("/api/nosuch", 404),
                         ("/api/search?q=%22a", 422)):
        got = client.get(path)
        assert got.status_code == status and got.headers["content-type"] == "application/json" and got.json()["error"]


def test_the_sources_page_and_the_html_brief_speak_the_pages_language(client, seeded, store):
    """`/sources` headed `source kind Báo last fetch status Số bài pending errors next` in Vietnamese,
    its kinds and statuses raw; the `since` error of the Vietnamese page was English; `brief --format
    html` declared lang='vi' over English headings."""
    import time

    src, _ = seeded.add_source("https://example.org/rss")
    seeded.store.update_followed_source(src.id, kind="feed", status="not modified", next_fetch=time.time() + 600)
    vi = client.get("/sources").text
    for words in ("Nguồn", "Loại", "Lần đọc gần nhất", "Trạng thái", "Đang chờ", "Lỗi", "Lần đọc tới",
                  "nguồn tin RSS/Atom", "không đổi"):
        assert f">{words}<" in vi, words
    for english in ("source", "kind", "last fetch", "status", "pending", "errors", "next", "feed", "not modified"):
        assert f">{english}<" not in vi, english
    en = client.get("/sources?lang=en").text
    assert ">Last fetch<" in en and ">RSS/Atom feed<" in en and ">not modified<" in en
    client.cookies.clear()  # (the page keeps the language it was given in a cookie)
    got = client.get("/?since=yesterday")
    assert got.status_code == 422 and "Từ ngày: “yesterday” không phải một ngày" in got.text, got.text
    assert "Không đọc được câu tìm" in client.get("/?q=%22a").text
    assert "From: “yesterday” is not a date" in client.get("/?since=yesterday&lang=en").text
    story = json.loads(run("stories", "--db", store, "--outlet", "TPO", "--json").output.splitlines()[0])["id"]
    vi = run("brief", story, "--db", store, "--format", "html").output
    assert "<html lang='vi'>" in vi and "<h2>Tóm tắt</h2>" in vi and "<h2>Các bài nguồn</h2>" in vi
    assert "<h2>Summary</h2>" not in vi and "<h2>Sources</h2>" not in vi
    en = run("brief", story, "--db", store, "--format", "html", "--lang", "en").output
    assert "<html lang='en'>" in en and "<h2>Summary</h2>" in en and "<h2>Sources</h2>" in en
    assert run("brief", story, "--db", store, "--format", "html", "--lang", "fr").exit_code == 2


def test_demo_titles_are_whole_at_any_width(tmp_path):
    """`demo` cut each title at 70 characters, mid-word, whatever the width."""
    wide = run("demo", "--db", tmp_path / "a.db", env={"COLUMNS": "200"}).output
    narrow = run("demo", "--db", tmp_path / "b.db", env={"COLUMNS": "60"}).output
    import newsfuse

    with newsfuse.open(tmp_path / "a.db") as nf:
        titles = [a.title for a in nf.articles()]
    assert any(len(t) > 70 for t in titles)
    for out, width in ((wide, 200), (narrow, 60)):
        table = out.split("stories:")[0].splitlines()[2:]  # below the path and the counts
        assert table[0].split() == ["id", "outlet", "date", "author", "title"]
        assert max(len(line) for line in table) <= width
        column = " ".join(" ".join(line[table[0].index("title"):] for line in table[1:]).split())
        for title in titles:
            assert " ".join(title.split()) in column, (width, title)


def test_next_fetch_is_one_representation_in_rest_cli_and_python(client, seeded):
    """REST gave a new source `0.0`, `sources list --json` `"now"` or a local time."""
    import time

    seeded.add_source("https://example.org/new.rss")
    later, _ = seeded.add_source("https://example.org/later.rss")
    at = time.time() + 600
    seeded.store.update_followed_source(later.id, next_fetch=at)
    rest = {s["url"]: s["next_fetch"] for s in client.get("/api/sources").json()["sources"]}
    cli = {json.loads(line)["url"]: json.loads(line)["next_fetch"]
           for line in run("sources", "list", "--db", seeded.config.db, "--json").output.splitlines()}
    python = {s.url: s.to_dict()["next_fetch"] for s in seeded.sources()}
    assert rest == cli == python == {"https://example.org/new.rss": None,
                                     "https://example.org/later.rss": time.strftime("%Y-%m-%dT%H:%M:%S",
                                                                                    time.localtime(at))}


def test_a_locked_store_is_one_line_and_an_exit_code_of_its_own(tmp_path, seeds_dir, monkeypatch):
    """Another process holding the write lock made `ingest` say, after 30 s, `ingest stopped by an
    internal error, OperationalError: database is locked`, exit code 3."""
    import sqlite3

    from newsfuse import store as store_module

    db = tmp_path / "n.db"
    assert run("sources", "add", "https://example.org/rss", "--db", db, "--no-check").exit_code == 0
    monkeypatch.setattr(store_module, "BUSY_SECONDS", 0.5)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        r = run("ingest", "-q", "--db", db, seeds_dir)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert r.exit_code == 4, r.output
    assert r.output.strip().splitlines()[-1] == (f"error: {db}: the store is locked by another process (tried for "
                                                 "0.5 s); nothing was stored")
    assert "internal error" not in r.output
    assert run("ingest", "-q", "--db", db, seeds_dir).exit_code == 0  # the lock gone, the same ingest stores
    assert len(run("articles", "--db", db, "--json").output.splitlines()) == 2


def test_python_open_can_refuse_to_make_a_store(tmp_path):
    """`newsfuse.open("typo.db")` made a new store whatever the caller meant; a reader says `create=False`."""
    import newsfuse

    typo = tmp_path / "typo.db"
    with pytest.raises(newsfuse.StoreError, match="typo.db: no such database"):
        newsfuse.open(typo, create=False)
    assert not typo.exists()
    with pytest.raises(newsfuse.StoreError, match="a folder, not a database"):
        newsfuse.open(tmp_path)
    with newsfuse.open(typo) as nf:  # the default makes it, as the README's first lines do
        nf.add({"id": "x1", "source": "tuoitre.vn", "date": "2023-06-27", "title": "Bão số 3",
                "text": "Chiều 27/6, bão số 3 đổ bộ vào Quảng Ninh với sức gió cấp 10."})
    with newsfuse.open(typo, create=False) as nf:
        assert [a.id for a in nf.articles()] == ["x1"]


def test_a_reader_that_leaves_early_ends_the_command_quietly(store):
    """`newsfuse articles --csv | head -1` exited 1 or 0 as the pipe's buffer happened to fill."""
    import subprocess
    import sys

    command = [sys.executable, "-c", "import sys; from newsfuse.cli import main; sys.argv[0] = 'newsfuse'; main()",
               "export", "articles", "--db", str(store), "-q"]
    p = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = p.stdout.readline()
    p.stdout.close()  # as `head -1` does, long before the ~100 KB of 32 articles' texts are written
    err = p.stderr.read().decode()
    assert p.wait(timeout=120) == 0 and err == "", err
    assert json.loads(first)["id"]


def test_python_and_cli_timeline_and_entities_are_the_briefs(tmp_path, mds_rows):
    """`nf.timeline()` aligned the articles again on its own: for cluster_138 it dated
    `Thông qua cuộc thi…` and left out `…vào ngày 23/11 tới đây`, which the brief, REST and the page show."""
    from dataclasses import asdict

    import newsfuse

    rows = [r for r in mds_rows if r["cluster_id"] in ("cluster_138", "cluster_187", "cluster_13")]
    with newsfuse.open(tmp_path / "t.db") as nf:
        nf.ingest([write_jsonl(tmp_path / "t.jsonl", rows)])
        stories = nf.stories(limit=20)
        assert len(stories) >= 3
        for story in stories:
            brief = nf.brief(story.id)
            assert [asdict(e) for e in nf.timeline(story.id)] == [asdict(e) for e in brief.timeline], story.id
            assert [asdict(e) for e in nf.entities(story.id)] == [asdict(e) for e in brief.entities], story.id
        storm = next(s for s in stories if "12327998" in {a.id for a in nf.story_articles(s.id)})
        assert any("23/11 tới đây" in e.text for e in nf.timeline(storm.id))
        cli = [json.loads(line) for line in run("timeline", storm.id, "--db", tmp_path / "t.db", "--json").output.splitlines()]
        assert [e["text"] for e in cli] == [e.text for e in nf.timeline(storm.id)]


def test_an_outlet_no_article_goes_by_is_a_bad_filter(store, client):
    """`--outlet nosuch` printed `(nothing)`, exit 0, as if the outlet had been quiet."""
    for command in ("stories", "articles"):
        r = run(command, "--db", store, "--outlet", "nosuch")
        assert r.exit_code == 2 and "outlet: no outlet is named 'nosuch'" in r.output, r.output
    assert run("stories", "--db", store, "--outlet", "tuoitre.vn").exit_code == 0
    got = client.get("/api/stories", params={"outlet": "nosuch"})
    assert got.status_code == 422 and "no outlet is named 'nosuch'" in got.json()["error"]
    assert client.get("/api/articles", params={"outlet": "tuoitre.vn"}).json()["total"] > 0


def test_search_csv_has_what_json_has_but_marks(store):
    """`search --csv` had no title (nor story) column while `--json` had them."""
    rows = run("search", "Lương Tam Quang", "--db", store, "--csv").output.splitlines()
    assert rows[0] == "id,published,source,title,story,snippet"
    first = json.loads(run("search", "Lương Tam Quang", "--db", store, "--json").output.splitlines()[0])
    assert first["title"] in rows[1] and first["story"] in rows[1]


def test_the_story_page_says_the_briefs_notes_and_conflicts_in_its_language(tmp_path, mds_rows):
    """The Vietnamese page said `1 copy of other articles left out of the alignment` and `… vs …`."""
    import newsfuse
    from newsfuse.web.app import create_app

    rows = [r for r in mds_rows if r["cluster_id"] == "cluster_138"]
    copy = rows[2] | {"id": "copy-138", "source": "baomoi.com", "text": rows[2]["text"] + " Theo Báo Mới."}
    with newsfuse.open(tmp_path / "p.db") as nf:
        nf.ingest([write_jsonl(tmp_path / "p.jsonl", rows + [copy])])
        story = nf.story_of("copy-138")
        brief = nf.brief(story)
        assert brief.conflicts and any(" vs " in c.text for c in brief.conflicts)
        assert any("left out of the alignment" in n for n in brief.notes)
        client = TestClient(create_app(nf, token=""), base_url="http://127.0.0.1")
        vi = client.get(f"/stories/{story}", params={"lang": "vi"}).text
        en = client.get(f"/stories/{story}", params={"lang": "en"}).text
    assert "left out of the alignment" not in vi and "bản sao của bài khác không đưa vào đối chiếu" in vi
    assert " so với " in vi and ") vs " not in vi
    assert "left out of the alignment" in en and ") vs " in en
