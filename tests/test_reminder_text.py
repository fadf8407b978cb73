"""What a reminder says about the card: its name, its carrier once, its number's tail."""

from __future__ import annotations

from datetime import date

import pytest

from bot.reminders.message import reminder_text
from storage.models import Card


def _card(label: str, carrier: str | None, tail: str | None = None) -> Card:
    return Card(chat_id=1, created_by=1, label=label, carrier=carrier, number_tail=tail,
                expires_on=date(2026, 12, 3), kind="sim")


@pytest.mark.parametrize(
    ("card", "lang", "shown"),
    [
        (_card("Work phone", "china_mobile", "1234"), "en",
         "<b>Work phone</b> (China Mobile) ···1234"),
        (_card("Globe", "globe"), "en", "<b>Globe</b> expires"),
        (_card("中国联通", "china_unicom"), "zh", "<b>中国联通</b> 今天到期"),
        (_card("中国联通副卡", "china_unicom"), "zh", "<b>中国联通副卡</b> 今天到期"),
        (_card("妈妈的卡", "china_unicom"), "zh", "<b>妈妈的卡</b> (中国联通) 今天到期"),
    ],
)
def test_the_carrier_is_named_once(card: Card, lang: str, shown: str) -> None:
    days_left = 0 if lang == "zh" else 5
    assert shown in reminder_text(card, days_left, lang)
