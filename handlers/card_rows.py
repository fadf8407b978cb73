"""/import's validation: every CSV value goes through the same field parsers as /addcard
(handlers/cards/fields.py), so a file accepts what the conversation accepts and explains a bad
value the same way. Rows become card column values; nothing is written here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.exchange.csvfile import CsvRow
from bot.i18n import Translator
from bot.knowledge.carriers import carrier_by_code
from handlers.cards.common import parse_id
from handlers.cards.fields import (
    CARRIER,
    CYCLE,
    CYCLE_DAYS,
    EXPIRY,
    KIND,
    LABEL,
    LEAD_DAYS,
    NUMBER,
    PLAN,
    PRICE,
    FieldContext,
    FieldError,
    Values,
    columns_of,
    values_of,
)
from storage.models import Card, CardKind, Cycle, RenewFrom

ColumnParser = Callable[[CsvRow, FieldContext], Values]


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    problem: str  # translated and HTML-safe

    def text(self, _: Translator) -> str:
        return _("Row {row}, {column}: {problem}").format(
            row=self.row, column=self.column, problem=self.problem
        )


@dataclass(frozen=True)
class CardRow:
    card: Card | None  # the chat's card this row updates; None adds a card
    columns: dict[str, Any]  # card column values


class _BadValue(Exception):
    def __init__(self, column: str, problem: str) -> None:
        super().__init__(problem)
        self.column = column
        self.problem = problem


def _choice(column: str, allowed: tuple[str, ...], _: Translator) -> _BadValue:
    return _BadValue(column, _("use one of: {values}").format(values=", ".join(allowed)))


def _text(row: CsvRow, column: str) -> str:
    return row.values.get(column, "")


def _kind(row: CsvRow, ctx: FieldContext) -> Values:
    text = _text(row, "kind")
    if not text:
        return {"kind": CardKind.SIM.value}
    try:
        return KIND.parse(text, ctx)
    except FieldError:
        raise _choice("kind", tuple(CardKind), ctx._) from None


def _carrier(row: CsvRow, ctx: FieldContext) -> Values:
    text = _text(row, "carrier")
    # Exports write carrier codes; people write names, which the field's parser matches.
    if not text or carrier_by_code(text):
        return {"carrier": text or None}
    return CARRIER.parse(text, ctx)


def _price(row: CsvRow, ctx: FieldContext) -> Values:
    price = _text(row, "price")
    if not price:
        return PRICE.cleared()
    return PRICE.parse(f"{price} {_text(row, 'currency')}".strip(), ctx)


def _cycle(row: CsvRow, ctx: FieldContext) -> Values:
    text = _text(row, "cycle")
    if not text:
        return {"cycle": Cycle.NONE.value, "cycle_days": None}
    if text.lower() == Cycle.DAYS.value:
        try:
            return {"cycle": Cycle.DAYS.value, **CYCLE_DAYS.parse(_text(row, "cycle_days"), ctx)}
        except FieldError as error:
            raise _BadValue("cycle_days", error.text(ctx._)) from None
    return CYCLE.parse(text, ctx)


def _renew_from(row: CsvRow, ctx: FieldContext) -> Values:
    text = _text(row, "renew_from").lower()
    if not text:
        return {"renew_from": RenewFrom.EXPIRY.value}
    if text not in set(RenewFrom):
        raise _choice("renew_from", tuple(RenewFrom), ctx._)
    return {"renew_from": text}


def _optional(parse: Callable[[str, FieldContext], Values], column: str,
              cleared: Values) -> ColumnParser:
    def read(row: CsvRow, ctx: FieldContext) -> Values:
        text = _text(row, column)
        return parse(text, ctx) if text else cleared

    return read


def _required(parse: Callable[[str, FieldContext], Values], column: str) -> ColumnParser:
    return lambda row, ctx: parse(_text(row, column), ctx)


# Header column -> how it is read. A column missing from the header leaves the value alone
# (an update keeps it, a new card gets the default); cycle_days and currency are read with
# cycle and price.
_PARSERS: dict[str, ColumnParser] = {
    "label": _required(LABEL.parse, "label"),
    "carrier": _carrier,
    "kind": _kind,
    "number_tail": _optional(NUMBER.parse, "number_tail", NUMBER.cleared()),
    "plan": _optional(PLAN.parse, "plan", PLAN.cleared()),
    "price": _price,
    "expires_on": _required(EXPIRY.parse, "expires_on"),
    "cycle": _cycle,
    "renew_from": _renew_from,
    "lead_days": _optional(LEAD_DAYS.parse, "lead_days", LEAD_DAYS.cleared()),
}


def _read_row(row: CsvRow, ctx: FieldContext) -> tuple[Values, list[RowError]]:
    values: Values = {}
    errors: list[RowError] = []
    for column, parse in _PARSERS.items():
        if column not in row.values:
            continue
        try:
            values.update(parse(row, ctx))
        except FieldError as error:
            errors.append(RowError(row.number, column, error.text(ctx._)))
        except _BadValue as error:
            errors.append(RowError(row.number, error.column, error.problem))
    return values, errors


def validate(
    rows: list[CsvRow], ctx: FieldContext, cards: dict[int, Card]
) -> tuple[list[CardRow], list[RowError]]:
    """Every row checked; the card rows are only usable when the error list is empty.

    `cards` are the chat's cards by id: a row with the number of one of them updates it.
    """
    result: list[CardRow] = []
    errors: list[RowError] = []
    seen: set[int] = set()
    numbered = {card.number: card for card in cards.values()}
    for row in rows:
        number = parse_id(_text(row, "number")) if _text(row, "number") else None
        if _text(row, "number") and number is None:
            errors.append(RowError(row.number, "number", ctx._("not a card number")))
            continue
        card = numbered.get(number) if number is not None else None
        if number is not None and number in seen:
            errors.append(RowError(
                row.number, "number",
                ctx._("card {id} is in the file twice").format(id=number),
            ))
            continue
        if card is not None:
            seen.add(number)  # type: ignore[arg-type]
        values, row_errors = _read_row(row, ctx)
        errors.extend(row_errors)
        if not row_errors:
            base = values_of(card) if card is not None else {}
            result.append(CardRow(card, columns_of(base | values)))
    return result, errors
