"""Search over the shared corpus and the seeds (issue 16, item 1): tone-free and case-free
matching with exact tones first, phrases, AND/OR/NOT, prefixes, bad syntax, snippets; stories
found by text, entity, outlet and date together. Each bug of the issue is one test here."""

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from newsfuse.cli import app

SEED_STORY_TITLE = "Lãnh đạo Công an Việt Nam - Trung Quốc"


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory):
    """The whole shared corpus and the two seeds in one store, made once for this module."""
    from conftest import MDS, SEEDS, _need

    import newsfuse

    db = tmp_path_factory.mktemp("search") / "corpus.db"
    with newsfuse.open(db) as nf:
        report = nf.ingest([_need(MDS / "articles.jsonl"), _need(SEEDS)])
        assert not report.rejected
    return db


@pytest.fixture(scope="module")
def client(corpus_db):
    import newsfuse
    from newsfuse.web.app import create_app

    with newsfuse.open(corpus_db) as nf:
        yield TestClient(create_app(nf, token=""), base_url="http://127.0.0.1")


def search(client, q, **params):
    r = client.get("/api/search", params={"q": q, **params})
    assert r.status_code == 200, r.text
    return r.json()["results"]


def full_text(client, article_id):
    a = client.get(f"/api/articles/{article_id}").json()
    return a["title"] + "\n" + a["text"]


def test_a_name_typed_without_tone_marks_finds_it(client):
    # Bug: `luong tam quang` (as typed on a phone) found nothing.
    hits = search(client, "luong tam quang")
    assert hits, "nothing found"
    assert "Lương Tam Quang" in full_text(client, hits[0]["id"])
    assert {h["id"] for h in hits[:2]} == {h["id"] for h in search(client, "Lương Tam Quang")[:2]}
    assert search(client, "LƯƠNG TAM QUANG")[0]["id"] == search(client, "lương tam quang")[0]["id"]


def test_hoa_binh_without_tones_finds_peace_not_wounded_soldiers(client):
    # Bug: `hoa binh` found `thương binh`.
    top = [full_text(client, h["id"]).lower() for h in search(client, "hoa binh", limit=5)]
    assert top and all("hòa bình" in t or "hoà bình" in t for t in top), top


def test_a_query_with_tones_ranks_the_exact_phrase_first(client):
    # Bug: `hoà bình` ranked `phường Bình Hòa` above the article with the exact phrase.
    hits = search(client, "hoà bình", limit=50)
    texts = [full_text(client, h["id"]) for h in hits]
    first_exact = next(i for i, t in enumerate(texts) if "hòa bình" in t.lower())
    only_reversed = [i for i, t in enumerate(texts) if "bình hòa" in t.lower() and "hòa bình" not in t.lower()]
    assert only_reversed, "the corpus has articles with `Bình Hòa` only"
    assert first_exact == 0 and first_exact < min(only_reversed)


def test_exact_tones_rank_before_the_same_letters_with_other_tones(client):
    hits = search(client, "bão", limit=40)
    texts = [full_text(client, h["id"]).lower() for h in hits]
    with_tone = [i for i, t in enumerate(texts) if "bão" in t]
    without = [i for i, t in enumerate(texts) if "bão" not in t]
    assert with_tone and without  # `bao` (how much, to cover) matches too, tone marks aside
    assert max(with_tone[:10]) < min(without)


def test_and_or_not_and_phrases(client):
    # Bug: `hòa AND bình` and `Philippines OR Haiyan` silently returned nothing.
    both = {h["id"] for h in search(client, "hòa AND bình", limit=200)}
    assert both and both == {h["id"] for h in search(client, "hòa bình", limit=200)}
    philippines = {h["id"] for h in search(client, "Philippines", limit=200)}
    haiyan = {h["id"] for h in search(client, "Haiyan", limit=200)}
    either = {h["id"] for h in search(client, "Philippines OR Haiyan", limit=200)}
    assert haiyan - philippines or philippines - haiyan
    assert either == philippines | haiyan
    assert {h["id"] for h in search(client, "Philippines NOT Haiyan", limit=200)} == philippines - haiyan
    phrase = {h["id"] for h in search(client, '"hòa bình"', limit=200)}
    assert phrase and phrase < both
    assert all("hoa binh" in _bare(full_text(client, i)) for i in phrase)
    assert {h["id"] for h in search(client, "(Philippines OR Haiyan) bão", limit=200)} <= either


