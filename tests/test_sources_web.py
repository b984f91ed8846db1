"""REST and web faces of followed sources, versions and republications."""

from __future__ import annotations

from fastapi.testclient import TestClient

from newsfuse.web.app import create_app

from conftest import SEED_000, SEED_004, write_jsonl
from newsroom import Item, Newsroom, Route, article_page, rss
from test_watch import TEST


def test_sources_over_rest_and_their_health_on_the_page(nf, mds_rows):
    client = TestClient(create_app(nf, token="s3cret"), base_url="http://127.0.0.1")
    assert client.post("/api/sources", json={"url": "http://x.vn/rss"}).status_code == 401
    auth = {"Authorization": "Bearer s3cret"}
    bad = client.post("/api/sources", json={"url": "file:///etc/passwd"}, headers=auth)
    assert bad.status_code == 422 and "not an http(s) URL" in bad.json()["error"]
    with Newsroom() as site:
        row = mds_rows[90]
        site.routes["/a.html"] = Route(article_page(row["title"], row["text"], site_name="X", date=row["date"]).encode())
        site.routes["/rss"] = Route(rss("X", site.url("/"), [Item(site.url("/a.html"), row["title"], row["date"]),
                                                             Item(site.url("/gone.html"), "Tin", row["date"])]),
                                    "application/rss+xml")
        r = client.post("/api/sources", json={"url": site.url("/rss"), "name": "TPO"}, headers=auth)
        assert r.status_code == 201 and r.json()["source"]["status"] == "new" and r.json()["source"]["outlet"] == "tienphong.vn"
        assert not site.hits  # stored, not fetched by the web server
        assert client.post("/api/sources", json={"url": site.url("/rss")}, headers=auth).status_code == 200
        with nf.watcher(TEST) as w:
            w.cycle()
    (src,) = client.get("/api/sources").json()["sources"]
    assert src["status"] == "ok" and src["articles"] == 1 and src["errors"] == 1 and "404" in src["error"]
    page = client.get("/sources").text
    assert site.url("/rss") in page and "HTTP 404" in page and "health-ok" in page


def test_versions_and_republications_over_rest_and_on_the_story_page(nf, tmp_path, mds_rows):
    nf.ingest([SEED_004, SEED_000])
    original = next(a for a in nf.articles() if a.source == "tienphong.vn")
    nf.ingest([write_jsonl(tmp_path / "c.jsonl", [
        {"id": "bm-1", "source": "baomoi.com", "date": "2023-07-02T08:00", "text": original.text},
        {"id": original.id, "source": "TPO", "text": original.text + "\n\nCập nhật: hai bên sẽ gặp lại vào tháng sau."}])])
    client = TestClient(create_app(nf, token=""), base_url="http://127.0.0.1")
    got = client.get(f"/api/articles/{original.id}").json()
    assert got["version"] == 2 and got["first"] == "tienphong.vn"
    assert {p["outlet"] for p in got["publications"]} == {"tienphong.vn", "baomoi.com"}
    versions = client.get(f"/api/articles/{original.id}/versions").json()
    assert [v["version"] for v in versions["versions"]] == [1, 2]
    assert ["+", "Cập nhật: hai bên sẽ gặp lại vào tháng sau."] in versions["changes"][0]["lines"]
    story = nf.store.story_of(original.id)
    assert "baomoi.com" in client.get("/api/stories").json()["stories"][0]["also_published_by"]
    page = client.get(f"/stories/{story}", params={"lang": "en"}).text
    # In the page's words and dates, each outlet once (the line mixed English and ISO dates into the
    # Vietnamese page and named a near copy's outlet twice).
    assert "Also published by: baomoi.com 2/7/2023 08:00; this outlet had it first" in page
    vi = client.get(f"/stories/{story}", params={"lang": "vi"}).text
    assert "Cũng đăng bởi: baomoi.com 2/7/2023 08:00; báo này đăng trước tiên" in vi
    assert "this outlet" not in vi and "2023-07-02T08:00</" not in vi and vi.count("baomoi.com 2/7/2023") == 1
    near = original.text.rsplit("\n\n", 1)[0] + "\n\nThanh Niên đưa tin thêm về cuộc gặp này."
    nf.ingest([write_jsonl(tmp_path / "n.jsonl", [
        {"id": "tn-1", "source": "thanhnien.vn", "date": "2023-07-03T09:00", "text": near}])])
    vi = client.get(f"/stories/{nf.store.story_of(original.id)}", params={"lang": "vi"}).text
    original_line, copy_line = [x for x in vi.splitlines() if "Cũng đăng bởi:" in x]
    assert original_line.count("thanhnien.vn") == 1 and "thanhnien.vn 3/7/2023 09:00" in original_line, original_line
    assert "tienphong.vn 6/2023 (đăng trước tiên)" in copy_line, copy_line
