"""Free text meant for the bot: every text in a private chat; in a group only a text that
mentions the bot or replies to it. `Asks` is the filter that lets a conversation start from a
request written in words ("remind me to renew my Smart SIM on Dec 31") instead of a command.
"""

from __future__ import annotations

import re

from telegram import Message, MessageEntity
from telegram.constants import ChatType
from telegram.ext import filters

from bot.knowledge import KnowledgeBase
from bot.knowledge.intents import IntentKind
from bot.knowledge.understand import request_in

# New messages only: an edited old question is not a new question.
TEXT = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND


def _mention(message: Message) -> str:
    return f"@{message.get_bot().username}".lower()


def addressed_to_bot(message: Message) -> bool:
    """A private message, or a group message that mentions the bot or replies to one of its
    messages (not to a forum topic the bot opened, which every message there formally
    replies to)."""
    if message.chat.type == ChatType.PRIVATE:
        return True
    reply = message.reply_to_message
    if reply and reply.from_user and reply.from_user.id == message.get_bot().id:
        return reply.forum_topic_created is None
    mention = _mention(message)
    return any(
        text.lower() == mention
        for text in message.parse_entities([MessageEntity.MENTION]).values()
    )


def text_for_bot(message: Message) -> str:
    """The message's text without the bot's @username."""
    text = message.text or ""
    return re.sub(re.escape(_mention(message)) + r"(?!\w)", " ", text, flags=re.I).strip()


class Asks(filters.MessageFilter):
    """A text addressed to the bot that asks for one of `kinds` (bot/knowledge/intents.py)."""

    def __init__(self, *kinds: IntentKind) -> None:
        super().__init__(name=f"Asks({', '.join(kinds)})")
        self.kinds = frozenset(kinds)

    def filter(self, message: Message) -> bool:
        if message.text is None or not addressed_to_bot(message):
            return False
        intent = request_in(text_for_bot(message), KnowledgeBase.load())
        return intent is not None and intent.kind in self.kinds
