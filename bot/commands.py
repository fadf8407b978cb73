"""The command table: one place for /help, the Telegram command menus and the README."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.i18n import N_


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
    args: str = ""


_P, _G, _A = Audience.PRIVATE, Audience.GROUP, Audience.GROUP_ADMIN

COMMANDS: tuple[Command, ...] = (
    Command("start", N_("Start the bot and show the main menu"), (_P, _G)),
    Command("help", N_("List the commands"), (_P, _G)),
    Command("language", N_("Choose the language (中文 / English)"), (_P, _A), "[zh|en]"),
    Command("cancel", N_("Leave the current conversation"), (_P, _A)),
)


def commands_for(audience: Audience) -> list[Command]:
    return [command for command in COMMANDS if audience in command.audiences]
