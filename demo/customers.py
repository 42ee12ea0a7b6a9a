"""Realistic, labelled demo people for the two desks, from a seeded random generator.

The loan contact center (`loan_cc`) keys a customer in with a customer number, the name in kanji
and a full-width katakana reading. The ATM/card service center (`atm_svc`) knows the same person
from a card application: often half-width kana from its legacy core, a kanji variant, the phone
written another way, sometimes a newer phone, a married surname or a one-kana slip. Beside them
stand the traps identity resolution must keep apart (families on one landline, twins, namesakes
born the same day, colleagues behind one switchboard), each a separate true person.

Every record comes with its person's true id beside it (never inside: the API refuses unknown
fields), so benchmarks and tests can score the resolution. Same seed, same people, same records.
"""

from __future__ import annotations

import bisect
import gc
import itertools
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar

import jaconv

from customers.record_input import MAX_BATCH_RECORDS, validate_records
from customers.resolution import ingest_source_records

T = TypeVar("T")

LOAN_DESK = "loan_cc"
SERVICE_DESK = "atm_svc"
SYSTEMS = (LOAN_DESK, SERVICE_DESK)

# A fixed "today", so that due dates, ages and record times do not move with the calendar and
# the same seed gives the same records (and a re-run changes nothing).
DEMO_TODAY = date(2026, 11, 25)
# Formatting a date costs microseconds; records only need days near DEMO_TODAY, so their ISO
# forms are made once: _DAY_FROM_TODAY[offset] for offsets -3650 .. +365.
_DAYS_BACK, _DAYS_AHEAD = 3650, 365
_DAY_FROM_TODAY = tuple(
    (DEMO_TODAY + timedelta(days=offset)).isoformat()
    for offset in range(-_DAYS_BACK, _DAYS_AHEAD + 1)
)


def _day(offset: int) -> str:
    return _DAY_FROM_TODAY[offset + _DAYS_BACK]


def _instalment(balance: int) -> int:
    """A month's repayment: a thirty-sixth of the balance, in thousands of yen, at least 1,000."""
    return max(1000, round(balance / 36 / 1000) * 1000) if balance else 0


class Trap:
    """Groups of different people who look alike; resolution must not merge them."""

    NONE = ""
    FAMILY = "family"  # one landline, one address, one surname
    TWINS = "twins"  # and the same birth date too
    NAMESAKES = "namesakes"  # a common name and the same birth date, nothing else shared
    COLLEAGUES = "colleagues"  # one company switchboard number


class Variant:
    """How a person's records differ from the loan desk's record: a label per difference, so a
    benchmark can say which kind of difference resolution misses."""

    HALF_WIDTH_KANA = "half_width_kana"
    HIRAGANA = "hiragana"
    LEGACY_LARGE_KANA = "legacy_large_kana"  # ｼﾖｳﾀ: old bank character sets have no small kana
    KANA_ONLY = "kana_only"  # card names are embossed in kana: no kanji on the record
    UNSPACED_NAME = "unspaced_name"  # 山田太郎
    KANJI_VARIANT = "kanji_variant"  # 髙橋 / 高橋
    PHONE_HYPHENLESS = "phone_hyphenless"
    PHONE_INTERNATIONAL = "phone_international"
    PHONE_FULL_WIDTH = "phone_full_width"
    CHANGED_PHONE = "changed_phone"
    MARRIED_SURNAME = "married_surname"
    KANA_TYPO = "kana_typo"
    ADDRESS_BLOCKS_IN_KANJI = "address_blocks_in_kanji"  # 1丁目2番3号
    ADDRESS_FULL_WIDTH = "address_full_width"
    ADDRESS_WITHOUT_PREFECTURE = "address_without_prefecture"
    MOVED = "moved"
    NO_ADDRESS = "no_address"
    NO_EMAIL = "no_email"
    GENDER_CODE = "gender_code"  # ISO 5218 "1"/"2"
    LOAN_DUPLICATE = "loan_duplicate"  # a second loan application under the same number


@dataclass(frozen=True)
class Surname:
    kanji: str
    kana: str
    romaji: str
    weight: int
    old_forms: tuple[str, ...] = ()  # kyūjitai/itaiji the same family may be registered under


@dataclass(frozen=True)
class GivenName:
    kanji: str
    kana: str
    romaji: str


@dataclass(frozen=True)
class Town:
    prefecture: str
    city: str
    town: str
    postal_code: str
    area_code: str  # the landline prefix of the town


