"""Every inline button's callback data, typed.

Each kind of button is a frozen dataclass: producers build one and `pack()` it into the
button; handlers register the kind's `pattern` (or `matching(...)` for some of its values)
with CallbackQueryHandler and read the pressed button with `from_update()`.

The packed strings are the wire format of buttons already sitting in chats (a reminder sent
yesterday is pressed tomorrow), so their shape never changes. `parse()` rejects anything not
built here (forged, from an old version, or stale), and such a press ends at "That button has
expired" (handlers/unknown.py). Telegram caps the data at 64 bytes: tests/test_callbacks.py
packs every kind at its largest.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import ClassVar, Literal, Self, TypeVar, get_args

from telegram import Update

from bot.i18n import LANGUAGES
from bot.knowledge.variants import TRADITIONAL_TAGS
from storage.models import Channel

# Card, renewal, FAQ row and broadcast ids are 32-bit integers in the database: one to nine
# digits are read as an id by every kind, longer digit runs never are.
ID = r"\d{1,9}"
MAX_ID = 999_999_999
# What a free-form value may hold (field choices, time zones, lead days): printable ASCII, so
# its length in bytes is its length in characters.
_VALUE = r"[!-9;-~]"  # no ":" (the separator)

DataPattern = Callable[[object], bool]  # what CallbackQueryHandler takes as pattern
T = TypeVar("T", bound=str)


class CallbackData:
    """The base of every kind. Subclasses set _FORMAT (a regex with named groups) and
    build themselves from its match in _build (ValueError: not a valid button)."""

    __slots__ = ()
    _FORMAT: ClassVar[re.Pattern[str]]

    def pack(self) -> str:
        raise NotImplementedError

    @classmethod
    def _build(cls, match: re.Match[str]) -> Self:
        raise NotImplementedError

    @classmethod
    def parse(cls, data: object) -> Self | None:
        """The button data as this kind; None when it is not one."""
        match = cls._FORMAT.fullmatch(data) if isinstance(data, str) else None
        if match is None:
            return None
        try:
            return cls._build(match)
        except ValueError:
            return None

    @classmethod
    def pattern(cls, data: object) -> bool:
        """For CallbackQueryHandler(pattern=...): is the data a button of this kind?"""
        return cls.parse(data) is not None

    @classmethod
    def matching(cls, **fields: object) -> DataPattern:
        """A pattern for the buttons of this kind whose fields have these values."""
        names = {field.name for field in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = set(fields) - names
        if unknown:
            raise TypeError(f"{cls.__name__} has no field {', '.join(sorted(unknown))}")

        def matches(data: object) -> bool:
            button = cls.parse(data)
            return button is not None and all(
                getattr(button, name) == value for name, value in fields.items()
            )

        return matches

    @classmethod
    def from_update(cls, update: Update) -> Self | None:
        """The pressed button, if the update is a press of this kind."""
        query = update.callback_query
        return cls.parse(query.data) if query is not None else None


def _compile(pattern: str) -> re.Pattern[str]:
    # ASCII: \d and \w must not take other scripts' digits and letters ("card:view:٣").
    return re.compile(pattern, re.ASCII)


def any_of(*patterns: DataPattern) -> DataPattern:
    """A pattern that takes the buttons any of `patterns` takes."""
    return lambda data: any(pattern(data) for pattern in patterns)


def _one_of(value: str, choices: tuple[T, ...]) -> T:
    for choice in choices:
        if value == choice:
            return choice
    raise ValueError(value)


# --------------------------------------------------------------------------- menus


MenuItem = Literal["addcard", "cards", "renew", "help", "language"]


@dataclass(frozen=True, slots=True)
class MenuButton(CallbackData):
    """/start's main menu: `menu:<item>`."""

    item: MenuItem
    _FORMAT = _compile(r"menu:(?P<item>\w+)")

    def pack(self) -> str:
        return f"menu:{self.item}"

    @classmethod
    def _build(cls, match: re.Match[str]) -> Self:
        return cls(_one_of(match["item"], get_args(MenuItem)))


# --------------------------------------------------------------------------- a card's buttons


def _card_format(action: str) -> re.Pattern[str]:
    return _compile(rf"card:{action}:(?P<id>{ID})")


