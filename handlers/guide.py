"""/renew (alias /howto) [carrier]: the renewal guide as inline-button pages.

One message is navigated by editing it in place (home -> section -> entry -> back), so the
guide never floods a chat. Its buttons are bot.callbacks.GuideButton.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import GuideButton, MenuButton, any_of
from bot.i18n import Translator, translator
from bot.knowledge import (
    CustomEntry,
    Entry,
    KnowledgeBase,
    MenuSection,
    find_carrier,
    render,
)
from bot.knowledge.entries import pick_lang
from bot.knowledge.variants import to_variant
from bot.runtime.chatscope import ChatScope, chat_scope
from bot.runtime.services import BotContext

# Questions per page of a section: a phone screen of buttons.
PAGE_SIZE = 8
# How much of an unknown carrier name is quoted back.
_MAX_QUOTED = 40


@dataclass(frozen=True, slots=True)
class Page:
    text: str
    markup: InlineKeyboardMarkup


@dataclass(frozen=True, slots=True)
class View:
    """The guide as one person sees it: their chat, and the language of the page. That is the
    chat's language, or the question's when the guide was opened from a question ("did you
    mean", the fallback's topics): the buttons carry it, so every page they lead to stays in
    the language the person asked in."""

    scope: ChatScope
    lang: str  # "en", "zh" or a Traditional tag ("zh-hk", variants.py)

    @classmethod
    def of(cls, scope: ChatScope, lang: str | None = None) -> View:
        return cls(scope, lang or scope.lang)

    @property
    def _(self) -> Translator:
        return translator(pick_lang(self.lang))

    def say(self, text: str) -> str:
        """Translated text, in Traditional characters when the page is."""
        return to_variant(text, self.lang)

    def button(self, text: str, target: GuideButton) -> InlineKeyboardButton:
        """A button to `target`, marked with the page's language when it is not the chat's."""
        lang = None if self.lang == self.scope.lang else self.lang
        return InlineKeyboardButton(self.say(text), callback_data=replace(target, lang=lang).pack())


def entry_data(entry: Entry | CustomEntry) -> GuideButton:
    """The button opening an answer."""
    if isinstance(entry, CustomEntry):
        return GuideButton("c", number=entry.id)
    return GuideButton("e", entry.id)


def section_data(section: MenuSection, page: int = 0) -> GuideButton:
    return GuideButton("sec", section.key, page)


_HOME = GuideButton("home")


def _back(view: View, target: GuideButton) -> list[InlineKeyboardButton]:
    return [view.button(view._("⬅️ Back"), target)]


def home_keyboard(view: View) -> InlineKeyboardMarkup:
    buttons = [
        view.button(section.title(view.lang), section_data(section))
        for section in KnowledgeBase.load().menu_sections()
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def home_page(view: View, note: str = "") -> Page:
    _ = view._
    text = "📖 <b>{}</b>\n\n{}".format(
        _("How to renew"),
        _("Pick a topic, or just type your question, for example “how do I top up Globe?”."),
    )
    return Page(view.say(f"{note}\n\n{text}" if note else text), home_keyboard(view))


def section_page(view: View, section: MenuSection, note: str = "", page: int = 0) -> Page:
    """One page of a section's questions, with ◀ / ▶ when it has more than one."""
    pages = max(1, -(-len(section.entries) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = section.entries[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    rows = [[view.button(entry.title(view.lang), entry_data(entry))] for entry in shown]
    if pages > 1:
        turn = [(f"{page + 1}/{pages}", page)]
        if page > 0:
            turn.insert(0, ("◀️", page - 1))
        if page < pages - 1:
            turn.append(("▶️", page + 1))
        rows.append([view.button(label, section_data(section, to)) for label, to in turn])
    rows.append(_back(view, _HOME))
    text = "<b>{}</b>\n\n{}".format(escape(section.title(view.lang)), view._("Pick a question:"))
    return Page(view.say(f"{note}\n\n{text}" if note else text), InlineKeyboardMarkup(rows))


def entry_page(view: View, entry: Entry | CustomEntry) -> Page:
    """The answer, with Back to the section it is listed in (a group's entry: the guide)."""
    back = _HOME
    if isinstance(entry, Entry):
        section = _section_of(entry)
        if section is not None:
            back = section_data(section, section.entries.index(entry) // PAGE_SIZE)
    return Page(render(entry, view.lang), InlineKeyboardMarkup([_back(view, back)]))


def _section_of(entry: Entry) -> MenuSection | None:
    sections = KnowledgeBase.load().menu_sections()
    return next((s for s in sections if any(e.id == entry.id for e in s.entries)), None)


def _section(key: str) -> MenuSection | None:
    return next((s for s in KnowledgeBase.load().menu_sections() if s.key == key), None)


def carrier_page(view: View, name: str) -> Page:
    """/renew <name>: that carrier's guide, or the carrier list when the name is unknown."""
    kb = KnowledgeBase.load()
    carrier = find_carrier(name)
    guide = kb.guide_for_carrier(carrier.code) if carrier else None
    if guide is not None:
        return entry_page(view, guide)
    quoted = name if len(name) <= _MAX_QUOTED else name[: _MAX_QUOTED - 1] + "…"
    note = view._("I don't know the carrier “{name}”. Pick one:").format(name=escape(quoted))
    carriers = _section("carriers")
    assert carriers is not None  # a fixed section of the menu
    return section_page(view, carriers, note)


async def renew_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    view = View.of(await chat_scope(update, context))
    name = " ".join(context.args or ())
    page = carrier_page(view, name) if name else home_page(view)
    await message.reply_text(page.text, reply_markup=page.markup)


async def _page_for(button: GuideButton, scope: ChatScope, context: BotContext) -> Page | None:
    """The page a button leads to; None for one that is stale or forged."""
    view = View.of(scope, button.lang)
    if button.target == "none":
        note = view._("Sorry I didn't find it. Ask in other words, or pick a topic:")
        return home_page(view, note)
    if button.target == "home":
        return home_page(view)
    if button.target == "sec":
        section = _section(button.key)
        return section_page(view, section, page=button.number) if section else None
    if button.target == "e":
        entry = KnowledgeBase.load().get(button.key)
        return entry_page(view, entry) if entry else None
    # A group's own entry: only that group's rows (ids are global, so re-check the chat).
    rows = await context.services.faq.list(scope.chat.id)
    row = next((r for r in rows if r.id == button.number), None)
    if row is None or row.id is None:
        return None
    return entry_page(view, CustomEntry(row.id, row.question, row.answer))


async def guide_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is None:
        return
    scope = await chat_scope(update, context)
    button = GuideButton.from_update(update)
    if button is not None:
        page = await _page_for(button, scope, context)
    elif MenuButton.from_update(update) is not None:  # the main menu's "How to renew"
        page = home_page(View.of(scope))
    else:
        page = None
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


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler(["renew", "howto"], renew_command),
        CallbackQueryHandler(guide_button, pattern=any_of(
            GuideButton.pattern, GuideButton.outdated, MenuButton.matching(item="renew")
        )),
    ]
