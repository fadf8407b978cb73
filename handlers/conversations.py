"""One conversation at a time for each user in each chat.

PTB's ConversationHandlers know nothing of each other: a user who sends /renewed while /addcard
waits for a label is in both, and whichever is registered first reads what they type next (the
date meant for the renewal became the card's label). A `Conversation` that starts ends the
user's other conversations in that chat, quietly: their state, their timeout (so no "I stopped
waiting" arrives later) and, through `on_end`, their draft. Their old buttons then match no step
and are answered as expired.

Ending goes through ConversationHandler.handle_update with a step that returns END, the same
path as /cancel, so persistence records it and the timeout job is removed under PTB's own lock.
An entry point that refuses (an unknown card, a group member who is not an admin) returns END or
None and ends nothing: the conversation in hand goes on.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, ConversationHandler, TypeHandler
from telegram.warnings import PTBUserWarning

from bot.runtime.services import BotContext

OnEnd = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


class Conversation(ConversationHandler[BotContext]):
    """A ConversationHandler, per chat and user, that ends the others when it starts."""

    def __init__(self, *args: Any, on_end: OnEnd | None = None, **kwargs: Any) -> None:
        with warnings.catch_warnings():
            # Buttons are tracked per chat and user, not per message, on purpose: their callback
            # data names the step, so a stale button simply does not match the current state.
            warnings.filterwarnings("ignore", "If 'per_message=False'", PTBUserWarning)
            super().__init__(*args, **kwargs)
        if self.per_message or not (self.per_chat and self.per_user):
            raise ValueError("a Conversation is kept per chat and user")
        self._on_end = on_end
        self._ender = TypeHandler(Update, self._end)
        for entry in self.entry_points:
            entry.callback = self._starting(entry.callback)

    def _starting(
        self, callback: Callable[[Update, BotContext], Coroutine[Any, Any, object]]
    ) -> Callable[[Update, BotContext], Coroutine[Any, Any, object]]:
        @wraps(callback)
        async def start(update: Update, context: BotContext) -> object:
            state = await callback(update, context)
            if state is not None and state != self.END:
                for other in _conversations(context):
                    if other is not self:
                        await other.end(update, context)
            return state

        return start

    async def end(self, update: Update, context: BotContext) -> None:
        """End this conversation for the update's user in its chat (if they are in it)."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        # handle_update takes check_update's result: this conversation's key and the handler
        # to run (the ender), typed by PTB for its own generic Application and handlers.
        check = (None, (chat.id, user.id), self._ender, None)
        await self.handle_update(update, context.application, check, context)  # type: ignore[arg-type]

    async def _end(self, update: Update, context: BotContext) -> int:
        if self._on_end is not None:
            await self._on_end(update, context)
        return self.END


def _conversations(context: BotContext) -> list[Conversation]:
    groups: dict[int, list[BaseHandler[Any, Any, Any]]] = context.application.handlers
    return [h for handlers in groups.values() for h in handlers if isinstance(h, Conversation)]
