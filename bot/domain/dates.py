"""User-typed expiry dates (zh and en), month arithmetic and renewal cycles.

Everything here is pure: the caller passes `today` (the current date in the chat's time zone), so
results never depend on the machine's clock or zone. Hand-written regexes cover the forms people
actually type; dateparser is only a lazily imported fallback for other English phrasings.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2100, 12, 31)

Unit = Literal["days", "weeks", "months", "years"]
Cycle = Literal["none", "monthly", "quarterly", "yearly", "days"]
RenewFrom = Literal["expiry", "renewal_day"]
RENEW_FROM: tuple[RenewFrom, ...] = ("expiry", "renewal_day")

# English names, independent of the process locale (calendar.month_name is not).
MONTH_NAMES = (
    "", "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


class DateParseError(ValueError):
    """A date the user typed could not be used.

    `reason` is a stable code for the UI to translate: "empty", "unrecognised", "impossible"
    (no such day, e.g. 2026-02-30), "out_of_range" (outside 2000..2100) or "unsure" (only a
    guess: some words were not understood; params then hold the guessed year, month and day).
    `detail` is an English explanation for logs; `params` holds the numbers a translated message
    needs (year, month, day, max_day).
    """

    def __init__(self, reason: str, detail: str = "", params: dict[str, int] | None = None):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.params = params or {}


# --------------------------------------------------------------------------- text normalisation

_ZH_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
_ZH_NUMBER = re.compile(f"[{''.join(_ZH_DIGITS)}{''.join(_ZH_UNITS)}]+")


def _zh_to_int(numeral: str) -> int:
    if not any(c in _ZH_UNITS for c in numeral):  # digit by digit: 二〇二六 -> 2026
        return int("".join(str(_ZH_DIGITS[c]) for c in numeral))
    total, digit = 0, 0
    for c in numeral:
        if c in _ZH_UNITS:
            total += (digit or 1) * _ZH_UNITS[c]  # a bare 十 means 10
            digit = 0
        else:
            digit = _ZH_DIGITS[c]
    return total + digit


def normalise(text: str) -> str:
    """NFKC (full-width digits, punctuation and spaces become ASCII), lower case, single spaces,
    and Chinese numerals turned into Arabic digits (三十 -> 30, 十二月 -> 12月, 星期五 -> 星期5)."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _ZH_NUMBER.sub(lambda m: str(_zh_to_int(m[0])), text)
    return " ".join(text.split())


# --------------------------------------------------------------------------- arithmetic


def days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def add_months(d: date, n: int) -> date:
    """Add n calendar months, clamping to the month's end (Jan 31 + 1 month = Feb 28/29)."""
    year, month0 = divmod(d.year * 12 + d.month - 1 + n, 12)
    return date(year, month0 + 1, min(d.day, days_in_month(year, month0 + 1)))


def shift(d: date, amount: int, unit: Unit) -> date:
    if unit == "days":
        return d + timedelta(days=amount)
    if unit == "weeks":
        return d + timedelta(weeks=amount)
    return add_months(d, amount if unit == "months" else 12 * amount)


def days_between(start: date, end: date) -> int:
    """Whole days from start to end (negative when end is earlier)."""
    return (end - start).days


def format_date(d: date, lang: str) -> str:
    """Chinese "2026年12月31日"; ISO "2026-12-31" for every other language."""
    if lang.startswith("zh"):
        return f"{d.year}年{d.month}月{d.day}日"
    return d.isoformat()


def spelled_date(d: date, lang: str) -> str:
    """A date nobody can misread, for questions: "5 December 2026" or "2026年12月5日"."""
    if lang.startswith("zh"):
        return format_date(d, lang)
    return f"{d.day} {MONTH_NAMES[d.month]} {d.year}"


# Quick buttons under "when does it expire?": callback-sized codes -> offset from a base date.
QUICK_OFFSETS: dict[str, tuple[int, Unit]] = {
    "+7d": (7, "days"),
    "+30d": (30, "days"),
    "+90d": (90, "days"),
    "+1y": (1, "years"),
}


