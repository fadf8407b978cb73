"""The card fields' own reading of typed answers: a date shown back is the date saved, and a
date only partly understood is asked about, never taken silently."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.dates import format_date, spelled_date
from bot.i18n import translator
from handlers.cards.fields import (
    CYCLE,
    EXPIRY,
    FieldContext,
    FieldError,
    UnsureAnswer,
    kind_named,
    next_field,
    show_date,
)

PHRASES = st.sampled_from([
    "next month 5th", "end of month", "end of next month", "next monday", "in two weeks",
    "tomorrow", "Dec 31", "12/31", "2026-12-31", "下个月5号", "下下个月1号", "月底", "下周一",
    "5 dec 2027", "the 5th of next month",
])
NOISE = st.sampled_from(["", "please", "ish", "maybe", "左右", "大概", "qzx"])


def _ctx(lang: str, today: date) -> FieldContext:
    return FieldContext(_=translator(lang), lang=lang, today=today, currency="CNY",
                        chat_lead_days=(7, 3, 1, 0))


@settings(max_examples=200, deadline=None)
@given(
    phrase=PHRASES, noise=NOISE, lang=st.sampled_from(["en", "zh"]),
    today=st.dates(min_value=date(2001, 1, 1), max_value=date(2098, 12, 31)),
)
def test_the_date_shown_back_is_the_date_saved(
    phrase: str, noise: str, lang: str, today: date
) -> None:
    ctx = _ctx(lang, today)
    text = f"{phrase} {noise}".strip()
    try:
        values = EXPIRY.parse(text, ctx)
    except UnsureAnswer as unsure:  # asked, with the very date a Yes saves
        assert noise, f"{text!r} is made of known words only"
        assert unsure.values == {"expires_on": unsure.day.isoformat()}
        assert spelled_date(unsure.day, lang) in unsure.text(ctx._)
        return
    except FieldError:
        return  # refused
    assert not noise, f"{text!r} was taken without asking"
    saved = date.fromisoformat(values["expires_on"])
    shown = EXPIRY.show(values, ctx)
    assert shown is not None and format_date(saved, lang) in shown


def test_next_month_5th_is_the_5th_of_next_month() -> None:
    values = EXPIRY.parse("next month 5th", _ctx("en", date(2026, 11, 29)))
    assert values == {"expires_on": "2026-12-05"}


def test_a_guess_is_spelled_out() -> None:
    with pytest.raises(UnsureAnswer) as caught:
        EXPIRY.parse("December 2026", _ctx("en", date(2026, 11, 29)))
    assert caught.value.text(translator("en")) == (
        "I'm not sure I understood “December 2026”. Did you mean 31 December 2026?"
    )


def test_february_is_named_with_its_year_in_chinese() -> None:
    with pytest.raises(FieldError) as caught:
        EXPIRY.parse("2月29日", _ctx("zh", date(2026, 11, 29)))
    assert "2027年2月只有28天" in caught.value.text(translator("zh"))


@pytest.mark.parametrize("typed", ["every 28 days", "每28天", "28天"])
def test_a_typed_number_of_days_is_not_asked_again(typed: str) -> None:
    values = CYCLE.parse(typed, _ctx("zh", date(2026, 11, 29)))
    assert values == {"cycle": "days", "cycle_days": 28}
    following = next_field("cycle", values, only_missing=False, answered=values)
    assert following is not None and following.key == "renew_from"


def test_a_date_and_its_days_left_use_the_language_s_parentheses() -> None:
    day, today = date(2026, 12, 5), date(2026, 11, 30)
    assert show_date(day, _ctx("zh", today)) == "2026年12月5日（还有 5 天）"
    assert show_date(day, _ctx("en", today)) == "2026-12-05 (in 5 days)"


@pytest.mark.parametrize(
    ("text", "carrier", "kind"),
    [
        ("add my globe prepaid, expires 12/31", "globe", "sim"),
        ("帮我加一个手机号", None, "sim"),
        ("a prepaid data card from lazada", None, "data"),  # the specific word wins
        ("提醒我给移动流量卡续费", "china_mobile", "data"),
        ("my airalo sim", "airalo", "esim"),  # Airalo sells only eSIMs
        ("remind me on Dec 31", None, None),
    ],
)
def test_a_request_names_the_card_type(text: str, carrier: str | None, kind: str | None) -> None:
    assert kind_named(text, carrier).get("kind") == kind
