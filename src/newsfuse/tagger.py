"""A learned tagger of people, organisations and places (issue 14), over the rules of `entities`.

The rules of `entities` were written reading labelled stories and score lower on each new set at
first contact; a model trained on span labels generalises further. The model is a linear-chain CRF
(python-crfsuite, the C library CRFsuite: no hand-written training or decoding) over the words of a
sentence as `entities` splits them, tagged B-/I-PER, ORG, LOC. Its features are the word and its
neighbours, their shape, the language pack's gazetteers and word lists (surnames, given names,
roles, organisation heads, cue words), and what the rules found there and which rule found it.

What the rules settle by construction stays with them, on top of the model (`RULES_ON_TOP`): a name
after a title that only people hold or after an honorific (`Thượng tướng Lương Tam Quang`, `ông
Tiến`, `Tổng thống Assad`), a name followed by its role (`X, chủ tịch của Y`), a place or an
organisation after its cue word (`tỉnh Quảng Tây`, `hãng tin AFP`, a stock ticker `mã VNM`), numbered places and streets
(`quận 9`, `15A/28 Lê Thánh Tôn`), a place written around a hyphen, a short name defined in
brackets (`(VSH)`), and what is no name at all (photo credits, a sentence's opening word after a
lost full stop, events). The model decides every other run: where an organisation's name ends
(`Bộ Quốc phòng` / `Peter Galvez`), a foreign given name, a team, a unit.

The model file ships in the language pack (`lang/vi/entity_tagger.crfsuite`), written by
`scripts/train_tagger.py` from the labelled sets it names; it is opened on first use, once per
thread (CRFsuite's tagger keeps per-call state), never at import.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .entities import (Known, Lexicon, Mention, Readings, _as_written, _is_first_name, _match, _role_at, _starts_other,
                       sentence_entities)
from .lang import LanguagePack

Span = tuple[int, int, str]  # words [start, end) of a sentence and the type

# Rules whose mentions stand whatever the model says (see the module's docstring); `person` only
# right after a title (role_age 0), the rest of what it finds is the model's to decide.
RULES_ON_TOP = frozenset({
    "title_and_foreign_name", "honorific_and_given_name", "name_then_role", "place_after_cue",
    "organisation_after_cue", "numbered_place", "street", "hyphenated_place", "known_alias", "nationality",
    "name_with_country", "ticker",
})
# Rules that read words as no name: the model finds none there either.
NO_NAME_RULES = frozenset({"credit", "not_a_name", "event_name", "storm_name", "sentence_opener", "attribution"})
TYPES = ("PER", "ORG", "LOC")


@dataclass(frozen=True, slots=True)
class RuleMention:
    kind: str
    name: str
    role: str | None
    start: int
    end: int
    rule: str
    on_top: bool
    index: int  # in the rules' list of the sentence


def rule_mentions(lx: Lexicon, text: str, known: Known) -> tuple[list[Mention], Known, list[RuleMention], list[tuple[int, int]]]:
    """What the rules find in a sentence, with the words each mention covers and the rule that
    found it; and the stretches of words the rules read as no name."""
    trace: list[tuple[str, int, int, int, int, int]] = []
    found, learned = sentence_entities(lx, text, known, trace)
    words, folded = known.read[text]
    spans: list[RuleMention] = []
    blocked: list[tuple[int, int]] = []
    for rule, start, end, role_age, first, n in trace:
        if (rule in NO_NAME_RULES or rule in RULES_ON_TOP) and not n:
            blocked.append((start, end))
        for k in range(first, first + n):
            kind, name, role = found[k]
            if kind == "ALIAS":
                continue
            s, e = _locate(lx, folded, name, start, end)
            on_top = rule in RULES_ON_TOP or (rule == "person" and role_age == 0) or (rule == "role" and kind == "ORG"
                                                                                     and e - s == 1)
            spans.append(RuleMention(kind, name, role, s, e, rule, on_top, k))
    return found, learned, spans, blocked


def _locate(lx: Lexicon, folded: list[str], name: str, start: int, end: int) -> tuple[int, int]:
    """The words of `name` inside the rule's stretch [start, end), else the stretch's capitalised
    part: a rule may name what it found otherwise than the text (a gazetteer's spelling, a known
    person's full name for `ông Shamanov`)."""
    target = lx.fold(name).replace(".", " . ").split()
    n = len(target)
    for s in range(start, max(start, end - n) + 1):
        if [w.rstrip(".") for w in folded[s:s + n]] == [t.rstrip(".") for t in target]:
            return s, s + n
    joined = lx.fold(name).replace(" ", "")
    for s in range(start, end):
        acc = ""
        for e in range(s, end):
            acc += folded[e]
            if acc == joined:
                return s, e + 1
            if not joined.startswith(acc):
                break
    return start, end


# ---------------------------------------------------------------- features


def _shape(w: str) -> str:
    out = []
    for c in w[:6]:
        k = "X" if c.isupper() else "x" if c.islower() else "d" if c.isdigit() else c
        if not out or out[-1] != k:
            out.append(k)
    return "".join(out)


# What a word gives the model whatever its sentence, and a run of words's gazetteer kind, kept per
# language pack for the process (a word recurs across sentences, articles and stories): bounded
# (about 1 kB a word), each cleared when full. The attributes are kept as UTF-8 bytes, the form
# CRFsuite reads: python-crfsuite encodes every `str` attribute of every call anew, which was a
# third of tagging a sentence (bench/results/tagger_speed.txt); `sentence_features` decodes them.
_CACHE_SIZE = 40_000


@dataclass(slots=True)  # (not frozen: a frozen dataclass's __init__ cost a third of making one; none is changed)
class _Word:
    """A word's attributes that depend on the word alone, and those it gives its neighbours, each
    group a tuple; and what the boundary group reads of the word alone (`_add_boundary`)."""

    plain: tuple[bytes, ...]  # its own attributes (`b`, `w=`, `s=`, ..., then foreign, surname, given)
    first: tuple[bytes, ...]  # the same with `first` where it goes, when it opens a sentence or a quote
    to_after2: tuple[bytes, ...]  # `w-2=...`, what it gives the word two after it
    to_next: tuple[bytes, ...]  # `w-1=...`, `s-1=...`, what it gives the word after it
    to_prev: tuple[bytes, ...]  # `w1=...`, `s1=...`
    to_before2: tuple[bytes, ...]  # `w2=...`
    pair_left: bytes  # `w-1|w=<it>|`, which the word after it ends with its own folded form
    pair_right: bytes  # `w|w+1=<it>|`, which it ends with the folded form of the word after it
    own: bytes  # its folded form
    pair_start: bytes  # `w-1|w=<s>|<it>`, when it opens the sentence
    cap: bool
    role_start: bool  # its folded form starts a role
    org_start: bool  # it starts an organisation's head
    opens: bool  # the word after it is `first`
    cues: tuple[bytes, ...]  # what it says of the word after it (`cue=loc`, ...)
    says: bool  # it is a verb of speaking (`says` for the word before it)
    says_start: bool  # it may start one of two words
    case: str  # `_case_class`
    role_first: bool  # a role (`_role_at`) may start on it: its folded form starts a role, or it a lower-case one
    lower_head: bool  # lower-case, and capitalised it starts an organisation's head (`công ty` as `Công ty`)
    org_word_lengths: tuple[int, ...]  # the lengths of the institution phrases it may start (`_org_word_starts`)
    joins: bool  # a dash or a `và` between names


def _word_features(lx: Lexicon, w: str, f: str) -> _Word:
    """A word's attributes that depend on the word alone, and what it gives its neighbours
    (`w-1=...` and `s-1=...` by offset, the cue it is to the next word)."""
    shape = _shape(w).encode()
    own = f.encode()
    after = []
    if w.isascii() and w.isalpha() and not lx.syllable.fullmatch(f):
        after.append(b"foreign")
    if w in lx.surnames:
        after.append(b"surname")
    if _is_first_name(lx, w):
        after.append(b"given")
    before = (b"b", b"w=" + own, b"s=" + shape, b"p3=" + f[:3].encode(), b"x3=" + f[-3:].encode())
    cues = []
    if f in lx.location_cues:
        cues.append(b"cue=loc")
    if w in lx.org_cues or f in lx.lower_org_cues:
        cues.append(b"cue=org")
    if f in lx.honorifics:
        cues.append(b"cue=honorific")
    if w in lx.nationality_cues or w in lx.language_cues:
        cues.append(b"cue=people")
    case = _case_class(w)
    return _Word((*before, *after), (*before, b"first", *after),
                 (b"w-2=" + own,), (b"w-1=" + own, b"s-1=" + shape), (b"w1=" + own, b"s1=" + shape), (b"w2=" + own,),
                 b"w-1|w=" + own + b"|", b"w|w+1=" + own + b"|", own, b"w-1|w=<s>|" + own,
                 lx.cap(w), f in lx.roles, w in lx.org_heads, w in _OPENS, tuple(cues), f in lx.says,
                 f in _says_starts(lx),
                 case, w[:1].isalpha() and (f in lx.roles or w in lx.lower_roles),
                 case == "x" and w[:1].upper() + w[1:] in lx.org_heads,
                 _org_word_starts(lx).get(w.lower(), ()) if w[:1].islower() else (),
                 case == "-" or w in lx.name_and)


def _words_alone(lx: Lexicon, words: Sequence[str], folded: Sequence[str]) -> list[_Word]:
    """Each word's `_Word`, kept per pack for the process."""
    store = _process_cache(lx, "_tagger_words")
    alone: list[_Word] = []
    for w, f in zip(words, folded):
        got = store.get((w, f))
        if got is None:
            got = store[(w, f)] = _word_features(lx, w, f)
        alone.append(got)
    return alone


# Word lists the tagger derives from the pack's once per process (not caches of what was read:
# `Lexicon.clear_caches` keeps them, so a benchmark's first reading does not rebuild them per story).
def _says_starts(lx: Lexicon) -> frozenset[str]:
    starts = lx.__dict__.get("_derived_says_starts")
    if starts is None:
        starts = lx.__dict__["_derived_says_starts"] = frozenset(x.split()[0] for x in lx.says if " " in x)
    return starts


def _process_cache(lx: Lexicon, name: str) -> dict:
    cache = lx.__dict__.get(name)
    if cache is None or len(cache) > _CACHE_SIZE:
        cache = lx.__dict__[name] = {}
    return cache


def _place_starts(lx: Lexicon) -> frozenset[str]:
    """The first words of the gazetteers' keys: a run whose first word is none of them is no place."""
    starts = lx.__dict__.get("_derived_place_starts")
    if starts is None:
        starts = lx.__dict__["_derived_place_starts"] = frozenset(
            k.split()[0] for table in (lx.places, lx.districts, lx.world_places) for k in table if k.split())
    return starts


def _gazetteer_kind(lx: Lexicon, joined: str, cache: dict) -> str:
    kind = cache.get(joined)
    if kind is None:
        key = lx.place_key(joined)
        kind = cache[joined] = ("place" if key in lx.places else "district" if key in lx.districts
                                else "world" if key in lx.world_places else "")
    return kind


_OPENS = "\"“‘'(-–:"


# Cluster paths' prefixes read as coarser clusters (the tree of scripts/build_word_clusters.py has
# 256 leaves at depths 3-15); the whole path names the word's own cluster.
CLUSTER_PREFIXES = (2, 4, 6, 8)


class WordClusters:
    """Words' clusters learnt from unlabelled text (`lang/vi/word_clusters.tsv`, written by
    scripts/build_word_clusters.py): for the model, a word it never saw labelled shares features with
    the words seen in its contexts. Keyed by the folded word; each word's attributes are made once."""

    def __init__(self, paths: Mapping[str, str]) -> None:
        self.paths = dict(paths)
        self.own = {w: (f"c={b}", *(f"c{n}={b[:n]}" for n in CLUSTER_PREFIXES if len(b) > n)) for w, b in self.paths.items()}
        self.left = {w: f"c-1={b}" for w, b in self.paths.items()}  # what a word says to the word after it
        self.right = {w: f"c1={b}" for w, b in self.paths.items()}

    @classmethod
    def load(cls, path: Path | str) -> WordClusters:
        path = Path(path)
        paths = {}
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line or line.startswith("#"):
                continue
            word, _, bits = line.partition("\t")
            if not word or not bits or set(bits) - {"0", "1"}:
                raise ValueError(f"{path}:{n}: not a word and its cluster's bits ({line[:60]!r})")
            paths[word] = bits
        return cls(paths)

    def features(self, folded: Sequence[str]) -> list[list[str]]:
        """Each word's cluster attributes: its own (path and prefixes) and its neighbours' paths."""
        own, left, right = self.own, self.left, self.right
        out = []
        last = len(folded) - 1
        for i, f in enumerate(folded):
            feats = list(own.get(f, ()))
            if i and folded[i - 1] in left:
                feats.append(left[folded[i - 1]])
            if i < last and folded[i + 1] in right:
                feats.append(right[folded[i + 1]])
            out.append(feats)
        return out


# Groups of attributes beyond the base ones that the recipe trains with now (a model's settings file
# names those it was trained with: `entity_tagger.json`'s "features"; bench/entity_cv.py
# --without-features measures a group against the recipe without it).
FEATURE_GROUPS: tuple[str, ...] = ("boundary",)


def sentence_features(lx: Lexicon, words: Sequence[str], folded: Sequence[str],
                      rules: Sequence[RuleMention], clusters: WordClusters | None = None,
                      groups: Sequence[str] = FEATURE_GROUPS) -> list[list[str]]:
    """CRFsuite's attributes for each word of a sentence, as strings (`encoded_features`, decoded:
    what training and the benches read; the tagger reads the bytes themselves)."""
    return [[x.decode() for x in feats] for feats in encoded_features(lx, words, folded, rules, clusters, groups)]


def encoded_features(lx: Lexicon, words: Sequence[str], folded: Sequence[str],
                     rules: Sequence[RuleMention], clusters: WordClusters | None = None,
                     groups: Sequence[str] = FEATURE_GROUPS) -> list[list[bytes]]:
    """CRFsuite's attributes for each word of a sentence, UTF-8 encoded (the form the library
    reads without converting). What depends on a word alone or
    on a name's spelling, which recurs across sentences and stories, is kept per pack for the
    process. With `clusters`, each word's cluster attributes follow (a model trained with them
    reads them); `groups`: the attribute groups beyond the base ones (`FEATURE_GROUPS`; the model
    must have been trained with the same)."""
    n = len(words)
    # The rules' tag of each word: its own attributes (`r=`, `rr=`, `rk=`) and those it gives its
    # neighbours (`r-1=`, `r1=`); `O` where no rule found a name.
    r_o, r_left_o, r_right_o = (b"r=O",), (b"r-1=O",), (b"r1=O",)
    here: list[tuple[bytes, ...]] = [r_o] * n
    r_left = [r_left_o] * n
    r_right = [r_right_o] * n
    tagged = [False] * n
    for m in rules:
        kind, name = m.kind.encode(), m.rule.encode()
        for k in range(m.start, m.end):
            if not tagged[k]:
                tagged[k] = True
                tag = (b"B-" if k == m.start else b"I-") + kind
                here[k] = (b"r=" + tag, b"rr=" + name, b"rk=" + kind + b"|" + name)
                r_left[k] = (b"r-1=" + tag,)
                r_right[k] = (b"r1=" + tag,)
    alone = _words_alone(lx, words, folded)
    gazetteer: list[bytes] = [b""] * n
    places = [""] * n  # the same as strings, for `boundary_features`
    gz_store = _process_cache(lx, "_tagger_gazetteer")
    place_starts = _place_starts(lx)
    place_key = lx.place_key
    for i in range(n):
        if gazetteer[i] or not alone[i].cap:
            continue
        head = place_key(words[i]).split()
        # (the key of words i.. starts with the key of word i, which starts no place: none is one)
        if not head or head[0] not in place_starts:
            continue
        for size in (4, 3, 2, 1):
            if i + size > n:
                continue
            kind = _gazetteer_kind(lx, " ".join(words[i:i + size]), gz_store)
            if kind:
                places[i] = "B-" + kind
                gazetteer[i] = places[i].encode()
                for k in range(i + 1, i + size):
                    places[k] = "I-" + kind
                    gazetteer[k] = places[k].encode()
                break
    says = lx.says
    org_heads = lx.org_heads
    start2, start1, end1, end2 = (b"w-2=<s>",), (b"w-1=<s>",), (b"w1=<s>",), (b"w2=<s>",)
    role, orghead, said = (b"role",), (b"orghead",), (b"says",)
    out = []
    last = n - 1
    prev2: _Word | None = None
    prev: _Word | None = None
    # (a tuple appended at a time: most words take the same dozen attributes in the same order)
    for i in range(n):
        a = alone[i]
        base = a.first if prev is None or prev.opens else a.plain
        if a.role_start or a.org_start or gazetteer[i]:
            feats = list(base)
            if a.role_start and _role_at(lx, words, folded, i):
                feats += role
            if a.org_start and _match(org_heads, words[i:i + 4], 0):
                feats += orghead
            if gazetteer[i]:
                feats.append(b"gz=" + gazetteer[i])
            feats += here[i]
        else:
            feats = [*base, *here[i]]
        if prev is not None:
            pair = prev.pair_left + a.own
            feats += (*(prev2.to_after2 if prev2 is not None else start2), *prev.to_next, *r_left[i - 1])
            if gazetteer[i - 1]:
                feats.append(b"gz-1=" + gazetteer[i - 1])
        else:
            pair = a.pair_start
            feats += (*start2, *start1)
        if i < last:
            nxt = alone[i + 1]
            feats += (*nxt.to_prev, *r_right[i + 1])
            if gazetteer[i + 1]:
                feats.append(b"gz1=" + gazetteer[i + 1])
            feats += alone[i + 2].to_before2 if i + 1 < last else end2
            feats += (pair, a.pair_right + nxt.own)
            if prev is not None and prev.cues:
                feats += prev.cues
            if nxt.says or (nxt.says_start and i + 2 < n and f"{folded[i + 1]} {folded[i + 2]}" in says):
                feats += said
        else:
            feats += (*end1, *end2, pair)
            if prev is not None and prev.cues:
                feats += prev.cues
        out.append(feats)
        prev2, prev = prev, a
    if "boundary" in groups:
        _add_boundary(lx, words, folded, places, alone, out)
    if clusters is not None:
        for feats, extra in zip(out, clusters.features(folded)):
            feats += (x.encode() for x in extra)
    return out


def _case_class(w: str) -> str:
    """A word's case as the boundary attributes read it: capitalised, lower-case, a number, a
    dash, a comma, `và`-like joiners are lower-case words, other punctuation."""
    c = w[:1]
    if c.isupper():
        return "X"
    if c.isalpha():
        return "x"
    if c.isdigit():
        return "d"
    if w in ("-", "–", "—"):
        return "-"
    return "," if w == "," else "p"


def _org_word_starts(lx: Lexicon) -> dict[str, tuple[int, ...]]:
    """The first words of the pack's `org_words` -> their lengths in words, longest first."""
    starts = lx.__dict__.get("_tagger_org_word_starts")
    if starts is None:
        by: dict[str, set[int]] = {}
        for phrase in lx.org_words:
            by.setdefault(phrase[0], set()).add(len(phrase))
        starts = lx.__dict__["_tagger_org_word_starts"] = {k: tuple(sorted(v, reverse=True)) for k, v in by.items()}
    return starts


def _org_word_cover(lx: Lexicon, words: Sequence[str], alone: Sequence[_Word]) -> list[str]:
    """B/I over the lower-case words of the pack's institution vocabulary (`org_words`: `chứng
    khoán`, `quốc gia`, `di dân`), longest first: a lower-case run the model may carry a name over.
    Only a word that starts a phrase of it (`_Word.org_word_lengths`) is looked at."""
    n = len(words)
    out = [""] * n
    org_words = lx.org_words
    after = 0  # the first word not covered yet
    for i in [k for k, a in enumerate(alone) if a.org_word_lengths]:
        if i < after:
            continue
        for size in alone[i].org_word_lengths:
            if i + size <= n and all(x[:1].islower() for x in words[i:i + size]) \
                    and tuple(x.lower() for x in words[i:i + size]) in org_words:
                out[i] = "B"
                for k in range(i + 1, i + size):
                    out[k] = "I"
                after = i + size
                break
    return out


def boundary_features(lx: Lexicon, words: Sequence[str], folded: Sequence[str], gazetteer: Sequence[str]) -> list[list[str]]:
    """Attributes of where a name's extent ends (the "boundary" group): the case pattern of a
    word and its neighbours (a lower-case word between capitalised ones, a dash between two
    capitalised runs), the pack's institution vocabulary and lower-case organisation heads (`công
    ty TNHH chứng khoán ACB`), what a dash or `và` stands between (two places `Việt Nam - Trung
    Quốc`, another organisation, role or place after it), an organisation head right after a
    capitalised word (`Bộ Chính trị Đảng Cộng sản`: a second name starts), the words a role
    covers, and how far the last organisation head is. The model learns from the labels which of
    them ends or carries a name; none of them decides by itself. As strings (`_add_boundary`,
    which the tagger reads, decoded)."""
    out: list[list[bytes]] = [[] for _ in words]
    _add_boundary(lx, list(words), list(folded), gazetteer, _words_alone(lx, words, folded), out)
    return [[x.decode() for x in feats] for feats in out]


_SINCE_HEAD = tuple(f"sh={k}".encode() for k in range(7))
# `caps=<back>|<ahead>`: the nearest capitalised word's distance, 1-4 (4 for more), `-` for none (5 here)
_CAPS = tuple(f"caps={p if p < 5 else '-'}|{q if q < 5 else '-'}".encode() for p in range(6) for q in range(6))


def _add_boundary(lx: Lexicon, words: Sequence[str], folded: Sequence[str], gazetteer: Sequence[str],
                  alone: Sequence[_Word], out: list[list[bytes]]) -> None:
    """`boundary_features` of each word appended to its attributes in `out`, UTF-8 encoded. What
    depends on the word alone comes from its `_Word` (its case class; whether a role, a lower-case
    organisation head or an institution phrase may start on it): the look-ups run only where one
    may. Its attributes come from small alphabets of case classes, counts and flags: each is
    encoded once per process, the three case patterns of a window of five words at once."""
    n = len(words)
    case = [a.case for a in alone]
    cases = "^^" + "".join(case) + "$$"  # word i's window of five case classes is cases[i:i + 5]
    ow = _org_word_cover(lx, words, alone)
    heads = lx.org_heads
    head_at = [a.org_start and a.case == "X" and bool(_match(heads, words, i)) for i, a in enumerate(alone)]
    in_role = [False] * n
    after = 0  # the first word no role covers yet
    for i in [k for k, a in enumerate(alone) if a.role_first]:
        if i < after:
            continue
        size = _role_at(lx, words, folded, i)
        if size > 1:
            for k in range(i + 1, i + size):
                in_role[k] = True
            after = i + size
    # For a lower-case word: how many words back and ahead the nearest capitalised one stands
    # within its clause (a lower-case word inside a name has one close on both sides).
    # (as `_CAPS` reads them: up to 4, or 5 for none; one 99 or more words away is none too)
    prev_cap, next_cap = [5] * n, [5] * n
    last = -1
    for i in range(n):
        if case[i] in ",p":
            last = -1
        if last >= 0:
            d = i - last
            prev_cap[i] = d if d < 4 else 4 if d < 99 else 5
        if case[i] == "X":
            last = i
    last = -1
    for i in range(n - 1, -1, -1):
        if case[i] in ",p":
            last = -1
        if last >= 0:
            d = last - i
            next_cap[i] = d if d < 4 else 4 if d < 99 else 5
        if case[i] == "X":
            last = i
    encoded = _process_cache(lx, "_tagger_boundary")
    windows = _process_cache(lx, "_tagger_boundary_windows")

    def enc(x: str) -> bytes:
        b = encoded.get(x)
        if b is None:
            b = encoded[x] = x.encode()
        return b

    sh6, sh_none = _SINCE_HEAD[6], b"sh=-"
    since_head = 99
    for i in range(n):
        a = alone[i]
        c = a.case
        feats = out[i]
        window = cases[i:i + 5]  # left2, left, c, right, right2
        got = windows.get(window)
        if got is None:
            got = windows[window] = (f"cp={window[1:4]}".encode(), f"cpl={window[:3]}".encode(),
                                     f"cpr={window[2:]}".encode())
        feats += got
        lhead = a.lower_head and bool(_match(heads, [words[i][:1].upper() + words[i][1:], *words[i + 1:i + 3]], 0))
        if head_at[i] or lhead:
            since_head = 0
        elif c in ",p":
            since_head = 99
        else:
            since_head += 1
        feats.append(_SINCE_HEAD[since_head] if since_head < 6 else sh6 if since_head < 99 else sh_none)
        if ow[i]:
            feats.append(enc("ow=" + ow[i]))
            feats.append(enc(f"ow|cp={ow[i]}|{window[1]}{window[3]}"))
        if i + 1 < n and ow[i + 1] == "B":
            feats.append(b"ow1")
        if c == "x":
            feats.append(_CAPS[prev_cap[i] * 6 + next_cap[i]])
        if lhead:
            feats.append(b"lhead")
        if head_at[i] and i and case[i - 1] == "X":
            feats.append(b"head|after_cap")
        if head_at[i] and i and (gazetteer[i - 1][2:] if gazetteer[i - 1] else ""):
            feats.append(b"head|after_place")
        if in_role[i]:
            feats.append(b"inrole")
        if a.joins:
            kind = "dash" if c == "-" else "and"
            gl = "gz" if i and gazetteer[i - 1] else window[1]
            gr = "gz" if i + 1 < n and gazetteer[i + 1].startswith("B-") else window[3]
            feats.append(enc(f"{kind}={gl}|{gr}"))
            if i + 1 < n and lx.cap(words[i + 1]) and _starts_other(lx, words, i + 1):
                feats.append(enc(f"{kind}|other"))
        if i and alone[i - 1].joins:
            feats.append(enc("after_join|" + c))
        if i + 1 < n and alone[i + 1].joins:
            feats.append(enc("before_join|" + c + ("|gz" if gazetteer[i] else "")))


def spans_of(labels: Sequence[str]) -> list[Span]:
    """B-/I- labels as (start, end, type) spans; an I- without its B- starts a span."""
    out: list[Span] = []
    start, kind = -1, ""
    for i, tag in enumerate([*labels, "O"]):
        if tag == "O" or tag.startswith("B-") or tag[2:] != kind:
            if start >= 0:
                out.append((start, i, kind))
            start, kind = (i, tag[2:]) if tag != "O" else (-1, "")
    return out


def model_spans(lx: Lexicon, words: Sequence[str], labels: Sequence[str]) -> list[Span]:
    """The model's spans, each starting on the name itself: a lower-case word before it or a
    person's title (`GS Xuân`) is the cue, not the name. An organisation's lower-case head word
    the model took into the name stays (`trường Đại học Ngân hàng`, `báo Tuổi Trẻ`, `ngân hàng
    Mizuho`): the labels it learnt from write an organisation's cue word as part of its name
    (tests/data/entities_span_conventions.md), and cutting it made a wrong extent of a right
    reading (bench/entity_errors.py; docs/decisions.md)."""
    out = []
    for s, e, kind in spans_of(labels):
        start = s
        while s < e - 1 and (words[s].islower() or (kind == "PER" and (lx.fold(words[s]) in lx.roles
                                                                       or lx.fold(words[s]) in lx.honorifics))):
            s += 1
        if kind == "ORG" and s > start and words[s][:1].isupper():
            out.append((_org_head_before(lx, words, start, s), e, kind))
        elif words[s][:1].isupper() or words[s][:1].isdigit():
            out.append((s, e, kind))
    return out


def _org_head_before(lx: Lexicon, words: Sequence[str], start: int, name: int) -> int:
    """Where the longest organisation head among the lower-case words `words[start:name]` that
    ends right before the name begins (`ngân hàng` Mizuho), or `name` when they end in none."""
    for k in range(start, name):
        head = (words[k][:1].upper() + words[k][1:], *words[k + 1:name])
        if head in dict(lx.org_heads.by_length.get(head[0], ())).get(len(head), {}):
            return k
    return name


# ---------------------------------------------------------------- the model


class EntityTagger:
    """The CRF of one language pack, opened on first use (once per thread)."""

    def __init__(self, model: Path | str | None, min_confidence: Mapping[str, float] | None = None,
                 clusters: WordClusters | None = None, features: Sequence[str] = FEATURE_GROUPS) -> None:
        self.model = Path(model) if model is not None else None
        self.clusters = clusters  # the word clusters the model was trained with, if any
        self.features = tuple(features)  # the attribute groups it was trained with (`sentence_features`)
        # A span the model alone proposes (or reads against a rule) counts only when every word's
        # marginal probability of its label reaches its type's bar: the CRF's confident readings
        # correct the rules, its guesses do not (the bars are chosen by bench/entity_cv.py).
        self.min_confidence = {k: v for k, v in (min_confidence or {}).items() if v > 0}
        self._local = threading.local()
        self._lock = threading.Lock()
        self._checked = False
        self._readings: dict[int, Readings] = {}

    def readings(self, lx: Lexicon) -> Readings:
        """The sentences this model read over the rules of `lx`, kept (`entities.Readings`)."""
        with self._lock:
            return self._readings.setdefault(id(lx), Readings())

    @classmethod
    def of(cls, pack: LanguagePack) -> EntityTagger | None:
        """The pack's tagger, or None when the pack ships no model."""
        hook = pack.hook("entity_tagger_model")
        path = hook(pack) if hook else None
        return pack.view("entity_tagger", lambda _: cls(path, *_shipped_settings(path))) if path is not None else None

    def _tagger(self):
        tagger = getattr(self._local, "tagger", None)
        if tagger is None:
            import pycrfsuite

            with self._lock:
                if not self._checked:
                    if self.model is None or not self.model.is_file():
                        raise FileNotFoundError(f"{self.model}: no entity tagger model (scripts/train_tagger.py writes it)")
                    self._checked = True
            tagger = self._local.tagger = pycrfsuite.Tagger()
            tagger.open(str(self.model))
        return tagger

    def labels(self, features: list[list[str]]) -> list[str]:
        return self._tagger().tag(features) if features else []

    def spans(self, lx: Lexicon, words: Sequence[str], features: list[list[str]]) -> list[Span]:
        """`model_spans` of the model's labels, less those below their type's confidence bar."""
        labels = self.labels(features)
        spans = model_spans(lx, words, labels)
        if not self.min_confidence or not spans:
            return spans
        tagger = self._tagger()  # this thread's, which holds the sequence `labels` just tagged
        return [(s, e, kind) for s, e, kind in spans
                if min(tagger.marginal(labels[k], k) for k in range(s, e)) >= self.min_confidence.get(kind, 0.0)]


def _shipped_settings(model: Path) -> tuple[dict[str, float], WordClusters | None, tuple[str, ...]]:
    """The bars, word clusters and attribute groups shipped beside a model (`entity_tagger.json`:
    {"min_confidence": {"PER": ...}, "clusters": a file beside the model, when it was trained with
    them, "features": the groups of `sentence_features` beyond the base ones; none when absent})."""
    import json

    path = model.with_suffix(".json")
    if not path.is_file():
        return {}, None, ()
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
        bars = {str(k): float(v) for k, v in settings.get("min_confidence", {}).items()}
        clusters = settings.get("clusters")
        if clusters is not None and not isinstance(clusters, str):
            raise TypeError("clusters is no file name")
        groups = settings.get("features", [])
        if not isinstance(groups, list) or any(g not in FEATURE_GROUPS for g in groups):
            raise TypeError(f"features {groups!r} are not groups of {FEATURE_GROUPS}")
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise ValueError(f"{path}: not a tagger settings file ({e})") from None
    return bars, WordClusters.load(model.parent / clusters) if clusters else None, tuple(groups)


def tagged_sentence_entities(lx: Lexicon, tagger: EntityTagger, text: str, known: Known) -> tuple[list[Mention], Known]:
    """`entities.sentence_entities`, with the model deciding what the rules do not settle."""
    found, learned, rules, blocked = rule_mentions(lx, text, known)
    words, folded = known.read[text]
    # A story's second pass reads some sentences again; where the rules find what they found the
    # first time, the model's attributes, so its labels, are the same.
    key = ("spans", text, tuple((m.start, m.end, m.kind, m.rule) for m in rules))
    spans = known.features.get(key)
    if spans is None:
        features = encoded_features(lx, words, folded, rules, tagger.clusters, tagger.features)
        spans = known.features[key] = tagger.spans(lx, words, features)
    return combine(lx, text, words, found, rules, blocked, spans, learned)


def decide(rules: Sequence[RuleMention], blocked: Sequence[tuple[int, int]], spans: Sequence[Span]) -> tuple[set[int], list[Span]]:
    """Which of the rules' mentions stand (their indexes) and which of the model's spans are added.
    The rules on top stand and keep the model off their words, as do stretches the rules read as no
    name. Another rule's mention stands unless the model reads its words otherwise (other bounds or
    another type: `Bộ Quốc phòng` + `Peter Galvez`); where the model finds nothing it stands too, so
    the model corrects and adds, and its silence removes nothing. A place the rules found inside an
    organisation's name stands or falls with it."""
    fixed = [m for m in rules if m.on_top]
    covered = [(m.start, m.end) for m in fixed] + list(blocked)
    model = [(s, e, k) for s, e, k in spans if not any(s < b and a < e for a, b in covered)]
    outer = [m for m in rules if not m.on_top and not any(
        o is not m and o.start <= m.start and m.end <= o.end and (o.start, o.end) != (m.start, m.end) for o in rules)]
    keep = {m.index for m in fixed}
    for m in outer:
        against = [x for x in model if x[0] < m.end and m.start < x[1]]
        # One shorter span of the same kind inside the rule's is no reading of its own (the model
        # cuts `Bộ Lao động-Thương binh và Xã hội` at its hyphen): the rule's stands.
        inside = len(against) == 1 and against[0][2] == m.kind and m.start <= against[0][0] and against[0][1] <= m.end
        if not against or inside:
            keep.add(m.index)
    kept = [m for m in rules if m.index in keep]
    keep |= {m.index for m in rules if any(o.kind == "ORG" and o.start <= m.start and m.end <= o.end and o is not m
                                           for o in kept)}
    taken = [(m.start, m.end) for m in rules if m.index in keep]
    added = [x for x in model if not any(x[0] < b and a < x[1] for a, b in taken)]
    return keep, sorted(added)


def combine(lx: Lexicon, text: str, words: Sequence[str], found: list[Mention], rules: list[RuleMention],
            blocked: list[tuple[int, int]], spans: list[Span], learned: Known) -> tuple[list[Mention], Known]:
    """The mentions `decide` keeps, in the order of the sentence; aliases in brackets always stand."""
    keep, added = decide(rules, blocked, spans)
    out: list[tuple[int, int, Mention]] = []
    position = {m.index: m.start for m in rules}
    for k, mention in enumerate(found):
        if mention[0] == "ALIAS" or k in keep:
            out.append((position.get(k, 10**6 if mention[0] == "ALIAS" else 0), 0, mention))
    for s, e, kind in added:
        name = _as_written(" ".join(words[s:e]), text)
        if len(name) < 2 or not any(c.isalpha() for c in name):
            continue
        role = next((m.role for m in rules if m.kind == "PER" and m.start <= s < m.end), None) if kind == "PER" else None
        out.append((s, 1, (kind, name, role)))
        if kind == "PER":
            learned.people[lx.fold(name)] = None
    out.sort(key=lambda x: (x[0], x[1]))
    return [m for _, _, m in out], learned


def learned_entities_reader(pack: LanguagePack, tagger: EntityTagger | None = None):
    """A sentence reader for `entities.story_entities`: the learned tagger (`tagger`, else the
    pack's own) over the rules, or None when the pack ships no model (the rules alone)."""
    tagger = tagger or EntityTagger.of(pack)
    if tagger is None:
        return None
    from .entities import lexicon

    lx = lexicon(pack)
    read = lambda text, known: tagged_sentence_entities(lx, tagger, text, known)  # noqa: E731
    read.readings = tagger.readings(lx)
    return read


__all__ = ["EntityTagger", "WordClusters", "RULES_ON_TOP", "FEATURE_GROUPS", "boundary_features", "rule_mentions", "sentence_features", "encoded_features", "spans_of",
           "tagged_sentence_entities",
           "combine", "decide", "model_spans", "learned_entities_reader", "TYPES", "Span"]
