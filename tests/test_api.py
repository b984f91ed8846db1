import threading

import pytest
from fastapi.testclient import TestClient

from newsfuse.web.app import create_app


@pytest.fixture()
def client(seeded):
    return TestClient(create_app(seeded, token=""), base_url="http://127.0.0.1")


@pytest.fixture()
def seed_story(client):
    return client.get("/api/stories").json()["stories"][0]


def test_list_and_filter_stories(client, seed_story, nf, mds_rows, tmp_path):
    from conftest import write_jsonl

    nf.ingest([write_jsonl(tmp_path / "a.jsonl", mds_rows[:15])])
    all_stories = client.get("/api/stories", params={"limit": 200}).json()["stories"]
    assert len(all_stories) > 3
    assert client.get("/api/stories", params={"outlet": "TPO"}).json()["stories"][0]["id"] == seed_story["id"]
    assert [s["id"] for s in client.get("/api/stories", params={"since": "2023-01", "until": "2023-12"}).json()["stories"]] == [seed_story["id"]]
    assert [s["id"] for s in client.get("/api/stories", params={"q": "Thạch Hảo Dũng"}).json()["stories"]] == [seed_story["id"]]
    assert [s["id"] for s in client.get("/api/stories", params={"entity": "Lương Tam Quang"}).json()["stories"]] == [seed_story["id"]]
    page = client.get("/api/stories", params={"limit": 2, "offset": 2}).json()["stories"]
    assert [s["id"] for s in page] == [s["id"] for s in all_stories[2:4]]


def test_story_brief_content_for_the_seeds(client, seed_story):
    brief = client.get(f"/api/stories/{seed_story['id']}").json()
    assert brief["story_id"] == seed_story["id"]
    assert len([f for f in brief["facts"] if f["kind"] == "shared"]) >= 3
    assert all(s["citations"] for s in brief["summary"])
    assert "Lương Tam Quang" in {e["name"] for e in brief["entities"]}
    assert brief["timeline"] and brief["timeline"][0]["date"] <= brief["timeline"][-1]["date"]
    assert len(brief["articles"]) == 2


def test_article_endpoint(client, nf):
    a = nf.articles()[0]
    got = client.get(f"/api/articles/{a.id}").json()
    assert got["id"] == a.id and got["story"] and got["sentences"][0]["text"]


def test_post_article_joins_the_right_story(client, seed_story, seed_texts):
    body = seed_texts["004"].split("- ", 1)[1].replace("Hai bên thống nhất", "Theo đó, hai bên thống nhất")
    r = client.post("/api/articles", json={"id": "tt-1", "source": "thanhnien.vn", "date": "2023-06-28",
                                           "title": "Việt Nam - Trung Quốc hợp tác phòng chống tội phạm",
                                           "text": body})
    assert r.status_code == 201, r.text
    assert r.json()["articles"][0]["story"] == seed_story["id"]
    unrelated = client.post("/api/articles", json={"id": "x-2", "source": "bongda.vn", "date": "2023-06-28",
                                                   "text": "Đội tuyển bóng đá nữ Việt Nam thắng 3-0 trong trận giao "
                                                           "hữu tối qua tại sân Mỹ Đình trước hàng vạn khán giả."})
    assert unrelated.json()["articles"][0]["story"] != seed_story["id"]
    # Posting the same article again stores nothing new.
    again = client.post("/api/articles", json={"id": "tt-1", "text": body, "source": "thanhnien.vn",
                                               "date": "2023-06-28", "title": "Việt Nam - Trung Quốc hợp tác phòng chống tội phạm"})
    assert again.status_code == 200 and again.json()["articles"][0]["status"] == "present"


