"""The data model of DESIGN.md as SQLModel tables.

Telegram ids are BigInteger; datetimes are aware UTC (UTCDateTime); "a day" is a date.
Chat ids cascade on update so a group's migration to a supergroup can move every row.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class CardKind(StrEnum):
    SIM = "sim"
    DATA = "data"
    ESIM = "esim"
    OTHER = "other"


class Cycle(StrEnum):
    NONE = "none"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"
    DAYS = "days"  # every cycle_days days


class RenewFrom(StrEnum):
    EXPIRY = "expiry"
    RENEWAL_DAY = "renewal_day"


class Channel(StrEnum):
    APP = "app"
    WEBSITE = "website"
    ALIPAY = "alipay"
    WECHAT = "wechat"
    GCASH = "gcash"
    MAYA = "maya"
    STORE = "store"
    MERCHANT = "merchant"
    OTHER = "other"


class DeliveryStatus(StrEnum):
    SENDING = "sending"  # about to be sent; found after a crash it means "maybe sent": resend
    RETRY = "retry"  # a transient failure (429, timeout, 5xx): due again after a backoff
    SENT = "sent"
    SKIPPED = "skipped"  # passed while the bot was down; superseded by a later moment
    FAILED = "failed"


def _chat_fk(*, index: bool = True) -> Column[int]:
    return Column(
        BigInteger,
        ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE"),
        nullable=False,
        index=index,
    )


def _created() -> Column[datetime]:
    return Column(UTCDateTime, nullable=False, default=utcnow)


def _updated() -> Column[datetime]:
    return Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


class Chat(SQLModel, table=True):
    """A private chat (one user) or a group; None settings fall back to the defaults."""

    __tablename__ = "chats"

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    type: str = Field(sa_column=Column(String(16), nullable=False))
    title: str | None = Field(default=None, sa_column=Column(String(255)))
    language: str | None = Field(default=None, sa_column=Column(String(8)))
    # Chosen with /language or /settings, or taken from the user's first clear message; until
    # then the language comes from the user's Telegram app (bot/runtime/chatscope.py).
    language_chosen: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default="0")
    )
    timezone: str | None = Field(default=None, sa_column=Column(String(64)))
    remind_at: str | None = Field(default=None, sa_column=Column(String(5)))  # "HH:MM"
    default_lead_days: str | None = Field(default=None, sa_column=Column(String(64)))
    reminders_enabled: bool = True
    reminder_thread_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    # The number the chat's latest card got (cards.number), so numbers are never reused.
    last_card_number: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default="0")
    )
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=_created())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_updated())


class Card(SQLModel, table=True):
    """A SIM, data card or eSIM owned by a chat; next_remind_at caches its next moment."""

    __tablename__ = "cards"
    __table_args__ = (
        Index("ix_cards_chat_expires", "chat_id", "expires_on"),
        # The sweep reads due cards by next_remind_at and sends the nearest expiry first;
        # with expires_on in the index that order costs no row lookups.
        Index("ix_cards_due", "next_remind_at", "expires_on"),
        Index("ix_cards_chat_number", "chat_id", "number", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=_chat_fk(index=False))
    # The card's number in its chat (1, 2, 3…; never reused): what users see and type.
    # CardRepository.add gives it.
    number: int | None = Field(default=None, sa_column=Column(Integer, nullable=False))
    created_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    label: str = Field(sa_column=Column(String(64), nullable=False))
    carrier: str | None = Field(default=None, sa_column=Column(String(64)))
    kind: str = Field(default=CardKind.SIM.value, sa_column=Column(String(8), nullable=False))
    number_tail: str | None = Field(default=None, sa_column=Column(String(4)))
    plan: str | None = Field(default=None, sa_column=Column(String(128)))
    price: int | None = Field(default=None, sa_column=Column(BigInteger))  # minor units
    currency: str | None = Field(default=None, sa_column=Column(String(3)))
    expires_on: date
    cycle: str = Field(default=Cycle.NONE.value, sa_column=Column(String(16), nullable=False))
    cycle_days: int | None = None
    renew_from: str = Field(
        default=RenewFrom.EXPIRY.value, sa_column=Column(String(16), nullable=False)
    )
    lead_days: str | None = Field(default=None, sa_column=Column(String(64)))
    next_remind_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    snoozed_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    lapsed: bool = False
    thread_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_created())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_updated())


class Renewal(SQLModel, table=True):
    """One renewal of a card, with what it cost and how it was paid."""

    __tablename__ = "renewals"

    id: int | None = Field(default=None, primary_key=True)
    card_id: int = Field(
        sa_column=Column(Integer, ForeignKey("cards.id", ondelete="CASCADE"), nullable=False,
                         index=True)
    )
    renewed_at: datetime = Field(default_factory=utcnow, sa_column=_created())
    renewed_by: int | None = Field(default=None, sa_column=Column(BigInteger))
    old_expires_on: date
    new_expires_on: date
    amount: int | None = Field(default=None, sa_column=Column(BigInteger))  # minor units
    currency: str | None = Field(default=None, sa_column=Column(String(3)))
    channel: str | None = Field(default=None, sa_column=Column(String(16)))
    note: str | None = Field(default=None, sa_column=Column(String(500)))
    receipt_file_id: str | None = Field(default=None, sa_column=Column(String(255)))


class Delivery(SQLModel, table=True):
    """One reminder moment of one expiry of one card; the unique key makes sending idempotent."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("card_id", "expires_on", "offset_days", name="uq_delivery_moment"),
        # Pruning finds the deliveries of long-past expiries through this.
        Index("ix_deliveries_expires_on", "expires_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    card_id: int = Field(
        sa_column=Column(Integer, ForeignKey("cards.id", ondelete="CASCADE"), nullable=False)
    )
    expires_on: date
    offset_days: int  # negative = before expiry, positive = overdue
    status: str = Field(sa_column=Column(String(16), nullable=False))
    attempts: int = 0
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    due_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    error: str | None = Field(default=None, sa_column=Column(String(255)))