# Common surnames, weighted roughly by how often they occur.
SURNAMES: tuple[Surname, ...] = (
    Surname("佐藤", "サトウ", "sato", 20),
    Surname("鈴木", "スズキ", "suzuki", 18),
    Surname("高橋", "タカハシ", "takahashi", 14, ("髙橋",)),
    Surname("田中", "タナカ", "tanaka", 13),
    Surname("伊藤", "イトウ", "ito", 11),
    Surname("渡辺", "ワタナベ", "watanabe", 11, ("渡邊", "渡邉")),
    Surname("山本", "ヤマモト", "yamamoto", 11),
    Surname("中村", "ナカムラ", "nakamura", 10),
    Surname("小林", "コバヤシ", "kobayashi", 10),
    Surname("加藤", "カトウ", "kato", 9),
    Surname("吉田", "ヨシダ", "yoshida", 8, ("𠮷田",)),
    Surname("山田", "ヤマダ", "yamada", 8),
    Surname("佐々木", "ササキ", "sasaki", 7),
    Surname("山口", "ヤマグチ", "yamaguchi", 6),
    Surname("松本", "マツモト", "matsumoto", 6),
    Surname("井上", "イノウエ", "inoue", 6),
    Surname("木村", "キムラ", "kimura", 6),
    Surname("林", "ハヤシ", "hayashi", 5),
    Surname("斎藤", "サイトウ", "saito", 5, ("齋藤", "齊藤")),
    Surname("清水", "シミズ", "shimizu", 5),
    Surname("山崎", "ヤマザキ", "yamazaki", 5, ("山﨑",)),
    Surname("森", "モリ", "mori", 4),
    Surname("池田", "イケダ", "ikeda", 4),
    Surname("橋本", "ハシモト", "hashimoto", 4),
    Surname("阿部", "アベ", "abe", 4),
    Surname("石川", "イシカワ", "ishikawa", 4),
    Surname("山下", "ヤマシタ", "yamashita", 4),
    Surname("中島", "ナカジマ", "nakajima", 4, ("中嶋",)),
    Surname("石井", "イシイ", "ishii", 4),
    Surname("小川", "オガワ", "ogawa", 4),
    Surname("前田", "マエダ", "maeda", 4),
    Surname("岡田", "オカダ", "okada", 4),
    Surname("長谷川", "ハセガワ", "hasegawa", 3),
    Surname("藤田", "フジタ", "fujita", 3),
    Surname("後藤", "ゴトウ", "goto", 3),
    Surname("近藤", "コンドウ", "kondo", 3),
    Surname("村上", "ムラカミ", "murakami", 3),
    Surname("遠藤", "エンドウ", "endo", 3),
    Surname("青木", "アオキ", "aoki", 3),
    Surname("坂本", "サカモト", "sakamoto", 3),
    Surname("福田", "フクダ", "fukuda", 3),
    Surname("太田", "オオタ", "ota", 3),
    Surname("西村", "ニシムラ", "nishimura", 3),
    Surname("藤井", "フジイ", "fujii", 3),
    Surname("岡本", "オカモト", "okamoto", 3),
    Surname("松田", "マツダ", "matsuda", 3),
    Surname("中川", "ナカガワ", "nakagawa", 3),
    Surname("原田", "ハラダ", "harada", 3),
    Surname("小野", "オノ", "ono", 3),
    Surname("竹内", "タケウチ", "takeuchi", 3),
    Surname("金子", "カネコ", "kaneko", 3),
    Surname("和田", "ワダ", "wada", 3),
    Surname("石田", "イシダ", "ishida", 3),
    Surname("上田", "ウエダ", "ueda", 3),
    Surname("森田", "モリタ", "morita", 3),
    Surname("柴田", "シバタ", "shibata", 2),
    Surname("酒井", "サカイ", "sakai", 2),
    Surname("工藤", "クドウ", "kudo", 2),
    Surname("横山", "ヨコヤマ", "yokoyama", 2),
    Surname("宮崎", "ミヤザキ", "miyazaki", 2, ("宮﨑",)),
    Surname("内田", "ウチダ", "uchida", 2),
    Surname("高木", "タカギ", "takagi", 2, ("髙木",)),
    Surname("安藤", "アンドウ", "ando", 2),
    Surname("島田", "シマダ", "shimada", 2, ("嶋田",)),
    Surname("谷口", "タニグチ", "taniguchi", 2),
    Surname("高田", "タカダ", "takada", 2, ("髙田",)),
    Surname("今井", "イマイ", "imai", 2),
    Surname("河野", "コウノ", "kono", 2),
    Surname("藤原", "フジワラ", "fujiwara", 2),
    Surname("桜井", "サクライ", "sakurai", 2, ("櫻井",)),
    Surname("渡部", "ワタナベ", "watanabe", 2),
    Surname("浜田", "ハマダ", "hamada", 2, ("濱田",)),
    Surname("広瀬", "ヒロセ", "hirose", 1, ("廣瀬",)),
    Surname("沢田", "サワダ", "sawada", 1, ("澤田",)),
    Surname("東海林", "ショウジ", "shoji", 1),
)

MALE_NAMES: tuple[GivenName, ...] = (
    GivenName("太郎", "タロウ", "taro"),
    GivenName("一郎", "イチロウ", "ichiro"),
    GivenName("健", "ケン", "ken"),
    GivenName("誠", "マコト", "makoto"),
    GivenName("翔太", "ショウタ", "shota"),
    GivenName("大輔", "ダイスケ", "daisuke"),
    GivenName("拓也", "タクヤ", "takuya"),
    GivenName("健太", "ケンタ", "kenta"),
    GivenName("直樹", "ナオキ", "naoki"),
    GivenName("浩", "ヒロシ", "hiroshi"),
    GivenName("隆", "タカシ", "takashi"),
    GivenName("聡", "サトシ", "satoshi"),
    GivenName("和也", "カズヤ", "kazuya"),
    GivenName("達也", "タツヤ", "tatsuya"),
    GivenName("亮", "リョウ", "ryo"),
    GivenName("翔", "ショウ", "sho"),
    GivenName("蓮", "レン", "ren"),
    GivenName("大翔", "ヒロト", "hiroto"),
    GivenName("悠真", "ユウマ", "yuma"),
    GivenName("陽翔", "ハルト", "haruto"),
    GivenName("湊", "ミナト", "minato"),
    GivenName("優太", "ユウタ", "yuta"),
    GivenName("拓海", "タクミ", "takumi"),
    GivenName("健一", "ケンイチ", "kenichi"),
    GivenName("修", "オサム", "osamu"),
    GivenName("清", "キヨシ", "kiyoshi"),
    GivenName("茂", "シゲル", "shigeru"),
    GivenName("正樹", "マサキ", "masaki"),
    GivenName("秀樹", "ヒデキ", "hideki"),
    GivenName("俊介", "シュンスケ", "shunsuke"),
    GivenName("純一", "ジュンイチ", "junichi"),
    GivenName("恭平", "キョウヘイ", "kyohei"),
    GivenName("龍之介", "リュウノスケ", "ryunosuke"),
    GivenName("翔平", "ショウヘイ", "shohei"),
    GivenName("大樹", "ダイキ", "daiki"),
    GivenName("陸", "リク", "riku"),
    GivenName("剛", "ツヨシ", "tsuyoshi"),
    GivenName("学", "マナブ", "manabu"),
    GivenName("雄一", "ユウイチ", "yuichi"),
    GivenName("慎也", "シンヤ", "shinya"),
)

