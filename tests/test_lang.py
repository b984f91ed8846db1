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


def test_an_entry_listed_twice_is_rejected_naming_the_file_and_list(tmp_path):
    path = write(tmp_path, '[roles]\nwhy = "titles"\nkey = "fold"\nwords = ["Hòa Bình", "Hoà Bình"]\n')
    with pytest.raises(PackError, match=r"words\.toml: \[roles\] lists 'Hoà Bình' twice \(as 'Hòa Bình'\)"):
        read(path, fold)


def test_a_list_out_of_order_needs_its_reason(tmp_path):
    with pytest.raises(PackError, match="not sorted"):
        read(write(tmp_path, '[roles]\nwhy = "titles"\nwords = ["Ông", "Bà"]\n'), fold)
    lists, _, _ = read(write(tmp_path, '[roles]\nwhy = "titles"\norder = "longest first"\nwords = ["Ông", "Bà"]\n'), fold)
    assert lists["roles"].words == ("Ông", "Bà")


def test_a_pattern_that_does_not_compile_is_rejected(tmp_path):
    path = write(tmp_path, "[[patterns.dates]]\nname = 'day'\npattern = '(\\d+'\nwhy = 'x'\n")
    with pytest.raises(PackError, match=r"\[\[patterns\.dates\]\] 'day' does not compile"):
        read(path, fold)


def test_a_list_without_its_reason_and_a_key_given_twice_are_rejected(tmp_path):
    with pytest.raises(PackError, match="has no `why`"):
        read(write(tmp_path, '[roles]\nwords = ["Bà"]\n'), fold)
    with pytest.raises(PackError, match="words.toml"):
        read(write(tmp_path, '[roles]\nwhy = "a"\nwords = ["Bà"]\n[roles]\nwhy = "b"\nwords = ["Ông"]\n'), fold)


def test_a_list_in_two_files_of_one_pack_is_rejected(tmp_path):
    (tmp_path / "a.toml").write_text('[roles]\nwhy = "a"\nwords = ["Bà"]\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('[roles]\nwhy = "b"\nwords = ["Ông"]\n', encoding="utf-8")
    with pytest.raises(PackError, match=r"b\.toml: \[roles\] is also defined in .*a\.toml"):
        lang.Pack("xx", tmp_path).load()


def test_an_unknown_language_is_read_with_the_fallback_pack():
    assert lang.for_language("de") is lang.get(lang.FALLBACK)
    with pytest.raises(PackError, match="no language pack for 'de'"):
        lang.get("de")
