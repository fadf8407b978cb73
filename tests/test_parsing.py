"""bot.domain.parsing: accepted forms, error codes and round trips of each input parser."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.parsing import (
    COMMON_TIMEZONES,
    InputError,
    Money,
    format_lead_days,
    format_money,
    format_timezone,
    iso_currencies,
    parse_card_number_tail,
    parse_cycle,
    parse_lead_days,
    parse_paid_period,
    parse_price,
    parse_remind_at,
    parse_timezone,
)

PROPS = settings(max_examples=150, deadline=None)


def error_code(parser: Callable[[str], object], text: str) -> str:
    with pytest.raises(InputError) as caught:
        parser(text)
    return caught.value.code


# --------------------------------------------------------------------------- price


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("30", 3000, "CNY"),
        ("30.5", 3050, "CNY"),
        ("30.05", 3005, "CNY"),
        ("30 CNY", 3000, "CNY"),
        ("cny 30", 3000, "CNY"),
        ("¥30", 3000, "CNY"),
        ("￥30", 3000, "CNY"),
        ("30元", 3000, "CNY"),
        ("30块", 3000, "CNY"),
        ("三十元", 3000, "CNY"),
        ("RMB 30", 3000, "CNY"),
        ("₱99", 9900, "PHP"),
        ("PHP 99", 9900, "PHP"),
        ("php99", 9900, "PHP"),
        ("P99", 9900, "PHP"),
        ("99 pesos", 9900, "PHP"),
        ("HK$50", 5000, "HKD"),
        ("HKD 50", 5000, "HKD"),
        ("50港币", 5000, "HKD"),
        ("US$5", 500, "USD"),
        ("$5", 500, "USD"),
        ("5 USD", 500, "USD"),
        ("€5", 500, "EUR"),
        ("5 euros", 500, "EUR"),
        ("1,299.50", 129950, "CNY"),
        ("1,000,000", 100_000_000, "CNY"),
        ("30,5", 3050, "CNY"),  # decimal comma
        ("1000 JPY", 100000, "JPY"),  # any ISO code, two decimals
        ("２９．９元", 2990, "CNY"),
        ("+30", 3000, "CNY"),
        ("HK$50 HKD", 5000, "HKD"),  # the same currency twice is fine
    ],
)
def test_price_forms(text: str, amount: int, currency: str) -> None:
    assert parse_price(text) == Money(amount, currency)


def test_price_default_currency() -> None:
    assert parse_price("99", default_currency="PHP") == Money(9900, "PHP")
    assert parse_price("99", default_currency="hkd") == Money(9900, "HKD")
    assert parse_price("¥99", default_currency="PHP") == Money(9900, "CNY")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("  ", "empty"),
        ("abc", "not_a_number"),
        ("30 or 40", "not_a_number"),
        ("1,2,3", "not_a_number"),
        ("1.2.3", "not_a_number"),
        ("30.555", "too_many_decimals"),
        ("-5", "negative"),
        ("¥-5", "negative"),
        ("−5", "negative"),
        ("0", "zero"),
        ("0.00", "zero"),
        ("1000000.01", "too_large"),
        ("99999999999", "too_large"),
        ("30 xyz", "unknown_currency"),
        ("30 bananas", "unknown_currency"),
        ("300日元", "unknown_currency"),
        ("下下周五", "not_a_number"),
        ("大概30左右吧", "not_a_number"),
        ("HK$5 USD", "currency_conflict"),
        ("€5 CNY", "currency_conflict"),
    ],
)
def test_price_errors(text: str, code: str) -> None:
    assert error_code(parse_price, text) == code


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (3000, "CNY", "¥30.00"),
        (9900, "PHP", "₱99.00"),
        (5000, "HKD", "HK$50.00"),
        (500, "USD", "US$5.00"),
        (505, "EUR", "€5.05"),
        (129950, "CNY", "¥1,299.50"),
        (1200, "XYZ", "12.00 XYZ"),
        (-500, "USD", "-US$5.00"),
    ],
)
def test_format_money(amount: int, currency: str, expected: str) -> None:
    assert format_money(amount, currency) == expected


@PROPS
@given(
    amount=st.integers(1, 100_000_000),
    currency=st.sampled_from(["CNY", "PHP", "HKD", "USD", "EUR", "JPY", "GBP", "SGD", "MYR"]),
)
def test_price_format_round_trip(amount: int, currency: str) -> None:
    assert parse_price(format_money(amount, currency), default_currency="XXX") == Money(
        amount, currency
    )


@PROPS
@given(major=st.integers(0, 999_999), minor=st.integers(0, 99))
def test_bare_price_round_trip(major: int, minor: int) -> None:
    if major == minor == 0:
        return
    text = f"{major}.{minor:02d}"
    assert parse_price(text, default_currency="PHP") == Money(major * 100 + minor, "PHP")


def test_iso_currencies_cover_the_usual_codes() -> None:
    assert {"CNY", "PHP", "HKD", "USD", "EUR", "JPY"} <= iso_currencies()


# --------------------------------------------------------------------------- lead days


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7,3,1,0", (7, 3, 1, 0)),
        ("7 3 1 0", (7, 3, 1, 0)),
        ("7，3，1", (7, 3, 1)),
        ("30, 7", (30, 7)),
        ("0,1,3,7", (7, 3, 1, 0)),
        ("7、3、1", (7, 3, 1)),
        ("7;3", (7, 3)),
        ("3,3,3", (3,)),
        ("7天 3天", (7, 3)),
        ("0", (0,)),
        ("365", (365,)),
        ("七，三，一", (7, 3, 1)),
    ],
)
def test_lead_days_forms(text: str, expected: tuple[int, ...]) -> None:
    assert parse_lead_days(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        (" , ,", "empty"),
        ("a", "not_a_number"),
        ("7,x", "not_a_number"),
        ("-1", "not_a_number"),
        ("1.5", "not_a_number"),
        ("366", "out_of_range"),
        ("7,400", "out_of_range"),
        ("1 2 3 4 5 6 7 8 9 10 11", "too_many"),
    ],
)
def test_lead_days_errors(text: str, code: str) -> None:
    assert error_code(parse_lead_days, text) == code


@PROPS
@given(
    values=st.lists(st.integers(0, 365), min_size=1, max_size=14),
    separator=st.sampled_from([",", " ", ", ", "，", "、", " , "]),
)
def test_lead_days_normalisation(values: list[int], separator: str) -> None:
    text = separator.join(map(str, values))
    if len(set(values)) > 10:
        assert error_code(parse_lead_days, text) == "too_many"
        return
    parsed = parse_lead_days(text)
    assert parsed == tuple(sorted(set(values), reverse=True))
    assert parse_lead_days(format_lead_days(values)) == parsed


def test_format_lead_days() -> None:
    assert format_lead_days([0, 7, 3, 1, 3]) == "7, 3, 1, 0"


# --------------------------------------------------------------------------- remind time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00", time(9, 0)),
        ("9:30", time(9, 30)),
        ("21", time(21, 0)),
        ("0", time(0, 0)),
        ("0930", time(9, 30)),
        ("21.30", time(21, 30)),
        ("９：３０", time(9, 30)),
        ("9am", time(9, 0)),
        ("9 pm", time(21, 0)),
        ("9:30 p.m.", time(21, 30)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("晚上9点", time(21, 0)),
        ("早上8点半", time(8, 30)),
        ("上午10点", time(10, 0)),
        ("21点30分", time(21, 30)),
        ("下午3点一刻", time(15, 15)),
        ("中午12点", time(12, 0)),
        ("中午1点", time(13, 0)),
        ("晚上12点", time(0, 0)),
        ("凌晨12点", time(0, 0)),
        ("凌晨1点", time(1, 0)),
        ("八点", time(8, 0)),
        ("九点三十分", time(9, 30)),
        ("9点钟", time(9, 0)),
        ("晚上9点05", time(21, 5)),
    ],
)
def test_remind_at_forms(text: str, expected: time) -> None:
    assert parse_remind_at(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("abc", "unrecognised"),
        ("9:3", "unrecognised"),
        ("soon", "unrecognised"),
        ("25:00", "out_of_range"),
        ("24", "out_of_range"),
        ("9:75", "out_of_range"),
        ("13pm", "out_of_range"),
        ("0am", "out_of_range"),
        ("25点", "out_of_range"),
    ],
)
def test_remind_at_errors(text: str, code: str) -> None:
    assert error_code(parse_remind_at, text) == code


@PROPS
@given(hour=st.integers(0, 23), minute=st.integers(0, 59))
def test_remind_at_round_trip(hour: int, minute: int) -> None:
    t = time(hour, minute)
    assert parse_remind_at(t.strftime("%H:%M")) == t
    assert parse_remind_at(f"{hour}:{minute:02d}") == t
    assert parse_remind_at(f"{hour}点{minute}分") == t
    twelve = f"{(hour - 1) % 12 + 1}:{minute:02d} {'pm' if hour >= 12 else 'am'}"
    assert parse_remind_at(twelve) == t


# --------------------------------------------------------------------------- time zones

CITIES = {
    "Asia/Manila": ["Manila", "马尼拉", "馬尼拉", "MANILA"],
    "Asia/Shanghai": ["Shanghai", "上海", "Beijing", "北京"],
    "Asia/Hong_Kong": ["Hong Kong", "hongkong", "香港"],
    "Asia/Taipei": ["Taipei", "台北", "臺北"],
    "Asia/Singapore": ["Singapore", "新加坡"],
    "Asia/Tokyo": ["Tokyo", "东京", "東京"],
    "Asia/Seoul": ["Seoul", "首尔", "首爾"],
    "Asia/Bangkok": ["Bangkok", "曼谷"],
    "Europe/London": ["London", "伦敦", "倫敦"],
    "America/New_York": ["New York", "new_york", "纽约", "紐約"],
    "America/Los_Angeles": ["Los Angeles", "洛杉矶", "洛杉磯"],
    "Australia/Sydney": ["Sydney", "悉尼", "雪梨"],
    "Pacific/Auckland": ["Auckland", "奥克兰", "奧克蘭"],
    "Asia/Dubai": ["Dubai", "迪拜", "杜拜"],
    "Asia/Kuala_Lumpur": ["Kuala Lumpur", "吉隆坡"],
    "Asia/Jakarta": ["Jakarta", "雅加达", "雅加達"],
    "Asia/Ho_Chi_Minh": ["Ho Chi Minh", "胡志明", "胡志明市"],
    "Europe/Berlin": ["Berlin", "柏林"],
    "Europe/Paris": ["Paris", "巴黎"],
    "America/Toronto": ["Toronto", "多伦多", "多倫多"],
}


@pytest.mark.parametrize(
    ("text", "zone"), [(text, zone) for zone, texts in CITIES.items() for text in texts]
)
def test_timezone_cities(text: str, zone: str) -> None:
    assert parse_timezone(text) == zone


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("Asia/Manila", "Asia/Manila"),
        ("asia/manila", "Asia/Manila"),
        (" America/New York ", "America/New_York"),
        ("UTC", "UTC"),
        ("gmt", "UTC"),
        ("UTC+0", "UTC"),
        ("UTC+8", "Etc/GMT-8"),
        ("UTC+08:00", "Etc/GMT-8"),
        ("utc 8", "Etc/GMT-8"),
        ("+8", "Etc/GMT-8"),
        ("+0800", "Etc/GMT-8"),
        ("GMT-5", "Etc/GMT+5"),
        ("UTC+14", "Etc/GMT-14"),
        ("UTC-12", "Etc/GMT+12"),
        ("东八区", "Etc/GMT-8"),
        ("西五区", "Etc/GMT+5"),
        ("UTC+5:30", "Asia/Kolkata"),
        ("UTC+5:45", "Asia/Kathmandu"),
        ("Buenos Aires", "America/Argentina/Buenos_Aires"),
        ("北京时间", "Asia/Shanghai"),
    ],
)
def test_timezone_names_and_offsets(text: str, zone: str) -> None:
    assert parse_timezone(text) == zone


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("Mars", "unknown_timezone"),
        ("Asia/Atlantis", "unknown_timezone"),
        ("UTC+15", "out_of_range"),
        ("GMT-13", "out_of_range"),
        ("UTC+8:75", "out_of_range"),
        ("UTC+8:15", "unsupported_offset"),
        ("UTC-3:30", "unsupported_offset"),  # Newfoundland has DST: no fixed stand-in
    ],
)
def test_timezone_errors(text: str, code: str) -> None:
    assert error_code(parse_timezone, text) == code


@PROPS
@given(
    hours=st.integers(-12, 14),
    form=st.sampled_from(["UTC{:+d}", "GMT{:+d}", "{:+d}", "UTC{:+03d}:00"]),
)
def test_fixed_offsets_keep_their_sign(hours: int, form: str) -> None:
    zone = parse_timezone(form.format(hours))
    assert zone in available_timezones()
    for month in (1, 7):  # a fixed offset: the same in winter and summer
        instant = datetime(2026, month, 1, tzinfo=UTC)
        assert instant.astimezone(ZoneInfo(zone)).utcoffset() == timedelta(hours=hours)
    assert format_timezone(zone) == ("UTC" if hours == 0 else f"UTC{hours:+d}")


@pytest.mark.parametrize(("text", "minutes"), [("UTC+3:30", 210), ("UTC+5:30", 330),
                                                ("UTC+6:30", 390), ("UTC+9:30", 570),
                                                ("UTC+8:45", 525), ("UTC-9:30", -570)])  # fmt: skip
def test_fractional_offsets_use_zones_without_dst(text: str, minutes: int) -> None:
    zone = ZoneInfo(parse_timezone(text))
    for month in (1, 7):
        instant = datetime(2026, month, 1, tzinfo=UTC)
        assert instant.astimezone(zone).utcoffset() == timedelta(minutes=minutes)


def test_common_timezones() -> None:
    assert COMMON_TIMEZONES[:2] == ["Asia/Shanghai", "Asia/Manila"]
    for zone in COMMON_TIMEZONES:
        assert parse_timezone(zone) == zone
        assert format_timezone(zone) == zone


# --------------------------------------------------------------------------- card number tail


@pytest.mark.parametrize(
    ("text", "tail"),
    [
        ("+63 917-123-4567", "4567"),
        ("+86 138 0013 8000", "8000"),
        ("(02) 8123-4567", "4567"),
        ("8986 0012 3456 7890 1234", "1234"),
        ("1234", "1234"),
        ("０９１７１２３４５６７", "4567"),
    ],
)
def test_card_number_tail(text: str, tail: str) -> None:
    assert parse_card_number_tail(text) == tail


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("abc1234", "invalid_characters"),
        ("0917 123 456x", "invalid_characters"),
        ("123", "too_short"),
        ("+6-3", "too_short"),
    ],
)
def test_card_number_tail_errors(text: str, code: str) -> None:
    assert error_code(parse_card_number_tail, text) == code


def test_card_number_never_echoed_in_errors() -> None:
    with pytest.raises(InputError) as caught:
        parse_card_number_tail("0917 123 456x")
    assert "0917" not in str(caught.value)
    assert "0917" not in repr(caught.value.params)


@PROPS
@given(
    digits=st.text(alphabet="0123456789", min_size=4, max_size=22),
    separators=st.lists(st.sampled_from([" ", "-", ""]), min_size=22, max_size=22),
    plus=st.booleans(),
)
def test_card_number_tail_is_last_four_digits(
    digits: str, separators: list[str], plus: bool
) -> None:
    text = ("+" if plus else "") + "".join(d + s for d, s in zip(digits, separators, strict=False))
    assert parse_card_number_tail(text) == digits[-4:]


# --------------------------------------------------------------------------- cycle


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("monthly", ("monthly", None)),
        ("Monthly", ("monthly", None)),
        ("every month", ("monthly", None)),
        ("每月", ("monthly", None)),
        ("月付", ("monthly", None)),
        ("1个月", ("monthly", None)),
        ("quarterly", ("quarterly", None)),
        ("季度", ("quarterly", None)),
        ("每3个月", ("quarterly", None)),
        ("every 3 months", ("quarterly", None)),
        ("yearly", ("yearly", None)),
        ("annual", ("yearly", None)),
        ("每年", ("yearly", None)),
        ("年付", ("yearly", None)),
        ("12 months", ("yearly", None)),
        ("1 year", ("yearly", None)),
        ("none", ("none", None)),
        ("无", ("none", None)),
        ("一次性", ("none", None)),
        ("every 30 days", ("days", 30)),
        ("30 days", ("days", 30)),
        ("30天", ("days", 30)),
        ("每30天", ("days", 30)),
        ("每三十天", ("days", 30)),
        ("28d", ("days", 28)),
        ("1 day", ("days", 1)),
        ("3650 days", ("days", 3650)),
        ("weekly", ("days", 7)),
        ("每周", ("days", 7)),
        ("every 2 weeks", ("days", 14)),
    ],
)
def test_cycle_forms(text: str, expected: tuple[str, int | None]) -> None:
    assert parse_cycle(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("sometimes", "unrecognised"),
        ("every day or two", "unrecognised"),
        ("0 days", "out_of_range"),
        ("3651 days", "out_of_range"),
        ("600 weeks", "out_of_range"),
        ("every 6 months", "unsupported"),
        ("2 years", "unsupported"),
    ],
)
def test_cycle_errors(text: str, code: str) -> None:
    assert error_code(parse_cycle, text) == code


@PROPS
@given(n=st.integers(1, 3650), form=st.sampled_from(["every {} days", "{} days", "{}天", "每{}天"]))
def test_cycle_days_round_trip(n: int, form: str) -> None:
    assert parse_cycle(form.format(n)) == ("days", n)


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("交了一年的", (12, 0)), ("续了3个月", (3, 0)), ("半年", (6, 0)), ("一个月", (1, 0)),
        ("交了两年", (24, 0)), ("30天", (0, 30)), ("paid for a year", (12, 0)),
        ("I paid for 3 months", (3, 0)), ("12 months", (12, 0)), ("renewed for 90 days", (0, 90)),
    ],
)
def test_a_paid_period_is_read(text: str, period: tuple[int, int]) -> None:
    assert parse_paid_period(text) == period


@pytest.mark.parametrize(
    "text", ["十二月", "3月", "2026-12-31", "下个月15号", "30天后", "明天", "next year", "0 months",
             "paid", "一年前"],
)
def test_dates_and_other_words_are_no_paid_period(text: str) -> None:
    assert parse_paid_period(text) is None
