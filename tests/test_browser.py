"""The web page in a real browser: Playwright driving Debian's Chromium against a live server."""

import socket
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "story-page.png"

pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def server(seeded, mds_rows, tmp_path):
    import uvicorn

    from conftest import write_jsonl
    from newsfuse.web.app import create_app

    seeded.ingest([write_jsonl(tmp_path / "more.jsonl", mds_rows[:20])])
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(seeded, token=""), host="127.0.0.1", port=port,
                                        log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not srv.started:
        assert time.time() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture()
def page():
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed: .ci/run installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        pg = browser.new_page(viewport={"width": 1280, "height": 900})
        yield pg
        browser.close()


def test_story_list_to_story_page_with_citations_and_colours(server, page):
    page.goto(server + "/")
    rows = page.locator(".story-row")
    assert rows.count() >= 3
    seeds_row = page.locator(".story-row", has_text="tienphong.vn").filter(has_text="Lãnh đạo Công an Việt Nam - Trung Quốc")
    assert "2 bài" in seeds_row.inner_text()
    seeds_row.locator("a.story-link").click()
    page.wait_for_selector(".summary")
    assert "/stories/" in page.url
    summary = page.locator(".summary").inner_text()
    assert "Lương Tam Quang" in summary or "Công an" in summary

    cite = page.locator("button.cite").first
    cite.hover()
    pop = page.locator("#popover")
    pop.wait_for(state="visible")
    quote = cite.get_attribute("data-quote")
    assert quote and quote in pop.inner_text()

    shared = page.locator(".sources .sent.shared")
    only = page.locator(".sources .sent.only-one")
    assert shared.count() >= 6 and only.count() >= 6  # both outlets' copies of >=3 shared facts
    colour = shared.first.evaluate("el => getComputedStyle(el).borderLeftColor")
    grey = only.first.evaluate("el => getComputedStyle(el).borderLeftColor")
    assert colour != grey
    assert page.locator(".entities").inner_text().count("Lương Tam Quang") >= 1
    assert "2023-06-26" in page.locator(".timeline").inner_text()
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=False)


def test_search_box_and_phone_width(server, page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server + "/")
    page.fill("input[name=q]", "Thạch Hảo Dũng")
    page.press("input[name=q]", "Enter")
    page.wait_for_load_state()
    assert page.locator(".story-row").count() == 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing overflows sideways on a phone
