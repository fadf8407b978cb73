"""bot.domain.dates: every accepted date form, the error codes, and round-trip properties."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.dates import (
    MONTH_NAMES,
    QUICK_OFFSETS,
    DateParseError,
    add_months,
    apply_quick,
    days_between,
    format_date,
    next_expiry,
    normalise,
    parse_date,
    read_date,
)

TODAY = date(2026, 3, 10)  # a Tuesday
PROPS = settings(max_examples=150, deadline=None)
DATES = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # absolute, numeric
        ("2026-12-31", date(2026, 12, 31)),
        ("2026/12/31", date(2026, 12, 31)),
        ("2026.12.31", date(2026, 12, 31)),
        ("2026-1-5", date(2026, 1, 5)),
        ("20261231", date(2026, 12, 31)),
        ("31.12.2026", date(2026, 12, 31)),
        ("31-12-2026", date(2026, 12, 31)),
        ("5.6.2026", date(2026, 6, 5)),  # dots: day first
        ("5/6/2026", date(2026, 5, 6)),  # slashes: month first
        ("31/12/2026", date(2026, 12, 31)),  # month 31 is impossible, so day first
        ("12/31/2026", date(2026, 12, 31)),
        ("31.12.26", date(2026, 12, 31)),
        # month/day without a year: next occurrence on or after today
        ("12/31", date(2026, 12, 31)),
        ("31/12", date(2026, 12, 31)),
        ("12.31", date(2026, 12, 31)),
        ("3/10", date(2026, 3, 10)),
        ("3/9", date(2027, 3, 9)),
        # Chinese
        ("2026年12月31日", date(2026, 12, 31)),
        ("2026年12月31号", date(2026, 12, 31)),
        ("12月31日", date(2026, 12, 31)),
        ("3月1日", date(2027, 3, 1)),
        ("今年12月31日", date(2026, 12, 31)),
        ("明年3月1日", date(2027, 3, 1)),
        ("31日", date(2026, 3, 31)),
        ("5号", date(2026, 4, 5)),
        ("10号", date(2026, 3, 10)),
        ("今天", TODAY),
        ("明天", date(2026, 3, 11)),
        ("后天", date(2026, 3, 12)),
        ("大后天", date(2026, 3, 13)),
        ("30天后", date(2026, 4, 9)),
        ("30天以后", date(2026, 4, 9)),
        ("30日后", date(2026, 4, 9)),
        ("3个月后", date(2026, 6, 10)),
        ("1年后", date(2027, 3, 10)),
        ("一年后", date(2027, 3, 10)),
        ("两周后", date(2026, 3, 24)),
        ("2个星期后", date(2026, 3, 24)),
        ("半年后", date(2026, 9, 10)),
        ("下个月", date(2026, 4, 10)),
        ("下个月5号", date(2026, 4, 5)),
        ("下月5日", date(2026, 4, 5)),
        ("本月31号", date(2026, 3, 31)),
        ("明年", date(2027, 3, 10)),
        ("下周五", date(2026, 3, 20)),
        ("下周日", date(2026, 3, 22)),
        ("周五", date(2026, 3, 13)),
        ("星期二", TODAY),
        ("星期天", date(2026, 3, 15)),
        ("本周一", date(2026, 3, 9)),
        ("下個月5號", date(2026, 4, 5)),
        ("兩週後", date(2026, 3, 24)),
        # Chinese numerals
        ("三十天后", date(2026, 4, 9)),
        ("十二月三十一日", date(2026, 12, 31)),
        ("二〇二六年十二月三十一日", date(2026, 12, 31)),
        # English
        ("today", TODAY),
        ("Tomorrow", date(2026, 3, 11)),
        ("day after tomorrow", date(2026, 3, 12)),
        ("in 30 days", date(2026, 4, 9)),
        ("in 2 weeks", date(2026, 3, 24)),
        ("in 3 months", date(2026, 6, 10)),
        ("in 1 year", date(2027, 3, 10)),
        ("in a month", date(2026, 4, 10)),
        ("3 days later", date(2026, 3, 13)),
        ("a week from now", date(2026, 3, 17)),
        ("next week", date(2026, 3, 17)),
        ("next month", date(2026, 4, 10)),
        ("+30d", date(2026, 4, 9)),
        ("+2w", date(2026, 3, 24)),
        ("+3m", date(2026, 6, 10)),
        ("+1y", date(2027, 3, 10)),
        ("+ 30 days", date(2026, 4, 9)),
        ("friday", date(2026, 3, 13)),
        ("next friday", date(2026, 3, 20)),  # as 下周五: the Friday of next week
        ("tuesday", TODAY),
        ("next tuesday", date(2026, 3, 17)),
        ("next monday", date(2026, 3, 16)),
        ("this friday", date(2026, 3, 13)),
        ("Fri", date(2026, 3, 13)),
        ("Dec 31", date(2026, 12, 31)),
        ("Mar 1", date(2027, 3, 1)),
        ("dec. 31st", date(2026, 12, 31)),
        ("31 Dec 2026", date(2026, 12, 31)),
        ("31-Dec-2026", date(2026, 12, 31)),
        ("31st of December 2026", date(2026, 12, 31)),
        ("December 31 2026", date(2026, 12, 31)),
        ("December 31, 2026", date(2026, 12, 31)),
        ("Sept 9", date(2026, 9, 9)),
        ("the 5th", date(2026, 4, 5)),
        # full-width digits, punctuation and spaces
        ("２０２６－１２－３１", date(2026, 12, 31)),
        ("２０２６年１２月３１日", date(2026, 12, 31)),
        ("　明天　", date(2026, 3, 11)),
        ("＋３０ｄ", date(2026, 4, 9)),
        # past dates parse; the caller asks for confirmation
        ("2020-01-01", date(2020, 1, 1)),
        ("yesterday", date(2026, 3, 9)),
        ("in two weeks", date(2026, 3, 24)),
        ("in three months", date(2026, 6, 10)),
        # a day of a named month, month ends, the month after next
        ("next month 5th", date(2026, 4, 5)),
        ("5th next month", date(2026, 4, 5)),
        ("the 5th of next month", date(2026, 4, 5)),
        ("next month on the 5th", date(2026, 4, 5)),
        ("the 20th of this month", date(2026, 3, 20)),
        ("the month after next 1st", date(2026, 5, 1)),
        ("月底", date(2026, 3, 31)),
        ("本月底", date(2026, 3, 31)),
        ("月末", date(2026, 3, 31)),
        ("下个月底", date(2026, 4, 30)),
        ("下月末", date(2026, 4, 30)),
        ("下下个月底", date(2026, 5, 31)),
        ("下下个月1号", date(2026, 5, 1)),
        ("下下月15日", date(2026, 5, 15)),
        ("下下个月", date(2026, 5, 10)),
        ("end of month", date(2026, 3, 31)),
        ("end of the month", date(2026, 3, 31)),
        ("end of next month", date(2026, 4, 30)),
        ("next month end", date(2026, 4, 30)),
        ("end of the month after next", date(2026, 5, 31)),
        ("下下周三", date(2026, 3, 25)),
    ],
)
def test_accepted_forms(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("+1m", date(2026, 1, 31), date(2026, 2, 28)),
        ("1个月后", date(2028, 1, 31), date(2028, 2, 29)),
        ("+1y", date(2028, 2, 29), date(2029, 2, 28)),
        ("30号", date(2026, 2, 10), date(2026, 3, 30)),  # February has no 30th
        ("30日", date(2026, 1, 31), date(2026, 3, 30)),
        ("31号", date(2026, 4, 15), date(2026, 5, 31)),
        ("12/31", date(2026, 12, 31), date(2026, 12, 31)),
        ("1/1", date(2026, 12, 31), date(2027, 1, 1)),
        ("2/29", date(2028, 2, 29), date(2028, 2, 29)),
        ("下周一", date(2026, 3, 15), date(2026, 3, 16)),  # from a Sunday
        ("next monday", date(2026, 3, 15), date(2026, 3, 16)),  # the same week as 下周一
        ("下周一", date(2026, 3, 16), date(2026, 3, 23)),  # from a Monday
        ("next monday", date(2026, 3, 16), date(2026, 3, 23)),
        ("next month 5th", date(2026, 11, 29), date(2026, 12, 5)),  # issue 12
        ("下下个月1号", date(2026, 11, 29), date(2027, 1, 1)),
        ("下个月底", date(2027, 1, 31), date(2027, 2, 28)),
        ("end of month", date(2028, 2, 3), date(2028, 2, 29)),
        ("2/29", date(2027, 11, 29), date(2028, 2, 29)),  # the next February is a leap one
    ],
)
def test_relative_to_today(text: str, today: date, expected: date) -> None:
    assert parse_date(text, today) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("abc", "unrecognised"),
        ("30", "unrecognised"),  # a bare number is ambiguous
        ("1 2 3", "unrecognised"),
        ("expires soon", "unrecognised"),
        ("2026-02-30", "impossible"),
        ("2026-13-01", "impossible"),
        ("2026-00-10", "impossible"),
        ("2026-04-00", "impossible"),
        ("13/13", "impossible"),
        ("4/31", "impossible"),
        ("2/30", "impossible"),
        ("32号", "impossible"),
        ("下个月31号", "impossible"),  # April has 30 days
        ("Feb 30 2026", "impossible"),
        ("2/29", "impossible"),  # February 2027 has 28 days
        ("下个月32号", "impossible"),
        ("1999-12-31", "out_of_range"),
        ("2101-01-01", "out_of_range"),
        ("31.12.1999", "out_of_range"),
        ("in 99999999 days", "out_of_range"),
        ("+100y", "out_of_range"),
    ],
)
def test_error_reasons(text: str, reason: str) -> None:
    with pytest.raises(DateParseError) as caught:
        parse_date(text, TODAY)
    assert caught.value.reason == reason


def test_impossible_detail_names_the_month() -> None:
    with pytest.raises(DateParseError) as caught:
        parse_date("2026-02-30", TODAY)
    assert caught.value.detail == "February 2026 has 28 days"
    assert caught.value.params == {"year": 2026, "month": 2, "day": 30, "max_day": 28}


@pytest.mark.parametrize(
    ("text", "today", "year", "max_day"),
    [
        ("2月29日", date(2026, 11, 29), 2027, 28),  # not a leap day in 2028
        ("2/30", date(2026, 11, 29), 2027, 28),
        ("2月30日", date(2027, 12, 1), 2028, 29),
        ("2/29", date(2026, 2, 10), 2026, 28),  # this February has not ended
    ],
)
def test_impossible_day_names_the_month_it_means(
    text: str, today: date, year: int, max_day: int
) -> None:
    with pytest.raises(DateParseError) as caught:
        parse_date(text, today)
    assert caught.value.reason == "impossible"
    assert (caught.value.params["year"], caught.value.params["max_day"]) == (year, max_day)


# --------------------------------------------------------------------------- sure or a guess


@pytest.mark.parametrize(
    ("text", "guess"),
    [
        ("December 2026", date(2026, 12, 31)),  # which day of December is a guess
        ("5 dec 2026 please", None),
        ("next month 5th-ish", None),
    ],
)
def test_a_reading_with_unexplained_words_is_never_sure(text: str, guess: date | None) -> None:
    try:
        reading = read_date(text, TODAY)
    except DateParseError:
        return  # refused: fine too
    assert not reading.sure
    if guess is not None:
        assert reading.day == guess
    with pytest.raises(DateParseError) as caught:
        parse_date(text, TODAY)  # where nobody can confirm, a guess is refused
    assert caught.value.reason == "unsure"
    day = reading.day
    assert caught.value.params == {"year": day.year, "month": day.month, "day": day.day}


# Phrases built from the words the rules know; an unknown word anywhere in one makes it a
# phrase that must be refused or confirmed.
KNOWN_PHRASES = st.sampled_from([
    "next month 5th", "5th next month", "end of month", "end of next month", "next monday",
    "next friday", "friday", "in 3 weeks", "in two weeks", "3 days later", "+30d",
    "tomorrow", "Dec 31", "31 Dec 2026", "2026-12-31", "12/31", "12月31日", "下个月5号",
    "下下个月1号", "月底", "下个月底", "下周一", "周五", "30天后", "明天", "the 5th",
])
UNKNOWN_WORDS = st.text(alphabet="qxzjkv", min_size=3, max_size=8)


@PROPS
@given(phrase=KNOWN_PHRASES, today=DATES)
def test_known_phrases_are_sure(phrase: str, today: date) -> None:
    try:
        reading = read_date(phrase, today)
    except DateParseError as error:
        assert error.reason in {"impossible", "out_of_range"}, phrase
        return
    assert reading.sure, phrase


@PROPS
@given(phrase=KNOWN_PHRASES, word=UNKNOWN_WORDS, where=st.sampled_from(["before", "after", "in"]),
       today=DATES)
def test_a_phrase_with_an_unknown_word_is_refused_or_a_guess(
    phrase: str, word: str, where: str, today: date
) -> None:
    words = phrase.split(" ")
    if where == "before":
        words.insert(0, word)
    elif where == "after":
        words.append(word)
    else:
        words.insert(len(words) // 2 or 1, word)
    text = " ".join(words)
    try:
        reading = read_date(text, today)
    except DateParseError:
        return
    assert not reading.sure, text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("十", "10"),
        ("十五", "15"),
        ("二十", "20"),
        ("三十一", "31"),
        ("一百零五", "105"),
        ("三百六十五", "365"),
        ("二〇二六", "2026"),
        ("ＡＢＣ　１２", "abc 12"),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


# --------------------------------------------------------------------------- round trips

ABSOLUTE: dict[str, Callable[[date], str]] = {
    "iso": date.isoformat,
    "slashes": lambda d: f"{d.year}/{d.month}/{d.day}",
    "dots": lambda d: f"{d.year}.{d.month:02d}.{d.day:02d}",
    "dmy dots": lambda d: f"{d.day}.{d.month}.{d.year}",
    "zh": lambda d: format_date(d, "zh"),
    "Mon d yyyy": lambda d: f"{MONTH_NAMES[d.month][:3]} {d.day} {d.year}",
    "d Month yyyy": lambda d: f"{d.day} {MONTH_NAMES[d.month]} {d.year}",
    "Month d, yyyy": lambda d: f"{MONTH_NAMES[d.month]} {d.day}, {d.year}",
}
NEXT_OCCURRENCE: dict[str, Callable[[date], str]] = {
    "m/d": lambda d: f"{d.month}/{d.day}",
    "m月d日": lambda d: f"{d.month}月{d.day}日",
    "Mon d": lambda d: f"{MONTH_NAMES[d.month][:3]} {d.day}",
}
RELATIVE_DAYS: dict[str, Callable[[int], str]] = {
    "+Nd": lambda n: f"+{n}d",
    "in N days": lambda n: f"in {n} days",
    "N天后": lambda n: f"{n}天后",
}


@PROPS
@given(d=DATES, today=DATES, form=st.sampled_from(sorted(ABSOLUTE)))
def test_absolute_round_trip(d: date, today: date, form: str) -> None:
    assert parse_date(ABSOLUTE[form](d), today) == d


@PROPS
@given(
    d=st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31)),
    back=st.integers(0, 364),
    form=st.sampled_from(sorted(NEXT_OCCURRENCE)),
)
def test_next_occurrence_round_trip(d: date, back: int, form: str) -> None:
    # Any today within the year before d (d - 1 year excluded) leads to d.
    assert parse_date(NEXT_OCCURRENCE[form](d), d - timedelta(days=back)) == d


@PROPS
@given(
    today=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    n=st.integers(0, 3000),
    form=st.sampled_from(sorted(RELATIVE_DAYS)),
)
def test_relative_days_round_trip(today: date, n: int, form: str) -> None:
    assert parse_date(RELATIVE_DAYS[form](n), today) == today + timedelta(days=n)


@PROPS
@given(
    today=st.dates(min_value=date(2000, 1, 1), max_value=date(2098, 12, 31)), n=st.integers(1, 24)
)
def test_in_months_matches_add_months(today: date, n: int) -> None:
    expected = add_months(today, n)
    assert parse_date(f"in {n} months", today) == expected
    assert parse_date(f"{n}个月后", today) == expected
    assert parse_date(f"+{n}m", today) == expected


@PROPS
@given(d=DATES, n=st.integers(-1200, 1200))
def test_add_months_clamps_to_month_end(d: date, n: int) -> None:
    result = add_months(d, n)
    assert (result.year * 12 + result.month) - (d.year * 12 + d.month) == n
    last = (add_months(result.replace(day=1), 1) - timedelta(days=1)).day
    assert result.day == min(d.day, last)


# --------------------------------------------------------------------------- cycles and helpers


@pytest.mark.parametrize(
    ("old", "cycle", "cycle_days", "expected"),
    [
        (date(2027, 1, 31), "monthly", None, date(2027, 2, 28)),
        (date(2028, 1, 31), "monthly", None, date(2028, 2, 29)),
        (date(2026, 12, 15), "monthly", None, date(2027, 1, 15)),
        (date(2026, 1, 31), "quarterly", None, date(2026, 4, 30)),
        (date(2026, 11, 30), "quarterly", None, date(2027, 2, 28)),
        (date(2028, 2, 29), "yearly", None, date(2029, 2, 28)),
        (date(2026, 6, 1), "yearly", None, date(2027, 6, 1)),
        (date(2026, 1, 1), "days", 30, date(2026, 1, 31)),
        (date(2026, 12, 20), "days", 28, date(2027, 1, 17)),
        # literal: one period after an old expiry, even one long past
        (date(2020, 1, 15), "monthly", None, date(2020, 2, 15)),
    ],
)
def test_next_expiry_from_expiry(
    old: date, cycle: str, cycle_days: int | None, expected: date
) -> None:
    assert next_expiry(old, cycle, cycle_days, "expiry", TODAY) == expected


@pytest.mark.parametrize(
    ("cycle", "cycle_days", "expected"),
    [
        ("monthly", None, date(2026, 4, 10)),
        ("quarterly", None, date(2026, 6, 10)),
        ("yearly", None, date(2027, 3, 10)),
        ("days", 30, date(2026, 4, 9)),
    ],
)
def test_next_expiry_from_renewal_day(cycle: str, cycle_days: int | None, expected: date) -> None:
    assert next_expiry(date(2026, 1, 31), cycle, cycle_days, "renewal_day", TODAY) == expected


@pytest.mark.parametrize(
    ("cycle", "cycle_days", "renew_from"),
    [
        ("none", None, "expiry"),
        ("days", None, "expiry"),
        ("days", 0, "expiry"),
        ("weekly", None, "expiry"),
        ("monthly", None, "whenever"),
    ],
)
def test_next_expiry_rejects(cycle: str, cycle_days: int | None, renew_from: str) -> None:
    with pytest.raises(ValueError):
        next_expiry(TODAY, cycle, cycle_days, renew_from, TODAY)


def test_format_date() -> None:
    assert format_date(date(2026, 12, 31), "en") == "2026-12-31"
    assert format_date(date(2026, 12, 31), "zh") == "2026年12月31日"
    assert format_date(date(2026, 1, 5), "zh-hans") == "2026年1月5日"


def test_days_between() -> None:
    assert days_between(date(2026, 3, 10), date(2026, 4, 9)) == 30
    assert days_between(date(2026, 3, 10), date(2026, 3, 9)) == -1


def test_quick_offsets() -> None:
    assert set(QUICK_OFFSETS) == {"+7d", "+30d", "+90d", "+1y"}
    assert apply_quick("+7d", TODAY) == date(2026, 3, 17)
    assert apply_quick("+30d", TODAY) == date(2026, 4, 9)
    assert apply_quick("+90d", TODAY) == date(2026, 6, 8)
    assert apply_quick("+1y", date(2028, 2, 29)) == date(2029, 2, 28)
    with pytest.raises(ValueError):
        apply_quick("+2d", TODAY)


def test_pure_modules_import_no_framework_and_defer_dateparser() -> None:
    code = (
        "import sys, bot.domain.dates, bot.domain.parsing, bot.reminders.moments\n"
        "bad = {'telegram', 'sqlalchemy', 'dateparser'} & set(sys.modules)\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
