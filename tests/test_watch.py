"""`newsfuse watch` against real HTTP servers on 127.0.0.1 and 127.0.0.2 (threads of this test
process) serving feeds and pages built from the seeds and the shared corpus."""

from __future__ import annotations

import socket
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from newsfuse.cli import app
from newsfuse.config import WatchConfig
from newsfuse.watch import article_id_for

from test_ingest import to_cp1258

from newsroom import Item, Newsroom, Route, article_page, atom, news_sitemap, opml, rss, seed_parts

TEST = WatchConfig(per_host_interval=0.0, timeout=1.0, deadline=10.0, extract_workers=1, interval=600.0,
                   max_items=50)
SEED_004_TITLE = "Việt Nam - Trung Quốc đẩy nhanh đàm phán Hiệp định chuyển giao người bị kết án phạt tù"


class Clock:
    def __init__(self) -> None:
        import time

        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def outlets(seed_texts, mds_rows):
    """Tiền Phong at 127.0.0.1 (an RSS feed), a second outlet at 127.0.0.2 (a home page naming an
    Atom feed) that has seed 000 and republishes one of Tiền Phong's articles word for word."""
    with Newsroom("127.0.0.1") as tp, Newsroom("127.0.0.2") as other:
        cluster = [r for r in mds_rows if r["cluster_id"] == mds_rows[40]["cluster_id"]][:3]
        items = []
        body_004 = seed_texts["004"].split(" - ", 1)[1]
        tp.routes["/thoi-su/004.html"] = Route(article_page(SEED_004_TITLE, body_004, site_name="Báo Tiền Phong",
                                                            date="2023-06-27T08:00", author="Hoàng Thùy").encode())
        items.append(Item(tp.url("/thoi-su/004.html"), SEED_004_TITLE, "2023-06-27T08:00", guid="tp-004",
                          summary=body_004.split("\n")[0]))
        for k, r in enumerate(cluster):
            path = f"/the-gioi/{r['id']}.html"
            tp.routes[path] = Route(article_page(r["title"], r["text"], site_name="Báo Tiền Phong", date=r["date"],
                                                 lead=r["lead"]).encode())
            items.append(Item(tp.url(path), r["title"], r["date"], guid=f"tp-{r['id']}", summary=r["lead"] or ""))
        tp.routes["/rss/home.rss"] = Route(rss("Tiền Phong", tp.url("/"), items), "application/rss+xml")
        title_000, body_000 = seed_parts(seed_texts["000"])
        other.routes["/"] = Route(f'<html><head><link rel="alternate" type="application/atom+xml" '
                                  f'href="/feed.atom"></head><body><a href="/thoi-su">Thời sự</a></body></html>'.encode())
        other.routes["/p/000.html"] = Route(article_page(title_000, body_000, site_name="Báo Công Lý",
                                                         date="2023-06-27T10:00").encode())
        copied = cluster[0]
        other.routes["/p/copy.html"] = Route(article_page(copied["title"], copied["text"], site_name="Báo Công Lý",
                                                          date="2023-10-24T09:00", lead=copied["lead"]).encode())
        other.routes["/feed.atom"] = Route(atom("Báo Công Lý", other.url("/"), [
            Item(other.url("/p/000.html"), title_000, "2023-06-27T10:00"),
            Item(other.url("/p/copy.html"), copied["title"], "2023-10-24T09:00")]), "application/atom+xml")
        yield tp, other, cluster


def test_opml_import_checked_reads_every_feed_once_and_a_page_naming_a_listed_feed_is_that_feed(nf, tmp_path, outlets):
    tp, other, _cluster = outlets
    listing = tmp_path / "feeds.opml"
    listing.write_bytes(opml([(tp.url("/rss/home.rss"), "Thời sự"), (other.url("/feed.atom"), "Công Lý"),
                              (other.url("/"), "Công Lý, trang chủ")]))
    added = nf.import_opml(listing, read_now=True)
    (tp_feed, new_tp), (atom_feed, new_atom), (page, new_page) = added
    assert new_tp and new_atom and not new_page and page.id == atom_feed.id
    assert [s.id for s in nf.sources()] == [tp_feed.id, atom_feed.id]
    assert tp_feed.kind == atom_feed.kind == "feed" and tp_feed.pending == 4 and atom_feed.pending == 2, (tp_feed, atom_feed)
    assert len(tp.requests_for("/rss/home.rss")) == 1 and len(other.requests_for("/")) == 1


