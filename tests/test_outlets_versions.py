"""One name per outlet, every version of an article, republications kept as data."""

from __future__ import annotations

import json

import pytest

from typer.testing import CliRunner

from newsfuse.cli import app
from newsfuse.outlets import OutletNames
from newsfuse.store import Store

from conftest import SEED_000, SEED_004, write_jsonl


def test_hosts_dateline_codes_and_site_names_are_one_outlet():
    names = OutletNames.load()
    for name in ("tienphong.vn", "www.tienphong.vn", "https://m.tienphong.vn/xa-hoi/x.html", "TPO", "Báo Tiền Phong",
                 "TIENPHONG.VN", " tiền  phong "):
        assert names.canonical(name) == "tienphong.vn", name
    assert names.canonical("kinhdoanh.vnexpress.net") == "vnexpress.net"  # a section's subdomain
    assert names.canonical("www.thanhnien.com.vn") == names.canonical("TNO") == "thanhnien.vn"  # an older domain
    assert names.canonical("(Dân trí)") == "dantri.com.vn"
    assert names.canonical("baomoi-outlet-71") == "baomoi-outlet-71"  # unknown names stay as written
    assert names.canonical("127.0.0.1:8080") == "127.0.0.1:8080"  # two local servers stay two outlets
    assert "TPO" in names.describe("tienphong.vn").aliases


def test_ingest_gives_every_article_its_outlets_one_name(nf, tmp_path, seeds_dir, mds_rows):
    page = tmp_path / "page.html"
    body = "".join(f"<p>{s}.</p>" for s in mds_rows[5]["text"].split(". ")[:8])
    page.write_text(f"<html><head><title>{mds_rows[5]['title']}</title><meta property='og:site_name' "
                    f"content='Báo Tiền Phong'></head><body><article><h1>{mds_rows[5]['title']}</h1>{body}"
                    "</article></body></html>", encoding="utf-8")
    row = mds_rows[6] | {"source": "www.tienphong.vn"}
    report = nf.ingest([SEED_004, page, write_jsonl(tmp_path / "one.jsonl", [row])])
    assert len(report.added) == 3, report.rejected
    outlets = {o["outlet"]: o for o in nf.outlets()}
    assert outlets["tienphong.vn"]["articles"] == 3
    assert "TPO" in outlets["tienphong.vn"]["aliases"] and outlets["tienphong.vn"]["name"] == "Tiền Phong"
    assert len(nf.articles(outlet="TPO")) == 3 and len(nf.stories(outlet="www.tienphong.vn")) >= 1


def test_a_users_alias_folds_stored_articles_into_the_outlet(nf, tmp_path, mds_rows):
    nf.ingest([write_jsonl(tmp_path / "a.jsonl", [mds_rows[0] | {"source": "Báo giấy TP"}])])
    assert nf.article(mds_rows[0]["id"]).source == "Báo giấy TP"
    assert nf.add_outlet_alias("Báo giấy TP", "TPO") == 1
    assert nf.article(mds_rows[0]["id"]).source == "tienphong.vn"
    nf.ingest([write_jsonl(tmp_path / "b.jsonl", [mds_rows[1] | {"source": "báo giấy tp"}])])
    assert nf.article(mds_rows[1]["id"]).source == "tienphong.vn"
    tp = next(o for o in nf.outlets() if o["outlet"] == "tienphong.vn")
    assert tp["articles"] == 2 and "Báo giấy TP" in tp["aliases"]
    r = CliRunner().invoke(app, ["outlets", "--db", str(nf.config.db)])
    assert r.exit_code == 0 and "tienphong.vn" in r.output and "Báo giấy TP" in r.output


