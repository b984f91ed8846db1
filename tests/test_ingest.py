import json
import os
import signal
import subprocess
import sys
import time
import unicodedata
from email.utils import format_datetime
from datetime import datetime, timezone
from html import escape
from pathlib import Path

import pytest

from newsfuse.ingest import IngestError, build_article, parse_date
from newsfuse.store import Store

from conftest import SEED_000, write_jsonl


def to_cp1258(text: str) -> bytes:
    """Encode Vietnamese the way cp1258 does: base letter + combining tone mark."""
    out = bytearray()
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            d = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in d if c not in tones))
            out += (base + "".join(c for c in d if c in tones)).encode("cp1258")
    return bytes(out)


def html_page(title: str, body: str, author: str, date: str) -> str:
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in body.split("\n\n") if p.strip())
    return (f"<html><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<meta name='author' content='{escape(author)}'>"
            f"<meta property='article:published_time' content='{date}'></head>"
            f"<body><nav><a href='/'>Trang chủ</a></nav><article><h1>{escape(title)}</h1>{paragraphs}</article>"
            "<footer>Bản quyền thuộc về tòa soạn</footer></body></html>")


def rss_feed(items: list[tuple[str, str, str]]) -> str:
    entries = "".join(
        f"<item><title>{escape(t)}</title><link>https://tienphong.vn/{i}.html</link><guid>tp-{i}</guid>"
        f"<pubDate>{d}</pubDate><description>{escape(escape(body))}</description></item>"
        for i, (t, body, d) in enumerate(items))
    return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Tiền Phong</title>"
            f"<link>https://tienphong.vn/</link><description>Tin</description>{entries}</channel></rss>")


# ------------------------------------------------------------------ metadata of the seeds


def test_seed_004_dateline_gives_date_and_outlet(seed_texts):
    a = build_article(seed_texts["004"], origin="004")
    assert a.published == "2023-06"
    assert a.source == "TPO"
    assert not a.text.startswith("date")
    assert a.text.startswith("Lãnh đạo Bộ Công an Việt Nam")


def test_seed_000_author_line_and_no_outlet(seed_texts):
    a = build_article(seed_texts["000"], origin="000")
    assert a.author == "Hoàng Thùy"
    assert not a.text.rstrip().endswith("Hoàng Thùy")
    assert a.source is None and a.published is None
    assert a.title.startswith("Lãnh đạo Công an Việt Nam - Trung Quốc thống nhất")


def test_parse_date_forms_and_bad_dates():
    assert parse_date("2013-10-23T11:39") == "2013-10-23T11:39"
    assert parse_date("2023-06") == "2023-06"
    assert parse_date("26/06/2023") == "2023-06-26"
    assert parse_date("Mon, 26 Jun 2023 20:00:00 +0700") == "2023-06-26T20:00+07:00"
    for bad in ["2023-13-45", "31/02/2023", "hôm qua"]:
        with pytest.raises(IngestError):
            parse_date(bad)


# ------------------------------------------------------------------ formats


def test_ingest_plain_text_folder_stores_both_seeds(nf, seeds_dir):
    report = nf.ingest([seeds_dir])
    assert len(report.added) == 2 and not report.rejected
    stored = {a.source: a for a in nf.articles()}
    assert stored["tienphong.vn"].published == "2023-06"  # the dateline's TPO is Tiền Phong's code
    full = nf.article(stored["tienphong.vn"].id)
    assert len(full.sentences) == 12
    assert all(full.text[s.start:s.end] == s.text for s in full.sentences)


def test_ingest_jsonl_slice_keeps_fields_and_extra(nf, tmp_path, mds_rows):
    rows = mds_rows[:12]
    report = nf.ingest([write_jsonl(tmp_path / "slice.jsonl", rows)])
    assert len(report.added) == 12
    a = nf.article(rows[0]["id"])
    assert a.source == rows[0]["source"] and a.url == rows[0]["url"]
    assert a.published == rows[0]["date"] and a.title == rows[0]["title"]
    assert a.lead == rows[0]["lead"].replace(" ,", " ,")  # kept as given (cleaned)
    assert a.extra["cluster_id"] == rows[0]["cluster_id"]


