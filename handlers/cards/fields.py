"""Every field of a card in one registry: how it is asked, read, offered as buttons and shown.

/addcard walks the registry in order, the Edit buttons and /editcard ask single fields, and the
card view shows a saved card through the same `show` functions, so each field is described once.
Values are JSON-friendly because drafts live in the persisted user_data: dates are ISO strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Any

from bot.domain.carriers import carrier_name
from bot.domain.dates import (
    MAX_DATE,
    MIN_DATE,
    MONTH_NAMES,
    DateParseError,
    apply_quick,
    format_date,
    spelled_date,
)
from bot.domain.dates import normalise as normalise_text
from bot.domain.dates import read_date as read_typed_date
from bot.domain.parsing import (
    MAX_CYCLE_DAYS,
    MAX_LEAD_DAY,
    MAX_LEAD_VALUES,
    MAX_MAJOR,
    InputError,
    format_lead_days,
    format_money,
    parse_card_number_tail,
    parse_cycle,
    parse_lead_days,
    parse_price,
)
from bot.domain.preferences import join_days, split_days
from bot.i18n import N_, Translator
from bot.knowledge.carriers import CARRIERS, carrier_by_code, find_carrier
from bot.knowledge.normalize import alternatives
from storage.models import Card, CardKind, Cycle, RenewFrom

Values = dict[str, Any]
Button = tuple[str, str]  # (label, value carried in the callback data)

MAX_LABEL = 64
MAX_CARRIER = 64
MAX_PLAN = 128

# The card columns a draft carries, and what a column the conversation never asked defaults to.
COLUMNS = (
    "label", "carrier", "kind", "number_tail", "plan", "price", "currency", "expires_on",
    "cycle", "cycle_days", "renew_from", "lead_days",
)  # fmt: skip
_DEFAULTS: Values = {"kind": CardKind.SIM.value, "cycle": Cycle.NONE.value,
                     "renew_from": RenewFrom.EXPIRY.value}

KIND_NAMES = {
    CardKind.SIM: N_("SIM card"),
    CardKind.DATA: N_("Data card"),
    CardKind.ESIM: N_("eSIM"),
    CardKind.OTHER: N_("Other"),
}
_KIND_WORDS: dict[str, str] = {
    # A prepaid (预付卡, 储值卡) is a SIM in the Philippines and Hong Kong, as a 手机号 is.
    **dict.fromkeys(("sim", "sim card", "sim卡", "手机卡", "电话卡", "號碼卡", "号码卡", "prepaid",
                     "postpaid", "预付卡", "储值卡", "手机号"), "sim"),
    **dict.fromkeys(("data", "data card", "data sim", "流量卡", "数据卡", "上网卡"), "data"),
    **dict.fromkeys(("esim", "e-sim", "travel esim"), "esim"),
    **dict.fromkeys(("other", "其他", "其它"), "other"),
}
# Words that name a type inside a sentence ("other" or a bare "data" would not).
_KIND_IN_SENTENCE = {
    normalise_text(word): kind
    for word, kind in _KIND_WORDS.items()
    if kind != "other" and word != "data"
}
_KIND_NAMED = re.compile(alternatives(_KIND_IN_SENTENCE))
# eSIM providers only sell eSIMs.
_ESIM_CARRIERS = frozenset({"airalo", "holafly", "nomad"})


def kind_named(text: str, carrier: str | None = None) -> Values:
    """The card type a sentence names ("my data card", "移动流量卡", an Airalo plan), if any."""
    named = {_KIND_IN_SENTENCE[word] for word in _KIND_NAMED.findall(normalise_text(text))}
    if carrier in _ESIM_CARRIERS:
        named.add(CardKind.ESIM.value)
    # The specific word wins over the general one: a "prepaid data card" is a data card.
    for kind in (CardKind.ESIM.value, CardKind.DATA.value, CardKind.SIM.value):
        if kind in named:
            return {"kind": kind}
    return {}


CYCLE_NAMES = {
    Cycle.NONE: N_("No fixed cycle"),
    Cycle.MONTHLY: N_("Monthly"),
    Cycle.QUARTERLY: N_("Quarterly"),
    Cycle.YEARLY: N_("Yearly"),
    Cycle.DAYS: N_("Every N days"),
}
RENEW_FROM_NAMES = {
    RenewFrom.EXPIRY: N_("From the old expiry"),
    RenewFrom.RENEWAL_DAY: N_("From the day I renew"),
}
QUICK_DATES = {"+7d": N_("+7 days"), "+30d": N_("+30 days"), "+90d": N_("+90 days"),
                "+1y": N_("+1 year")}
_CYCLE_DAY_CHOICES = (7, 28, 30, 90, 180, 365)
_LEAD_DAY_CHOICES = ("7,3,1,0", "3,1,0", "1,0", "14,7,3,1", "30,7,1")


class FieldError(ValueError):
    """Input a field cannot use. `message` is an English msgid, shown translated with `params`
    (which the raiser has already HTML-escaped)."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params

    def text(self, _: Translator) -> str:
        return _(self.message).format(**self.params)