def test_opml_import_full_cycle_conditional_second_cycle_and_an_edit(nf, tmp_path, outlets, seed_texts):
    tp, other, cluster = outlets
    listing = tmp_path / "feeds.opml"
    listing.write_bytes(opml([(tp.url("/rss/home.rss"), "Tiền Phong - Thời sự")]))
    [(source, new)] = nf.import_opml(listing)
    assert new and source.url == tp.url("/rss/home.rss")
    nf.add_source(other.url("/"))  # a home page: its feed is found from <link rel=alternate>
    clock = Clock()
    with nf.watcher(replace(TEST, extract_workers=2), clock=clock) as w:  # pages extracted in worker processes
        first = w.cycle()
    assert first.added == 5 and first.republished == 1 and not first.rejected, first.line()
    assert first.pages == 6 and first.present == 1 and first.pending == 0
    by_url = {a.url: a for a in nf.articles(limit=100)}
    seed_004 = by_url[tp.url("/thoi-su/004.html")]
    seed_000 = by_url[other.url("/p/000.html")]
    assert seed_004.title == SEED_004_TITLE and seed_004.published == "2023-06-27T08:00+07:00"  # the feed gives the zone
    assert seed_004.source == nf.outlet("127.0.0.1:" + tp.base.rsplit(":", 1)[1])
    assert "Lương Tam Quang" in seed_004.text and "Lương Tam Quang" in seed_000.text
    assert nf.store.story_of(seed_004.id) == nf.store.story_of(seed_000.id)  # the seeds' story formed
    # The second outlet's word-for-word copy is stored once, as two publications; whichever page
    # arrived first, Tiền Phong had it first (by publication time) and is named so.
    stored = next(a for a in by_url.values() if a.title == cluster[0]["title"])
    published = nf.publications(stored.id)
    assert {p.kind for p in published} == {"original", "exact"}
    assert [p.outlet for p in published] == [seed_004.source, nf.outlet(other.base)]
    assert published[0].published == cluster[0]["date"] + "+07:00"  # the feed gives the zone
    sources = {s.url: s for s in nf.sources()}
    assert sources[other.url("/")].feed_url == other.url("/feed.atom") and sources[other.url("/")].kind == "feed"
    assert sources[tp.url("/rss/home.rss")].articles == 4 and sources[other.url("/")].articles == 2
    assert sources[tp.url("/rss/home.rss")].status == "ok" and not sources[tp.url("/rss/home.rss")].error
    assert all("newsfuse" in h.headers.get("User-Agent", "") for h in tp.hits + other.hits)

    # Second cycle: conditional requests, 304s, nothing fetched again.
    pages_before = [h for h in tp.hits + other.hits if h.path.endswith(".html")]
    clock.now += TEST.interval + 1
    with nf.watcher(TEST, clock=clock) as w:
        second = w.cycle()
    assert second.sources == 2 and second.not_modified == 2 and second.pages == 0 and second.added == 0
    feed_hits = tp.requests_for("/rss/home.rss")[-1], other.requests_for("/feed.atom")[-1]
    assert all(h.headers.get("If-None-Match") and h.status == 304 for h in feed_hits)
    assert [h for h in tp.hits + other.hits if h.path.endswith(".html")] == pages_before

    # Tiền Phong edits the seed's report: the feed's item changes, its page is fetched again.
    edited = seed_texts["004"].split(" - ", 1)[1] + "\n\nBài viết được cập nhật với ý kiến của Bộ Tư pháp."
    tp.routes["/thoi-su/004.html"].body = article_page(SEED_004_TITLE + " (cập nhật)", edited,
                                                       site_name="Báo Tiền Phong", date="2023-06-27T08:00").encode()
    feed = tp.routes["/rss/home.rss"]
    feed.body = feed.body.replace(SEED_004_TITLE.encode(), (SEED_004_TITLE + " (cập nhật)").encode(), 1)
    clock.now += TEST.interval + 1
    with nf.watcher(TEST, clock=clock) as w:
        third = w.cycle()
    assert third.updated == 1 and third.added == 0 and third.pages == 1, third.line()
    versions = nf.versions(seed_004.id)
    assert [v.version for v in versions] == [1, 2] and "ý kiến của Bộ Tư pháp" in versions[1].text
    assert nf.store.story_of(seed_004.id) == nf.store.story_of(seed_000.id)


def test_robots_txt_is_honoured_for_feeds_and_pages(nf, mds_rows):
    with Newsroom() as site:
        site.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\nDisallow: /closed.rss\n",
                                           "text/plain")
        row, hidden = mds_rows[50], mds_rows[51]
        site.routes["/public/a.html"] = Route(article_page(row["title"], row["text"], site_name="X", date=row["date"]).encode())
        site.routes["/private/b.html"] = Route(article_page(hidden["title"], hidden["text"], site_name="X",
                                                            date=hidden["date"]).encode())
        site.routes["/news.rss"] = Route(rss("X", site.url("/"), [
            Item(site.url("/public/a.html"), row["title"], row["date"]),
            Item(site.url("/private/b.html"), hidden["title"], hidden["date"])]), "application/rss+xml")
        site.routes["/closed.rss"] = Route(site.routes["/news.rss"].body, "application/rss+xml")
        nf.add_source(site.url("/news.rss"), "x.vn")
        nf.add_source(site.url("/closed.rss"), "x.vn")
        with nf.watcher(TEST) as w:
            report = w.cycle()
        assert report.added == 1 and report.rejected == 1
        assert not site.requests_for("/private/b.html") and not site.requests_for("/closed.rss")
        closed = nf.source(site.url("/closed.rss"))
        assert closed.status == "robots" and "robots.txt" in closed.error and "disallows" in closed.error
        assert "robots.txt" in nf.source(site.url("/news.rss")).error
        assert [a.title for a in nf.articles()] == [row["title"]]