FEMALE_NAMES: tuple[GivenName, ...] = (
    GivenName("花子", "ハナコ", "hanako"),
    GivenName("美咲", "ミサキ", "misaki"),
    GivenName("陽子", "ヨウコ", "yoko"),
    GivenName("恵子", "ケイコ", "keiko"),
    GivenName("京子", "キョウコ", "kyoko"),
    GivenName("幸子", "サチコ", "sachiko"),
    GivenName("由美", "ユミ", "yumi"),
    GivenName("裕子", "ユウコ", "yuko"),
    GivenName("直美", "ナオミ", "naomi"),
    GivenName("久美子", "クミコ", "kumiko"),
    GivenName("真由美", "マユミ", "mayumi"),
    GivenName("愛", "アイ", "ai"),
    GivenName("彩", "アヤ", "aya"),
    GivenName("舞", "マイ", "mai"),
    GivenName("さくら", "サクラ", "sakura"),
    GivenName("陽菜", "ヒナ", "hina"),
    GivenName("結衣", "ユイ", "yui"),
    GivenName("葵", "アオイ", "aoi"),
    GivenName("凛", "リン", "rin"),
    GivenName("明美", "アケミ", "akemi"),
    GivenName("智子", "トモコ", "tomoko"),
    GivenName("由紀", "ユキ", "yuki"),
    GivenName("真理子", "マリコ", "mariko"),
    GivenName("千尋", "チヒロ", "chihiro"),
    GivenName("奈々", "ナナ", "nana"),
    GivenName("彩花", "アヤカ", "ayaka"),
    GivenName("沙織", "サオリ", "saori"),
    GivenName("純子", "ジュンコ", "junko"),
    GivenName("涼子", "リョウコ", "ryoko"),
    GivenName("翔子", "ショウコ", "shoko"),
    GivenName("恵美", "エミ", "emi"),
    GivenName("香織", "カオリ", "kaori"),
    GivenName("里美", "サトミ", "satomi"),
    GivenName("亜希子", "アキコ", "akiko"),
    GivenName("千夏", "チナツ", "chinatsu"),
    GivenName("美穂", "ミホ", "miho"),
    GivenName("優子", "ユウコ", "yuko"),
    GivenName("麻衣", "マイ", "mai"),
    GivenName("紀子", "ノリコ", "noriko"),
    GivenName("淳子", "ジュンコ", "junko"),
)

# Twins get names that go together; several readings are one kana apart (ユウタ / ユウト).
TWIN_NAMES: tuple[tuple[str, GivenName, GivenName], ...] = (
    ("M", GivenName("優太", "ユウタ", "yuta"), GivenName("優斗", "ユウト", "yuto")),
    ("M", GivenName("大輝", "ダイキ", "daiki"), GivenName("大翔", "ヒロト", "hiroto")),
    ("M", GivenName("翔太", "ショウタ", "shota"), GivenName("翔平", "ショウヘイ", "shohei")),
    ("M", GivenName("健太", "ケンタ", "kenta"), GivenName("健二", "ケンジ", "kenji")),
    ("F", GivenName("美咲", "ミサキ", "misaki"), GivenName("美里", "ミサト", "misato")),
    ("F", GivenName("由美", "ユミ", "yumi"), GivenName("由紀", "ユキ", "yuki")),
    ("F", GivenName("彩花", "アヤカ", "ayaka"), GivenName("彩乃", "アヤノ", "ayano")),
    ("F", GivenName("真由", "マユ", "mayu"), GivenName("真子", "マコ", "mako")),
)

# Name combinations common enough that two customers born the same day share one.
COMMON_FULL_NAMES: tuple[tuple[str, str, str], ...] = (
    ("佐藤", "M", "翔太"),
    ("鈴木", "F", "陽子"),
    ("高橋", "M", "誠"),
    ("田中", "F", "恵子"),
    ("伊藤", "M", "健"),
    ("山本", "F", "裕子"),
    ("中村", "M", "大輔"),
    ("小林", "F", "美咲"),
)