class GuessedAnswer(FieldError):
    """Typed text that was only partly understood: `values` is what saving the guess would
    store. A conversation asks "Did you mean …?"; a CSV row, where nobody can answer, is
    refused with the same words."""

    def __init__(self, message: str, values: Values, **params: object) -> None:
        super().__init__(message, **params)
        self.values = values


class UnsureAnswer(GuessedAnswer):
    """A date that is only a guess: `day`; the field sets `values` from it."""

    def __init__(self, day: date, text: str, lang: str) -> None:
        super().__init__(
            N_("I'm not sure I understood “{text}”. Did you mean {date}?"), {},
            text=escape(_clean(text)), date=spelled_date(day, lang),
        )
        self.day = day


@dataclass(frozen=True)
class FieldContext:
    """What parsing and showing depend on besides the input: the chat's language and today."""

    _: Translator
    lang: str
    today: date  # in the chat's time zone
    currency: str  # what a bare number is priced in
    chat_lead_days: tuple[int, ...]


Parser = Callable[[str, FieldContext], Values]


@dataclass(frozen=True)
class CardField:
    key: str  # conversation state and callback data
    name: str  # msgid
    prompt: str  # msgid; may use {currency} and {days} (the chat's lead days)
    owns: tuple[str, ...]  # the card columns it sets
    parse: Parser  # typed text -> values; raises FieldError
    show: Callable[[Values, FieldContext], str | None]  # plain text (escape it), None if unset
    buttons: Callable[[FieldContext], list[Button]] = lambda ctx: []
    choose: Parser | None = None  # a button's value -> values; None: parse it like typed text
    optional: bool = False
    applies: Callable[[Values], bool] = lambda values: True
    confirm: Callable[[Values, FieldContext], str | None] = lambda values, ctx: None
    columns: int = 2  # buttons per row
    listed: bool = True  # in the summary and the Edit picker (else shown through another field)

    def prompt_text(self, ctx: FieldContext) -> str:
        return ctx._(self.prompt).format(
            currency=ctx.currency, days=format_lead_days(ctx.chat_lead_days)
        )

    def missing(self, values: Values) -> bool:
        return not self.optional and any(values.get(column) is None for column in self.owns)

    def cleared(self) -> Values:
        """The values of a skipped (or emptied) optional field."""
        return dict.fromkeys(self.owns)

    def pick(self, value: str, ctx: FieldContext) -> Values:
        return (self.choose or self.parse)(value, ctx)


# --------------------------------------------------------------------------- shared helpers


def expiry_of(values: Values) -> date | None:
    iso = values.get("expires_on")
    return date.fromisoformat(iso) if iso else None


def due_text(days_left: int, _: Translator) -> str:
    if days_left < -1:
        return _("expired {days} days ago").format(days=-days_left)
    if days_left == -1:
        return _("expired yesterday")
    if days_left == 0:
        return _("expires today")
    if days_left == 1:
        return _("expires tomorrow")
    return _("in {days} days").format(days=days_left)


def cycle_text(values: Values, _: Translator) -> str | None:
    cycle = values.get("cycle")
    if cycle is None:
        return None
    if cycle == Cycle.DAYS:
        days = values.get("cycle_days")
        if not days:
            return _(CYCLE_NAMES[Cycle.DAYS])
        return _.ngettext("Every {days} day", "Every {days} days", days).format(days=days)
    return _(CYCLE_NAMES[Cycle(cycle)])


def _clean(text: str) -> str:
    return " ".join(text.split())


