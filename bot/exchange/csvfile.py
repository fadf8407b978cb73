"""The CSV files of /export and /import.

cards.csv has one row per card; /import reads the same columns back (only `label` and
`expires_on` are required, and the `id` of a card in the chat updates that card instead of
adding one). renewals.csv is the renewal history, one row per renewal: it is exported for the
records and for spreadsheets, and is not imported.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.parsing import MINOR_PER_MAJOR
from storage.models import Card, Renewal

CARD_COLUMNS = (
    "number", "label", "carrier", "kind", "number_tail", "plan", "price", "currency", "expires_on",
    "cycle", "cycle_days", "renew_from", "lead_days",
)  # fmt: skip
REQUIRED_COLUMNS = ("label", "expires_on")
RENEWAL_COLUMNS = (
    "card_number", "card_label", "renewed_at", "old_expires_on", "new_expires_on", "amount",
    "currency", "channel", "note",
)  # fmt: skip

MAX_FILE_BYTES = 1024 * 1024
# Spreadsheets run a cell that starts with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Excel saves CSV in the system's code page: GB18030 covers what Chinese Windows writes.
_ENCODINGS = ("utf-8-sig", "gb18030")

Row = dict[str, str]


class CsvFormatError(ValueError):
    """The file as a whole cannot be read; `code` is stable for the UI, `detail` feeds it."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class CsvRow:
    number: int  # the row as a spreadsheet numbers it: the header is row 1
    values: Row


def money(amount_minor: int | None) -> str:
    """Minor units as a plain decimal ("30.00"), which parse_price reads back."""
    if amount_minor is None:
        return ""
    major, minor = divmod(amount_minor, MINOR_PER_MAJOR)
    return f"{major}.{minor:02d}"


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _write(header: tuple[str, ...], rows: Iterable[Iterable[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_cell(value) for value in row] for row in rows)
    # The BOM makes Excel read the file as UTF-8 (Chinese labels stay readable).
    return buffer.getvalue().encode("utf-8-sig")


def cards_csv(cards: Iterable[Card]) -> bytes:
    return _write(
        CARD_COLUMNS,
        (
            (
                card.number, card.label, card.carrier, card.kind, card.number_tail, card.plan,
                money(card.price), card.currency if card.price is not None else None,
                card.expires_on.isoformat(), card.cycle, card.cycle_days, card.renew_from,
                card.lead_days,
            )
            for card in cards
        ),
    )


def renewals_csv(renewals: Iterable[tuple[Renewal, Card]]) -> bytes:
    return _write(
        RENEWAL_COLUMNS,
        (
            (
                card.number, card.label, renewal.renewed_at.isoformat(timespec="seconds"),
                renewal.old_expires_on.isoformat(), renewal.new_expires_on.isoformat(),
                money(renewal.amount), renewal.currency, renewal.channel, renewal.note,
            )
            for renewal, card in renewals
        ),
    )


def _decode(data: bytes) -> str:
    for encoding in _ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsvFormatError("encoding")


def _uncell(text: str) -> str:
    """Undo _cell's protection, and trim the spaces spreadsheets leave around values."""
    text = text.strip()
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text


def read_cards_csv(data: bytes, max_rows: int) -> list[CsvRow]:
    """The non-empty rows of a cards CSV, keyed by column. Checks the file as a whole (size,
    encoding, header, row count); the values are the caller's to validate."""
    if len(data) > MAX_FILE_BYTES:
        raise CsvFormatError("too_large")
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    try:
        dialect: type[csv.Dialect] = csv.Sniffer().sniff(first_line, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = [name.strip().lower() for name in next(reader)]
        raw_rows = list(reader)
    except StopIteration:
        raise CsvFormatError("empty") from None
    except csv.Error as error:
        raise CsvFormatError("unreadable", str(error)) from None
    unknown = [name for name in header if name and name not in CARD_COLUMNS]
    if unknown:
        raise CsvFormatError("unknown_columns", ", ".join(unknown))
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise CsvFormatError("missing_columns", ", ".join(missing))
    rows = [
        CsvRow(index + 2, {name: _uncell(value) for name, value in zip(header, raw, strict=False)
                           if name})
        for index, raw in enumerate(raw_rows)
        if any(value.strip() for value in raw)
    ]
    if not rows:
        raise CsvFormatError("no_rows")
    if len(rows) > max_rows:
        raise CsvFormatError("too_many_rows", str(max_rows))
    return rows
