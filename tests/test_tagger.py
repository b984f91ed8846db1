"""The learned entity tagger (issue 14): the shipped model, the rules that stay on top, bad input."""

import threading

import pytest

from newsfuse import lang
from newsfuse.entities import find_entities, unread_languages
from newsfuse.ingest import build_article
from newsfuse.tagger import RULES_ON_TOP, EntityTagger, spans_of


def _found(text, **kw):
    return {(e.type, e.name) for e in find_entities([build_article(text, origin="x", published="2013-10-25")], **kw)}


def test_the_model_ships_in_the_pack_and_opens_on_first_use_in_every_thread():
    tagger = EntityTagger.of(lang.get("vi"))
    assert tagger is not None and tagger.model.name == "entity_tagger.crfsuite" and tagger.model.is_file()
    assert EntityTagger.of(lang.get("vi")) is tagger  # one per pack
    results, errors = [], []

    def tag():
        try:
            results.append(tagger.labels([["w=ông", "s=Xx"], ["w=nguyễn", "surname", "s=Xx"]]))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=tag) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 4 and all(r == results[0] for r in results)
    with pytest.raises(FileNotFoundError, match="no entity tagger model"):
        EntityTagger("/nonexistent/model.crfsuite").labels([["w=x"]])


def test_spans_of_labels():
    assert spans_of(["O", "B-PER", "I-PER", "B-LOC", "I-ORG", "O"]) == [(1, 3, "PER"), (3, 4, "LOC"), (4, 5, "ORG")]


def test_a_model_span_starts_on_the_name_but_keeps_an_organisations_head():
    from newsfuse.entities import lexicon
    from newsfuse.tagger import model_spans

    lx = lexicon(lang.get("vi"))

    def read(text, labels):
        words = text.split()
        return [(" ".join(words[s:e]), kind) for s, e, kind in model_spans(lx, words, labels.split())]

    # the span conventions write an organisation's cue word into its name, lower case or not
    assert read("liên kết với trường Đại học Ngân hàng", "O O O B-ORG I-ORG I-ORG I-ORG I-ORG") == [
        ("trường Đại học Ngân hàng", "ORG")]
    assert read("các ngân hàng Mizuho ,", "B-ORG I-ORG I-ORG I-ORG O") == [("ngân hàng Mizuho", "ORG")]
    # a lower-case word that heads no organisation is cut, as is a place's cue and a person's title
    assert read("sàn HoSE", "B-ORG I-ORG") == [("HoSE", "ORG")]
    assert read("đội tuyển Việt Nam", "B-ORG I-ORG I-ORG I-ORG") == [("Việt Nam", "ORG")]
    assert read("tỉnh Quảng Nam", "B-LOC I-LOC I-LOC") == [("Quảng Nam", "LOC")]
    assert read("trường Minh", "B-PER I-PER") == [("Minh", "PER")]
    # a head with no name after it is no name
    assert read("công ty", "B-ORG I-ORG") == []


def test_the_rules_on_top_decide_titles_and_cues_whatever_the_model_says():
    text = ("Thượng tướng Lương Tam Quang tiếp đoàn tại tỉnh Quảng Tây. Theo hãng tin AFP, "
            "ông Tiến đã đến quận 9.")
    found = _found(text)
    assert {("PER", "Lương Tam Quang"), ("LOC", "Quảng Tây"), ("ORG", "AFP"), ("PER", "Tiến"), ("LOC", "quận 9")} <= found
    assert {"place_after_cue", "organisation_after_cue", "honorific_and_given_name"} <= RULES_ON_TOP