def _short_text(key: str, most: int, empty: str) -> Parser:
    """A free-text field: whitespace collapsed, at most `most` characters."""

    def parse(text: str, ctx: FieldContext) -> Values:
        cleaned = _clean(text)
        if not cleaned:
            raise FieldError(empty)
        if len(cleaned) > most:
            raise FieldError(
                N_("That is {length} characters long; please keep it to {max}."),
                length=len(cleaned), max=most,
            )
        return {key: cleaned}

    return parse


def _column(name: str) -> Callable[[Values, FieldContext], str | None]:
    return lambda values, ctx: values.get(name)


def _unknown_button(value: str, ctx: FieldContext) -> Values:
    raise FieldError(N_("That button has expired."))


# --------------------------------------------------------------------------- carrier, kind


def _parse_carrier(text: str, ctx: FieldContext) -> Values:
    typed = _short_text("carrier", MAX_CARRIER, N_("Please type the carrier's name."))(text, ctx)
    known = find_carrier(typed["carrier"])
    return {"carrier": known.code if known else typed["carrier"]}


def _choose_carrier(code: str, ctx: FieldContext) -> Values:
    return {"carrier": code} if carrier_by_code(code) else _unknown_button(code, ctx)


_KIND_PHRASE_CHARS = 16
_ASKING = re.compile(r"[?？吗么]")


def _parse_kind(text: str, ctx: FieldContext) -> Values:
    kind = _KIND_WORDS.get(normalise_text(text))
    if kind is not None:
        return {"kind": kind}
    # A short phrase naming a type ("移动的流量卡", "it's a data sim"); a question typed here
    # ("how do I top up my smart sim?") is not an answer.
    named = kind_named(text) if len(text) <= _KIND_PHRASE_CHARS and not _ASKING.search(text) else {}
    if not named:
        raise FieldError(N_("Please pick the type with the buttons."))
    return named


def _choose_kind(value: str, ctx: FieldContext) -> Values:
    return {"kind": value} if value in set(CardKind) else _unknown_button(value, ctx)


# --------------------------------------------------------------------------- number, price


def _parse_number(text: str, ctx: FieldContext) -> Values:
    try:
        return {"number_tail": parse_card_number_tail(text)}
    except InputError as error:
        if error.code == "too_short":
            raise FieldError(N_("Please type at least the last 4 digits.")) from None
        raise FieldError(
            N_("Please type only digits (spaces, dashes and + are fine).")
        ) from None


_PRICE_ERRORS = {
    "zero": N_("The price must be more than zero."),
    "negative": N_("The price must be more than zero."),
    "too_many_decimals": N_("Please use at most two decimals."),
    "currency_conflict": N_("That has two different currencies; please write just one."),
    "too_large": N_("That is more than {max}; please check the amount."),
    "unknown_currency": N_(
        "I don't know the currency “{currency}”. Write it like 30, ¥30, ₱99, HK$50 or US$5."
    ),
}


def parse_money(text: str, currency: str) -> tuple[int, str]:
    """(minor units, currency) of a typed price; FieldError explains what is wrong."""
    try:
        money = parse_price(text, currency)
    except InputError as error:
        message = _PRICE_ERRORS.get(
            error.code, N_("Please write the price like 30, ¥30, ₱99, HK$50 or US$5.")
        )
        raise FieldError(
            message, max=f"{MAX_MAJOR:,}", currency=escape(str(error.params.get("currency", "")))
        ) from None
    return money.amount_minor, money.currency


def _parse_price(text: str, ctx: FieldContext) -> Values:
    amount, currency = parse_money(text, ctx.currency)
    return {"price": amount, "currency": currency}


def _show_price(values: Values, ctx: FieldContext) -> str | None:
    if values.get("price") is None:
        return None
    return format_money(values["price"], values["currency"])


# --------------------------------------------------------------------------- dates


def _month_name(year: int | None, month: int, lang: str) -> str:
    if lang.startswith("zh"):
        return f"{year}年{month}月" if year else f"{month}月"
    return f"{MONTH_NAMES[month]} {year}" if year else MONTH_NAMES[month]