def apply_quick(code: str, today: date) -> date:
    """The date a quick button stands for, counted from `today` (or any base date)."""
    try:
        amount, unit = QUICK_OFFSETS[code]
    except KeyError:
        raise ValueError(f"unknown quick offset {code!r}") from None
    return shift(today, amount, unit)


def next_expiry(
    old_expiry: date, cycle: str, cycle_days: int | None, renew_from: str, today: date
) -> date:
    """The expiry after one renewal.

    Deliberately literal: exactly one period counted from the old expiry (renew_from="expiry") or
    from `today` (renew_from="renewal_day"). With an old expiry long past, the result may itself
    be in the past; the caller shows it and the user can correct it. Month-based cycles clamp to
    the month's end (Jan 31 monthly -> Feb 28; Feb 29 yearly -> Feb 28).
    Raises ValueError for cycle "none" (the caller asks for a date instead) and for bad input.
    """
    if renew_from not in RENEW_FROM:
        raise ValueError(f"unknown renew_from {renew_from!r}")
    base = old_expiry if renew_from == "expiry" else today
    if cycle == "monthly":
        return add_months(base, 1)
    if cycle == "quarterly":
        return add_months(base, 3)
    if cycle == "yearly":
        return add_months(base, 12)
    if cycle == "days":
        if cycle_days is None or cycle_days < 1:
            raise ValueError("cycle 'days' needs cycle_days >= 1")
        return base + timedelta(days=cycle_days)
    if cycle == "none":
        raise ValueError("cycle 'none' has no next expiry: ask the user for a date")
    raise ValueError(f"unknown cycle {cycle!r}")


# --------------------------------------------------------------------------- building dates


def _check_range(d: date) -> date:
    if not MIN_DATE <= d <= MAX_DATE:
        raise DateParseError(
            "out_of_range",
            f"{d.isoformat()} is outside {MIN_DATE.year}..{MAX_DATE.year}",
            {"year": d.year, "month": d.month, "day": d.day},
        )
    return d


def _impossible_day(month: int, day: int, most: int, year: int) -> DateParseError:
    detail = f"{MONTH_NAMES[month]} {year} has {most} days"
    return DateParseError(
        "impossible", detail, {"year": year, "month": month, "day": day, "max_day": most}
    )


def _check_month(month: int, day: int) -> None:
    if not 1 <= month <= 12:
        raise DateParseError("impossible", f"month {month} does not exist", {"month": month})
    if day < 1:
        raise DateParseError("impossible", f"day {day} does not exist", {"day": day})


def _make(year: int, month: int, day: int) -> date:
    _check_month(month, day)
    if not MIN_DATE.year <= year <= MAX_DATE.year:
        raise DateParseError(
            "out_of_range",
            f"year {year} is outside {MIN_DATE.year}..{MAX_DATE.year}",
            {"year": year},
        )
    last = days_in_month(year, month)
    if day > last:
        raise _impossible_day(month, day, last, year)
    return date(year, month, day)


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


def _next_month_day(today: date, month: int, day: int) -> date:
    """This month and day in the next occurrence of the month (this year's while the month
    has not ended). A day that month lacks is refused naming that month's year: 2/29 typed in
    November 2026 means February 2027, which has 28 days, not a leap day years away."""
    _check_month(month, day)
    year = today.year if (month, day) >= (today.month, today.day) else today.year + 1
    return _make(year, month, day)


def _next_day_of_month(today: date, day: int) -> date:
    """First date on or after today falling on this day of a month (skipping short months)."""
    if not 1 <= day <= 31:
        raise DateParseError("impossible", f"no month has a day {day}", {"day": day})
    firsts = (add_months(today.replace(day=1), i) for i in range(3))  # day 31 recurs within 2
    return next(
        first.replace(day=day)
        for first in firsts
        if day <= days_in_month(first.year, first.month) and first.replace(day=day) >= today
    )