def test_no_entities_and_a_long_list_of_names():
    assert _found("Trời hôm nay nắng nhẹ, gió thổi từ phía biển vào buổi chiều và mưa rào về đêm.") == set()
    given = ["Anh", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khánh", "Long", "Minh", "Nam"]
    middle = ["Văn", "Thị", "Đức", "Quốc", "Hữu"]
    names = [f"{s} {m} {g}" for s in ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô")
             for m in middle for g in given]
    assert len(names) == 500
    text = "Danh sách khen thưởng gồm các ông " + ", ".join(names) + "."
    people = {n for k, n in _found(text) if k == "PER"}
    assert len(people & set(names)) >= 450  # a list of people goes on in its kind


def test_one_sentence_of_a_megabyte_is_read_without_error():
    sentence = ("Ông Nguyễn Văn Nam, Giám đốc Sở Y tế tỉnh Quảng Ninh, cho biết bệnh viện đã nhận thêm thuốc "
                "từ các tỉnh lân cận trong tuần qua và đang phân phối cho người dân ")
    text = (sentence * (1_000_000 // len(sentence) + 1))[:1_000_000].rsplit(" ", 1)[0] + "."
    article = build_article(text, origin="x")
    assert len(article.sentences) == 1 and len(article.text) > 990_000
    found = {(e.type, e.name) for e in find_entities([article])}
    assert ("PER", "Nguyễn Văn Nam") in found and ("LOC", "Quảng Ninh") in found


def test_a_text_in_a_language_without_a_pack_gets_no_vietnamese_rules():
    text = ("Bundeskanzler Olaf Scholz traf am Montag in Berlin den französischen Präsidenten Emmanuel Macron. "
            "Die Gespräche im Kanzleramt dauerten drei Stunden, teilte ein Regierungssprecher mit.")
    article = build_article(text, origin="de.txt")
    if article.language in lang.REGISTRY:
        pytest.skip(f"a pack for {article.language!r} exists now")
    assert unread_languages([article]) == [article.language]
    assert find_entities([article]) == [] and find_entities([article], tagger=False) == []
    # Beside a Vietnamese report, only the Vietnamese one is read.
    vi = build_article("Thượng tướng Lương Tam Quang tiếp đoàn đại biểu tại Hà Nội hôm qua.", origin="vi.txt")
    assert {e.name for e in find_entities([article, vi])} == {"Lương Tam Quang", "Hà Nội"}


def test_confidence_bars_keep_only_the_spans_the_model_is_sure_of(tmp_path):
    """The shipped bars (entity_tagger.json) are read beside the model; a bar drops a model span
    whose words' marginals fall below it, and no bar keeps every span of the labels."""
    from newsfuse.entities import Known, lexicon
    from newsfuse.tagger import _shipped_settings, model_spans, rule_mentions, sentence_features

    pack = lang.get("vi")
    shipped = EntityTagger.of(pack)
    assert set(shipped.min_confidence) <= {"PER", "ORG", "LOC"} and all(0 < v < 1 for v in shipped.min_confidence.values())
    lx = lexicon(pack)
    text = ("Chiều 26/6, Thượng tướng Lương Tam Quang đã tiếp Thứ trưởng Bộ Công an Lào Thạch Hảo Dũng "
            "tại Hà Nội; bà Mai Linh và ông Krit cùng dự.")
    known = Known()
    _, _, rules, _ = rule_mentions(lx, text, known)
    words, folded = known.read[text]
    features = sentence_features(lx, words, folded, rules)
    plain = EntityTagger(shipped.model)
    labels = plain.labels(features)
    assert plain.spans(lx, words, features) == model_spans(lx, words, labels) != []
    assert EntityTagger(shipped.model, {"PER": 1.01, "ORG": 1.01, "LOC": 1.01}).spans(lx, words, features) == []
    some = EntityTagger(shipped.model, {"PER": 0.5}).spans(lx, words, features)
    assert set(some) <= set(model_spans(lx, words, labels))
    bad = tmp_path / "m.crfsuite"
    bad.write_bytes(shipped.model.read_bytes())
    bad.with_suffix(".json").write_text("{\"min_confidence\": 3}", encoding="utf-8")
    with pytest.raises(ValueError, match="m.json: not a tagger settings file"):
        _shipped_settings(bad)
    bad.with_suffix(".json").write_text("{\"features\": [\"clusters2\"]}", encoding="utf-8")
    with pytest.raises(ValueError, match="m.json: not a tagger settings file .*clusters2"):
        _shipped_settings(bad)


def test_the_shipped_model_reads_the_attribute_groups_it_was_trained_with():
    """The settings beside the model name its attribute groups; a model read with other attributes
    than it learnt would tag from features it never saw."""
    from newsfuse.entities import Known, lexicon
    from newsfuse.tagger import FEATURE_GROUPS, rule_mentions, sentence_features

    shipped = EntityTagger.of(lang.get("vi"))
    assert shipped.features == FEATURE_GROUPS == ("boundary",)
    lx = lexicon(lang.get("vi"))
    text = "Hội đồng thành viên công ty TNHH chứng khoán ACB công bố quyết định."
    known = Known()
    _, _, rules, _ = rule_mentions(lx, text, known)
    words, folded = known.read[text]
    base = sentence_features(lx, words, folded, rules, groups=())
    full = sentence_features(lx, words, folded, rules)
    extra = [f[len(b):] for f, b in zip(full, base)]
    assert all(f[:len(b)] == b for f, b in zip(full, base))  # the group only adds
    at = {w: k for k, w in reversed(list(enumerate(words)))}  # a word's first place
    assert "ow=B" in extra[at["chứng"]] and "ow=I" in extra[at["khoán"]] and "lhead" in extra[at["công"]]
    assert "lhead" not in extra[words.index("bố") - 1]  # `công bố` heads nothing


def test_a_lower_case_word_inside_an_organisations_name_keeps_the_name_whole():
    """The boundary attributes (the case pattern around a word, how near the capitalised words and
    the last organisation head stand): a sentence of the shared corpus (cluster_45, article
    12301039), in none of the labelled sets. The model trained without them (main before it) cut the
    name at `ô tô` and made `Việt Nam` a place of its own."""
    text = ("Ngày 30/10, tại Hà Nội đã diễn ra cuộc họp giữa Bộ Giao thông Vận tải (GTVT) với Hiệp hội Vận tải "
            "ô tô Việt Nam, Chi hội những nhà sản xuất thiết bị giám sát hành trình (GSHT), Bộ Thông tin và "
            "Truyền thông cùng các doanh nghiệp viễn thông cung cấp dịch vụ 3G.")
    found = _found(text)
    assert ("ORG", "Hiệp hội Vận tải ô tô Việt Nam") in found
    assert ("ORG", "Hiệp hội Vận tải") not in found and ("LOC", "Việt Nam") not in found


def test_boundary_attributes_look_up_only_where_a_word_may_start_one():
    """The boundary group reads roles, lower-case organisation heads and institution phrases only
    at words that may start one (`_Word`), and its distances from small tables: what it gives is
    what looking at every word gave (main before the change, this sentence read by both)."""
    from newsfuse.entities import Known, lexicon
    from newsfuse.tagger import boundary_features, rule_mentions

    lx = lexicon(lang.get("vi"))
    text = "Phó Chủ tịch Ủy ban nhân dân tỉnh Nguyễn Văn An và các cán bộ " + "làm " * 100 + "việc Hà Nội."
    known = Known()
    _, _, rules, _ = rule_mentions(lx, text, known)
    words, folded = known.read[text]
    places = ["B-place" if w == "Hà" else "I-place" if w == "Nội" else "" for w in words]
    got = boundary_features(lx, words, folded, places)
    assert got[1] == ["cp=XXx", "cpl=^XX", "cpr=XxX", "sh=-", "inrole"]  # `Chủ tịch`, inside the role `Phó Chủ tịch`
    assert got[2] == ["cp=XxX", "cpl=XXx", "cpr=xXx", "sh=-", "caps=1|1", "inrole"]
    assert got[4] == ["cp=Xxx", "cpl=xXx", "cpr=xxx", "sh=0", "ow1", "caps=1|4", "lhead"]  # `ban` as `Ban`
    assert got[5][3:] == ["sh=1", "ow=B", "ow|cp=B|xx", "caps=2|3"] and got[6][4] == "ow=I"  # `nhân dân`
    assert got[11] == ["cp=Xxx", "cpl=XXx", "cpr=xxx", "sh=6", "caps=1|-", "and=X|x"]  # `và`, then `,`-free words
    assert got[12][-1] == "after_join|x" and got[10][-1] == "before_join|X"
    late = len(words) - 5  # the last `làm`: 99 or more words from `An`, which counts as none
    assert got[late] == ["cp=xxx", "cpl=xxx", "cpr=xxX", "sh=-", "caps=-|2"]
    assert got[len(words) - 4][-1] == "caps=-|1" and "head|after_place" not in sum(got, [])