def test_an_alias_that_names_another_outlet_is_refused_unless_reassigned(nf, tmp_path, mds_rows):
    """`outlets alias TTO tienphong.vn` took Tuổi Trẻ's dateline code silently: `--outlet TTO` then
    answered with Tiền Phong's articles."""
    nf.ingest([write_jsonl(tmp_path / "a.jsonl", [mds_rows[0] | {"source": "tuoitre.vn"},
                                                  mds_rows[1] | {"source": "tienphong.vn"}])])
    for alias, message in (("TTO", "'TTO' already names 'tuoitre.vn'"),
                           ("tuoitre.vn", "'tuoitre.vn' is an outlet with articles of its own")):
        r = CliRunner().invoke(app, ["outlets", "alias", alias, "tienphong.vn", "--db", str(nf.config.db)])
        assert r.exit_code == 2 and message in r.output and "--reassign" in r.output, r.output
        with pytest.raises(ValueError, match="--reassign"):
            nf.add_outlet_alias(alias, "TPO")
    assert [a.id for a in nf.articles(outlet="TTO")] == [mds_rows[0]["id"]]  # nothing moved
    r = CliRunner().invoke(app, ["outlets", "alias", "TTO", "tienphong.vn", "--reassign", "--db", str(nf.config.db)])
    assert r.exit_code == 0 and "'TTO' is now 'tienphong.vn'" in r.output, r.output
    r = CliRunner().invoke(app, ["outlets", "alias", "X", "nosuch.vn", "--db", str(nf.config.db)])
    assert r.exit_code == 0 and "no article of 'nosuch.vn' is stored yet" in r.output, r.output


def test_a_store_made_before_the_outlet_table_is_folded_on_the_next_ingest(db, tmp_path, mds_rows):
    import newsfuse
    from newsfuse.ingest import article_from_json

    with Store(db) as store:  # stored as the files named them, before outlets had one name
        store.add_articles([article_from_json(mds_rows[0] | {"source": "www.tienphong.vn"}, "x:1"),
                            article_from_json(mds_rows[1] | {"source": "TPO"}, "x:2")])
        assert sorted(store.outlet_names()) == ["TPO", "www.tienphong.vn"]
    with newsfuse.open(db) as nf:
        nf.ingest([write_jsonl(tmp_path / "c.jsonl", [mds_rows[2]])])
        assert {o["outlet"]: o["articles"] for o in nf.outlets()}["tienphong.vn"] == 2
        assert "TPO" not in nf.store.outlet_names()


def _edited(row: dict) -> dict:
    """The outlet corrects its report: a figure in one sentence changes, a sentence is added."""
    text = row["text"]
    first = text.split(". ")[0]
    return row | {"title": row["title"] + " (cập nhật)",
                  "text": text.replace(first, first + " theo nguồn tin chính thức", 1)
                  + "\n\nBài viết được cập nhật lúc 15 giờ với thông tin mới về vụ việc."}


def test_a_known_id_with_new_text_is_a_new_version_and_every_version_is_kept(nf, tmp_path, mds_rows):
    row = mds_rows[30]
    first = nf.ingest([write_jsonl(tmp_path / "v1.jsonl", [row])])
    story = first.stories[row["id"]]
    second = nf.ingest([write_jsonl(tmp_path / "v2.jsonl", [_edited(row)])])
    assert second.updated == [(row["id"], 2)] and not second.rejected and second.stories[row["id"]] == story
    versions = nf.versions(row["id"])
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].text.startswith(row["text"][:40]) and "cập nhật lúc 15 giờ" in versions[1].text
    assert nf.article(row["id"]).title.endswith("(cập nhật)")
    (change,) = nf.version_changes(row["id"])
    assert change.title == (row["title"], row["title"] + " (cập nhật)")
    removed = [s for op, s in change.lines if op == "-"]
    added = [s for op, s in change.lines if op == "+"]
    assert len(removed) == 1 and len(added) == 2 and "theo nguồn tin chính thức" in added[0]
    assert change.kept >= 3
    # The story, the search index and the brief read the latest text.
    assert any("cập nhật lúc 15 giờ" in a.text for a in nf.story_articles(story))
    assert [h.article.id for h in nf.search("nguồn tin chính thức").items] == [row["id"]]
    assert row["id"] in json.dumps(nf.brief_dict(story), ensure_ascii=False)
    # The first text again is no third version.
    again = nf.ingest([write_jsonl(tmp_path / "v1b.jsonl", [row])])
    assert not again.updated and len(again.present) == 1 and len(nf.versions(row["id"])) == 2
    shown = CliRunner().invoke(app, ["show", row["id"], "--versions", "--db", str(nf.config.db)])
    assert shown.exit_code == 0 and "version 1 -> 2" in shown.output
    assert "  + " in shown.output and "  - " in shown.output and "title:" in shown.output


