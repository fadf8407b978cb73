"""A fake Telegram Bot API server for tests and demos.

It speaks real HTTP (aiohttp) so an unmodified python-telegram-bot ``Application`` can poll it
(or receive webhooks from it), while tests type as users and read back what the bot sent::

    async with FakeBotAPI() as tg:
        app = (ApplicationBuilder().token(tg.token).base_url(tg.base_url)
               .base_file_url(tg.base_file_url).build())
        alice = tg.user(1001, "Alice")
        tg.send_text(alice, "/start")
        reply = await tg.wait_for_message(chat_id=alice.id)
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import json
import logging
import mimetypes
import re
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from operator import attrgetter
from types import TracebackType
from typing import Any, Generic, Protocol, TypeVar

import aiohttp
from aiohttp import web

from .faults import Fault, FaultInjector, FaultKind
from .formatting import EntityParseError, detect_entities, parse_formatted
from .objects import (
    CHANNEL_BOT,
    DEFAULT_ADMIN_RIGHTS,
    GROUP_ANONYMOUS_BOT,
    ApiCall,
    ApiError,
    CallbackAnswer,
    FakeChat,
    FakeFile,
    FakeUser,
    JSONDict,
    SentMessage,
    ServerStats,
    Upload,
    bad_request,
    member_dict,
)
from .ratelimit import RateLimiter

log = logging.getLogger(__name__)

__all__ = ["FakeBotAPI"]


class MessageLike(Protocol):
    """Anything with ``chat_id`` and ``message_id``, e.g. a PTB ``telegram.Message``."""

    @property
    def chat_id(self) -> int: ...

    @property
    def message_id(self) -> int: ...


UserRef = FakeUser | int
ChatRef = FakeChat | FakeUser | int
MessageRef = SentMessage | JSONDict | MessageLike
Handler = Callable[[JSONDict, dict[str, Upload]], Any]

# Parameters whose form value is a raw string and must not go through json.loads
# (so that text "123" stays "123").
STRING_PARAMS: frozenset[str] = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "url",
        "secret_token",
        "ip_address",
        "language_code",
        "file_id",
        "action",
        "description",
        "short_description",
        "name",
        "title",
        "emoji",
        "photo",
        "document",
        "sticker",
        "voice",
        "audio",
        "video",
        "animation",
        "thumbnail",
        "phone_number",
        "first_name",
        "last_name",
        "vcard",
        "address",
        "question",
        "explanation",
        "performer",
        "message_effect_id",
        "business_connection_id",
        "custom_title",
        "sticker_set_name",
        "game_short_name",
        "foursquare_id",
        "foursquare_type",
        "google_place_id",
        "google_place_type",
    }
)

# Calls that deliver a message; only these count for enforce_limits.
SENDING_METHODS: frozenset[str] = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "sendsticker",
        "sendvoice",
        "sendaudio",
        "sendvideo",
        "sendanimation",
        "sendlocation",
        "forwardmessage",
        "copymessage",
    }
)
# Updates Telegram leaves out unless asked for in allowed_updates.
OPT_IN_UPDATES: frozenset[str] = frozenset(
    {"chat_member", "message_reaction", "message_reaction_count"}
)
CHAT_ACTIONS: frozenset[str] = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
INLINE_BUTTON_ACTIONS: tuple[str, ...] = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")

# kind -> (file_path folder, default extension, default mime type, file_id prefix)
_MEDIA: dict[str, tuple[str, str, str, str]] = {
    "photo": ("photos", ".jpg", "image/jpeg", "AgACAgIAAxkBAAI"),
    "document": ("documents", "", "application/octet-stream", "BQACAgIAAxkBAAI"),
    "sticker": ("stickers", ".webp", "image/webp", "CAACAgIAAxkBAAI"),
    "voice": ("voice", ".oga", "audio/ogg", "AwACAgIAAxkBAAI"),
    "audio": ("music", ".mp3", "audio/mpeg", "CQACAgIAAxkBAAI"),
    "video": ("videos", ".mp4", "video/mp4", "BAACAgIAAxkBAAI"),
    "animation": ("animations", ".mp4", "video/mp4", "CgACAgIAAxkBAAI"),
}
_MAX_DOWNLOAD = 20 * 1024 * 1024
# Message fields that forwardMessage/copyMessage carry over.
_CONTENT_KEYS: frozenset[str] = frozenset(
    {"text", "entities", "caption", "caption_entities", "location", "contact", *_MEDIA}
)
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _json_response(status: int, payload: Any) -> web.Response:
    return web.Response(
        body=_dumps(payload).encode("utf-8"), status=status, content_type="application/json"
    )


def decode_param(name: str, raw: str) -> Any:
    """Decode one form parameter the way PTB encoded it (non-strings are JSON)."""
    if name in STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _opt_int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        return None


def _set_opt(d: JSONDict, key: str, value: Any) -> None:
    if value:
        d[key] = value
    else:
        d.pop(key, None)


def _inline_only(markup: JSONDict | None) -> JSONDict | None:
    if markup and markup.get("inline_keyboard"):
        return {"inline_keyboard": markup["inline_keyboard"]}
    return None


def _entity_text(text: str, entity: JSONDict) -> str:
    """The part of `text` an entity covers (its offset and length count UTF-16 units)."""
    units = text.encode("utf-16-le")
    start = 2 * entity["offset"]
    return units[start : start + 2 * entity["length"]].decode("utf-16-le", "replace")


def _without_reply(msg: JSONDict) -> JSONDict:
    return {k: v for k, v in msg.items() if k != "reply_to_message"}


def _update_kind(update: JSONDict) -> str:
    for key in update:
        if key != "update_id":
            return key
    raise ValueError("an update needs a payload field such as 'message'")


class _Takeable(Protocol):
    seq: int
    taken: bool


T = TypeVar("T", bound=_Takeable)


class _Notifier:
    """Wakes every coroutine waiting for "something new" (no per-item asyncio objects)."""

    __slots__ = ("_waiters",)

    def __init__(self) -> None:
        self._waiters: list[asyncio.Future[None]] = []

    def notify(self) -> None:
        if self._waiters:
            waiters, self._waiters = self._waiters, []
            for fut in waiters:
                if not fut.done():
                    fut.set_result(None)

    async def wait(self, seconds: float) -> None:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        try:
            async with asyncio.timeout(seconds):
                await fut
        except TimeoutError:
            pass
        finally:
            if not fut.done():
                fut.cancel()
            if fut.cancelled():
                with contextlib.suppress(ValueError):
                    self._waiters.remove(fut)


class _Feed(Generic[T]):
    """An append-only list plus the read cursor of wait_for_*()."""

    __slots__ = ("cursor", "items")

    def __init__(self, items: list[T] | None = None) -> None:
        self.items: list[T] = items if items is not None else []
        self.cursor = 0


@dataclass(slots=True, eq=False)
class _Queued:
    update: JSONDict
    update_id: int
    kind: str
    forced: bool = False
    delivered: bool = False
    drop: bool = False


@dataclass(slots=True, eq=False)
class _WebhookState:
    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)


class FakeBotAPI:
    """A fake Telegram Bot API server on 127.0.0.1 driven from tests.

    The bot talks to it over HTTP; tests create users and chats, type as users
    (``send_text``, ``press``, ...) and read what the bot did (``sent``, ``wait_for_message``).
    """

    def __init__(
        self,
        token: str = "123:abc",
        bot_id: int | None = None,
        bot_username: str = "renew_test_bot",
        enforce_limits: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        bot_first_name: str = "Renew Test Bot",
        privacy_mode: bool = False,
        hang_seconds: float = 30.0,
        webhook_attempts: int = 4,
    ) -> None:
        """Configure the server; nothing listens until ``start()``.

        ``privacy_mode=True`` makes group messages reach the bot only when they are commands,
        replies to the bot or mention it (or the bot is an admin), like Telegram's default.
        ``hang_seconds`` is how long a "hang" fault holds the answer when no delay is given.
        """
        self.token = token
        if bot_id is None:
            head = token.split(":", 1)[0]
            bot_id = int(head) if head.isdigit() else 123
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_user = FakeUser(bot_id, bot_first_name, username=bot_username, is_bot=True)
        self._bot_dict = self.bot_user.to_dict()
        self._bot_dict.pop("language_code", None)
        self.enforce_limits = enforce_limits
        self.host = host
        self.port = port
        self.privacy_mode = privacy_mode
        self.hang_seconds = hang_seconds
        self.webhook_attempts = webhook_attempts

        self.stats = ServerStats()
        self.rate_limiter = RateLimiter()
        # The bot's Telegram Stars in tenths (a paid broadcast message costs 0.1 Star);
        # None: never runs out. See set_star_balance.
        self._star_tenths: int | None = None
        self._faults = FaultInjector()

        self._users: dict[int, FakeUser] = {}
        self._chats: dict[int, FakeChat] = {}
        self._chats_by_username: dict[str, FakeChat] = {}
        self._msgs: dict[int, dict[int, JSONDict]] = {}
        self._files: dict[str, FakeFile] = {}
        self._files_by_path: dict[str, FakeFile] = {}
        self._file_seq = 0

        self._pending: deque[_Queued] = deque()
        self._next_update_id = 100_000_001
        self._allowed_updates: frozenset[str] | None = None
        self._poll_generation = 0
        self._updates_notifier = _Notifier()
        self._webhook = _WebhookState()

        self._calls: list[ApiCall] = []
        self._calls_by_method: dict[str, _Feed[ApiCall]] = {}
        self._calls_notifier = _Notifier()

        self._outbox: list[SentMessage] = []
        self._outbox_feed: _Feed[SentMessage] = _Feed(self._outbox)
        self._chat_feeds: dict[int, _Feed[SentMessage]] = {}
        self._sent: list[SentMessage] = []
        self._sent_by_chat: dict[int, list[SentMessage]] = {}
        self._latest: dict[tuple[int, int], SentMessage] = {}
        self._outbox_notifier = _Notifier()

        self._open_queries: dict[str, tuple[str | None, int | None, int | None]] = {}
        self._query_seq = 0
        self.answered_callbacks: list[CallbackAnswer] = []
        """Every successful answerCallbackQuery, in order."""
        self.chat_actions: list[tuple[int, str]] = []
        """(chat_id, action) of every sendChatAction."""
        self.deleted: list[tuple[int, int]] = []
        """(chat_id, message_id) of every message the bot deleted."""
        self._deleted_set: set[tuple[int, int]] = set()
        self.pinned: dict[int, int] = {}
        """chat_id -> message_id pinned by the bot."""
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        """setMyCommands store: (scope key, language_code) -> [{"command", "description"}].

        Scope keys: "default", "all_private_chats", "all_group_chats",
        "all_chat_administrators", "chat:<id>", "chat_administrators:<id>",
        "chat_member:<chat id>:<user id>". language_code "" is the default.
        """
        self.profile: dict[tuple[str, str], Any] = {}
        """setMyName/Description/ShortDescription and menu buttons: (field, lang/chat) -> value."""

        self._inflight = 0
        self._last_activity = time.monotonic()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None

        self._methods: dict[str, tuple[str, Handler]] = {}
        for name, handler in self._method_table():
            self._methods[name.lower()] = (name, handler)

    # ------------------------------------------------------------------------------------
    # lifecycle
    # ------------------------------------------------------------------------------------

    async def start(self) -> FakeBotAPI:
        """Start listening (port 0 picks a free port); returns self."""
        if self._runner is not None:
            return self
        self._closing = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_get("/", self._handle_root)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        for addr in runner.addresses:
            if isinstance(addr, tuple):
                self.port = int(addr[1])
                break
        log.info("fake Bot API listening on %s", self.base_url)
        return self

    async def stop(self) -> None:
        """Stop the server; held ("hang") answers and long polls end at once."""
        self._closing.set()
        self._updates_notifier.notify()
        self._outbox_notifier.notify()
        self._calls_notifier.notify()
        await self._stop_webhook_worker()
        if self._http is not None:
            await self._http.close()
            self._http = None
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> FakeBotAPI:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """Root URL of the server, e.g. "http://127.0.0.1:8081"."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """Value for ApplicationBuilder.base_url(): "http://127.0.0.1:PORT/bot"."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ApplicationBuilder.base_file_url(): "http://127.0.0.1:PORT/file/bot"."""
        return f"{self.url}/file/bot"

    # ------------------------------------------------------------------------------------
    # people and chats
    # ------------------------------------------------------------------------------------

    def user(
        self,
        id: int,
        first_name: str | None = None,
        language_code: str | None = "en",
        username: str | None = None,
        *,
        last_name: str | None = None,
        is_premium: bool = False,
    ) -> FakeUser:
        """Create the user with this id; for a known id return it, updating the fields passed.

        (A known user's language_code is only changed to a value other than the default "en";
        assign ``user.language_code`` directly otherwise.)
        """
        existing = self._users.get(id)
        if existing is not None:
            if first_name is not None:
                existing.first_name = first_name
            if username is not None:
                existing.username = username
            if last_name is not None:
                existing.last_name = last_name
            if language_code != "en":
                existing.language_code = language_code
            if is_premium:
                existing.is_premium = True
            return existing
        if id <= 0:
            raise ValueError("user ids are positive")
        user = FakeUser(
            id,
            first_name or f"User{id}",
            last_name=last_name,
            username=username,
            language_code=language_code,
            is_premium=is_premium,
        )
        self._users[id] = user
        return user

    def private_chat(self, user: UserRef) -> FakeChat:
        """The private chat with ``user`` (created on first use; then the bot may write)."""
        u = self._user_ref(user)
        chat = self._chats.get(u.id)
        if chat is None:
            chat = FakeChat(
                u.id,
                "private",
                first_name=u.first_name,
                last_name=u.last_name,
                username=u.username,
                user=u,
            )
            self._chats[u.id] = chat
        return chat

    def group(
        self,
        id: int,
        title: str,
        supergroup: bool = True,
        forum: bool = False,
        *,
        username: str | None = None,
    ) -> FakeChat:
        """Create a group (negative id; supergroups usually look like -100...)."""
        if id >= 0:
            raise ValueError("group ids are negative")
        if forum and not supergroup:
            raise ValueError("only supergroups can be forums")
        if id in self._chats:
            raise ValueError(f"chat {id} already exists")
        chat = FakeChat(id, "supergroup" if supergroup else "group", title=title, username=username)
        chat.is_forum = forum
        self._register_chat(chat)
        return chat

    def channel(self, id: int, title: str, username: str | None = None) -> FakeChat:
        """Create a channel (useful as ``sender_chat``); the bot is an administrator there."""
        if id >= 0:
            raise ValueError("channel ids are negative")
        chat = FakeChat(id, "channel", title=title, username=username, bot_status="administrator")
        self._register_chat(chat)
        return chat

    def chat(self, chat_id: int) -> FakeChat:
        """Look up a known chat by id."""
        try:
            return self._chats[chat_id]
        except KeyError:
            raise KeyError(f"unknown chat {chat_id}") from None

    @property
    def users(self) -> dict[int, FakeUser]:
        """All users by id."""
        return self._users

    @property
    def chats(self) -> dict[int, FakeChat]:
        """All chats by id."""
        return self._chats

    def set_admins(
        self, chat: ChatRef, user_ids: Iterable[int], creator_id: int | None = None
    ) -> None:
        """Make these users administrators (and optionally one the creator) of a group."""
        c = self._chat_ref(chat)
        c.admin_ids = set(user_ids)
        if creator_id is not None:
            c.creator_id = creator_id
            c.admin_ids.discard(creator_id)
        for uid in c.admin_ids:
            c.members.pop(uid, None)

    def set_member(self, chat: ChatRef, user: UserRef, status: str = "member") -> None:
        """Set a user's membership status in a group without sending an update."""
        c = self._chat_ref(chat)
        u = self._user_ref(user)
        self._apply_member_status(c, u.id, status)

    def set_bot_status(self, chat: ChatRef, status: str = "administrator", **rights: bool) -> None:
        """Set the bot's own status in a group, e.g. ``can_delete_messages=False``."""
        c = self._chat_ref(chat)
        c.bot_status = status
        c.bot_rights.update(rights)

    def set_blocked(self, who: ChatRef, blocked: bool = True) -> None:
        """Mark a private chat as having blocked the bot (every send answers 403)."""
        c = self._chat_ref(who)
        if not c.is_private:
            raise ValueError("only private chats can block the bot")
        c.bot_status = "kicked" if blocked else "member"

    def set_member_count(self, chat: ChatRef, count: int) -> None:
        """Override what getChatMemberCount answers."""
        self._chat_ref(chat).member_count = count

    # ------------------------------------------------------------------------------------
    # typing as users
    # ------------------------------------------------------------------------------------

    def send_text(
        self,
        user: UserRef,
        text: str,
        chat: ChatRef | None = None,
        reply_to: MessageRef | int | None = None,
        thread_id: int | None = None,
        sender_chat: FakeChat | None = None,
    ) -> JSONDict:
        """The user writes ``text`` (private chat by default); returns the queued update.

        bot_command, mention and url entities are added like Telegram does.
        """
        u = self._user_ref(user)
        c = self._chat_for(u, chat)
        msg = self._user_message(u, c, reply_to, thread_id, sender_chat)
        msg["text"] = text
        entities = detect_entities(text)
        if entities:
            msg["entities"] = entities
        return self._deliver_user_message(c, msg)

    def send_photo(
        self,
        user: UserRef,
        content: bytes = b"\xff\xd8\xff\xe0fake-jpeg",
        chat: ChatRef | None = None,
        caption: str | None = None,
        *,
        width: int = 1280,
        height: int = 960,
        reply_to: MessageRef | int | None = None,
    ) -> JSONDict:
        """The user sends a photo (three sizes); the bot can getFile/download it."""
        u = self._user_ref(user)
        c = self._chat_for(u, chat)
        msg = self._user_message(u, c, reply_to, None, None)
        msg["photo"] = self._photo_sizes(content, width, height)
        self._add_caption(msg, caption)
        return self._deliver_user_message(c, msg)

    def send_document(
        self,
        user: UserRef,
        filename: str,
        content: bytes,
        mime_type: str | None = None,
        chat: ChatRef | None = None,
        caption: str | None = None,
        *,
        reply_to: MessageRef | int | None = None,
    ) -> JSONDict:
        """The user sends a document; the bot can getFile and download ``content``."""
        u = self._user_ref(user)
        c = self._chat_for(u, chat)
        mime = mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        ff = self.register_file(content, filename=filename, mime_type=mime, kind="document")
        msg = self._user_message(u, c, reply_to, None, None)
        msg["document"] = self._media_object("document", ff)
        self._add_caption(msg, caption)
        return self._deliver_user_message(c, msg)

    def send_sticker(
        self,
        user: UserRef,
        emoji: str = "👍",
        chat: ChatRef | None = None,
        *,
        set_name: str | None = None,
    ) -> JSONDict:
        """The user sends a sticker."""
        u = self._user_ref(user)
        c = self._chat_for(u, chat)
        ff = self.register_file(b"RIFF\x00\x00\x00\x00WEBP", kind="sticker")
        sticker = self._media_object("sticker", ff)
        sticker["emoji"] = emoji
        if set_name:
            sticker["set_name"] = set_name
        msg = self._user_message(u, c, None, None, None)
        msg["sticker"] = sticker
        return self._deliver_user_message(c, msg)

    def send_location(
        self, user: UserRef, latitude: float, longitude: float, chat: ChatRef | None = None
    ) -> JSONDict:
        """The user shares a location."""
        u = self._user_ref(user)
        c = self._chat_for(u, chat)
        msg = self._user_message(u, c, None, None, None)
        msg["location"] = {"latitude": latitude, "longitude": longitude}
        return self._deliver_user_message(c, msg)

    def send_voice(
        self,
        user: UserRef,
        content: bytes = b"OggS\x00fake-voice",
        duration: int = 2,
        chat: ChatRef | None = None,
        caption: str | None = None,
    ) -> JSONDict:
        """The user sends a voice note."""
        u = self._user_ref(user)
        c = self._chat_for(u, chat)
        ff = self.register_file(content, mime_type="audio/ogg", kind="voice")
        voice = self._media_object("voice", ff)
        voice["duration"] = duration
        msg = self._user_message(u, c, None, None, None)
        msg["voice"] = voice
        self._add_caption(msg, caption)
        return self._deliver_user_message(c, msg)

    def send_contact(
        self,
        user: UserRef,
        phone_number: str,
        chat: ChatRef | None = None,
        *,
        first_name: str | None = None,
        contact_user_id: int | None = None,
    ) -> JSONDict:
        """The user shares a contact (their own by default, as a "share phone" button does)."""
        u = self._user_ref(user)
        c = self._chat_for(u, chat)
        msg = self._user_message(u, c, None, None, None)
        msg["contact"] = {
            "phone_number": phone_number,
            "first_name": first_name or u.first_name,
            "user_id": contact_user_id if contact_user_id is not None else u.id,
        }
        return self._deliver_user_message(c, msg)

    def edit_text(self, user: UserRef, message: MessageRef, new_text: str) -> JSONDict:
        """The user edits one of their text messages; queues an edited_message update."""
        u = self._user_ref(user)
        chat_id, message_id = self._message_key(message)
        current = self._msgs.get(chat_id, {}).get(message_id)
        if current is None:
            raise ValueError(f"message {message_id} in chat {chat_id} does not exist")
        if current.get("from", {}).get("id") != u.id:
            raise ValueError("users can only edit their own messages")
        if "text" not in current:
            raise ValueError("only text messages can be edited with edit_text()")
        edited = dict(current)
        edited["text"] = new_text
        _set_opt(edited, "entities", detect_entities(new_text))
        edited["edit_date"] = int(time.time())
        self._msgs[chat_id][message_id] = edited
        return self._enqueue("edited_message", edited)

    def press(
        self,
        user: UserRef,
        bot_message: MessageRef,
        data: str | None = None,
        forge: bool = False,
        *,
        text: str | None = None,
        inaccessible: bool = False,
    ) -> JSONDict:
        """The user presses an inline button; returns the queued callback_query update.

        Pass ``data`` (callback_data) or ``text`` (button label). The update carries the
        message as it is stored now, or, with ``inaccessible=True``, only its chat and id with
        date 0, as Telegram sends a message the bot can no longer access. Unless ``forge=True``
        an AssertionError is raised when the message is gone or has no such button.
        """
        u = self._user_ref(user)
        chat_id, message_id = self._message_key(bot_message)
        current = self._msgs.get(chat_id, {}).get(message_id)
        if current is None:
            if not forge:
                raise AssertionError(f"message {message_id} in chat {chat_id} does not exist")
            if isinstance(bot_message, SentMessage):
                current = bot_message.message
            elif isinstance(bot_message, dict):
                current = bot_message
            else:
                to_dict = getattr(bot_message, "to_dict", None)
                current = to_dict() if callable(to_dict) else {}
        buttons = [
            b for row in (current.get("reply_markup") or {}).get("inline_keyboard", []) for b in row
        ]
        if text is not None:
            match = next((b for b in buttons if b.get("text") == text), None)
            if match is not None and data is None:
                data = match.get("callback_data")
            elif match is None and not forge:
                raise AssertionError(
                    f"no inline button labelled {text!r} on message {message_id} in chat "
                    f"{chat_id}; buttons: {self._button_list(buttons)}"
                )
        if data is None:
            raise ValueError("press() needs the callback data (or the text of a data button)")
        if not forge and not any(b.get("callback_data") == data for b in buttons):
            raise AssertionError(
                f"no inline button with callback_data {data!r} on message {message_id} in chat "
                f"{chat_id}; buttons: {self._button_list(buttons)}"
            )
        self._query_seq += 1
        query_id = str(4_611_686_018_427_387_904 + self._query_seq * 7919)
        self._open_queries[query_id] = (data, chat_id, message_id)
        if inaccessible:
            current = {"chat": current.get("chat") or self._chat_ref(chat_id).to_dict(),
                       "message_id": message_id, "date": 0}
        query: JSONDict = {
            "id": query_id,
            "from": u.to_dict(),
            "message": current,
            "chat_instance": str((chat_id * 2_654_435_761) & 0xFFFFFFFFFFFF),
            "data": data,
        }
        return self._enqueue("callback_query", query)

    @staticmethod
    def _button_list(buttons: list[JSONDict]) -> list[tuple[Any, Any]]:
        return [(b.get("text"), b.get("callback_data", b.get("url"))) for b in buttons]

    def chat_member_update(
        self,
        chat: ChatRef,
        user: UserRef,
        old_status: str,
        new_status: str,
        *,
        by: UserRef | None = None,
    ) -> JSONDict:
        """A user's membership changes (joined, promoted, left, ...); queues chat_member.

        Note: like Telegram, the bot only gets it if it asked for "chat_member" updates.
        """
        c = self._chat_ref(chat)
        u = self._user_ref(user)
        actor = self._user_ref(by) if by is not None else u
        self._apply_member_status(c, u.id, new_status)
        payload = {
            "chat": c.to_dict(),
            "from": actor.to_dict(),
            "date": int(time.time()),
            "old_chat_member": member_dict(u.to_dict(), old_status),
            "new_chat_member": member_dict(u.to_dict(), new_status),
        }
        return self._enqueue("chat_member", payload)

    def my_chat_member(
        self, chat: ChatRef, user: UserRef, old_status: str, new_status: str
    ) -> JSONDict:
        """The bot's own membership changes because of ``user``; queues my_chat_member.

        Private chat + "kicked" means the user blocked the bot (later sends answer 403);
        "member" unblocks. In groups "member"/"administrator" adds the bot, "left"/"kicked"
        removes it.
        """
        u = self._user_ref(user)
        c = self._chat_ref(chat)
        c.bot_status = new_status
        payload = {
            "chat": c.to_dict(),
            "from": u.to_dict(),
            "date": int(time.time()),
            "old_chat_member": member_dict(self._bot_dict, old_status, c.bot_rights, is_bot=True),
            "new_chat_member": member_dict(self._bot_dict, new_status, c.bot_rights, is_bot=True),
        }
        return self._enqueue("my_chat_member", payload)

    def migrate_group(
        self, old_chat: ChatRef, new_id: int, *, by: UserRef | None = None
    ) -> tuple[JSONDict, JSONDict]:
        """Upgrade a basic group to a supergroup ``new_id``.

        Queues the two service messages Telegram sends (migrate_to_chat_id in the old chat,
        migrate_from_chat_id in the new one); later calls for the old id answer
        400 "group chat was upgraded to a supergroup chat" with migrate_to_chat_id.
        The new chat is ``server.chat(new_id)``.
        """
        old = self._chat_ref(old_chat)
        if old.type != "group":
            raise ValueError("only basic groups (group(..., supergroup=False)) can migrate")
        if new_id in self._chats:
            raise ValueError(f"chat {new_id} already exists")
        actor: JSONDict
        if by is not None:
            actor = self._user_ref(by).to_dict()
        elif old.creator_id is not None and old.creator_id in self._users:
            actor = self._users[old.creator_id].to_dict()
        else:
            actor = dict(GROUP_ANONYMOUS_BOT)
        new = FakeChat(
            new_id,
            "supergroup",
            title=old.title,
            members=dict(old.members),
            creator_id=old.creator_id,
            admin_ids=set(old.admin_ids),
            bot_status=old.bot_status,
            bot_rights=dict(old.bot_rights),
        )
        self._register_chat(new)
        old_msg = {
            "message_id": self._next_message_id(old),
            "from": actor,
            "chat": old.to_dict(),
            "date": int(time.time()),
            "migrate_to_chat_id": new_id,
        }
        old.migrated_to = new_id
        new_msg = {
            "message_id": self._next_message_id(new),
            "from": dict(GROUP_ANONYMOUS_BOT),
            "sender_chat": new.to_dict(),
            "chat": new.to_dict(),
            "date": int(time.time()),
            "migrate_from_chat_id": old.id,
        }
        self._store(old.id, old_msg)
        self._store(new.id, new_msg)
        return self._enqueue("message", old_msg), self._enqueue("message", new_msg)

    def push_update(self, raw: JSONDict) -> JSONDict:
        """Queue any raw update dict; a fresh update_id is assigned. Returns the update."""
        update = {k: v for k, v in raw.items() if k != "update_id"}
        kind = _update_kind(update)
        return self._enqueue(kind, update[kind])

    def duplicate_update(self, update: JSONDict) -> JSONDict:
        """Deliver an already queued update once more with the same update_id."""
        uid = update.get("update_id")
        if not isinstance(uid, int):
            raise ValueError("duplicate_update() needs an update returned by this server")
        self._pending.append(_Queued(update, uid, _update_kind(update), forced=True))
        self.stats.updates_queued += 1
        self._touch()
        self._updates_notifier.notify()
        return update

    def register_file(
        self,
        content: bytes,
        *,
        filename: str | None = None,
        mime_type: str | None = None,
        kind: str = "document",
    ) -> FakeFile:
        """Store bytes as a Telegram file (file_id + download path) and return it."""
        folder, ext, default_mime, prefix = _MEDIA.get(kind, _MEDIA["document"])
        self._file_seq += 1
        n = self._file_seq
        if filename and "." in filename:
            ext = "." + filename.rsplit(".", 1)[1]
        ff = FakeFile(
            file_id=f"{prefix}{n:08d}fAkE{n * 7919 % 1_000_003:07d}",
            file_unique_id=f"AgAD{n:08d}",
            content=content,
            file_path=f"{folder}/file_{n}{ext}",
            filename=filename,
            mime_type=mime_type or default_mime,
            kind=kind,
        )
        self._files[ff.file_id] = ff
        self._files_by_path[ff.file_path] = ff
        return ff

    def file(self, file_id: str) -> FakeFile:
        """A stored file by file_id."""
        return self._files[file_id]

    # ------------------------------------------------------------------------------------
    # reading what the bot did
    # ------------------------------------------------------------------------------------

    @property
    def calls(self) -> list[ApiCall]:
        """Every API call (getUpdates included), oldest first. Do not modify."""
        return self._calls

    @property
    def sent(self) -> list[SentMessage]:
        """Every message the bot sent successfully (edits excluded), oldest first."""
        return self._sent

    @property
    def outbox(self) -> list[SentMessage]:
        """Sent messages and edit snapshots interleaved, oldest first."""
        return self._outbox

    @property
    def pending_updates(self) -> int:
        """Queued updates not yet confirmed by the bot."""
        return len(self._pending)

    def calls_to(self, method: str) -> list[ApiCall]:
        """Calls of one method (case-insensitive)."""
        feed = self._calls_by_method.get(method.lower())
        return list(feed.items) if feed else []

    def messages_to(self, chat_id: ChatRef) -> list[SentMessage]:
        """Messages the bot sent to a chat (edits excluded)."""
        return list(self._sent_by_chat.get(self._chat_id(chat_id), ()))

    def last_message(self, chat_id: ChatRef) -> SentMessage | None:
        """The last message the bot sent to a chat as it was sent (see ``current()``)."""
        msgs = self._sent_by_chat.get(self._chat_id(chat_id))
        return msgs[-1] if msgs else None

    def current(self, chat_id: ChatRef, message_id: int) -> SentMessage | None:
        """A bot message as it is now (after edits); None if unknown or deleted."""
        return self._latest.get((self._chat_id(chat_id), message_id))

    def message_dict(self, chat_id: ChatRef, message_id: int) -> JSONDict | None:
        """The stored Telegram Message object (bot or user), None if unknown/deleted."""
        return self._msgs.get(self._chat_id(chat_id), {}).get(message_id)

    def is_deleted(self, chat_id: ChatRef, message_id: int) -> bool:
        """True if the bot deleted this message."""
        return (self._chat_id(chat_id), message_id) in self._deleted_set

    def delivered(self, chat_id: ChatRef | None = None) -> list[SentMessage]:
        """Successful sendMessage/sendPhoto/sendDocument results (optionally for one chat)."""
        source = self._sent if chat_id is None else self._sent_by_chat.get(self._chat_id(chat_id))
        methods = ("sendMessage", "sendPhoto", "sendDocument")
        return [m for m in source or () if m.method in methods]

    def callback_answer(self, update: JSONDict) -> CallbackAnswer | None:
        """The answerCallbackQuery for the callback_query update returned by press()."""
        query_id = update.get("callback_query", {}).get("id")
        return next((a for a in self.answered_callbacks if a.callback_query_id == query_id), None)

    def commands_for(
        self, scope: str = "default", language_code: str = ""
    ) -> list[tuple[str, str]]:
        """(command, description) pairs set with setMyCommands for a scope key."""
        return [
            (c["command"], c["description"]) for c in self.commands.get((scope, language_code), [])
        ]

    def mark(self) -> int:
        """A position in the bot's output; pass as ``since=`` to ignore what came before."""
        return len(self._outbox)

    async def wait_for_message(
        self,
        chat_id: ChatRef | None = None,
        predicate: Callable[[SentMessage], bool] | None = None,
        timeout: float = 10.0,
        since: int | SentMessage | None = None,
        *,
        include_edits: bool = False,
    ) -> SentMessage:
        """Wait for the next bot message (to ``chat_id`` if given) matching ``predicate``.

        Without ``since``, messages are handed out in order, each at most once: the search
        starts after the last message this stream (per chat_id, or all chats) returned and
        skips messages another call already returned. ``since=server.mark()`` (or a
        SentMessage, meaning "after it") searches from that point instead. With
        ``include_edits=True`` edit snapshots count too. On timeout an AssertionError lists
        what the bot sent and recent failed calls.
        """
        if chat_id is None:
            feed = self._outbox_feed
        else:
            cid = self._chat_id(chat_id)
            feed = self._chat_feeds.setdefault(cid, _Feed())

        def accept(m: SentMessage) -> bool:
            if m.is_edit and not include_edits:
                return False
            return predicate is None or predicate(m)

        start = since.seq + 1 if isinstance(since, SentMessage) else since
        found = await self._wait_feed(feed, self._outbox_notifier, accept, timeout, start)
        if found is not None:
            return found
        what = [f"chat_id={self._chat_id(chat_id)}" if chat_id is not None else "any chat"]
        if predicate is not None:
            what.append(f"predicate={getattr(predicate, '__name__', predicate)!r}")
        if include_edits:
            what.append("include_edits")
        raise AssertionError(
            f"no bot message ({', '.join(what)}) within {timeout}s.\n" + self._report()
        )

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[ApiCall], bool] | None = None,
        timeout: float = 10.0,
        since: int | None = None,
    ) -> ApiCall:
        """Wait for the next call of ``method`` (each call is returned at most once).

        ``since`` is a position in ``calls`` (e.g. ``len(server.calls)``).
        """
        feed = self._calls_by_method.setdefault(method.lower(), _Feed())

        def accept(call: ApiCall) -> bool:
            return predicate is None or predicate(call)

        found = await self._wait_feed(feed, self._calls_notifier, accept, timeout, since)
        if found is not None:
            return found
        recent = "\n".join(
            f"  #{c.seq} {c.method} {c.status} {c.params}" for c in self._calls[-15:]
        )
        raise AssertionError(
            f"no {method} call within {timeout}s (predicate={predicate!r}).\n"
            f"Last calls:\n{recent or '  (none)'}"
        )

    async def wait_idle(
        self,
        quiet: float = 0.2,
        timeout: float = 10.0,
    ) -> None:
        """Wait until all updates were fetched, no call is in flight and no call came for
        ``quiet`` seconds (long polls that return nothing don't count)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            now = time.monotonic()
            undelivered = bool(self._pending) and not self._pending[-1].delivered
            busy = undelivered or self._inflight > 0
            idle_for = now - self._last_activity
            if (not busy and idle_for >= quiet) or self._closing.is_set():
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"server not idle after {timeout}s: undelivered updates={undelivered}, "
                    f"calls in flight={self._inflight}, last activity {idle_for:.3f}s ago"
                )
            step = quiet - idle_for if not busy else 0.02
            await self._sleep(min(max(step, 0.005), remaining))

    def _report(self) -> str:
        lines: list[str] = []
        recent = self._outbox[-15:]
        if recent:
            lines.append(f"Bot messages so far ({len(self._outbox)} total, last {len(recent)}):")
            lines.extend(f"  {m.describe()}" for m in recent)
        else:
            lines.append("The bot has not sent any message.")
        failed = [c for c in self._calls[-200:] if c.status != 200][-5:]
        if failed:
            lines.append("Recent failed API calls:")
            lines.extend(f"  {c.method} {c.status} {c.description}" for c in failed)
        return "\n".join(lines)

    async def _wait_feed(
        self,
        feed: _Feed[T],
        notifier: _Notifier,
        accept: Callable[[T], bool],
        seconds: float,
        since: int | None,
    ) -> T | None:
        items = feed.items
        if since is None:
            pos = feed.cursor
            skip_taken = True
        else:
            pos = bisect.bisect_left(items, since, key=attrgetter("seq"))
            skip_taken = False
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            while pos < len(items):
                item = items[pos]
                pos += 1
                if skip_taken and item.taken:
                    continue
                if accept(item):
                    item.taken = True
                    feed.cursor = max(feed.cursor, pos)
                    return item
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing.is_set():
                return None
            await notifier.wait(remaining)

    # ------------------------------------------------------------------------------------
    # fault injection
    # ------------------------------------------------------------------------------------

    def add_fault(
        self,
        method: str = "sendMessage",
        kind: FaultKind = "5xx",
        times: int | None = 1,
        chat_id: int | str | None = None,
        retry_after: int = 1,
        migrate_to: int | None = None,
        delay: float = 0.0,
        status: int = 500,
        *,
        description: str | None = None,
    ) -> Fault:
        """Make the next ``times`` calls of ``method`` ("*" = any) fail (None = until cleared).

        Kinds: "429" (retry_after), "403" (bot blocked), "migrate" (400 with
        migrate_to_chat_id), "5xx" (``status``), "delay" (answer normally after ``delay``
        seconds), "hang" (the call takes effect, but its answer is held ``delay`` seconds —
        ``hang_seconds`` by default — so the client times out). ``chat_id`` limits the
        fault to calls for one chat.
        """
        return self._faults.add(
            Fault(
                method=method,
                kind=kind,
                times=times,
                chat_id=chat_id,
                retry_after=retry_after,
                migrate_to=migrate_to,
                delay=delay,
                status=status,
                description=description,
            )
        )

    def set_random_faults(
        self,
        p_5xx: float = 0.0,
        p_timeout: float = 0.0,
        p_429: float = 0.0,
        seed: int = 0,
        methods: Iterable[str] = ("sendMessage",),
        timeout_delay: float = 30.0,
        retry_after: int = 1,
    ) -> None:
        """Fail calls of ``methods`` at random (seeded); all zeros switches it off.

        A random timeout behaves like a "hang" fault held ``timeout_delay`` seconds.
        """
        self._faults.set_random(
            p_5xx=p_5xx,
            p_timeout=p_timeout,
            p_429=p_429,
            seed=seed,
            methods=methods,
            timeout_delay=timeout_delay,
            retry_after=retry_after,
        )

    def clear_faults(self) -> None:
        """Remove all scripted and random faults."""
        self._faults.clear()

    @property
    def faults(self) -> list[Fault]:
        """Scripted faults still armed."""
        return self._faults.faults

    # ------------------------------------------------------------------------------------
    # HTTP plumbing
    # ------------------------------------------------------------------------------------

    async def _handle_root(self, request: web.Request) -> web.Response:
        return _json_response(
            200, {"ok": True, "result": {"fake": True, "bot": self._bot_dict, "url": self.url}}
        )

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _json_response(
                401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            )
        ff = self._files_by_path.get(request.match_info["path"])
        if ff is None:
            return _json_response(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        return web.Response(body=ff.content, content_type="application/octet-stream")

    async def _read_params(self, request: web.Request) -> tuple[JSONDict, dict[str, Upload]]:
        params: JSONDict = {}
        files: dict[str, Upload] = {}
        for key, value in request.query.items():
            params[key] = decode_param(key, value)
        if request.method != "POST" or not request.body_exists:
            return params, files
        if request.content_type == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise ValueError("JSON body must be an object")
            params.update(body)
            return params, files
        form = await request.post()
        for key, field_value in form.items():
            if isinstance(field_value, web.FileField):
                content = field_value.file.read()
                files[key] = Upload(field_value.filename, content, field_value.content_type)
                params.setdefault(key, f"<upload {field_value.filename} ({len(content)} bytes)>")
            elif isinstance(field_value, bytes | bytearray):
                params[key] = decode_param(key, field_value.decode("utf-8", "replace"))
            else:
                params[key] = decode_param(key, field_value)
        return params, files

    async def _handle_api(self, request: web.Request) -> web.Response:
        raw_method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            self._record_call(raw_method, {}, 401, None, "Unauthorized")
            return _json_response(
                401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            )
        lname = raw_method.lower()
        entry = self._methods.get(lname)
        if entry is None and lname != "getupdates":
            self._record_call(raw_method, {}, 404, None, "Not Found")
            return _json_response(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        try:
            params, files = await self._read_params(request)
        except ValueError as exc:
            desc = f"Bad Request: can't parse request: {exc}"
            self._record_call(raw_method, {}, 400, None, desc)
            return _json_response(400, {"ok": False, "error_code": 400, "description": desc})
        if entry is None:
            return await self._serve_get_updates(request, params)

        name, handler = entry
        self._inflight += 1
        self._touch()
        hold = 0.0
        fault: Fault | None = None
        try:
            if self._faults.active:
                fault = self._faults.pick(lname, params.get("chat_id"))
            if fault is not None:
                self.stats.injected[fault.kind] += 1
                if fault.kind == "delay":
                    await self._sleep(fault.delay)
                elif fault.kind == "hang":
                    hold = fault.delay if fault.delay > 0 else self.hang_seconds
                else:
                    error = fault.error(_opt_int(params.get("chat_id")))
                    assert error is not None
                    self._record_call(
                        name, params, error.status, None, error.description, fault.kind
                    )
                    return _json_response(error.status, error.payload())
            status, payload = self._run(name, lname, handler, params, files)
            self._record_call(
                name,
                params,
                status,
                payload.get("result"),
                payload.get("description"),
                fault.kind if fault else None,
            )
        finally:
            self._inflight -= 1
            self._touch()
        if hold:
            await self._sleep(hold)
        return _json_response(status, payload)

    def set_star_balance(self, stars: float | None) -> None:
        """The bot's Telegram Stars for paid broadcasts (None: unlimited, the default). Once
        spent, a paid send is refused with 400 BALANCE_TOO_LOW (the MTProto error's name)."""
        self._star_tenths = None if stars is None else round(stars * 10)

    def _run(
        self,
        name: str,
        lname: str,
        handler: Handler,
        params: JSONDict,
        files: dict[str, Upload],
    ) -> tuple[int, JSONDict]:
        sending = lname in SENDING_METHODS
        paid = sending and params.get("allow_paid_broadcast") is True
        if paid and self._star_tenths is not None and self._star_tenths < 1:
            refused = bad_request("BALANCE_TOO_LOW")
            return refused.status, refused.payload()
        limited = self.enforce_limits and sending
        chat_key: int | None = None
        now = time.monotonic()
        if limited:
            chat_key = self._chat_key(params.get("chat_id"))
            retry = self.rate_limiter.check(chat_key, now, paid)
            if retry is not None:
                self.stats.rate_limited += 1
                err = ApiError(
                    429, f"Too Many Requests: retry after {retry}", {"retry_after": retry}
                )
                return err.status, err.payload()
        try:
            result = handler(params, files)
        except ApiError as err:
            return err.status, err.payload()
        except Exception as exc:  # a bug in the fake must not look like a hang
            log.exception("fake Bot API failed on %s", name)
            bug = ApiError(500, f"Internal Server Error: fake server bug: {exc!r}")
            return bug.status, bug.payload()
        if limited:
            self.rate_limiter.record(chat_key, now, paid)
        if paid:
            self.stats.paid_messages += 1
            if self._star_tenths is not None:
                self._star_tenths -= 1
        return 200, {"ok": True, "result": result}

    def _record_call(
        self,
        method: str,
        params: JSONDict,
        status: int,
        result: Any,
        description: str | None,
        fault: str | None = None,
    ) -> ApiCall:
        call = ApiCall(
            seq=len(self._calls),
            method=method,
            params=params,
            time=time.monotonic(),
            status=status,
            result=result,
            description=description,
            fault=fault,
        )
        self._calls.append(call)
        feed = self._calls_by_method.get(method.lower())
        if feed is None:
            feed = self._calls_by_method[method.lower()] = _Feed()
        feed.items.append(call)
        stats = self.stats
        stats.requests += 1
        stats.by_method[method] += 1
        stats.by_status[status] += 1
        self._calls_notifier.notify()
        return call

    async def _sleep(self, seconds: float) -> None:
        if seconds <= 0 or self._closing.is_set():
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._closing.wait()

    def _touch(self) -> None:
        self._last_activity = time.monotonic()

    # ------------------------------------------------------------------------------------
    # updates: queue, getUpdates, webhook
    # ------------------------------------------------------------------------------------

    def _enqueue(self, kind: str, payload: JSONDict) -> JSONDict:
        uid = self._next_update_id
        self._next_update_id += 1
        update = {"update_id": uid, kind: payload}
        self._pending.append(_Queued(update, uid, kind))
        self.stats.updates_queued += 1
        self._touch()
        self._updates_notifier.notify()
        return update

    def _is_allowed(self, kind: str) -> bool:
        if self._allowed_updates is None:
            return kind not in OPT_IN_UPDATES
        return kind in self._allowed_updates

    def _confirm(self, offset: int | None) -> None:
        pending = self._pending
        if offset is None:
            return
        if offset < 0:
            while len(pending) > -offset:
                pending.popleft()
            return
        while pending and not pending[0].forced and pending[0].update_id < offset:
            pending.popleft()

    def _take_batch(self, limit: int) -> list[_Queued]:
        batch: list[_Queued] = []
        dropped = False
        for entry in self._pending:
            if len(batch) >= limit:
                break
            if not self._is_allowed(entry.kind):
                entry.drop = dropped = True
                self.stats.updates_filtered += 1
                continue
            if entry.forced:
                if batch:
                    break
                entry.drop = dropped = True
            batch.append(entry)
        for entry in batch:
            entry.delivered = True
        if dropped:
            self._pending = deque(e for e in self._pending if not e.drop)
        return batch

    async def _serve_get_updates(self, request: web.Request, params: JSONDict) -> web.Response:
        updates: list[JSONDict] = []
        payload: JSONDict
        try:
            updates = await self._get_updates(params)
            status, payload = 200, {"ok": True, "result": updates}
        except ApiError as err:
            status, payload = err.status, err.payload()
        if status == 409 and request.transport is None:
            return _json_response(status, payload)  # the client is gone; not worth recording
        self._record_call("getUpdates", params, status, updates, payload.get("description"))
        if updates:
            self.stats.updates_delivered += len(updates)
            self._touch()
        return _json_response(status, payload)

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        if self._webhook.url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = _opt_int(params.get("offset"))
        limit = min(max(_opt_int(params.get("limit")) or 100, 1), 100)
        try:
            timeout = max(float(params.get("timeout") or 0), 0.0)
        except (TypeError, ValueError):
            timeout = 0.0
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(str(a) for a in allowed) if allowed else None
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_notifier.notify()  # an older long poll now ends with 409
        self._confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                )
            batch = self._take_batch(limit)
            if batch:
                return [entry.update for entry in batch]
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing.is_set():
                return []
            await self._updates_notifier.wait(remaining)

    async def _stop_webhook_worker(self) -> None:
        task, self._webhook.task = self._webhook.task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _start_webhook_worker(self) -> None:
        if self._webhook.task is None or self._webhook.task.done():
            self._webhook.task = asyncio.get_running_loop().create_task(self._webhook_worker())

    async def _webhook_worker(self) -> None:
        if self._http is None:
            self._http = aiohttp.ClientSession()
        session = self._http
        attempts = 0
        while self._webhook.url and not self._closing.is_set():
            entry: _Queued | None = None
            while self._pending:
                head = self._pending[0]
                if self._is_allowed(head.kind):
                    entry = head
                    break
                self._pending.popleft()
                self.stats.updates_filtered += 1
            if entry is None:
                await self._updates_notifier.wait(1.0)
                continue
            headers = {"Content-Type": "application/json"}
            if self._webhook.secret_token:
                headers["X-Telegram-Bot-Api-Secret-Token"] = self._webhook.secret_token
            self.stats.webhook_posts += 1
            error: str | None = None
            try:
                async with session.post(
                    self._webhook.url,
                    data=_dumps(entry.update).encode("utf-8"),
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=10),
                ) as resp:
                    await resp.read()
                    if not 200 <= resp.status < 300:
                        error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                error = f"Connection failed: {exc!r}"
            if error is None:
                entry.delivered = True
                self.stats.updates_delivered += 1
                if self._pending and self._pending[0] is entry:
                    self._pending.popleft()
                attempts = 0
                self._touch()
                continue
            self.stats.webhook_failures += 1
            self._webhook.last_error_date = int(time.time())
            self._webhook.last_error_message = error
            attempts += 1
            if attempts >= self.webhook_attempts:
                log.warning(
                    "dropping update %s after %s webhook failures", entry.update_id, attempts
                )
                if self._pending and self._pending[0] is entry:
                    self._pending.popleft()
                attempts = 0
                continue
            await self._sleep(min(0.05 * 3**attempts, 2.0))

    # ------------------------------------------------------------------------------------
    # helpers shared by the methods
    # ------------------------------------------------------------------------------------

    def _register_chat(self, chat: FakeChat) -> None:
        self._chats[chat.id] = chat
        if chat.username:
            self._chats_by_username[chat.username.lower()] = chat

    def _user_ref(self, user: UserRef) -> FakeUser:
        if isinstance(user, FakeUser):
            return self._users.setdefault(user.id, user)
        try:
            return self._users[user]
        except KeyError:
            raise ValueError(f"unknown user {user}; create it with server.user(...)") from None

    def _chat_ref(self, chat: ChatRef) -> FakeChat:
        if isinstance(chat, FakeChat):
            return self._chats.setdefault(chat.id, chat)
        if isinstance(chat, FakeUser):
            return self.private_chat(chat)
        found = self._chats.get(chat)
        if found is None:
            if chat in self._users:
                return self.private_chat(chat)
            raise ValueError(f"unknown chat {chat}")
        return found

    def _chat_id(self, chat: ChatRef) -> int:
        if isinstance(chat, FakeChat | FakeUser):
            return chat.id
        return int(chat)

    def _chat_for(self, user: FakeUser, chat: ChatRef | None) -> FakeChat:
        return self.private_chat(user) if chat is None else self._chat_ref(chat)

    def _chat_key(self, raw: Any) -> int | None:
        key = _opt_int(raw)
        if key is None and isinstance(raw, str) and raw.startswith("@"):
            found = self._chats_by_username.get(raw[1:].lower())
            return found.id if found else None
        return key

    def _apply_member_status(self, chat: FakeChat, user_id: int, status: str) -> None:
        if status == "creator":
            chat.creator_id = user_id
            chat.admin_ids.discard(user_id)
            chat.members.pop(user_id, None)
        elif status == "administrator":
            chat.admin_ids.add(user_id)
            chat.members.pop(user_id, None)
        else:
            chat.admin_ids.discard(user_id)
            if chat.creator_id == user_id:
                chat.creator_id = None
            chat.members[user_id] = status

    def _message_key(self, message: MessageRef | tuple[int, int]) -> tuple[int, int]:
        if isinstance(message, SentMessage):
            return message.chat_id, message.message_id
        if isinstance(message, tuple):
            return int(message[0]), int(message[1])
        if isinstance(message, dict):
            msg = message
            for key in ("message", "edited_message", "channel_post"):
                if key in message and isinstance(message[key], dict):
                    msg = message[key]
                    break
            if "callback_query" in message:
                msg = message["callback_query"]["message"]
            return int(msg["chat"]["id"]), int(msg["message_id"])
        if hasattr(message, "chat_id") and hasattr(message, "message_id"):
            return int(message.chat_id), int(message.message_id)
        raise TypeError(f"not a message: {message!r}")

    def _next_message_id(self, chat: FakeChat) -> int:
        mid = chat.next_message_id
        chat.next_message_id += 1
        return mid

    def _store(self, chat_id: int, msg: JSONDict) -> None:
        store = self._msgs.get(chat_id)
        if store is None:
            store = self._msgs[chat_id] = {}
        store[msg["message_id"]] = msg

    def _user_message(
        self,
        user: FakeUser,
        chat: FakeChat,
        reply_to: MessageRef | int | None,
        thread_id: int | None,
        sender_chat: FakeChat | None,
    ) -> JSONDict:
        if chat.migrated_to is not None:
            raise ValueError(f"chat {chat.id} was migrated to {chat.migrated_to}")
        target: JSONDict | None = None
        if reply_to is not None:
            key = (chat.id, reply_to) if isinstance(reply_to, int) else self._message_key(reply_to)
            target = self._msgs.get(key[0], {}).get(key[1])
            if target is None:
                raise ValueError(f"message {key[1]} in chat {key[0]} does not exist")
        sender: JSONDict = user.to_dict()
        msg: JSONDict = {"message_id": self._next_message_id(chat), "from": sender}
        if sender_chat is not None:
            msg["from"] = dict(GROUP_ANONYMOUS_BOT if sender_chat.id == chat.id else CHANNEL_BOT)
            msg["sender_chat"] = sender_chat.to_dict()
        msg["chat"] = chat.to_dict()
        msg["date"] = int(time.time())
        if thread_id is not None:
            msg["message_thread_id"] = thread_id
            if chat.is_forum:
                msg["is_topic_message"] = True
        if target is not None:
            msg["reply_to_message"] = _without_reply(target)
        if chat.is_group and sender_chat is None and chat.status_of(user.id) in ("left", "kicked"):
            chat.members[user.id] = "member"
        return msg

    def _add_caption(self, msg: JSONDict, caption: str | None) -> None:
        if caption:
            msg["caption"] = caption
            entities = detect_entities(caption)
            if entities:
                msg["caption_entities"] = entities

    def _bot_sees(self, chat: FakeChat, msg: JSONDict) -> bool:
        """Whether a user's message reaches the bot. In privacy mode Telegram delivers from a
        group (where the bot is not an admin) only commands — not those addressed to another
        bot (/start@other_bot) —, mentions of the bot and replies to the bot's messages.
        Private chats and service messages (which never come through here) always arrive.
        ForceReply changes nothing here: it only opens a reply on the user's client."""
        if not self.privacy_mode or not chat.is_group:
            return True
        if chat.bot_status in ("administrator", "creator"):
            return True
        reply = msg.get("reply_to_message")
        if reply and reply.get("from", {}).get("id") == self.bot_id:
            return True
        text = msg.get("text") or msg.get("caption") or ""
        me = f"@{self.bot_username}".lower()
        for entity in msg.get("entities") or msg.get("caption_entities") or ():
            part = _entity_text(text, entity).lower()
            kind = entity["type"]
            if kind == "bot_command" and ("@" not in part or part.endswith(me)):
                return True
            if kind == "mention" and part == me:
                return True
            if kind == "text_mention" and entity.get("user", {}).get("id") == self.bot_id:
                return True
        return False

    def _deliver_user_message(self, chat: FakeChat, msg: JSONDict) -> JSONDict:
        self._store(chat.id, msg)
        if not self._bot_sees(chat, msg) or (
            not chat.is_private and chat.bot_status in ("left", "kicked")
        ):
            self.stats.updates_filtered += 1
            return {"message": msg}
        return self._enqueue("message", msg)

    def _photo_sizes(self, content: bytes, width: int, height: int) -> list[JSONDict]:
        sizes: list[JSONDict] = []
        for side in (90, 320, max(width, height)):
            scale = min(side / max(width, height), 1.0)
            ff = self.register_file(content, mime_type="image/jpeg", kind="photo")
            sizes.append(
                {
                    "file_id": ff.file_id,
                    "file_unique_id": ff.file_unique_id,
                    "file_size": len(content),
                    "width": max(int(width * scale), 1),
                    "height": max(int(height * scale), 1),
                }
            )
        return sizes

    def _media_object(self, kind: str, ff: FakeFile) -> JSONDict:
        base: JSONDict = {
            "file_id": ff.file_id,
            "file_unique_id": ff.file_unique_id,
            "file_size": len(ff.content),
        }
        if kind == "document":
            if ff.filename:
                base["file_name"] = ff.filename
            base["mime_type"] = ff.mime_type
        elif kind == "sticker":
            base.update(
                {
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                }
            )
        elif kind == "voice":
            base.update({"duration": 1, "mime_type": ff.mime_type})
        elif kind == "audio":
            base.update({"duration": 1, "mime_type": ff.mime_type})
            if ff.filename:
                base["file_name"] = ff.filename
        elif kind in ("video", "animation"):
            base.update({"width": 640, "height": 360, "duration": 1, "mime_type": ff.mime_type})
            if ff.filename:
                base["file_name"] = ff.filename
        elif kind == "photo":
            base.update({"width": 1280, "height": 960})
        return base

    # ---- validation helpers used by Bot API methods ----

    def _chat_param(self, params: JSONDict, *, write: bool) -> FakeChat:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise bad_request("chat_id is empty")
        chat: FakeChat | None = None
        if isinstance(raw, str) and raw.startswith("@"):
            chat = self._chats_by_username.get(raw[1:].lower())
        else:
            key = _opt_int(raw)
            if key is not None:
                chat = self._chats.get(key)
        if chat is None:
            raise bad_request("chat not found")
        if chat.migrated_to is not None:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        if write:
            self._check_can_write(chat)
        return chat

    def _check_can_write(self, chat: FakeChat) -> None:
        if chat.is_private:
            if chat.bot_status == "kicked":
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            return
        if chat.bot_status in ("left", "kicked"):
            kind = "supergroup chat" if chat.type == "supergroup" else f"{chat.type} chat"
            if chat.bot_status == "kicked":
                raise ApiError(403, f"Forbidden: bot was kicked from the {kind}")
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind}")

    def _bot_can(self, chat: FakeChat, right: str) -> bool:
        if chat.bot_status == "creator":
            return True
        if chat.bot_status != "administrator":
            return False
        merged = dict(DEFAULT_ADMIN_RIGHTS)
        merged.update(chat.bot_rights)
        return bool(merged.get(right, False))

    def _format(
        self, text: str, parse_mode: Any, entities: Any, *, what: str = "entities"
    ) -> tuple[str, list[JSONDict]]:
        mode = parse_mode if isinstance(parse_mode, str) else None
        ents = entities if isinstance(entities, list) else None
        try:
            return parse_formatted(text, mode, ents)
        except EntityParseError as exc:
            raise bad_request(f"can't parse {what}: {exc}") from None
        except ValueError:
            raise bad_request("unsupported parse_mode") from None

    def _parse_markup(self, params: JSONDict) -> JSONDict | None:
        markup = params.get("reply_markup")
        if markup is None or markup == "":
            return None
        if isinstance(markup, str):
            try:
                markup = json.loads(markup)
            except ValueError:
                raise bad_request("can't parse reply keyboard markup JSON object") from None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad_request(
                    'can\'t parse inline keyboard button: Field "inline_keyboard" '
                    "must be of type Array of Arrays"
                )
            for row in rows:
                for button in row:
                    self._check_inline_button(button)
        elif "force_reply" in markup:
            placeholder = markup.get("input_field_placeholder", "")
            if markup["force_reply"] is not True or not isinstance(placeholder, str):
                raise bad_request("can't parse reply keyboard markup JSON object")
            if len(placeholder) > 64:
                raise bad_request("input field placeholder is too long")
        elif "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad_request(
                    'can\'t parse keyboard button: Field "keyboard" must be of type Array of Arrays'
                )
        return markup

    def _check_inline_button(self, button: Any) -> None:
        if not isinstance(button, dict):
            raise bad_request(
                "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
            )
        if not isinstance(button.get("text"), str):
            raise bad_request(
                'can\'t parse inline keyboard button: Field "text" must be of type String'
            )
        if not any(k in button for k in INLINE_BUTTON_ACTIONS):
            raise bad_request(
                "can't parse inline keyboard button: Text buttons are unallowed "
                "in the inline keyboard"
            )
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
        if "url" in button:
            url = button["url"]
            if not isinstance(url, str) or not url or any(ch.isspace() for ch in url):
                raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")

    def _reply_target(self, chat: FakeChat, params: JSONDict) -> JSONDict | None:
        rp = params.get("reply_parameters")
        if isinstance(rp, str):
            try:
                rp = json.loads(rp)
            except ValueError:
                raise bad_request("can't parse reply parameters JSON object") from None
        allow = bool(params.get("allow_sending_without_reply"))
        message_id: int | None = None
        target_chat = chat
        if isinstance(rp, dict):
            message_id = _opt_int(rp.get("message_id"))
            allow = allow or bool(rp.get("allow_sending_without_reply"))
            if rp.get("chat_id") not in (None, chat.id):
                target_chat = self._chat_param({"chat_id": rp["chat_id"]}, write=False)
        elif params.get("reply_to_message_id") is not None:
            message_id = _opt_int(params.get("reply_to_message_id"))
        if message_id is None:
            return None
        target = self._msgs.get(target_chat.id, {}).get(message_id)
        if target is None and not allow:
            raise bad_request("message to be replied not found")
        return target

    def _text_param(self, params: JSONDict, name: str = "text") -> str:
        value = params.get(name)
        if value is None or value == "":
            raise bad_request("message text is empty")
        return value if isinstance(value, str) else json.dumps(value)

    def _message_id_param(self, params: JSONDict) -> int:
        mid = _opt_int(params.get("message_id"))
        if mid is None:
            raise bad_request("message identifier is not specified")
        return mid

    def _commit_bot_message(
        self,
        chat: FakeChat,
        params: JSONDict,
        body: JSONDict,
        markup: JSONDict | None,
        reply: JSONDict | None,
    ) -> JSONDict:
        msg: JSONDict = {
            "message_id": self._next_message_id(chat),
            "from": self._bot_dict,
            "chat": chat.to_dict(),
            "date": int(time.time()),
        }
        thread = _opt_int(params.get("message_thread_id"))
        if thread is not None and chat.is_forum:
            msg["message_thread_id"] = thread
            msg["is_topic_message"] = True
        if reply is not None:
            msg["reply_to_message"] = _without_reply(reply)
        msg.update(body)
        inline = _inline_only(markup)
        if inline:
            msg["reply_markup"] = inline
        self._store(chat.id, msg)
        return msg

    def _record_sent(
        self,
        method: str,
        chat_id: int,
        msg: JSONDict,
        params: JSONDict,
        *,
        text: str | None,
        caption: str | None,
        parse_mode: str | None,
        markup: JSONDict | None,
        is_edit: bool = False,
        media: tuple[str, FakeFile] | None = None,
    ) -> SentMessage:
        reply = msg.get("reply_to_message")
        rec = SentMessage(
            seq=len(self._outbox),
            method=method,
            chat_id=chat_id,
            message_id=msg["message_id"],
            text=text,
            caption=caption,
            parse_mode=parse_mode,
            reply_markup=markup,
            message_thread_id=_opt_int(params.get("message_thread_id")),
            reply_to_message_id=reply["message_id"] if reply else None,
            disable_notification=bool(params.get("disable_notification")),
            message=msg,
            params=params,
            time=time.monotonic(),
            is_edit=is_edit,
        )
        if media is not None:
            kind, ff = media
            rec.media_type = kind
            rec.file_bytes = ff.content
            rec.filename = ff.filename
            rec.mime_type = ff.mime_type
            rec.file_id = ff.file_id
        self._outbox.append(rec)
        feed = self._chat_feeds.get(chat_id)
        if feed is None:
            feed = self._chat_feeds[chat_id] = _Feed()
        feed.items.append(rec)
        if not is_edit:
            self._sent.append(rec)
            by_chat = self._sent_by_chat.get(chat_id)
            if by_chat is None:
                by_chat = self._sent_by_chat[chat_id] = []
            by_chat.append(rec)
        self._latest[(chat_id, rec.message_id)] = rec
        self._outbox_notifier.notify()
        return rec

    def _caption(self, params: JSONDict) -> tuple[str | None, JSONDict]:
        raw = params.get("caption")
        if raw is None or raw == "":
            return None, {}
        caption = raw if isinstance(raw, str) else json.dumps(raw)
        plain, ents = self._format(
            caption, params.get("parse_mode"), params.get("caption_entities")
        )
        if len(plain) > 1024:
            raise bad_request("message caption is too long")
        body: JSONDict = {}
        if plain:
            body["caption"] = plain
            if ents:
                body["caption_entities"] = ents
        return caption, body

    def _input_file(self, kind: str, params: JSONDict, files: dict[str, Upload]) -> FakeFile:
        upload = files.get(kind)
        value = params.get(kind)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value[len("attach://") :])
            if upload is None:
                raise bad_request(f"file {value} not found in the request")
        if upload is not None:
            if not upload.content:
                raise bad_request("file must be non-empty")
            return self.register_file(
                upload.content, filename=upload.filename, mime_type=upload.mime_type, kind=kind
            )
        if value is None or value == "":
            raise bad_request(f"there is no {kind} in the request")
        ref = str(value)
        if ref.startswith(("http://", "https://")):
            name = ref.rstrip("/").rsplit("/", 1)[-1] or None
            return self.register_file(b"", filename=name, kind=kind)
        found = self._files.get(ref)
        if found is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return found

    # ------------------------------------------------------------------------------------
    # Bot API methods
    # ------------------------------------------------------------------------------------

    def _method_table(self) -> list[tuple[str, Handler]]:
        def const(value: Any) -> Handler:
            return lambda params, files: value

        def media(kind: str, method: str) -> Handler:
            return lambda params, files: self._m_send_media(kind, method, params, files)

        return [
            ("getMe", self._m_get_me),
            ("logOut", const(True)),
            ("close", const(True)),
            ("setWebhook", self._m_set_webhook),
            ("deleteWebhook", self._m_delete_webhook),
            ("getWebhookInfo", self._m_get_webhook_info),
            ("setMyCommands", self._m_set_my_commands),
            ("getMyCommands", self._m_get_my_commands),
            ("deleteMyCommands", self._m_delete_my_commands),
            ("sendMessage", self._m_send_message),
            ("editMessageText", self._m_edit_message_text),
            ("editMessageCaption", self._m_edit_message_caption),
            ("editMessageReplyMarkup", self._m_edit_message_reply_markup),
            ("deleteMessage", self._m_delete_message),
            ("deleteMessages", self._m_delete_messages),
            ("answerCallbackQuery", self._m_answer_callback_query),
            ("sendChatAction", self._m_send_chat_action),
            ("sendPhoto", media("photo", "sendPhoto")),
            ("sendDocument", media("document", "sendDocument")),
            ("sendSticker", media("sticker", "sendSticker")),
            ("sendVoice", media("voice", "sendVoice")),
            ("sendAudio", media("audio", "sendAudio")),
            ("sendVideo", media("video", "sendVideo")),
            ("sendAnimation", media("animation", "sendAnimation")),
            ("sendLocation", self._m_send_location),
            ("forwardMessage", self._m_forward_message),
            ("copyMessage", self._m_copy_message),
            ("getFile", self._m_get_file),
            ("getChat", self._m_get_chat),
            ("getChatMember", self._m_get_chat_member),
            ("getChatAdministrators", self._m_get_chat_administrators),
            ("getChatMemberCount", self._m_get_chat_member_count),
            ("leaveChat", self._m_leave_chat),
            ("pinChatMessage", self._m_pin_chat_message),
            ("unpinChatMessage", self._m_unpin_chat_message),
            ("unpinAllChatMessages", self._m_unpin_all_chat_messages),
            ("setMyName", self._profile_setter("name")),
            ("getMyName", self._profile_getter("name", "")),
            ("setMyDescription", self._profile_setter("description")),
            ("getMyDescription", self._profile_getter("description", "")),
            ("setMyShortDescription", self._profile_setter("short_description")),
            ("getMyShortDescription", self._profile_getter("short_description", "")),
            ("setChatMenuButton", self._m_set_chat_menu_button),
            ("getChatMenuButton", self._m_get_chat_menu_button),
        ]

    def _m_get_me(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        me = dict(self._bot_dict)
        me.update(
            {
                "can_join_groups": True,
                "can_read_all_group_messages": not self.privacy_mode,
                "supports_inline_queries": False,
                "can_connect_to_business": False,
                "has_main_web_app": False,
            }
        )
        return me

    def _m_set_webhook(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        url = str(params.get("url") or "")
        if not url:
            return self._m_delete_webhook(params, files)
        if not url.startswith(("https://", "http://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_RE.fullmatch(str(secret)):
            raise bad_request("secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._pending.clear()
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(str(a) for a in allowed) if allowed else None
        hook = self._webhook
        hook.url = url
        hook.secret_token = str(secret) if secret else None
        hook.max_connections = _opt_int(params.get("max_connections")) or 40
        hook.ip_address = params.get("ip_address")
        hook.last_error_date = hook.last_error_message = None
        self._poll_generation += 1  # a running long poll ends with 409
        self._updates_notifier.notify()
        self._start_webhook_worker()
        return True

    def _m_delete_webhook(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        if params.get("drop_pending_updates"):
            self._pending.clear()
        self._webhook.url = ""
        self._webhook.secret_token = None
        task, self._webhook.task = self._webhook.task, None
        if task is not None and not task.done():
            task.cancel()
        return True

    def _m_get_webhook_info(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        hook = self._webhook
        info: JSONDict = {
            "url": hook.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if hook.url:
            info["max_connections"] = hook.max_connections
            if hook.ip_address:
                info["ip_address"] = hook.ip_address
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
        if self._allowed_updates is not None:
            info["allowed_updates"] = sorted(self._allowed_updates)
        return info

    def _scope_key(self, params: JSONDict) -> tuple[str, str]:
        scope = params.get("scope")
        if isinstance(scope, str):
            try:
                scope = json.loads(scope)
            except ValueError:
                scope = None
        lang = str(params.get("language_code") or "")
        if not isinstance(scope, dict) or not scope.get("type"):
            return "default", lang
        parts = [str(scope["type"])]
        if "chat_id" in scope:  # a chat the bot has never seen is "chat not found", as there
            parts.append(str(self._chat_param({"chat_id": scope["chat_id"]}, write=False).id))
        if "user_id" in scope:
            parts.append(str(scope["user_id"]))
        return ":".join(parts), lang

    def _m_set_my_commands(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("too many commands")
        clean: list[JSONDict] = []
        for cmd in commands:
            if not isinstance(cmd, dict):
                raise bad_request("can't parse BotCommand")
            name = cmd.get("command")
            desc = cmd.get("description")
            if not isinstance(name, str) or not _COMMAND_NAME_RE.fullmatch(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not isinstance(desc, str) or not 1 <= len(desc) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": name, "description": desc})
        key = self._scope_key(params)
        if clean:
            self.commands[key] = clean
        else:
            self.commands.pop(key, None)
        return True

    def _m_get_my_commands(self, params: JSONDict, files: dict[str, Upload]) -> list[JSONDict]:
        return [dict(c) for c in self.commands.get(self._scope_key(params), [])]

    def _m_delete_my_commands(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        self.commands.pop(self._scope_key(params), None)
        return True

    def _m_send_message(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        chat = self._chat_param(params, write=True)
        text = self._text_param(params)
        parse_mode = params.get("parse_mode")
        plain, entities = self._format(text, parse_mode, params.get("entities"))
        if not plain:
            raise bad_request("message text is empty")
        if len(plain) > 4096:
            raise bad_request("message is too long")
        markup = self._parse_markup(params)
        reply = self._reply_target(chat, params)
        body: JSONDict = {"text": plain}
        if entities:
            body["entities"] = entities
        preview = params.get("link_preview_options")
        if isinstance(preview, dict) and preview:
            body["link_preview_options"] = preview
        msg = self._commit_bot_message(chat, params, body, markup, reply)
        self._record_sent(
            "sendMessage",
            chat.id,
            msg,
            params,
            text=text,
            caption=None,
            parse_mode=parse_mode if isinstance(parse_mode, str) else None,
            markup=markup,
        )
        return msg

    def _m_send_media(
        self, kind: str, method: str, params: JSONDict, files: dict[str, Upload]
    ) -> JSONDict:
        chat = self._chat_param(params, write=True)
        caption, caption_body = self._caption(params)
        markup = self._parse_markup(params)
        reply = self._reply_target(chat, params)
        ff = self._input_file(kind, params, files)
        body: JSONDict = {}
        if kind == "photo":
            body["photo"] = [
                {**self._media_object("photo", ff), "width": 90, "height": 68},
                self._media_object("photo", ff),
            ]
        else:
            body[kind] = self._media_object(kind, ff)
        body.update(caption_body)
        msg = self._commit_bot_message(chat, params, body, markup, reply)
        parse_mode = params.get("parse_mode")
        self._record_sent(
            method,
            chat.id,
            msg,
            params,
            text=None,
            caption=caption,
            parse_mode=parse_mode if isinstance(parse_mode, str) else None,
            markup=markup,
            media=(kind, ff),
        )
        return msg

    def _m_send_location(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        chat = self._chat_param(params, write=True)
        try:
            lat = float(params["latitude"])
            lon = float(params["longitude"])
        except (KeyError, TypeError, ValueError):
            raise bad_request("wrong latitude or longitude") from None
        markup = self._parse_markup(params)
        reply = self._reply_target(chat, params)
        body = {"location": {"latitude": lat, "longitude": lon}}
        msg = self._commit_bot_message(chat, params, body, markup, reply)
        self._record_sent(
            "sendLocation",
            chat.id,
            msg,
            params,
            text=None,
            caption=None,
            parse_mode=None,
            markup=markup,
        )
        return msg

    def _source_message(self, params: JSONDict, verb: str) -> tuple[FakeChat, JSONDict]:
        source_chat = self._chat_param({"chat_id": params.get("from_chat_id")}, write=False)
        mid = self._message_id_param(params)
        source = self._msgs.get(source_chat.id, {}).get(mid)
        if source is None:
            raise bad_request(f"message to {verb} not found")
        return source_chat, source

    def _m_forward_message(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        chat = self._chat_param(params, write=True)
        source_chat, source = self._source_message(params, "forward")
        body = {k: v for k, v in source.items() if k in _CONTENT_KEYS}
        origin: JSONDict
        if source_chat.type == "channel":
            origin = {
                "type": "channel",
                "chat": source_chat.to_dict(),
                "message_id": source["message_id"],
            }
        elif "sender_chat" in source:
            origin = {"type": "chat", "sender_chat": source["sender_chat"]}
        else:
            origin = {"type": "user", "sender_user": source.get("from", self._bot_dict)}
        origin["date"] = source.get("date", int(time.time()))
        body["forward_origin"] = origin
        msg = self._commit_bot_message(chat, params, body, None, None)
        self._record_sent(
            "forwardMessage",
            chat.id,
            msg,
            params,
            text=source.get("text"),
            caption=source.get("caption"),
            parse_mode=None,
            markup=None,
        )
        return msg

    def _m_copy_message(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        chat = self._chat_param(params, write=True)
        _, source = self._source_message(params, "copy")
        body = {k: v for k, v in source.items() if k in _CONTENT_KEYS}
        caption: str | None = source.get("caption")
        if "caption" in params and "text" not in source:
            caption, caption_body = self._caption(params)
            body.pop("caption", None)
            body.pop("caption_entities", None)
            body.update(caption_body)
        markup = self._parse_markup(params)
        reply = self._reply_target(chat, params)
        msg = self._commit_bot_message(chat, params, body, markup, reply)
        parse_mode = params.get("parse_mode")
        self._record_sent(
            "copyMessage",
            chat.id,
            msg,
            params,
            text=source.get("text"),
            caption=caption,
            parse_mode=parse_mode if isinstance(parse_mode, str) else None,
            markup=markup,
        )
        return {"message_id": msg["message_id"]}

    def _editable(self, params: JSONDict) -> tuple[FakeChat, int, JSONDict]:
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self._chat_param(params, write=True)
        mid = self._message_id_param(params)
        old = self._msgs.get(chat.id, {}).get(mid)
        if old is None:
            raise bad_request("message to edit not found")
        if old.get("from", {}).get("id") != self.bot_id:
            raise bad_request("message can't be edited")
        return chat, mid, old

    def _m_edit_message_text(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        chat, _mid, old = self._editable(params)
        if "text" not in old:
            raise bad_request("there is no text in the message to edit")
        text = self._text_param(params)
        parse_mode = params.get("parse_mode")
        plain, entities = self._format(text, parse_mode, params.get("entities"))
        if not plain:
            raise bad_request("message text is empty")
        if len(plain) > 4096:
            raise bad_request("message is too long")
        markup = self._parse_markup(params)
        inline = _inline_only(markup)
        if (
            plain == old.get("text")
            and entities == old.get("entities", [])
            and inline == old.get("reply_markup")
        ):
            raise bad_request(NOT_MODIFIED)
        new = dict(old)
        new["text"] = plain
        _set_opt(new, "entities", entities)
        _set_opt(new, "reply_markup", inline)
        new["edit_date"] = int(time.time())
        self._store(chat.id, new)
        self._record_sent(
            "editMessageText",
            chat.id,
            new,
            params,
            text=text,
            caption=None,
            parse_mode=parse_mode if isinstance(parse_mode, str) else None,
            markup=markup,
            is_edit=True,
        )
        return new

    def _m_edit_message_caption(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        chat, mid, old = self._editable(params)
        if "text" in old or not any(k in old for k in _MEDIA):
            raise bad_request("there is no caption in the message to edit")
        caption, caption_body = self._caption(params)
        markup = self._parse_markup(params)
        inline = _inline_only(markup)
        if (
            caption_body.get("caption") == old.get("caption")
            and caption_body.get("caption_entities", []) == old.get("caption_entities", [])
            and inline == old.get("reply_markup")
        ):
            raise bad_request(NOT_MODIFIED)
        new = dict(old)
        _set_opt(new, "caption", caption_body.get("caption"))
        _set_opt(new, "caption_entities", caption_body.get("caption_entities"))
        _set_opt(new, "reply_markup", inline)
        new["edit_date"] = int(time.time())
        self._store(chat.id, new)
        prev = self._latest.get((chat.id, mid))
        parse_mode = params.get("parse_mode")
        self._record_sent(
            "editMessageCaption",
            chat.id,
            new,
            params,
            text=None,
            caption=caption,
            parse_mode=parse_mode if isinstance(parse_mode, str) else None,
            markup=markup,
            is_edit=True,
            media=self._media_of(prev),
        )
        return new

    def _media_of(self, rec: SentMessage | None) -> tuple[str, FakeFile] | None:
        if rec is None or rec.media_type is None or rec.file_id is None:
            return None
        ff = self._files.get(rec.file_id)
        return (rec.media_type, ff) if ff is not None else None

    def _m_edit_message_reply_markup(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        chat, mid, old = self._editable(params)
        markup = self._parse_markup(params)
        inline = _inline_only(markup)
        if inline == old.get("reply_markup"):
            raise bad_request(NOT_MODIFIED)
        new = dict(old)
        _set_opt(new, "reply_markup", inline)
        new["edit_date"] = int(time.time())
        self._store(chat.id, new)
        prev = self._latest.get((chat.id, mid))
        self._record_sent(
            "editMessageReplyMarkup",
            chat.id,
            new,
            params,
            text=prev.text if prev else old.get("text"),
            caption=prev.caption if prev else old.get("caption"),
            parse_mode=prev.parse_mode if prev else None,
            markup=markup,
            is_edit=True,
            media=self._media_of(prev),
        )
        return new

    def _delete_one(self, chat: FakeChat, mid: int) -> bool:
        store = self._msgs.get(chat.id)
        msg = store.get(mid) if store else None
        if store is None or msg is None:
            return False
        is_own = msg.get("from", {}).get("id") == self.bot_id
        if not is_own and chat.is_group and not self._bot_can(chat, "can_delete_messages"):
            raise bad_request("message can't be deleted")
        del store[mid]
        self._latest.pop((chat.id, mid), None)
        self.deleted.append((chat.id, mid))
        self._deleted_set.add((chat.id, mid))
        return True

    def _m_delete_message(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        chat = self._chat_param(params, write=False)
        mid = self._message_id_param(params)
        if not self._delete_one(chat, mid):
            raise bad_request("message to delete not found")
        return True

    def _m_delete_messages(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        chat = self._chat_param(params, write=False)
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message_ids must be a non-empty array of at most 100 elements")
        for raw in ids:
            mid = _opt_int(raw)
            if mid is not None:
                with contextlib.suppress(ApiError):
                    self._delete_one(chat, mid)
        return True

    def _m_answer_callback_query(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        info = self._open_queries.pop(query_id, None)
        if info is None:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = params.get("text")
        if isinstance(text, str) and len(text) > 200:
            self._open_queries[query_id] = info
            raise bad_request("MESSAGE_TOO_LONG")
        data, chat_id, message_id = info
        self.answered_callbacks.append(
            CallbackAnswer(
                callback_query_id=query_id,
                text=text if isinstance(text, str) else None,
                show_alert=bool(params.get("show_alert")),
                url=params.get("url"),
                cache_time=_opt_int(params.get("cache_time")),
                data=data,
                chat_id=chat_id,
                message_id=message_id,
            )
        )
        return True

    def _m_send_chat_action(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        chat = self._chat_param(params, write=True)
        action = params.get("action")
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self.chat_actions.append((chat.id, str(action)))
        return True

    def _m_get_file(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        ff = self._files.get(str(params.get("file_id") or ""))
        if ff is None:
            raise bad_request("invalid file_id")
        if len(ff.content) > _MAX_DOWNLOAD:
            raise bad_request("file is too big")
        return ff.to_dict()

    def _m_get_chat(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        chat = self._chat_param(params, write=False)
        info = chat.to_dict()
        info.update(
            {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }
        )
        if chat.is_group:
            info["permissions"] = {
                "can_send_messages": True,
                "can_send_photos": True,
                "can_send_documents": True,
                "can_invite_users": True,
            }
        if chat.description:
            info["description"] = chat.description
        pinned = self.pinned.get(chat.id)
        if pinned is not None and (msg := self._msgs.get(chat.id, {}).get(pinned)):
            info["pinned_message"] = msg
        return info

    def _member(self, chat: FakeChat, user_id: int) -> JSONDict:
        if user_id == self.bot_id:
            status = chat.bot_status if not chat.is_private else "member"
            return member_dict(self._bot_dict, status, chat.bot_rights, is_bot=True)
        user = self._users.get(user_id)
        if user is None:
            raise bad_request("user not found")
        return member_dict(user.to_dict(), chat.status_of(user_id))

    def _m_get_chat_member(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        chat = self._chat_param(params, write=False)
        user_id = _opt_int(params.get("user_id"))
        if user_id is None:
            raise bad_request("user_id is empty")
        return self._member(chat, user_id)

    def _m_get_chat_administrators(
        self, params: JSONDict, files: dict[str, Upload]
    ) -> list[JSONDict]:
        chat = self._chat_param(params, write=False)
        if not chat.is_group and chat.type != "channel":
            raise bad_request("there are no administrators in the private chat")
        ids: list[int] = []
        if chat.creator_id is not None:
            ids.append(chat.creator_id)
        ids.extend(sorted(chat.admin_ids))
        out = [self._member(chat, uid) for uid in ids if uid in self._users]
        if chat.bot_status in ("administrator", "creator"):
            out.append(self._member(chat, self.bot_id))
        return out

    def _m_get_chat_member_count(self, params: JSONDict, files: dict[str, Upload]) -> int:
        chat = self._chat_param(params, write=False)
        if chat.member_count is not None:
            return chat.member_count
        if chat.is_private:
            return 2
        present = sum(1 for s in chat.members.values() if s in ("member", "restricted"))
        present += len(chat.admin_ids) + (1 if chat.creator_id is not None else 0)
        if chat.bot_status not in ("left", "kicked"):
            present += 1
        return present

    def _m_leave_chat(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        chat = self._chat_param(params, write=False)
        if chat.is_private:
            raise bad_request("chat member status can't be changed in private chats")
        self._check_can_write(chat)
        old = chat.bot_status
        chat.bot_status = "left"
        payload = {
            "chat": chat.to_dict(),
            "from": self._bot_dict,
            "date": int(time.time()),
            "old_chat_member": member_dict(self._bot_dict, old, chat.bot_rights, is_bot=True),
            "new_chat_member": member_dict(self._bot_dict, "left", is_bot=True),
        }
        self._enqueue("my_chat_member", payload)
        return True

    def _m_pin_chat_message(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        chat = self._chat_param(params, write=True)
        mid = self._message_id_param(params)
        if mid not in self._msgs.get(chat.id, {}):
            raise bad_request("message to pin not found")
        if chat.is_group and not self._bot_can(chat, "can_pin_messages"):
            raise bad_request("not enough rights to manage pinned messages in the chat")
        self.pinned[chat.id] = mid
        return True

    def _m_unpin_chat_message(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        chat = self._chat_param(params, write=True)
        mid = _opt_int(params.get("message_id"))
        if mid is None or self.pinned.get(chat.id) == mid:
            self.pinned.pop(chat.id, None)
        return True

    def _m_unpin_all_chat_messages(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        chat = self._chat_param(params, write=True)
        self.pinned.pop(chat.id, None)
        return True

    def _profile_setter(self, name: str) -> Handler:
        def handler(params: JSONDict, files: dict[str, Upload]) -> bool:
            value = params.get(name)
            lang = str(params.get("language_code") or "")
            if value:
                self.profile[(name, lang)] = str(value)
            else:
                self.profile.pop((name, lang), None)
            return True

        return handler

    def _profile_getter(self, name: str, default: str) -> Handler:
        def handler(params: JSONDict, files: dict[str, Upload]) -> JSONDict:
            lang = str(params.get("language_code") or "")
            return {name: self.profile.get((name, lang), self.profile.get((name, ""), default))}

        return handler

    def _m_set_chat_menu_button(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        key = str(_opt_int(params.get("chat_id")) or "")
        button = params.get("menu_button")
        self.profile[("menu_button", key)] = (
            button if isinstance(button, dict) else {"type": "default"}
        )
        return True

    def _m_get_chat_menu_button(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        key = str(_opt_int(params.get("chat_id")) or "")
        found = self.profile.get(("menu_button", key)) or self.profile.get(("menu_button", ""))
        return dict(found) if isinstance(found, dict) else {"type": "commands"}
