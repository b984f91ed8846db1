"""Where the cross-validated tagger loses organisations (issue 14): its ORG errors by cause.

    python bench/entity_errors.py [--folds 3] [--seed 0] [--bars shipped|none] [--compare-org-cue]
                                  [--cache DIR] [--out FILE] [--dump FILE.jsonl]

The folds, the recipe and the stories are bench/entity_cv.py's (3 folds by story over every story of
`entity_labels.SETS`, `random.Random(0)`, the shipped CRF recipe and, by default, the shipped
confidence bars): each fold's CRF is trained on the other folds' stories and only its held-out stories
are read here. Nothing is tuned: the bench classifies errors, it chooses nothing.

Span level (each held-out sentence; the spans bench/entity_quality.py scores, outermost, a place with
or without its cue word), every ORG error once from the side it costs:
- a labelled organisation not found exactly (a miss of recall):
  - **wrong type**: a span found over its words as PER or LOC (same extent, or another one);
  - **boundary**: an ORG span overlaps it with another extent: too long (it holds the label and more),
    too short (inside the label), or crossing;
  - **missed entirely**: no span overlaps it. Misses are sorted by simple surface tests of the
    labelled name, written here and not in the product, first that holds: an acronym (`VFF`, `PVN`,
    a stock ticker), a company (`Công ty`, `Tập đoàn`, `Ngân hàng` ...), a ministry or state body
    (`Bộ`, `Sở`, `Ủy ban`, police, army units, the Party's committees), a sports team (a team word in
    the name, or a sports word in its sentence and no institution head), a foreign organisation in
    Latin script (no Vietnamese letter, not an acronym), other (split by whether an institution
    word heads it);
- an ORG span that is not a label (a miss of precision): **boundary** (it overlaps a labelled
  organisation), **ORG for a person or place** (it overlaps a PER/LOC label only), **spurious** (it
  overlaps no label).
Beside each cause: what the ORG F1 would be with that cause's errors all put right (each miss found
exactly, each wrong span taken away), the others as they are.

Story level (as the README's figures: an entity is right when its type matches and one of its
spellings is a labelled one, tone marks and case folded): the ORG entities not found and the ones
found wrongly, by the same causes (a labelled organisation by the best of its mentions' outcomes),
and what one name written several ways costs: labelled organisations that are lost although a
mention was found exactly at span level, found entities that are another spelling of a labelled
organisation (the same letters without spaces and marks, or its initials), and how labelled
organisations with several spellings fare against those with one.

`--compare-org-cue` scores the same held-out stories with the model's spans read as before
2026-12-04 (`cut_org_cue_spans`: a lower-case organisation head before the name cut, `trường` of
`trường Đại học Ngân hàng`) beside the product's reading, which keeps it, and prints the product's
gain per fold and pooled with a bootstrap over stories (bench/entity_cv.py's `report_gain`).
`--dump` writes every error, to be read; `--cache` keeps the folds' models and sentences between
runs (they are deterministic for the same labels and code).
"""

from __future__ import annotations

import argparse
import collections
import json
import pickle
import random
import re
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402
import entity_cv  # noqa: E402
import entity_labels  # noqa: E402
import entity_quality as eq  # noqa: E402

from newsfuse.tagger import EntityTagger, _shipped_settings, spans_of  # noqa: E402
from newsfuse.text import fold  # noqa: E402

# ---------------------------------------------------------------- surface tests of a missed name

COMPANY_HEADS = ("công ty", "tổng công ty", "tập đoàn", "ngân hàng", "ctcp", "cty", "hãng", "nhà máy",
                 "doanh nghiệp", "công ty cổ phần", "công ty tnhh", "tnhh", "quỹ đầu tư", "sở giao dịch")