def test_an_exact_copy_from_another_outlet_is_kept_as_its_republication(nf, tmp_path, seed_texts):
    nf.ingest([SEED_004, SEED_000])
    original = next(a for a in nf.articles() if a.source == "tienphong.vn")
    copy = {"id": "bm-1", "source": "baomoi.com", "url": "https://baomoi.com/x/1.epi",
            "date": "2023-07-01T09:30", "text": original.text, "title": original.title}
    earlier = {"id": "vn-1", "source": "vietnamplus.vn", "url": "https://www.vietnamplus.vn/a.vnp",
               "date": "2023-05-31T07:00", "text": original.text}  # before any day of June
    report = nf.ingest([write_jsonl(tmp_path / "copies.jsonl", [copy, earlier, copy | {"id": "bm-2"}])])
    assert report.republished == [(original.id, "baomoi.com"), (original.id, "vietnamplus.vn")]
    assert len(report.present) == 3 and not report.added  # the text is stored once
    published = nf.publications(original.id)
    assert [(p.outlet, p.kind) for p in published] == [
        ("vietnamplus.vn", "exact"), ("tienphong.vn", "original"), ("baomoi.com", "exact")]
    assert published[0].published == "2023-05-31T07:00"  # who had it first, by publication time
    story_id = nf.store.story_of(original.id)
    assert nf.story(story_id).also_published_by == ["baomoi.com", "vietnamplus.vn"]
    row = next(a for a in nf.brief_dict(story_id)["articles"] if a["id"] == original.id)
    assert row["first"] == "vietnamplus.vn" and {p["outlet"] for p in row["publications"]} == {
        "tienphong.vn", "baomoi.com", "vietnamplus.vn"}
    from newsfuse.brief import to_markdown

    assert "also published by vietnamplus.vn 2023-05-31T07:00 (first), baomoi.com 2023-07-01T09:30" in to_markdown(
        nf.brief(story_id))
    listed = CliRunner().invoke(app, ["stories", "--db", str(nf.config.db), "--json"])
    assert ["baomoi.com", "vietnamplus.vn"] in [json.loads(line)["also_published_by"] for line in listed.output.splitlines()]
    # The same outlet sending its own text again is no republication.
    own = nf.ingest([write_jsonl(tmp_path / "own.jsonl", [copy | {"id": "tp-2", "source": "TPO"}])])
    assert not own.republished


def test_a_near_copy_from_another_outlet_is_a_publication_of_the_original(nf, tmp_path, seed_texts):
    nf.ingest([SEED_000])
    original = nf.articles()[0]
    text = original.text.replace("Thượng tướng", "Thứ trưởng, Thượng tướng", 1) + "\n\nTheo Báo Công an."
    nf.ingest([write_jsonl(tmp_path / "near.jsonl", [{"id": "vne-9", "source": "vnexpress.net",
                                                      "date": "2023-06-28", "text": text}])])
    published = nf.publications("vne-9")
    assert {(p.article_id, p.kind) for p in published} == {(original.id, "original"), ("vne-9", "near")}
    assert all(p.of == original.id for p in published)
    # An exact republication of the original, beside the near copy: the copy list says whose text it
    # is (the original's), never the near copy's, whose text differs.
    exact = {"id": "bm-7", "source": "baomoi.com", "date": "2023-06-29", "text": original.text, "title": original.title}
    nf.ingest([write_jsonl(tmp_path / "exact.jsonl", [exact])])
    from newsfuse.brief import copy_lines

    brief = nf.brief(nf.store.story_of(original.id))
    num = {a["id"]: i for i, a in enumerate(brief.articles, 1)}
    lines = [line for line in copy_lines(brief, num) if "the same text as" in line]
    assert len(lines) == 1 and lines[0].startswith(f"baomoi.com, 2023-06-29: the same text as [{num[original.id]}] "), lines
