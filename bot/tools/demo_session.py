"""The person at the terminal in `renewbot chat`: where they talk (their private chat with the
bot, or a group they made, as an admin or a plain member), what they send (text, button
presses, mentions, replies, photos, files) and what they see (every message the bot sends, under
the name of its chat, with the files it sends saved in a folder).

Lines starting with ":" are demo commands (HELP); anything else is typed into the current chat.
"""

from __future__ import annotations

import asyncio
import io
import mimetypes
import re
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.runtime.services import RenewBotApplication
from bot.tools.terminal import dim, render
from bot.webapp.initdata import launch_url, sign
from fakebotapi import FakeBotAPI, FakeUser, SentMessage
from fakebotapi.objects import FakeChat

SWEEP_SECONDS = 1.0  # reminders that fall due while you type show up within a second
SETTLE_TIMEOUT = 60.0
FIRST_GROUP_ID = -1001000000001
# A group's name when :group is given none, in the user's language.
GROUP_TITLES = {"en": "Family SIMs", "zh": "家里的卡"}
PROMPT = "you ▸ "
_DURATION = re.compile(r"(\d+)\s*([wdhm])")
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}

HELP = """\
Type as a Telegram user would: /start, /help, /addcard, questions...
  N                press button N of the bot's last message with buttons in this chat
  :say TEXT        send TEXT as it is (e.g. a number that should not press a button)
  :advance 3d      move the bot's clock forward (w, d, h, m; e.g. 1d12h) so reminders fire
  :time            show the bot's clock
  :lang zh|en      switch your language (and the chat's)
Files:
  :photo PATH [CAPTION]  send a picture, e.g. a receipt when /renewed asks for one
  :file PATH [CAPTION]   send a file, e.g. `:file cards.csv /import` (a quoted "PATH" may
                   have spaces; a file the bot sent can be named without its folder)
  Files the bot sends are saved in the files folder ({files}).
Groups:
  :group [NAME]    make a group with the bot in it (you are its admin) and talk there;
                   with the NAME of one you made, go back to it
  :private         back to your private chat with the bot
  :member, :admin  become a plain member of this group, or its admin again
  :mention TEXT    say TEXT to the bot by name (in a group it answers questions only then,
                   or when you reply to it)
  :reply TEXT      reply to the bot's last message in this chat
The app:
  :app             a link that opens the Mini App on this chat's cards in your browser,
                   signed for you as Telegram would (so does pressing its button)
  :help            this list
  :quit            leave (end of input does too)"""


@dataclass
class ShiftedClock:
    """Real time moved forward by `offset`: what the bot believes the time is."""

    offset: timedelta = field(default_factory=timedelta)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