STATE_HEADS = ("bộ", "sở", "cục", "tổng cục", "vụ", "ủy ban", "uỷ ban", "ubnd", "ub", "hđnd", "quốc hội",
               "chính phủ", "tòa án", "toà án", "tand", "viện kiểm sát", "vks", "vksnd", "công an", "ca",
               "thanh tra", "văn phòng", "ban", "hội đồng", "đảng", "tỉnh ủy", "tỉnh uỷ", "thành ủy",
               "thành uỷ", "huyện ủy", "quận ủy", "đảng ủy", "trung ương", "t.ư", "tw", "quân đội",
               "quân khu", "quân chủng", "quân đoàn", "sư đoàn", "trung đoàn", "lữ đoàn", "tiểu đoàn",
               "bộ tư lệnh", "bộ đội", "hải quân", "không quân", "cảnh sát", "lực lượng", "kho bạc",
               "đại sứ quán", "lãnh sự quán", "tổng lãnh sự quán", "nhà trắng", "lầu năm góc", "mặt trận",
               "kiểm toán", "chi cục", "phòng", "đồn", "bộ chính trị", "ban bí thư", "nội các", "bộ ngoại giao",
               "hạt kiểm lâm", "trạm", "cơ quan")
INSTITUTION_HEADS = ("trường", "đại học", "đh", "học viện", "viện", "bệnh viện", "bv", "trung tâm", "hội",
                     "hiệp hội", "liên đoàn", "liên minh", "tổ chức", "báo", "đài", "tạp chí", "thông tấn xã",
                     "nhà xuất bản", "câu lạc bộ", "diễn đàn", "phong trào", "khoa", "bảo tàng", "nhà hát",
                     "đoàn", "liên hợp quốc", "liên hiệp quốc", "quỹ", "chương trình", "ủy hội", "giáo hội")
TEAM_WORDS = ("clb", "fc", "f.c", "đội", "đội tuyển", "đt", "u17", "u19", "u20", "u21", "u22", "u23",
              "olympic", "united", "city", "real", "athletic", "atletico", "sporting", "club", "inter", "ac",
              "as", "ss", "sc", "hagl", "shb", "t&t", "xm", "fico")
SPORTS_CONTEXT = ("bóng đá", "trận", "cầu thủ", "hlv", "ghi bàn", "bàn thắng", "thủ môn", "tiền đạo",
                  "hậu vệ", "tiền vệ", "v-league", "v.league", "sân", "vòng", "giải", "mùa giải", "đội bóng",
                  "hiệp", "tỷ số", "tỉ số", "đánh bại", "hòa", "thắng", "thua", "premier league", "champions league",
                  "cúp", "bảng xếp hạng", "đội khách", "đội chủ nhà", "vô địch")
VIETNAMESE_LETTERS = set("ăâđêôơưĂÂĐÊÔƠƯ")


def _has_vietnamese(name: str) -> bool:
    """A letter English does not write: a Vietnamese base letter or a tone mark."""
    for ch in name:
        if ch in VIETNAMESE_LETTERS:
            return True
        if any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", ch)):
            return True
    return False


def _is_acronym(name: str) -> bool:
    """Every word an acronym-like token (`VFF`, `PVN`, `T.Ư`, `HAGL`, `SSI`), or one word of two
    capitals or more standing for the whole name (`Đoàn TNCS` is not: it has a plain word)."""
    words = name.split()
    caps = [w for w in words if sum(c.isupper() for c in w) >= 2 and not any(c.islower() for c in w.replace("ư", ""))]
    return bool(words) and len(caps) == len(words)


def _starts_with(folded: str, heads) -> bool:
    return any(folded == fold(h) or folded.startswith(fold(h) + " ") for h in heads)


def name_class(name: str, sentence: str) -> str:
    """The first surface test the labelled name passes (the module's docstring gives the order)."""
    f = fold(name)
    words = f.split()
    if _is_acronym(name):
        return "acronym"
    if _starts_with(f, COMPANY_HEADS):
        return "company"
    if _starts_with(f, STATE_HEADS):
        return "ministry / state body"
    headed = _starts_with(f, INSTITUTION_HEADS)
    s = f" {fold(sentence)} "
    if any(w in TEAM_WORDS for w in words) or (not headed and any(f" {fold(c)} " in s for c in SPORTS_CONTEXT)):
        return "sports team"
    if not _has_vietnamese(name) and any(c.isalpha() for c in name):
        return "foreign, Latin script"
    return "other, institution head" if headed else "other, bare name"


MISS_CLASSES = ("acronym", "company", "ministry / state body", "sports team", "foreign, Latin script",
                "other, institution head", "other, bare name")

# ---------------------------------------------------------------- span-level errors


