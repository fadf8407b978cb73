"""/stats: a PNG chart with a summary, a clear message when there is nothing to chart, and the
numbers behind the chart."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from bot.charts import SPEND_MONTHS, chart_data, render_png
from bot.fakebotapi import FakeBotAPI
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
        assert image.format == "PNG" and image.size == (800, 700)
    caption = reply.plain_text or ""
    assert "Next 90 days: 2 cards expire, first “Phone <1>” on 2027-01-10." in caption
    # Two renewals at the card's price and one with its own amount.
    assert "¥110.00 on 3 renewals, most for China Mobile (¥110.00)" in caption


async def test_stats_with_nothing_to_chart_says_so(api: FakeBotAPI, sbot: BotHarness) -> None:
    user = api.user(5002, "Lu")
    reply = await sbot.say(user, "/stats")
    assert reply.media_type is None
    assert "Nothing to chart yet" in (reply.text or "")


def _card(card_id: int, expires_on: date, **fields: object) -> Card:
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
    assert render_png(data, "zh").startswith(PNG_SIGNATURE)  # drawn in English without CJK fonts
