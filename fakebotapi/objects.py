"""Data classes of the fake Bot API: people, chats, files and the records tests read back."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

JSONDict = dict[str, Any]

GROUP_ANONYMOUS_BOT: JSONDict = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
CHANNEL_BOT: JSONDict = {
    "id": 136817688,
    "is_bot": True,
    "first_name": "Channel",
    "username": "Channel_Bot",
}

ADMIN_RIGHTS: tuple[str, ...] = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
    "can_manage_topics",
)
DEFAULT_ADMIN_RIGHTS: dict[str, bool] = {
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_pin_messages": True,
    "can_manage_topics": False,
}
_RESTRICTED_FIELDS: tuple[str, ...] = (
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_send_messages",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_manage_topics",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_edit_tag",
    "can_react_to_messages",
)
MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")


class ApiError(Exception):
    """An error answer of the Bot API (raised by method implementations)."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSONDict:
        """The JSON body Telegram sends for this error."""
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(message: str) -> ApiError:
    """A 400 error with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {message}")


@dataclass(slots=True, eq=False)
class FakeUser:
    """A Telegram user the tests type as."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"
    is_bot: bool = False
    is_premium: bool = False

    def to_dict(self) -> JSONDict:
        """Telegram's User object."""
        d: JSONDict = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            d["last_name"] = self.last_name
        if self.username:
            d["username"] = self.username
        if self.language_code:
            d["language_code"] = self.language_code
        if self.is_premium:
            d["is_premium"] = True
        return d


@dataclass(slots=True, eq=False)
class FakeChat:
    """A chat known to the fake server, with its membership state."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_forum: bool = False
    user: FakeUser | None = None
    """The other party of a private chat."""
    members: dict[int, str] = field(default_factory=dict)
    """user id -> status for users other than creator/admins."""
    creator_id: int | None = None
    admin_ids: set[int] = field(default_factory=set)
    bot_status: str = "member"
    """The bot's own status; in a private chat "kicked" means the user blocked the bot."""
    bot_rights: dict[str, bool] = field(default_factory=dict)
    migrated_to: int | None = None
    member_count: int | None = None
    description: str | None = None
    next_message_id: int = 1

    @property
    def is_private(self) -> bool:
        """True for a one-to-one chat with a user."""
        return self.type == "private"

    @property
    def is_group(self) -> bool:
        """True for groups and supergroups."""
        return self.type in ("group", "supergroup")

    @property
    def blocked(self) -> bool:
        """True when the user of this private chat has blocked the bot."""
        return self.type == "private" and self.bot_status == "kicked"

    def to_dict(self) -> JSONDict:
        """Telegram's Chat object."""
        d: JSONDict = {"id": self.id, "type": self.type}
        if self.type == "private":
            person = self.user
            first = person.first_name if person else self.first_name
            last = person.last_name if person else self.last_name
            username = person.username if person else self.username
            d["first_name"] = first or ""
            if last:
                d["last_name"] = last
        else:
            d["title"] = self.title or ""
            username = self.username
        if username:
            d["username"] = username
        if self.is_forum:
            d["is_forum"] = True
        return d

    def status_of(self, user_id: int) -> str:
        """Membership status of a user: creator/administrator/member/left/..."""
        if self.type == "private":
            return "member" if self.user is None or self.user.id == user_id else "left"
        if user_id == self.creator_id:
            return "creator"
        if user_id in self.admin_ids:
            return "administrator"
        return self.members.get(user_id, "left")


def member_dict(
    user: JSONDict, status: str, rights: dict[str, bool] | None = None, *, is_bot: bool = False
) -> JSONDict:
    """Telegram's ChatMember object for ``status``."""
    d: JSONDict = {"status": status, "user": user}
    if status == "creator":
        d["is_anonymous"] = False
    elif status == "administrator":
        merged = dict(DEFAULT_ADMIN_RIGHTS)
        merged.update(rights or {})
        d["can_be_edited"] = is_bot
        d["is_anonymous"] = False
        for name in ADMIN_RIGHTS:
            d[name] = bool(merged.get(name, False))
    elif status == "restricted":
        d["is_member"] = True
        d["until_date"] = 0
        for name in _RESTRICTED_FIELDS:
            d[name] = bool((rights or {}).get(name, False))
    elif status == "kicked":
        d["until_date"] = 0
    elif status not in ("member", "left"):
        raise ValueError(f"unknown chat member status {status!r}; use one of {MEMBER_STATUSES}")
    return d