def date_error(error: DateParseError, text: str, lang: str) -> FieldError:
    """A friendly explanation of a date that could not be used."""
    typed, params = escape(_clean(text)), error.params
    if error.reason == "impossible" and "max_day" in params:
        month = _month_name(params.get("year"), params["month"], lang)
        return FieldError(
            N_("“{text}” is not a real date: {month} has only {days} days. Please try again."),
            text=typed, month=month, days=params["max_day"],
        )
    if error.reason == "impossible":
        return FieldError(
            N_("“{text}” is not a real date; please check the month and the day."), text=typed
        )
    if error.reason == "out_of_range":
        return FieldError(
            N_("Please give a date between {first} and {last}."),
            first=MIN_DATE.year, last=MAX_DATE.year,
        )
    return FieldError(
        N_("I couldn't read “{text}” as a date. Try 2026-12-31, 12/31, 12月31日, tomorrow or "
           "in 30 days."),
        text=typed,
    )


def read_date(text: str, ctx: FieldContext) -> date:
    """The typed date; UnsureAnswer when it is only a guess, FieldError when there is none."""
    try:
        reading = read_typed_date(text, ctx.today)
    except DateParseError as error:
        raise date_error(error, text, ctx.lang) from None
    if not reading.sure:
        raise UnsureAnswer(reading.day, text, ctx.lang)
    return reading.day


def show_date(day: date, ctx: FieldContext) -> str:
    return ctx._("{date} ({due})").format(  # Chinese puts full-width parentheses
        date=format_date(day, ctx.lang), due=due_text((day - ctx.today).days, ctx._)
    )


def _parse_expiry(text: str, ctx: FieldContext) -> Values:
    try:
        return {"expires_on": read_date(text, ctx).isoformat()}
    except UnsureAnswer as unsure:
        unsure.values = {"expires_on": unsure.day.isoformat()}
        raise


def _choose_expiry(code: str, ctx: FieldContext) -> Values:
    try:
        return {"expires_on": apply_quick(code, ctx.today).isoformat()}
    except ValueError:
        return _unknown_button(code, ctx)


def _show_expiry(values: Values, ctx: FieldContext) -> str | None:
    day = expiry_of(values)
    return show_date(day, ctx) if day else None


def _confirm_expiry(values: Values, ctx: FieldContext) -> str | None:
    day = expiry_of(values)
    if day is None or day >= ctx.today:
        return None
    return ctx._("{date} is in the past ({ago}). Keep it anyway?").format(
        date=format_date(day, ctx.lang), ago=due_text((day - ctx.today).days, ctx._)
    )


# --------------------------------------------------------------------------- cycle


def _parse_cycle(text: str, ctx: FieldContext) -> Values:
    try:
        cycle, days = parse_cycle(text)
    except InputError as error:
        number = normalise_text(text)
        if number.isdigit() and 1 <= int(number) <= MAX_CYCLE_DAYS:
            # "30" typed where a cycle is asked: most likely days, but "1" or "12" may
            # mean months, so saving it takes a Yes.
            raise GuessedAnswer(
                N_("Did you mean every {days} days?"),
                {"cycle": Cycle.DAYS, "cycle_days": int(number)}, days=int(number),
            ) from None
        if error.code == "out_of_range":
            raise FieldError(
                N_("Every N days works for 1 to {max} days."), max=MAX_CYCLE_DAYS
            ) from None
        if error.code == "unsupported":
            raise FieldError(
                N_("I can count monthly, quarterly, yearly or every N days.")
            ) from None
        raise FieldError(
            N_("Please pick a cycle, or type something like “monthly” or “every 30 days”.")
        ) from None
    return {"cycle": cycle, "cycle_days": days}


def _choose_cycle(value: str, ctx: FieldContext) -> Values:
    # "Every N days" leaves cycle_days empty, so its own question comes next.
    return {"cycle": value, "cycle_days": None} if value in set(Cycle) else _unknown_button(
        value, ctx
    )


def _parse_cycle_days(text: str, ctx: FieldContext) -> Values:
    cleaned = normalise_text(text)
    days_only = FieldError(N_("Please type a number of days, for example 30."))
    try:
        parsed = _parse_cycle(f"{cleaned} days" if cleaned.isdigit() else cleaned, ctx)
    except FieldError as error:
        raise error if "{max}" in error.message else days_only from None
    if parsed["cycle"] != Cycle.DAYS:
        raise days_only
    return {"cycle_days": parsed["cycle_days"]}


def _choose_renew_from(value: str, ctx: FieldContext) -> Values:
    return {"renew_from": value} if value in set(RenewFrom) else _unknown_button(value, ctx)


def _buttons_only(text: str, ctx: FieldContext) -> Values:
    raise FieldError(N_("Please pick one of the buttons."))