def _weekday_on_or_after(today: date, weekday: int) -> date:
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def _weekday_after(today: date, weekday: int) -> date:
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _week_of(today: date, weeks_ahead: int, weekday: int) -> date:
    """The given weekday of this calendar week (Monday first) or of a later one."""
    return today - timedelta(days=today.weekday()) + timedelta(weeks=weeks_ahead, days=weekday)


def _ordered(first: int, second: int, month_first: bool) -> tuple[int, int]:
    """(month, day) from two numbers in the preferred order, swapped when only the swap is valid
    (31/12 read month-first is day-first)."""
    month, day = (first, second) if month_first else (second, first)
    if month > 12 >= day:
        month, day = day, month
    return month, day


# --------------------------------------------------------------------------- rules

Handler = Callable[[re.Match[str], date], date]
_RULES: list[tuple[re.Pattern[str], Handler]] = []


def _rule(pattern: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _RULES.append((re.compile(pattern), handler))
        return handler

    return register


_WORDS = {
    "today": 0, "now": 0, "今天": 0, "今日": 0, "当天": 0, "當天": 0,
    "tomorrow": 1, "tmr": 1, "tmrw": 1, "明天": 1, "明日": 1,
    "day after tomorrow": 2, "the day after tomorrow": 2, "后天": 2, "後天": 2,
    "大后天": 3, "大後天": 3,
    "yesterday": -1, "昨天": -1, "昨日": -1, "前天": -2,
}  # fmt: skip

_EN_UNITS: dict[str, Unit] = {
    "d": "days", "day": "days", "days": "days",
    "w": "weeks", "wk": "weeks", "wks": "weeks", "week": "weeks", "weeks": "weeks",
    "m": "months", "mo": "months", "mos": "months", "month": "months", "months": "months",
    "y": "years", "yr": "years", "yrs": "years", "year": "years", "years": "years",
}  # fmt: skip
_EN_UNIT = "(" + "|".join(sorted(_EN_UNITS, key=len, reverse=True)) + ")"
_EN_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_EN_COUNT = "(\\d+|" + "|".join(sorted(_EN_NUMBERS, key=len, reverse=True)) + ")"

_ZH_UNIT = r"(天|日|[个個]?(?:星期|礼拜|禮拜|周|週)|[个個]月|年)"
_ZH_UNIT_BY_LAST: dict[str, Unit] = {"天": "days", "日": "days", "月": "months", "年": "years"}
_ZH_AFTER = r" ?(?:以|之)?[后後]"
_ZH_DAY = r" ?[日号號]?"

_EN_WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip
_EN_WEEKDAY = "(" + "|".join(sorted(_EN_WEEKDAYS, key=len, reverse=True)) + ")"

_MONTHS = (
    {name.lower(): i for i, name in enumerate(MONTH_NAMES) if name}
    | {name[:3].lower(): i for i, name in enumerate(MONTH_NAMES) if name}
    | {"sept": 9}
)
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_ORDINAL = r"(?:st|nd|rd|th)?"
_YEAR_TAIL = r"(?:[ ,-]+(\d{4}))?"


def _count(text: str) -> int:
    return int(text) if text.isdigit() else _EN_NUMBERS[text]


@_rule(rf"\+ ?(\d+) ?{_EN_UNIT}")
def _plus(m: re.Match[str], today: date) -> date:
    return shift(today, int(m[1]), _EN_UNITS[m[2]])


@_rule(rf"in {_EN_COUNT} ?{_EN_UNIT}(?:'s time)?")
def _in(m: re.Match[str], today: date) -> date:
    return shift(today, _count(m[1]), _EN_UNITS[m[2]])


@_rule(rf"{_EN_COUNT} ?{_EN_UNIT} (?:from (?:now|today)|later|after|hence)")
def _from_now(m: re.Match[str], today: date) -> date:
    return shift(today, _count(m[1]), _EN_UNITS[m[2]])


@_rule(r"next (week|month|year)")
def _next_unit(m: re.Match[str], today: date) -> date:
    return shift(today, 1, _EN_UNITS[m[1]])


@_rule(rf"(\d+) ?{_ZH_UNIT}{_ZH_AFTER}")
def _zh_after(m: re.Match[str], today: date) -> date:
    return shift(today, int(m[1]), _ZH_UNIT_BY_LAST.get(m[2][-1], "weeks"))


@_rule(rf"半年{_ZH_AFTER}")
def _half_year(m: re.Match[str], today: date) -> date:
    return add_months(today, 6)


# Which month or week a Chinese prefix means: 下个月 is the next one, 下下个月 the one after.
_ZH_AHEAD = {"下下": 2, "下": 1, "这": 0, "這": 0, "本": 0}
_ZH_WHICH = "(下下|下|这|這|本)"
_EN_AHEAD = {"next": 1, "this": 0, "the": 0}
_EN_MONTH_REF = r"(?:(next|this|the) month|the month after next)"


def _months_ahead(m: re.Match[str], group: int = 1) -> int:
    """Months from this one named by a Chinese prefix or an English "next/this month"
    ("the month after next" leaves the group empty)."""
    word = m[group]
    if word is None:
        return 2
    return _ZH_AHEAD.get(word, _EN_AHEAD.get(word, 0))


@_rule(r"(下下|下)[个個]?月")
def _next_month(m: re.Match[str], today: date) -> date:
    return add_months(today, _ZH_AHEAD[m[1]])


@_rule(r"明年")
def _next_year(m: re.Match[str], today: date) -> date:
    return add_months(today, 12)


@_rule(rf"{_ZH_WHICH}[个個]?月 ?(\d{{1,2}}){_ZH_DAY}")
def _zh_month_day(m: re.Match[str], today: date) -> date:
    month = add_months(today.replace(day=1), _months_ahead(m))
    return _make(month.year, month.month, int(m[2]))


@_rule(rf"(?:on )?(?:the )?(\d{{1,2}}){_ORDINAL}(?: of)? {_EN_MONTH_REF}")
def _en_day_of_month_ref(m: re.Match[str], today: date) -> date:
    month = add_months(today.replace(day=1), _months_ahead(m, 2))
    return _make(month.year, month.month, int(m[1]))


@_rule(rf"{_EN_MONTH_REF},? (?:on )?(?:the )?(\d{{1,2}}){_ORDINAL}")
def _en_month_ref_day(m: re.Match[str], today: date) -> date:
    month = add_months(today.replace(day=1), _months_ahead(m))
    return _make(month.year, month.month, int(m[2]))


def _month_end(months_ahead: int, today: date) -> date:
    first = add_months(today.replace(day=1), months_ahead)
    return first.replace(day=days_in_month(first.year, first.month))


@_rule(rf"{_ZH_WHICH}?[个個]?月[底末]")
def _zh_month_end(m: re.Match[str], today: date) -> date:
    return _month_end(_ZH_AHEAD[m[1]] if m[1] else 0, today)


@_rule(r"(?:the )?end of (?:the |this )?month|(?:this )?month[ -]end|eom")
def _en_month_end(m: re.Match[str], today: date) -> date:
    return _month_end(0, today)


@_rule(r"(?:the )?end of next month|next month[ -]end")
def _en_next_month_end(m: re.Match[str], today: date) -> date:
    return _month_end(1, today)


@_rule(r"(?:the )?end of the month after next")
def _en_month_after_next_end(m: re.Match[str], today: date) -> date:
    return _month_end(2, today)


@_rule(rf"{_ZH_WHICH}?[个個]? ?(?:星期|礼拜|禮拜|周|週) ?([1-7]|日|天)")
def _zh_weekday(m: re.Match[str], today: date) -> date:
    weekday = int(m[2]) - 1 if m[2].isdigit() else 6
    if m[1] is None:
        return _weekday_on_or_after(today, weekday)
    return _week_of(today, _ZH_AHEAD[m[1]], weekday)


@_rule(rf"(next |this |on )?{_EN_WEEKDAY}")
def _en_weekday(m: re.Match[str], today: date) -> date:
    weekday = _EN_WEEKDAYS[m[2]]
    # "next friday" is the Friday of next week, as 下周五 (weeks start on Monday);
    # bare "friday" or "this friday" is the coming one and may be today.
    if m[1] == "next ":
        return _week_of(today, 1, weekday)
    return _weekday_on_or_after(today, weekday)


@_rule(r"(\d{4}) ?[-/.] ?(\d{1,2}) ?[-/.] ?(\d{1,2})")
def _ymd(m: re.Match[str], today: date) -> date:
    return _make(int(m[1]), int(m[2]), int(m[3]))


@_rule(r"(\d{4})(\d{2})(\d{2})")
def _compact(m: re.Match[str], today: date) -> date:
    return _make(int(m[1]), int(m[2]), int(m[3]))


@_rule(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})")
def _dmy_mdy(m: re.Match[str], today: date) -> date:
    # 31.12.2026 and 31-12-2026 are day first (Europe, HK); 12/31/2026 is month first (US, PH).
    month, day = _ordered(int(m[1]), int(m[3]), month_first=m[2] == "/")
    return _make(_year(m[4]), month, day)


