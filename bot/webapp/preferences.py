"""The chat's settings in the Mini App (language, time zone, remind time, default lead days,
reminders on/off), read and saved as /settings does: its parsing
(handlers.group_settings.setting_values) and messages, and the domain's ChatService, which
recomputes the chat's reminders when a setting moves them."""

from __future__ import annotations

from typing import Any

from bot.domain.chats import ChatService
from bot.domain.parsing import COMMON_TIMEZONES, InputError, format_lead_days, format_timezone
from bot.domain.preferences import ChatPolicy
from bot.i18n import Translator
from bot.settings import Settings
from bot.webapp.cards import MAX_TEXT, Problem
from handlers.chat_settings import REMIND_TIMES, hhmm
from handlers.group_settings import TYPED_HINTS, setting_values
from handlers.language import LANGUAGE_NAMES
from storage.models import Chat

_LEAD_CHOICES = ("7, 3, 1, 0", "14, 7, 3, 1, 0", "30, 7, 3, 1, 0", "3, 1, 0", "1, 0")


def current(chat: Chat, lang: str, settings: Settings, _: Translator) -> dict[str, Any]:
    """The chat's settings as the form shows them, with the choices /settings offers."""
    policy = ChatPolicy.of(chat, settings)
    return {
        "values": {
            "lang": lang,
            "tz": format_timezone(policy.timezone),
            "at": hhmm(policy.remind_at),
            "lead": format_lead_days(policy.lead_days),
            "rem": "on" if chat.reminders_enabled else "off",
        },
        "choices": {
            "lang": [[name, code] for code, name in LANGUAGE_NAMES.items()],
            "tz": list(COMMON_TIMEZONES),
            "at": list(REMIND_TIMES),
            "lead": list(_LEAD_CHOICES),
        },
        "labels": {
            "title": _("⚙️ Settings"),
            "lang": _("🌐 Language"),
            "tz": _("🕒 Time zone"),
            "at": _("⏰ Remind time"),
            "lead": _("📅 Days before"),
            "rem_on": _("🔔 Reminders: on"),
            "rem_off": _("🔕 Reminders: off"),
        },
    }


async def save(
    chats: ChatService, chat: Chat, form: dict[str, Any], _: Translator
) -> tuple[Chat, int]:
    """Save every setting the form holds, or none: a value /settings would refuse gets that
    page's message. Returns the chat and the number of cards whose reminders moved."""
    values: dict[str, object] = {}
    errors: dict[str, str] = {}
    for key in ("lang", "tz", "at", "lead", "rem"):
        if form.get(key) is None:
            continue
        text = str(form[key]).strip()
        try:
            if len(text) > MAX_TEXT:
                raise InputError("too_long")
            values |= setting_values(key, text)
        except InputError:
            errors[key] = _(TYPED_HINTS.get(key, "That button has expired."))
    if errors:
        raise Problem(errors=errors)
    if not values:
        return chat, 0
    return await chats.change_settings(chat.id, **values)