def test_robots_txt_is_read_once_for_many_pages_of_one_host_fetched_at_once(nf, mds_rows):
    """`sources add` reads the feed; the watch's first cycle then has only pages of that host, all
    asking for its robots.txt at the same moment: one read of it, not one per page."""
    rows = mds_rows[110:118]
    with Newsroom() as site:
        # A slow robots.txt: every page's thread is waiting for it before the first read ends.
        site.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n", "text/plain", delay=0.3)
        for r in rows:
            site.routes[f"/{r['id']}.html"] = Route(article_page(r["title"], r["text"], site_name="X",
                                                                 date=r["date"]).encode())
        site.routes["/rss.xml"] = Route(rss("X", site.url("/"), [Item(site.url(f"/{r['id']}.html"), r["title"], r["date"])
                                                                 for r in rows]), "application/rss+xml")
        source, _ = nf.add_source(site.url("/rss.xml"), "x.vn", read_now=True)
        assert source.pending == 8 and len(site.requests_for("/robots.txt")) == 1
        with nf.watcher(replace(TEST, per_host_connections=8)) as w:  # the feed is not due: pages only
            report = w.cycle()
        assert report.sources == 0 and report.pages == 8 and report.added == 8, report.line()
        assert ": no feed due, 0 new or changed items, 8 pages fetched; 8 added" in report.line(), report.line()
        assert len(site.requests_for("/robots.txt")) == 2  # one for `sources add`, one for the watch's 8 pages


def test_each_failed_page_is_named_with_its_reason_by_watch_and_sources_list(nf, mds_rows):
    """`watch` says which pages failed and why, one line each, not only how many; `sources list`
    keeps the newest page's reason and the count given up, also after the feed is read again."""
    import json

    good = mds_rows[120]
    with Newsroom() as site:
        site.routes["/good.html"] = Route(article_page(good["title"], good["text"], site_name="X", date=good["date"]).encode())
        site.routes["/huge.html"] = Route(stream=8 * 1024 * 1024)  # over the 5 MB cap for a page
        site.routes["/loop-a.html"] = Route(status=302, headers={"Location": "/loop-b.html"}, etag=False)
        site.routes["/loop-b.html"] = Route(status=302, headers={"Location": "/loop-a.html"}, etag=False)
        site.routes["/rss.xml"] = Route(rss("X", site.url("/"), [Item(site.url(p), t, good["date"]) for p, t in [
            ("/good.html", good["title"]), ("/huge.html", "Tin lớn"), ("/loop-a.html", "Tin vòng")]]),
            "application/rss+xml")
        nf.add_source(site.url("/rss.xml"), "x.vn", read_now=True)
        db = str(nf.config.db)
        huge, loop = site.url("/huge.html"), site.url("/loop-a.html")

        def listed() -> dict:
            (row,) = [json.loads(line) for line in CliRunner().invoke(
                app, ["sources", "list", "--db", db, "--json"]).output.splitlines()]
            return row

        first = CliRunner().invoke(app, ["watch", "--once", "--db", db])
        assert first.exit_code == 0 and "1 added" in first.output, first.output
        assert f"will retry: {huge}: answer too large (over the 5 MB cap; stopped reading)" in first.output
        assert f"will retry: {loop}: redirect loop: " in first.output and "(try 1 of 3)" in first.output
        row = listed()
        assert row["pending"] == 2 and row["failed"] == 0 and row["page_error"].startswith((huge, loop))
        for _ in range(2):  # the third try is the last: neither has feed text to fall back on
            last = CliRunner().invoke(app, ["watch", "--once", "--db", db])
        lines = last.output.splitlines()
        assert "2 rejected" in last.output, last.output
        assert sum(line.startswith(f"rejected: {huge}: answer too large") for line in lines) == 1
        assert sum(line.startswith(f"rejected: {loop}: redirect loop") for line in lines) == 1
        # The feed read again (not modified) writes the source's own error line anew; the pages' stay.
        clock = Clock()
        clock.now += TEST.interval * 10
        with nf.watcher(TEST, clock=clock) as w:
            assert w.cycle().not_modified == 1
        row = listed()
        assert row["status"] == "not modified" and not row["error"]
        assert row["failed"] == 2 and row["pending"] == 0 and row["page_error"].startswith((huge, loop))
        table = CliRunner().invoke(app, ["sources", "list", "--db", db], env={"COLUMNS": "250"}).output
        assert "page_error" in table and "failed" in table and ("answer too large" in table or "redirect loop" in table)