def test_errors_are_json_with_the_right_status(client, nf):
    before = nf.store.count_articles()
    assert client.get("/api/stories/nope").status_code == 404
    assert client.get("/api/stories/nope").json() == {"error": "no story 'nope'"}
    assert client.get("/api/articles/nope").status_code == 404
    r = client.post("/api/articles", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and "not JSON" in r.json()["error"]
    r = client.post("/api/articles", json={"id": 5, "text": 42})
    assert r.status_code == 422 and "text must be a string" in r.json()["error"]
    r = client.post("/api/articles", json={"text": "Một bài báo đủ dài để được nhận vào kho tin.", "source": 7})
    assert r.status_code == 422 and "'source' must be text" in r.json()["error"]
    r = client.post("/api/articles", json=[{"text": "Một bài báo đủ dài để được nhận vào kho tin."}, {"title": "x"}])
    assert r.status_code == 422 and "request[1]" in r.json()["error"]
    r = client.post("/api/articles", json={"text": "Bài có ngày sai nhưng nội dung đủ dài.", "date": "2023-02-30"})
    assert r.status_code == 422
    r = client.post("/api/articles", content=b"x" * (11 * 2**20), headers={"content-type": "application/json"})
    assert r.status_code == 413

    def chunked():  # sent without Content-Length: the limit holds for chunked bodies too
        for _ in range(11):
            yield b"x" * 2**20

    r = client.post("/api/articles", content=chunked(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and "too large" in r.json()["error"]
    assert client.get("/api/stories", params={"limit": 0}).status_code == 422
    assert client.get("/api/search").status_code == 422
    assert nf.store.count_articles() == before


def test_a_chunked_body_is_refused_at_the_limit_without_reading_the_rest(seeded):
    """Driven at the ASGI level (the test client buffers a body before sending it): an endless
    body sent in 1 MB pieces, with no Content-Length, is refused once it passes 10 MB, and the app
    stops asking for more."""
    import asyncio

    app = create_app(seeded, token="")
    pulled, sent = 0, []

    async def receive():
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b"x" * 2**20, "more_body": pulled < 1000}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": "/api/articles", "raw_path": b"/api/articles", "query_string": b"",
             "root_path": "", "headers": [(b"content-type", b"application/json"), (b"host", b"127.0.0.1")],
             "client": ("127.0.0.1", 1), "server": ("testserver", 80)}
    asyncio.run(app(scope, receive, send))
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 413
    assert pulled <= 12  # 11 pieces pass the limit; 1,000 were on offer


def test_writes_need_the_token_when_one_is_set(seeded):
    c = TestClient(create_app(seeded, token="s3cret"), base_url="http://127.0.0.1")
    article = {"text": "Một bài báo đủ dài để thử quyền ghi vào kho tin tức.", "source": "x.vn"}
    assert c.post("/api/articles", json=article).status_code == 401
    assert c.post("/api/articles", json=article, headers={"Authorization": "Bearer s3cret"}).status_code == 201
    assert c.get("/api/stories").status_code == 200


def test_search_and_openapi(client):
    hits = client.get("/api/search", params={"q": "hoà bình"}).json()["results"]
    assert hits and all(h["story"] for h in hits)
    schema = client.get("/openapi.json").json()
    assert "/api/stories/{story_id}" in schema["paths"] and "/api/articles" in schema["paths"]


def test_article_text_is_escaped_in_the_page(client, nf):
    r = client.post("/api/articles", json={"id": "xss", "source": "evil.example", "date": "2023-06-27",
                                           "text": "Tin giả <script>alert('xss')</script> về Lương Tam Quang và "
                                                   "Thạch Hảo Dũng hội kiến tại Bắc Kinh tối 26/6."})
    story = r.json()["articles"][0]["story"]
    page = client.get(f"/stories/{story}").text
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page


def test_concurrent_posts_and_gets_keep_the_store_consistent(seeded, mds_rows):
    app = create_app(seeded, token="")
    rows = mds_rows[:60]
    errors = []

    def worker(k):
        c = TestClient(app, base_url="http://127.0.0.1")
        try:
            for row in rows[k::20]:
                assert c.post("/api/articles", json=row).status_code in (200, 201)
                assert c.get("/api/stories").status_code == 200
        except Exception as e:  # collected and re-raised in the main thread
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert seeded.store.count_articles() == 62
    assert seeded.store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    members = seeded.store.db.execute("SELECT count(*) FROM story_members").fetchone()[0]
    assert members == 62


def test_queued_posts_are_stored_in_one_transaction_each_all_or_nothing(seeded, mds_rows):
    """The writer's batches of queued POSTs (`add_batches`): one commit for all of them; a POST
    with an article that cannot be read is refused alone before anything is written; one the
    store refuses rolls the transaction back and each POST is then stored on its own."""
    from newsfuse.api import BatchRejected, IngestReport

    nf = seeded
    commits: list[str] = []
    nf.store.db.set_trace_callback(lambda sql: commits.append(sql) if sql.strip().upper().startswith("COMMIT") else None)
    a, b, c, d = mds_rows[:4]
    out = nf.add_batches([[a], [{"id": "no-text", "title": "x"}], [b, c], [a | {"id": "again"}]], origin="request")
    assert len(commits) == 1
    assert [type(o) for o in out] == [IngestReport, BatchRejected, IngestReport, IngestReport]
    assert out[0].added == [a["id"]] and out[2].added == [b["id"], c["id"]]
    assert out[1].stage == "read" and "request[0]" in str(out[1])
    assert out[3].present == [("request[0]", a["id"])]  # the same text under another id: stored as the first
    assert nf.store.get_article("no-text") is None and nf.store.get_article(b["id"]) is not None
    assert [nf.story_of(x["id"]) for x in (a, b, c)] == [out[0].stories[a["id"]], *(out[2].stories[x["id"]] for x in (b, c))]
    # A POST the store refuses (a stored id given another stored article's text) stores nothing of
    # itself; the others of its transaction are stored one by one.
    stored_text = nf.store.get_article(a["id"]).text
    refused = {"id": a["id"], "title": "t", "text": b["text"], "source": a.get("source")}
    out = nf.add_batches([[d], [mds_rows[5], refused], [mds_rows[6]]], origin="request")
    assert isinstance(out[1], BatchRejected) and out[1].stage == "store"
    assert out[0].added == [d["id"]] and out[2].added == [mds_rows[6]["id"]]
    assert nf.store.get_article(mds_rows[5]["id"]) is None
    assert nf.store.get_article(a["id"]).text == stored_text and nf.story_of(d["id"])
    assert nf.store.count_articles() == 2 + 5
    members = nf.store.db.execute("SELECT count(*) FROM story_members").fetchone()[0]
    assert members == nf.store.count_articles()
    assert nf.store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    nf.store.db.set_trace_callback(None)
