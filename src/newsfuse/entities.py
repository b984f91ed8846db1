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
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

import pycountry

from .model import Article, Citation, Entity
from .text import fold

ROLES = [
    "Phó Thủ tướng", "Thủ tướng", "Phó Chủ tịch", "Chủ tịch", "Tổng Bí thư", "Bí thư", "Tổng thống", "Phó Tổng thống",
    "Thứ trưởng", "Bộ trưởng", "Cục trưởng", "Vụ trưởng", "Giám đốc", "Phó Giám đốc", "Tổng giám đốc", "Đại sứ",
    "Thượng tướng", "Trung tướng", "Thiếu tướng", "Đại tướng", "Đại tá", "Thượng tá", "Trung tá", "Thiếu tá",
    "Ngoại trưởng", "Thủ hiến", "Thị trưởng", "Tỉnh trưởng", "Người phát ngôn", "Phát ngôn viên", "Chánh án",
    "Viện trưởng", "Hiệu trưởng", "Trưởng đoàn", "Trưởng ban", "Phó Trưởng ban", "Tư lệnh", "Chính ủy",
    "Giáo sư", "GS", "PGS", "TS", "Bác sĩ", "Bác sỹ", "Luật sư", "Nhà báo", "Ca sĩ", "Nghệ sĩ", "Huấn luyện viên",
    "HLV", "Tiền đạo", "Thủ môn", "Tổng thư ký", "Thủ lĩnh", "Ông", "Bà", "Quốc vương", "Nữ hoàng", "Hoàng tử",
    "Công chúa", "Giáo hoàng", "Giám đốc điều hành", "CEO", "Lực sĩ", "Lực sỹ", "Vận động viên", "VĐV", "Cầu thủ",
    "Tiền vệ", "Hậu vệ", "Người đồng cấp", "Đồng cấp", "Diễn viên", "Nhà văn", "Nhạc sĩ", "Nhà nghiên cứu",
]
# Roles match whatever their case (`Thủ tướng`, `thủ tướng`); these two only in lower case, since
# capitalised `Anh` is England and `Chị` starts sentences.
LOWER_ONLY_ROLES = ["anh", "chị"]
# A run of 3-4 capitalised syllables that starts with one of these is a Vietnamese full name.
SURNAMES = set(
    """Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Đào Trịnh Mai Trương Lương
    Lâm Cao Quách Tạ Hà Tô Chu Đoàn Thái Vương Tăng Lưu Mạc Triệu Kiều Thân Khổng Hứa Thạch La Văn Tôn""".split()
)
ORG_HEADS = [
    "Bộ", "Cục", "Tổng cục", "Ủy ban", "Uỷ ban", "Sở", "Viện", "Vụ", "Ban", "Đảng", "Quốc hội", "Chính phủ",
    "Ngân hàng", "Tòa án", "Toà án", "Công an", "Cơ quan", "Tập đoàn", "Công ty", "Tổng công ty", "Hội đồng",
    "Liên hợp quốc", "Liên Hợp Quốc", "Hiệp hội", "Trường", "Đại học", "Học viện", "Bệnh viện", "Văn phòng",
    "Cơ quan Đại diện", "Diễn đàn", "Câu lạc bộ", "CLB", "Quân đội", "Hải quân", "Không quân", "Tổ chức",
    "Hãng", "Lực lượng", "Sở Giao dịch",
]
# Lower-case words after which a capitalised run names an organisation: `hãng tin AFP`, `tập đoàn DOJI`.
ORG_CUES = ["hãng tin", "hãng thông tấn", "hãng", "báo", "tờ", "kênh", "đài", "công ty", "tập đoàn", "ngân hàng",
            "Theo"]  # `Theo` only capitalised: a source attribution, while `dọc theo` means `along`
