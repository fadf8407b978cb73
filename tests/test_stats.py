"""/stats: a PNG chart with a summary, a clear message when there is nothing to chart, and the
numbers behind the chart."""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from bot.charts import SPEND_MONTHS, ChartData, chart_data, chart_figure, render_png
from fakebotapi import FakeBotAPI
from storage.models import Card, Renewal
from storage.repositories.cards import CardRepository
from tests.harness import BotHarness, ManualClock
from tests.reminder_fixtures import add_card

NOW = datetime(2026, 12, 24, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai
SHANGHAI = ZoneInfo("Asia/Shanghai")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(frozen=NOW)


@pytest.fixture
async def sbot(api: FakeBotAPI, sqlite_url: str, clock: ManualClock) -> AsyncIterator[BotHarness]:
    harness = BotHarness(api, sqlite_url, clock=clock)
    await harness.start()
    yield harness
    await harness.stop()


async def test_stats_sends_a_chart_and_a_summary(
    api: FakeBotAPI, sbot: BotHarness, clock: ManualClock
) -> None:
    user = api.user(5001, "Kai")
    api.private_chat(user)
    db, settings = sbot.database, sbot.settings
    phone = await add_card(db, settings, clock, 5001, date(2027, 1, 10), label="Phone <1>",
                           price=3000, currency="CNY")
    await add_card(db, settings, clock, 5001, date(2027, 2, 20), label="Router",
                   carrier="globe", price=9900, currency="PHP")
    async with db.session() as session:
        repo = CardRepository(session)
        card = await repo.get(5001, phone.id)  # type: ignore[arg-type]
        assert card is not None
        for month in (10, 11):
            await repo.record_renewal(card, date(2027, 1, 10),
                                      renewed_at=datetime(2026, month, 5, tzinfo=UTC),
                                      renewed_by=5001)
        await repo.record_renewal(card, date(2027, 1, 10), renewed_at=NOW, renewed_by=5001,
                                  amount=5000, currency="CNY")

    reply = await sbot.say(user, "/stats", timeout=30)

    assert reply.media_type == "photo" and reply.photo is not None
    assert reply.photo.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(reply.photo)) as image:
        image.load()
        assert image.format == "PNG" and image.size == (960, 1280)  # portrait, for phones
    caption = reply.plain_text
    assert "Next 90 days: 2 cards expire, first “Phone <1>” on 2027-01-10." in caption
    # Two renewals at the card's price and one with its own amount.
    assert "¥110.00 on 3 renewals, most for China Mobile (¥110.00)" in caption


async def test_stats_with_nothing_to_chart_says_so(api: FakeBotAPI, sbot: BotHarness) -> None:
    user = api.user(5002, "Lu")
    reply = await sbot.say(user, "/stats")
    assert reply.media_type is None
    assert "Nothing to chart yet" in (reply.text or "")


def _card(card_id: int, expires_on: date, **fields: Any) -> Card:
    return Card(id=card_id, chat_id=1, created_by=1, label=f"Card {card_id}",
                expires_on=expires_on, **fields)


def test_chart_data_windows_currencies_and_price_fallback() -> None:
    today = date(2026, 12, 24)
    soon = _card(1, date(2027, 1, 1), carrier="smart", price=9900, currency="PHP")
    cards = [
        soon,
        _card(2, date(2027, 3, 23)),  # day 89: inside the 90 days
        _card(3, date(2027, 3, 24)),  # day 90: outside
        _card(4, date(2026, 12, 23)),  # already expired
        _card(5, date(2027, 1, 5), lapsed=True),  # let go: not coming up
    ]

    def renewal(when: datetime, amount: int | None = None, currency: str | None = None
                ) -> tuple[Renewal, Card]:
        return Renewal(card_id=1, renewed_at=when, old_expires_on=today, new_expires_on=today,
                       amount=amount, currency=currency), soon

    renewals = [
        renewal(datetime(2025, 12, 31, 15, 59, tzinfo=UTC)),  # Dec 31 2025 local: before the window
        renewal(datetime(2025, 12, 31, 16, 0, tzinfo=UTC)),  # Jan 1 2026 local: the first month
        renewal(datetime(2026, 12, 1, tzinfo=UTC)),
        renewal(datetime(2026, 12, 2, tzinfo=UTC), amount=500, currency="USD"),
    ]
    data = chart_data(cards, renewals, today, SHANGHAI)
    assert data.expiries == [date(2027, 1, 1), date(2027, 3, 23)]
    assert data.months[0] == (2026, 1) and data.months[-1] == (2026, 12)
    assert data.currency == "PHP"
    assert data.spend == {"smart": [9900] + [0] * (SPEND_MONTHS - 2) + [9900]}
    assert data.renewals == 2
    assert data.other_currencies == {"USD": 500}
    assert render_png(data, "zh").startswith(PNG_SIGNATURE)