@_rule(r"(\d{1,2}) ?[-/.] ?(\d{1,2})")
def _md(m: re.Match[str], today: date) -> date:
    # Without a year, month first (12/31, 12.31, 12-31 as written in China) unless impossible.
    month, day = _ordered(int(m[1]), int(m[2]), month_first=True)
    return _next_month_day(today, month, day)


@_rule(rf"(\d{{4}}) ?年 ?(\d{{1,2}}) ?月 ?(\d{{1,2}}){_ZH_DAY}")
def _zh_ymd(m: re.Match[str], today: date) -> date:
    return _make(int(m[1]), int(m[2]), int(m[3]))


@_rule(rf"(今年|明年)? ?(\d{{1,2}}) ?月 ?(\d{{1,2}}){_ZH_DAY}")
def _zh_md(m: re.Match[str], today: date) -> date:
    month, day = int(m[2]), int(m[3])
    if m[1] is None:
        return _next_month_day(today, month, day)
    return _make(today.year + 1 if m[1] == "明年" else today.year, month, day)


@_rule(r"(\d{1,2}) ?[日号號]|(?:the )?(\d{1,2})(?:st|nd|rd|th)")
def _day_of_month(m: re.Match[str], today: date) -> date:
    return _next_day_of_month(today, int(m[1] or m[2]))


