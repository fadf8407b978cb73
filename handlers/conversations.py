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

PTB persists a conversation's state but not its timeout. A persistent Conversation notes when
each of its users last moved (stored beside the state); at start-up `restore_timeouts` gives
each stored conversation the time it had left, or closes it through its TIMEOUT step when the
time ran out while the bot was down.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeGuard, cast

from telegram import Chat, Message, Update, User
from telegram.constants import ChatType
from telegram.ext import Application, BaseHandler, ConversationHandler, TypeHandler
from telegram.warnings import PTBUserWarning

from bot.runtime.persistence import ConversationKey, SQLPersistence
from bot.runtime.services import BotContext

OnEnd = Callable[[Update, BotContext], Coroutine[Any, Any, None]]
# What ConversationHandler.check_update finds: its key and the handler that takes the update.
_Checked = tuple[object, tuple[int | str, ...], BaseHandler[Update, BotContext, object], object]


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

    def check_update(self, update: object) -> _Checked | None:
        """PTB's check, except that text typed by a user who is in this conversation belongs to
        its step: a request in words ("I renewed it", the note "paid at the mall") restarts
        nothing there; a command still does."""
        if self.allow_reentry and _typed_words(update) and self._in_conversation(update):
            self._allow_reentry = False  # synchronous: no other update checks meanwhile
            try:
                return super().check_update(update)
            finally:
                self._allow_reentry = True
        return super().check_update(update)

    def _in_conversation(self, update: Update) -> bool:
        if update.effective_chat is None or update.effective_user is None:
            return False
        return self._conversations.get(self._get_key(update)) is not None

    def _starting(
        self, callback: Callable[[Update, BotContext], Coroutine[Any, Any, object]]
    ) -> Callable[[Update, BotContext], Coroutine[Any, Any, object]]:
        @wraps(callback)
        async def start(update: Update, context: BotContext) -> object:
            state = await callback(update, context)
            if state is not None and state != self.END:
                for other in _conversations(context.application):
                    if other is not self:
                        await other.end(update, context)
            return state

        return start

    async def handle_update(
        self, update: Update, application: Application[Any, Any, Any, Any, Any, Any],
        check_result: Any, context: BotContext,
    ) -> object:
        """PTB's handling, noting the moment for the persistence: a restart restores the
        conversation's timeout from it (see restore_timeouts)."""
        arrived = context.services.now()
        result = await super().handle_update(update, application, check_result, context)
        persistence = application.persistence
        if self.persistent and self.name and isinstance(persistence, SQLPersistence):
            persistence.moved(self.name, check_result[1], arrived)
        return result

    async def end(self, update: Update, context: BotContext) -> None:
        """End this conversation for the update's user in its chat (if they are in it)."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        # handle_update takes check_update's result: this conversation's key and the handler
        # to run (the ender), typed by PTB for its own generic Application and handlers.
        check = (None, (chat.id, user.id), self._ender, None)
        await self.handle_update(update, context.application, check, context)

    async def _end(self, update: Update, context: BotContext) -> int:
        if self._on_end is not None:
            await self._on_end(update, context)
        return self.END

    def restore_timeouts(
        self, application: Application[Any, Any, Any, Any, Any, Any],
        moves: dict[ConversationKey, datetime | None], now: datetime,
    ) -> None:
        """PTB restores a persistent conversation's state after a restart, not its timeout. Each
        one gets back the time it had left, counted from its last move (the whole timeout when
        that was not recorded); one whose time ran out while the bot was down expires at once.
        The job stands where PTB keeps its own, so the user's next update cancels it as usual."""
        timeout = self.conversation_timeout
        if timeout is None or application.job_queue is None:
            return
        seconds = timeout.total_seconds() if isinstance(timeout, timedelta) else float(timeout)
        for key, moved in moves.items():
            left = seconds if moved is None else seconds - (now - moved).total_seconds()
            # However late the loop gets to it: APScheduler drops a job that missed its time
            # by more than a second, and start-up work after this may take longer.
            self.timeout_jobs[key] = application.job_queue.run_once(
                self._expire, max(left, 0.0), data=key, name=f"{self.name} timeout",
                job_kwargs={"misfire_grace_time": None},
            )

    async def _expire(self, context: BotContext) -> None:
        """A restored timeout ran out: the TIMEOUT step tells the user, then the conversation
        ends. The update it gets is made from the key, as the real one is long gone."""
        job = context.job
        assert job is not None
        key = cast(ConversationKey, job.data)
        if self.timeout_jobs.get(key) is not job:  # the user moved on since: PTB's own runs
            return
        del self.timeout_jobs[key]
        chat_id, user_id = int(key[0]), int(key[1])  # a Conversation is per chat and user
        application = cast("Application[Any, BotContext, Any, Any, Any, Any]", context.application)
        update = Update(0, message=Message(
            0, context.services.now(),
            chat=Chat(chat_id, ChatType.PRIVATE if chat_id > 0 else ChatType.SUPERGROUP),
            from_user=User(user_id, "", False),
        ))
        update.set_bot(context.bot)
        update_context = BotContext.from_update(update, application)
        for handler in self.states.get(self.TIMEOUT, []):
            check = handler.check_update(update)
            if check is not None and check is not False:
                await handler.handle_update(update, application, check, update_context)
        await self.end(update, update_context)


async def restore_timeouts(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """At start-up (after the persistence loaded the conversations): their timeouts."""
    persistence = application.persistence
    if not isinstance(persistence, SQLPersistence):
        return
    now = application.services.now()  # type: ignore[attr-defined]
    for conversation in _conversations(application):
        if conversation.persistent and conversation.name and conversation.conversation_timeout:
            moves = await persistence.conversation_moves(conversation.name)
            conversation.restore_timeouts(application, moves, now)


def _conversations(application: Application[Any, Any, Any, Any, Any, Any]) -> list[Conversation]:
    groups: dict[int, list[BaseHandler[Any, Any, Any]]] = application.handlers
    return [h for handlers in groups.values() for h in handlers if isinstance(h, Conversation)]


def _typed_words(update: object) -> TypeGuard[Update]:
    """A text message that is not a command."""
    if not isinstance(update, Update) or update.message is None:
        return False
    text = update.message.text
    return text is not None and not text.startswith("/")