# Lower-case words that occur inside institution names, as whole words of one to three syllables:
# `Bộ An ninh quốc gia`, `Cục Quản lý di dân quốc gia`. Whole words, so `thông báo` after
# `Công ty Cổ phần TIE` ends the name instead of continuing it.
ORG_WORDS = {
    tuple(w.split()) for w in """công an|an ninh|quốc gia|tư pháp|quản lý|di dân|kiểm tra|giám sát|kỷ luật|trung ương|
    nhân dân|xuất nhập cảnh|ngoại giao|y tế|giáo dục|đào tạo|tài chính|kế hoạch|đầu tư|nông nghiệp|phát triển|
    nông thôn|thương mại|nội vụ|quốc phòng|văn hóa|văn hoá|thể thao|du lịch|thông tin|truyền thông|khoa học|
    công nghệ|lao động|thương binh|xã hội|giao thông|vận tải|xây dựng|tài nguyên|môi trường|tối cao|nhà nước|
    đại diện|thường vụ|chính trị|kinh tế|quân đội|biên phòng|bảo hiểm|thế giới|cổ phần|giao dịch|chứng khoán|
    điện tử|lính dù|vàng bạc|đá quý|hình sự|cấp cao|công thương|dân sự|nhân quyền|hàng không|dầu khí|
    điện lực|bưu chính|viễn thông|di sản|lương thực|quản trị|đổ bộ|đường không""".replace("\n", "").split("|")
}
_ORG_WORD_LENGTHS = sorted({len(w) for w in ORG_WORDS}, reverse=True)
LOCATIONS = set(
    """Việt Nam|Trung Quốc|Hà Nội|TP.HCM|TP HCM|Thành phố Hồ Chí Minh|Đà Nẵng|Hải Phòng|Cần Thơ|Quảng Tây|Vân Nam|
    Quảng Ninh|Lạng Sơn|Cao Bằng|Hà Giang|Lào Cai|Lai Châu|Điện Biên|Mỹ|Nga|Nhật Bản|Hàn Quốc|Triều Tiên|Lào|
    Campuchia|Thái Lan|Ấn Độ|Pháp|Đức|Anh|Australia|Úc|Canada|Mexico|Brazil|Syria|Iran|Iraq|Israel|Afghanistan|
    Yemen|Pakistan|Philippines|Indonesia|Malaysia|Singapore|Myanmar|Ai Cập|Ukraine|Bắc Kinh|Washington|Moscow|
    London|Paris|Tokyo|Seoul|Phnom Penh|Biển Đông|Châu Âu|Châu Á|Đông Nam Á|Nghệ An|Thanh Hóa|Thanh Hoá|Huế|
    Thừa Thiên - Huế|Khánh Hòa|Bình Dương|Đồng Nai|Long An|An Giang|Kiên Giang|Cà Mau|Quảng Nam|Quảng Ngãi|
    Bình Định|Gia Lai|Đắk Lắk|Lâm Đồng|Nam Định|Thái Bình|Ninh Bình|Hà Tĩnh|Quảng Bình|Quảng Trị|Bắc Ninh|
    Vĩnh Phúc|Phú Thọ|Thái Nguyên|Yên Bái|Sơn La|Hòa Bình|Tây Ninh|Bà Rịa - Vũng Tàu|Vũng Tàu|Nhật|EU|ASEAN|
    Brunei|Đài Loan|Hồng Kông|Ma Cao|Tây Ban Nha|Bồ Đào Nha|Hà Lan|Thụy Sĩ|Thụy Điển|Na Uy|Đan Mạch|
    Ba Lan|Séc|Hy Lạp|Thổ Nhĩ Kỳ|Ả Rập Xê Út|Triều Tiên|Nam Phi|Tân Tây Lan|Italy|Ý|Luân Đôn|Matxcơva|New York""".replace(
        "\n", "").split("|")
) | {c.name for c in pycountry.countries if len(c.name.split()) <= 3} \
  | {getattr(c, "common_name", c.name) for c in pycountry.countries} \
  | {d.name for d in pycountry.subdivisions.get(country_code="VN")}  # the 63 provinces
# Lower-case words after which a capitalised run names a place: `tỉnh Quảng Tây`, `hồ Linh Đàm`.
LOCATION_CUES = ("tỉnh", "thành phố", "TP.", "TP", "huyện", "xã", "quận", "thủ đô", "nước", "vùng", "thị xã",
                 "hồ", "đảo", "đèo", "hạt", "bang", "vịnh", "sông", "núi", "châu", "miền", "khu vực", "thủ phủ",
                 "phường", "thị trấn", "làng")