def test_ingest_html_page_built_from_a_seed(nf, tmp_path, seed_texts):
    body = seed_texts["000"].split("\n\n", 1)[1]
    page = tmp_path / "page.html"
    page.write_text(html_page("Lãnh đạo Công an Việt Nam - Trung Quốc thống nhất tăng cường hợp tác", body,
                              "Hoàng Thùy", "2023-06-27T08:00:00+07:00"), encoding="utf-8")
    report = nf.ingest([page])
    assert len(report.added) == 1, report.rejected
    a = nf.article(report.added[0])
    assert a.title.startswith("Lãnh đạo Công an Việt Nam")
    assert a.author == "Hoàng Thùy"
    assert a.published.startswith("2023-06-27")
    assert "Trang chủ" not in a.text and "Bản quyền" not in a.text
    assert any(s.text.startswith("Tối 26/6, Thượng tướng Lương Tam Quang") for s in a.sentences)


def test_ingest_rss_feed_built_from_the_seeds(nf, tmp_path, seed_texts):
    date = format_datetime(datetime(2023, 6, 27, 8, 0, tzinfo=timezone.utc))
    items = [("Lãnh đạo Bộ Công an Việt Nam và Bộ Tư pháp Trung Quốc", seed_texts["004"].split("- ", 1)[1], date),
             ("Lãnh đạo Công an Việt Nam - Trung Quốc", seed_texts["000"], date)]
    feed = tmp_path / "tienphong.rss"
    feed.write_text(rss_feed(items), encoding="utf-8")
    report = nf.ingest([feed])
    assert len(report.added) == 2, report.rejected
    a = nf.article("tp-0")
    assert a.source == "tienphong.vn" and a.published == "2023-06-27T08:00+00:00"
    assert a.url == "https://tienphong.vn/0.html"
    assert len(a.sentences) >= 10


def test_reingest_is_idempotent(nf, seeds_dir, tmp_path):
    first = nf.ingest([seeds_dir])
    again = nf.ingest([seeds_dir])
    assert len(first.added) == 2 and not again.added and len(again.present) == 2
    # The same text in another Unicode form and spacing is the same article.
    copy = tmp_path / "copy.txt"
    copy.write_text(unicodedata.normalize("NFD", SEED_000.read_text(encoding="utf-8")).replace(" ", "  "),
                    encoding="utf-8")
    third = nf.ingest([copy])
    assert not third.added and third.present[0][1] in first.added
    assert nf.store.count_articles() == 2


# ------------------------------------------------------------------ bad input


def stored_state(db):
    with Store(db) as s:
        return s.db.execute("SELECT id, content_hash, title, text FROM articles ORDER BY seq").fetchall()


