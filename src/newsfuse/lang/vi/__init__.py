"""Vietnamese: the code the data files cannot hold. Hooks, each called with the pack, once per
process (the pack keeps what they return)."""

from __future__ import annotations

import json
import re
import threading

from .. import gazetteers


def syllable(pack):
    """The shape of one Vietnamese syllable without its marks: a Latin word that no syllable
    spells is foreign (`Michael`, `Reuters`)."""
    return pack.patterns("syllable")[0].pattern


def divisions(pack) -> tuple[frozenset[str], dict[str, str]]:
    """(provinces, districts by place key) of Viet Nam from vietnam-provinces 0.6, the last release
    with the pre-2025 district level that archives of news name (`Tĩnh Gia` is gone, `Như Thanh`,
    `Nha Trang` are there). Numbered urban districts (`Quận 1`) and names of people (`Hồ Chí
    Minh`, `Hai Bà Trưng`) are left out: they are places only after `quận`/`thành phố`."""
    import vietnam_provinces

    prefixes = re.compile("^(?:" + "|".join(map(re.escape, pack.words("division_prefixes"))) + ") ")
    surnames = set(pack.words("surnames"))
    people = set(pack.words("divisions_named_after_people"))

    def name_of(unit: dict) -> str | None:
        name = prefixes.sub("", unit["name"])
        if any(c.isdigit() for c in name) or name.split()[0] in surnames or name in people:
            return None
        return name

    data = json.loads(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH.read_text(encoding="utf-8"))
    provinces = frozenset(n for p in data if (n := name_of(p)))
    districts: dict[str, str] = {}
    for province in data:
        for unit in province.get("districts", ()):
            if name := name_of(unit):
                districts.setdefault(place_key(pack, name), name)
    return provinces, districts


def place_key(pack, name: str) -> str:
    """`Bà Rịa- Vũng Tàu` = `Bà Rịa - Vũng Tàu` = `bà rịa vũng tàu`: hyphens and spacing do not
    matter, nor `St.` for `Saint` (`St.Petersburg`)."""
    key = " ".join(pack.fold(name).replace("-", " ").split())
    return re.sub(r"^st\.\s*", "saint ", key)


def territories(pack) -> frozenset[str]:
    """Countries and world regions by their Vietnamese names (CLDR via Babel): `Bỉ`, `Li-băng`,
    `Ma-rốc`, `Mông Cổ`; `Trung Đông` is not there but `Tây Á` is."""
    return gazetteers.territories("vi", pack.words("cldr_left_out"), pack.words("cldr_names_left_out"))


def world_places(pack) -> list[str]:
    """The world's cities and regions in Latin letters, less names that Vietnamese syllables could
    spell (`Nam`, `Long An`), which would shadow Vietnamese words and names."""
    spelt = re.compile(syllable(pack))
    return gazetteers.world_places(pack.words("world_subdivision_types"),
                                   skip=lambda name: all(spelt.fullmatch(p.lower()) for p in name.split()))


def given_names(pack) -> gazetteers.GivenNames:
    return gazetteers.GivenNames()


def countries(pack) -> list[tuple[str, str]]:
    return gazetteers.countries()


# underthesea's segmenter is one module-level model that its first call loads while other threads
# may already see it half made (`'NoneType' object has no attribute 'process'` under load), and its
# Rust tagger is not documented as thread-safe: calls are serialised. The GIL runs them one at a
# time anyway; the lock makes the first load and each call whole.
_SEGMENTER_LOCK = threading.Lock()


def segment_words(pack):
    """underthesea's word segmenter (keeps `Lương Tam Quang` whole; see docs/decisions.md), one
    call at a time."""
    from underthesea import word_tokenize

    def serialised(sentence: str) -> list[str]:
        with _SEGMENTER_LOCK:
            return word_tokenize(sentence)

    return serialised


def entity_tagger_model(pack):
    """The learned entity tagger's CRF (`newsfuse.tagger`), shipped with the pack; written by
    scripts/train_tagger.py. None when it is missing: the rules alone then read names."""
    from pathlib import Path

    path = Path(__file__).parent / "entity_tagger.crfsuite"
    return path if path.is_file() else None