@_rule(rf"(\d{{1,2}}){_ORDINAL}(?: of)?[ -]?{_MONTH}{_YEAR_TAIL}")
def _day_month(m: re.Match[str], today: date) -> date:
    day, month = int(m[1]), _MONTHS[m[2]]
    return _make(int(m[3]), month, day) if m[3] else _next_month_day(today, month, day)


@_rule(rf"{_MONTH}[ -]?(\d{{1,2}}){_ORDINAL}{_YEAR_TAIL}")
def _month_day(m: re.Match[str], today: date) -> date:
    month, day = _MONTHS[m[1]], int(m[2])
    return _make(int(m[3]), month, day) if m[3] else _next_month_day(today, month, day)


_HAS_LETTER = re.compile(r"[^\W\d_]")


def _fallback(text: str, today: date) -> date | None:
    import dateparser  # type: ignore[import-untyped]  # lazy: slow to load, rarely needed

    parsed = dateparser.parse(
        text,
        languages=["en", "zh"],
        settings={
            "RELATIVE_BASE": datetime.combine(today, time(12)),  # deterministic "now"
            "PREFER_DATES_FROM": "future",
            # "December 2026" as an expiry means valid through the month.
            "PREFER_DAY_OF_MONTH": "last",
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    return parsed.date() if parsed else None


@dataclass(frozen=True)
class DateReading:
    day: date
    sure: bool  # every word was understood; False: a guess the user has to confirm


def read_date(text: str, today: date) -> DateReading:
    """Read an expiry date typed in Chinese or English (tests/test_dates.py lists the forms).

    Conventions for ambiguous input:
    - with a year, 31.12.2026 and 31-12-2026 are day first, 12/31/2026 month first; either is
      swapped when only the swap is a real date; two-digit years mean 20xx;
    - without a year (12/31, 12.31, 12月31日, Dec 31) month comes first and the date is in the
      next occurrence of that month (a day that month lacks is refused, naming its year); a day
      alone (31日, 5号, the 5th) is the next month that has it;
    - "friday"/周五 may be today; "next friday" and 下周五 are the Friday of next calendar week
      (weeks start on Monday), 下下周五 the week after;
    - 月底 / "end of month" is this month's last day, 下个月底 / "end of next month" the next's;
    - a bare number ("30") is refused as ambiguous.
    A reading is sure only when a rule explains every word; anything else is dateparser's
    guess (sure=False), which must be confirmed by the user, never saved silently.
    Dates in the past are returned as they are (the caller asks the user to confirm).
    Raises DateParseError with reason "empty", "unrecognised", "impossible" or "out_of_range".
    """
    s = normalise(text)
    if not s:
        raise DateParseError("empty")
    try:
        if s in _WORDS:
            return DateReading(_check_range(today + timedelta(days=_WORDS[s])), sure=True)
        for pattern, handler in _RULES:
            m = pattern.fullmatch(s)
            if m:
                return DateReading(_check_range(handler(m, today)), sure=True)
    except DateParseError:
        raise
    except (OverflowError, ValueError) as exc:  # beyond year 1..9999, e.g. "in 99999999 days"
        raise DateParseError("out_of_range", str(exc)) from None
    # Bare numbers and digit soup are ambiguous: dateparser would guess a day of this month.
    found = _fallback(s, today) if _HAS_LETTER.search(s) else None
    if found is None:
        raise DateParseError("unrecognised", f"no date in {text!r}")
    return DateReading(_check_range(found), sure=False)


# A date inside a sentence must not be glued to other letters or digits: "09171234567" holds
# no date, "sun" in "sunday" is the whole word's business.
_EDGE = re.compile(r"[a-z0-9]")
# A day after 前 is a number of days, not a date: "到期前一日提醒我" (one day before it
# expires), "提前3日".
_NOT_A_DATE_AFTER = re.compile(r"前\s*$")


def find_date(text: str, today: date) -> str | None:
    """The words that name a date inside a longer message ("remind me on Dec 31 to renew my
    Smart SIM" -> "dec 31", "提醒我下个月5号交话费" -> "下个月5号"), for read_date to read; None
    when there are none. Only what a rule reads whole counts (the longest such stretch)."""
    s = normalise(text)
    best = ""
    candidates = [re.compile(re.escape(word)) for word in _WORDS]
    for pattern in (*candidates, *(rule for rule, _handler in _RULES)):
        for found in pattern.finditer(s):
            start, end = found.span()
            glued = (start > 0 and _EDGE.match(s[start - 1]) and _EDGE.match(s[start])) or (
                end < len(s) and _EDGE.match(s[end]) and _EDGE.match(s[end - 1])
            )
            if (
                not glued
                and end - start > len(best)
                and not _NOT_A_DATE_AFTER.search(s, 0, start)
            ):
                best = found.group(0)
    if not best:
        return None
    try:
        read_date(best, today)
    except DateParseError:
        return None
    return best


def parse_date(text: str, today: date) -> date:
    """Like read_date, for where nobody can be asked (a CSV file): a guess is refused with
    reason "unsure" and the guessed date in params."""
    reading = read_date(text, today)
    if not reading.sure:
        day = reading.day
        raise DateParseError(
            "unsure", f"{text!r} is only a guess: {day.isoformat()}",
            {"year": day.year, "month": day.month, "day": day.day},
        )
    return reading.day
