"""The web page in a real browser: Playwright driving Debian's Chromium against a live server over
the seeds and part of the shared corpus. Search with and without tone marks, an entity click, the
filters, the coverage chart, the timeline, the UI language switch and the phone layout; the
screenshots in docs/ (the README shows them) are taken here."""

import socket
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
DOCS = Path(__file__).resolve().parents[1] / "docs"
SEED_TITLE = "Lãnh đạo Công an Việt Nam - Trung Quốc"
ROBOTHON = "cluster_138"

pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, mds_rows):
    import uvicorn

    import newsfuse
    from conftest import SEEDS, _need, write_jsonl
    from newsfuse.web.app import create_app

    folder = tmp_path_factory.mktemp("browser")
    nf = newsfuse.open(folder / "news.db")
    robothon = [r for r in mds_rows if r["cluster_id"] == ROBOTHON]  # 47 teams at one outlet, 48 at another
    nf.ingest([_need(SEEDS), write_jsonl(folder / "more.jsonl", mds_rows[:60] + robothon)])
    # A planted copy: another outlet republishes the Robothon report of cand.com.vn, lightly edited.
    original = next(r for r in robothon if r["source"] == "cand.com.vn")
    nf.ingest([write_jsonl(folder / "copy.jsonl", [original | {
        "id": "planted-copy", "source": "baomoi.com", "date": "2013-11-03T20:00",
        "text": original["text"].replace("Đà Nẵng", "TP Đà Nẵng", 1) + " Theo CAND."}])])
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(nf, token=""), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not srv.started:
        assert time.time() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)
    nf.close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed: .ci/run installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    # What the Content Security Policy refuses (an inline script, a style) is logged as such.
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" and "Refused" in m.text else None)
    yield pg
    assert not errors, errors
    context.close()


def search_for(page, server, text):
    page.goto(server + "/")
    page.fill("header input[name=q]", text)
    page.press("header input[name=q]", "Enter")
    page.wait_for_load_state()


def test_search_with_and_without_tone_marks_finds_the_story(server, page):
    for typed in ("Lương Tam Quang", "luong tam quang"):
        search_for(page, server, typed)
        first = page.locator(".story-row").first
        assert SEED_TITLE in first.inner_text(), typed
        marks = page.locator(".hits mark").all_inner_texts()
        assert {"Lương", "Tam", "Quang"} <= set(marks), (typed, marks)
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / "search-page.png"), full_page=False)


def test_story_page_summary_chart_timeline_and_folded_texts(server, page):
    search_for(page, server, "Thạch Hảo Dũng")
    page.locator(".story-row a.story-link").first.click()
    page.wait_for_selector(".summary")
    assert "/stories/" in page.url
    assert page.locator("html").get_attribute("lang") == "vi"
    assert "Lương Tam Quang" in page.locator(".summary").inner_text() or "Công an" in page.locator(".summary").inner_text()
    # Summary, entities and timeline come before the outlets' texts, which are folded.
    order = page.evaluate("""() => ['.summary', '.entities', '.timeline', '.coverage', '.texts']
        .map(s => document.querySelector(s).getBoundingClientRect().top + window.scrollY)""")
    assert order[0] < order[3] < order[4] and order[1] < order[4] and order[2] < order[4]
    texts = page.locator("details.source")
    assert texts.count() == 2 and all(not d.get_property("open").json_value() for d in texts.element_handles())
    height_folded = page.evaluate("document.documentElement.scrollHeight")
    assert height_folded < 3500  # was 11,396 px for 7 articles with every text open
    # The coverage chart: a dot per outlet's time slot, one row per outlet, rendered by the browser.
    dots = page.locator(".coverage-chart circle.dot")
    assert dots.count() >= 1
    assert sum(int(d.get_attribute("data-count")) for d in dots.element_handles()) == 2
    box = page.locator(".coverage-chart").bounding_box()
    assert box and box["width"] > 300 and box["height"] > 40
    assert page.locator(".coverage-chart .outlet-label").count() == 2
    # The timeline: drawn on an axis and listed with readable dates.
    assert page.locator(".timeline-axis circle.event-dot").count() == page.locator("ol.events li").count() >= 2
    listed = page.locator("ol.events").inner_text()
    assert "26/6/2023" in listed and "2023-06-26" not in listed
    # A citation shows its sentence, and jumping to it opens the folded text.
    cite = page.locator("button.cite").first
    cite.hover()
    pop = page.locator("#popover")
    pop.wait_for(state="visible")
    assert cite.get_attribute("data-quote") in pop.inner_text()
    cite.click()
    cite.click()
    target = page.locator(f"#s-{cite.get_attribute('data-article')}-{cite.get_attribute('data-sentence')}")
    target.wait_for(state="visible")
    shared = page.locator(".sources .sent.shared")
    only = page.locator(".sources .sent.only-one")
    assert shared.first.evaluate("el => getComputedStyle(el).borderLeftColor") != \
        only.first.evaluate("el => getComputedStyle(el).borderLeftColor")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(DOCS / "story-page.png"), full_page=False)


