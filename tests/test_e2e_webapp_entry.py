"""Ways into the Mini App over the fake Bot API: with WEBAPP_URL the bot's menu button opens
the app, /app answers with a button that opens it (a t.me link in groups, where Telegram
allows no web_app buttons) and /cards offers it; without WEBAPP_URL none of it exists."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest

from fakebotapi import FakeBotAPI, SentMessage
from tests.harness import BotHarness
from tests.reminder_fixtures import add_card
from tests.webapp_fixtures import WEBAPP_URL

GROUP = -100555


@pytest.fixture
async def appbot(api: FakeBotAPI, sqlite_url: str) -> AsyncIterator[BotHarness]:
    harness = BotHarness(api, sqlite_url, webapp_url=WEBAPP_URL)
    await harness.start()
    yield harness
    await harness.stop()


def _buttons(message: SentMessage) -> list[dict[str, Any]]:
    markup = message.reply_markup or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


async def test_the_menu_button_and_app_command_open_the_app(
    appbot: BotHarness, api: FakeBotAPI
) -> None:
    assert api.profile[("menu_button", "")] == {
        "type": "web_app", "text": "Cards", "web_app": {"url": WEBAPP_URL}}
    assert ("app", "Open your cards in the app") in api.commands_for("all_private_chats")
    li = api.user(6001, "Li", language_code="zh-hans")
    reply = await appbot.say(li, "/app")
    assert _buttons(reply) == [{"text": "📱 在应用中打开", "web_app": {"url": WEBAPP_URL}}]
    assert "/app" in (await appbot.say(li, "/help")).plain_text


async def test_cards_offer_the_app_and_a_group_gets_a_link(
    appbot: BotHarness, api: FakeBotAPI
) -> None:
    ann = api.user(6002, "Ann")
    await add_card(appbot.database, appbot.settings, appbot.clock, ann.id, date(2030, 1, 1))
    card = await add_card(appbot.database, appbot.settings, appbot.clock, ann.id,
                          date(2031, 1, 1), label="Spare")
    for command in ("/cards", f"/card {card.id}"):
        reply = await appbot.say(ann, command)
        assert {"text": "📱 Open in app", "web_app": {"url": WEBAPP_URL}} in _buttons(reply)
    group = api.group(GROUP, "Family")
    api.set_admins(group, [ann.id])
    reply = await appbot.say(ann, "/app", chat=group)
    assert appbot.app is not None
    username = appbot.app.bot.username
    assert _buttons(reply) == [{"text": "📱 Open in app",
                                "url": f"https://t.me/{username}?startapp=g{GROUP}"}]


async def test_without_webapp_url_nothing_changes(bot: BotHarness, api: FakeBotAPI) -> None:
    assert ("menu_button", "") not in api.profile
    assert "app" not in [name for name, _ in api.commands_for("all_private_chats")]
    ann = api.user(6003, "Ann")
    await add_card(bot.database, bot.settings, bot.clock, ann.id, date(2030, 1, 1))
    for command in ("/app", "/cards", "/help", "/card 1"):
        reply = await bot.say(ann, command)
        assert not any("web_app" in button for button in _buttons(reply)), command
        assert "/app" not in (reply.text or ""), command
