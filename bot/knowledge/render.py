"""Turning entries into Telegram HTML messages."""

from __future__ import annotations

from html import escape

from bot.knowledge.entries import CustomEntry, Entry, pick_lang

# Telegram refuses longer messages.
MAX_MESSAGE_CHARS = 4096
_CONFIRM = {
    "zh": "以上信息可能有变化，请以运营商的说明为准。",
    "en": "Details can change: please confirm with your carrier.",
}
_SOURCES = {"zh": "来源：", "en": "Sources: "}


def _plain(text: str) -> str:
    return escape(text, quote=False)


def render_answer(entry: Entry, lang: str) -> str:
    """The entry as an HTML message: its title, its answer, and for confidence below H a line
    asking the reader to confirm with the carrier, with the sources."""
    lang = pick_lang(lang)
    parts = [f"<b>{_plain(entry.title(lang))}</b>", entry.answer(lang)]
    if entry.confidence != "H":
        sources = "; ".join(entry.sources)
        parts.append(f"<i>{_CONFIRM[lang]}</i>\n{_SOURCES[lang]}{_plain(sources)}")
    return "\n\n".join(parts)


def _clip(text: str, limit: int) -> str:
    """Escape `text` and cut it to `limit` characters without splitting an entity."""
    escaped = _plain(text)
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: limit - 1]
    ampersand = cut.rfind("&")
    if ampersand != -1 and ";" not in cut[ampersand:]:
        cut = cut[:ampersand]
    return cut + "…"


def render_custom(entry: CustomEntry) -> str:
    """A group's own FAQ row as HTML. Its text is user-provided, so all of it is escaped."""
    question = _clip(" ".join(entry.question.split()), 300)
    head = f"<b>{question}</b>\n"
    return head + _clip(entry.answer.strip(), MAX_MESSAGE_CHARS - len(head))


def render(entry: Entry | CustomEntry, lang: str) -> str:
    """Either kind of answer a Match can carry, as HTML."""
    if isinstance(entry, CustomEntry):
        return render_custom(entry)
    return render_answer(entry, lang)
