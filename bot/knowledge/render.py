"""Turning entries into Telegram HTML messages."""

from __future__ import annotations

import re
from html import escape

from bot.knowledge.carriers import carrier_by_code
from bot.knowledge.entries import CustomEntry, Entry, pick_lang
from bot.knowledge.variants import to_variant

# Telegram refuses longer messages.
MAX_MESSAGE_CHARS = 4096
# How sure we are, said as a reader would want it: where it comes from and, below "H", that
# the carrier has the last word. {sources} are the entry's sources in the reader's language.
_FOOTERS = {
    "zh": {
        "H": "来源：{sources}。",
        "M": "据{sources}整理。细节可能有变，办理前请向运营商确认。",
        "L": "这条只找到非官方说法（{sources}），不一定准确，请以运营商客服的答复为准。",
    },
    "en": {
        "H": "Source: {sources}.",
        "M": "Based on {sources}. Details can change: confirm with your carrier before you act.",
        "L": (
            "Only unofficial sources say this ({sources}), so it may be wrong: check with the "
            "carrier's customer service."
        ),
    },
}
# Since number portability a number's first digits do not prove its carrier (domain notes).
_PREFIX_NOTES = {
    "zh": "{prefix} 开头的号码原本属于{carrier}；如果办过携号转网，请按现在的运营商办理。",
    "en": (
        "Numbers starting {prefix} were first issued by {carrier}; if yours has moved to "
        "another carrier, follow that carrier's steps."
    ),
}
_SOURCE_SEPARATOR = {"zh": "、", "en": "; "}


def _plain(text: str) -> str:
    return escape(text, quote=False)


def render_answer(
    entry: Entry, lang: str, carrier: str | None = None, number_prefix: str | None = None
) -> str:
    """The entry as an HTML message: its title, its answer and a line naming its sources and
    how far to trust them. `lang` may be a Traditional Chinese tag (variants.py). When the
    question named `carrier` and the answer lists several carriers, that carrier's line comes
    first: "how do I check my Globe balance?" is answered by "*143#" before anything else.
    When the carrier was only read from a number's first digits, the answer says so first."""
    base = pick_lang(lang)
    answer = entry.answer(base)
    if carrier is not None and len(entry.carriers) > 1:
        line = _carrier_line(answer, carrier, base)
        if line is not None:
            answer = f"👉 {line}\n\n{answer}"
    if carrier and number_prefix and (found := carrier_by_code(carrier)) is not None:
        note = _PREFIX_NOTES[base].format(prefix=number_prefix, carrier=_plain(found.name(base)))
        answer = f"ℹ️ {note}\n\n{answer}"
    sources = _SOURCE_SEPARATOR[base].join(source.get(base) for source in entry.sources)
    footer = _FOOTERS[base][entry.confidence].format(sources=_plain(sources))
    html = f"<b>{_plain(entry.title(base))}</b>\n\n{answer}\n\n<i>{footer}</i>"
    return to_variant(html, lang.lower()) if base == "zh" else html


def _carrier_line(answer: str, code: str, lang: str) -> str | None:
    """The bullet of `answer` about the carrier (it starts with the carrier's name)."""
    found = carrier_by_code(code)
    if found is None:
        return None
    names = {found.name(lang), found.name_en, found.name_zh}
    for line in answer.splitlines():
        item = line.removeprefix("• ").strip()
        if line.startswith("• ") and any(
            re.match(rf"(<b>)?{re.escape(name)}\b", item, re.IGNORECASE) for name in names
        ):
            return item
    return None


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


def render(
    entry: Entry | CustomEntry, lang: str, carrier: str | None = None,
    number_prefix: str | None = None,
) -> str:
    """Either kind of answer a Match can carry, as HTML."""
    if isinstance(entry, CustomEntry):
        return render_custom(entry)
    return render_answer(entry, lang, carrier, number_prefix)
