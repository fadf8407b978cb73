"""Parsers for what users type besides dates: price, lead days, remind time, time zone, card
number tail and renewal cycle.

Each parser returns a value or raises InputError with a stable `code` that the UI translates.
Input goes through `bot.domain.dates.normalise` first, so full-width characters and small Chinese
numerals work everywhere.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from functools import cache

from bot.domain.dates import Cycle, normalise
from bot.knowledge.normalize import has_cjk


class InputError(ValueError):
    """`code` is stable (the UI translates it); `detail` is English for logs; `params` feed the
    translated message. Neither ever echoes a card number."""

    def __init__(self, code: str, detail: str = "", params: dict[str, int | str] | None = None):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.params = params or {}


# --------------------------------------------------------------------------- money


@dataclass(frozen=True)
class Money:
    amount_minor: int
    currency: str  # ISO 4217 code, upper case


MINOR_PER_MAJOR = 100  # two decimals for every currency, as the price column assumes
MAX_MAJOR = 1_000_000

_SYMBOLS = {"CNY": "¥", "PHP": "₱", "HKD": "HK$", "USD": "US$", "EUR": "€"}
_CURRENCY_WORDS = {
    "¥": "CNY", "元": "CNY", "块": "CNY", "块钱": "CNY", "塊": "CNY", "塊錢": "CNY",
    "rmb": "CNY", "人民币": "CNY", "人民幣": "CNY", "yuan": "CNY",
    # "P99" is how prices are written in the Philippines.
    "₱": "PHP", "p": "PHP", "peso": "PHP", "pesos": "PHP", "piso": "PHP", "比索": "PHP",
    "hk$": "HKD", "港币": "HKD", "港幣": "HKD", "港元": "HKD",
    # A bare "$" is read as US dollars.
    "$": "USD", "us$": "USD", "dollar": "USD", "dollars": "USD", "美元": "USD", "美金": "USD",
    "€": "EUR", "euro": "EUR", "euros": "EUR", "欧元": "EUR", "歐元": "EUR",
}  # fmt: skip
_NUMBER = re.compile(r"\d[\d,.]*")
# How a Chinese currency name ends (日元, 新台币, 英镑): "300日元" is a currency not known here.
_CJK_CURRENCY = re.compile(r"[元币幣圆圓镑鎊]$")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_DECIMAL_COMMA = re.compile(r"\d+,\d{1,2}")
_PLAIN = re.compile(r"\d+(?:\.\d+)?")


@cache
def iso_currencies() -> frozenset[str]:
    from babel.numbers import list_currencies  # lazy: only needed for uncommon codes

    return frozenset(list_currencies())


def _currency(token: str) -> str | None:
    token = token.strip()
    if not token:
        return None
    if token in _CURRENCY_WORDS:
        return _CURRENCY_WORDS[token]
    if token.upper() in iso_currencies():
        return token.upper()
    if has_cjk(token) and not _CJK_CURRENCY.search(token):
        # Chinese beside the number that names no currency ("下下周五", "大概30左右吧") is no price.
        raise InputError("not_a_number", f"{token!r} around the number is not a currency")
    raise InputError("unknown_currency", f"unknown currency {token!r}", {"currency": token})


def _amount(number: str) -> Decimal:
    if _THOUSANDS.fullmatch(number):
        number = number.replace(",", "")
    elif _DECIMAL_COMMA.fullmatch(number):  # "30,5": a decimal comma, not a thousands one
        number = number.replace(",", ".")
    elif not _PLAIN.fullmatch(number):
        raise InputError("not_a_number", f"{number!r} is not a number")
    if len(number.partition(".")[2]) > 2:
        raise InputError("too_many_decimals", f"{number} has more than 2 decimals")
    return Decimal(number)


def parse_price(text: str, default_currency: str = "CNY") -> Money:
    """Price from "30", "30.5 CNY", "¥30", "30元", "₱99", "99 pesos", "HK$50", "US$5", "€5"...

    A bare number is in `default_currency`. Codes: empty, not_a_number, too_many_decimals,
    negative, zero, too_large, unknown_currency, currency_conflict.
    """
    s = normalise(text).replace("−", "-")
    if not s:
        raise InputError("empty")
    numbers = list(_NUMBER.finditer(s))
    if len(numbers) != 1:
        raise InputError("not_a_number", f"expected one number, found {len(numbers)}")
    match = numbers[0]
    before, after = s[: match.start()], s[match.end() :]
    negative = "-" in before
    before = before.replace("-", "").replace("+", "")
    found = {c for c in (_currency(before), _currency(after)) if c}
    if len(found) > 1:
        raise InputError("currency_conflict", f"two currencies: {sorted(found)}")
    amount = _amount(match[0])
    if negative and amount:
        raise InputError("negative", "the price must be positive")
    if not amount:
        raise InputError("zero", "the price must be positive")
    if amount > MAX_MAJOR:
        raise InputError("too_large", f"more than {MAX_MAJOR:,}", {"max": MAX_MAJOR})
    currency = found.pop() if found else default_currency.upper()
    return Money(int(amount * MINOR_PER_MAJOR), currency)


def currency_sign(currency: str) -> str:
    """¥, ₱, HK$, US$ or €; the code of any other currency."""
    return _SYMBOLS.get(currency, currency)


def format_money(amount_minor: int, currency: str) -> str:
    """Like "¥30.00", "₱99.00", "HK$1,299.50", "US$5.00", "€5.00"; others "12.00 XYZ"."""
    major, minor = divmod(abs(amount_minor), MINOR_PER_MAJOR)
    sign = "-" if amount_minor < 0 else ""
    number = f"{major:,}.{minor:02d}"
    symbol = _SYMBOLS.get(currency)
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency}"


# --------------------------------------------------------------------------- lead days

MAX_LEAD_DAY = 365
MAX_LEAD_VALUES = 10
_LEAD_SEPARATORS = re.compile(r"[\s,;、/]+")
_LEAD_VALUE = re.compile(r"(\d+)(?:d|天|日)?")


def parse_lead_days(text: str) -> tuple[int, ...]:
    """Lead days from "7,3,1,0", "7 3 1 0", "7，3，1", "30、7": unique, largest first.

    Codes: empty, not_a_number (params: value), out_of_range (each 0..365), too_many (> 10).
    """
    tokens = [t for t in _LEAD_SEPARATORS.split(normalise(text)) if t]
    if not tokens:
        raise InputError("empty")
    values: set[int] = set()
    for token in tokens:
        m = _LEAD_VALUE.fullmatch(token)
        if not m:
            raise InputError("not_a_number", f"{token!r} is not a number", {"value": token})
        value = int(m[1])
        if value > MAX_LEAD_DAY:
            raise InputError("out_of_range", f"{value} > {MAX_LEAD_DAY}", {"value": value})
        values.add(value)
    if len(values) > MAX_LEAD_VALUES:
        raise InputError("too_many", f"{len(values)} values", {"max": MAX_LEAD_VALUES})
    return tuple(sorted(values, reverse=True))


def format_lead_days(days: Iterable[int]) -> str:
    """Like "7, 3, 1, 0" (unique, largest first); parse_lead_days reads it back."""
    return ", ".join(str(d) for d in sorted(set(days), reverse=True))


# --------------------------------------------------------------------------- remind time

_CLOCK = re.compile(r"(\d{1,2})(?:[:.h](\d{2}))?|(\d{2})(\d{2})")
_TWELVE_HOUR = re.compile(r"(\d{1,2})(?::(\d{2}))? ?([ap])\.?m\.?")
_ZH_CLOCK = re.compile(
    r"(凌晨|早上|早晨|清晨|上午|中午|下午|傍晚|晚上|夜里|夜裡|夜晚)? ?(\d{1,2}) ?[点點时時]"
    r" ?(?:(\d{1,2}) ?分|(\d{1,2})|(半)|([13]) ?刻)? ?[钟鐘]?"
)
_EVENING = {"下午", "傍晚", "晚上", "夜里", "夜裡", "夜晚"}


def _zh_hour(period: str | None, hour: int) -> int:
    if period == "中午":
        return hour + 12 if hour < 11 else hour  # 中午1点 is 13:00
    if period in _EVENING:
        if hour == 12:
            return 12 if period == "下午" else 0  # 晚上12点 is midnight
        return hour + 12 if hour < 12 else hour
    if period == "凌晨" and hour == 12:
        return 0
    return hour


def parse_remind_at(text: str) -> time:
    """Local time of day from "09:00", "9:30", "21", "9am", "9 pm", "晚上9点", "早上8点半"...

    Codes: empty, unrecognised, out_of_range (25:00, 13pm, 9:75).
    """
    s = normalise(text)
    if not s:
        raise InputError("empty")
    if m := _CLOCK.fullmatch(s):
        hour, minute = int(m[1] or m[3]), int(m[2] or m[4] or 0)
    elif m := _TWELVE_HOUR.fullmatch(s):
        hour, minute = int(m[1]), int(m[2] or 0)
        if not 1 <= hour <= 12:
            raise InputError("out_of_range", f"{hour} is not a 12-hour clock hour")
        hour = hour % 12 + (12 if m[3] == "p" else 0)
    elif m := _ZH_CLOCK.fullmatch(s):
        hour = _zh_hour(m[1], int(m[2]))
        minute = 30 if m[5] else 15 * int(m[6]) if m[6] else int(m[3] or m[4] or 0)
    else:
        raise InputError("unrecognised", f"no time in {text!r}")
    if hour > 23 or minute > 59:
        raise InputError("out_of_range", f"{hour}:{minute:02d} is not a time of day")
    return time(hour, minute)


# --------------------------------------------------------------------------- time zones

COMMON_TIMEZONES = [
    "Asia/Shanghai",
    "Asia/Manila",
    "Asia/Hong_Kong",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Europe/London",
    "America/New_York",
    "UTC",
]

_AREAS = (
    "Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/", "Australia/", "Europe/",
    "Indian/", "Pacific/",
)  # fmt: skip
_PLACES = {
    "Asia/Shanghai": "beijing 北京 上海 china 中国 中國 北京时间 北京時間 prc",
    "Asia/Manila": "马尼拉 馬尼拉 philippines 菲律宾 菲律賓 ph",
    "Asia/Hong_Kong": "hk 香港",
    "Asia/Taipei": "台北 臺北 taiwan 台湾 臺灣 台灣",
    "Asia/Singapore": "新加坡 sg",
    "Asia/Tokyo": "东京 東京 japan 日本",
    "Asia/Seoul": "首尔 首爾 korea 韩国 韓國",
    "Asia/Bangkok": "曼谷 thailand 泰国 泰國",
    "Europe/London": "伦敦 倫敦 uk 英国 英國",
    "America/New_York": "纽约 紐約 nyc",
    "America/Los_Angeles": "洛杉矶 洛杉磯 la",
    "Australia/Sydney": "悉尼 雪梨",
    "Pacific/Auckland": "奥克兰 奧克蘭",
    "Asia/Dubai": "迪拜 杜拜",
    "Asia/Kuala_Lumpur": "吉隆坡 kl malaysia 马来西亚 馬來西亞",
    "Asia/Jakarta": "雅加达 雅加達",
    "Asia/Ho_Chi_Minh": "胡志明 胡志明市 saigon hcmc vietnam 越南",
    "Europe/Berlin": "柏林",
    "Europe/Paris": "巴黎",
    "America/Toronto": "多伦多 多倫多",
}
# Offsets that are not whole hours have no Etc/ zone: use a place on that offset without DST.
_FRACTIONAL_OFFSET_ZONES = {
    210: "Asia/Tehran",
    270: "Asia/Kabul",
    330: "Asia/Kolkata",
    345: "Asia/Kathmandu",
    390: "Asia/Yangon",
    525: "Australia/Eucla",
    570: "Australia/Darwin",
    -570: "Pacific/Marquesas",
}
_OFFSET = re.compile(
    r"(?:utc|gmt)? ?([+-]) ?(\d{1,2})(?::?(\d{2}))?|(?:utc|gmt) ?(\d{1,2})(?::?(\d{2}))?"
    r"|([东東西])(\d{1,2})[区區]"
)
_KEY_NOISE = re.compile(r"[\s_\-]+")


def _key(text: str) -> str:
    return _KEY_NOISE.sub("", text.lower())


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())  # scans tzdata on every call: cache


@cache
def _zone_index() -> dict[str, str]:
    """Lookup key -> IANA name: every zone name, every unique city part, and _PLACES."""
    names = _zone_names()
    index = {_key(name): name for name in names}
    # Later wins: city parts override legacy top-level aliases ("Singapore"), and deeper names
    # override shallow aliases (America/Argentina/Cordoba over America/Cordoba).
    for name in sorted(names, key=lambda n: (n.count("/"), n)):
        if name.startswith(_AREAS):
            index[_key(name.rsplit("/", 1)[1])] = name
    for zone, places in _PLACES.items():
        index.update(dict.fromkeys(places.split(), zone))
    return index


def _offset_zone(sign: str, hours: int, minutes: int) -> str:
    total = (hours * 60 + minutes) * (-1 if sign == "-" else 1)
    if minutes > 59 or not -12 * 60 <= total <= 14 * 60:
        raise InputError("out_of_range", f"UTC offset {sign}{hours}:{minutes:02d}")
    if total == 0:
        return "UTC"
    if minutes == 0:
        # Etc/ names use the POSIX sign: UTC+8 is "Etc/GMT-8".
        return f"Etc/GMT{'-' if total > 0 else '+'}{hours}"
    if total in _FRACTIONAL_OFFSET_ZONES:
        return _FRACTIONAL_OFFSET_ZONES[total]
    raise InputError("unsupported_offset", f"no fixed zone for UTC{sign}{hours}:{minutes:02d}")


def parse_timezone(text: str) -> str:
    """IANA zone name from "Asia/Manila", "asia/manila", "UTC+8", "GMT-5", "+8", "UTC",
    "东八区", or a city/country in English or Chinese ("Manila", "马尼拉", "香港").

    Whole-hour offsets map to the fixed Etc/GMT∓N zones (what the user typed, never shifted by
    some country's DST); format_timezone shows them as "UTC+8" again.
    Codes: empty, unknown_timezone, out_of_range (beyond -12..+14), unsupported_offset.
    """
    s = normalise(text)
    if not s:
        raise InputError("empty")
    if s in {"utc", "gmt", "z", "zulu"}:
        return "UTC"
    if m := _OFFSET.fullmatch(s):
        if m[6]:
            return _offset_zone("-" if m[6] == "西" else "+", int(m[7]), 0)
        if m[1]:
            return _offset_zone(m[1], int(m[2]), int(m[3] or 0))
        return _offset_zone("+", int(m[4]), int(m[5] or 0))
    zone = _zone_index().get(_key(s))
    if zone is None or zone not in _zone_names():
        raise InputError("unknown_timezone", f"no time zone for {text!r}", {"text": text})
    return zone


_ETC_OFFSET = re.compile(r"Etc/GMT([+-])(\d+)")


def format_timezone(zone: str) -> str:
    """Display name: the fixed "Etc/GMT-8" reads as "UTC+8"; other zones as they are."""
    if m := _ETC_OFFSET.fullmatch(zone):
        return f"UTC{'+' if m[1] == '-' else '-'}{m[2]}"
    return zone


# --------------------------------------------------------------------------- card number

_NUMBER_CHARS = re.compile(r"[\d\s\-+().]+")


def parse_card_number_tail(text: str) -> str:
    """The last 4 digits of a phone number or ICCID ("+63 917-123-4567" -> "4567").

    Only the tail is kept, and errors never echo the input.
    Codes: empty, invalid_characters (letters or other symbols), too_short (< 4 digits).
    """
    s = normalise(text)
    if not s:
        raise InputError("empty")
    if not _NUMBER_CHARS.fullmatch(s):
        raise InputError("invalid_characters", "only digits and + - ( ) . separators")
    digits = re.sub(r"\D", "", s)
    if len(digits) < 4:
        raise InputError("too_short", f"{len(digits)} digits", {"min": 4})
    return digits[-4:]


# --------------------------------------------------------------------------- cycle

MAX_CYCLE_DAYS = 3650
_CYCLE_SYNONYMS: tuple[tuple[Cycle, str], ...] = (
    (
        "none",
        "none|no|never|once|one time|one-time|-|无|無|不|没有|沒有|一次性|不续|不續|不重复|不重複",
    ),
    ("monthly", "monthly|month|every month|每月|每个月|每個月|月付|包月|月|月度|按月"),
    ("quarterly", "quarterly|quarter|every quarter|季度|季|每季|每季度|季付|按季"),
    ("yearly", "yearly|annual|annually|year|every year|每年|年付|包年|年|年度|按年"),
)
# Keys normalised like the input: 一次性 is looked up as "1次性".
_CYCLE_WORDS = {
    normalise(word): cycle for cycle, words in _CYCLE_SYNONYMS for word in words.split("|")
}
_WEEKLY = {"weekly", "every week", "每周", "每週", "每星期"}
_CYCLE_COUNT = re.compile(
    r"(?:every |每 ?)?(\d+) ?(?:(?P<d>days?|d|天|日)"
    r"|(?P<w>weeks?|w|[个個]?(?:星期|周|週|礼拜|禮拜))|(?P<m>months?|[个個]?月)|(?P<y>years?|年))"
)
_MONTHS_TO_CYCLE: dict[int, Cycle] = {1: "monthly", 3: "quarterly", 12: "yearly"}


def parse_cycle(text: str) -> tuple[Cycle, int | None]:
    """(cycle, cycle_days): "monthly"/"每月" -> ("monthly", None), "30天"/"every 30 days" ->
    ("days", 30), "weekly"-style counts become days, "none"/"无" -> ("none", None).

    Codes: empty, unrecognised, out_of_range (days beyond 1..3650), unsupported (a month or year
    count other than 1, 3 or 12 months: the card model has no such cycle).
    """
    s = normalise(text)
    if not s:
        raise InputError("empty")
    if s in _WEEKLY:
        return "days", 7
    if s in _CYCLE_WORDS:
        return _CYCLE_WORDS[s], None
    m = _CYCLE_COUNT.fullmatch(s)
    if not m:
        raise InputError("unrecognised", f"no cycle in {text!r}")
    count = int(m[1])
    if m["m"] or m["y"]:
        months = count * (12 if m["y"] else 1)
        if months not in _MONTHS_TO_CYCLE:
            raise InputError("unsupported", f"every {months} months", {"months": months})
        return _MONTHS_TO_CYCLE[months], None
    days = count * (7 if m["w"] else 1)
    if not 1 <= days <= MAX_CYCLE_DAYS:
        raise InputError("out_of_range", f"{days} days", {"min": 1, "max": MAX_CYCLE_DAYS})
    return "days", days


# "交了一年的", "续了3个月", "半年", "paid for a year", "12 months": how long a renewal bought.
_PAID_FOR = re.compile(
    r"(?:(?:我|已经|已)?(?:交|缴|续|充|买|办|续费|充值)了?|(?:i )?(?:paid|renewed|bought|topped up|"
    r"loaded)(?: it)?(?: for)?|for)?\s*"
    r"(?:(?P<half>半年|half a year|6 months?)|(?P<n>\d+|an?|one) ?"
    r"(?:(?P<y>years?|yrs?|年)|(?P<m>months?|mos?|[个個]月)|(?P<d>days?|天)))"
    r"\s*(?:的|的套餐|套餐|plan|worth|of (?:load|data|service))?\s*(?:了|啦)?"
)


def parse_paid_period(text: str) -> tuple[int, int] | None:
    """(months, days) of a renewal described by how long it bought, or None."""
    m = _PAID_FOR.fullmatch(normalise(text).strip(" .!。！"))
    if m is None:
        return None
    if m["half"]:
        return 6, 0
    count = 1 if m["n"] in ("a", "an", "one") else int(m["n"])
    if not 1 <= count <= (10 if m["y"] else 120 if m["m"] else MAX_CYCLE_DAYS):
        return None
    if m["y"]:
        return count * 12, 0
    return (count, 0) if m["m"] else (0, count)