# --------------------------------------------------------------------------- lead days


def _parse_lead_days(text: str, ctx: FieldContext) -> Values:
    try:
        return {"lead_days": join_days(parse_lead_days(text))}
    except InputError as error:
        if error.code == "out_of_range":
            raise FieldError(
                N_("Each number must be between 0 and {max}."), max=MAX_LEAD_DAY
            ) from None
        if error.code == "too_many":
            raise FieldError(
                N_("Please give at most {max} numbers."), max=MAX_LEAD_VALUES
            ) from None
        raise FieldError(N_("Please type days like 7,3,1,0.")) from None


def _show_lead_days(values: Values, ctx: FieldContext) -> str:
    stored = values.get("lead_days")
    if stored:
        return ctx._("{days} days before").format(days=format_lead_days(split_days(stored)))
    return ctx._("{days} days before (this chat's default)").format(
        days=format_lead_days(ctx.chat_lead_days)
    )


# --------------------------------------------------------------------------- the registry

LABEL = CardField(
    key="label",
    name=N_("Name"),
    prompt=N_("What should I call this card? For example “Work SIM” or “Travel eSIM”."),
    owns=("label",),
    parse=_short_text("label", MAX_LABEL, N_("Please type a name for the card.")),
    show=_column("label"),
)
CARRIER = CardField(
    key="carrier",
    name=N_("Carrier"),
    prompt=N_("Which carrier is it? Pick one or type its name."),
    owns=("carrier",),
    parse=_parse_carrier,
    choose=_choose_carrier,
    show=lambda values, ctx: carrier_name(values.get("carrier"), ctx.lang),
    buttons=lambda ctx: [(carrier.name(ctx.lang), carrier.code) for carrier in CARRIERS],
    optional=True,
    columns=3,
)
KIND = CardField(
    key="kind",
    name=N_("Type"),
    prompt=N_("What type of card is it?"),
    owns=("kind",),
    parse=_parse_kind,
    choose=_choose_kind,
    show=lambda values, ctx: (
        ctx._(KIND_NAMES[CardKind(values["kind"])]) if values.get("kind") else None
    ),
    buttons=lambda ctx: [(ctx._(name), kind.value) for kind, name in KIND_NAMES.items()],
)
NUMBER = CardField(
    key="number",
    name=N_("Number"),
    prompt=N_("What is its phone number or ICCID? I keep only the last 4 digits, so you can "
              "also type just those."),
    owns=("number_tail",),
    parse=_parse_number,
    show=lambda values, ctx: f"···{values['number_tail']}" if values.get("number_tail") else None,
    optional=True,
)
PLAN = CardField(
    key="plan",
    name=N_("Plan"),
    prompt=N_("Which plan is on it? For example “30 GB a month” or “unlimited calls”."),
    owns=("plan",),
    parse=_short_text("plan", MAX_PLAN, N_("Please type the plan.")),
    show=_column("plan"),
    optional=True,
)
PRICE = CardField(
    key="price",
    name=N_("Price"),
    prompt=N_("How much does one renewal cost? For example 30, ¥30, ₱99, HK$50 or US$5 "
              "(a bare number is in {currency})."),
    owns=("price", "currency"),
    parse=_parse_price,
    show=_show_price,
    optional=True,
)
EXPIRY = CardField(
    key="expiry",
    name=N_("Expires"),
    prompt=N_("When does it expire? Type a date (2026-12-31, 12/31, 12月31日, tomorrow, "
              "in 30 days…) or pick one:"),
    owns=("expires_on",),
    parse=_parse_expiry,
    choose=_choose_expiry,
    show=_show_expiry,
    buttons=lambda ctx: [(ctx._(label), code) for code, label in QUICK_DATES.items()],
    confirm=_confirm_expiry,
    columns=4,
)
CYCLE = CardField(
    key="cycle",
    name=N_("Renewal cycle"),
    prompt=N_("How often is it renewed? Pick one or type it (“monthly”, “every 30 days”)."),
    owns=("cycle",),
    parse=_parse_cycle,
    choose=_choose_cycle,
    show=lambda values, ctx: cycle_text(values, ctx._),
    buttons=lambda ctx: [(ctx._(name), cycle.value) for cycle, name in CYCLE_NAMES.items()],
)
CYCLE_DAYS = CardField(
    key="cycle_days",
    name=N_("Renewal cycle"),
    prompt=N_("Every how many days? Type a number or pick one:"),
    owns=("cycle_days",),
    parse=_parse_cycle_days,
    show=lambda values, ctx: cycle_text(values, ctx._),
    buttons=lambda ctx: [
        (ctx._("{days} days").format(days=days), str(days)) for days in _CYCLE_DAY_CHOICES
    ],
    applies=lambda values: values.get("cycle") == Cycle.DAYS,
    columns=3,
    listed=False,
)
RENEW_FROM = CardField(
    key="renew_from",
    name=N_("Next period counts"),
    prompt=N_("When you renew, does the new period count from the old expiry date or from the "
              "day you pay?"),
    owns=("renew_from",),
    parse=_buttons_only,
    choose=_choose_renew_from,
    show=lambda values, ctx: (
        ctx._(RENEW_FROM_NAMES[RenewFrom(values["renew_from"])])
        if values.get("renew_from") else None
    ),
    buttons=lambda ctx: [(ctx._(name), value.value) for value, name in RENEW_FROM_NAMES.items()],
    applies=lambda values: values.get("cycle") not in (None, Cycle.NONE),
    columns=1,
)
LEAD_DAYS = CardField(
    key="lead_days",
    name=N_("Reminders"),
    prompt=N_("How many days before the expiry should I remind you? Type numbers like 7,3,1,0 "
              "or pick a set. Skip to use this chat's default ({days})."),
    owns=("lead_days",),
    parse=_parse_lead_days,
    show=_show_lead_days,
    buttons=lambda ctx: [
        (format_lead_days(split_days(days)), days) for days in _LEAD_DAY_CHOICES
    ],
    optional=True,
    columns=3,
)

