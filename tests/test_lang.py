"""Language packs: every data file of every registered pack, and the loader on bad data."""

import pytest

from newsfuse import lang
from newsfuse.lang.loader import PackError, read, sort_key
from newsfuse.text import fold


@pytest.mark.parametrize("code", lang.codes())
def test_every_data_file_loads_checked(code):
    pack = lang.get(code)
    files = sorted(pack.folder.glob("*.toml"))
    assert files, f"pack {code} has no data"
    names = pack.names()  # loading checks duplicates, order and patterns: PackError otherwise
    for path in files:
        lists, tables, patterns = read(path, fold)
        for wl in lists.values():
            keys = [{"exact": str, "lower": str.lower, "fold": fold}[wl.key](w) for w in wl.words]
            assert len(keys) == len(set(keys)), f"{path.name}: [{wl.name}] lists an entry twice"
            assert wl.why.strip()
            assert list(wl.words) == sorted(wl.words, key=sort_key) or (wl.order or "").strip(), wl.name
        for rules in patterns.values():
            for rule in rules:
                assert rule.pattern.pattern and str(rule.fields.get("why", "")).strip(), f"{path.name}: {rule.name}"
    assert len(names) == len(set(names))


@pytest.mark.parametrize("code", lang.codes())
def test_every_date_pattern_names_a_resolver_and_a_known_guard(code):
    from newsfuse.timeline import GUARDS, RESOLVERS

    for rule in lang.get(code).patterns("dates"):
        assert rule.name in RESOLVERS, rule.name
        assert rule.fields.get("guard", "after_name") in GUARDS, rule.name


def write(tmp_path, text):
    path = tmp_path / "words.toml"
    path.write_text(text, encoding="utf-8")
    return path


BAD_DATA = [  # (what is wrong, the file, what the one-line error says)
    ("an entry listed twice under the list's key", '[roles]\nwhy = "titles"\nkey = "fold"\nwords = ["Hòa Bình", "Hoà Bình"]\n',
     r"words\.toml: \[roles\] lists 'Hoà Bình' twice \(as 'Hòa Bình'\)"),
    ("a list out of order without its reason", '[roles]\nwhy = "titles"\nwords = ["Ông", "Bà"]\n', "not sorted"),
    ("a pattern that does not compile", "[[patterns.dates]]\nname = 'day'\npattern = '(\\d+'\nwhy = 'x'\n",
     r"\[\[patterns\.dates\]\] 'day' does not compile"),
    ("a list without its reason", '[roles]\nwords = ["Bà"]\n', "has no `why`"),
    ("a list given twice in one file", '[roles]\nwhy = "a"\nwords = ["Bà"]\n[roles]\nwhy = "b"\nwords = ["Ông"]\n', "words.toml"),
]


@pytest.mark.parametrize("what, text, error", BAD_DATA, ids=[b[0] for b in BAD_DATA])
def test_bad_data_is_rejected_naming_the_file_and_the_list(tmp_path, what, text, error):
    with pytest.raises(PackError, match=error):
        read(write(tmp_path, text), fold)


def test_a_list_out_of_order_with_its_reason_keeps_its_order(tmp_path):
    lists, _, _ = read(write(tmp_path, '[roles]\nwhy = "titles"\norder = "longest first"\nwords = ["Ông", "Bà"]\n'), fold)
    assert lists["roles"].words == ("Ông", "Bà")


def test_a_list_in_two_files_of_one_pack_is_rejected(tmp_path):
    (tmp_path / "a.toml").write_text('[roles]\nwhy = "a"\nwords = ["Bà"]\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('[roles]\nwhy = "b"\nwords = ["Ông"]\n', encoding="utf-8")
    with pytest.raises(PackError, match=r"b\.toml: \[roles\] is also defined in .*a\.toml"):
        lang.Pack("xx", tmp_path).load()


def test_an_unknown_language_is_read_with_the_fallback_pack():
    assert lang.for_language("de") is lang.get(lang.FALLBACK)
    with pytest.raises(PackError, match="no language pack for 'de'"):
        lang.get("de")


def test_a_new_language_is_a_folder_of_data_and_a_registration(tmp_path, monkeypatch):
    """docs/architecture.md says so: copy a pack's data to a new folder, register it, and articles in
    that language are read with it by every stage, with no other change."""
    import shutil
    from dataclasses import replace

    from newsfuse.entities import find_entities
    from newsfuse.ingest import build_article
    from newsfuse.timeline import resolve

    folder = tmp_path / "xx"
    shutil.copytree(lang.get("en").folder, folder)
    monkeypatch.setitem(lang.REGISTRY, "xx", (folder, "newsfuse.lang.en"))
    text = "MANILA — Foreign Minister Julie Bishop met the U.N. team in Manila on Monday, Nov. 11."
    article = replace(build_article(text, origin="t", published="2013-11-12"), language="xx")
    assert lang.get("xx").folder == folder
    assert {e.name for e in find_entities([article]) if e.type == "PER"} == {"Julie Bishop"}
    assert [t.value for t in resolve(article.sentences[0].text, article.published, pack=lang.for_language("xx"))] \
        == ["2013-11-11"]


def test_the_readings_digest_leaves_out_only_the_files_of_the_alignment_and_the_summary():
    """Retraining the summary scorer or recounting syllables keeps every store's kept readings; the
    names it leaves out are the files those two stages read, and no reader reads them."""
    from pathlib import Path

    from newsfuse import align, brief, lang

    assert lang.NOT_READ_BY_READERS == {align.SYLLABLE_DF, brief.SCORER_FILE}
    src = Path(lang.__file__).resolve().parents[1]
    for reader in ("entities.py", "tagger.py", "timeline.py", "text.py"):
        code = (src / reader).read_text(encoding="utf-8")
        assert not any(name in code for name in lang.NOT_READ_BY_READERS), reader
        assert "SYLLABLE_DF" not in code and "SCORER_FILE" not in code, reader