def _sample(currency: str = "CNY", today: date = date(2026, 11, 29)) -> ChartData:
    """Cards of two Chinese carriers and one without a carrier, renewed over the year."""
    mobile = _card(1, date(2026, 12, 3), carrier="china_mobile", price=3000, currency=currency)
    unicom = _card(2, date(2027, 1, 20), carrier="china_unicom", price=1900, currency=currency)
    bare = _card(3, date(2027, 2, 1), price=5000, currency=currency)

    def renewal(card: Card, month: int) -> tuple[Renewal, Card]:
        assert card.id is not None
        return Renewal(card_id=card.id, renewed_at=datetime(2026, month, 5, tzinfo=UTC),
                       old_expires_on=today, new_expires_on=today), card

    renewals = [renewal(mobile, month) for month in range(1, 12)]
    renewals += [renewal(unicom, 3), renewal(unicom, 9), renewal(bare, 6)]
    return chart_data([mobile, unicom, bare], renewals, today, SHANGHAI)


def _texts(lang: str) -> tuple[list[str], dict[str, list[str]]]:
    """Every text the chart shows, and its parts: titles, x tick labels, legend entries."""
    from matplotlib.text import Text

    figure = chart_figure(_sample(), lang)
    figure.canvas.draw()  # tick labels get their text when drawn
    axes = figure.get_axes()
    parts = {
        "titles": [ax.get_title(loc="left") for ax in axes],
        "ticks": [t.get_text() for ax in axes for t in ax.get_xticklabels() if t.get_text()],
        "legend": [t.get_text() for ax in axes if (legend := ax.get_legend()) is not None
                   for t in legend.get_texts()],
    }
    shown = [t.get_text() for t in figure.findobj(Text) if t.get_visible() and t.get_text()]
    return shown, parts


def test_a_chinese_chart_is_drawn_in_chinese() -> None:
    shown, parts = _texts("zh")
    assert parts["titles"] == ["未来 90 天内到期的卡（按周）", "每月花费（按运营商）"]
    assert set(parts["legend"]) == {"中国移动", "中国联通", "未填运营商"}
    assert "11月29日" in parts["ticks"]  # the first week
    assert {"1月", "6月", "11月"} <= {tick.split("\n")[0] for tick in parts["ticks"]}
    # No English left anywhere: the amounts are numbers and the currency is its sign.
    assert not [text for text in shown if re.search(r"[A-Za-z]", text)], shown
    assert "金额（¥）" in shown


def test_an_english_chart_is_drawn_in_english() -> None:
    shown, parts = _texts("en")
    assert parts["titles"] == ["Cards expiring in the next 90 days, by week",
                               "Spend per month by carrier"]
    assert set(parts["legend"]) == {"China Mobile", "China Unicom", "No carrier"}
    assert "Nov 29" in parts["ticks"]
    assert {"Jan", "Jun", "Nov"} <= {tick.split("\n")[0] for tick in parts["ticks"]}
    assert not [text for text in shown if re.search(r"[\u3000-\u9fff]", text)], shown


@pytest.mark.parametrize("currency", ["CNY", "PHP", "HKD"])
def test_the_chinese_chart_has_a_font_with_every_glyph(currency: str) -> None:
    """matplotlib warns "Glyph … missing from font(s)" when it draws a box instead (₱ is not
    in the CJK font: another font must draw it)."""
    from matplotlib import font_manager
    from matplotlib.text import Text

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = render_png(_sample(currency), "zh")
    assert png.startswith(PNG_SIGNATURE)
    figure = chart_figure(_sample(), "zh")
    title = next(t for t in figure.findobj(Text) if t.get_text() == "每月花费（按运营商）")
    assert font_manager.findfont(title.get_fontproperties()).endswith("NotoSansCJK-Regular.ttc")


async def test_in_a_group_only_admins_see_the_stats(
    api: FakeBotAPI, sbot: BotHarness, clock: ManualClock
) -> None:
    """The chart and its summary name the group's cards, which are for its admins."""
    group = api.group(-1005003, "Family")
    admin, member = api.user(5003, "Ada"), api.user(5004, "Max")
    api.set_admins(group, [5003])
    api.set_member(group, member)
    await add_card(sbot.database, sbot.settings, clock, -1005003, date(2027, 1, 10),
                   chat_type="supergroup", label="Router")

    refused = await sbot.say(member, "/stats", chat=group)
    assert refused.media_type is None
    assert refused.plain_text == "Only the group's admins can see its cards."

    chart = await sbot.say(admin, "/stats", chat=group, timeout=30)
    assert chart.media_type == "photo" and "“Router”" in chart.plain_text


def test_only_what_there_is_gets_a_panel() -> None:
    """A new user's cards have no renewals yet: the chart is the expiries alone, not half a
    picture saying there is nothing."""
    data = _sample()
    expiries_only = ChartData(today=data.today, expiries=data.expiries, months=data.months)
    figure = chart_figure(expiries_only, "en")
    assert [ax.get_title(loc="left") for ax in figure.get_axes()] == [
        "Cards expiring in the next 90 days, by week"
    ]
    with Image.open(io.BytesIO(render_png(expiries_only, "en"))) as image:
        width, height = image.size
    assert width == 960 and height < width  # landscape: no empty half below
    spend_only = ChartData(today=data.today, months=data.months, spend=data.spend,
                           currency=data.currency, renewals=data.renewals)
    assert [ax.get_title(loc="left") for ax in chart_figure(spend_only, "zh").get_axes()] == [
        "每月花费（按运营商）"
    ]
