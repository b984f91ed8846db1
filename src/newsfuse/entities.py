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

from .model import Article, Citation, Entity
from .text import fold

ROLES = [
    "Phó Thủ tướng", "Thủ tướng", "Phó Chủ tịch", "Chủ tịch", "Tổng Bí thư", "Bí thư", "Tổng thống", "Phó Tổng thống",
    "Thứ trưởng", "Bộ trưởng", "Cục trưởng", "Vụ trưởng", "Giám đốc", "Phó Giám đốc", "Tổng giám đốc", "Đại sứ",
    "Thượng tướng", "Trung tướng", "Thiếu tướng", "Đại tướng", "Đại tá", "Thượng tá", "Trung tá", "Thiếu tá",
    "Ngoại trưởng", "Thủ hiến", "Thị trưởng", "Tỉnh trưởng", "Người phát ngôn", "Phát ngôn viên", "Chánh án",
    "Viện trưởng", "Hiệu trưởng", "Trưởng đoàn", "Trưởng ban", "Phó Trưởng ban", "Tư lệnh", "Chính ủy",
    "Giáo sư", "GS", "PGS", "TS", "Bác sĩ", "Bác sỹ", "Luật sư", "Nhà báo", "Ca sĩ", "Nghệ sĩ", "Huấn luyện viên",
    "HLV", "Tiền đạo", "Thủ môn", "Tổng thư ký", "Thủ lĩnh", "ông", "bà", "anh", "chị", "Ông", "Bà", "Anh", "Chị",
]
ORG_HEADS = [
    "Bộ", "Cục", "Tổng cục", "Ủy ban", "Uỷ ban", "Sở", "Viện", "Vụ", "Ban", "Đảng", "Quốc hội", "Chính phủ",
    "Ngân hàng", "Tòa án", "Toà án", "Công an", "Cơ quan", "Tập đoàn", "Công ty", "Tổng công ty", "Hội đồng",
    "Liên hợp quốc", "Liên Hợp Quốc", "Hiệp hội", "Trường", "Đại học", "Học viện", "Bệnh viện", "Văn phòng",
    "Cơ quan Đại diện", "Diễn đàn", "Câu lạc bộ", "CLB", "Quân đội", "Hải quân", "Không quân", "Tổ chức",
]
# Lower-case syllables that occur inside institution names.
ORG_WORDS = set(
    """công an ninh quốc gia tư pháp quản lý di dân kiểm tra giám sát kỷ luật trung ương nhân xuất nhập cảnh
    ngoại giao y tế giáo dục đào tạo tài chính kế hoạch đầu nông nghiệp phát triển thương mại nội vụ quốc phòng
    văn hóa hoá thể thao du lịch thông tin truyền khoa học nghệ lao động thương binh xã giao vận tải xây dựng
    nguyên môi trường tối cao cấp nhà nước đại diện thường vụ chính trị kinh quân đội biên phòng thuế bảo
    hiểm thế giới""".split()
)
LOCATIONS = set(
    """Việt Nam|Trung Quốc|Hà Nội|TP.HCM|TP HCM|Thành phố Hồ Chí Minh|Đà Nẵng|Hải Phòng|Cần Thơ|Quảng Tây|Vân Nam|
    Quảng Ninh|Lạng Sơn|Cao Bằng|Hà Giang|Lào Cai|Lai Châu|Điện Biên|Mỹ|Nga|Nhật Bản|Hàn Quốc|Triều Tiên|Lào|
    Campuchia|Thái Lan|Ấn Độ|Pháp|Đức|Anh|Australia|Úc|Canada|Mexico|Brazil|Syria|Iran|Iraq|Israel|Afghanistan|
    Yemen|Pakistan|Philippines|Indonesia|Malaysia|Singapore|Myanmar|Ai Cập|Ukraine|Bắc Kinh|Washington|Moscow|
    London|Paris|Tokyo|Seoul|Phnom Penh|Biển Đông|Châu Âu|Châu Á|Đông Nam Á|Nghệ An|Thanh Hóa|Thanh Hoá|Huế|
    Thừa Thiên - Huế|Khánh Hòa|Bình Dương|Đồng Nai|Long An|An Giang|Kiên Giang|Cà Mau|Quảng Nam|Quảng Ngãi|
    Bình Định|Gia Lai|Đắk Lắk|Lâm Đồng|Nam Định|Thái Bình|Ninh Bình|Hà Tĩnh|Quảng Bình|Quảng Trị|Bắc Ninh|
    Vĩnh Phúc|Phú Thọ|Thái Nguyên|Yên Bái|Sơn La|Hòa Bình|Tây Ninh|Bà Rịa - Vũng Tàu|Vũng Tàu|Nhật|EU|ASEAN""".replace(
        "\n", "").split("|")
)
LOCATION_CUES = ("tỉnh", "thành phố", "TP.", "TP", "huyện", "xã", "quận", "thủ đô", "nước", "vùng", "thị xã")
_LOC_FOLD = {fold(x.strip()): x.strip() for x in LOCATIONS}
_LOC_NAMES = set(_LOC_FOLD.values())
_CUES = {fold(c) for c in LOCATION_CUES}