def _overlap(a, b) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def span_errors(predicted, gold) -> tuple[int, int, int, list[tuple[str, tuple, tuple | None]], list[tuple[str, tuple, tuple | None]]]:
    """(right ORG spans, ORG spans found, ORG labels, misses [(cause, label, span)], wrong spans
    [(cause, span, label)]) of one sentence; spans (start, end, type) in words."""
    p = set(predicted)
    g = set(gold)
    p_org = [s for s in p if s[2] == "ORG"]
    g_org = [s for s in g if s[2] == "ORG"]
    misses, wrong = [], []
    for lab in sorted(g_org):
        if lab in p:
            continue
        over = sorted(s for s in p if _overlap(s, lab))
        same = [s for s in over if s[:2] == lab[:2]]
        orgs = [s for s in over if s[2] == "ORG"]
        if same:
            misses.append((f"wrong type, same extent ({same[0][2]})", lab, same[0]))
        elif orgs:
            s = orgs[0]
            how = ("too long" if s[0] <= lab[0] and lab[1] <= s[1] else
                   "too short" if lab[0] <= s[0] and s[1] <= lab[1] else "crossing")
            misses.append((f"boundary, {how}", lab, s))
        elif over:
            misses.append((f"wrong type, other extent ({over[0][2]})", lab, over[0]))
        else:
            misses.append(("missed entirely", lab, None))
    for s in sorted(p_org):
        if s in g:
            continue
        over = sorted(x for x in g if _overlap(x, s))
        orgs = [x for x in over if x[2] == "ORG"]
        if orgs:
            lab = orgs[0]
            how = ("too long" if s[0] <= lab[0] and lab[1] <= s[1] else
                   "too short" if lab[0] <= s[0] and s[1] <= lab[1] else "crossing")
            wrong.append((f"boundary, {how}", s, lab))
        elif over:
            kind = "same extent" if any(x[:2] == s[:2] for x in over) else "other extent"
            wrong.append((f"ORG for a {over[0][2]} label, {kind}", s, over[0]))
        else:
            wrong.append(("spurious (no label overlaps)", s, None))
    right = len([s for s in p_org if s in g])
    return right, len(p_org), len(g_org), misses, wrong


def boundary_kind(label: str, found: str) -> str:
    """How a found ORG span's extent differs from the label's (words as the tagger reads them)."""
    lab, got = label.split(), found.split()
    n = len(lab) - len(got)
    if n > 0 and lab[n:] == got:
        if all(w.islower() for w in lab[:n]):
            return "too short: the label's lower-case cue word left out (`trường` Wharton)"
        return "too short: cut at the start"
    if n > 0 and lab[:len(got)] == got:
        nxt = lab[len(got)]
        if nxt[:1].isdigit():
            return "too short: a number at the end left off"
        if not nxt[:1].isalnum() or nxt in ("và", "&"):
            return "too short: cut at a comma, hyphen or `và` inside the name"
        if nxt.islower():
            return "too short: cut before a lower-case word of the name"
        return "too short: cut before a capitalised word"
    if n > 0:
        return "too short: a piece inside the name"
    if n < 0 and got[:len(lab)] == lab:
        return "too long: words after the name joined (a person, a place, a list)"
    if n < 0 and got[-len(lab):] == lab:
        return "too long: words before the name joined"
    if n < 0:
        return "too long: around the name"
    return "crossing"


def _f1(tp: int, n_sys: int, n_gold: int) -> float:
    return eq.prf(tp, n_sys, tp, n_gold)[2]


def _text(words, span) -> str:
    return " ".join(words[span[0]:span[1]])


def _context(words, span, width: int = 6) -> str:
    a, b = span[0], span[1]
    return (" ".join(words[max(0, a - width):a]) + " [" + " ".join(words[a:b]) + "] "
            + " ".join(words[b:b + width])).strip()


# ---------------------------------------------------------------- story-level errors


def _key(name: str) -> str:
    """A spelling without tone marks, case, spaces and punctuation (`TP.HCM` = `TP HCM`)."""
    return re.sub(r"[\W_]+", "", fold(name))


def _initials(name: str) -> str:
    """The capitals that open each word of a name of three words or more (`Ngân hàng Nhà nước` -> nhnn):
    an acronym of it."""
    words = [w for w in re.split(r"[\s\-]+", name) if w]
    if len(words) < 3:
        return ""
    return fold("".join(w[0] for w in words if w[0].isalpha()))