_LOC_FOLD = {fold(x.strip()): x.strip() for x in LOCATIONS}
_LOC_NAMES = set(_LOC_FOLD.values())
_CUES = {fold(c) for c in LOCATION_CUES}
_ORG_CUES = {c for c in ORG_CUES}
_NAMED_WITH_CUE = {"hồ", "đảo", "đèo", "sông", "núi", "vịnh", "châu", "miền"}
# After these, a name belongs to an organisation or place, not to the role before: `CEO của Standard Chartered`.
_ROLE_BREAKS = {"của", "thuộc"}


def _phrase_table(phrases: list[str], key=lambda w: w) -> dict[str, list[list[str]]]:
    """first word -> the phrases starting with it, longest first: one dict lookup per word."""
    table: dict[str, list[list[str]]] = {}
    for p in sorted(phrases, key=lambda x: -len(x.split())):
        words = [key(w) for w in p.split()]
        table.setdefault(words[0], []).append(words)
    return table


_ROLE_TABLE = _phrase_table(ROLES, fold)
_LOWER_ROLE_TABLE = _phrase_table(LOWER_ONLY_ROLES)
_ORG_TABLE = _phrase_table(ORG_HEADS)


def _match(table: dict[str, list[list[str]]], words: list[str], i: int) -> list[str] | None:
    for phrase in table.get(words[i], ()):
        if words[i:i + len(phrase)] == phrase:
            return phrase
    return None


def _role_at(words: list[str], folded: list[str], i: int) -> int:
    """Number of words of a role starting at `i` (0 when none)."""
    phrase = _match(_ROLE_TABLE, folded, i) or _match(_LOWER_ROLE_TABLE, words, i)
    return len(phrase) if phrase else 0

_WORD = re.compile(r"[^\W\d_]+(?:\.[^\W\d_]+)*|\d+|[^\w\s]")


def _is_cap(tok: str) -> bool:
    return tok[:1].isupper()


def _strip_locations(words: list[str]) -> tuple[list[str], list[str]]:
    """Split gazetteer places off the front of a run: `Trung Quốc Thạch Hảo Dũng`."""
    places = []
    changed = True
    while changed and words:
        changed = False
        for n in (3, 2, 1):
            if len(words) >= n and fold(" ".join(words[:n])) in _LOC_FOLD:
                places.append(_LOC_FOLD[fold(" ".join(words[:n]))])
                words = words[n:]
                changed = True
                break
    return words, places


# Abbreviations Vietnamese news uses inside names: `Bộ CA` is `Bộ Công an`.
ABBREVIATIONS = {"CA": "Công an", "CAND": "Công an nhân dân", "QĐND": "Quân đội nhân dân", "UBND": "Ủy ban nhân dân",
                 "HĐND": "Hội đồng nhân dân", "NHNN": "Ngân hàng Nhà nước", "BCA": "Bộ Công an", "BQP": "Bộ Quốc phòng",
                 "TP.HCM": "Thành phố Hồ Chí Minh", "TP HCM": "Thành phố Hồ Chí Minh", "TP.": "Thành phố"}
_ABBREVIATION_RE = re.compile(r"(?<!\w)(" + "|".join(re.escape(k) for k in sorted(ABBREVIATIONS, key=len, reverse=True))
                              + r")(?!\w)")


def entity_key(name: str) -> str:
    """What two spellings of one entity share: abbreviations expanded, tone marks and case folded."""
    return fold(_ABBREVIATION_RE.sub(lambda m: ABBREVIATIONS[m.group(1)], name))


class _Found:
    def __init__(self) -> None:
        self.kind: dict[str, str] = {}
        self.names: dict[str, list[str]] = defaultdict(list)
        self.roles: dict[str, list[str]] = defaultdict(list)
        self.outlets: dict[str, set[str]] = defaultdict(set)
        self.mentions: dict[str, list[Citation]] = defaultdict(list)

    def add(self, kind: str, name: str, role: str | None, article: Article, cite: Citation) -> None:
        key = entity_key(name)
        if not key or len(name) < 2:
            return
        self.kind.setdefault(key, kind)
        if name not in self.names[key]:
            self.names[key].append(name)
        if role and role not in self.roles[key]:
            self.roles[key].append(role)
        self.outlets[key].add(article.outlet_key)
        self.mentions[key].append(cite)


