"""The Mini App's API over real HTTP, with the real bot polling the fake Bot API: initData is
checked as Telegram documents it, a user reaches only their own cards and their groups' (admins
change them, members read), and bad input gets the chat's own messages and saves nothing."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from sqlmodel import col, select

from bot.i18n import translator
from bot.runtime.active import serve_polling
from bot.runtime.app import build_application
from bot.runtime.webhook import web_app
from bot.webapp.initdata import InitDataError, sign, verify
from bot.webapp.listcache import CardListCache
from bot.webapp.server import CSP
from fakebotapi import FakeBotAPI
from fakebotapi.objects import FakeUser
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Card, Renewal
from tests.harness import bot_settings
from tests.reminder_fixtures import add_card
from tests.webapp_fixtures import WEBAPP_URL, WebApp, serving_webapp

NOW = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
TODAY = date(2026, 3, 10)
GROUP = -100777


@pytest.fixture
async def webapp(api: FakeBotAPI, sqlite_url: str) -> AsyncIterator[WebApp]:
    async with serving_webapp(api, sqlite_url, NOW) as app:
        yield app


def _user(api: FakeBotAPI, user_id: int = 4001, lang: str = "en") -> FakeUser:
    return api.user(user_id, "Ann", language_code="zh-hans" if lang == "zh" else "en")


async def _seed(webapp: WebApp, chat_id: int, expires_on: date, **fields: Any) -> Card:
    bot = webapp.bot
    return await add_card(bot.database, bot.settings, bot.clock, chat_id, expires_on, **fields)


async def _cards(webapp: WebApp, chat_id: int) -> list[Card]:
    async with webapp.bot.database.session(readonly=True) as session:
        return list(await session.exec(select(Card).where(Card.chat_id == chat_id)))


FORM = {"label": "Travel eSIM", "carrier": "Smart", "kind": "esim", "number": "",
        "plan": "10 GB", "price": "₱99", "expiry": "2026-04-30", "cycle": "monthly",
        "cycle_days": "", "renew_from": "expiry", "lead_days": "3,1"}


# --------------------------------------------------------------------------- initData


def test_initdata_is_checked_as_telegram_documents_it() -> None:
    token = "123456:ABC-def"
    user = {"id": 7, "first_name": "A", "language_code": "zh-hans"}
    raw = sign(token, user, NOW, query_id="AAE")
    assert verify(raw, token, 3600, NOW).id == 7
    assert verify(raw, token, 3600, NOW).language == "zh"
    tampered = raw.replace("%22id%22%3A7", "%22id%22%3A8")
    assert tampered != raw
    for bad in (tampered, sign("123456:other", user, NOW), "", "hash=abc", raw + "&hash=x",
                raw.replace("hash=", "hash=%E4%BD%A0")):
        with pytest.raises(InitDataError):
            verify(bad, token, 3600, NOW)
    with pytest.raises(InitDataError, match="too old"):
        verify(raw, token, 3600, NOW + timedelta(hours=2))


async def test_missing_forged_or_stale_initdata_is_refused(webapp: WebApp, api: FakeBotAPI) -> None:
    ann = _user(api)
    await _seed(webapp, ann.id, date(2026, 4, 1))
    max_age = webapp.bot.settings.webapp_initdata_max_age
    forged = webapp.init_data(ann, token="999:forged-token")
    stale = webapp.init_data(ann, age=timedelta(seconds=max_age + 60))
    for init_data in ("", forged, stale, "user=%7B%22id%22%3A4001%7D&auth_date=1"):
        status, body = await webapp.call("GET", "api/cards", init_data=init_data)
        assert status == 401
        assert "opened from the bot in Telegram" in body["error"]
        assert "cards" not in body
    status, body = await webapp.call("POST", "api/cards", init_data=forged, json=FORM)
    assert status == 401
    assert len(await _cards(webapp, ann.id)) == 1
    zh = _user(api, 4002, "zh")
    status, body = await webapp.call("GET", "api/cards", init_data=webapp.init_data(
        zh, token="999:forged-token"))
    assert status == 401
    assert body["error"] == translator("zh")(
        "This page only works when opened from the bot in Telegram (the menu button or /app). "
        "Please open it again from there.")


# --------------------------------------------------------------------------- whose cards


async def test_a_user_sees_only_their_cards_by_expiry(webapp: WebApp, api: FakeBotAPI) -> None:
    ann, bob = _user(api), _user(api, 4003)
    late = await _seed(webapp, ann.id, date(2026, 5, 1), label="Late")
    soon = await _seed(webapp, ann.id, date(2026, 3, 12), label="Soon")
    gone = await _seed(webapp, ann.id, date(2026, 3, 1), label="Gone")
    await _seed(webapp, bob.id, date(2026, 3, 11), label="Bob's")
    status, body = await webapp.call("GET", "api/cards", ann)
    assert status == 200
    assert [c["id"] for c in body["cards"]] == [gone.id, soon.id, late.id]
    assert [c["days_left"] for c in body["cards"]] == [-9, 2, 52]
    assert [c["status"] for c in body["cards"]] == ["expired", "soon", "fine"]


async def test_other_users_cards_and_chats_are_not_found(webapp: WebApp, api: FakeBotAPI) -> None:
    ann, bob = _user(api), _user(api, 4003)
    bobs = await _seed(webapp, bob.id, date(2026, 4, 1), label="Bob's")
    for method, path, body in (
        ("GET", f"api/cards/{bobs.id}", None),
        ("PUT", f"api/cards/{bobs.id}", FORM),
        ("DELETE", f"api/cards/{bobs.id}", None),
        ("POST", f"api/cards/{bobs.id}/renew", {"date": ""}),
        ("PUT", "api/cards/99999", FORM),
        ("PUT", "api/cards/123456789012345", FORM),
    ):
        status, answer = await webapp.call(method, path, ann, json=body)
        assert status == 404, path
        assert answer["error"] == "That card was not found. It may have been deleted."
    status, body = await webapp.call("GET", "api/cards", ann, chat=bob.id)  # Bob's own chat
    assert (status, body["error"]) == (404, "These cards are not yours to see: open the app "
                                            "from your own chat with me, or from a group you "
                                            "are in.")
    for chat in ("x", str(2**64), "-100999"):  # no chat id, too large, a group nobody knows
        status, _ = await webapp.call("GET", f"api/cards?chat={chat}", ann)
        assert status == 404
    assert [c.label for c in await _cards(webapp, bob.id)] == ["Bob's"]
    assert (await _cards(webapp, bob.id))[0].expires_on == date(2026, 4, 1)


async def test_group_admins_change_its_cards_members_only_read(
    webapp: WebApp, api: FakeBotAPI
) -> None:
    admin, member, stranger = _user(api), _user(api, 4004), _user(api, 4005)
    group = api.group(GROUP, "Family")
    api.set_admins(group, [admin.id])
    api.set_member(group, member)
    await _seed(webapp, GROUP, date(2026, 4, 1), chat_type="supergroup", label="Family SIM")
    status, body = await webapp.call("GET", "api/session", member, chat=GROUP)
    assert (status, body["can_edit"]) == (200, False)
    status, body = await webapp.call("GET", "api/cards", member, chat=GROUP)
    assert [c["label"] for c in body["cards"]] == ["Family SIM"]
    status, body = await webapp.call("POST", "api/cards", member, chat=GROUP, json=FORM)
    assert status == 403
    assert body["error"] == "Only the group's admins can change this."
    status, _ = await webapp.call("GET", "api/cards", stranger, chat=GROUP)
    assert status == 404
    status, body = await webapp.call("POST", "api/cards", admin, chat=GROUP, json=FORM)
    assert status == 201
    assert sorted(c.label for c in await _cards(webapp, GROUP)) == ["Family SIM", "Travel eSIM"]


# --------------------------------------------------------------------------- writing


async def test_a_card_added_in_the_app_is_scheduled_and_listed_in_chat(
    webapp: WebApp, api: FakeBotAPI
) -> None:
    ann = _user(api)
    status, card = await webapp.call("POST", "api/cards", ann, json=FORM)
    assert status == 201
    [saved] = await _cards(webapp, ann.id)
    assert (saved.label, saved.carrier, saved.kind, saved.price, saved.currency) == (
        "Travel eSIM", "smart", "esim", 9900, "PHP")
    assert (saved.expires_on, saved.cycle, saved.lead_days) == (date(2026, 4, 30), "monthly", "3,1")
    # 3 days before 2026-04-30 at 09:00 Shanghai
    assert saved.next_remind_at == datetime(2026, 4, 27, 1, 0, tzinfo=UTC)
    reply = await webapp.bot.say(ann, "/cards")
    assert "Travel eSIM" in reply.plain_text
    # The fewest answers /addcard needs: a name and an expiry (no cycle, so nothing of it).
    status, _card = await webapp.call("POST", "api/cards", ann, json={
        "label": "Spare", "expiry": "in 30 days", "kind": "sim", "cycle": "none",
        "renew_from": "renewal_day", "cycle_days": "12"})
    assert status == 201
    spare = next(c for c in await _cards(webapp, ann.id) if c.label == "Spare")
    assert (spare.expires_on, spare.cycle, spare.cycle_days, spare.renew_from, spare.carrier) == (
        date(2026, 4, 9), "none", None, "expiry", None)
    assert card["form"]["price"] == "₱99.00"
    status, again = await webapp.call("PUT", f"api/cards/{card['id']}", ann, json=card["form"])
    assert status == 200
    assert again["shown"] == card["shown"]  # the edit form reads back as the same card


async def test_bad_input_gets_the_chats_messages_and_saves_nothing(
    webapp: WebApp, api: FakeBotAPI
) -> None:
    for lang in ("en", "zh"):
        user = _user(api, 4010 if lang == "en" else 4011, lang)
        _ = translator(lang)
        bad = FORM | {"label": "", "price": "abc", "expiry": "2026-02-30", "lead_days": "999"}
        status, body = await webapp.call("POST", "api/cards", user, json=bad)
        assert status == 400
        assert body["errors"] == {
            "label": _("What should I call this card? For example “Work SIM” or “Travel eSIM”."),
            "price": _("Please write the price like 30, ¥30, ₱99, HK$50 or US$5."),
            "expiry": _("“{text}” is not a real date: {month} has only {days} days. Please try "
                        "again.").format(text="2026-02-30",
                                         month="2026年2月" if lang == "zh" else "February 2026",
                                         days=28),
            "lead_days": _("Each number must be between 0 and {max}.").format(max=365),
        }
        assert await _cards(webapp, user.id) == []
    ann = _user(api)
    status, body = await webapp.call("POST", "api/cards", ann,
                                     json=FORM | {"expiry": "next monday " * 400})
    assert status == 400
    assert body["errors"] == {
        "expiry": "That is 4799 characters long; please keep it to 4096."}  # stripped
    status, _ = await webapp.call("POST", "api/cards", ann, json=["not", "a", "form"])
    assert status == 400
    assert await _cards(webapp, ann.id) == []


async def test_a_past_expiry_is_confirmed_and_a_guess_is_offered(
    webapp: WebApp, api: FakeBotAPI
) -> None:
    ann = _user(api)
    past = FORM | {"expiry": "2026-03-01"}
    status, body = await webapp.call("POST", "api/cards", ann, json=past)
    assert (status, body["confirm"]) == (409, True)
    assert "is in the past" in body["error"]
    assert await _cards(webapp, ann.id) == []
    status, _ = await webapp.call("POST", "api/cards", ann, json=past | {"confirm_past": True})
    assert status == 201
    status, body = await webapp.call("POST", "api/cards", ann,
                                     json=FORM | {"expiry": "December 2026"})
    assert status == 400
    assert body["guess"] == "2026-12-31"
    assert body["errors"] == {"expiry": "I'm not sure I understood “December 2026”. Did you "
                                        "mean 31 December 2026?"}
    assert len(await _cards(webapp, ann.id)) == 1


async def test_renew_follows_the_cycle_or_a_typed_date(webapp: WebApp, api: FakeBotAPI) -> None:
    ann = _user(api)
    monthly = await _seed(webapp, ann.id, date(2026, 3, 15), cycle="monthly")
    loose = await _seed(webapp, ann.id, date(2026, 3, 20), label="Loose")
    status, card = await webapp.call("POST", f"api/cards/{monthly.id}/renew", ann,
                                     json={"date": ""})
    assert (status, card["expires_on"]) == (200, "2026-04-15")
    status, body = await webapp.call("POST", f"api/cards/{loose.id}/renew", ann,
                                     json={"date": ""})
    assert status == 400
    assert "no fixed cycle" in body["errors"]["date"]
    bad = {"date": "2026-06-31", "amount": "lots", "channel": "barter", "note": "x" * 501}
    status, body = await webapp.call("POST", f"api/cards/{loose.id}/renew", ann, json=bad)
    assert status == 400
    assert body["errors"] == {
        "amount": "Please write the price like 30, ¥30, ₱99, HK$50 or US$5.",
        "channel": "Please pick one of the buttons.",
        "note": "That is 501 characters long; please keep it to 500.",
        "date": "“2026-06-31” is not a real date: June 2026 has only 30 days. Please try again."}
    status, card = await webapp.call("POST", f"api/cards/{loose.id}/renew", ann, json={
        "date": "2026-06-30", "amount": "₱99", "channel": "gcash", "note": "promo"})
    assert (status, card["expires_on"]) == (200, "2026-06-30")
    async with webapp.bot.database.session(readonly=True) as session:
        renewals = list(await session.exec(select(Renewal).order_by(col(Renewal.id))))
    assert [(r.card_id, r.old_expires_on, r.new_expires_on) for r in renewals] == [
        (monthly.id, date(2026, 3, 15), date(2026, 4, 15)),
        (loose.id, date(2026, 3, 20), date(2026, 6, 30)),
    ]
    assert (renewals[1].amount, renewals[1].currency, renewals[1].channel,
            renewals[1].note) == (9900, "PHP", "gcash", "promo")


async def test_history_lists_renewals_and_their_total(webapp: WebApp, api: FakeBotAPI) -> None:
    ann, bob = _user(api), _user(api, 4003)
    card = await _seed(webapp, ann.id, date(2026, 3, 15), cycle="monthly")
    status, body = await webapp.call("GET", f"api/cards/{card.id}/history", ann)
    assert (status, body["lines"], body["total"]) == (200, [], None)
    for _ in range(2):
        await webapp.call("POST", f"api/cards/{card.id}/renew", ann, json={"date": ""})
    async with webapp.bot.database.session() as session:
        for renewal in await session.exec(select(Renewal)):
            renewal.amount, renewal.currency = 3000, "CNY"
            session.add(renewal)
    status, body = await webapp.call("GET", f"api/cards/{card.id}/history", ann)
    assert status == 200
    assert body["lines"] == ["2026-03-10: 2026-04-15 → 2026-05-15 · ¥30.00",
                             "2026-03-10: 2026-03-15 → 2026-04-15 · ¥30.00"]
    assert body["total"] == "Paid in total: ¥60.00"
    status, _ = await webapp.call("GET", f"api/cards/{card.id}/history", bob)
    assert status == 404


async def test_delete_asks_as_delcard_and_takes_the_history_too(
    webapp: WebApp, api: FakeBotAPI
) -> None:
    ann, member = _user(api), _user(api, 4004)
    card = await _seed(webapp, ann.id, date(2026, 3, 15), cycle="monthly", label="Old")
    await webapp.call("POST", f"api/cards/{card.id}/renew", ann, json={"date": ""})
    status, body = await webapp.call("GET", f"api/cards/{card.id}", ann)
    assert body["delete_question"] == (
        "Delete <b>Old</b> · China Mobile? Its renewal history (1 recorded) and its reminders "
        "go too. This cannot be undone.")
    group = api.group(GROUP, "Family")
    api.set_member(group, member)
    family = await _seed(webapp, GROUP, date(2026, 4, 1), chat_type="supergroup")
    status, _ = await webapp.call("DELETE", f"api/cards/{family.id}", member, chat=GROUP)
    assert status == 403
    status, body = await webapp.call("DELETE", f"api/cards/{card.id}", ann)
    assert (status, body["deleted"]) == (200, "🗑 Deleted <b>Old</b> · China Mobile.")
    assert await _cards(webapp, ann.id) == []
    assert len(await _cards(webapp, GROUP)) == 1
    async with webapp.bot.database.session(readonly=True) as session:
        assert list(await session.exec(select(Renewal))) == []


# --------------------------------------------------------------------------- settings


async def test_settings_are_read_and_saved_as_in_settings(webapp: WebApp, api: FakeBotAPI) -> None:
    ann = _user(api)
    card = await _seed(webapp, ann.id, date(2026, 4, 1))
    status, body = await webapp.call("GET", "api/settings", ann)
    assert status == 200
    assert body["values"] == {"lang": "en", "tz": "Asia/Shanghai", "at": "09:00",
                              "lead": "7, 3, 1, 0", "rem": "on"}
    bad = {"tz": "Atlantis", "at": "25:99", "lead": "7, 3", "lang": "zh"}
    status, body = await webapp.call("PUT", "api/settings", ann, json=bad)
    assert status == 400
    assert body["errors"] == {
        "tz": "I don't know that time zone. Try a city (Manila, 上海), Asia/Manila or UTC+8:",
        "at": "Please give a time of day such as 09:00 or 21:30."}
    status, body = await webapp.call("GET", "api/settings", ann)
    assert body["values"]["lang"] == "en"  # nothing was saved
    status, body = await webapp.call("PUT", "api/settings", ann, json={
        "tz": "Manila", "at": "20:30", "lead": "1,0", "lang": "zh"})
    assert status == 200
    assert body["saved"] == "✅ 已保存。\n已更新 1 张卡的提醒时间。"
    status, body = await webapp.call("GET", "api/settings", ann)
    assert body["values"] == {"lang": "zh", "tz": "Asia/Manila", "at": "20:30",
                              "lead": "1, 0", "rem": "on"}
    async with webapp.bot.database.session(readonly=True) as session:
        moved = await session.get(Card, card.id)
    assert moved is not None
    # 1 day before 2026-04-01 at 20:30 in Manila (UTC+8)
    assert moved.next_remind_at == datetime(2026, 3, 31, 12, 30, tzinfo=UTC)


async def test_group_settings_are_for_its_admins(webapp: WebApp, api: FakeBotAPI) -> None:
    admin, member = _user(api), _user(api, 4004)
    group = api.group(GROUP, "Family")
    api.set_admins(group, [admin.id])
    api.set_member(group, member)
    await _seed(webapp, GROUP, date(2026, 4, 1), chat_type="supergroup")
    for method in ("GET", "PUT"):
        status, body = await webapp.call(method, "api/settings", member, chat=GROUP,
                                         json={"rem": "off"} if method == "PUT" else None)
        assert (status, body["error"]) == (403, "Only the group's admins can change this.")
    status, _ = await webapp.call("PUT", "api/settings", admin, chat=GROUP, json={"rem": "off"})
    assert status == 200
    [card] = await _cards(webapp, GROUP)
    assert card.next_remind_at is None  # reminders off for the group


# --------------------------------------------------------------------------- the page


async def test_the_page_is_static_with_a_strict_policy_and_no_secrets(
    webapp: WebApp, api: FakeBotAPI
) -> None:
    token = webapp.bot.settings.token
    for path in ("", "app.js", "app.css"):
        async with webapp.http.get(webapp.url + path) as response:
            assert response.status == 200
            assert response.headers["Content-Security-Policy"] == CSP
            body = await response.text()
        assert token not in body and token.split(":")[1] not in body
    async with webapp.http.get(webapp.url) as response:
        page = await response.text()
    assert "<script>" not in page and "script-src 'self'" in CSP
    assert "'unsafe-inline'" not in CSP


async def test_in_polling_mode_the_app_has_a_server_of_its_own(
    api: FakeBotAPI, sqlite_url: str
) -> None:
    """`renewbot run` in polling mode: the app listens on WEBAPP_LISTEN:WEBAPP_PORT while the
    bot runs, and stops with it."""
    port = _free_port()
    settings = bot_settings(api, sqlite_url, webapp_url=WEBAPP_URL, webapp_listen="127.0.0.1",
                            webapp_port=port)
    db = Database(sqlite_url)
    await upgrade(db)
    stop = asyncio.Event()
    running = asyncio.create_task(serve_polling(build_application(settings, db), stop))
    page = f"http://127.0.0.1:{port}/app/"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(200):
                with contextlib.suppress(aiohttp.ClientConnectionError):
                    async with http.get(page) as response:
                        assert response.status == 200
                        break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the app never answered")
            async with http.get(page + "api/cards") as response:
                assert response.status == 401  # served, and guarded
            stop.set()
            assert await running == 0
            with pytest.raises(aiohttp.ClientConnectionError):  # gone with the bot
                await http.get(page)
    finally:
        stop.set()
        await db.dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_the_webhook_server_serves_the_app_only_when_configured(
    webapp: WebApp, api: FakeBotAPI
) -> None:
    application = webapp.bot.app
    assert application is not None
    routes = {r.resource.canonical for r in web_app(application, "s", "/hook").router.routes()
              if r.resource is not None}
    assert "/app/api/cards" in routes
    settings = application.services.settings
    application.services.settings = settings.model_copy(update={"webapp_url": None})
    try:
        routes = {r.resource.canonical for r in web_app(application, "s", "/hook").router.routes()
                  if r.resource is not None}
    finally:
        application.services.settings = settings
    assert routes == {"/hook", "/healthz"}


def test_a_list_read_before_a_change_is_not_kept() -> None:
    lists = CardListCache()
    key = (TODAY, "en")
    read_at = lists.generation  # a read begins ...
    lists.invalidate({1})  # ... a commit to chat 1 lands ...
    lists.keep(1, key, b"old", read_at)  # ... and the read's list is not stored
    assert lists.rendered(1, key) is None
    lists.keep(1, key, b"new", lists.generation)
    assert lists.rendered(1, key) == b"new"
    assert lists.rendered(1, (TODAY, "zh")) is None  # another language renders anew


async def test_the_calendar_shows_expiries_and_the_engines_reminder_days(
    webapp: WebApp, api: FakeBotAPI
) -> None:
    ann, bob = _user(api), _user(api, 4003)
    card = await _seed(webapp, ann.id, date(2026, 4, 2), lead_days="7,1")
    stopped = await _seed(webapp, ann.id, date(2026, 4, 20), lapsed=True)
    await _seed(webapp, bob.id, date(2026, 4, 2))
    status, body = await webapp.call("GET", "api/calendar?month=2026-04", ann)
    assert status == 200
    # 7 and 1 days before, the day itself is no lead here; then 3 overdue days (the default)
    assert body == {"month": "2026-04", "days": {
        "e:2026-04-02": [card.id], "e:2026-04-20": [stopped.id],
        "r:2026-04-01": [card.id], "r:2026-04-03": [card.id], "r:2026-04-04": [card.id],
        "r:2026-04-05": [card.id]}}
    status, body = await webapp.call("GET", "api/calendar?month=2026-03", ann)
    assert body["days"] == {"r:2026-03-26": [card.id]}
    status, body = await webapp.call("GET", "api/calendar?month=nonsense", ann)
    assert body["month"] == "2026-03"  # this month


async def test_statistics_are_the_stats_chart(webapp: WebApp, api: FakeBotAPI) -> None:
    ann = _user(api)
    status, body = await webapp.call("GET", "api/stats", ann)
    assert status == 200
    assert body["image"] is None
    assert body["summary"].startswith("Nothing to chart yet")
    await _seed(webapp, ann.id, date(2026, 3, 20), label="Soon")
    status, body = await webapp.call("GET", "api/stats", ann)
    assert body["image"].startswith("data:image/png;base64,iVBORw0KGgo")  # a PNG
    assert "“Soon” on 2026-03-20" in body["summary"]