@dataclass(frozen=True, slots=True)
class CardButton(CallbackData):
    """`card:<ACTION>:<card id>`: one action on one card."""

    card_id: int
    ACTION: ClassVar[str]

    def pack(self) -> str:
        return f"card:{self.ACTION}:{self.card_id}"

    @classmethod
    def _build(cls, match: re.Match[str]) -> Self:
        return cls(int(match["id"]))


@dataclass(frozen=True, slots=True)
class ViewCard(CardButton):
    ACTION = "view"
    _FORMAT = _card_format(ACTION)


@dataclass(frozen=True, slots=True)
class EditCard(CardButton):
    ACTION = "edit"
    _FORMAT = _card_format(ACTION)


@dataclass(frozen=True, slots=True)
class RenewedCard(CardButton):
    """Starts the renewal conversation (a card's view and every reminder carry it)."""

    ACTION = "renewed"
    _FORMAT = _card_format(ACTION)


@dataclass(frozen=True, slots=True)
class DeleteCard(CardButton):
    """Asks to confirm; ConfirmDelete deletes."""

    ACTION = "del"
    _FORMAT = _card_format(ACTION)


@dataclass(frozen=True, slots=True)
class ConfirmDelete(CardButton):
    ACTION = "delok"
    _FORMAT = _card_format(ACTION)


@dataclass(frozen=True, slots=True)
class CardHistory(CardButton):
    ACTION = "hist"
    _FORMAT = _card_format(ACTION)


@dataclass(frozen=True, slots=True)
class CardReminders(CardButton):
    """A card's reminder page."""

    ACTION = "rem"
    _FORMAT = _card_format(ACTION)


@dataclass(frozen=True, slots=True)
class MuteCard(CardButton):
    ACTION = "mute"
    _FORMAT = _card_format(ACTION)


@dataclass(frozen=True, slots=True)
class UnmuteCard(CardButton):
    ACTION = "unmute"
    _FORMAT = _card_format(ACTION)


@dataclass(frozen=True, slots=True)
class Receipt(CallbackData):
    """`card:rcpt:<renewal id>`: send a renewal's receipt photo again."""

    renewal_id: int
    _FORMAT = _compile(rf"card:rcpt:(?P<id>{ID})")

    def pack(self) -> str:
        return f"card:rcpt:{self.renewal_id}"

    @classmethod
    def _build(cls, match: re.Match[str]) -> Self:
        return cls(int(match["id"]))


MAX_LEAD_VALUES = 10  # as bot.domain.parsing accepts: each 0..365, at most ten
_LEAD_DAYS = rf"\d{{1,3}}(?:,\d{{1,3}}){{0,{MAX_LEAD_VALUES - 1}}}"


@dataclass(frozen=True, slots=True)
class CardLeadDays(CallbackData):
    """`card:lead:<card id>:<7,3,1,0 | d>`: a card's lead days (None: the chat's default).
    Only the shape is checked here; the handler checks the days as a typed answer."""

    card_id: int
    days: tuple[int, ...] | None
    _FORMAT = _compile(rf"card:lead:(?P<id>{ID}):(?:d|(?P<days>{_LEAD_DAYS}))")

    def pack(self) -> str:
        days = "d" if self.days is None else ",".join(str(day) for day in self.days)
        return f"card:lead:{self.card_id}:{days}"

    @classmethod
    def _build(cls, match: re.Match[str]) -> Self:
        days = match["days"]
        return cls(int(match["id"]), tuple(map(int, days.split(","))) if days else None)


# --------------------------------------------------------------------------- reminders


ReminderAction = Literal["snooze", "stop", "guide"]
SnoozeChoice = Literal["1h", "evening", "tomorrow", "3d", "back"]


@dataclass(frozen=True, slots=True)
class ReminderButton(CallbackData):
    """Under a reminder, besides Renewed: `card:<snooze|stop|guide>:<card id>`."""

    action: ReminderAction
    card_id: int
    _FORMAT = _compile(rf"card:(?P<action>\w+):(?P<id>{ID})")

    def pack(self) -> str:
        return f"card:{self.action}:{self.card_id}"

    @classmethod
    def _build(cls, match: re.Match[str]) -> Self:
        return cls(_one_of(match["action"], get_args(ReminderAction)), int(match["id"]))


