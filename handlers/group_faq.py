"""/faq add <question> | <answer>, /faq del <id>, /faq list: a group's own answers (admins).

Only the rows are managed here; the free-text Q&A (handlers/questions.py) matches them
before the built-in knowledge base. Answers are stored as typed and escaped when shown.
"""

from __future__ import annotations

import re
from html import escape
from math import ceil

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
)

from bot.callbacks import FaqPage
from bot.domain.errors import DomainError
from bot.i18n import Translator
from bot.runtime.chatscope import ChatScope, chat_scope
from bot.runtime.permissions import admin_only
from bot.runtime.services import BotContext
from handlers.cards.common import IDLE_TIMEOUT, NOT_TYPED, TYPED, show
from handlers.conversations import Conversation
from handlers.prompts import ask, nudge

MAX_QUESTION = 300  # the column's size
MAX_ANSWER = 2000
PAGE_SIZE = 10  # answers per /faq list page: 10 full questions stay under 4096 characters
PREVIEW = 60  # characters of each answer in /faq list

_ACTIONS = {
    "add": "add", "添加": "add", "增加": "add",
    "del": "del", "delete": "del", "rm": "del", "删除": "del",
    "list": "list", "ls": "list", "列表": "list",
}  # fmt: skip
_ARGUMENTS = re.compile(r"^/\S+\s*(\S*)\s*(.*)$", re.S)
_SEPARATOR = re.compile(r"[|｜]")
ADDING = "adding"  # the step after a bare "/faq add"
END = ConversationHandler.END


def _usage(_: Translator) -> str:
    return "\n".join((
        _("The group's own answers, matched before my built-in ones:"),
        _("/faq add question | answer — add one"),
        _("/faq del 3 — delete answer #3"),
        _("/faq list — show them all"),
    ))


@admin_only
async def faq_command(update: Update, context: BotContext) -> str | None:
    """/faq add|del|list; a bare "/faq add" asks for the question and answer (a step)."""
    message = update.effective_message
    if message is None or message.text is None:
        return None
    scope = await chat_scope(update, context)
    _ = scope._
    if message.chat.type == ChatType.PRIVATE:
        await message.reply_text(
            _("Custom answers are for groups: add me to a group and use /faq there.")
        )
        return None
    match = _ARGUMENTS.match(message.text)
    action = _ACTIONS.get(match.group(1).lower()) if match else None
    rest = match.group(2).strip() if match else ""
    if action == "add" and not rest:
        await ask(update, _, _("Send the question and its answer, as: question | answer "
                               "(/cancel stops)."))
        return ADDING
    if action == "add":
        await _add(message, context, scope, rest)
    elif action == "del":
        await _delete(message, context, scope, rest)
    elif action == "list":
        await _list(message, context, scope)
    else:
        await message.reply_text(_usage(_))
    return None


def _split(text: str) -> tuple[str, str] | None:
    """ "question | answer" as its two parts, both present."""
    parts = _SEPARATOR.split(text, maxsplit=1)
    if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
        return None
    return parts[0].strip(), parts[1].strip()


@admin_only
async def _typed(update: Update, context: BotContext) -> int | None:
    """The answer to a bare "/faq add": saved (or refused) once it has both parts."""
    message = update.effective_message
    if message is None or message.text is None:
        return None
    scope = await chat_scope(update, context)
    if _split(message.text) is None:
        await ask(update, scope._, scope._("Please write it as: question | answer"), new=True)
        return None
    await _add(message, context, scope, message.text)
    return END


async def _cancel(update: Update, context: BotContext) -> int:
    scope = await chat_scope(update, context)
    if update.effective_message is not None:
        await update.effective_message.reply_text(scope._("Cancelled: nothing was saved."))
    return END


