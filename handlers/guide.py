"""/renew (alias /howto) [carrier]: the renewal guide as inline-button pages.

One message is navigated by editing it in place (home -> section -> entry -> back), so the
guide never floods a chat. Callback data: `kb:home`, `kb:sec:<section key>[:<page>]`,
`kb:e:<entry id>` (built-in entry) and `kb:c:<FAQ row id>` (a group's own entry).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.chatscope import ChatScope, chat_scope
from bot.i18n import Translator
from bot.knowledge import (
    CustomEntry,
    Entry,
    KnowledgeBase,
    MenuSection,
    find_carrier,
    render,
)
from bot.knowledge.variants import to_variant
from bot.services import BotContext
from storage.repositories.faq import FaqRepository

HOME = "kb:home"
NONE_OF_THESE = "kb:none"  # under "did you mean" choices
OPEN_FROM_MAIN_MENU = "menu:renew"  # the main menu's "How to renew" button
_DATA = re.compile(
    r"kb:(?:(home|none)|sec:([a-z_]{1,20})(?::(\d{1,2}))?|e:([a-z][a-z0-9_]{1,39})|c:(\d{1,9}))"
)
# Questions per page of a section: a phone screen of buttons.
PAGE_SIZE = 8
# How much of an unknown carrier name is quoted back.
_MAX_QUOTED = 40


@dataclass(frozen=True, slots=True)
class Page:
    text: str
    markup: InlineKeyboardMarkup


def entry_data(entry: Entry | CustomEntry) -> str:
    return f"kb:c:{entry.id}" if isinstance(entry, CustomEntry) else f"kb:e:{entry.id}"


def _back(_: Translator, data: str) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(_("⬅️ Back"), callback_data=data)]


def home_keyboard(lang: str) -> InlineKeyboardMarkup:
    sections = KnowledgeBase.load().menu_sections()
    buttons = [
        InlineKeyboardButton(to_variant(s.title(lang), lang), callback_data=section_data(s))
        for s in sections
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def home_page(scope: ChatScope, note: str = "") -> Page:
    _ = scope._
    text = "📖 <b>{}</b>\n\n{}".format(
        _("How to renew"),
        _("Pick a topic, or just type your question, for example “how do I top up Globe?”."),
    )
    return Page(f"{note}\n\n{text}" if note else text, home_keyboard(scope.lang))


def section_data(section: MenuSection, page: int = 0) -> str:
    return f"kb:sec:{section.key}" + (f":{page}" if page else "")


def section_page(scope: ChatScope, section: MenuSection, note: str = "", page: int = 0) -> Page:
    """One page of a section's questions, with ◀ / ▶ when it has more than one."""
    _ = scope._
    pages = max(1, -(-len(section.entries) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = section.entries[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    rows = [
        [InlineKeyboardButton(entry.title(scope.lang), callback_data=entry_data(entry))]
        for entry in shown
    ]
    if pages > 1:
        turn = [(f"{page + 1}/{pages}", page)]
        if page > 0:
            turn.insert(0, ("◀️", page - 1))
        if page < pages - 1:
            turn.append(("▶️", page + 1))
        rows.append(
            [InlineKeyboardButton(label, callback_data=section_data(section, target))
             for label, target in turn]
        )
    rows.append(_back(_, HOME))
    text = "<b>{}</b>\n\n{}".format(escape(section.title(scope.lang)), _("Pick a question:"))
    return Page(f"{note}\n\n{text}" if note else text, InlineKeyboardMarkup(rows))


def entry_page(scope: ChatScope, entry: Entry | CustomEntry) -> Page:
    """The answer, with Back to the section it is listed in (a group's entry: the guide)."""
    back = HOME
    if isinstance(entry, Entry):
        section = _section_of(entry)
        if section is not None:
            back = section_data(section, section.entries.index(entry) // PAGE_SIZE)
    return Page(render(entry, scope.lang), InlineKeyboardMarkup([_back(scope._, back)]))


def _section_of(entry: Entry) -> MenuSection | None:
    sections = KnowledgeBase.load().menu_sections()
    return next((s for s in sections if any(e.id == entry.id for e in s.entries)), None)


def _section(key: str) -> MenuSection | None:
    return next((s for s in KnowledgeBase.load().menu_sections() if s.key == key), None)


def carrier_page(scope: ChatScope, name: str) -> Page:
    """/renew <name>: that carrier's guide, or the carrier list when the name is unknown."""
    kb = KnowledgeBase.load()
    carrier = find_carrier(name)
    guide = kb.guide_for_carrier(carrier.code) if carrier else None
    if guide is not None:
        return entry_page(scope, guide)
    quoted = name if len(name) <= _MAX_QUOTED else name[: _MAX_QUOTED - 1] + "…"
    note = scope._("I don't know the carrier “{name}”. Pick one:").format(name=escape(quoted))
    carriers = _section("carriers")
    assert carriers is not None  # a fixed section of the menu
    return section_page(scope, carriers, note)


async def renew_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    scope = await chat_scope(update, context)
    name = " ".join(context.args or ())
    page = carrier_page(scope, name) if name else home_page(scope)
    await message.reply_text(page.text, reply_markup=page.markup)


async def _page_for(data: str, scope: ChatScope, context: BotContext) -> Page | None:
    """The page a button's data leads to; None for data that is stale or forged."""
    if data == OPEN_FROM_MAIN_MENU:
        return home_page(scope)
    match = _DATA.fullmatch(data)
    if match is None:
        return None
    home, section_key, page, entry_id, custom_id = match.groups()
    if home == "none":
        note = scope._("Sorry I didn't find it. Ask in other words, or pick a topic:")
        return home_page(scope, note)
    if home:
        return home_page(scope)
    if section_key:
        section = _section(section_key)
        return section_page(scope, section, page=int(page or 0)) if section else None
    if entry_id:
        entry = KnowledgeBase.load().get(entry_id)
        return entry_page(scope, entry) if entry else None
    # A group's own entry: only that group's rows (ids are global, so re-check the chat).
    async with context.db.session(readonly=True) as session:
        rows = await FaqRepository(session).list(scope.chat.id)
    row = next((r for r in rows if r.id == int(custom_id)), None)
    if row is None or row.id is None:
        return None
    return entry_page(scope, CustomEntry(row.id, row.question, row.answer))


async def guide_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    scope = await chat_scope(update, context)
    page = await _page_for(query.data, scope, context)
    if page is None:
        await query.answer(scope._("That button is out of date. Send /renew for the guide."))
        return
    await query.answer()
    try:
        await query.edit_message_text(page.text, reply_markup=page.markup)
    except BadRequest as error:
        # A double tap asks for the page already shown: nothing to change.
        if "not modified" not in error.message.lower():
            raise


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    return [
        CommandHandler(["renew", "howto"], renew_command),
        CallbackQueryHandler(guide_button, pattern=rf"^(kb:|{OPEN_FROM_MAIN_MENU}$)"),
    ]