class ChatSession:
    """One person typing to the bot, in their private chat or in groups."""

    def __init__(
        self, api: FakeBotAPI, application: RenewBotApplication, clock: ShiftedClock,
        user: FakeUser, files: Path, interactive: bool,
    ) -> None:
        self.api = api
        self.application = application
        self.clock = clock
        self.user = user
        self.files = files  # where the files the bot sends are saved (made on first use)
        self.interactive = interactive
        self.ansi = interactive and sys.stdout.isatty()
        self.chat = api.private_chat(user)  # where what is typed goes
        self.groups: list[FakeChat] = []
        self.last: dict[int, SentMessage] = {}  # per chat, the last message (:reply answers it)
        # Per chat, the message whose buttons a typed number presses: the last one, or the one
        # above a group's "reply to this message" prompt, which carries no buttons itself.
        self.pressable: dict[int, SentMessage] = {}
        self.shown = 0  # how much of the server's outbox has been printed
        self.heading = self.chat.id  # the chat the transcript is showing
        self._printed = asyncio.Condition()
        self.at_prompt = False
        self._actions: dict[str, Callable[[str], Awaitable[None]]] = {
            "help": self._help, "advance": self._advance, "time": self._time,
            "lang": self._lang, "say": self._say, "photo": self._photo, "file": self._file,
            "group": self._group, "private": self._private, "member": self._member,
            "admin": self._admin, "mention": self._mention, "reply": self._reply,
            "app": self._app,
        }

    # ------------------------------------------------------------------ output

    def out(self, text: str) -> None:
        if self.at_prompt:  # something arrived while waiting for input: keep the prompt last
            print("\r", end="")
        print(text, flush=True)
        if self.at_prompt:
            print(PROMPT, end="", flush=True)

    def note(self, text: str) -> None:
        self.out(dim(f"  · {text}", self.ansi))

    def _chat_name(self, chat: FakeChat) -> str:
        if not chat.is_group:
            return "your private chat with the bot"
        role = "an admin" if self._is_admin(chat) else "a plain member"
        return f"the group “{chat.title}”, where you are {role}"

    def _head(self, chat_id: int) -> None:
        """A line naming the chat whenever the transcript moves to another one."""
        if chat_id != self.heading:
            self.heading = chat_id
            self.out(dim(f"── in {self._chat_name(self.api.chat(chat_id))} ──", self.ansi))

    async def printer(self) -> None:
        while True:
            try:
                message = await self.api.wait_for_message(include_edits=True, timeout=3600)
            except AssertionError:
                continue
            self._head(message.chat_id)
            saved = None
            if message.file_bytes:
                try:
                    saved = await asyncio.to_thread(self._save, message)
                except OSError as error:
                    self.note(f"cannot save it in {self.files}: {error.strerror}")
            self.out(render(message, self.ansi, saved))
            self.last[message.chat_id] = message
            if message.buttons():
                self.pressable[message.chat_id] = message
            elif not (message.reply_markup or {}).get("force_reply"):
                self.pressable.pop(message.chat_id, None)
            async with self._printed:
                self.shown = message.seq + 1
                self._printed.notify_all()

    def _save(self, message: SentMessage) -> str:
        name = message.filename or (
            f"{message.media_type}-{message.seq}"
            + (mimetypes.guess_extension(message.mime_type or "") or "")
        )
        self.files.mkdir(parents=True, exist_ok=True)
        path = self.files / Path(name).name  # never outside the folder, whatever the name
        path.write_bytes(message.file_bytes or b"")
        return str(path)

    async def settle(self) -> None:
        """Wait until the bot has answered everything and the answers are printed."""
        await self.api.wait_idle(quiet=0.2, timeout=SETTLE_TIMEOUT)
        await self.application.update_queue.join()  # every fetched update handled
        await self.api.wait_idle(quiet=0.1, timeout=SETTLE_TIMEOUT)
        async with self._printed:
            await self._printed.wait_for(lambda: self.shown >= self.api.mark())

    # ------------------------------------------------------------------ input

    async def handle(self, line: str) -> bool:
        """Act on one typed line; False to leave."""
        self._head(self.chat.id)
        if not self.interactive:
            self.out(PROMPT + line)
        if line.isdigit() and self._button(int(line)) is not None:
            await self._press(int(line))
            return True
        if not line.startswith(":"):
            await self._send(self.api.send_text, line)
            return True
        command, _, rest = line[1:].partition(" ")
        if command in {"quit", "q", "exit"}:
            return False
        action = self._actions.get(command)
        if action is None:
            self.note(f"unknown command :{command} (:help lists them)")
        else:
            await action(rest.strip())
        return True

    async def _send(self, send: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Send something as the user into the current chat and wait for the answers."""
        send(self.user, *args, chat=self.chat, **kwargs)
        await self.settle()

    def _button(self, number: int) -> tuple[str, str | None] | None:
        current = self.pressable.get(self.chat.id)
        choices = current.buttons() if current is not None else []
        return choices[number - 1] if 1 <= number <= len(choices) else None

    async def _press(self, number: int) -> None:
        current = self.pressable[self.chat.id]
        text, value = current.buttons()[number - 1]
        if value is not None and value in current.callback_data():
            update = self.api.press(self.user, current, value)
            await self.settle()
            answer = self.api.callback_answer(update)
            if answer is not None and answer.text:
                self.note(answer.text)
        elif value is not None and value == self.application.services.settings.webapp_url:
            await self._app("")
        elif value is not None:
            self.note(f"that button opens {value}")
        else:  # a reply-keyboard button sends its text
            await self._send(self.api.send_text, text)

    async def _help(self, rest: str) -> None:
        self.out(HELP.format(files=self.files))

    async def _advance(self, rest: str) -> None:
        delta = parse_duration(rest)
        if delta is None or not delta:
            self.note("say how far, e.g. :advance 3d, :advance 2h or :advance 1d12h")
            return
        self.clock.offset += delta
        await self._time("")
        engine = self.application.services.reminders
        if engine is not None:  # send what fell due now, rather than at the next sweep
            await engine.sweep(wait=True)
        await self.settle()

    async def _time(self, rest: str) -> None:
        zone = self.application.services.settings.zone
        now = self.clock().astimezone(zone)
        self.note(f"the bot's clock: {now:%Y-%m-%d %H:%M} ({zone.key})")

    async def _lang(self, rest: str) -> None:
        if rest not in {"zh", "en"}:
            self.note("use :lang zh or :lang en")
            return
        self.user.language_code = rest
        # The chat keeps the language it was first given; /language switches it too.
        await self.handle(f"/language {rest}")

    async def _say(self, rest: str) -> None:
        await self._send(self.api.send_text, rest)

    # ------------------------------------------------------------------ files

    def _read(self, name: str) -> tuple[str, bytes]:
        path = Path(name).expanduser()
        if not path.exists() and (self.files / name).exists():
            path = self.files / name
        return path.name, path.read_bytes()

    async def _load(self, rest: str, usage: str) -> tuple[str, bytes, str | None] | None:
        """PATH [CAPTION] (PATH in quotes when it has spaces): the file's name, bytes, caption."""
        if rest[:1] in {'"', "'"} and rest.find(rest[0], 1) > 0:
            end = rest.find(rest[0], 1)
            name, caption = rest[1:end], rest[end + 1:]
        else:
            name, _, caption = rest.partition(" ")
        if not name:
            self.note(usage)
            return None
        try:
            filename, content = await asyncio.to_thread(self._read, name)
        except OSError as error:
            self.note(f"cannot read {name}: {error.strerror}")
            return None
        return filename, content, caption.strip() or None

    async def _file(self, rest: str) -> None:
        loaded = await self._load(rest, "say which file, e.g. :file cards.csv /import")
        if loaded is not None:
            filename, content, caption = loaded
            await self._send(self.api.send_document, filename, content, caption=caption)

    async def _photo(self, rest: str) -> None:
        loaded = await self._load(rest, "say which picture, e.g. :photo receipt.jpg")
        if loaded is None:
            return
        filename, content, caption = loaded
        size = await asyncio.to_thread(_picture_size, content)
        if size is None:
            self.note(f"{filename} is not a picture Telegram would take as a photo "
                      f"(PNG, JPEG, ...): send it with :file")
            return
        width, height = size
        await self._send(self.api.send_photo, content, caption=caption, width=width,
                         height=height)

    # ------------------------------------------------------------------ groups

    def _is_admin(self, chat: FakeChat) -> bool:
        return self.user.id in chat.admin_ids or chat.creator_id == self.user.id

    def _here(self) -> str:
        return f"you are now in {self._chat_name(self.chat)}"

    async def _group(self, rest: str) -> None:
        title = rest or (self.groups[-1].title if self.groups else None)
        known = next((g for g in self.groups if (g.title or "").lower() == (title or "").lower()),
                     None)
        if known is not None:
            self.chat = known
            self.note(self._here())
            return
        if title is None:
            title = GROUP_TITLES.get(self.user.language_code or "en", GROUP_TITLES["en"])
        group = self.api.group(FIRST_GROUP_ID - len(self.groups), title)
        self.groups.append(group)
        self.api.set_admins(group, [self.user.id])
        # Added as an admin, the bot reads every message of the group, as with privacy mode
        # off; otherwise Telegram would show it only commands, mentions and replies.
        self.api.set_bot_status(group, "administrator")
        self.chat = group
        self.note(f"you made the group “{title}” and added the bot; {self._here()}. "
                  ":member and :admin switch your role, :private takes you back")
        self.api.my_chat_member(group, self.user, "left", "administrator")
        await self.settle()

    async def _private(self, rest: str) -> None:
        self.chat = self.api.private_chat(self.user)
        self.note(self._here())

    async def _role(self, admin: bool) -> None:
        if not self.chat.is_group:
            self.note("that is for groups: make one with :group")
            return
        if self._is_admin(self.chat) == admin:
            self.note(f"you already are {'an admin' if admin else 'a plain member'} here")
            return
        old, new = ("member", "administrator") if admin else ("administrator", "member")
        # Telegram tells the bot (a chat_member update), and the bot's admin checks follow.
        self.api.chat_member_update(self.chat, self.user, old, new)
        await self.settle()
        self.note(self._here())

    async def _member(self, rest: str) -> None:
        await self._role(admin=False)

    async def _admin(self, rest: str) -> None:
        await self._role(admin=True)

    async def _app(self, rest: str) -> None:
        url = self.application.services.settings.webapp_url
        if url is None:
            self.note("the app is not served in this demo")
            return
        user = {"id": self.user.id, "first_name": self.user.first_name,
                "language_code": self.user.language_code or "en"}
        signed = sign(self.application.bot.token, user, self.clock())
        chat = self.chat.id if self.chat.is_group else None
        self.note(f"open this in your browser: {launch_url(url, signed, chat)}")

    async def _mention(self, rest: str) -> None:
        await self._send(self.api.send_text, f"@{self.api.bot_username} {rest}".rstrip())

    async def _reply(self, rest: str) -> None:
        target = self.last.get(self.chat.id)
        if target is None or not rest:
            self.note("say what, after the bot has said something here: :reply TEXT")
            return
        await self._send(self.api.send_text, rest, reply_to=target)


def _picture_size(content: bytes) -> tuple[int, int] | None:
    """(width, height) of an image, None when it is not one."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            return image.size
    except (UnidentifiedImageError, OSError):
        return None


def parse_duration(text: str) -> timedelta | None:
    """ "3d", "2h", "1d12h", "1w" -> timedelta; None when it is not such a duration."""
    compact = text.replace(" ", "").lower()
    parts = _DURATION.findall(compact)
    if not parts or "".join(n + u for n, u in parts) != compact:
        return None
    return sum((timedelta(**{_UNITS[unit]: int(n)}) for n, unit in parts), timedelta())
