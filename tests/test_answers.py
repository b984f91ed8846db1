"""Answers kept per store version (web/answers.py): never older than the store by default; with a
lag, lists and searches may be, but never on the connection that wrote, and nothing else is."""

from __future__ import annotations

from fastapi.testclient import TestClient

from newsfuse.web.app import create_app


def _client(nf, **kw) -> TestClient:
    return TestClient(create_app(nf, token="", **kw), base_url="http://127.0.0.1")


def _article(row: dict, suffix: str) -> dict:
    return {"id": f"{row['id']}-{suffix}", "text": row["text"] + f" ({suffix})", "title": row["title"],
            "source": row["source"], "date": row["date"]}


def test_an_answer_is_sent_again_only_while_the_store_is_unchanged(seeded, mds_rows):
    c = _client(seeded)
    first = c.get("/api/stories").json()
    assert c.get("/api/stories").json() == first  # kept
    again = c.get("/api/search", params={"q": "Lương Tam Quang"}).json()
    seeded.add(_article(mds_rows[0], "other-process"))  # another connection commits
    now = c.get("/api/stories").json()
    assert now["total"] == first["total"] + 1
    assert c.get("/api/search", params={"q": "Lương Tam Quang"}).json()["total"] == again["total"]
    story = now["stories"][0]["id"]
    assert c.get(f"/api/stories/{story}").status_code == 200


def test_with_a_lag_lists_may_be_old_but_not_for_the_writer_nor_an_article(seeded, mds_rows):
    c = _client(seeded, lag=60.0)
    before = c.get("/api/articles").json()["total"]
    added = _article(mds_rows[1], "elsewhere")
    seeded.add(added)  # written by another connection: the kept list may lag it ...
    assert c.get("/api/articles").json()["total"] == before
    assert c.get(f"/api/articles/{added['id']}").status_code == 200  # ... an article's own answer never does
    posted = _article(mds_rows[2], "posted")
    assert c.post("/api/articles", json=posted).status_code == 201
    # The connection that wrote sees its write, and the other one, at once.
    found = c.get("/api/articles", params={"limit": 200}).json()
    assert found["total"] == before + 2
    assert {added["id"], posted["id"]} <= {a["id"] for a in found["articles"]}