@dataclass(slots=True, eq=False)
class FakeFile:
    """A file stored by the server (uploaded by the bot or sent by a user)."""

    file_id: str
    file_unique_id: str
    content: bytes
    file_path: str
    filename: str | None = None
    mime_type: str | None = None
    kind: str = "document"

    def to_dict(self) -> JSONDict:
        """Telegram's File object (what getFile returns)."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
            "file_path": self.file_path,
        }


@dataclass(slots=True, eq=False)
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    content: bytes
    mime_type: str | None


@dataclass(slots=True, eq=False)
class ApiCall:
    """One HTTP call the bot made to the fake API."""

    seq: int
    method: str
    """Canonical Telegram method name, e.g. "sendMessage" (or the raw name if unknown)."""
    params: JSONDict
    time: float
    """time.monotonic() when the answer was decided."""
    status: int
    result: Any = None
    description: str | None = None
    fault: str | None = None
    """Kind of injected fault that shaped this answer ("429", "hang", ...), if any."""
    taken: bool = field(default=False, repr=False)

    @property
    def ok(self) -> bool:
        """True for a 200 answer."""
        return self.status == 200

    @property
    def chat_id(self) -> Any:
        """The chat_id parameter, if any."""
        return self.params.get("chat_id")


@dataclass(slots=True, eq=False)
class SentMessage:
    """A message the bot sent, or a snapshot of one of its messages after an edit."""

    seq: int
    method: str
    chat_id: int
    message_id: int
    text: str | None
    """Text as the bot sent it (markup included when parse_mode is set)."""
    caption: str | None
    parse_mode: str | None
    reply_markup: JSONDict | None
    message_thread_id: int | None
    reply_to_message_id: int | None
    disable_notification: bool
    message: JSONDict
    """The Telegram Message object as the server answered it (plain text + entities)."""
    params: JSONDict
    time: float
    is_edit: bool = False
    media_type: str | None = None
    file_bytes: bytes | None = None
    filename: str | None = None
    mime_type: str | None = None
    file_id: str | None = None
    taken: bool = field(default=False, repr=False)

    @property
    def content(self) -> str | None:
        """Text or caption as sent."""
        return self.text if self.text is not None else self.caption

    @property
    def plain_text(self) -> str:
        """Text or caption as the user sees it (parse_mode markup removed); "" for a photo or
        document sent without a caption."""
        return str(self.message.get("text", self.message.get("caption")) or "")

    @property
    def entities(self) -> list[JSONDict]:
        """Entities of the text or caption, as Telegram computed them."""
        return list(self.message.get("entities") or self.message.get("caption_entities") or [])

    @property
    def document(self) -> bytes | None:
        """Bytes of the document, if this is a document message."""
        return self.file_bytes if self.media_type == "document" else None

    @property
    def photo(self) -> bytes | None:
        """Bytes of the photo, if this is a photo message."""
        return self.file_bytes if self.media_type == "photo" else None

    @property
    def keyboard_rows(self) -> list[list[JSONDict]]:
        """Rows of the inline keyboard (or reply keyboard) as button dicts."""
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [
            [b if isinstance(b, dict) else {"text": str(b)} for b in row]
            for row in rows
            if isinstance(row, list)
        ]

    def buttons(self) -> list[tuple[str, str | None]]:
        """(text, callback_data or url, a Mini App's included) for every button, row by row."""
        out: list[tuple[str, str | None]] = []
        for row in self.keyboard_rows:
            for b in row:
                value = b.get("callback_data")
                if value is None:
                    value = b.get("url") or (b.get("web_app") or {}).get("url")
                out.append((str(b.get("text", "")), value))
        return out

    def callback_data(self) -> list[str]:
        """All callback_data values of the inline keyboard, in order."""
        return [
            b["callback_data"]
            for row in self.keyboard_rows
            for b in row
            if isinstance(b.get("callback_data"), str)
        ]

    def describe(self) -> str:
        """One line for error messages."""
        kind = f"{self.method} (edit)" if self.is_edit else self.method
        body = self.content
        if body is None and self.media_type:
            body = f"<{self.media_type} {self.filename or ''}>".replace(" >", ">")
        shown = repr(body) if body is None or len(body) <= 80 else repr(body[:77] + "...")
        extra = f" buttons={self.buttons()}" if self.reply_markup else ""
        return f"#{self.seq} chat={self.chat_id} id={self.message_id} {kind}: {shown}{extra}"


@dataclass(slots=True, eq=False)
class CallbackAnswer:
    """An answerCallbackQuery call for a query created by press()."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None
    data: str | None
    """callback_data of the pressed button."""
    chat_id: int | None
    message_id: int | None
    time: float = field(default_factory=time.monotonic)


@dataclass(slots=True)
class ServerStats:
    """Counters of what the server answered."""

    requests: int = 0
    by_method: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
    rate_limited: int = 0
    """429 answers produced by enforce_limits."""
    paid_messages: int = 0
    """Messages delivered as paid broadcasts (allow_paid_broadcast; 0.1 Star each)."""
    injected: Counter[str] = field(default_factory=Counter)
    """Injected faults by kind ("429", "403", "migrate", "5xx", "delay", "hang")."""
    updates_queued: int = 0
    updates_delivered: int = 0
    updates_filtered: int = 0
    """Updates dropped because of allowed_updates or privacy mode."""
    webhook_posts: int = 0
    webhook_failures: int = 0

    @property
    def too_many_requests(self) -> int:
        """All 429 answers (injected and enforced)."""
        return self.by_status[429]

    @property
    def server_errors(self) -> int:
        """All 5xx answers."""
        return sum(n for status, n in self.by_status.items() if status >= 500)

    @property
    def forbidden(self) -> int:
        """All 403 answers."""
        return self.by_status[403]

    @property
    def bad_requests(self) -> int:
        """All 400 answers."""
        return self.by_status[400]

    @property
    def hangs(self) -> int:
        """Answers held back by "hang" faults (random timeouts included)."""
        return self.injected["hang"]