class BroadcastStatus(StrEnum):
    DRAFT = "draft"  # previewed, waiting for the owner's confirmation
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class RecipientStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed; found after a crash it means "maybe sent": not resent
    DELIVERED = "delivered"
    BLOCKED = "blocked"  # the bot was blocked or removed: the chat is now inactive
    FAILED = "failed"


class FaqEntry(SQLModel, table=True):
    """A group's own answer, matched before the built-in knowledge base in that group."""

    __tablename__ = "faq_entries"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=_chat_fk())
    question: str = Field(sa_column=Column(String(300), nullable=False))
    answer: str = Field(sa_column=Column(Text, nullable=False))
    created_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_created())


class PersistedConversation(SQLModel, table=True):
    """PTB ConversationHandler state, so a conversation survives a restart."""

    __tablename__ = "ptb_conversations"

    name: str = Field(sa_column=Column(String(64), primary_key=True))
    key: str = Field(sa_column=Column(String(128), primary_key=True))  # JSON of the key tuple
    state: str = Field(sa_column=Column(Text, nullable=False))  # JSON
    # When the state last changed (None: stored before this was kept), for its timeout.
    moved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class PersistedData(SQLModel, table=True):
    """PTB user_data / chat_data / bot_data / callback_data as JSON documents."""

    __tablename__ = "ptb_data"

    kind: str = Field(sa_column=Column(String(16), primary_key=True))  # user, chat, bot, callback
    owner_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    data: str = Field(sa_column=Column(Text, nullable=False))


class Broadcast(SQLModel, table=True):
    """An owner's message to every active chat; its progress message is edited in place."""

    __tablename__ = "broadcasts"

    id: int | None = Field(default=None, primary_key=True)
    created_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))  # HTML, as it is sent
    status: str = Field(sa_column=Column(String(16), nullable=False))
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))  # the progress message's
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_created())
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class BroadcastRecipient(SQLModel, table=True):
    """One chat of a broadcast and its outcome: what makes a broadcast resumable."""

    __tablename__ = "broadcast_recipients"
    __table_args__ = (
        Index("ix_broadcast_recipients_status", "broadcast_id", "status", "chat_id"),
    )

    broadcast_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("broadcasts.id", ondelete="CASCADE"), primary_key=True
        )
    )
    chat_id: int = Field(
        sa_column=Column(
            BigInteger,
            ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE"),
            primary_key=True,
            autoincrement=False,
        )
    )
    status: str = Field(sa_column=Column(String(16), nullable=False))
    error: str | None = Field(default=None, sa_column=Column(String(255)))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