def test_an_entity_click_filters_the_list(server, page):
    search_for(page, server, "Thạch Hảo Dũng")
    page.locator(".story-row a.story-link").first.click()
    page.wait_for_selector(".entities")
    page.locator("a.entity", has_text="Lương Tam Quang").first.click()
    page.wait_for_load_state()
    assert "entity=" in page.url
    rows = page.locator(".story-row")
    assert rows.count() == 1 and SEED_TITLE in rows.first.inner_text()
    assert "Lương Tam Quang" in page.locator(".chips").inner_text()
    assert page.locator("#f-entity").input_value() == "Lương Tam Quang"


def test_outlet_and_date_filters_combine(server, page):
    page.goto(server + "/")
    everything = int(page.locator(".count").inner_text().split()[0])
    page.select_option("#f-outlet", "tienphong.vn")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    by_outlet = page.locator(".story-row")
    n_outlet = by_outlet.count()
    assert 1 <= n_outlet < everything
    assert all("tienphong.vn" in t for t in by_outlet.all_inner_texts())
    page.fill("#f-since", "2023-06-01")
    page.fill("#f-until", "2023-06-30")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    rows = page.locator(".story-row")
    assert rows.count() == 1 and SEED_TITLE in rows.first.inner_text()
    # An outlet's name on a row filters by it; a date range on a row by its days.
    page.goto(server + "/")
    page.locator(".story-row a.outlet", has_text="tienphong.vn").first.click()
    page.wait_for_load_state()
    assert page.locator(".story-row").count() == n_outlet
    page.locator(".story-row .dates a").first.click()
    page.wait_for_load_state()
    assert "since=" in page.url and page.locator(".story-row").count() >= 1
    # A date that is none is said on the page, not a blank list, in the page's language.
    page.goto(server + "/?since=yesterday")
    assert "Từ ngày: “yesterday” không phải một ngày" in page.locator(".error").inner_text()


def test_the_ui_speaks_one_language_at_a_time(server, page):
    page.goto(server + "/")
    assert page.locator("h1").inner_text() == "Sự kiện"
    page.locator("header a.lang", has_text="English").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Stories" and page.locator("html").get_attribute("lang") == "en"
    page.locator(".story-row a.story-link").first.click()  # the choice is kept from page to page
    page.wait_for_selector(".summary h2")
    assert page.locator(".summary h2").inner_text() == "Summary"
    headings = " ".join(page.locator("h2").all_inner_texts())
    assert "Tóm tắt" not in headings and "bài" not in page.locator(".story-meta").inner_text()