FIELDS: tuple[CardField, ...] = (
    LABEL, CARRIER, KIND, NUMBER, PLAN, PRICE, EXPIRY, CYCLE, CYCLE_DAYS, RENEW_FROM, LEAD_DAYS,
)
BY_KEY = {field.key: field for field in FIELDS}


def next_field(
    after: str | None, values: Values, *, only_missing: bool, answered: Iterable[str] = (),
    wanted: Iterable[str] = (),
) -> CardField | None:
    """The field to ask after `after` (None: from the start). Editing a single field asks only
    what that change left missing (e.g. the number of days after choosing "every N days"),
    and the optional fields still `wanted`. Fields whose columns the last answer already
    `answered` are not asked: "every 28 days" typed at the cycle question also sets the number
    of days."""
    start = 0 if after is None else FIELDS.index(BY_KEY[after]) + 1
    done, asked_for = set(answered), set(wanted)
    for field in FIELDS[start:]:
        if set(field.owns) <= done and not field.missing(values):
            continue
        missing = field.missing(values) or field.key in asked_for
        if field.applies(values) and (missing or not only_missing):
            return field
    return None


def labelled(label: str, value: str, _: Translator, *, bold: bool = False) -> str:
    """"Label: value" with the language's colon (Chinese uses the full-width "："); both parts
    are already escaped."""
    if bold:
        return _("<b>{label}:</b> {value}").format(label=label, value=value)
    return _("{label}: {value}").format(label=label, value=value)


def field_line(field: CardField, values: Values, ctx: FieldContext, *, bold: bool = True) -> str:
    """"<b>Name:</b> value", the value escaped ("—" when unset)."""
    shown = field.show(values, ctx)
    return labelled(ctx._(field.name), escape(shown) if shown else "—", ctx._, bold=bold)


def describe(values: Values, ctx: FieldContext, *, only_set: bool = False) -> list[str]:
    """One line per listed field that applies (`only_set`: that has a value)."""
    return [
        field_line(f, values, ctx)
        for f in FIELDS
        if f.listed
        and f.applies(values)
        and not (only_set and all(values.get(column) is None for column in f.owns))
    ]


def values_of(card: Card) -> Values:
    values = {column: getattr(card, column) for column in COLUMNS}
    values["expires_on"] = card.expires_on.isoformat()
    return values


def columns_of(values: Values) -> Values:
    """Card column values from a finished draft (a missing column gets its default)."""
    columns = {column: values.get(column, _DEFAULTS.get(column)) for column in COLUMNS}
    columns["expires_on"] = date.fromisoformat(values["expires_on"])
    return columns
