"""Text users saved (card label and plan, renewal note, a group's FAQ) is shown escaped
everywhere it comes back, and a save delivered twice stores one row."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import func, select

from fakebotapi import FakeBotAPI, SentMessage
from storage.models import Card
from storage.repositories.cards import CardRepository
from tests.harness import BotHarness
from tests.reminder_fixtures import add_card

LABEL = '<b>x</b> & <a href="https://evil.example">pay here</a>'
PLAN = "<i>50GB</i> <tg-spoiler>s</tg-spoiler>"
NOTE = "<code>paid</code> & </b>"


def _literal(message: SentMessage, text: str) -> bool:
    """The user sees `text` as typed (not as markup), and no link was made of it."""
    links = [e for e in message.entities if e.get("type") == "text_link"]
    return text in message.plain_text and not links


async def test_card_text_is_shown_escaped(api: FakeBotAPI, bot: BotHarness) -> None:
    user = api.user(9101, "Mal")
    await bot.say(user, "/start")
    card = await add_card(
        bot.database, bot.settings, bot.clock, 9101, date(2027, 1, 31), label=LABEL, plan=PLAN
    )
    async with bot.database.session() as session:
        repo = CardRepository(session)
        stored = await repo.get(9101, card.id)  # type: ignore[arg-type]
        assert stored is not None
        await repo.record_renewal(
            stored,
            date(2027, 2, 28),
            renewed_at=datetime.now(UTC),
            renewed_by=9101,
            amount=3000,
            currency="CNY",
            note=NOTE,
        )
    listing = await bot.say(user, "/cards")
    assert _literal(listing, LABEL)
    view = await bot.say(user, f"/card {card.id}")
    assert _literal(view, LABEL) and PLAN in view.plain_text
    history = await bot.say(user, f"/history {card.id}")
    assert _literal(history, LABEL) and NOTE in history.plain_text
    assert [c for c in api.calls if c.status >= 400] == []


async def test_group_faq_text_is_shown_escaped(api: FakeBotAPI, bot: BotHarness) -> None:
    admin = api.user(9102, "Ada")
    group = api.group(-1009102, "Shop")
    api.set_admins(group, [9102])
    added = await bot.say(
        admin, "/faq add <b>Opening</b> hours? | <a href='x'>9</a> to 5 & later", chat=group
    )
    assert "<b>Opening</b>" in added.plain_text
    listed = await bot.say(admin, "/faq list", chat=group)
    assert "<b>Opening</b> hours?" in listed.plain_text
    since = api.mark()
    api.send_text(admin, "@renew_test_bot opening hours?", chat=group)
    answer = await api.wait_for_message(group, since=since)
    assert _literal(answer, "<a href='x'>9</a> to 5 & later")
    assert [c for c in api.calls if c.status >= 400] == []


async def test_a_save_delivered_twice_stores_one_card(api: FakeBotAPI, bot: BotHarness) -> None:
    user = api.user(9103, "Dup")
    await bot.say(user, "/addcard")
    prompt = await bot.say(user, "Twice")
    for data in (
        "cf:carrier",
        "cf:kind:data",
        "cf:number",
        "cf:plan",
        "cf:price",
        "cf:expiry:+30d",
        "cf:cycle:none",
        "cf:lead_days",
    ):
        prompt = await bot.press(user, prompt, data)
    assert "cf:save" in prompt.callback_data()
    update = api.press(user, prompt, "cf:save")
    api.duplicate_update(update)
    await api.wait_idle(quiet=0.3)
    async with bot.database.session(readonly=True) as session:
        count = await session.exec(
            select(func.count()).select_from(Card).where(Card.chat_id == 9103)
        )
        assert count.one() == 1