@dataclass(frozen=True, slots=True)
class SnoozeButton(CallbackData):
    """Snooze until when: `card:sz:<choice>:<card id>` (back: the reminder's buttons)."""

    choice: SnoozeChoice
    card_id: int
    _FORMAT = _compile(rf"card:sz:(?P<choice>\w+):(?P<id>{ID})")

    def pack(self) -> str:
        return f"card:sz:{self.choice}:{self.card_id}"

    @classmethod
    def _build(cls, match: re.Match[str]) -> Self:
        return cls(_one_of(match["choice"], get_args(SnoozeChoice)), int(match["id"]))


# --------------------------------------------------------------------------- lists


@dataclass(frozen=True, slots=True)
class CardsPage(CallbackData):
    """`cards:page:<n>` of /cards."""

    page: int
    _FORMAT = _compile(r"cards:page:(?P<page>\d{1,4})")

    def pack(self) -> str:
        return f"cards:page:{self.page}"

    @classmethod
    def _build(cls, match: re.Match[str]) -> Self:
        return cls(int(match["page"]))


@dataclass(frozen=True, slots=True)
class FaqPage(CallbackData):
    """`faq:page:<n>` of a group's /faq list."""

    page: int
    _FORMAT = _compile(r"faq:page:(?P<page>\d{1,3})")

    def pack(self) -> str:
        return f"faq:page:{self.page}"

    @classmethod
    def _build(cls, match: re.Match[str]) -> Self:
        return cls(int(match["page"]))


# --------------------------------------------------------------------------- conversations


# Words after cf: that are steps of the card form, never field keys.
FormStepName = Literal["back", "save", "edit", "cancel"]
_FORM_WORDS = (*get_args(FormStepName), "pick", "past")
_FIELD_KEY = r"[a-z][a-z_]{0,19}"


@dataclass(frozen=True, slots=True)
class FormField(CallbackData):
    """A choice for one field of the card form: `cf:<field>:<value>`; without a value it
    skips the field. The field checks the value as it checks a typed answer."""

    key: str
    value: str | None = None
    _FORMAT = _compile(rf"cf:(?P<key>{_FIELD_KEY})(?::(?P<value>{_VALUE}{{1,40}}))?")

    def pack(self) -> str:
        return f"cf:{self.key}" if self.value is None else f"cf:{self.key}:{self.value}"

    @classmethod
    def _build(cls, match: re.Match[str]) -> Self:
        if match["key"] in _FORM_WORDS:
            raise ValueError(match["key"])
        return cls(match["key"], match["value"])


@dataclass(frozen=True, slots=True)
class FormStep(CallbackData):
    """The card form's summary and navigation: `cf:<back|save|edit|cancel>`."""

    step: FormStepName
    _FORMAT = _compile(r"cf:(?P<step>\w+)")

    def pack(self) -> str:
        return f"cf:{self.step}"

    @classmethod
    def _build(cls, match: re.Match[str]) -> Self:
        return cls(_one_of(match["step"], get_args(FormStepName)))


@dataclass(frozen=True, slots=True)
class FormPick(CallbackData):
    """Edit one field from the card form's summary: `cf:pick:<field>`."""

    key: str
    _FORMAT = _compile(rf"cf:pick:(?P<key>{_FIELD_KEY})")

    def pack(self) -> str:
        return f"cf:pick:{self.key}"

    @classmethod
    def _build(cls, match: re.Match[str]) -> Self:
        return cls(match["key"])


@dataclass(frozen=True, slots=True)
class FormConfirm(CallbackData):
    """Keep an answer the form was unsure of (a past expiry, a guessed date): `cf:past:yes|no`."""

    yes: bool
    _FORMAT = _compile(r"cf:past:(?P<answer>yes|no)")

    def pack(self) -> str:
        return f"cf:past:{'yes' if self.yes else 'no'}"

    @classmethod
    def _build(cls, match: re.Match[str]) -> Self:
        return cls(match["answer"] == "yes")


RenewStepName = Literal["retype", "amt", "skip", "done", "cancel"]