def _contains(a: str, b: str) -> bool:
    """One folded name inside the other as whole words."""
    fa, fb = f" {fold(a)} ", f" {fold(b)} "
    return fa != fb and (fa in fb or fb in fa)


def story_errors(found, gold) -> tuple[list, list]:
    """The labelled ORG entities not found and the found ORG entities that are no label, as the
    story-level score counts them (`entity_quality.score_entities`)."""
    gold_keys = [(g["type"], {fold(n) for n in [g["name"], *g["aliases"]]}) for g in gold]
    hit = [False] * len(gold)
    wrong = []
    for kind, names in found:
        keys = {fold(n) for n in names}
        match = [k for k, (gk, gn) in enumerate(gold_keys) if gk == kind and keys & gn]
        for k in match:
            hit[k] = True
        if kind == "ORG" and not match:
            wrong.append(names)
    lost = [g for g, h in zip(gold, hit) if g["type"] == "ORG" and not h]
    return lost, wrong


def wrong_entity_cause(names: list[str], gold: list[dict]) -> tuple[str, str]:
    """Why a found ORG entity is no label: another spelling of a labelled organisation, a labelled
    person's or place's name, part of (or more than) a labelled name, or none of these."""
    org = [g for g in gold if g["type"] == "ORG"]
    other = [g for g in gold if g["type"] != "ORG"]
    spell = lambda g: [g["name"], *g["aliases"]]  # noqa: E731
    for g in org:
        keys = {_key(n) for n in spell(g)} | {i for n in spell(g) if (i := _initials(n))}
        if any(_key(n) in keys for n in names) or any(_initials(n) and _initials(n) == _key(x)
                                                      for n in names for x in spell(g)):
            return "another spelling of a labelled organisation", g["name"]
    for g in other:
        if {fold(n) for n in names} & {fold(n) for n in spell(g)}:
            return f"a labelled {g['type']}'s name", g["name"]
    for g in org:
        if any(_contains(n, x) for n in names for x in spell(g)):
            return "part of or more than a labelled organisation", g["name"]
    for g in other:
        if any(_contains(n, x) for n in names for x in spell(g)):
            return f"part of or more than a labelled {g['type']}", g["name"]
    return "spurious (no label near it)", ""


# ---------------------------------------------------------------- one fix, measured against the reading before it


def cut_org_cue_spans(lx, words, labels):
    """`tagger.model_spans` as it was before 2026-12-04: every lower-case word before a span is
    cut, an organisation's head too (`trường` before `Đại học Ngân hàng`)."""
    out = []
    for s, e, kind in spans_of(labels):
        while s < e - 1 and (words[s].islower() or (kind == "PER" and (lx.fold(words[s]) in lx.roles
                                                                       or lx.fold(words[s]) in lx.honorifics))):
            s += 1
        if words[s][:1].isupper() or words[s][:1].isdigit():
            out.append((s, e, kind))
    return out


class CutOrgCueTagger(EntityTagger):
    """The same CRF and bars, its spans read by `cut_org_cue_spans`."""

    def spans(self, lx, words, features):
        labels = self.labels(features)
        spans = cut_org_cue_spans(lx, words, labels)
        if not self.min_confidence or not spans:
            return spans
        tagger = self._tagger()
        return [(s, e, kind) for s, e, kind in spans
                if min(tagger.marginal(labels[k], k) for k in range(s, e)) >= self.min_confidence.get(kind, 0.0)]


# ---------------------------------------------------------------- the run


def _examples(items: list, n: int = 3) -> list:
    """`n` examples spread over the list (not the first stories only)."""
    if len(items) <= n:
        return items
    step = len(items) / n
    return [items[int(k * step)] for k in range(n)]