TOWNS: tuple[Town, ...] = (
    Town("東京都", "新宿区", "西新宿", "160-0023", "03"),
    Town("東京都", "新宿区", "新宿", "160-0022", "03"),
    Town("東京都", "渋谷区", "渋谷", "150-0002", "03"),
    Town("東京都", "港区", "芝", "105-0014", "03"),
    Town("東京都", "世田谷区", "太子堂", "154-0004", "03"),
    Town("東京都", "杉並区", "阿佐谷南", "166-0004", "03"),
    Town("東京都", "練馬区", "豊玉北", "176-0012", "03"),
    Town("東京都", "江東区", "豊洲", "135-0061", "03"),
    Town("東京都", "大田区", "蒲田", "144-0052", "03"),
    Town("東京都", "足立区", "千住", "120-0034", "03"),
    Town("大阪府", "大阪市北区", "梅田", "530-0001", "06"),
    Town("大阪府", "大阪市中央区", "難波", "542-0076", "06"),
    Town("大阪府", "大阪市阿倍野区", "阿倍野筋", "545-0052", "06"),
    Town("大阪府", "堺市堺区", "南瓦町", "590-0078", "072"),
    Town("神奈川県", "横浜市西区", "みなとみらい", "220-0012", "045"),
    Town("神奈川県", "横浜市港北区", "新横浜", "222-0033", "045"),
    Town("神奈川県", "川崎市川崎区", "駅前本町", "210-0007", "044"),
    Town("愛知県", "名古屋市中村区", "名駅", "450-0002", "052"),
    Town("愛知県", "名古屋市中区", "栄", "460-0008", "052"),
    Town("北海道", "札幌市中央区", "北一条西", "060-0001", "011"),
    Town("福岡県", "福岡市博多区", "博多駅前", "812-0011", "092"),
    Town("京都府", "京都市下京区", "東塩小路町", "600-8216", "075"),
    Town("兵庫県", "神戸市中央区", "三宮町", "650-0021", "078"),
    Town("宮城県", "仙台市青葉区", "中央", "980-0021", "022"),
    Town("埼玉県", "さいたま市大宮区", "桜木町", "330-0854", "048"),
    Town("千葉県", "千葉市中央区", "富士見", "260-0015", "043"),
)

BUILDINGS = ("サンハイツ", "メゾン桜", "グランコート", "コーポ緑", "パークハウス", "レジデンス")
EMAIL_DOMAINS = ("example.jp", "example.ne.jp", "example.co.jp", "example.com", "example.org")

# A one-kana slip: each kana with ones a hurried agent (or a caller spelling aloud) gets wrong.
KANA_SLIPS: dict[str, str] = {
    "ウ": "オ",
    "オ": "ウ",
    "ツ": "ス",
    "ス": "ツ",
    "シ": "チ",
    "チ": "シ",
    "ジ": "ヂ",
    "ズ": "ヅ",
    "ハ": "ワ",
    "ワ": "ハ",
    "エ": "ヘ",
    "ラ": "ロ",
    "ロ": "ラ",
    "リ": "レ",
    "レ": "リ",
    "ル": "ロ",
    "キ": "ギ",
    "ギ": "キ",
    "タ": "ダ",
    "ダ": "タ",
    "カ": "ガ",
    "ガ": "カ",
    "コ": "ゴ",
    "ゴ": "コ",
    "ト": "ド",
    "ド": "ト",
    "サ": "ザ",
    "ザ": "サ",
    "ケ": "ゲ",
    "ヒ": "ビ",
    "フ": "ブ",
    "ホ": "ボ",
    "ミ": "ニ",
    "ナ": "マ",
    "マ": "ナ",
    "ユ": "ヨ",
    "ヨ": "ユ",
    "イ": "エ",
    "ヤ": "ア",
    "ア": "ヤ",
    "モ": "ノ",
    "ノ": "モ",
    "ヌ": "ス",
    "ク": "グ",
    "グ": "ク",
    "ン": "ム",
}
_LARGE_KANA = str.maketrans("ァィゥェォッャュョヮ", "アイウエオツヤユヨワ")
_FULL_WIDTH = str.maketrans("0123456789-+", "０１２３４５６７８９－＋")

_SURNAME_WEIGHTS = list(itertools.accumulate(surname.weight for surname in SURNAMES))
_SURNAMES_BY_KANJI = {surname.kanji: surname for surname in SURNAMES}
_GIVEN_BY_KANJI = {
    (gender, name.kanji): name
    for gender, names in (("M", MALE_NAMES), ("F", FEMALE_NAMES))
    for name in names
}

# Adults who may hold a loan or a card: born between these dates.
_OLDEST_BIRTH = date(1946, 1, 1).toordinal()
_YOUNGEST_BIRTH = date(2006, 3, 31).toordinal()


@dataclass(frozen=True)
class DemoPerson:
    """One true person and the records both desks hold of them."""

    person_id: str
    name: str
    name_kana: str
    birth_date: str
    gender: str
    trap: str  # a Trap value: the kind of look-alike group the person belongs to, or ""
    group_id: str  # the look-alike group ("" for none)
    variants: tuple[str, ...]  # Variant values: how the person's records differ
    records: tuple[tuple[str, dict], ...]  # (system, record as the batch API takes it)


@dataclass
class _Phone:
    digits: str  # 09012345678
    hyphenated: str  # 090-1234-5678

    @property
    def is_mobile(self) -> bool:
        return self.digits[:3] in ("070", "080", "090")


@dataclass
class _Home:
    town: Town
    block: str  # "2-8-1"
    building: str  # "サンハイツ 203号室" or ""
    landline: _Phone | None


@dataclass
class _Identity:
    """What is true of a person, before any desk writes it down."""

    surname: Surname
    registered_surname: str  # the kanji on the family register (maybe an old form)
    given: GivenName
    gender: str
    birth: date
    birth_date: str  # ISO, written once
    home: _Home
    mobile: _Phone | None
    email: str
    work_phone: _Phone | None = None
    trap: str = Trap.NONE
    group_id: str = ""


@dataclass
class _Counters:
    person: int = 0
    loan_record: int = 0
    card_record: int = 0
    group: int = 0