def test_a_given_interval_applies_to_schedules_already_stored_and_keeps_a_backoff(nf, mds_rows):
    """`sources add` schedules the next read 900 s on; `watch --interval 1` a second later reads the
    healthy source now, and leaves the failing one to its backoff."""
    import time

    row = mds_rows[130]
    with Newsroom() as site:
        site.routes["/a.html"] = Route(article_page(row["title"], row["text"], site_name="X", date=row["date"]).encode())
        site.routes["/ok.rss"] = Route(rss("X", site.url("/"), [Item(site.url("/a.html"), row["title"], row["date"])]),
                                       "application/rss+xml")
        site.routes["/down.rss"] = Route(b"oops", "text/plain", status=500)
        ok, _ = nf.add_source(site.url("/ok.rss"), "x.vn", read_now=True)
        down, _ = nf.add_source(site.url("/down.rss"), "x.vn", read_now=True)
        assert ok.next_fetch > time.time() + 800 and down.status == "error" and down.next_fetch > time.time() + 800
        db = str(nf.config.db)
        assert "Applies now" in CliRunner().invoke(app, ["watch", "--help"], env={"COLUMNS": "200"}).output
        time.sleep(1.1)  # the last fetch (stored to the second) is now more than one interval ago
        result = CliRunner().invoke(app, ["watch", "--once", "--interval", "1", "--db", db])
        assert result.exit_code == 0 and "cycle 1" in result.output, result.output
        assert "1 feed due (1 not modified)" in result.output and "1 added" in result.output
        assert len(site.requests_for("/ok.rss")) == 2 and len(site.requests_for("/down.rss")) == 1
        assert nf.source(site.url("/ok.rss")).next_fetch < time.time() + 5  # the new interval, from now on
        assert nf.source(site.url("/down.rss")).next_fetch == down.next_fetch  # its backoff is kept


def test_429_with_retry_after_is_respected_for_feeds_and_pages(nf, mds_rows):
    with Newsroom() as site, Newsroom("127.0.0.2") as busy_site:
        row = mds_rows[60]
        busy_site.routes["/busy.rss"] = Route(b"slow down", "text/plain", status=429, headers={"Retry-After": "3600"})
        site.routes["/a.html"] = Route(b"later", "text/plain", status=503, headers={"Retry-After": "120"})
        site.routes["/ok.rss"] = Route(rss("X", site.url("/"), [Item(site.url("/a.html"), row["title"], row["date"])]),
                                       "application/rss+xml")
        nf.add_source(busy_site.url("/busy.rss"), "busy.vn")
        nf.add_source(site.url("/ok.rss"), "ok.vn")
        clock = Clock()
        start = clock.now
        with nf.watcher(TEST, clock=clock) as w:
            w.cycle()
            busy, ok = nf.source(busy_site.url("/busy.rss")), nf.source(site.url("/ok.rss"))
            assert busy.status == "paused" and "429" in busy.error and busy.next_fetch >= start + 3600
            assert ok.status == "paused" and "503" in ok.error and ok.pending == 1  # the page waits with its host
            clock.now += 60
            w.cycle()
        assert len(busy_site.requests_for("/busy.rss")) == 1 and len(site.requests_for("/a.html")) == 1
        site.routes["/a.html"] = Route(article_page(row["title"], row["text"], site_name="X", date=row["date"]).encode())
        clock.now += 61
        with nf.watcher(TEST, clock=clock) as w:  # a new run: the wait was kept in the store
            report = w.cycle()
        assert report.added == 1 and len(busy_site.requests_for("/busy.rss")) == 1
        assert nf.source(site.url("/ok.rss")).pending == 0


