"""The command table: one place for /help, the Telegram command menus and the README."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.i18n import LANGUAGES, N_, translator

log = logging.getLogger(__name__)


class Audience(StrEnum):
    PRIVATE = "private"  # private chats
    GROUP = "group"  # anyone in a group
    GROUP_ADMIN = "group_admin"  # group admins only
    OWNER = "owner"  # BOT_OWNER_IDS


@dataclass(frozen=True)
class Command:
    name: str
    description: str  # English source text, translated when shown
    audiences: tuple[Audience, ...]
    args: str = ""  # msgid where it has words to translate ("[zone]")


_P, _G, _A = Audience.PRIVATE, Audience.GROUP, Audience.GROUP_ADMIN
_O = Audience.OWNER

COMMANDS: tuple[Command, ...] = (
    Command("start", N_("Start the bot and show the main menu"), (_P, _G)),
    Command("help", N_("List the commands"), (_P, _G)),
    Command("language", N_("Choose the language (中文 / English)"), (_P, _A), "[zh|en]"),
    Command("renew", N_("How to renew or top up, by carrier or channel"), (_P, _G),
            N_("[carrier]")),
    Command("timezone", N_("This chat's time zone (city, Area/City or UTC+8)"), (_P, _A),
            N_("[zone]")),
    Command("remindat", N_("The time of day reminders arrive"), (_P, _A), N_("[HH:MM]")),
    Command("addcard", N_("Record a SIM card, data card or eSIM"), (_P, _A)),
    Command("cards", N_("Your cards: expiry, status and monthly cost"), (_P,)),
    Command("card", N_("Show one card with its buttons"), (_P,), N_("N")),
    Command("renewed", N_("Mark a card as renewed"), (_P, _A), N_("N")),
    Command("editcard", N_("Change a card"), (_P, _A), N_("N")),
    Command("delcard", N_("Delete a card"), (_P, _A), N_("N")),
    Command("history", N_("A card's renewals and receipts"), (_P,), N_("[N]")),
    Command("export", N_("Download your cards as CSV and as a calendar (.ics)"), (_P, _A)),
    Command("import", N_("Add or update cards from a CSV file"), (_P, _A)),
    Command("stats", N_("A chart of coming expiries and monthly spend"), (_P, _A)),
    Command("forget", N_("Delete everything the bot keeps about you"), (_P,)),
    Command("settings", N_("This chat's settings: language, time zone, reminders"), (_P, _A)),
    Command("groupcards", N_("The group's cards"), (_A,)),
    Command("faq", N_("The group's own answers to questions"), (_A,), "add|del|list"),
    Command("reminders", N_("Turn this chat's reminders on or off"), (_A,), "on|off"),
    Command("botstats", N_("Chats, cards and reminders of the whole bot"), (_O,)),
    Command("broadcast", N_("Send a message to every chat"), (_O,), N_("<text>")),
    Command("cancel", N_("Leave the current conversation"), (_P, _A)),
)


# Only when the Mini App is configured (WEBAPP_URL): without it nothing changes.
APP_COMMAND = Command("app", N_("Open your cards in the app"), (_P, _G))


def commands_for(audience: Audience, *, webapp: bool = False) -> list[Command]:
    table = (*COMMANDS, APP_COMMAND) if webapp else COMMANDS
    return [command for command in table if audience in command.audiences]


async def set_owner_menu(bot: Bot, owner_id: int, *, webapp: bool) -> bool:
    """The owner's own chat menu: the private commands and the owner's, in every language.
    False when Telegram refuses (the owner never opened a chat with the bot)."""
    for language in LANGUAGES:
        _ = translator(language)
        menu = [BotCommand(c.name, _(c.description))
                for c in (*commands_for(Audience.PRIVATE, webapp=webapp),
                          *commands_for(Audience.OWNER))]
        try:
            await bot.set_my_commands(menu, scope=BotCommandScopeChat(owner_id),
                                      language_code=None if language == "en" else language)
        except TelegramError as exc:
            log.warning("no command menu for owner %s yet: %s", owner_id, exc)
            return False
    return True