class _PeopleMaker:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.counters = _Counters()
        self.used_phones: set[str] = set()
        self.used_emails: set[str] = set()
        self.used_addresses: set[tuple[str, str]] = set()

    # random.Random's randint/choice/choices cost a microsecond or more each; a hundred
    # thousand records draw millions of numbers, so these draw from random() directly.

    def between(self, low: int, high: int) -> int:
        return low + int(self.rng.random() * (high - low + 1))

    def pick(self, options: Sequence[T]) -> T:
        return options[int(self.rng.random() * len(options))]

    def weighted(self, options: Sequence[T], *, weights: Sequence[int]) -> T:
        cumulative = list(itertools.accumulate(weights))
        return options[bisect.bisect(cumulative, self.rng.random() * cumulative[-1])]

    # --- identity parts -------------------------------------------------------------------

    def surname(self) -> Surname:
        return SURNAMES[bisect.bisect(_SURNAME_WEIGHTS, self.rng.random() * _SURNAME_WEIGHTS[-1])]

    def registered_form(self, surname: Surname) -> str:
        # About a third of families whose surname has an old form are registered under it.
        if surname.old_forms and self.rng.random() < 0.35:
            return self.pick(surname.old_forms)
        return surname.kanji

    def given_name(self, gender: str) -> GivenName:
        return self.pick(MALE_NAMES if gender == "M" else FEMALE_NAMES)

    def birth(self, *, earliest: int = _OLDEST_BIRTH, latest: int = _YOUNGEST_BIRTH) -> date:
        return date.fromordinal(self.between(earliest, max(earliest, latest)))

    def phone(self, prefix: str) -> _Phone:
        while True:
            if prefix in ("070", "080", "090"):
                middle, last = self.between(1000, 9999), self.between(0, 9999)
                hyphenated = f"{prefix}-{middle}-{last:04d}"
            else:
                # Landlines have ten digits: the longer the area code, the shorter the exchange.
                exchange_digits = 6 - len(prefix)
                exchange = self.between(10 ** (exchange_digits - 1) * 2, 10**exchange_digits - 1)
                hyphenated = f"{prefix}-{exchange}-{self.between(0, 9999):04d}"
            digits = hyphenated.replace("-", "")
            if digits not in self.used_phones:
                self.used_phones.add(digits)
                return _Phone(digits=digits, hyphenated=hyphenated)

    def mobile(self) -> _Phone:
        return self.phone(self.weighted(("090", "080", "070"), weights=(5, 4, 2)))

    def email(self, surname: Surname, given: GivenName, birth: date) -> str:
        while True:
            style = self.between(0, 3)
            if style == 0:
                local = f"{given.romaji}.{surname.romaji}"
            elif style == 1:
                local = f"{surname.romaji}{given.romaji[0]}{birth.year % 100:02d}"
            elif style == 2:
                local = f"{given.romaji}{self.between(1, 9999)}"
            else:
                local = f"{given.romaji[0]}-{surname.romaji}{self.between(10, 99)}"
            address = f"{local}@{self.pick(EMAIL_DOMAINS)}"
            if address not in self.used_emails:
                self.used_emails.add(address)
                return address

    def home(self, *, with_landline: bool) -> _Home:
        rng = self.rng
        while True:
            town = self.pick(TOWNS)
            block = f"{self.between(1, 9)}-{self.between(1, 40)}-{self.between(1, 30)}"
            building = ""
            if rng.random() < 0.45:
                building = f"{self.pick(BUILDINGS)} {self.between(1, 12)}0{self.between(1, 9)}号室"
            if (town.postal_code, block + building) not in self.used_addresses:
                self.used_addresses.add((town.postal_code, block + building))
                break
        landline = self.phone(town.area_code) if with_landline else None
        return _Home(town=town, block=block, building=building, landline=landline)

    def identity(
        self,
        *,
        surname: Surname | None = None,
        registered_surname: str | None = None,
        given: GivenName | None = None,
        gender: str | None = None,
        birth: date | None = None,
        home: _Home | None = None,
        trap: str = Trap.NONE,
        group_id: str = "",
    ) -> _Identity:
        rng = self.rng
        gender = gender or self.pick("MF")
        surname = surname or self.surname()
        given = given or self.given_name(gender)
        birth = birth or self.birth()
        home = home or self.home(with_landline=rng.random() < 0.45)
        # Older customers more often have no mobile on file, only the home phone.
        has_mobile = home.landline is None or rng.random() < (0.7 if birth.year < 1960 else 0.93)
        return _Identity(
            surname=surname,
            registered_surname=registered_surname or self.registered_form(surname),
            given=given,
            gender=gender,
            birth=birth,
            birth_date=birth.isoformat(),
            home=home,
            mobile=self.mobile() if has_mobile else None,
            email=self.email(surname, given, birth) if rng.random() < 0.8 else "",
            trap=trap,
            group_id=group_id,
        )

    def next_group_id(self, trap: str) -> str:
        self.counters.group += 1
        return f"{trap}-{self.counters.group:06d}"

    # --- groups of people -----------------------------------------------------------------

    def single(self) -> list[_Identity]:
        return [self.identity()]

    def family(self) -> list[_Identity]:
        """Parents and grown-up children under one roof: one surname, landline and address."""
        group_id = self.next_group_id(Trap.FAMILY)
        surname = self.surname()
        registered = self.registered_form(surname)
        home = self.home(with_landline=True)
        father_born = self.birth(latest=date(1978, 12, 31).toordinal())
        mother_born = father_born + timedelta(days=self.between(-5 * 365, 5 * 365))
        shared = {
            "surname": surname,
            "registered_surname": registered,
            "home": home,
            "trap": Trap.FAMILY,
            "group_id": group_id,
        }
        members = [
            self.identity(gender="M", birth=father_born, **shared),
            self.identity(gender="F", birth=mother_born, **shared),
        ]
        for _ in range(self.pick((1, 1, 2))):
            child_born = self.birth(
                earliest=father_born.toordinal() + 24 * 365,
                latest=min(father_born.toordinal() + 38 * 365, _YOUNGEST_BIRTH),
            )
            members.append(self.identity(birth=child_born, **shared))
        return members

    def twins(self) -> list[_Identity]:
        """Born the same day, same surname, home and landline; only the given name differs."""
        rng = self.rng
        group_id = self.next_group_id(Trap.TWINS)
        surname = self.surname()
        shared = {
            "surname": surname,
            "registered_surname": self.registered_form(surname),
            "home": self.home(with_landline=True),
            "birth": self.birth(earliest=date(1970, 1, 1).toordinal()),
            "trap": Trap.TWINS,
            "group_id": group_id,
        }
        if rng.random() < 0.7:
            gender, first, second = self.pick(TWIN_NAMES)
            return [
                self.identity(gender=gender, given=first, **shared),
                self.identity(gender=gender, given=second, **shared),
            ]
        return [
            self.identity(gender="M", **shared),
            self.identity(gender="F", **shared),
        ]

    def namesakes(self) -> list[_Identity]:
        """Two strangers with one common name, born the same day, living apart."""
        group_id = self.next_group_id(Trap.NAMESAKES)
        surname_kanji, gender, given_kanji = self.pick(COMMON_FULL_NAMES)
        surname = _SURNAMES_BY_KANJI[surname_kanji]
        shared = {
            "surname": surname,
            "registered_surname": surname.kanji,
            "given": _GIVEN_BY_KANJI[(gender, given_kanji)],
            "gender": gender,
            "birth": self.birth(),
            "trap": Trap.NAMESAKES,
            "group_id": group_id,
        }
        return [self.identity(**shared), self.identity(**shared)]

    def colleagues(self) -> list[_Identity]:
        """Employees who give the company switchboard as their work phone (勤務先電話)."""
        group_id = self.next_group_id(Trap.COLLEAGUES)
        switchboard = self.phone(self.pick(TOWNS).area_code)
        people = []
        for _ in range(self.between(3, 8)):
            person = self.identity(trap=Trap.COLLEAGUES, group_id=group_id)
            person.work_phone = switchboard
            people.append(person)
        return people

    # --- records ----------------------------------------------------------------------------

    def person(self, identity: _Identity) -> DemoPerson:
        rng = self.rng
        self.counters.person += 1
        person_id = f"P{self.counters.person:07d}"
        roll = rng.random()
        at_loan_desk, at_service_desk = roll < 0.75, roll >= 0.30  # 45% known to both desks
        records: list[tuple[str, dict]] = []
        variants: list[str] = []
        if at_loan_desk:
            loan = self.loan_record(identity)
            records.append((LOAN_DESK, loan))
            if rng.random() < 0.03:
                variants.append(Variant.LOAN_DUPLICATE)
                records.append((LOAN_DESK, self.earlier_loan_application(identity, loan)))
        if at_service_desk:
            written_differently: list[str] = []
            records.append(
                (
                    SERVICE_DESK,
                    self.card_record(
                        identity, written_differently, known_to_loan_desk=at_loan_desk
                    ),
                )
            )
            if at_loan_desk:
                variants.extend(written_differently)
        return DemoPerson(
            person_id=person_id,
            name=f"{identity.registered_surname} {identity.given.kanji}",
            name_kana=f"{identity.surname.kana} {identity.given.kana}",
            birth_date=identity.birth_date,
            gender=identity.gender,
            trap=identity.trap,
            group_id=identity.group_id,
            variants=tuple(variants),
            records=tuple(records),
        )

    def updated_at(self, *, days_back: int) -> str:
        day = _day(-self.between(0, days_back))
        hour, minute = self.between(9, 19), self.between(0, 59)
        return f"{day}T{hour:02d}:{minute:02d}:00+09:00"

    def loan_record(self, identity: _Identity) -> dict:
        self.counters.loan_record += 1
        number = self.counters.loan_record
        home = identity.home
        phones = [phone.hyphenated for phone in (identity.mobile, home.landline) if phone]
        if identity.work_phone:
            phones.append(identity.work_phone.hyphenated)
        address = f"{home.town.prefecture}{home.town.city}{home.town.town}{home.block}"
        if home.building:
            address += f" {home.building}"
        return {
            "external_id": f"L-{number:07d}",
            "customer_number": f"C{number + 10000:07d}",
            "name": f"{identity.registered_surname} {identity.given.kanji}",
            "name_kana": f"{identity.surname.kana} {identity.given.kana}",
            "birth_date": identity.birth_date,
            "gender": identity.gender,
            "phones": phones,
            "emails": [identity.email] if identity.email else [],
            "postal_code": home.town.postal_code,
            "address": address,
            "updated_at": self.updated_at(days_back=900),
            "attributes": {"desk": "contact_center"},
            "accounts": [self.loan_account()],
        }

    def earlier_loan_application(self, identity: _Identity, loan: dict) -> dict:
        """An older application under the same customer number, with the phone of the time."""
        self.counters.loan_record += 1
        older = {
            **loan,
            "external_id": f"L-{self.counters.loan_record:07d}",
            "phones": [self.mobile().hyphenated],
            "updated_at": self.updated_at(days_back=3000),
            "accounts": [self.loan_account(closed=True)],
        }
        return older

    def loan_account(self, *, closed: bool = False) -> dict:
        rng = self.rng
        limit = self.pick((100_000, 300_000, 500_000, 800_000, 1_000_000, 2_000_000, 5_000_000))
        account = {
            "kind": "loan",
            "number": f"{self.between(10**9, 10**10 - 1)}",
            "limit": limit,
        }
        if closed or rng.random() < 0.06:
            return account | {"status": "closed", "balance": 0, "days_past_due": 0}
        balance = self.between(1, limit // 1000) * 1000
        if rng.random() < 0.08:
            days_past_due = self.pick((self.between(1, 29), self.between(30, 120)))
            due = _day(-days_past_due)
            status = "delinquent"
        else:
            days_past_due = 0
            due = _day(self.between(1, 31))
            status = "active"
        return account | {
            "status": status,
            "balance": balance,
            "next_due_date": due,
            "next_due_amount": _instalment(balance),
            "days_past_due": days_past_due,
        }

    def card_account(self) -> dict:
        rng = self.rng
        limit = self.pick((100_000, 300_000, 500_000, 1_000_000))
        number = f"{self.pick(('4', '5', '35'))}{self.between(0, 10**15 - 1):015d}"[:16]
        statuses = ("active", "suspended", "retained", "expired")
        status = self.weighted(statuses, weights=(90, 4, 2, 4))
        balance = self.between(0, limit // 1000) * 1000
        days_past_due, next_due_date = 0, ""
        if balance and rng.random() < 0.05:
            days_past_due = self.between(1, 60)
            next_due_date = _day(-days_past_due)
        elif balance:
            next_due_date = _day(self.between(1, 31))
        return {
            "kind": "card",
            "number": " ".join(number[i : i + 4] for i in range(0, 16, 4)),
            "status": status,
            "balance": balance,
            "limit": limit,
            "next_due_date": next_due_date,
            "next_due_amount": _instalment(balance) if next_due_date else None,
            "days_past_due": days_past_due,
        }

    def card_record(
        self, identity: _Identity, variants: list[str], *, known_to_loan_desk: bool
    ) -> dict:
        """The service desk's record: the same person, written by another system. Each way it
        differs from the loan desk's record is added to `variants`; a life event between the
        two applications (new phone, marriage) only matters when there is a loan record."""
        rng = self.rng
        self.counters.card_record += 1
        surname_kanji, family_kana, given = (
            identity.registered_surname,
            identity.surname.kana,
            identity.given,
        )
        given_kana = given.kana
        mobile, email, home = identity.mobile, identity.email, identity.home
        gender = identity.gender

        # One life event at most between the two applications.
        event = self.weighted(
            ("none", Variant.CHANGED_PHONE, Variant.MARRIED_SURNAME, Variant.KANA_TYPO),
            weights=(76, 10, 10, 4) if gender == "F" else (85, 10, 1, 4),
        )
        if not known_to_loan_desk:
            event = "none"
        if event == Variant.CHANGED_PHONE and mobile is not None:
            variants.append(event)
            mobile = self.mobile()
            if rng.random() < 0.3:
                variants.append(Variant.MOVED)
                home = self.home(with_landline=False)
        elif event == Variant.MARRIED_SURNAME:
            variants.append(event)
            married = self.surname()
            while married.kana == family_kana:
                married = self.surname()
            surname_kanji, family_kana = married.kanji, married.kana
            if rng.random() < 0.7:
                variants.append(Variant.MOVED)
                home = self.home(with_landline=False)
        elif event == Variant.KANA_TYPO:
            variants.append(event)
            family_kana, given_kana = self.slip(family_kana, given_kana)

        # How the legacy card system writes the name.
        if surname_kanji != identity.surname.kanji and event != Variant.MARRIED_SURNAME:
            variants.append(Variant.KANJI_VARIANT)
            surname_kanji = identity.surname.kanji  # legacy systems only know the common form
        elif (
            surname_kanji == identity.surname.kanji
            and identity.surname.old_forms
            and rng.random() < 0.15
        ):
            variants.append(Variant.KANJI_VARIANT)
            surname_kanji = self.pick(identity.surname.old_forms)
        kana = f"{family_kana} {given_kana}"
        style = rng.random()
        if style < 0.6:
            variants.append(Variant.HALF_WIDTH_KANA)
            if rng.random() < 0.25 and kana.translate(_LARGE_KANA) != kana:
                variants.append(Variant.LEGACY_LARGE_KANA)
                kana = kana.translate(_LARGE_KANA)
            kana = jaconv.z2h(kana, kana=True, ascii=False, digit=False)
        elif style < 0.7:
            variants.append(Variant.HIRAGANA)
            kana = jaconv.kata2hira(kana)
        if rng.random() < 0.3:
            variants.append(Variant.KANA_ONLY)
            name = ""
        elif rng.random() < 0.15:
            variants.append(Variant.UNSPACED_NAME)
            name = f"{surname_kanji}{given.kanji}"
        else:
            name = f"{surname_kanji}\u3000{given.kanji}"

        phones = []
        main_phone = mobile or home.landline
        if main_phone is not None:
            phones.append(self.written_phone(main_phone, variants))
        if identity.work_phone is not None and rng.random() < 0.5:
            phones.append(identity.work_phone.digits)

        emails = []
        if email and rng.random() < 0.55:
            emails.append(email.capitalize() if rng.random() < 0.15 else email)
        elif email:
            variants.append(Variant.NO_EMAIL)

        postal_code, address = self.written_address(home, variants)
        if rng.random() < 0.5:
            gender_field = gender
        elif rng.random() < 0.6:
            variants.append(Variant.GENDER_CODE)
            gender_field = "1" if gender == "M" else "2"
        else:
            gender_field = ""
        record = {
            "external_id": f"ATM-{self.counters.card_record:08d}",
            "name": name,
            "name_kana": kana,
            "birth_date": identity.birth_date,
            "gender": gender_field,
            "phones": phones,
            "emails": emails,
            "postal_code": postal_code,
            "address": address,
            "updated_at": self.updated_at(days_back=400 if event == "none" else 60),
            "attributes": {"member_number": f"M{self.between(10**8, 10**9 - 1)}"},
            "accounts": [self.card_account()],
        }
        return record

    def slip(self, family_kana: str, given_kana: str) -> tuple[str, str]:
        """One kana of the reading typed wrong."""
        rng = self.rng
        in_given = rng.random() < 0.7
        text = given_kana if in_given else family_kana
        positions = [index for index, kana in enumerate(text) if kana in KANA_SLIPS]
        if not positions:
            return family_kana, given_kana
        index = self.pick(positions)
        text = text[:index] + KANA_SLIPS[text[index]] + text[index + 1 :]
        return (family_kana, text) if in_given else (text, given_kana)

    def written_phone(self, phone: _Phone, variants: list[str]) -> str:
        style = self.rng.random()
        if style < 0.4:
            variants.append(Variant.PHONE_HYPHENLESS)
            return phone.digits
        if style < 0.6:
            variants.append(Variant.PHONE_INTERNATIONAL)
            return f"+81-{phone.hyphenated[1:]}"
        if style < 0.75:
            variants.append(Variant.PHONE_FULL_WIDTH)
            return phone.hyphenated.translate(_FULL_WIDTH)
        return phone.hyphenated

    def written_address(self, home: _Home, variants: list[str]) -> tuple[str, str]:
        rng = self.rng
        style = rng.random()
        if style < 0.08:
            variants.append(Variant.NO_ADDRESS)
            return "", ""
        town = home.town
        chome, ban, go = home.block.split("-")
        block = home.block
        place = f"{town.prefecture}{town.city}{town.town}"
        if style < 0.3:
            variants.append(Variant.ADDRESS_BLOCKS_IN_KANJI)
            block = f"{chome}丁目{ban}番{go}号"
        elif style < 0.45:
            variants.append(Variant.ADDRESS_FULL_WIDTH)
            block = block.translate(_FULL_WIDTH)
        elif style < 0.55:
            # A legacy form with room for the city only: the prefecture is left out.
            variants.append(Variant.ADDRESS_WITHOUT_PREFECTURE)
            place = f"{town.city}{town.town}"
        address = f"{place}{block}"
        if home.building:
            address += f"　{home.building}"
        postal_code = town.postal_code.replace("-", "") if rng.random() < 0.5 else town.postal_code
        return postal_code, address


_GROUP_KINDS = ("single", Trap.FAMILY, Trap.TWINS, Trap.NAMESAKES, Trap.COLLEAGUES)
_GROUP_WEIGHTS = (86, 6, 2, 2, 4)


def generate_people(*, count: int, rng: random.Random) -> list[DemoPerson]:
    """`count` true people, in both desks' records; every kind of trap group appears at least
    once when there are people enough for them (ten)."""
    # Millions of small dicts and strings, none of them in a reference cycle: the cyclic garbage
    # collector would only walk them again and again, and takes half the time if let run.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _generate_people(count=count, rng=rng)
    finally:
        if collecting:
            gc.enable()


def _generate_people(*, count: int, rng: random.Random) -> list[DemoPerson]:
    maker = _PeopleMaker(rng)
    makers = {
        "single": maker.single,
        Trap.FAMILY: maker.family,
        Trap.TWINS: maker.twins,
        Trap.NAMESAKES: maker.namesakes,
        Trap.COLLEAGUES: maker.colleagues,
    }
    identities: list[_Identity] = []
    if count >= 10:
        for kind in (Trap.FAMILY, Trap.TWINS, Trap.NAMESAKES, Trap.COLLEAGUES):
            identities.extend(makers[kind]()[: count - len(identities)])
    while len(identities) < count:
        kind = maker.weighted(_GROUP_KINDS, weights=_GROUP_WEIGHTS)
        identities.extend(makers[kind]()[: count - len(identities)])
    return [maker.person(identity) for identity in identities[:count]]


def records_by_system(people: Iterable[DemoPerson]) -> dict[str, list[tuple[str, dict]]]:
    """Each system's records, in generation order, each beside its person's true id."""
    by_system: dict[str, list[tuple[str, dict]]] = {system: [] for system in SYSTEMS}
    for person in people:
        for system, record in person.records:
            by_system[system].append((person.person_id, record))
    return by_system


@dataclass
class DemoLoad:
    """What loading the demo records did: outcome actions counted, and records refused."""

    actions: Counter = field(default_factory=Counter)
    errors: list[dict] = field(default_factory=list)


def load_demo_people(
    *, people: Iterable[DemoPerson], decided_by_system: str = "seed_demo"
) -> DemoLoad:
    """Validate and ingest every record as an integration would, a thousand at a time."""
    load = DemoLoad()
    for system, labelled in records_by_system(people).items():
        records = [record for _, record in labelled]
        for start in range(0, len(records), MAX_BATCH_RECORDS):
            checked = validate_records(records[start : start + MAX_BATCH_RECORDS])
            load.errors.extend(checked.errors)
            outcome = ingest_source_records(
                system=system, records=checked.valid, decided_by_system=decided_by_system
            )
            load.actions.update(result.action for result in outcome.results)
    return load