def test_keyboard_reaches_the_content_and_the_texts(server, page):
    page.goto(server + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    page.wait_for_timeout(100)
    assert page.evaluate("document.activeElement.id") == "main"
    search_for(page, server, "Thạch Hảo Dũng")
    page.locator(".story-row a.story-link").first.click()
    page.wait_for_selector("details.source")
    page.locator("details.source > summary").first.focus()
    page.keyboard.press("Enter")
    assert page.locator("details.source").first.evaluate("el => el.open")
    labels = page.evaluate("""() => [...document.querySelectorAll('input, select')]
        .filter(el => !el.labels || el.labels.length === 0).map(el => el.name)""")
    assert labels == []
    assert page.locator(".coverage-chart").get_attribute("role") == "img"


def test_phone_layout(server, page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing overflows sideways
    search_for(page, server, "Thạch Hảo Dũng")
    assert SEED_TITLE in page.locator(".story-row").first.inner_text()
    page.locator(".story-row a.story-link").first.click()
    page.wait_for_selector(".coverage-chart")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator(".coverage-chart").bounding_box()
    assert box and box["width"] <= 390
    entities = page.locator(".entities").bounding_box()
    timeline = page.locator(".timeline").bounding_box()
    assert timeline["y"] > entities["y"]  # one column on a phone
    page.screenshot(path=str(DOCS / "story-page-phone.png"), full_page=False)


def robothon_page(page, server):
    search_for(page, server, "Robothon")
    page.locator(".story-row a.story-link").first.click()
    page.wait_for_selector(".summary")


def test_the_conflict_box_spells_out_who_says_what_at_the_top(server, page):
    robothon_page(page, server)
    box = page.locator("section.conflicts")
    text = box.inner_text()
    import re

    # The store names nhandan.org.vn by its one outlet name (nhandan.vn).
    assert re.search(r"47 đội \((?:www\.)?nhandan\.[a-z.]+\) so với 48 đội \(cand\.com\.vn\)", text), text  # the page in Vietnamese
    assert re.search(r"47 đội, (?:www\.)?nhandan\.[a-z.]+ \[\d\]", text) and "48 đội, cand.com.vn [" in text
    # Both sentences are quoted, and the box comes before the summary.
    assert "thu hút 47 đội tuyển" in text and "48 đội tuyển" in text
    tops = page.evaluate("""() => ['section.conflicts', '.summary']
        .map(s => document.querySelector(s).getBoundingClientRect().top)""")
    assert tops[0] < tops[1]
    # A citation in the box leads to the sentence, in its opened text.
    link = box.locator("a.cite-link").first
    target = link.get_attribute("href")
    link.click()
    page.locator(target).wait_for(state="visible")


def test_the_copy_shows_its_original_and_the_original_who_else_published_it(server, page):
    robothon_page(page, server)
    also = page.locator("details.source p.also").all_text_contents()
    assert any("baomoi.com" in t for t in also), also
    copies = page.locator("details.source p.copy-of").all_text_contents()
    assert any("cand.com.vn" in t for t in copies), copies


def test_hovering_a_sentence_marks_the_same_fact_in_the_other_columns(server, page):
    robothon_page(page, server)
    # Columns in time order, earliest first.
    dates = [t.get_attribute("datetime") for t in page.locator("details.source > summary time").element_handles()]
    assert dates == sorted(dates) and len(dates) >= 3
    page.click("button.open-all")
    assert all(d.evaluate("el => el.open") for d in page.locator("details.source").element_handles())
    boxes = page.locator("details.source")
    first_box = boxes.nth(0).bounding_box()
    second_box = boxes.nth(1).bounding_box()
    assert second_box["x"] > first_box["x"] + 100 and abs(second_box["y"] - first_box["y"]) < 5  # side by side
    # A sentence whose fact other outlets give too.
    shared = page.locator(".sources .sent.shared").first
    fact = shared.get_attribute("data-fact")
    own = shared.get_attribute("data-article")
    shared.hover()
    marked = page.locator(".sources .sent.same-fact")
    assert marked.count() >= 1
    others = {m.get_attribute("data-article") for m in marked.element_handles()}
    assert own not in others and others
    assert all(m.get_attribute("data-fact") == fact for m in marked.element_handles())
    assert marked.first.evaluate("el => getComputedStyle(el).backgroundColor") != \
        page.locator(".sources .sent.only-one").first.evaluate("el => getComputedStyle(el).backgroundColor")
    # Moving away clears the marks; the keyboard marks them too, and Enter pins them.
    page.mouse.move(0, 0)
    page.locator("h1").hover()
    assert page.locator(".sources .sent.same-fact").count() == 0
    shared.focus()
    assert page.locator(".sources .sent.same-fact").count() >= 1
    page.keyboard.press("Enter")
    page.locator("h1").click()
    assert page.locator(".sources .sent.same-fact").count() >= 1