def test_bad_inputs_each_get_a_clear_error_and_the_rest_goes_in(nf, db, tmp_path, seeds_dir, seed_texts, mds_rows):
    nf.ingest([seeds_dir])
    before = [tuple(r) for r in stored_state(db)]
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "legacy.txt").write_bytes(to_cp1258(seed_texts["000"]))
    (bad / "utf16.txt").write_bytes(("TTO - " + mds_rows[22]["text"]).encode("utf-16"))
    (bad / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (bad / "broken.html").write_text("<html><body><div><p>Ảnh</div></span><script>x", encoding="utf-8")
    rows = [mds_rows[20], {"id": "x1", "title": "no text"}, mds_rows[21] | {"date": "2013-02-31"},
            mds_rows[23] | {"title": ["not", "text"]},
            {"id": mds_rows[20]["id"], "text": "Một bài khác hẳn dùng lại id cũ để thử."}]
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows[:2]) + "{not json\n" + \
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows[2:])
    (bad / "mixed.jsonl").write_text(lines, encoding="utf-8")
    huge = bad / "huge.txt"
    with huge.open("wb") as fh:
        fh.write(("Tin tức dài. " * 1000 + "\n").encode() * 4500)  # ~50 MB
    report = nf.ingest([bad])
    reasons = "\n".join(report.rejected)
    assert f"{bad / 'empty.txt'}: empty file" in reasons
    assert f"{bad / 'legacy.txt'}: not UTF-8 (looks like" in reasons and "--encoding" in reasons
    assert f"{bad / 'binary.txt'}: " in reasons
    assert f"{bad / 'broken.html'}: no article text found" in reasons
    assert f"{bad / 'mixed.jsonl'}:2: no 'text' field" in reasons
    assert f"{bad / 'mixed.jsonl'}:3: not JSON" in reasons
    assert f"{bad / 'mixed.jsonl'}:4: date '2013-02-31' cannot be read" in reasons
    assert f"{bad / 'mixed.jsonl'}:5: 'title' must be text, got list" in reasons
    assert f"{huge}: file too large" in reasons
    assert all("\n" not in r for r in report.rejected)
    # The id of line 1 used again in the same input for another text is a reused id, not a version.
    assert f"{bad / 'mixed.jsonl'}:6: id '{mds_rows[20]['id']}' is already used by another text " \
           f"({bad / 'mixed.jsonl'}:1)" in reasons
    # What was good went in: the UTF-16 file and the first JSONL line; the new text of a stored id,
    # in a later input, is that article's second version, and the first is kept.
    assert mds_rows[20]["id"] in report.added and not report.updated
    assert len(report.added) == 2
    later = nf.ingest([write_jsonl(tmp_path / "later.jsonl", rows[4:])])
    assert later.updated == [(mds_rows[20]["id"], 2)]
    assert [v.text[:20] for v in nf.versions(mds_rows[20]["id"])] == [
        mds_rows[20]["text"][:20], "Một bài khác hẳn dùn"]
    assert any(nf.article(i).source == "tuoitre.vn" for i in report.added)  # TTO is Tuổi Trẻ's code
    after = [tuple(r) for r in stored_state(db)]
    assert after[: len(before)] == before


def test_cp1258_file_goes_in_when_the_encoding_is_named(tmp_path, db, seed_texts):
    import newsfuse
    from newsfuse.config import Config, IngestConfig

    path = tmp_path / "legacy.txt"
    path.write_bytes(to_cp1258(seed_texts["000"]))
    with newsfuse.open(db, Config(ingest=IngestConfig(encoding="cp1258"))) as nf:
        report = nf.ingest([path])
        assert len(report.added) == 1
        assert nf.article(report.added[0]).text == build_article(seed_texts["000"], origin="x").text


def test_missing_path_is_named(nf, tmp_path):
    report = nf.ingest([tmp_path / "nowhere.txt"])
    assert report.rejected == [f"{tmp_path / 'nowhere.txt'}: no such file or folder"]


def test_interrupted_ingest_leaves_the_store_unchanged(nf, db, seeds_dir, tmp_path, mds_rows):
    nf.ingest([seeds_dir])
    before = stored_state(db)
    path = write_jsonl(tmp_path / "batch.jsonl", mds_rows[:30])
    seen = []

    def progress(n):
        seen.append(n)
        if len(seen) == 15:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        nf.ingest([path], progress=progress)
    assert [tuple(r) for r in stored_state(db)] == [tuple(r) for r in before]
    # And the handle still works afterwards.
    assert len(nf.ingest([path]).added) == 30