def test_prefix(client):
    prefix = {h["id"] for h in search(client, "Philip*", limit=200)}
    assert prefix >= {h["id"] for h in search(client, "Philippines", limit=200)} and prefix


@pytest.mark.parametrize("query", ['"hòa bình', "hòa AND", "OR bão", "(bão", "bão)", "NOT bão", "bão AND OR x", "*"])
def test_bad_syntax_is_one_line_naming_the_query(client, corpus_db, query):
    r = client.get("/api/search", params={"q": query})
    assert r.status_code == 422, (query, r.text)
    message = r.json()["error"]
    assert "\n" not in message and query in message
    result = CliRunner().invoke(app, ["search", query, "--db", str(corpus_db)])
    assert result.exit_code == 2 and query in result.output, result.output
    assert client.get("/api/stories", params={"q": query}).status_code == 422


def test_snippets_are_readable_and_marked(client, corpus_db):
    # Bug: snippets were cut at 60 characters (in the terminal table) and had no marks.
    hit = search(client, "Philippines Haiyan")[0]
    assert len(hit["snippet"]) > 60
    marked = [hit["snippet"][s:e] for s, e in hit["marks"]]
    assert {m.lower() for m in marked} >= {"philippines", "haiyan"}
    result = CliRunner().invoke(app, ["search", "Philippines Haiyan", "--json", "--db", str(corpus_db)])
    row = json.loads(result.output.splitlines()[0])
    assert row["snippet"] == hit["snippet"] and row["marks"] == hit["marks"]


def test_stories_combine_query_entity_outlet_and_dates(client, corpus_db):
    # Bug: `stories --query "bão" --entity "Hà Nội"` returned the entity's stories (query dropped).
    def ids(**params):
        r = client.get("/api/stories", params={"limit": 200, **params})
        assert r.status_code == 200, r.text
        return [s["id"] for s in r.json()["stories"]]

    storm, hanoi = set(ids(q="bão lụt")), set(ids(entity="Hà Nội"))
    both = set(ids(q="bão lụt", entity="Hà Nội"))
    assert storm and hanoi and hanoi - storm and both == storm & hanoi
    result = CliRunner().invoke(app, ["stories", "--query", "bão lụt", "--entity", "Hà Nội", "--json",
                                      "--limit", "200", "--db", str(corpus_db)])
    assert result.exit_code == 0, result.output
    assert {json.loads(line)["id"] for line in result.output.splitlines()} == both
    # The seed story: its text, an entity, its outlet and its dates together; any one wrong empties it.
    seed = ids(q="Thạch Hảo Dũng", entity="Lương Tam Quang", outlet="TPO", since="2023-06", until="2023-06-30")
    assert len(seed) == 1
    assert ids(q="Thạch Hảo Dũng", entity="Lương Tam Quang", outlet="TPO", since="2023-07") == []
    assert ids(q="Thạch Hảo Dũng", entity="Lương Tam Quang", outlet="dantri.com.vn") == []
    assert ids(q="Haiyan", entity="Lương Tam Quang") == []
    assert ids(q="thach hao dung", entity="luong tam quang") == seed


def _bare(text):
    from newsfuse.text import bare

    return " ".join(bare(text.lower()).split())


def test_a_full_page_of_stories_says_how_many_there_are_in_all(corpus_db):
    """As `search` does: a table that stops at --limit says how many stories match and where the next
    page starts; the last page, JSON and CSV say nothing more."""
    import newsfuse

    with newsfuse.open(corpus_db) as nf:
        total = nf.count_stories()
        hanoi = nf.count_stories(entity="Hà Nội")
    assert total > 10 and 3 < hanoi < total
    first = CliRunner().invoke(app, ["stories", "--limit", "3", "--db", str(corpus_db)])
    assert first.exit_code == 0 and f"({total} in all; --offset 3 for the next)" in first.output
    filtered = CliRunner().invoke(app, ["stories", "--entity", "Hà Nội", "--limit", "2", "--offset", "1", "--db", str(corpus_db)])
    assert f"({hanoi} in all; --offset 3 for the next)" in filtered.output
    last = CliRunner().invoke(app, ["stories", "--entity", "Hà Nội", "--limit", "3", "--offset", str(hanoi - 3),
                                    "--db", str(corpus_db)])
    assert last.exit_code == 0 and "in all" not in last.output
    as_json = CliRunner().invoke(app, ["stories", "--limit", "3", "--json", "--db", str(corpus_db)])
    assert "in all" not in as_json.output and len(as_json.output.strip().splitlines()) == 3

