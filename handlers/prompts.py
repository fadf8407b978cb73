"""Questions that wait for the user's answer, asked so that the answer reaches the bot in groups.

Under privacy mode (a bot's default) a group message reaches the bot only when it is a command,
mentions the bot or replies to one of its messages: an admin who just types the answer to "Which
carrier?" is never heard. So in a group every such question carries ForceReply(selective=True)
and replies to the admin's message (after a pressed button, which leaves no message of theirs,
it mentions them): only that admin's client opens a reply, and their answer, a reply to the
bot, is delivered. Private chats are unchanged.

A message has one reply_markup, and an edited message cannot take a ForceReply. A question with
buttons therefore keeps them where they are today, and a short follow-up carries the ForceReply;
answering by reply to either message reaches the bot, because both are the bot's.
"""

from __future__ import annotations

from telegram import ForceReply, InlineKeyboardMarkup, ReplyParameters, Update
from telegram.constants import ChatType

from bot.i18n import Translator
from bot.runtime.chatscope import chat_scope
from bot.runtime.services import BotContext
from handlers.cards.common import say, show, thread_of


def _force(_: Translator) -> ForceReply:
    return ForceReply(selective=True, input_field_placeholder=_("Your answer"))


async def ask(
    update: Update, _: Translator, text: str, markup: InlineKeyboardMarkup | None = None,
    *, new: bool = False,
) -> None:
    """Ask `text` (with its buttons), as `show` does or, `new`, as `say` does; in a group, make
    the answer a reply to the bot."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        await (say if new else show)(update, text, markup)
        return
    message = update.message  # the admin's own message; None after a pressed button
    if markup is None and message is not None:
        await message.reply_text(
            text, reply_markup=_force(_),
            reply_parameters=ReplyParameters(message.message_id, allow_sending_without_reply=True),
        )
        return
    await (say if new else show)(update, text, markup)
    await _follow_up(update, _)


async def _follow_up(update: Update, _: Translator) -> None:
    """The ForceReply beside a question that has buttons."""
    message, user = update.message, update.effective_user
    if message is not None:
        await message.reply_text(
            _("↩️ Reply to this message with your answer."), reply_markup=_force(_),
            reply_parameters=ReplyParameters(message.message_id, allow_sending_without_reply=True),
        )
        return
    chat = update.effective_chat
    assert chat is not None
    text = _("↩️ {name}, reply to this message with your answer.").format(
        name=user.mention_html() if user is not None else ""
    )
    await update.get_bot().send_message(
        chat.id, text, reply_markup=_force(_), message_thread_id=thread_of(update)
    )


async def nudge(update: Update, context: BotContext) -> None:
    """A sticker, photo or voice note in the middle of a question: say what works, stay put."""
    scope = await chat_scope(update, context)
    await ask(
        update, scope._,
        scope._("Please type your answer or use the buttons above (/cancel stops)."), new=True,
    )