def test_killed_ingest_process_leaves_the_store_unchanged(db, seeds_dir, tmp_path, mds_rows):
    subprocess.run([sys.executable, "-m", "newsfuse.cli", "ingest", "-q", "--db", str(db), str(seeds_dir)],
                   check=True, capture_output=True)
    before = stored_state(db)
    rows = [r | {"id": f"{r['id']}-{k}", "text": f"Bản {k}. " + r["text"]} for k in range(40) for r in mds_rows]
    path = write_jsonl(tmp_path / "big.jsonl", rows)  # ~19k articles: far more than 3 s of work
    proc = subprocess.Popen([sys.executable, "-m", "newsfuse.cli", "ingest", "-q", "--db", str(db), str(path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(3)
    assert proc.poll() is None, "ingest finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert [tuple(r) for r in stored_state(db)] == [tuple(r) for r in before]
    # and its worker processes do not outlive it
    deadline = time.monotonic() + 10
    while _processes_mentioning(str(path)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _processes_mentioning(str(path)) == []


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_two_processes_opening_a_new_store_at_once_both_get_it(tmp_path):
    """`newsfuse ingest --follow` and a reader started together on a store that does not exist yet:
    the second to take the write lock finds the schema made, it does not make it again."""
    import threading

    from newsfuse.store import Store

    for k in range(15):
        path = tmp_path / f"new{k}.db"
        errors: list[Exception] = []
        gate = threading.Barrier(3)

        def open_it():
            gate.wait()
            try:
                with Store(path) as store:
                    assert store.count_articles() == 0
            except Exception as e:  # noqa: BLE001 - collected and asserted below
                errors.append(e)

        threads = [threading.Thread(target=open_it) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []


class Ticks:
    """A clock that moves `step` seconds at each reading: one look of a follower each `--interval`."""

    def __init__(self, step: float):
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_a_folder_follower_takes_a_file_only_once_it_stops_changing(nf, tmp_path, seed_texts):
    from newsfuse.ingest import FolderFollower

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    follower = FolderFollower([inbox], settle=2.0, clock=Ticks(2.0))
    text = seed_texts["000"]
    half = inbox / "000.txt"
    with half.open("w", encoding="utf-8") as fh:
        fh.write(text[: len(text) // 2])
        fh.flush()
        assert follower.look() == []  # first sight
        fh.write(text[len(text) // 2:])
    assert follower.look() == []  # it grew since the last look: still being written
    (inbox / ".004.txt.part").write_text(seed_texts["004"], encoding="utf-8")  # a download in progress
    (inbox / ".004.txt.part").rename(inbox / "004.txt")  # renamed into place: whole at once
    ready = follower.look()
    assert ready == [half]  # unchanged for one look; the renamed file is at its first look
    assert follower.look() == [inbox / "004.txt"] and follower.look() == []
    report = nf.ingest(ready + [inbox / "004.txt"])
    assert len(report.added) == 2
    stored = next(a for a in nf.articles() if a.source is None)
    assert stored.text.rstrip().endswith(text.strip().splitlines()[-2].strip()[-20:])  # the whole report
    half.write_text(text + "\n\nBài được cập nhật thêm chi tiết về cuộc gặp.", encoding="utf-8")  # rewritten
    assert follower.look() == [] and follower.look() == [half]


def test_a_follower_waits_its_settle_time_and_longer_for_a_file_that_looks_cut_off(tmp_path, mds_rows):
    """A JSONL written in two parts 4 s apart (`--interval 2`, `--settle 2`): its first part stops
    inside a line, so the file waits past the settle time and is read whole, once. A quiet text
    file waits `settle` seconds; a JSONL whose writer left off the final newline is read after
    `unfinished_wait`."""
    from newsfuse.ingest import FolderFollower

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    follower = FolderFollower([inbox], settle=2.0, unfinished_wait=30.0, clock=Ticks(2.0))
    lines = [json.dumps({"id": f"s{i}", "text": r["text"]}, ensure_ascii=False) + "\n"
             for i, r in enumerate(mds_rows[10:12])]
    slow = inbox / "slow.jsonl"
    slow.write_text(lines[0] + lines[1][:40], encoding="utf-8")
    assert [follower.look() for _ in range(3)] == [[], [], []]  # 4 s unchanged, but cut inside line 2
    slow.write_text(lines[0] + lines[1], encoding="utf-8")
    assert follower.look() == [] and follower.look() == [slow] and follower.look() == []

    patient = FolderFollower([inbox / "texts"], settle=5.0, clock=Ticks(2.0))
    (inbox / "texts").mkdir()
    (inbox / "texts" / "a.txt").write_text(mds_rows[12]["text"], encoding="utf-8")
    assert [patient.look() for _ in range(4)] == [[], [], [], [inbox / "texts" / "a.txt"]]  # seen at 2 s, quiet 6 s at 8 s

    bare = FolderFollower([tmp_path / "bare"], settle=2.0, unfinished_wait=30.0, clock=Ticks(2.0))
    (tmp_path / "bare").mkdir()
    (tmp_path / "bare" / "last.jsonl").write_text(lines[0].rstrip("\n"), encoding="utf-8")
    looks = [bare.look() for _ in range(17)]
    assert looks[:15] == [[]] * 15 and looks[15] == [tmp_path / "bare" / "last.jsonl"], looks  # 30 s quiet


def test_with_ids_from_paths_a_rewritten_file_is_its_articles_next_version(nf, tmp_path, mds_rows):
    """`ingest --follow` names a text file's article by its path: a line appended to the file
    makes the article's next version, not a second article shown as a copy of the first."""
    from dataclasses import replace

    nf.config = replace(nf.config, ingest=replace(nf.config.ingest, path_ids=True))
    one = tmp_path / "inbox" / "one.txt"
    one.parent.mkdir()
    one.write_text(mds_rows[20]["text"], encoding="utf-8")
    first = nf.ingest([one])
    one.write_text(mds_rows[20]["text"] + "\n\nBài được cập nhật thêm ý kiến của người dân.", encoding="utf-8")
    second = nf.ingest([tmp_path / "inbox" / "." / "one.txt"])  # the same file by another spelling
    assert len(first.added) == 1 and not second.added and second.updated == [(first.added[0], 2)], second.summary()
    assert nf.count_articles() == 1 and [v.version for v in nf.versions(first.added[0])] == [1, 2]
    assert nf.ingest([one]).present  # read again unchanged: present, no third version


def everything_stored(db) -> dict[str, list[tuple]]:
    """What a store says about its articles, by article id (seqs and times left out)."""
    queries = {
        "articles": "SELECT id, content_hash, title, text, published, lead, language, captions, extra, version"
                    " FROM articles ORDER BY id",
        "sentences": 'SELECT a.id, s.idx, s.start, s."end" FROM sentences s JOIN articles a ON a.seq = s.article_seq'
                     " ORDER BY 1, 2",
        "stories": "SELECT a.id, m.story_id, round(m.similarity, 9) FROM story_members m"
                   " JOIN articles a ON a.seq = m.article_seq ORDER BY 1",
        "copies": "SELECT c.id, o.id, round(k.similarity, 9) FROM copies k JOIN articles c ON c.seq = k.article_seq"
                  " JOIN articles o ON o.seq = k.original_seq ORDER BY 1",
        "versions": "SELECT a.id, v.version, v.content_hash FROM article_versions v"
                    " JOIN articles a ON a.seq = v.article_seq ORDER BY 1, 2",
        "publications": "SELECT a.id, p.item_id FROM publications p JOIN articles a ON a.seq = p.article_seq ORDER BY 1, 2",
        "search": "SELECT a.id FROM articles_fts f JOIN articles a ON a.seq = f.rowid"
                  " WHERE articles_fts MATCH '\"hà\" \"nội\"' ORDER BY 1",
    }
    with Store(db) as s:
        return {name: [tuple(r) for r in s.db.execute(q)] for name, q in queries.items()}


def test_a_chunked_parallel_ingest_stores_what_one_article_at_a_time_stores(tmp_path, mds_rows, monkeypatch):
    """The batched path (features made in worker processes, one write per chunk) against
    the API one article at a time, on input that takes every branch inside one chunk: repeats,
    an id given new text (a new version), another outlet's exact republication, rejections."""
    import newsfuse
    from newsfuse import ingest as ingest_stage
    from newsfuse.config import Config, IngestConfig

    rows = list(mds_rows[:150])
    rows += [dict(r) for r in mds_rows[:20]]  # the same again
    earlier = write_jsonl(tmp_path / "earlier.jsonl", mds_rows[220:225])  # stored before, by another input
    rows += [r | {"text": r["text"] + " Cập nhật lúc 10 giờ."} for r in mds_rows[220:225]]  # new versions
    rows += [r | {"id": f"{r['id']}-vne", "source": "vnexpress.net"} for r in mds_rows[25:30]]  # republished
    rows += [{"id": "short", "text": "Quá ngắn."}, {"title": "no text"}]
    rows += list(mds_rows[150:220])
    path = write_jsonl(tmp_path / "mixed.jsonl", rows)
    monkeypatch.setattr(ingest_stage, "_PARALLEL_FROM_BYTES", 0)  # workers even for a small file
    monkeypatch.setattr(ingest_stage, "_CHUNK_LINES", 37)  # and several chunks for each
    # Both place stories one article at a time (a first load is otherwise the batch's: tests/test_bulk_stories.py).
    with newsfuse.open(config=Config(db=tmp_path / "batched.db", ingest=IngestConfig(workers=2, batch_stories=False))) as nf:
        nf.ingest([earlier])
        batched = nf.ingest([path])
    with newsfuse.open(config=Config(db=tmp_path / "single.db", ingest=IngestConfig(batch_stories=False))) as nf:
        nf.ingest([earlier])
        single = [nf.add_many([r], origin=f"{path}:{n}") for n, r in enumerate(rows, 1)]
    assert len(batched.added) == 220 and len(batched.updated) == 5 and len(batched.republished) == 5
    assert len(batched.rejected) == 2 and len(batched.present) == 25
    assert batched.added == [a for r in single for a in r.added]
    assert batched.stories == {k: v for r in single for k, v in r.stories.items()}
    stored = everything_stored(tmp_path / "batched.db")
    assert stored == everything_stored(tmp_path / "single.db")
    assert all(stored[name] for name in ("stories", "versions", "publications", "search"))


def test_copies_of_articles_stored_by_an_earlier_ingest_name_their_originals(tmp_path, mds_rows):
    """A second ingest, in a fresh process state (the copy index rebuilt from the store), records
    each copy against the original the first one stored, by its place in the store."""
    import newsfuse
    from newsfuse.store import Store

    originals = [r for r in mds_rows[:40] if len(r["text"]) > 800]
    first = write_jsonl(tmp_path / "first.jsonl", originals)
    copies = [r | {"id": f"{r['id']}-copy", "source": "baomoi.com",
                   "text": r["text"].rsplit(" ", 3)[0] + "\n\nTheo báo khác"} for r in originals]
    second = write_jsonl(tmp_path / "second.jsonl", copies)
    with newsfuse.open(tmp_path / "two.db") as nf:
        nf.ingest([first])
    with newsfuse.open(tmp_path / "two.db") as nf:
        report = nf.ingest([second])
    assert len(report.added) == len(copies)
    with Store(tmp_path / "two.db") as s:
        pairs = dict(s.db.execute("SELECT c.id, o.id FROM copies k JOIN articles c ON c.seq = k.article_seq"
                                  " JOIN articles o ON o.seq = k.original_seq").fetchall())
    assert pairs == {f"{r['id']}-copy": r["id"] for r in originals}


def test_full_text_rows_of_a_rolled_back_batch_are_not_written_by_the_next(tmp_path, mds_rows):
    """The full-text rows of new articles wait to be written in thousands (`Store.add_new_articles`):
    a batch that fails must take its waiting rows with it, and a committed one must have written
    them all."""
    import newsfuse
    from newsfuse.api import BatchRejected

    first = mds_rows[0] | {"id": "kept-out", "text": mds_rows[0]["text"] + " Từ khóa zyxwkeptout."}
    second = mds_rows[1] | {"id": "goes-in", "text": mds_rows[1]["text"] + " Từ khóa zyxwgoesin."}
    with newsfuse.open(tmp_path / "news.db") as nf:
        with pytest.raises(BatchRejected):
            # The republication makes `first` be written before the bad one is met: its full-text
            # row is waiting when the batch fails.
            nf.add_many([first, first | {"id": "kept-out-again", "source": "vnexpress.net"},
                         {"id": "bad", "text": "Quá ngắn."}], all_or_nothing=True)
        assert not nf.store._fts_pending
        nf.add_many([second])
        assert nf.store.search("zyxwgoesin")[1] == 1
        assert nf.store.search("zyxwkeptout")[1] == 0
        assert nf.store.get_article("kept-out") is None


def test_the_full_text_index_holds_the_same_terms_with_its_larger_in_memory_hash(tmp_path, mds_rows):
    """Migrations 15 and 22 give the full-text index a larger in-memory hash (16 MB, then 64: fewer,
    larger segments written at ingest); what the index holds, term by term and column by column, is
    what the 1 MB default gives (200 articles: ~1.4 MB of keys, more than one default hash's worth)."""
    import sqlite3

    import newsfuse
    from newsfuse.store import _FTS_HASH_BYTES

    vocab = {}
    for name, hashsize in (("default", 1 << 20), ("ours", None)):
        with newsfuse.open(tmp_path / f"{name}.db") as nf:
            config = dict(nf.store.db.execute("SELECT k, v FROM articles_fts_config"))
            assert config["hashsize"] == _FTS_HASH_BYTES
            if hashsize:
                with nf.store.transaction() as db:
                    db.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('hashsize', ?)", (hashsize,))
            nf.add_many(mds_rows[:200], entity_backlog=None)
        con = sqlite3.connect(tmp_path / f"{name}.db")
        con.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, articles_fts, 'col')")
        vocab[name] = con.execute("SELECT term, col, doc, cnt FROM temp.vocab ORDER BY term, col").fetchall()
        segments = con.execute("SELECT count(*) FROM articles_fts_data").fetchone()[0]
        con.close()
        assert segments > 0
    assert len(vocab["ours"]) > 5_000
    assert vocab["ours"] == vocab["default"]


def test_a_div_inside_a_paragraph_keeps_its_text_and_what_follows_it(nf, tmp_path, seed_texts):
    """A newcomer's page (issue 13): `<p>... Quảng Ninh <div>với sức gió cấp 12.</div> Hơn 5.000 ...</p>`
    was stored as `... Quảng Ninh\\nChính quyền tỉnh ...`: the HTML parser closes the `<p>` at the
    `<div>`, and trafilatura dropped the div's text and the rest of the paragraph (`favor_recall`
    keeps them only on a page of nothing else, and as lines apart). Both are kept, in one
    paragraph; the same holds on an outlet's page, and a page without such a div reads as before."""
    from newsfuse.ingest import divs_inside_paragraphs_inline

    from newsroom import article_page

    page = tmp_path / "nest.html"
    page.write_text("<p>Chiều 10/11, bão số 5 đổ bộ vào Quảng Ninh <div>với sức gió cấp 12.</div> Hơn 5.000 hộ dân đã "
                    "được sơ tán đến nơi an toàn.</p><p>Chính quyền tỉnh đã huy động hàng trăm cán bộ hỗ trợ.</p>\n",
                    encoding="utf-8")
    report = nf.ingest([page])
    a = nf.article(report.added[0])
    assert [s.text for s in a.sentences] == ["Chiều 10/11, bão số 5 đổ bộ vào Quảng Ninh với sức gió cấp 12.",
                                             "Hơn 5.000 hộ dân đã được sơ tán đến nơi an toàn.",
                                             "Chính quyền tỉnh đã huy động hàng trăm cán bộ hỗ trợ."]
    body = seed_texts["000"].split("\n\n", 1)[1]
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    first = paragraphs[0]
    cut = first.index(". ") + 2
    plain = article_page("Lãnh đạo Công an Việt Nam - Trung Quốc", "\n".join(paragraphs), site_name="Tiền Phong",
                         date="2023-06-27T08:00")
    nested = plain.replace(first[cut:cut + 20], "<div>" + first[cut:cut + 20] + "</div>", 1)
    assert nested != plain and divs_inside_paragraphs_inline(plain) == plain
    (tmp_path / "outlet.html").write_text(nested, encoding="utf-8")
    report = nf.ingest([tmp_path / "outlet.html"])
    a = nf.article(report.added[0])
    assert first in a.text.split("\n")
    # A page whose paragraphs are never closed keeps its divs (its layout) as they are.
    loose = "<body><p>Một đoạn mở đầu <div class='box'>Tin liên quan</div><div>Nội dung</div></body>"
    assert divs_inside_paragraphs_inline(loose) == loose
