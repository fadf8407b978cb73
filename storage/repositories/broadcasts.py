"""Owner broadcasts: the message, its recipients (a snapshot of the active chats taken when
the owner confirms) and each recipient's outcome."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, insert, literal, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Broadcast, BroadcastRecipient, BroadcastStatus, Chat, RecipientStatus

# Channels are left out: the bot only posts there as an admin, for its owner's own reasons.
AUDIENCE_TYPES = ("private", "group", "supergroup")


def _audience() -> tuple[ColumnElement[bool], ...]:
    return (col(Chat.active).is_(True), col(Chat.type).in_(AUDIENCE_TYPES))


class BroadcastRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def audience_size(self) -> int:
        result = await self.session.exec(select(func.count()).select_from(Chat).where(*_audience()))
        return int(result.one())

    async def create(self, created_by: int, text: str, chat_id: int) -> Broadcast:
        broadcast = Broadcast(
            created_by=created_by, text=text, chat_id=chat_id, status=BroadcastStatus.DRAFT.value
        )
        self.session.add(broadcast)
        await self.session.flush()
        return broadcast

    async def get(self, broadcast_id: int) -> Broadcast | None:
        return await self.session.get(Broadcast, broadcast_id)

    async def start(self, broadcast_id: int, message_id: int) -> int | None:
        """Draft -> sending, with every active chat as a pending recipient (in one statement,
        however many chats there are). None when it is no longer a draft (a double tap)."""
        if not await self._move(broadcast_id, BroadcastStatus.DRAFT, BroadcastStatus.SENDING,
                                message_id=message_id):
            return None
        snapshot = select(
            literal(broadcast_id), col(Chat.id), literal(RecipientStatus.PENDING.value)
        ).where(*_audience())
        result = await self.session.exec(
            insert(BroadcastRecipient).from_select(
                ["broadcast_id", "chat_id", "status"], snapshot
            )
        )
        return int(result.rowcount or 0)

    async def cancel(self, broadcast_id: int) -> bool:
        return await self._move(broadcast_id, BroadcastStatus.DRAFT, BroadcastStatus.CANCELLED)

    async def next_sending(self) -> Broadcast | None:
        rows = await self.session.exec(
            select(Broadcast)
            .where(Broadcast.status == BroadcastStatus.SENDING.value)
            .order_by(col(Broadcast.id))
            .limit(1)
        )
        return rows.first()

    async def requeue_stale(self, broadcast_id: int) -> int:
        """Recipients claimed by a runner that died go back to pending and are sent again: none
        is lost, and only those in flight at the crash may get the message twice (as the
        reminders' claims are). Returns how many."""
        result = await self.session.exec(
            update(BroadcastRecipient)
            .where(
                col(BroadcastRecipient.broadcast_id) == broadcast_id,
                col(BroadcastRecipient.status) == RecipientStatus.SENDING.value,
            )
            .values(status=RecipientStatus.PENDING.value)
        )
        return int(result.rowcount or 0)

    async def claim(self, broadcast_id: int) -> tuple[int, int | None] | None:
        """Mark the next pending recipient "sending"; returns (chat id, the chat's reminder
        topic) or None when none is left. The conditional update makes a claim safe even
        if another runner reached for the same row."""
        while True:
            rows = await self.session.exec(
                select(BroadcastRecipient.chat_id, Chat.reminder_thread_id)
                .join(Chat, col(Chat.id) == col(BroadcastRecipient.chat_id))
                .where(
                    BroadcastRecipient.broadcast_id == broadcast_id,
                    BroadcastRecipient.status == RecipientStatus.PENDING.value,
                )
                .order_by(col(BroadcastRecipient.chat_id))
                .limit(1)
            )
            found = rows.first()
            if found is None:
                return None
            chat_id, thread_id = found
            if await self._set(broadcast_id, chat_id, RecipientStatus.PENDING,
                               status=RecipientStatus.SENDING.value):
                return chat_id, thread_id

    async def record(
        self,
        broadcast_id: int,
        chat_id: int,
        status: RecipientStatus,
        now: datetime,
        error: str | None = None,
    ) -> None:
        await self._set(
            broadcast_id, chat_id, RecipientStatus.SENDING,
            status=status.value, error=error[:255] if error else None, sent_at=now,
        )

    async def counts(self, broadcast_id: int) -> dict[str, int]:
        rows = await self.session.exec(
            select(BroadcastRecipient.status, func.count())
            .where(BroadcastRecipient.broadcast_id == broadcast_id)
            .group_by(BroadcastRecipient.status)
        )
        return {status: count for status, count in rows}

    async def finish(self, broadcast_id: int, now: datetime) -> bool:
        """Sending -> done, once no recipient is left pending or in flight."""
        counts = await self.counts(broadcast_id)
        if counts.get(RecipientStatus.PENDING, 0) or counts.get(RecipientStatus.SENDING, 0):
            return False
        return await self._move(
            broadcast_id, BroadcastStatus.SENDING, BroadcastStatus.DONE, finished_at=now
        )

    async def prune(self, finished_before: datetime, limit: int) -> int:
        """Delete up to `limit` rows of broadcasts that ended (sent, cancelled, or a draft
        never confirmed) before `finished_before`: their recipients first, a broadcast
        once it has none left. Returns how many rows. A broadcast can have a recipient per
        chat, so it goes in pieces rather than in one cascade."""
        ended = (BroadcastStatus.DONE.value, BroadcastStatus.CANCELLED.value,
                 BroadcastStatus.DRAFT.value)
        old = await self.session.exec(
            select(Broadcast.id).where(
                col(Broadcast.status).in_(ended),
                func.coalesce(col(Broadcast.finished_at), col(Broadcast.created_at))
                < finished_before,
            )
        )
        connection = await self.session.connection()
        deleted = 0
        for broadcast_id in old:
            recipients = (
                select(BroadcastRecipient.chat_id)
                .where(col(BroadcastRecipient.broadcast_id) == broadcast_id)
                .limit(limit - deleted)
            )
            result = await connection.execute(
                delete(BroadcastRecipient).where(
                    col(BroadcastRecipient.broadcast_id) == broadcast_id,
                    col(BroadcastRecipient.chat_id).in_(recipients),
                )
            )
            deleted += int(result.rowcount or 0)
            if deleted >= limit:
                break
            result = await connection.execute(
                delete(Broadcast).where(col(Broadcast.id) == broadcast_id)
            )
            deleted += int(result.rowcount or 0)
        return deleted

    async def _move(
        self, broadcast_id: int, old: BroadcastStatus, new: BroadcastStatus, **values: object
    ) -> bool:
        result = await self.session.exec(
            update(Broadcast)
            .where(col(Broadcast.id) == broadcast_id, col(Broadcast.status) == old.value)
            .values(status=new.value, **values)
        )
        return bool(result.rowcount)

    async def _set(
        self, broadcast_id: int, chat_id: int, old: RecipientStatus, **values: object
    ) -> bool:
        result = await self.session.exec(
            update(BroadcastRecipient)
            .where(
                col(BroadcastRecipient.broadcast_id) == broadcast_id,
                col(BroadcastRecipient.chat_id) == chat_id,
                col(BroadcastRecipient.status) == old.value,
            )
            .values(**values)
        )
        return bool(result.rowcount)
