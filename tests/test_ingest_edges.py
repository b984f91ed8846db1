"""What a newcomer following the README found at ingest's edges (encodings, ids used twice in one
input, Markdown, folders, dates): each on the real corpus and seeds, through the command a user runs."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import newsfuse
from newsfuse.cli import app
from newsfuse.ingest import build_article

from conftest import SEED_000, write_jsonl
from test_ingest import to_cp1258

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def current_texts(db: Path) -> dict[str, tuple[str, int]]:
    """id -> (current text, number of versions) of every stored article."""
    with newsfuse.open(db) as nf:
        return {a["id"]: (nf.article(a["id"]).text, len(nf.versions(a["id"])))
                for a in map(json.loads, run("articles", "--db", db, "--json").output.splitlines())}


# ------------------------------------------------------------------ encodings


def test_encoding_for_one_legacy_line_leaves_the_utf8_lines_as_they_are(tmp_path, mds_rows):
    db = tmp_path / "n.db"
    g1, g2, g3 = (mds_rows[k] | {"id": f"g{k + 1}"} for k in range(3))
    assert run("ingest", "-q", "--db", db, write_jsonl(tmp_path / "stored.jsonl", [g1, g2])).exit_code == 0
    mixed = tmp_path / "mixenc.jsonl"
    mixed.write_bytes(b"".join((json.dumps(r, ensure_ascii=False) + "\n").encode() for r in (g1, g2))
                      + to_cp1258(json.dumps(g3, ensure_ascii=False)) + b"\n")
    r = run("ingest", "-q", "--db", db, mixed)
    assert r.exit_code == 1 and "0 added, 2 already present, 1 rejected" in r.output
    assert f"rejected: {mixed}:3: not UTF-8 (looks like cp1258); re-run with --encoding cp1258" in r.output
    r = run("ingest", "-q", "--db", db, "--encoding", "cp1258", mixed)  # as the advice says
    assert r.exit_code == 0 and "1 added, 2 already present, 0 rejected" in r.output, r.output
    stored = current_texts(db)
    assert stored["g2"] == (mds_rows[1]["text"], 1)  # no garbled second version (`GiÃ¡ vÃ ng`)
    assert stored["g3"][0] == build_article(g3["text"], origin="x").text
    word = mds_rows[1]["title"].split()[0]
    assert "g2" in run("search", mds_rows[1]["title"], "--db", db, "--json").output, word


def test_a_wrong_encoding_on_stored_utf8_files_makes_no_version(tmp_path, mds_rows):
    db = tmp_path / "n.db"
    rows = write_jsonl(tmp_path / "thirty.jsonl", mds_rows[:30])
    assert run("ingest", "-q", "--db", db, rows, SEED_000).exit_code == 0
    before = current_texts(db)
    r = run("ingest", "-q", "--db", db, "--encoding", "latin-1", rows, SEED_000)
    assert r.exit_code == 0 and "0 added, 31 already present, 0 rejected" in r.output, r.output
    assert current_texts(db) == before


def test_stray_bytes_in_a_utf8_line_are_named_and_no_encoding_reads_them(tmp_path, mds_rows):
    db = tmp_path / "n.db"
    line = json.dumps(mds_rows[5] | {"id": "stray"}, ensure_ascii=False).encode()
    i, j = line.index(b" ", 300), line.index(b" ", 700)
    path = tmp_path / "stray.jsonl"
    path.write_bytes(json.dumps(mds_rows[4], ensure_ascii=False).encode() + b"\n"
                     + line[:i] + b" \xe9" + line[i:j] + b" \xe0" + line[j:] + b"\n")
    expected = (f"rejected: {path}:2: UTF-8 but for 2 bytes (0xE9 at byte {i + 1}, 0xE0 at byte {j + 3}): no one "
                "encoding reads it, --encoding would garble its UTF-8 letters; mend or remove those bytes")
    for given in ([], ["--encoding", "ibm866"], ["--encoding", "latin-1"]):
        r = run("ingest", "-q", "--db", db, *given, path)
        assert r.exit_code == 1 and expected in r.output, r.output
        assert "looks like" not in r.output
    assert list(current_texts(db)) == [mds_rows[4]["id"]]  # nothing in `ky`, nothing garbled
    # a whole text file the same, its line named
    text = SEED_000.read_bytes()
    k = text.index(b"\n", 500) + 1
    bad = tmp_path / "000.txt"
    bad.write_bytes(text[:k] + b"\xe9" + text[k:])
    r = run("ingest", "-q", "--db", db, "--encoding", "cp1252", bad)
    line_no = text[:k].count(b"\n") + 1
    assert f"{bad}: UTF-8 but for 1 byte (0xE9 at byte {k}, line {line_no}): " in r.output and r.exit_code == 1


def test_an_unsure_guess_is_not_offered_and_a_sure_one_is(nf, tmp_path, seed_texts):
    # A Vietnamese font encoding no codec reads (TCVN3, VNI put letters on bytes of their own):
    # made here from the seed's cp1258 bytes, each byte above 0x7F moved by a fixed amount.
    # chardet names ISO-8859-9 and cp861 for these at a confidence of 0.06.
    legacy = to_cp1258(seed_texts["000"])
    for shift in (0x11, 0x31):
        path = tmp_path / f"font{shift}.txt"
        path.write_bytes(bytes((b - 0x80 + shift) % 0x80 + 0x80 if b >= 0x80 else b for b in legacy))
        [reason] = nf.ingest([path]).rejected
        first = next(k for k, b in enumerate(legacy) if b >= 0x80)
        assert reason.startswith(f"{path}: not UTF-8 (0x") and f"at byte {first}, line 1) and its encoding cannot be " \
            "told from its bytes; re-run with --encoding ENCODING" in reason, reason
    path = tmp_path / "legacy.txt"
    path.write_bytes(legacy)
    assert nf.ingest([path]).rejected == [f"{path}: not UTF-8 (looks like cp1258); re-run with --encoding cp1258"]


# ------------------------------------------------------------------ ids


def test_an_id_used_twice_in_one_input_is_rejected_whatever_its_first_use_became(tmp_path, mds_rows, monkeypatch):
    from newsfuse import ingest as ingest_stage

    monkeypatch.setattr(ingest_stage, "_CHUNK_LINES", 1)  # the two uses in two chunks
    db = tmp_path / "n.db"
    original = mds_rows[0]
    assert original["source"] == "tuoitre.vn"
    assert run("ingest", "-q", "--db", db, write_jsonl(tmp_path / "orig.jsonl", [original])).exit_code == 0
    path = write_jsonl(tmp_path / "dup.jsonl", [original | {"id": "dup1", "source": "vnexpress.net"}, mds_rows[1],
                                                 mds_rows[40] | {"id": "dup1"}])
    r = run("ingest", "-q", "--db", db, path)
    assert r.exit_code == 1, r.output
    assert f"rejected: {path}:3: id 'dup1' is already used by another text ({path}:1)" in r.output
    assert "1 added, 1 already present (1 republished by another outlet), 1 rejected" in r.output
    # dup1 is the original's republication, no article of its own: asked for, the original answers
    shown = run("show", "dup1", "--db", db)
    assert shown.exit_code == 0 and original["id"] in shown.output, shown.output
    with newsfuse.open(db) as nf:
        assert not any(mds_rows[40]["text"][:40] in nf.article(i).text for i in current_texts(db))
        # and the same through the API: the second use, after a first stored as an article
        report = nf.add_many([mds_rows[2] | {"id": "twice"}, mds_rows[3] | {"id": "twice"}])
        assert report.added == ["twice"] and report.rejected == [
            "api[1]: id 'twice' is already used by another text (api[0])"]
        assert nf.article("twice").text == mds_rows[2]["text"] and len(nf.versions("twice")) == 1


# ------------------------------------------------------------------ Markdown


def test_markdown_gives_its_heading_as_title_and_plain_paragraphs(nf, tmp_path, seed_texts):
    title, first, *rest = [p for p in seed_texts["000"].split("\n") if p.strip()]
    words = first.split()
    linked = " ".join(words[:3]) + f" **{words[3]}** [{' '.join(words[4:7])}](http://x.vn/a) _{words[7]}_ " + \
        " ".join(words[8:])
    path = tmp_path / "a.md"
    path.write_text(f"# {title}\n\n![Ảnh minh họa](a.jpg)\n\n{linked}\n\n" + "\n\n".join(rest) + "\n",
                    encoding="utf-8")
    [stored] = nf.ingest([path]).added
    a = nf.article(stored)
    assert a.title == title and a.sentences[0].text.startswith(" ".join(words[:8]))
    # the text is the seed's body, as plain text gives it (its last line the author's name)
    assert a.text == build_article("\n\n".join([first, *rest]), origin="x").text and a.author == "Hoàng Thùy"
    for markup in ("**", "](", "http://x.vn", "_", "#", "Ảnh minh họa"):
        assert markup not in a.text


# ------------------------------------------------------------------ folders


def test_a_folder_names_what_it_skipped_and_still_stores_the_rest(tmp_path, seed_texts):
    db = tmp_path / "n.db"
    mixed = tmp_path / "mixed"
    (mixed / ".git").mkdir(parents=True)
    (mixed / ".git" / "description").write_text(seed_texts["004"], encoding="utf-8")  # no suffix: text, but hidden
    (mixed / "a.txt").write_text(seed_texts["000"], encoding="utf-8")
    (mixed / "c.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (mixed / "d.pdf").write_bytes(b"%PDF-1.4\n")
    (mixed / ".hidden.txt").write_text(seed_texts["004"], encoding="utf-8")
    r = run("ingest", "-q", "--db", db, mixed)
    assert r.exit_code == 0, r.output
    assert (f"1 added, 0 already present, 0 rejected; 1 story touched; skipped 3 files and 1 folder: "
            f"{mixed / '.git'} (hidden folder), {mixed / '.hidden.txt'} (hidden), {mixed / 'c.png'}, "
            f"{mixed / 'd.pdf'} (not a format newsfuse reads)") in r.output
    # named one by one they are read or rejected, each saying why
    r = run("ingest", "-q", "--db", db, mixed / "c.png", mixed / ".hidden.txt")
    assert f"rejected: {mixed / 'c.png'}: not a format newsfuse reads (.png;" in r.output
    assert "1 added" in r.output and r.exit_code == 1
    # a folder of nothing newsfuse reads gave nothing: said, exit code 1, no store made
    only = tmp_path / "pictures"
    only.mkdir()
    (only / "c.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    r = run("ingest", "-q", "--db", tmp_path / "other.db", only)
    assert r.exit_code == 1 and f"skipped 1 file: {only / 'c.png'} (not a format newsfuse reads)" in r.output
    assert not (tmp_path / "other.db").exists()
    shown = " ".join(run("ingest", "--help").output.split())
    assert "hidden files and folders" in shown and "stays UTF-8" in shown


def test_many_skipped_files_are_counted_and_a_few_named(nf, tmp_path, seed_texts):
    tmp_path = tmp_path / "inbox"
    tmp_path.mkdir()
    (tmp_path / "a.txt").write_text(seed_texts["000"], encoding="utf-8")
    for k in range(12):
        (tmp_path / f"img{k:02d}.jpg").write_bytes(b"\xff\xd8\xff")
    report = nf.ingest([tmp_path])
    assert len(report.added) == 1 and len(report.skipped) == 12
    assert report.summary().endswith(f"skipped 12 files: {tmp_path / 'img00.jpg'}, {tmp_path / 'img01.jpg'}, "
                                     f"{tmp_path / 'img02.jpg'}, {tmp_path / 'img03.jpg'}, {tmp_path / 'img04.jpg'} "
                                     "and 7 more (not a format newsfuse reads)")


# ------------------------------------------------------------------ dates, cluster, summarize, JSON


def test_a_date_far_after_the_ingests_day_is_refused(tmp_path, mds_rows):
    from datetime import date

    from newsfuse.config import Config, IngestConfig

    # The corpus runs from October to November 2013; an ingest whose day is 2013-10-31 takes the
    # reports of up to 2 days later, and refuses the rest, naming each line.
    path = write_jsonl(tmp_path / "corpus.jsonl", mds_rows + [mds_rows[0] | {"id": "far", "date": "9999-12-31T23:59"}])
    with newsfuse.open(config=Config(db=tmp_path / "n.db", ingest=IngestConfig(today=date(2013, 10, 31)))) as nf:
        report = nf.ingest([path])
    late = [n for n, r in enumerate(mds_rows, 1) if r["date"][:10] > "2013-11-02"]
    assert 0 < len(late) < len(mds_rows) - 100
    assert report.rejected == [f"{path}:{n}: date {mds_rows[n - 1]['date']!r} is more than 2 days after the ingest's "
                               "day (2013-10-31)" for n in late] + [
        f"{path}:{len(mds_rows) + 1}: date '9999-12-31T23:59' is more than 2 days after the ingest's day (2013-10-31)"]
    assert not any(r["id"] in report.added for r in mds_rows if r["date"][:10] > "2013-11-02")
    assert len(report.added) + len(report.present) == len(mds_rows) - len(late)
    # by the wall clock, the corpus goes in and the year 9999 does not
    with newsfuse.open(tmp_path / "wall.db") as nf:
        report = nf.ingest([path])
    assert len(report.rejected) == 1 and report.rejected[0].startswith(f"{path}:{len(mds_rows) + 1}: date '9999-12-31T23:59'")


def test_a_page_date_guessed_past_the_margin_is_dropped_not_the_page(tmp_path, mds_rows):
    """A date trafilatura read off a page is a guess: past `future_days` it rejected the whole page."""
    from datetime import date

    from newsfuse.config import Config, IngestConfig
    from newsfuse.feeds import FeedItem, page_article

    def page(row: dict, day: str) -> str:
        body = "".join(f"<p>{p}</p>" for p in row["text"].split("\n") if p.strip())
        return (f"<html><head><title>{row['title']}</title><meta property='article:published_time' content='{day}'>"
                f"</head><body><article><h1>{row['title']}</h1>{body}</article></body></html>")

    late, near = mds_rows[0], mds_rows[5]
    (tmp_path / "late.html").write_text(page(late, "2013-11-20"), encoding="utf-8")
    (tmp_path / "near.html").write_text(page(near, "2013-11-01"), encoding="utf-8")
    config = IngestConfig(today=date(2013, 10, 31))
    with newsfuse.open(config=Config(db=tmp_path / "n.db", ingest=config)) as nf:
        report = nf.ingest([tmp_path / "late.html", tmp_path / "near.html"])
        assert report.rejected == [] and len(report.added) == 2, report
        assert {a.title: a.published for a in nf.articles()} == {late["title"]: None, near["title"]: "2013-11-01"}
    # the same page fetched from a feed: the feed's own date is kept, the page's guess dropped
    fetched = {"content_type": "text/html; charset=utf-8", "url": "https://example.org/a", "article_id": "a",
               "outlet": "example.org", "feed_url": "https://example.org/rss", "config": config}
    dated = FeedItem("k", "https://example.org/a", published="2013-10-30T08:00:00+07:00")
    found = page_article(page(late, "2013-11-20").encode(), item=dated, **fetched)
    assert found.article.published.startswith("2013-10-30")
    found = page_article(page(late, "2013-11-20").encode(), item=FeedItem("k", "https://example.org/a"), **fetched)
    assert found.article.published is None


def test_cluster_of_a_folder_says_it_is_a_folder(tmp_path):
    r = run("cluster", tmp_path, "--out", tmp_path / "out.jsonl")
    assert r.exit_code == 2 and f"{tmp_path}: a folder, not a JSONL file" in r.output
    assert "no such file" not in r.output


def test_summarize_with_a_budget_below_every_sentence_gives_empty_summaries_and_goes_on(tmp_path, mds_rows):
    rows = [r for r in mds_rows if r["cluster_id"] in ("cluster_1", "cluster_2")]
    out = tmp_path / "s.jsonl"
    r = run("summarize", write_jsonl(tmp_path / "in.jsonl", rows), "--words", 12, "--out", out)
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert r.exit_code == 0, r.output
    assert [line["cluster_id"] for line in lines] == ["cluster_1", "cluster_2"]
    # cluster_1's sentences are all longer than 12 syllables; cluster_2 has one of 7
    assert lines[0] == {"cluster_id": "cluster_1", "summary": [],
                        "note": "a budget of 12 syllables is smaller than the shortest sentence (20 syllables)"}
    assert lines[1]["summary"] and "note" not in lines[1]
    assert "group cluster_1: empty summary: a budget of 12 syllables" in r.output
    assert "2 summaries -> " in r.output and "(1 empty: no sentence fits in 12 syllables)" in r.output
    assert "empty summary with a note" in " ".join(run("summarize", "--help").output.split())
    r = run("summarize", tmp_path / "in.jsonl", "--words", 40, "--out", out)
    assert r.exit_code == 0 and all(json.loads(line)["summary"] for line in out.read_text(encoding="utf-8").splitlines())


def test_a_json_error_says_at_once(nf, tmp_path):
    path = tmp_path / "cut.jsonl"  # a control character in a string, then a last line cut short
    path.write_text('{"id": "b", "text": "Một\x01bài"}\n{"id": "a", "text": "Một bài báo bị cắt giữa chừng',
                    encoding="utf-8")
    reasons = nf.ingest([path]).rejected
    assert reasons == [f"{path}:1: not JSON (Invalid control character at character 25)",
                       f"{path}:2: not JSON (Unterminated string starting at character 21)"], reasons


def test_an_encoding_that_does_not_exist_is_said_before_any_work(tmp_path, mds_rows):
    """`--encoding nosuch` was a rejection of each file, exit 1, after a store was made."""
    path = write_jsonl(tmp_path / "a.jsonl", mds_rows[:2])
    r = run("ingest", path, "--db", tmp_path / "n.db", "--encoding", "nosuch")
    assert r.exit_code == 2 and "--encoding 'nosuch': no such encoding" in r.output, r.output
    assert not (tmp_path / "n.db").exists()
    assert run("ingest", path, "--db", tmp_path / "n.db", "--encoding", "cp1258", "-q").exit_code == 0


def test_a_binary_file_named_jsonl_is_one_rejection(tmp_path, mds_rows):
    """Random bytes in `fake.jsonl` were one `binary data` rejection per newline byte (12 of them)."""
    fake = tmp_path / "fake.jsonl"
    fake.write_bytes(bytes(range(256)) * 40)  # 40 newline bytes, NULs among them
    good = write_jsonl(tmp_path / "good.jsonl", mds_rows[:2])
    with newsfuse.open(tmp_path / "n.db") as nf:
        report = nf.ingest([fake, good])
    assert report.rejected == [f"{fake}: binary data, not JSONL text (a NUL byte at byte 0)"]
    assert len(report.added) == 2
