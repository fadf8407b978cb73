"""What the page shows in words, translated on the server (the page holds no text of its own):
the field registry's names, questions and choices, and a few labels of the page itself."""

from __future__ import annotations

from typing import Any

from bot.i18n import N_, Translator
from bot.runtime.permissions import ADMINS_ONLY
from handlers.cards.fields import FIELDS, FieldContext
from handlers.cards.renew import AMOUNT, CHANNEL, NOTE, QUESTIONS
from handlers.cards.view import CHANNEL_NAMES

_PAGE = {
    "mine": N_("Your cards"),
    "group": N_("This group's cards"),
    "add": N_("➕ Add a card"),
    "save": N_("✅ Save"),
    "cancel": N_("✖ Cancel"),
    "edit": N_("✏️ Edit"),
    "delete": N_("🗑 Delete"),
    "delete_yes": N_("🗑 Yes, delete it"),
    "keep": N_("Keep it"),
    "renewed": N_("✅ Renewed"),
    "history": N_("📜 History"),
    "back": N_("↩️ Back"),
    "settings": N_("⚙️ Settings"),
    "calendar": N_("📅 Calendar"),
    "stats": N_("📊 Statistics"),
    "cal_expires": N_("Expires"),
    "cal_reminds": N_("🔔 Reminder"),
    "new_card": N_("New card"),
    "saved": N_("✅ Saved."),
    "legend": N_("🔴 expired · 🟠 within 3 days · 🟡 within 7 days · 🟢 fine"),
    "read_only": ADMINS_ONLY,
    "empty": N_("There are no cards here yet."),
    "no_match": N_("No card matches."),
    "search": N_("Search by name"),
    "all_carriers": N_("All carriers"),
    "pick_date": N_("Pick a date"),
    "renew_to": N_("Renew to {date}"),
    "renew_other": N_("or type the new expiry date:"),
    "renew_confirm": N_("✅ Renew"),
    "optional": N_("(optional)"),
    "use_guess": N_("✅ Yes"),
    "keep_past": N_("Yes, keep it"),
    "failed": N_("Something went wrong. Please try again."),
}


def page_strings(_: Translator) -> dict[str, str]:
    return {key: _(message) for key, message in _PAGE.items()}


def form_fields(ctx: FieldContext) -> list[dict[str, Any]]:
    """The add/edit form: every field /addcard asks, with its question and its choices."""
    return [
        {
            "key": f.key,
            "name": ctx._(f.name),
            "prompt": f.prompt_text(ctx),
            "optional": f.optional,
            "choices": [[label, value] for label, value in f.buttons(ctx)],
        }
        for f in FIELDS
    ]


def renewal_fields(_: Translator) -> list[dict[str, Any]]:
    """What /renewed asks after the date: the amount, the channel (its buttons) and a note."""
    return [
        {"key": "amount", "prompt": _(QUESTIONS[AMOUNT]), "choices": []},
        {"key": "channel", "prompt": _(QUESTIONS[CHANNEL]),
         "choices": [[_(name), channel.value] for channel, name in CHANNEL_NAMES.items()]},
        {"key": "note", "prompt": _(QUESTIONS[NOTE]), "choices": []},
    ]


def unauthorised(_: Translator) -> str:
    return _(
        "This page only works when opened from the bot in Telegram (the menu button or /app). "
        "Please open it again from there."
    )


def no_chat(_: Translator) -> str:
    """A chat the user may not see: not theirs, or a group they are not in (or unknown)."""
    return _("These cards are not yours to see: open the app from your own chat with me, or "
             "from a group you are in.")