@dataclass(frozen=True, slots=True)
class RenewDate(CallbackData):
    """The renewal conversation's new expiry: `rn:date:<YYYY-MM-DD>`."""

    day: date
    _FORMAT = _compile(r"rn:date:(?P<day>\d{4}-\d{2}-\d{2})")

    def pack(self) -> str:
        return f"rn:date:{self.day.isoformat()}"

    @classmethod
    def _build(cls, match: re.Match[str]) -> Self:
        return cls(date.fromisoformat(match["day"]))  # ValueError for an impossible date


@dataclass(frozen=True, slots=True)
class RenewStep(CallbackData):
    """The renewal conversation's other buttons: `rn:<retype|amt|skip|done|cancel>`."""

    step: RenewStepName
    _FORMAT = _compile(r"rn:(?P<step>\w+)")

    def pack(self) -> str:
        return f"rn:{self.step}"

    @classmethod
    def _build(cls, match: re.Match[str]) -> Self:
        return cls(_one_of(match["step"], get_args(RenewStepName)))


@dataclass(frozen=True, slots=True)
class RenewChannel(CallbackData):
    """Where the renewal was paid: `rn:ch:<channel>`."""

    channel: Channel
    _FORMAT = _compile(r"rn:ch:(?P<channel>\w+)")

    def pack(self) -> str:
        return f"rn:ch:{self.channel.value}"

    @classmethod
    def _build(cls, match: re.Match[str]) -> Self:
        return cls(Channel(match["channel"]))


@dataclass(frozen=True, slots=True)
class ForgetConfirm(CallbackData):
    """/forget's confirmation: `forget:yes|no`."""

    yes: bool
    _FORMAT = _compile(r"forget:(?P<answer>yes|no)")

    def pack(self) -> str:
        return f"forget:{'yes' if self.yes else 'no'}"

    @classmethod
    def _build(cls, match: re.Match[str]) -> Self:
        return cls(match["answer"] == "yes")


# --------------------------------------------------------------------------- chat settings


Language = Literal["zh", "en"]  # bot.i18n.LANGUAGES


@dataclass(frozen=True, slots=True)
class LanguageChoice(CallbackData):
    """/language's buttons: `lang:<zh|en>`."""

    language: Language
    _FORMAT = _compile(r"lang:(?P<language>\w+)")

    def pack(self) -> str:
        return f"lang:{self.language}"

    @classmethod
    def _build(cls, match: re.Match[str]) -> Self:
        return cls(_one_of(match["language"], get_args(Language)))


@dataclass(frozen=True, slots=True)
class ChatPreset(CallbackData):
    """`<PREFIX>:<value>`: a preset of one chat setting. The handler checks the value as it
    checks a typed one."""

    value: str
    PREFIX: ClassVar[str]

    def pack(self) -> str:
        return f"{self.PREFIX}:{self.value}"

    @classmethod
    def _build(cls, match: re.Match[str]) -> Self:
        return cls(match["value"])


@dataclass(frozen=True, slots=True)
class TimezoneChoice(ChatPreset):
    """/timezone's presets: `tz:<Area/City>`."""

    PREFIX = "tz"
    _FORMAT = _compile(rf"tz:(?P<value>{_VALUE}{{1,50}})")


@dataclass(frozen=True, slots=True)
class RemindAtChoice(ChatPreset):
    """/remindat's presets: `at:<HH:MM>`."""

    PREFIX = "at"
    _FORMAT = _compile(r"at:(?P<value>\d{1,2}:\d{2})")


GroupPageName = Literal["menu", "lang", "tz", "at", "lead"]
GroupSettingName = Literal["lang", "tz", "at", "lead", "rem", "topic"]


@dataclass(frozen=True, slots=True)
class GroupPage(CallbackData):
    """/settings opens a page: `gs:<menu|lang|tz|at|lead>`."""

    page: GroupPageName
    _FORMAT = _compile(r"gs:(?P<page>\w+)")

    def pack(self) -> str:
        return f"gs:{self.page}"

    @classmethod
    def _build(cls, match: re.Match[str]) -> Self:
        return cls(_one_of(match["page"], get_args(GroupPageName)))