def _phrase_table(phrases: list[str]) -> dict[str, list[list[str]]]:
    """first word -> the phrases starting with it, longest first: one dict lookup per word."""
    table: dict[str, list[list[str]]] = {}
    for p in sorted(phrases, key=lambda x: -len(x.split())):
        words = p.split()
        table.setdefault(words[0], []).append(words)
    return table


_ROLE_TABLE = _phrase_table(ROLES)
_ORG_TABLE = _phrase_table(ORG_HEADS)


def _match(table: dict[str, list[list[str]]], words: list[str], i: int) -> list[str] | None:
    for phrase in table.get(words[i], ()):
        if words[i:i + len(phrase)] == phrase:
            return phrase
    return None

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
            if len(words) > n and fold(" ".join(words[:n])) in _LOC_FOLD:
                places.append(_LOC_FOLD[fold(" ".join(words[:n]))])
                words = words[n:]
                changed = True
                break
    return words, places


class _Found:
    def __init__(self) -> None:
        self.kind: dict[str, str] = {}
        self.names: dict[str, list[str]] = defaultdict(list)
        self.roles: dict[str, list[str]] = defaultdict(list)
        self.outlets: dict[str, set[str]] = defaultdict(set)
        self.mentions: dict[str, list[Citation]] = defaultdict(list)

    def add(self, kind: str, name: str, role: str | None, article: Article, cite: Citation) -> None:
        key = fold(name)
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
    toks = [(m.group(), m.start()) for m in _WORD.finditer(text)]
    words = [t for t, _ in toks]
    out = []
    i = 0
    role: str | None = None
    role_age = 99
    while i < len(words):
        w = words[i]
        role_words = _match(_ROLE_TABLE, words, i)
        if role_words:
            matched_role = " ".join(role_words)
            # A role may carry its organisation: `Thứ trưởng Bộ Công an`.
            j = i + len(role_words)
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
        if _is_cap(w) and w.isalpha() or w in _LOC_NAMES:
            j = i
            while j < len(words) and (_is_cap(words[j]) and (words[j].replace(".", "").isalpha())):
                j += 1
            run = words[i:j]
            org_end = _org_end(words, i)
            if org_end > i + 1 and _is_org(words[i:org_end]):
                org_words, _ = _strip_trailing_person(words[i:org_end], known_people)
                out.append(("ORG", " ".join(org_words), None))
                i = i + len(org_words)
                continue
            run, places = _strip_locations(run)
            for p in places:
                out.append(("LOC", p, None))
            name = " ".join(run)
            prev = words[i - 1] if i > 0 else ""
            if name and fold(name) in _LOC_FOLD:
                out.append(("LOC", _LOC_FOLD[fold(name)], None))
            elif run and fold(prev) in _CUES and len(run) <= 3:
                out.append(("LOC", name, None))
            elif run and 2 <= len(run) <= 4 and (role_age <= 8 or fold(name) in known_people):
                out.append(("PER", name, role))
                known_people.add(fold(name))
                role, role_age = None, 99
            i = j if j > i else i + 1
            continue
        if w in ",;:.!?()" and w != ",":
            role, role_age = None, 99
        role_age += 1
        i += 1
    return out


def _org_end(words: list[str], i: int) -> int:
    """End of an organisation name starting at `i`, or `i` when none starts there."""
    head = _match(_ORG_TABLE, words, i)
    if head is None:
        return i
    j = i + len(head)
    while j < len(words) and (
        (_is_cap(words[j]) and words[j].replace(".", "").isalpha()) or words[j].lower() in ORG_WORDS
    ) and words[j] not in {"Trong", "Tại", "Theo"}:
        j += 1
    return j if j > i + len(head) else i


def _is_org(words: list[str]) -> bool:
    return len(words) >= 2


def _strip_trailing_person(words: list[str], known_people: set[str]) -> tuple[list[str], list[str]]:
    """`Bộ Công an Lương Tam Quang` -> `Bộ Công an`: a trailing 2-4 syllable capitalised run after a
    lower-case org word, or after a place, is a person's name, not part of the organisation."""
    for n in (4, 3, 2):
        if len(words) > n + 1:
            tail = words[-n:]
            before = words[-n - 1]
            if all(_is_cap(t) for t in tail) and fold(" ".join(tail)) not in _LOC_FOLD and (
                fold(" ".join(tail)) in known_people or not _is_cap(before) or fold(before) in _LOC_FOLD
                or fold(" ".join(words[-n - 2:-n])) in _LOC_FOLD
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
