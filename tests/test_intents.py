"""Recognising requests about one's own cards (bot/knowledge/intents.py) and the date named
inside such a request (bot/dates.find_date)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.dates import find_date, read_date
from bot.knowledge.intents import detect_intent

TODAY = date(2026, 11, 29)


@pytest.mark.parametrize(
    ("text", "kind", "carrier"),
    [
        ("我的卡什么时候到期", "my_cards", None),
        ("我嘅卡幾時到期？", "my_cards", None),
        ("when does my card expire", "my_cards", None),
        ("my cards pls", "my_cards", None),
        ("帮我加一张卡", "add_card", None),
        ("添加卡片 谢谢", "add_card", None),
        ("add my globe sim", "add_card", "globe"),
        ("把我妈那张电信卡也加进来", "add_card", "china_telecom"),
        ("提醒我12月31日给移动卡续费", "remind_me", "china_mobile"),
        ("remind me to renew my Smart SIM on Dec 31", "remind_me", "smart"),
        ("我的移动卡续费了", "renewed_card", "china_mobile"),
        ("I renewed my Globe SIM", "renewed_card", "globe"),
        ("just paid my unicom bill", "renewed_card", "china_unicom"),
        ("CSL張卡啱啱增咗值", "renewed_card", "csl"),
        ("删除我的数据", "forget_data", None),
        ("delete all my info", "forget_data", None),
        ("忘了我吧", "forget_data", None),
        ("那张电信卡什么时候到期", "my_cards", "china_telecom"),
        ("移动卡到期日是几号来着", "my_cards", "china_mobile"),
        ("whens my globe sim expiring", "my_cards", "globe"),
        ("i've saved two sims, which one runs out first", "my_cards", None),
        ("月底喊我交联通话费", "remind_me", "china_unicom"),
        ("I've recharged my smart sim", "renewed_card", "smart"),
        ("remove me from your database", "forget_data", None),
    ],
)
def test_requests_are_recognised(text: str, kind: str, carrier: str | None) -> None:
    intent = detect_intent(text)
    assert intent is not None and (intent.kind, intent.carrier) == (kind, carrier)


@pytest.mark.parametrize(
    "text",
    [
        "我的卡过期了怎么办", "怎么加副卡", "充值了但是没到账", "续费了还是没网", "欠费了",
        "how to add load to my sim", "how do i check when my card expires",
        "怎么查我的卡什么时候到期", "how do i register my sim", "I topped up twice by mistake",
        "renewed but still no internet", "add a bank card to alipay", "提前续费会叠加吗",
        "续费了吗", "what happens when my sim expires", "can i top up my dad's number from here",
        "菲律宾的话费充了能用多久", "我的卡要到期了该怎么续费呢",
        "我这张卡快到期了 有什么办法续费",
        "can i walk into the carrier's store and pay my plan there",
        "我都忘了我办的是啥套餐了 在哪看",  # forgot, not "forget me"
        "香港儲值卡增值咗 係加日子定係由今日重新計",  # a question about a top-up, not news of one
        "csl儲值卡點增值呀 張卡就快到期喇",  # about to expire: how to top up, not the list
        "bought a load card at the store, where do i enter the pin",
        "got a reload sms from 8888 is it legit",
        "帮我清一下缓存数据",  # the phone's cache, not what the bot keeps
    ],
)
def test_questions_are_not_requests(text: str) -> None:
    assert detect_intent(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("提醒我12月31日给移动卡续费", date(2026, 12, 31)),
        ("remind me to renew my Smart SIM on Dec 31", date(2026, 12, 31)),
        ("下个月5号提醒我交电信话费", date(2026, 12, 5)),
        ("remind me in 3 days", date(2026, 12, 2)),
        ("提醒我明天充值", date(2026, 11, 30)),
        ("提醒我2027年1月15号续费联通", date(2027, 1, 15)),
        ("set a reminder for 2026-12-20 for airalo", date(2026, 12, 20)),
    ],
)
def test_the_date_inside_a_request_is_found(text: str, expected: date) -> None:
    found = find_date(text, TODAY)
    assert found is not None and read_date(found, TODAY).day == expected


@pytest.mark.parametrize(
    "text",
    [
        "remind me 3 days before", "my number is 09171234567", "remind me about my globe sim",
        # days before the expiry are no expiry date
        "可唔可以喺3香港張卡到期前一日提我", "提前3日提醒我", "前两日提醒",
    ],
)
def test_no_date_is_made_up(text: str) -> None:
    assert find_date(text, TODAY) is None