async def _add(message: Message, context: BotContext, scope: ChatScope, text: str) -> None:
    _ = scope._
    parts = _split(text)
    if parts is None:
        await message.reply_text(
            _("Please write it as: /faq add question | answer") + "\n\n" + _usage(_)
        )
        return
    question, answer = parts
    if len(question) > MAX_QUESTION or len(answer) > MAX_ANSWER:
        await message.reply_text(
            _("That is too long: a question can have up to {question} characters and an "
              "answer up to {answer}.").format(question=MAX_QUESTION, answer=MAX_ANSWER)
        )
        return
    author = message.from_user.id if message.from_user else 0
    try:
        entry = await context.services.faq.add(scope.chat.id, question, answer, author)
    except DomainError as error:
        refusals = {
            "faq_exists": _("There is already an answer to that question (#{id}). Delete it "
                            "first with /faq del {id}."),
            "faq_limit": _("This group already has {count} answers, the most I keep. Delete "
                           "one with /faq del first."),
        }
        await message.reply_text(refusals[error.code].format(**error.params))
        return
    reply = _("✅ Saved answer #{id}. When someone mentions me or replies to me with "
              "this question, I answer:").format(id=entry.id)
    reply += f"\n\n<b>{escape(question)}</b>\n{escape(answer)}"
    await message.reply_text(reply)


async def _delete(message: Message, context: BotContext, scope: ChatScope, text: str) -> None:
    _ = scope._
    number = text.removeprefix("#")
    if not number.isdigit() or len(number) > 9:
        await message.reply_text(
            _("Which one? Send /faq del followed by its number from /faq list.")
        )
        return
    deleted = await context.services.faq.delete(scope.chat.id, int(number))
    if deleted:
        await message.reply_text(_("🗑 Deleted answer #{id}.").format(id=number))
    else:
        await message.reply_text(
            _("This group has no answer #{id}. See /faq list.").format(id=number)
        )


async def _list(message: Message, context: BotContext, scope: ChatScope) -> None:
    text, markup = await _page(context, scope, 1)
    await message.reply_text(text, reply_markup=markup)


@admin_only
async def page_button(update: Update, context: BotContext) -> None:
    button = FaqPage.from_update(update)
    if button is None:
        return
    text, markup = await _page(context, await chat_scope(update, context), button.page)
    await show(update, text, markup)


async def _page(
    context: BotContext, scope: ChatScope, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of the group's answers (questions in full, answers cut short)."""
    _ = scope._
    entries = await context.services.faq.list(scope.chat.id)
    if not entries:
        return _("This group has no answers of its own yet. Add one with "
                 "/faq add question | answer"), None
    pages = ceil(len(entries) / PAGE_SIZE)
    page = min(max(page, 1), pages)
    header = _("<b>This group's answers</b> ({count})").format(count=len(entries))
    if pages > 1:
        header += " · " + _("page {page} of {pages}").format(page=page, pages=pages)
    lines = [header]
    for entry in entries[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]:
        answer = entry.answer if len(entry.answer) <= PREVIEW else entry.answer[:PREVIEW] + "…"
        lines.append(f"#{entry.id} <b>{escape(entry.question)}</b>\n    {escape(answer)}")
    nav = []
    if page > 1:
        nav.append(InlineKeyboardButton("◀", callback_data=FaqPage(page - 1).pack()))
    if page < pages:
        nav.append(InlineKeyboardButton("▶", callback_data=FaqPage(page + 1).pack()))
    return "\n".join(lines), InlineKeyboardMarkup([nav]) if nav else None


def handlers() -> list[BaseHandler]:
    return [
        Conversation(
            entry_points=[CommandHandler("faq", faq_command)],
            states={ADDING: [MessageHandler(TYPED, _typed), MessageHandler(NOT_TYPED, nudge)]},
            fallbacks=[CommandHandler("cancel", _cancel)],
            allow_reentry=True,
            conversation_timeout=IDLE_TIMEOUT,
        ),
        CallbackQueryHandler(page_button, pattern=FaqPage.pattern),
    ]
