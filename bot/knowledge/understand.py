"""What a free-text message is, in the order the bot checks: small talk ("hi", "thanks"), a
request about the user's own cards ("when does my card expire?"), or a question for the
knowledge base (an answer, "did you mean", or honestly nothing). The bot's handler and the
accuracy evaluation both go through here, so what is measured is what users get."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.domain import without_pasted
from bot.knowledge.entries import CustomEntry
from bot.knowledge.intents import Intent, detect_intent, reminded_of
from bot.knowledge.matcher import OFF_TOPIC, Match
from bot.knowledge.smalltalk import SmallTalk, small_talk, strip_small_talk
from bot.runtime.commands import COMMANDS, Audience


@dataclass(frozen=True, slots=True)
class Understanding:
    """Exactly one of `small_talk`, `intent` and `match` is set. `question` is the text
    without a greeting in front of it. `command` is the bot command a word the knowledge base
    could not place probably meant ("addcrad" -> "addcard")."""

    question: str
    small_talk: SmallTalk | None = None
    intent: Intent | None = None
    match: Match | None = None
    command: str | None = None


# A command name typed without its slash, or with a slip: one letter off for short names,
# two for longer ones.
_WORD = re.compile(r"[a-z]{3,16}")
# "addcard pls", "看下 histroy": the words around a command name are not part of it.
_COURTESY = re.compile(
    r"^(?:pls|plz|please|pa|show|open|view|see|请|麻烦|看下|看看|查看|打开)\s*"
    r"|\s*(?:pls|plz|please|po|thanks|thank you|thx|ty|salamat"
    r"|谢谢[你啦呀]?|谢啦|谢了|多谢|唔该|麻烦了|麻烦|拜托)$"
)
_COMMANDS = tuple(command.name for command in COMMANDS if Audience.OWNER not in command.audiences)


def command_meant(text: str) -> str | None:
    word = _COURTESY.sub("", text.strip().lower())
    if not _WORD.fullmatch(word):
        return None
    found = process.extractOne(
        word, _COMMANDS, scorer=OSA.distance, score_cutoff=1 if len(word) <= 5 else 2
    )
    return found[0] if found else None


def _reminder_of_something_else(intent: Intent, text: str, kb: KnowledgeBase) -> bool:
    """A reminder, but not about a card ("remind me to take my meds")."""
    if intent.kind != "remind_me" or intent.carrier is not None:
        return False
    about = reminded_of(text)
    return bool(about) and kb.match(about).reason == "off_topic"


def _stands(text: str, kb: KnowledgeBase) -> bool:
    """Whether a request found in `text` is one to act on. A command's name typed alone
    ("renewed") is not: it gets a hint to the command, which starts the same thing. Nor is
    one about another thing ("add my gym membership card")."""
    return command_meant(text) is None and not kb.about_something_else(text)


def request_in(text: str, kb: KnowledgeBase) -> Intent | None:
    """The request about the user's cards in `text`, if any (the conversations' entry filters
    ask here, and understand() decides the same way)."""
    intent = detect_intent(text)
    if intent is None or _reminder_of_something_else(intent, text, kb) or not _stands(text, kb):
        return None
    return intent


def understand(
    text: str,
    kb: KnowledgeBase,
    custom: Sequence[CustomEntry] = (),
    user_carriers: Sequence[str] = (),
) -> Understanding:
    talk = small_talk(text)
    if talk is not None:
        return Understanding(text, small_talk=talk)
    question = strip_small_talk(without_pasted(text))
    intent = detect_intent(question)
    if intent is not None and _reminder_of_something_else(intent, question, kb):
        return Understanding(question, match=OFF_TOPIC)
    if intent is not None and _stands(question, kb):
        return Understanding(question, intent=intent)
    command = command_meant(question)
    match = kb.match(question, custom, user_carriers)
    # A command's name typed without its slash ("history"), or mistyped ("addcrad"), is that
    # command even when the matcher finds an entry for the word, or a request ("renewed").
    if command is not None:
        return Understanding(question, match=match, command=command)
    return Understanding(question, match=match)