def test_every_bad_input_is_one_line_on_its_source_and_the_others_go_on(nf, mds_rows, monkeypatch):
    real_getaddrinfo = socket.getaddrinfo

    def resolver(host, *args, **kwargs):  # this name is never sent to a DNS server: it fails here
        if host == "nosuch.invalid":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    with Newsroom() as site:
        good = mds_rows[70]
        site.routes["/good.html"] = Route(article_page(good["title"], good["text"], site_name="X", date=good["date"]).encode())
        site.routes["/good.rss"] = Route(rss("X", site.url("/"), [Item(site.url("/good.html"), good["title"], good["date"])]),
                                         "application/rss+xml")
        nf.add({"id": "kept", "source": "a.vn", "text": mds_rows[71]["text"]})
        bomb = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
                b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;">]>'
                b'<rss version="2.0"><channel><title>&d;</title><item><title>&d;</title><link>/x</link></item></channel></rss>')
        xxe = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss version="2.0"><channel>'
               b'<title>t</title><item><title>&x;</title><description>&x;</description><link>/y</link></item></channel></rss>')
        whole = rss("X", site.url("/"), [Item(site.url(f"/n{i}.html"), f"Tin {i}", "2023-06-27") for i in range(4)])
        cp1258 = article_page(good["title"] + " (bản cp1258)", mds_rows[72]["text"], site_name="X",
                              date=good["date"]).replace('<meta charset="utf-8">', "")
        cp1258 = to_cp1258(cp1258)
        site.routes.update({
            "/html-feed": Route(b"<!doctype html><html><body><p>Trang ch\xe1\xbb\xa7</p></body></html>"),
            "/truncated.rss": Route(whole[: len(whole) // 2], "application/rss+xml"),
            "/bomb.rss": Route(bomb, "application/rss+xml"),
            "/xxe.rss": Route(xxe, "application/rss+xml"),
            "/huge.rss": Route(stream=100 * 1024 * 1024, content_type="application/rss+xml"),
            "/loop-a": Route(status=302, headers={"Location": "/loop-b"}, etag=False),
            "/loop-b": Route(status=302, headers={"Location": "/loop-a"}, etag=False),
            "/hang.rss": Route(rss("X", "/", []), delay=3.0),
            # its own page: one page two feeds list is one source's article (the other test below)
            "/undated.html": Route(article_page(mds_rows[73]["title"], mds_rows[73]["text"], site_name="X",
                                                date=mds_rows[73]["date"]).encode()),
            "/undated.rss": Route(rss("X", site.url("/"), [Item(site.url("/undated.html"), mds_rows[73]["title"])]),
                                  "application/rss+xml"),
            "/nolinks.rss": Route(rss("X", site.url("/"), [Item(None, f"Tin {i}") for i in range(3)]), "application/rss+xml"),
            "/many.rss": Route(rss("X", site.url("/"), [Item(site.url(f"/m{i}.html"), f"Tin {i}", "2023-06-27")
                                                        for i in range(10_000)]), "application/rss+xml"),
            "/cp1258.html": Route(cp1258, "text/html; charset=windows-1258"),
            "/undeclared.html": Route(cp1258, "text/html"),
            "/enc.rss": Route(rss("X", site.url("/"), [Item(site.url("/cp1258.html"), "cp1258", good["date"]),
                                                      Item(site.url("/undeclared.html"), "undeclared", good["date"])]),
                              "application/rss+xml"),
        })
        cases = {
            "/html-feed": "web page that names no feed",
            "/truncated.rss": "truncated XML",
            "/bomb.rss": "entity declarations refused",
            "/xxe.rss": "entity declarations refused",
            "/huge.rss": "answer too large",
            "/loop-a": "redirect loop",
            "/hang.rss": "timed out",
            "/undated.rss": "none of the 1 items has a date",
            "/nolinks.rss": "none of the 3 items has a link or an id",
            "/many.rss": "10000 items in one answer; took the 50 newest",
        }
        for path in [*cases, "/good.rss", "/enc.rss"]:
            nf.add_source(site.url(path), "x.vn")
        tls = site.base.replace("http://", "https://") + "/good.rss"  # TLS spoken to a plain-HTTP server
        nf.add_source(tls, "x.vn")
        nf.add_source("http://nosuch.invalid/feed.rss", "x.vn")
        with nf.watcher(TEST) as w:
            w.cycle()
        sources = {s.url: s for s in nf.sources()}
        for path, expected in cases.items():
            s = sources[site.url(path)]
            assert expected in (s.error or ""), (path, s.status, s.error)
            assert "\n" not in s.error
        assert sources[site.url("/html-feed")].status == "error" and sources[site.url("/bomb.rss")].status == "error"
        assert "TLS failure" in sources[tls].error and "DNS: cannot resolve nosuch.invalid" in sources["http://nosuch.invalid/feed.rss"].error
        assert sources[site.url("/good.rss")].articles == 1 and sources[site.url("/good.rss")].status == "ok"
        stored = {a.title: a for a in nf.articles(limit=100)}
        assert good["title"] in stored and nf.article("kept") is not None
        assert all("root:" not in a.text for a in stored.values())
        # A page in another encoding is read in the encoding it names, refused when it names none.
        assert good["title"] + " (bản cp1258)" in stored
        assert stored[good["title"] + " (bản cp1258)"].text.startswith(mds_rows[72]["text"][:30])
        enc = sources[site.url("/enc.rss")]
        assert "not UTF-8 and names no encoding" in enc.error and enc.errors == 1
        listed = CliRunner().invoke(app, ["sources", "list", "--db", str(nf.config.db), "--json"])
        assert listed.exit_code == 0 and len(listed.output.splitlines()) == len(sources)


def test_a_news_sitemap_and_items_with_feed_text_only(nf, mds_rows):
    with Newsroom() as site:
        a, b = mds_rows[80], mds_rows[81]
        site.routes["/a.html"] = Route(article_page(a["title"], a["text"], site_name="X", date=a["date"]).encode())
        site.routes["/sitemap-news.xml"] = Route(news_sitemap([(site.url("/a.html"), a["title"], a["date"])]),
                                                 "application/xml")
        site.routes["/full.rss"] = Route(rss("X", site.url("/"), [Item(None, b["title"], b["date"], guid="b-1",
                                                                       content=b["text"])]), "application/rss+xml")
        nf.add_source(site.url("/sitemap-news.xml"), "x.vn")
        nf.add_source(site.url("/full.rss"), "y.vn")
        with nf.watcher(TEST) as w:
            report = w.cycle()
        assert report.added == 2, report.line()
        assert nf.source(site.url("/sitemap-news.xml")).kind == "sitemap"
        from_feed = nf.article(article_id_for(None, site.url("/full.rss"), "b-1"))
        assert from_feed.text.startswith(b["text"][:30]) and from_feed.source == "y.vn"


def test_cli_follows_an_outlet_and_ctrl_c_stops_between_articles_then_resumes(tmp_path, mds_rows):
    """The README's three commands, a real Ctrl-C (SIGINT) in the middle, and a restart."""
    import signal
    import subprocess
    import sys
    import time

    rows = mds_rows[100:108]
    with Newsroom() as site:
        for r in rows:
            site.routes[f"/{r['id']}.html"] = Route(article_page(r["title"], r["text"], site_name="Báo X",
                                                                 date=r["date"]).encode())
        site.routes["/"] = Route(b'<html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml">'
                                 b"</head><body></body></html>")
        site.routes["/rss.xml"] = Route(rss("X", site.url("/"), [Item(site.url(f"/{r['id']}.html"), r["title"], r["date"])
                                                                 for r in rows]), "application/rss+xml")
        db = tmp_path / "live.db"
        added = CliRunner().invoke(app, ["sources", "add", site.url("/"), "--name", "baox.vn", "--db", str(db)])
        assert added.exit_code == 0 and "feed " + site.url("/rss.xml") in added.output and "8 items pending" in added.output
        # One request a second to one host (the default): time enough to press Ctrl-C in the middle.
        proc = subprocess.Popen([sys.executable, "-m", "newsfuse.cli", "watch", "--db", str(db)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.time() + 60
            while time.time() < deadline and sum(h.path.endswith(".html") for h in site.hits) < 3:
                time.sleep(0.1)
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 0 and "stopped;" in err and "the next watch resumes them" in err
        stored_first = {json_line["url"].replace(site.base, "") for json_line in map(
            __import__("json").loads, CliRunner().invoke(app, ["articles", "--db", str(db), "--json"]).output.splitlines())}
        listed = CliRunner().invoke(app, ["sources", "list", "--db", str(db), "--json"])
        import json

        (row,) = [json.loads(line) for line in listed.output.splitlines()]
        # Stopped before the last page; how many were stored by then is the machine's pace (on a loaded
        # one the first store, a first load placed as a batch, may still be running: none).
        assert row["articles"] < 8 and row["pending"] == 8 - row["articles"]
        again = subprocess.run([sys.executable, "-m", "newsfuse.cli", "watch", "--once", "--db", str(db)],
                               capture_output=True, text=True, timeout=120)
        assert again.returncode == 0 and "cycle 1" in again.stderr, again.stderr
        (row,) = [json.loads(line) for line in CliRunner().invoke(
            app, ["sources", "list", "--db", str(db), "--json"]).output.splitlines()]
        assert row["articles"] == 8 and row["pending"] == 0
        pages = [h.path for h in site.hits if h.path.endswith(".html")]
        assert stored_first and all(pages.count(p) == 1 for p in stored_first)  # what was stored is not fetched again
        stored = CliRunner().invoke(app, ["articles", "--db", str(db), "--json", "--outlet", "baox.vn"])
        assert len(stored.output.splitlines()) == 8


def test_a_page_edited_with_its_feed_item_unchanged_becomes_the_next_version_on_a_recheck(nf, mds_rows):
    """An outlet changes a figure in a page and leaves its feed as it was (the feed answers 304): the
    page of a recent item is looked at again on its own, with a conditional GET, after
    `recheck_every`. An unchanged page answers 304 and makes no version; an item first seen
    longer than `recheck_hours` ago is not asked for again."""
    edited, kept, old = mds_rows[140], mds_rows[141], mds_rows[142]
    config = replace(TEST, recheck_hours=48.0, recheck_every=60.0)
    figure = "\n\nKhoảng 5.000 người đã tham gia buổi lễ."
    with Newsroom() as site:
        def page(r: dict, extra: str = "") -> Route:
            return Route(article_page(r["title"], r["text"] + extra, site_name="X", date=r["date"]).encode())

        def feed(rows: list[dict]) -> Route:
            return Route(rss("X", site.url("/"), [Item(site.url(f"/{r['id']}.html"), r["title"], r["date"])
                                                  for r in rows]), "application/rss+xml")

        site.routes[f"/{edited['id']}.html"] = page(edited, figure)
        site.routes[f"/{kept['id']}.html"] = page(kept)
        site.routes[f"/{old['id']}.html"] = page(old)
        site.routes["/rss.xml"] = feed([old])
        nf.add_source(site.url("/rss.xml"), "x.vn")
        clock = Clock()
        with nf.watcher(config, clock=clock) as w:
            assert w.cycle().added == 1
            clock.now += 49 * 3600  # the first item is now older than recheck_hours
            site.routes["/rss.xml"] = feed([edited, kept, old])
            second = w.cycle()
            assert second.added == 2 and second.rechecked == 0, second.line()
            by_url = {a.url: a for a in nf.articles(limit=10)}
            edited_id, kept_id = by_url[site.url(f"/{edited['id']}.html")].id, by_url[site.url(f"/{kept['id']}.html")].id
            site.routes[f"/{edited['id']}.html"] = page(edited, figure.replace("5.000", "7.500"))

            clock.now += config.recheck_every / 2  # not yet: each page at most once every recheck_every
            assert w.cycle().rechecked == 0
            clock.now += TEST.interval  # past recheck_every, and the feed is due: it answers 304
            third = w.cycle()
        assert third.not_modified == 1 and third.listed == 0, third.line()
        assert third.rechecked == 2 and third.unchanged == 1 and third.pages == 1 and third.updated == 1, third.line()
        assert "1 pages fetched (2 rechecked, 1 not modified)" in third.line() and "1 new versions" in third.line()
        versions = nf.versions(edited_id)
        assert [v.version for v in versions] == [1, 2]
        assert "5.000 người" in versions[0].text and "7.500 người" in versions[1].text
        assert [v.version for v in nf.versions(kept_id)] == [1]
        kept_hits = site.requests_for(f"/{kept['id']}.html")
        assert [h.status for h in kept_hits] == [200, 304] and kept_hits[-1].headers.get("If-None-Match")
        assert site.requests_for(f"/{edited['id']}.html")[-1].headers.get("If-None-Match")
        assert len(site.requests_for(f"/{old['id']}.html")) == 1  # older than recheck_hours: left alone
    assert "--recheck-hours" in CliRunner().invoke(app, ["watch", "--help"], env={"COLUMNS": "200"}).output


def test_a_page_known_only_by_its_last_modified_is_asked_with_if_modified_since(nf, mds_rows):
    """Many outlets' servers send Last-Modified and no ETag. The recheck of a recent page then asks with
    If-Modified-Since: an unchanged page answers 304 and makes no version, a page edited with a new
    Last-Modified becomes the next version."""
    row = mds_rows[143]
    config = replace(TEST, recheck_hours=48.0, recheck_every=60.0)
    first_stamp, second_stamp = "Tue, 01 Dec 2026 08:00:00 GMT", "Tue, 01 Dec 2026 09:30:00 GMT"
    with Newsroom() as site:
        path = f"/{row['id']}.html"

        def page(text: str, stamp: str) -> Route:
            html_page = article_page(row["title"], text, site_name="X", date=row["date"]).encode()
            return Route(html_page, etag=False, last_modified=stamp)

        site.routes[path] = page(row["text"], first_stamp)
        site.routes["/rss.xml"] = Route(rss("X", site.url("/"), [Item(site.url(path), row["title"], row["date"])]),
                                        "application/rss+xml")
        nf.add_source(site.url("/rss.xml"), "x.vn")
        clock = Clock()
        with nf.watcher(config, clock=clock) as w:
            assert w.cycle().added == 1
            clock.now += TEST.interval
            unchanged = w.cycle()
            assert unchanged.rechecked == 1 and unchanged.unchanged == 1 and unchanged.updated == 0, unchanged.line()
            site.routes[path] = page(row["text"] + "\n\nKhoảng 7.500 người đã tham gia buổi lễ.", second_stamp)
            clock.now += TEST.interval
            edited = w.cycle()
            assert edited.rechecked == 1 and edited.updated == 1, edited.line()
            # The outlet takes the page down: said once, then not asked for again while the item is recent.
            site.routes[path] = Route(b"not here", "text/plain", status=404)
            clock.now += TEST.interval
            gone = w.cycle()
            assert [p for p in gone.problems if "page gone" in p] == [p for p in gone.problems if path in p] != []
            for _ in range(3):
                clock.now += TEST.interval
                later = w.cycle()
                assert later.rechecked == 0 and not [p for p in later.problems if path in p], later.line()
    hits = site.requests_for(path)
    assert [h.status for h in hits] == [200, 304, 200, 404]
    assert [h.headers.get("If-Modified-Since") for h in hits] == [None, first_stamp, first_stamp, second_stamp]
    assert not any(h.headers.get("If-None-Match") for h in hits)
    (article,) = nf.articles(limit=5)
    versions = nf.versions(article.id)
    assert [v.version for v in versions] == [1, 2] and "7.500 người" in versions[1].text


def test_a_page_that_answers_404_is_stored_from_its_feed_text_and_said_so(nf, mds_rows):
    """A feed item whose page answers 404: its feed text stands in (it is an article), and that is
    said on the cycle (`stored from the feed: URL: HTTP 404 ...`), kept as the source's `page_error`
    and counted in `failed`. The 404 page's own body, however article-like, never becomes the text."""
    import json

    good = mds_rows[150]
    summary = "Ủy ban nhân dân thành phố đã họp bàn kế hoạch chống ngập cho mùa mưa năm nay."
    gone_text = "Trang này không tồn tại. Bài viết bạn tìm đã bị gỡ hoặc chuyển đi nơi khác, mời quay lại trang chủ."
    with Newsroom() as site:
        site.routes["/good.html"] = Route(article_page(good["title"], good["text"], site_name="X", date=good["date"]).encode())
        site.routes["/missing.html"] = Route(article_page("Không tìm thấy", gone_text, site_name="X", date=None).encode(),
                                             status=404)
        site.routes["/rss.xml"] = Route(rss("X", site.url("/"), [
            Item(site.url("/good.html"), good["title"], good["date"]),
            Item(site.url("/missing.html"), "Missing page", good["date"], summary=summary)]), "application/rss+xml")
        nf.add_source(site.url("/rss.xml"), "x.vn", read_now=True)
        db = str(nf.config.db)
        cycle = CliRunner().invoke(app, ["watch", "--once", "--db", db])
        missing = site.url("/missing.html")
        assert cycle.exit_code == 0 and "2 added (1 from the feed's text)" in cycle.output, cycle.output
        assert f"stored from the feed: {missing}: HTTP 404 Not Found" in cycle.output, cycle.output
        assert [h.status for h in site.requests_for("/missing.html")] == [404]
        (row,) = [json.loads(line) for line in CliRunner().invoke(
            app, ["sources", "list", "--db", db, "--json"]).output.splitlines()]
        assert row["articles"] == 2 and row["failed"] == 1 and row["errors"] == 1 and row["pending"] == 0
        assert row["page_error"].startswith(f"{missing}: HTTP 404") and "last page problem" in row["error"]
    stored = {a.title: a for a in nf.articles(limit=10)}
    assert stored["Missing page"].text == summary and stored["Missing page"].extra["page_error"].startswith("HTTP 404")
    assert not any("không tồn tại" in a.text for a in stored.values())


def test_one_feed_added_twice_is_one_source_and_a_page_in_two_feeds_is_fetched_once(nf, mds_rows):
    """A home page (its feed found) and then that feed itself are one source: the second add says
    `already followed [1] ... (its feed is ...)` and takes the name given. Added the other way
    round, or both without reading them (`--no-check`), the younger is a duplicate the watch does
    not read. A page two different feeds list is fetched once, one article: the counts say what
    was stored."""
    import json

    rows = mds_rows[160:163]
    with Newsroom() as site:
        for r in rows:
            site.routes[f"/{r['id']}.html"] = Route(article_page(r["title"], r["text"], site_name="X", date=r["date"]).encode())
        site.routes["/"] = Route(b'<html><head><link rel="alternate" type="application/rss+xml" href="/feed.rss">'
                                 b"</head><body></body></html>")
        site.routes["/other/"] = Route(site.routes["/"].body)
        items = [Item(site.url(f"/{r['id']}.html"), r["title"], r["date"]) for r in rows]
        site.routes["/feed.rss"] = Route(rss("X", site.url("/"), items), "application/rss+xml")
        site.routes["/section.rss"] = Route(rss("X", site.url("/"), items[1:]), "application/rss+xml")
        db = str(nf.config.db)

        def cli(*args: str) -> str:
            result = CliRunner().invoke(app, [*args, "--db", db])
            assert result.exit_code == 0, result.output
            return result.output

        assert cli("sources", "add", site.url("/")).startswith("added [1]")
        again = cli("sources", "add", site.url("/feed.rss"), "--name", "Báo Thử")
        assert again.startswith(f"already followed [1] {site.url('/')} (its feed is {site.url('/feed.rss')})"), again
        assert "already followed [1]" in cli("sources", "add", site.url("/feed.rss"))
        assert "already followed [1]" in cli("sources", "add", site.url("/other/"))  # names the same feed
        cycle = cli("watch", "--once")
        assert "3 added, 0 already present" in cycle, cycle
        (row,) = [json.loads(line) for line in cli("sources", "list", "--json").splitlines()]
        assert row["id"] == 1 and row["articles"] == 3 and row["outlet"] == nf.outlet("Báo Thử")
        assert {a.source for a in nf.articles(limit=10)} == {nf.outlet("Báo Thử")} and len(nf.articles(limit=10)) == 3
        assert all(len(site.requests_for(f"/{r['id']}.html")) == 1 for r in rows)

        # The feed first, then the page naming it: the page is not kept.
        nf.remove_source(1)
        feed, _ = nf.add_source(site.url("/feed.rss"), read_now=True)
        same, new = nf.add_source(site.url("/"), read_now=True)
        assert not new and same.id == feed.id and [s.id for s in nf.sources()] == [feed.id]

        # Added without reading them: the younger source is marked, its items left alone.
        nf.add_source(site.url("/other/"))
        section, new = nf.add_source(site.url("/section.rss"))
        assert new
        for r in rows:
            site.routes[f"/{r['id']}.html"].body += b"<!-- -->"  # pages answer anew (no 304): fetched if asked
        with nf.watcher(replace(TEST, recheck_hours=0)) as w:
            report = w.cycle()
        twin = {s.url: s for s in nf.sources()}[site.url("/other/")]
        assert twin.status == "duplicate" and f"[{feed.id}]" in twin.error and twin.pending == 0
        assert [p for p in report.problems if p.startswith(f"duplicate: [{twin.id}]")], report.problems
        # /section.rss lists two of the feed's three pages, stored before under the page's first source.
        hits = [len(site.requests_for(f"/{r['id']}.html")) for r in rows]
        assert hits == [2, 2, 2] and report.pages == 3, (hits, report.line())
        assert report.added == 0 and report.present == 3 + 2 and len(nf.articles(limit=10)) == 3, report.line()
