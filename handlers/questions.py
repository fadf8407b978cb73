"""Free-text questions answered from the knowledge base.

Private chats: every text no other handler took. Groups: only texts that mention the bot or
reply to it; the group's own FAQ rows win there. The chat's recorded carriers make "how do I
renew my card?" answer with that carrier's guide.
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.callbacks import GuideButton
from bot.i18n import N_
from bot.knowledge import CustomEntry, KnowledgeBase, Match, render
from bot.knowledge.intents import Intent
from bot.knowledge.reply_language import reply_language
from bot.knowledge.understand import understand
from bot.runtime.chatcache import ChatKnowledge
from bot.runtime.chatscope import ChatScope, adopt_written_language, chat_scope
from bot.runtime.services import BotContext
from handlers.cards.listing import cards_page
from handlers.free_text import TEXT, addressed_to_bot, text_for_bot
from handlers.guide import View, entry_data, home_keyboard, home_page

# What a user might send instead of typing; stickers are reactions and are left alone.
_MEDIA = (
    filters.UpdateType.MESSAGE
    & filters.ChatType.PRIVATE
    & (filters.PHOTO | filters.VIDEO | filters.VOICE | filters.AUDIO | filters.Document.ALL)
)


async def _read(
    update: Update, context: BotContext, private: bool
) -> tuple[ChatScope, ChatKnowledge]:
    """The chat (for its language, as every handler gets it), the group's own FAQ entries
    (private chats have none) and the chat's card carriers: from the cache, or one short
    read."""
    scope = await chat_scope(update, context)
    chat_id = scope.chat.id

    async def load() -> ChatKnowledge:
        profile = await context.services.chats.profile(chat_id, with_faq=not private)
        return ChatKnowledge(
            custom=tuple(CustomEntry(r.id, r.question, r.answer) for r in profile.faq if r.id),
            card_numbers=profile.card_numbers,
            carriers=tuple(profile.carriers),
        )

    known = await context.services.chat_cache.fetch(chat_id, load)
    assert known is not None
    return scope, known


def view_for(text: str, scope: ChatScope, update: Update) -> View:
    """Replies are in the question's language (reply_language.py), whatever the chat's is."""
    user = update.effective_user
    return View.of(scope, reply_language(text, scope.lang, user.language_code if user else None))


_SMALL_TALK_REPLIES = {
    "greeting": N_(
        "Hi! I answer questions about renewing and topping up SIM cards, data cards and eSIMs, "
        "and I can remind you before a card expires. Just type your question, for example "
        "“how do I check how much data I have left?”, or record a card with /addcard."
    ),
    "about_bot": N_(
        "I'm a renewal assistant for SIM cards, data cards and travel eSIMs: I answer questions "
        "about topping up and renewing (type one, or send /renew for the guide), and I remind "
        "you before your cards expire (/addcard). Send /help to see everything I can do."
    ),
    "thanks": N_("You're welcome! Ask me any time."),
    "bye": N_("Bye! Come back any time."),
    "ack": N_("👌 Anything else? Just type your question."),
    "praise": N_("Thank you! 😊 Ask me anything about renewing your cards."),
}
# A bare short number that is one of the chat's card numbers probably means that card.
_CARD_NUMBER = re.compile(r"\s*#?(\d{1,3})\s*")


def _fallback(view: View, match: Match, text: str, card_numbers: frozenset[int]) -> str:
    _ = view._
    if match.reason == "off_topic":
        lines = [
            _("Sorry, I can't help with that."),
            _(
                "I answer questions about renewing and topping up SIM cards, data cards and "
                "eSIMs, for example “how do I top up China Mobile?”, and I remind you before "
                "your cards expire (/addcard)."
            ),
        ]
        number = _CARD_NUMBER.fullmatch(text)
        if number is not None and int(number.group(1)) in card_numbers:
            lines.append(
                _("To open one of your cards, send /card and its number, e.g. /card {n}.").format(
                    n=int(number.group(1))
                )
            )
        return "\n\n".join(lines)
    return "{}\n\n{}".format(
        _("I'm not sure what you mean."),
        _("Pick a topic from the renewal guide, or ask in other words."),
    )


def _reply(
    view: View, match: Match, text: str, card_numbers: frozenset[int]
) -> tuple[str, InlineKeyboardMarkup | None]:
    _ = view._
    if match.kind == "answer" and match.entry is not None:
        return render(match.entry, view.lang, match.carrier, match.number_prefix), None
    if match.kind == "choices":
        rows = [[view.button(e.title(view.lang), entry_data(e))] for e in match.candidates]
        rows.append([view.button(_("None of these"), GuideButton("none"))])
        return view.say("🤔 " + _("Did you mean…")), InlineKeyboardMarkup(rows)
    return view.say(_fallback(view, match, text, card_numbers)), home_keyboard(view)


async def question(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or message.text is None or not addressed_to_bot(message):
        return
    text = text_for_bot(message)
    scope, known = await _read(update, context, message.chat.type == ChatType.PRIVATE)
    if not text:  # just "@bot": show what can be asked
        page = home_page(View.of(scope))
        await message.reply_text(page.text, reply_markup=page.markup)
        return
    understood = understand(text, KnowledgeBase.load(), known.custom, known.carriers)
    if understood.match is None or understood.match.kind != "none":
        scope = await adopt_written_language(update, context, text)
    # Pasted code and links say nothing of the writer's language (understood.question has none).
    view = view_for(understood.question, scope, update)
    if understood.small_talk is not None:
        await message.reply_text(view.say(view._(_SMALL_TALK_REPLIES[understood.small_talk])))
        return
    if understood.intent is not None:
        await _act(update, context, view, understood.intent)
        return
    if understood.command is not None:  # "addcrad": a command without its slash, mistyped
        hint = view._("Did you mean /{command}? Tap it to run it.").format(
            command=understood.command
        )
        await message.reply_text(view.say(hint))
        return
    assert understood.match is not None
    reply, markup = _reply(view, understood.match, understood.question, known.card_numbers)
    await message.reply_text(reply, reply_markup=markup)


async def _act(update: Update, context: BotContext, view: View, intent: Intent) -> None:
    """A request about the user's own cards."""
    message = update.effective_message
    assert message is not None
    _ = view._
    if intent.kind == "my_cards":
        if message.chat.type == ChatType.PRIVATE:
            empty = _(
                "You haven't recorded any cards yet, so I don't know when yours expire. The "
                "carrier's app or hotline shows the expiry date; save it with /addcard and I'll "
                "remind you."
            )
        else:
            empty = _(
                "No cards are recorded in this group yet, so I don't know when they expire. A "
                "group admin can add one with /addcard, and I'll remind the group."
            )
        await cards_page(update, context, empty=view.say(empty))
    elif message.chat.type == ChatType.PRIVATE:  # forget_data; the other requests start
        # their conversations (Asks filters)
        await message.reply_text(view.say(_(
            "To delete everything I keep about you, send /forget. I'll ask you to confirm first."
        )))
    else:
        await message.reply_text(
            view.say(_("To delete everything I keep about you, send /forget in a private chat "
                        "with me. I'll ask you to confirm first."))
        )


async def media_hint(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    _ = (await chat_scope(update, context))._
    await message.reply_text(
        _("I can only read typed questions. Type yours, or send /renew for the guide.")
    )


def handlers() -> list[BaseHandler]:
    """Catch-alls: register them after every other handler of their group."""
    return [MessageHandler(TEXT, question), MessageHandler(_MEDIA, media_hint)]