def _most_in(sets, before: str = "; ", after: str = "") -> str:
    """The two sets that hold most of a class, when one holds a third or more of it."""
    counts = collections.Counter(sets)
    total = sum(counts.values())
    top = counts.most_common(2)
    if not top or top[0][1] * 3 < total:
        return ""
    return before + "most in " + ", ".join(f"{s} {n}" for s, n in top) + after


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--bars", choices=("shipped", "none"), default="shipped",
                    help="the shipped confidence bars (entity_tagger.json) or none (bench/entity_cv.py's CV row)")
    ap.add_argument("--cache", type=Path, help="keep the folds' models and sentences here and read them again")
    ap.add_argument("--out", type=Path, help="also write the report to this file")
    ap.add_argument("--compare-org-cue", action="store_true",
                    help="also score each held-out story with the model's spans read as before 2026-12-04 (a lower-case "
                         "organisation head before the name cut, `cut_org_cue_spans`) and print the product's gain "
                         "over it, with a bootstrap over stories")
    ap.add_argument("--dump", type=Path, help="write every ORG error here, one JSON object a line, to be read")
    args = ap.parse_args(argv)
    corpus.require_shared()
    started = time.perf_counter()
    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    stories = entity_cv.labelled_stories()
    order = list(range(len(stories)))
    random.Random(args.seed).shuffle(order)
    fold_of = {k: n % args.folds for n, k in enumerate(order)}
    cache = args.cache
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
    tag = f"{len(stories)}s-{args.folds}f-{args.seed}"
    sentences = None
    if cache is not None and (cache / f"sentences-{tag}.pickle").is_file():
        sentences = pickle.loads((cache / f"sentences-{tag}.pickle").read_bytes())
    if sentences is None:
        sentences = [entity_labels.story_sentences(st) for _, st, _, _ in stories]
        if cache is not None:
            (cache / f"sentences-{tag}.pickle").write_bytes(pickle.dumps(sentences))
    lx = eq.LEXICON()
    shipped = Path(entity_labels.__file__).parents[1] / "src" / "newsfuse" / "lang" / "vi" / "entity_tagger.crfsuite"
    bars = _shipped_settings(shipped)[0] if args.bars == "shipped" else {}
    algorithm, params = entity_labels.TRAINERS["crf"]
    say(f"# bench/entity_errors.py — {corpus.machine()}")
    say(f"# {len(stories)} stories of {len(entity_labels.SETS)} sets, {args.folds} folds by story "
        f"(random.Random({args.seed})), as bench/entity_cv.py; CRF {algorithm} {params}; bars "
        + (json.dumps(bars) if bars else "none") + "; held-out folds only, nothing tuned")

    span_tp = span_sys = span_gold = 0
    misses: list[tuple] = []  # (cause, set, labelled name, found, context, sentence text)
    wrongs: list[tuple] = []  # (cause, set, found name, label, context)
    story_counts: dict = {}
    lost_all: list[tuple] = []  # (set, story, gold entity, best span outcome)
    wrong_all: list[tuple] = []  # (set, story, names, cause, label)
    several = {"one spelling": [0, 0], "several spellings": [0, 0]}  # [labelled, found]
    before, after = "ORG cue cut (before)", "ORG cue kept (product)"
    by_story: dict[str, dict[int, dict]] = {before: {}, after: {}}
    span_variant: dict[str, dict] = {before: {}, after: {}}
    with tempfile.TemporaryDirectory() as tmp:
        for fold_n in range(args.folds):
            path = (cache or Path(tmp)) / f"model-{tag}-{fold_n}.crfsuite"
            if not path.is_file():
                items = [(s.features, s.labels) for k, ss in enumerate(sentences) if fold_of[k] != fold_n for s in ss]
                entity_labels.train(items, path, "crf")
            tagger = EntityTagger(path, bars)
            predict = eq._tagger_spans(tagger)
            variant = CutOrgCueTagger(path, bars) if args.compare_org_cue else None
            for k, (set_name, story, label, articles) in enumerate(stories):
                if fold_of[k] != fold_n:
                    continue
                # the outcome of each labelled ORG mention, by its folded name
                outcome: dict[str, set[str]] = {}
                for s in sentences[k]:
                    pred = {entity_labels.loc_core(s.words, x, lx)
                            for x in entity_labels.outermost(list(predict(s))) if x[2] in eq.TYPES}
                    gold = {entity_labels.loc_core(s.words, x, lx) for x in spans_of(s.labels)}
                    tp, n_sys, n_gold, miss, wrong = span_errors(pred, gold)
                    span_tp, span_sys, span_gold = span_tp + tp, span_sys + n_sys, span_gold + n_gold
                    sentence = " ".join(s.words)
                    for lab in gold:
                        if lab[2] == "ORG" and lab in pred:
                            outcome.setdefault(_key(_text(s.words, lab)), set()).add("found")
                    for cause, lab, found in miss:
                        outcome.setdefault(_key(_text(s.words, lab)), set()).add(cause.split(",")[0])
                        misses.append((cause, set_name, _text(s.words, lab), found and _text(s.words, found),
                                       _context(s.words, lab), sentence, story.story))
                    for cause, found, lab in wrong:
                        wrongs.append((cause, set_name, _text(s.words, found), lab and _text(s.words, lab),
                                       _context(s.words, found), story.story))
                found = eq.newsfuse_entities(articles, tagger)
                eq._add(story_counts, eq.score_entities(found, label["entities"]))
                if variant is not None:
                    by_story[after][k] = eq.score_entities(found, label["entities"])
                    by_story[before][k] = eq.score_entities(eq.newsfuse_entities(articles, variant), label["entities"])
                    eq._add(span_variant[before], eq._span_counts_of(sentences[k], eq._tagger_spans(variant), lx))
                    eq._add(span_variant[after], eq._span_counts_of(sentences[k], predict, lx))
                lost, wrong = story_errors(found, label["entities"])
                lost_ids = {id(g) for g in lost}
                for g in label["entities"]:
                    if g["type"] != "ORG":
                        continue
                    spellings = {fold(n) for n in [g["name"], *g["aliases"]]}
                    bucket = several["several spellings" if len(spellings) > 1 else "one spelling"]
                    bucket[0] += 1
                    bucket[1] += id(g) not in lost_ids
                for g in lost:
                    seen = set().union(*(outcome.get(_key(n), set()) for n in [g["name"], *g["aliases"]]))
                    best = next((c for c in ("found", "boundary", "wrong type", "missed entirely") if c in seen),
                                "no mention in the text")
                    lost_all.append((set_name, story.story, g, best))
                for names in wrong:
                    cause, lab = wrong_entity_cause(names, label["entities"])
                    wrong_all.append((set_name, story.story, names, cause, lab))
            say(f"# fold {fold_n + 1}/{args.folds} done, {time.perf_counter() - started:.0f} s")

    # ------------------------------------------------------------ span level
    miss_n, wrong_n = len(misses), len(wrongs)
    f1 = _f1(span_tp, span_sys, span_gold)
    say(f"\n## span level, ORG: {span_gold} labels, {span_sys} found, {span_tp} right: "
        "P {:.3f} R {:.3f} F1 {:.3f}".format(*eq.prf(span_tp, span_sys, span_tp, span_gold)))
    say(f"{miss_n} labels not found exactly (recall), {wrong_n} ORG spans that are no label (precision)")

    def by_cause(rows) -> dict[str, list]:
        out: dict[str, list] = {}
        for r in rows:
            out.setdefault(r[0], []).append(r)
        return dict(sorted(out.items(), key=lambda x: -len(x[1])))

    def group(cause: str) -> str:
        return cause.split(",")[0].split(" (")[0]

    say("\n### by cause, the two sides together (F1 if this cause's errors were all put right)")
    groups: dict[str, list[int]] = {}
    for c, *_ in misses:
        groups.setdefault(group(c), [0, 0])[0] += 1
    for c, *_ in wrongs:
        groups.setdefault(group(c), [0, 0])[1] += 1
    say(f"{'cause':<34} {'labels lost':>11} {'wrong spans':>11} {'F1 fixed':>9} {'gain':>7}")
    for cause, (fn, fp) in sorted(groups.items(), key=lambda x: -(x[1][0] + x[1][1])):
        fixed = _f1(span_tp + fn, span_sys + fn - fp, span_gold)
        say(f"{cause:<34} {fn:>11} {fp:>11} {fixed:>9.3f} {fixed - f1:>+7.3f}")
    say(f"{'all':<34} {miss_n:>11} {wrong_n:>11} {1.0:>9.3f} {1.0 - f1:>+7.3f}")

    say("\n### labels not found exactly, by cause (3 examples each: the label in [ ], then what was found)")
    for cause, rows in by_cause(misses).items():
        say(f"- {cause}: {len(rows)} ({len(rows) / miss_n:.0%})")
        for _, set_name, name, got, ctx, *_ in _examples(rows):
            say(f"    {set_name}: {ctx}" + (f"  -> found `{got}`" if got else ""))

    say("\n### boundary errors by how the extent differs (labels not found exactly, then ORG spans that are no label)")
    sub: dict[str, list[int]] = {}
    examples: dict[str, list] = {}
    for r in misses:
        if r[0].startswith("boundary"):
            k = boundary_kind(r[2], r[3])
            sub.setdefault(k, [0, 0])[0] += 1
            examples.setdefault(k, []).append(f"`{r[2]}` -> `{r[3]}` ({r[1]})")
    for r in wrongs:
        if r[0].startswith("boundary"):
            sub.setdefault(boundary_kind(r[3], r[2]), [0, 0])[1] += 1
    for k, (fn, fp) in sorted(sub.items(), key=lambda x: -sum(x[1])):
        say(f"- {k}: {fn} / {fp}: " + "; ".join(_examples(examples.get(k, []))))

    say("\n### missed entirely, by what the labelled name is (surface tests of this bench)")
    missed = [r for r in misses if r[0] == "missed entirely"]
    classes: dict[str, list] = {c: [] for c in MISS_CLASSES}
    for r in missed:
        classes[name_class(r[2], r[5])].append(r)
    for c, rows in sorted(classes.items(), key=lambda x: -len(x[1])):
        distinct = len({fold(r[2]) for r in rows})
        say(f"- {c}: {len(rows)} mentions ({distinct} distinct names{_most_in(r[1] for r in rows)})"
            + (": " + "; ".join(f"`{r[2]}` ({r[1]})" for r in _examples(rows)) if rows else ""))
    say("  all labels not found exactly, by the same tests: " + ", ".join(
        f"{c} {n}" for c, n in sorted(
            ((c, sum(name_class(r[2], r[5]) == c for r in misses)) for c in MISS_CLASSES), key=lambda x: -x[1])))

    say("\n### ORG spans that are no label, by cause (3 examples each: the span in [ ], then the label it overlaps)")
    for cause, rows in by_cause(wrongs).items():
        say(f"- {cause}: {len(rows)} ({len(rows) / wrong_n:.0%})")
        for _, set_name, got, lab, ctx, _ in _examples(rows):
            say(f"    {set_name}: {ctx}" + (f"  -> label `{lab}`" if lab else ""))
    spurious = [r for r in wrongs if r[0].startswith("spurious")]
    if spurious:
        say("  spurious spans by the same surface tests: " + ", ".join(
            f"{c} {n}" for c, n in sorted(((c, sum(name_class(r[2], r[4]) == c for r in spurious))
                                           for c in MISS_CLASSES), key=lambda x: -x[1])))

    # ------------------------------------------------------------ story level
    c = story_counts["ORG"]
    p, rec, f = eq.prf(*c)
    say(f"\n## story level, ORG (the README's figure): {c[3]} labelled organisations, {c[1]} found, "
        f"{c[2]} labels found, {c[0]} found right: P {p:.3f} R {rec:.3f} F1 {f:.3f}")
    say(f"{len(lost_all)} labelled organisations not found; {len(wrong_all)} found ORG entities that are no label")
    say("\n### labelled organisations not found, by the best outcome of their mentions at span level")
    outcomes: dict[str, list] = {}
    for row in lost_all:
        outcomes.setdefault(row[3], []).append(row)
    for cause, rows in sorted(outcomes.items(), key=lambda x: -len(x[1])):
        n = len(rows)  # found too: one more right entity each, the rest as it is
        fixed = 2 * ((c[0] + n) / (c[1] + n)) * ((c[2] + n) / c[3]) / ((c[0] + n) / (c[1] + n) + (c[2] + n) / c[3])
        say(f"- {cause}{' exactly (lost when the story resolves its entities)' if cause == 'found' else ''}: "
            f"{n} ({n / len(lost_all):.0%}; all found: F1 {fixed:.3f}, {fixed - f:+.3f}): " + "; ".join(
                f"`{g['name']}`" + (f" (+{len(g['aliases'])} spellings)" if g["aliases"] else "") + f" ({s})"
                for s, _, g, _ in _examples(rows)))
    lost_classes: dict[str, list] = {}
    for set_name, _, g, _ in lost_all:
        lost_classes.setdefault(name_class(g["name"], ""), []).append(set_name)
    say("  by the surface tests (the name alone, no sentence): " + ", ".join(
        f"{k} {len(v)}{_most_in(v, ' (', ')')}" for k, v in sorted(lost_classes.items(), key=lambda x: -len(x[1]))))
    say("\n### found ORG entities that are no label, by cause")
    causes: dict[str, list] = {}
    for row in wrong_all:
        causes.setdefault(row[3], []).append(row)
    for cause, rows in sorted(causes.items(), key=lambda x: -len(x[1])):
        n = len(rows)  # taken away: one found entity fewer each
        fixed = 2 * (c[0] / (c[1] - n)) * rec / (c[0] / (c[1] - n) + rec)
        say(f"- {cause}: {n} ({n / len(wrong_all):.0%}; all taken away: F1 {fixed:.3f}, {fixed - f:+.3f}): " + "; ".join(
            f"`{' / '.join(names[:3])}`" + (f" for `{lab}`" if lab else "") + f" ({s})"
            for s, _, names, _, lab in _examples(rows)))

    say("\n### one name written several ways (aliases)")
    for k, (n, hit) in several.items():
        say(f"- labelled organisations with {k}: {n}, found {hit} (recall {hit / n if n else 0:.3f})")
    alias_fp = len(causes.get("another spelling of a labelled organisation", []))
    resolved = len(outcomes.get("found", []))
    # A found entity that is another spelling of a labelled one: counted right if the labels listed that spelling.
    fixed_p = (c[0] + alias_fp) / c[1] if c[1] else 0
    fixed_f = 2 * fixed_p * rec / (fixed_p + rec) if fixed_p + rec else 0
    say(f"- found entities that are another spelling of a labelled organisation (its letters without spaces "
        f"and marks, or its initials): {alias_fp}; counted right, ORG F1 {f:.3f} -> {fixed_f:.3f}")
    both_r = (c[2] + resolved) / c[3] if c[3] else 0
    both_f = 2 * fixed_p * both_r / (fixed_p + both_r) if fixed_p + both_r else 0
    say(f"- labelled organisations lost although a mention was found exactly (the found span went into an "
        f"entity of another type or name): {resolved}; with them found too, F1 -> {both_f:.3f}")
    several_lost = sum(1 for _, _, g, _ in lost_all if len({fold(n) for n in [g['name'], *g['aliases']]}) > 1)
    say(f"- of the {len(lost_all)} labelled organisations not found, {several_lost} have several labelled spellings")
    if args.compare_org_cue:
        import contextlib
        import io

        say("\n## one fix measured in the same run: the model's ORG span keeps a lower-case organisation head before "
            "the name (tagger.model_spans) against the reading before it, which cut it")
        head = f"{'':<34} " + " | ".join(f"{k} P     R     F1 " for k in eq.TYPES)
        say("span level\n" + head)
        for name, counts in span_variant.items():
            say(eq._row(name, counts))
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            entity_cv.report_gain(by_story, fold_of, args.folds, before, after)
        for line in buf.getvalue().splitlines():
            say(line)
    say(f"\n# {time.perf_counter() - started:.0f} s")
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as out:
            for cause, set_name, name, got, ctx, sentence, sid in misses:
                out.write(json.dumps({"level": "span", "side": "label not found", "cause": cause, "set": set_name,
                                      "story": sid, "label": name, "found": got, "class": name_class(name, sentence),
                                      "context": ctx}, ensure_ascii=False) + "\n")
            for cause, set_name, got, lab, ctx, sid in wrongs:
                out.write(json.dumps({"level": "span", "side": "span no label", "cause": cause, "set": set_name,
                                      "story": sid, "found": got, "label": lab, "context": ctx},
                                     ensure_ascii=False) + "\n")
            for set_name, sid, g, best in lost_all:
                out.write(json.dumps({"level": "story", "side": "label not found", "cause": best, "set": set_name,
                                      "story": sid, "label": g["name"], "aliases": g["aliases"],
                                      "class": name_class(g["name"], "")}, ensure_ascii=False) + "\n")
            for set_name, sid, names, cause, lab in wrong_all:
                out.write(json.dumps({"level": "story", "side": "entity no label", "cause": cause, "set": set_name,
                                      "story": sid, "found": names, "label": lab}, ensure_ascii=False) + "\n")
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
