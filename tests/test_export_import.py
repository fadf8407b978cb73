"""/export and /import end to end (documents over the fake Bot API), and the CSV format."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlmodel import select

from bot.domain import cards as card_rules
from bot.exchange.csvfile import CARD_COLUMNS, CsvFormatError, cards_csv, read_cards_csv
from fakebotapi import FakeBotAPI, FakeUser, SentMessage
from storage.models import Card
from storage.repositories.cards import CardRepository
from tests.harness import BotHarness, ManualClock
from tests.reminder_fixtures import add_card, get_card

# 2026-12-24 08:30 in Shanghai.
NOW = datetime(2026, 12, 24, 0, 30, tzinfo=UTC)
USER_ID = 4001


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(frozen=NOW)


@pytest.fixture
async def xbot(api: FakeBotAPI, sqlite_url: str, clock: ManualClock) -> AsyncIterator[BotHarness]:
    harness = BotHarness(api, sqlite_url, clock=clock)
    await harness.start()
    yield harness
    await harness.stop()


@pytest.fixture
def user(api: FakeBotAPI) -> FakeUser:
    user = api.user(USER_ID, "Ivy")
    api.private_chat(user)
    return user


async def _cards(bot: BotHarness) -> list[Card]:
    async with bot.database.session(readonly=True) as session:
        return await CardRepository(session).in_chat(USER_ID)


async def _import(bot: BotHarness, user: FakeUser, content: str) -> SentMessage:
    since = bot.api.mark()
    bot.api.send_document(user, "cards.csv", content.encode(), caption="/import")
    return await bot.api.wait_for_message(USER_ID, since=since)


async def _export(bot: BotHarness, user: FakeUser, documents: int) -> dict[str, bytes]:
    since = bot.api.mark()
    bot.api.send_text(user, "/export")
    found: dict[str, bytes] = {}
    for _ in range(documents):
        message = await bot.api.wait_for_message(USER_ID, since=since)
        since = message.seq + 1
        assert message.document is not None and message.filename
        found[message.filename.rsplit("-", 1)[1]] = message.document
    return found


async def test_export_sends_cards_renewals_and_a_calendar(
    api: FakeBotAPI, xbot: BotHarness, clock: ManualClock, user: FakeUser
) -> None:
    work = await add_card(xbot.database, xbot.settings, clock, USER_ID, date(2026, 12, 31),
                          label="=Work SIM", price=3000, currency="CNY", number_tail="1234")
    await add_card(xbot.database, xbot.settings, clock, USER_ID, date(2027, 1, 15),
                   label="Travel eSIM", carrier=None, kind="esim", lead_days="3,1")
    await add_card(xbot.database, xbot.settings, clock, USER_ID, date(2027, 2, 1),
                   label="Old card", lapsed=True)
    async with xbot.database.session() as session:
        repo = CardRepository(session)
        card = await repo.get(USER_ID, work.id)  # type: ignore[arg-type]
        assert card is not None
        await repo.record_renewal(card, date(2027, 1, 31), renewed_at=NOW, renewed_by=USER_ID,
                                  amount=3000, currency="CNY", channel="alipay")

    files = await _export(xbot, user, documents=3)

    rows = list(csv.DictReader(io.StringIO(files["cards.csv"].decode("utf-8-sig"))))
    # By expiry; the formula-like label is neutralised for spreadsheets.
    assert [row["label"] for row in rows] == ["Travel eSIM", "'=Work SIM", "Old card"]
    assert list(rows[1]) == list(CARD_COLUMNS)
    assert [row["number"] for row in rows] == ["2", "1", "3"]  # each card's number in the chat
    assert rows[1] | {"label": ""} == {
        "number": "1", "label": "", "carrier": "china_mobile", "kind": "sim", "number_tail": "1234",
        "plan": "", "price": "30.00", "currency": "CNY", "expires_on": "2027-01-31",
        "cycle": "none", "cycle_days": "", "renew_from": "expiry", "lead_days": "",
    }
    renewals = list(csv.DictReader(io.StringIO(files["renewals.csv"].decode("utf-8-sig"))))
    assert len(renewals) == 1
    assert renewals[0]["old_expires_on"] == "2026-12-31"
    assert renewals[0]["amount"] == "30.00" and renewals[0]["channel"] == "alipay"

    calendar = Calendar.from_ical(files["expiries.ics"])
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"=Work SIM expires", "Travel eSIM expires", "Old card expires"}
    work_event = events["=Work SIM expires"]
    assert work_event.decoded("dtstart") == date(2027, 1, 31)
    assert work_event.decoded("dtend") == date(2027, 2, 1)

    def triggers(event: object) -> list[timedelta]:
        return [a.decoded("trigger") for a in event.walk("VALARM")]  # type: ignore[attr-defined]

    # The chat's default leads (7,3,1,0) at 09:00, counted from the expiry day's midnight.
    assert triggers(work_event) == [
        timedelta(days=-7, hours=9), timedelta(days=-3, hours=9),
        timedelta(days=-1, hours=9), timedelta(hours=9),
    ]
    assert triggers(events["Travel eSIM expires"]) == [
        timedelta(days=-3, hours=9), timedelta(days=-1, hours=9),
    ]
    assert triggers(events["Old card expires"]) == []  # let lapse: no alarms


async def test_export_without_cards_says_so(
    api: FakeBotAPI, xbot: BotHarness, user: FakeUser
) -> None:
    reply = await xbot.say(user, "/export")
    assert "no cards to export" in (reply.text or "")


async def test_an_export_imports_back_as_updates_and_a_new_row_adds(
    api: FakeBotAPI, xbot: BotHarness, clock: ManualClock, user: FakeUser
) -> None:
    card = await add_card(xbot.database, xbot.settings, clock, USER_ID, date(2026, 12, 31))
    files = await _export(xbot, user, documents=2)
    exported = files["cards.csv"].decode("utf-8-sig")
    changed = exported.replace("2026-12-31", "2027-03-31") + (
        ",Family data,中国联通,流量卡,+86 186 0000 5678,20GB,¥25,,2027-01-10,monthly,,"
        "renewal_day,\"7,1\"\r\n"
    )

    reply = await _import(xbot, user, changed)
    assert "Imported 2 cards: 1 added, 1 updated" in (reply.text or "")

    cards = {c.label: c for c in await _cards(xbot)}
    assert cards["Work SIM"].id == card.id and cards["Work SIM"].expires_on == date(2027, 3, 31)
    family = cards["Family data"]
    assert (family.carrier, family.kind, family.number_tail, family.plan) == (
        "china_unicom", "data", "5678", "20GB"
    )
    assert (family.price, family.currency, family.cycle, family.renew_from, family.lead_days) == (
        2500, "CNY", "monthly", "renewal_day", "7,1"
    )
    # Reminders were worked out for the imported cards: 2027-01-03 09:00 Shanghai.
    assert family.next_remind_at == datetime(2027, 1, 3, 1, 0, tzinfo=UTC)
    assert (await get_card(xbot.database, card.id)).next_remind_at == datetime(
        2027, 3, 24, 1, 0, tzinfo=UTC
    )


async def test_one_bad_row_imports_nothing_and_names_the_row(
    api: FakeBotAPI, xbot: BotHarness, user: FakeUser
) -> None:
    content = (
        "label,carrier,expires_on,price\n"
        "Phone,Globe,2027-01-01,99\n"
        "Tablet,Smart,2027-01-02,\n"
        "Router,,2027-02-30,<b>lots</b>\n"
    )
    reply = await _import(xbot, user, content)
    text = reply.plain_text
    assert "Nothing was imported" in text
    assert "Row 4, expires_on:" in text and "February" in text
    assert "Row 4, price:" in text
    assert "Row 2" not in text and "Row 3" not in text
    assert await _cards(xbot) == []


async def test_import_after_the_command_then_the_file(
    api: FakeBotAPI, xbot: BotHarness, user: FakeUser
) -> None:
    prompt = await xbot.say(user, "/import")
    assert "Send me the CSV file" in (prompt.text or "")
    nudge = await xbot.say(user, "here it comes")
    assert "as a document" in (nudge.text or "")
    since = api.mark()
    api.send_document(user, "mine.csv", b"label;expires_on\nHome SIM;2027-05-01\n")
    reply = await api.wait_for_message(USER_ID, since=since)
    assert "1 added" in (reply.text or "")
    assert [c.label for c in await _cards(xbot)] == ["Home SIM"]

    cancel_prompt = await xbot.say(user, "/import")
    assert cancel_prompt.text
    cancelled = await xbot.say(user, "/cancel")
    assert cancelled.text == "Import cancelled."


async def test_import_respects_the_card_limit(
    api: FakeBotAPI, xbot: BotHarness, clock: ManualClock, user: FakeUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(card_rules, "MAX_CARDS_PER_CHAT", 2)
    await add_card(xbot.database, xbot.settings, clock, USER_ID, date(2026, 12, 31))
    reply = await _import(xbot, user, "label,expires_on\nA,2027-01-01\nB,2027-01-02\n")
    assert "keeps at most 2" in (reply.text or "")
    three = "label,expires_on\nA,2027-01-01\nB,2027-01-02\nC,2027-01-03\n"
    too_many = await _import(xbot, user, three)
    assert "more than 2 cards" in (too_many.text or "")
    assert len(await _cards(xbot)) == 1


async def test_files_that_are_not_card_lists_are_refused(
    api: FakeBotAPI, xbot: BotHarness, user: FakeUser
) -> None:
    wrong = await _import(xbot, user, "card_id,renewed_at\n1,2026-01-01\n")
    assert "columns I don't know: card_id, renewed_at" in (wrong.text or "")
    since = api.mark()
    api.send_document(user, "chart.png", b"\x89PNG\r\n", caption="/import")
    picture = await api.wait_for_message(USER_ID, since=since)
    assert "Please send a .csv file" in (picture.text or "")


# --------------------------------------------------------------------------- the format


def test_cells_that_spreadsheets_would_run_are_neutralised_and_read_back() -> None:
    card = Card(id=7, chat_id=1, number=3, created_by=1, label="+1 line",
                expires_on=date(2027, 1, 1))
    data = cards_csv([card])
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads UTF-8
    assert b"'+1 line" in data
    [row] = read_cards_csv(data, max_rows=10)
    assert row.number == 2 and row.values["label"] == "+1 line" and row.values["number"] == "3"


def test_excel_files_in_chinese_windows_encoding_and_semicolons_are_read() -> None:
    data = "label;expires_on\n工作卡;2027-01-01\n\n".encode("gb18030")
    rows = read_cards_csv(data, max_rows=10)
    assert [(r.number, r.values) for r in rows] == [
        (2, {"label": "工作卡", "expires_on": "2027-01-01"})
    ]


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty"),
        (b"label,expires_on\n", "no_rows"),
        (b"label,plan\nA,B\n", "missing_columns"),
        (b"label,expires_on,colour\nA,2027-01-01,red\n", "unknown_columns"),
    ],
)
def test_file_level_problems(content: bytes, code: str) -> None:
    with pytest.raises(CsvFormatError) as caught:
        read_cards_csv(content, max_rows=10)
    assert caught.value.code == code


async def test_imported_cards_are_scoped_to_the_chat(
    api: FakeBotAPI, xbot: BotHarness, clock: ManualClock, user: FakeUser
) -> None:
    other = await add_card(xbot.database, xbot.settings, clock, 4999, date(2026, 12, 31),
                           label="Someone else's")
    reply = await _import(
        xbot, user, f"number,label,expires_on\n{other.number},Mine now,2027-01-01\n"
    )
    assert "1 added, 0 updated" in (reply.text or "")  # #1 of another chat is not this one's
    async with xbot.database.session(readonly=True) as session:
        labels = sorted(c.label for c in await session.exec(select(Card)))
    assert labels == ["Mine now", "Someone else's"]


async def test_a_group_export_says_whose_cards_these_are(
    api: FakeBotAPI, xbot: BotHarness, clock: ManualClock
) -> None:
    group = api.group(-1004001, "Family")
    admin = api.user(4002, "Ada", language_code="zh-hans")
    api.set_admins(group, [4002])
    await add_card(xbot.database, xbot.settings, clock, -1004001, date(2027, 1, 15),
                   chat_type="supergroup", language="zh")
    cards = await xbot.say(admin, "/export", chat=group)
    assert cards.filename is not None and cards.filename.endswith("-cards.csv")
    assert cards.plain_text.startswith("本群的 1 张卡。")