def _sentence_entities(text: str, known_people: set[str]):
    """(kind, name, role) triples found in one sentence."""
    words = [m.group() for m in _WORD.finditer(text)]
    folded = [fold(w) for w in words]
    out = []
    i = 0
    role: str | None = None
    role_age = 99
    while i < len(words):
        w = words[i]
        # `các huyện Samba, Kathua và Jammu`, `Theo Inquirer, Telegraph`: a list goes on in the kind
        # it started with.
        if out and i >= 2 and words[i - 1] in (",", "và") and _is_cap(w) and w.isalpha() and out[-1][0] != "PER" \
                and " ".join(words[max(0, i - 1 - len(out[-1][1].split())):i - 1]).endswith(out[-1][1]):
            j = i
            while j < len(words) and _is_cap(words[j]) and words[j].isalpha() and j - i < 3:
                j += 1
            # Only a plain item: a name that ends the clause, not the start of another construction.
            if (j == len(words) or not words[j].isalpha()) and not _role_at(words, folded, i) \
                    and _org_end(words, i) == i:
                out.append((out[-1][0], " ".join(words[i:j]), None))
                i = j
                continue
        n_role = _role_at(words, folded, i)
        if n_role:
            matched_role = " ".join(words[i:i + n_role])
            # A role may carry its organisation: `Thứ trưởng Bộ Công an`.
            j = i + n_role
            role, role_age = matched_role, 0
            org_end = _org_end(words, j) if j < len(words) else j
            if org_end > j:
                org_words, _ = _strip_trailing_person(words[j:org_end], known_people)
                role = f"{matched_role} {' '.join(org_words)}" if org_words else matched_role
                if org_words and _is_org(org_words):
                    out.append(("ORG", " ".join(org_words), None))
                i = j + len(org_words)
                continue
            i = j
            continue
        if w == "Theo":  # opens a source attribution; it is not a name
            i += 1
            continue
        if _is_cap(w) and w.isalpha() or w in _LOC_NAMES:
            j = i
            while j < len(words) and (_is_cap(words[j]) and (words[j].replace(".", "").isalpha())) and \
                    (j == i or words[j] != "Theo"):
                j += 1
            org_end = _org_end(words, i)
            if org_end > i + 1 and _is_org(words[i:org_end]):
                org_words, _ = _strip_trailing_person(words[i:org_end], known_people)
                out.append(("ORG", " ".join(org_words), None))
                i = i + len(org_words)
                continue
            run, places = _strip_locations(words[i:j])
            for p in places:
                out.append(("LOC", p, None))
            name = " ".join(run)
            cues = {words[i - 1] if i > 0 else "", " ".join(words[max(i - 2, 0):i])}
            cues |= {c.lower() for c in cues}
            if name and fold(name) in _LOC_FOLD:
                out.append(("LOC", _LOC_FOLD[fold(name)], None))
            elif run and cues & _CUES and len(run) <= 3:
                # `đèo Cả`, `châu Âu`: a one-syllable name keeps its landform or region word.
                cue = folded[i - 1] if i > 0 else ""
                out.append(("LOC", f"{words[i - 1]} {name}" if len(run) == 1 and cue in _NAMED_WITH_CUE else name,
                            None))
            elif run and cues & _ORG_CUES and len(run) <= 4:
                out.append(("ORG", name, None))
            elif len(run) == 1 and i > 0 and (person := _person_by_surname(run[0], known_people)):
                out.append(("PER", person, role))  # `ông Shamanov` after `Vladimir Shamanov`
            elif len(run) == 1 and i > 0 and _is_brand(run[0]):
                out.append(("ORG", run[0], None))
            elif run and 2 <= len(run) <= 4 and not (run[0].isupper() and len(run[0]) > 1) and (role_age <= 8 or fold(name) in known_people
                                                 or (len(run) >= 3 and run[0] in SURNAMES)):
                out.append(("PER", name, role))
                known_people.add(fold(name))
                role, role_age = None, 99
            i = j if j > i else i + 1
            continue
        if w in ";:.!?()" or folded[i] in _ROLE_BREAKS:
            role, role_age = None, 99
        role_age += 1
        i += 1
    return out