@dataclass(frozen=True, slots=True)
class GroupSetting(CallbackData):
    """/settings saves a value: `gs:<setting>:<value>`. The handler checks the value as it
    checks a typed one."""

    setting: GroupSettingName
    value: str
    _FORMAT = _compile(r"gs:(?P<setting>\w+):(?P<value>[!-~]{1,50})")

    def pack(self) -> str:
        return f"gs:{self.setting}:{self.value}"

    @classmethod
    def _build(cls, match: re.Match[str]) -> Self:
        return cls(_one_of(match["setting"], get_args(GroupSettingName)), match["value"])


# --------------------------------------------------------------------------- the guide


GuideTarget = Literal["home", "none", "sec", "e", "c"]
GUIDE_LANGUAGES = (*LANGUAGES, *TRADITIONAL_TAGS)
_GUIDE_TAGS = "|".join(sorted(GUIDE_LANGUAGES, key=len, reverse=True))


@dataclass(frozen=True, slots=True)
class GuideButton(CallbackData):
    """A page of the renewal guide: `kb:home`, `kb:none` ("none of these"),
    `kb:sec:<section>[:<page>]`, `kb:e:<entry id>` (built in) or `kb:c:<FAQ row id>` (a
    group's own); `kb.<language>:…` when the page is not in the chat's language."""

    target: GuideTarget
    key: str = ""  # the section (sec) or the entry (e)
    number: int = 0  # the section's page (sec) or the FAQ row (c)
    lang: str | None = None
    _FORMAT = _compile(
        rf"kb(?:\.(?P<lang>{_GUIDE_TAGS}))?:(?:(?P<home>home|none)"
        rf"|sec:(?P<section>[a-z_]{{1,20}})(?::(?P<page>\d{{1,2}}))?"
        rf"|e:(?P<entry>[a-z][a-z0-9_]{{1,39}})|c:(?P<row>{ID}))"
    )

    def pack(self) -> str:
        head = "kb" if self.lang is None else f"kb.{self.lang}"
        if self.target == "sec":
            rest = f"sec:{self.key}" + (f":{self.number}" if self.number else "")
        elif self.target == "e":
            rest = f"e:{self.key}"
        elif self.target == "c":
            rest = f"c:{self.number}"
        else:
            rest = self.target
        return f"{head}:{rest}"

    @classmethod
    def outdated(cls, data: object) -> bool:
        """Data under kb: that is no guide button (forged, or a page that is gone): the guide
        answers it with its own hint rather than as an unknown button."""
        return isinstance(data, str) and data.startswith(("kb:", "kb.")) and not cls.pattern(data)

    @classmethod
    def _build(cls, match: re.Match[str]) -> Self:
        lang = match["lang"]
        if match["home"]:
            return cls(_one_of(match["home"], ("home", "none")), lang=lang)
        if match["section"]:
            return cls("sec", match["section"], int(match["page"] or 0), lang)
        if match["entry"]:
            return cls("e", match["entry"], lang=lang)
        return cls("c", number=int(match["row"]), lang=lang)


# --------------------------------------------------------------------------- owner


BroadcastAction = Literal["send", "cancel"]


@dataclass(frozen=True, slots=True)
class BroadcastButton(CallbackData):
    """Confirm or cancel a previewed broadcast: `bc:<send|cancel>:<broadcast id>`."""

    action: BroadcastAction
    broadcast_id: int
    _FORMAT = _compile(rf"bc:(?P<action>\w+):(?P<id>{ID})")

    def pack(self) -> str:
        return f"bc:{self.action}:{self.broadcast_id}"

    @classmethod
    def _build(cls, match: re.Match[str]) -> Self:
        return cls(_one_of(match["action"], get_args(BroadcastAction)), int(match["id"]))


# Every kind (tests/test_callbacks.py holds each to the rules above).
KINDS: tuple[type[CallbackData], ...] = (
    MenuButton, ViewCard, EditCard, RenewedCard, DeleteCard, ConfirmDelete, CardHistory,
    CardReminders, MuteCard, UnmuteCard, Receipt, CardLeadDays, ReminderButton, SnoozeButton,
    CardsPage, FaqPage, FormField, FormStep, FormPick, FormConfirm, RenewDate, RenewStep,
    RenewChannel, ForgetConfirm, LanguageChoice, TimezoneChoice, RemindAtChoice, GroupPage,
    GroupSetting, GuideButton, BroadcastButton,
)  # fmt: skip
