"""What a free-text message is, in the order the bot checks: small talk ("hi", "thanks"), a
request about the user's own cards ("when does my card expire?"), or a question for the
knowledge base (an answer, "did you mean", or honestly nothing). The bot's handler and the
accuracy evaluation both go through here, so what is measured is what users get."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.entries import CustomEntry
from bot.knowledge.intents import Intent, detect_intent
from bot.knowledge.matcher import Match
from bot.knowledge.smalltalk import SmallTalk, small_talk, strip_small_talk


@dataclass(frozen=True, slots=True)
class Understanding:
    """Exactly one of `small_talk`, `intent` and `match` is set. `question` is the text
    without a greeting in front of it."""

    question: str
    small_talk: SmallTalk | None = None
    intent: Intent | None = None
    match: Match | None = None


def understand(
    text: str,
    kb: KnowledgeBase,
    custom: Sequence[CustomEntry] = (),
    user_carriers: Sequence[str] = (),
) -> Understanding:
    talk = small_talk(text)
    if talk is not None:
        return Understanding(text, small_talk=talk)
    question = strip_small_talk(text)
    intent = detect_intent(question)
    if intent is not None:
        return Understanding(question, intent=intent)
    return Understanding(question, match=kb.match(question, custom, user_carriers))