def _person_by_surname(word: str, known_people: set[str]) -> str | None:
    """The known person whose name ends with `word` (foreign names are shortened to the last one)."""
    key = " " + fold(word)
    found = [p for p in known_people if p.endswith(key)]
    return found[0] if len(found) == 1 else None


_VI_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
    r"(?:uye|uya|oai|oay|uoi|uou|ieu|yeu|uay|oa|oe|uy|ua|uo|ie|ye|ia|ai|ao|au|ay|eo|eu|iu|oi|ui|[aeiouy])"
    r"(?:ch|ng|nh|[cmnpt]|[iyou])?"
)


def _is_brand(word: str) -> bool:
    """`Yahoo`, `Reuters`, `VnEconomy`: one Latin word in mixed case that is no Vietnamese syllable
    (`Doanh`, `Cao` are) and no place. In Vietnamese news such a word is a company or an outlet;
    people are named with two or more words first."""
    return (len(word) > 2 and word.isascii() and word[0].isupper() and not word.isupper()
            and fold(word) not in _LOC_FOLD and not _VI_SYLLABLE.fullmatch(word.lower()))


def _org_end(words: list[str], i: int) -> int:
    """End of an organisation name starting at `i`, or `i` when none starts there."""
    head = _match(_ORG_TABLE, words, i)
    if head is None or i + len(head) >= len(words) or not _is_cap(words[i + len(head)]):
        return i  # `Bộ luật`, `cơ quan công an`: a head word followed by a common noun is no name
    j = i + len(head)
    while j < len(words) and words[j] not in {"Trong", "Tại", "Theo"}:
        if _is_cap(words[j]) and words[j].replace(".", "").isalpha():
            j += 1
            continue
        # A name word may start on the capitalised word before: `Công an`, `Nhà nước`, `An ninh quốc gia`.
        end = next((start + n for start in (j, j - 1) for n in _ORG_WORD_LENGTHS
                    if start + n > j and tuple(w.lower() for w in words[start:start + n]) in ORG_WORDS), 0)
        if not end:
            break
        j = end
    return j if j > i + len(head) else i


def _is_org(words: list[str]) -> bool:
    return len(words) >= 2


def _strip_trailing_person(words: list[str], known_people: set[str]) -> tuple[list[str], list[str]]:
    """`Bộ Công an Lương Tam Quang` -> `Bộ Công an`: a trailing run that is a known person, a
    Vietnamese full name, or a name after a place (`Bộ Quốc phòng Nga Yevgenia Maltseva`) is a
    person, not part of the organisation."""
    for n in (4, 3, 2):
        if len(words) > n + 1:
            tail = words[-n:]
            before = words[-n - 1]
            if all(_is_cap(t) for t in tail) and fold(" ".join(tail)) not in _LOC_FOLD and (
                fold(" ".join(tail)) in known_people or (n >= 3 and tail[0] in SURNAMES)
                or fold(before) in _LOC_FOLD or fold(" ".join(words[-n - 2:-n])) in _LOC_FOLD
            ):
                return words[:-n], tail
    return words, []


def find_entities(articles: Sequence[Article]) -> list[Entity]:
    """Entities of a story, merged across articles, most mentioned first."""
    found = _Found()
    known_people: set[str] = set()
    for _ in range(2):  # second pass: names learned in one article are recognised in the others
        found = _Found()
        for a in articles:
            for s in a.sentences:
                cite = Citation(a.id, a.source, s.index, s.start, s.end)
                for kind, name, role in _sentence_entities(s.text, known_people):
                    found.add(kind, name, role, a, cite)
    entities = []
    for key, kind in found.kind.items():
        names = found.names[key]
        entities.append(Entity(
            name=max(names, key=len), type=kind, roles=found.roles[key], aliases=names,
            outlets=sorted(found.outlets[key]), mentions=found.mentions[key],
        ))
    entities.sort(key=lambda e: (-len(e.mentions), e.type, e.name))
    return entities
