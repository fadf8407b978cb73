"""Tests of the fake Telegram Bot API server against real python-telegram-bot clients."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
import warnings
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from fakebotapi import FakeBotAPI
from fakebotapi.formatting import parse_formatted
from fakebotapi.ratelimit import RateLimiter

TOKEN = "123:abc"

# PTB itself reads RetryAfter.retry_after while raising, which warns about the coming timedelta.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)


def _retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


@pytest.fixture
async def tg() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI(token=TOKEN) as server:
        yield server


@pytest.fixture
async def bot(tg: FakeBotAPI) -> AsyncIterator[Bot]:
    client = Bot(TOKEN, base_url=tg.base_url, base_file_url=tg.base_file_url)
    async with client:
        yield client


@pytest.fixture
async def app(tg: FakeBotAPI) -> AsyncIterator[Application]:
    """A real PTB Application polling the fake server; handlers are added by each test."""
    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(tg.base_url)
        .base_file_url(tg.base_file_url)
        .build()
    )
    await application.initialize()
    await application.start()
    yield application
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    await application.stop()
    await application.shutdown()


async def _start_polling(application: Application) -> None:
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0.0, allowed_updates=Update.ALL_TYPES)


# ---------------------------------------------------------------------------------------------
# basics
# ---------------------------------------------------------------------------------------------


async def test_get_me_and_http_errors(tg: FakeBotAPI, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123, "renew_test_bot", True)
    assert tg.base_url == f"http://127.0.0.1:{tg.port}/bot"

    async with aiohttp.ClientSession() as http:
        async with http.get(f"{tg.url}/bot999:wrong/getMe") as resp:
            assert resp.status == 401
            assert await resp.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with http.post(f"{tg.url}/bot{TOKEN}/noSuchMethod") as resp:
            assert resp.status == 404
            assert (await resp.json())["description"] == "Not Found"
        async with http.get(f"{tg.url}/bot{TOKEN}/GETME") as resp:  # case-insensitive
            assert resp.status == 200
            assert (await resp.json())["result"]["username"] == "renew_test_bot"
        tg.private_chat(tg.user(1001, "Alice"))
        async with http.post(
            f"{tg.url}/bot{TOKEN}/sendMessage", json={"chat_id": 1001, "text": "json body"}
        ) as resp:
            body = await resp.json()
            assert resp.status == 200 and body["ok"] is True
            assert body["result"]["chat"] == {"id": 1001, "type": "private", "first_name": "Alice"}
            assert isinstance(body["result"]["date"], int)
        async with http.post(
            f"{tg.url}/bot{TOKEN}/sendMessage", data={"chat_id": "1001", "text": "007"}
        ) as resp:
            assert (await resp.json())["result"]["text"] == "007"

    wrong = Bot("999:wrong", base_url=tg.base_url)
    with pytest.raises(InvalidToken):
        await wrong.get_me()


async def test_send_message_round_trip(tg: FakeBotAPI, bot: Bot) -> None:
    alice = tg.user(1001, "Alice")
    tg.private_chat(alice)
    first = tg.send_text(alice, "hello")
    assert first["message"]["message_id"] == 1

    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Renew", callback_data="renew:42")],
            [InlineKeyboardButton("Help", url="https://example.org/help")],
        ]
    )
    msg = await bot.send_message(
        alice.id,
        "<b>Card</b> expires soon",
        parse_mode="HTML",
        reply_markup=markup,
        reply_to_message_id=1,
        disable_notification=True,
    )
    # the counter is shared with user messages, like Telegram's
    assert msg.message_id == 2
    assert msg.text == "Card expires soon"
    assert msg.entities[0].type == "bold" and msg.entities[0].length == 4
    assert msg.from_user is not None and msg.from_user.id == tg.bot_id
    assert msg.reply_to_message is not None and msg.reply_to_message.text == "hello"

    sent = tg.last_message(alice.id)
    assert sent is not None
    assert sent.text == "<b>Card</b> expires soon"
    assert sent.plain_text == "Card expires soon"
    assert sent.parse_mode == "HTML"
    assert sent.disable_notification is True
    assert sent.reply_to_message_id == 1
    assert sent.buttons() == [("Renew", "renew:42"), ("Help", "https://example.org/help")]
    assert sent.callback_data() == ["renew:42"]
    assert tg.messages_to(alice.id) == [sent]
    assert tg.delivered(alice.id) == [sent]
    assert tg.calls[-1].method == "sendMessage" and tg.calls[-1].status == 200

    # a numeric text stays a string
    await bot.send_message(alice.id, "123")
    assert tg.sent[-1].text == "123"
    assert tg.sent[-1].message["text"] == "123"

    # waiting hands messages out in order, each once
    got1 = await tg.wait_for_message(chat_id=alice.id, timeout=1)
    got2 = await tg.wait_for_message(chat_id=alice.id, timeout=1)
    assert (got1.message_id, got2.message_id) == (2, 3)


async def test_get_updates_offset_and_long_poll(tg: FakeBotAPI, bot: Bot) -> None:
    alice = tg.user(1001, "Alice")
    assert await bot.get_updates(timeout=0) == ()

    async def type_later() -> None:
        await asyncio.sleep(0.3)
        tg.send_text(alice, "are you there?")

    typer = asyncio.create_task(type_later())
    started = time.monotonic()
    updates = await bot.get_updates(timeout=5)
    elapsed = time.monotonic() - started
    await typer
    assert 0.25 < elapsed < 2.0
    assert len(updates) == 1
    assert updates[0].message is not None and updates[0].message.text == "are you there?"

    # not confirmed yet: delivered again
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [updates[0].update_id]
    # confirmed by offset: gone
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == ()
    assert tg.pending_updates == 0

    # limit and a duplicate delivery with the same update_id
    u1 = tg.send_text(alice, "one")
    tg.send_text(alice, "two")
    batch = await bot.get_updates(limit=1, timeout=0)
    assert [u.update_id for u in batch] == [u1["update_id"]]
    batch = await bot.get_updates(offset=u1["update_id"] + 1, timeout=0)
    assert [u.message.text for u in batch if u.message] == ["two"]
    tg.duplicate_update(u1)
    dup = await bot.get_updates(offset=batch[-1].update_id + 1, timeout=0)
    assert [u.update_id for u in dup] == [u1["update_id"]]

    # a second poller ends the first one with 409 Conflict, as Telegram does
    first_poll = asyncio.create_task(bot.get_updates(offset=dup[-1].update_id + 1, timeout=5))
    await asyncio.sleep(0.1)
    other = Bot(TOKEN, base_url=tg.base_url)
    async with other:
        assert await other.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates"):
        await first_poll


async def test_allowed_updates_are_respected(tg: FakeBotAPI, bot: Bot) -> None:
    alice = tg.user(1001, "Alice")
    group = tg.group(-100500, "Renewals")
    tg.chat_member_update(group, alice, "left", "member")
    tg.send_text(alice, "hi", chat=group)
    default = await bot.get_updates(timeout=0)
    assert [u.message.text for u in default if u.message] == ["hi"]
    assert all(u.chat_member is None for u in default)
    assert tg.stats.updates_filtered == 1

    tg.chat_member_update(group, alice, "member", "administrator")
    updates = await bot.get_updates(
        offset=default[-1].update_id + 1, timeout=0, allowed_updates=["chat_member"]
    )
    assert len(updates) == 1 and updates[0].chat_member is not None
    assert updates[0].chat_member.new_chat_member.status == "administrator"
    member = await bot.get_chat_member(group.id, alice.id)
    assert member.status == "administrator"


async def test_privacy_mode_delivers_what_telegram_delivers(tg: FakeBotAPI, bot: Bot) -> None:
    assert not tg.privacy_mode  # off unless asked for: every group message arrives
    tg.privacy_mode = True
    alice = tg.user(1001, "Alice")
    group = tg.group(-100501, "Renewals")
    me = f"@{tg.bot_username}"
    mine = await bot.send_message(group.id, "Which carrier?")
    for text in ("hello all", "/start@other_bot", "mail me at x@example.com", "@other_bot hi"):
        tg.send_text(alice, text, chat=group)
    tg.send_text(alice, "a reply to someone else", chat=group, reply_to=2)
    tg.send_document(alice, "cards.csv", b"x", chat=group, caption="/import@other_bot")
    for text in ("/start", f"/help{me.upper()}", f"hi {me} how do I renew?"):
        tg.send_text(alice, text, chat=group)
    tg.send_text(alice, "Globe", chat=group, reply_to=mine.message_id)
    tg.send_document(alice, "cards.csv", b"x", chat=group, caption=f"/import{me}")
    tg.send_text(alice, "in private", chat=tg.private_chat(alice))
    updates = await bot.get_updates(timeout=0)
    assert [u.message.text or u.message.caption for u in updates if u.message] == [
        "/start", f"/help{me.upper()}", f"hi {me} how do I renew?", "Globe", f"/import{me}",
        "in private",
    ]
    assert tg.stats.updates_filtered == 6

    tg.set_bot_status(group, "administrator")  # an admin bot reads every message
    tg.send_text(alice, "hello all", chat=group)
    updates = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    assert [u.message.text for u in updates if u.message] == ["hello all"]


async def test_force_reply_markup_is_checked(tg: FakeBotAPI, bot: Bot) -> None:
    group = tg.group(-100502, "Renewals")
    sent = await bot.send_message(group.id, "Which carrier?", reply_markup=ForceReply(
        selective=True, input_field_placeholder="Your answer"
    ))
    assert tg.last_message(group.id).reply_markup == {  # type: ignore[union-attr]
        "force_reply": True, "selective": True, "input_field_placeholder": "Your answer"
    }
    assert sent.message_id
    with pytest.raises(BadRequest, match="placeholder is too long"):
        await bot.send_message(group.id, "?", reply_markup=ForceReply(
            input_field_placeholder="x" * 65
        ))


# ---------------------------------------------------------------------------------------------
# a real Application
# ---------------------------------------------------------------------------------------------


async def test_application_command_and_callback(
    tg: FakeBotAPI,
    app: Application,
) -> None:
    seen_args: list[list[str]] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        seen_args.append(list(context.args or []))
        await update.effective_message.reply_text(
            "Pick a plan",
            do_quote=True,
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("30 days", callback_data="plan:30")]]
            ),
        )

    async def on_plan(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert isinstance(query, CallbackQuery)
        await query.answer("Saved")
        await query.edit_message_text(f"You picked {query.data}")

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"echo: {update.effective_message.text}")

    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(on_plan, pattern=r"^plan:"))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    await _start_polling(app)

    alice = tg.user(1001, "Alice", language_code="de")
    update = tg.send_text(alice, "/start@renew_test_bot promo")
    entity = update["message"]["entities"][0]
    assert entity == {"offset": 0, "length": 21, "type": "bot_command"}

    menu = await tg.wait_for_message(chat_id=alice.id, timeout=5)
    assert menu.text == "Pick a plan"
    assert menu.reply_to_message_id == update["message"]["message_id"]
    assert seen_args == [["promo"]]

    with pytest.raises(AssertionError, match="no inline button"):
        tg.press(alice, menu, "plan:999")
    press = tg.press(alice, menu, "plan:30")
    call = await tg.wait_for_call("answerCallbackQuery", timeout=5)
    assert call.params["text"] == "Saved"
    edit = await tg.wait_for_message(chat_id=alice.id, include_edits=True, timeout=5)
    assert edit.is_edit and edit.text == "You picked plan:30"
    assert edit.message_id == menu.message_id
    current = tg.current(alice.id, menu.message_id)
    assert current is not None and current.reply_markup is None  # keyboard gone after edit
    answer = tg.callback_answer(press)
    assert answer is not None and answer.text == "Saved" and answer.data == "plan:30"

    tg.send_text(alice, "12345")
    echoed = await tg.wait_for_message(chat_id=alice.id, timeout=5)
    assert echoed.text == "echo: 12345"
    await tg.wait_idle(quiet=0.1, timeout=5)
    assert len(tg.sent) == 2  # menu + echo; the edit is not a new message


async def test_wait_for_message_timeout_explains(tg: FakeBotAPI, bot: Bot) -> None:
    alice = tg.user(1001, "Alice")
    tg.private_chat(alice)
    await bot.send_message(alice.id, "something else")
    with pytest.raises(BadRequest):
        await bot.send_message(alice.id, "<i>broken", parse_mode="HTML")
    with pytest.raises(AssertionError) as info:
        await tg.wait_for_message(
            chat_id=alice.id, predicate=lambda m: m.text == "never", timeout=0.2
        )
    report = str(info.value)
    assert "'something else'" in report
    assert "can't parse entities" in report


# ---------------------------------------------------------------------------------------------
# faults and PTB's exceptions
# ---------------------------------------------------------------------------------------------


async def test_fault_kinds_raise_ptb_exceptions(tg: FakeBotAPI, bot: Bot) -> None:
    alice = tg.user(1001, "Alice")
    tg.private_chat(alice)

    tg.add_fault("sendMessage", "429", retry_after=7)
    with pytest.raises(RetryAfter) as retry:
        await bot.send_message(alice.id, "a")
    assert _retry_seconds(retry.value) == 7

    tg.add_fault("sendMessage", "403")
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(alice.id, "b")

    tg.add_fault("sendMessage", "migrate", migrate_to=-1009999)
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(alice.id, "c")
    assert migrated.value.new_chat_id == -1009999

    tg.add_fault("sendMessage", "5xx", times=2)
    tg.add_fault("sendMessage", "5xx", status=502)
    for _ in range(3):
        with pytest.raises(NetworkError) as net:
            await bot.send_message(alice.id, "d")
        assert not isinstance(net.value, BadRequest | TimedOut)

    tg.add_fault("sendMessage", "delay", delay=0.3)
    started = time.monotonic()
    await bot.send_message(alice.id, "slow but fine")
    assert time.monotonic() - started >= 0.3

    # faults scoped to another chat or method don't fire
    tg.add_fault("sendMessage", "403", chat_id=4242)
    tg.add_fault("sendPhoto", "5xx")
    await bot.send_message(alice.id, "unaffected")

    assert [m.text for m in tg.sent] == ["slow but fine", "unaffected"]
    assert tg.stats.too_many_requests == 1
    assert tg.stats.forbidden == 1
    assert tg.stats.server_errors == 3
    assert tg.stats.by_status[502] == 1
    assert tg.stats.injected["delay"] == 1
    assert len(tg.faults) == 2
    tg.clear_faults()
    assert tg.faults == []


async def test_hang_times_out_but_takes_effect(tg: FakeBotAPI) -> None:
    alice = tg.user(1001, "Alice")
    tg.private_chat(alice)
    request = HTTPXRequest(read_timeout=0.3, connect_timeout=1.0)
    impatient = Bot(TOKEN, base_url=tg.base_url, request=request)
    async with impatient:
        tg.add_fault("sendMessage", "hang", delay=5)
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await impatient.send_message(alice.id, "did it arrive?")
        assert time.monotonic() - started < 2
        # the message was delivered although the client saw a timeout
        assert [m.text for m in tg.sent] == ["did it arrive?"]
        assert tg.stats.hangs == 1
        await impatient.send_message(alice.id, "retry")
    assert [m.text for m in tg.delivered(alice.id)] == ["did it arrive?", "retry"]


async def test_random_faults_are_seeded(tg: FakeBotAPI, bot: Bot) -> None:
    alice = tg.user(1001, "Alice")
    tg.private_chat(alice)

    async def run(seed: int) -> list[str]:
        tg.set_random_faults(p_5xx=0.3, p_429=0.2, seed=seed)
        outcome: list[str] = []
        for i in range(20):
            try:
                await bot.send_message(alice.id, f"m{i}")
                outcome.append("ok")
            except RetryAfter:
                outcome.append("429")
            except NetworkError:
                outcome.append("5xx")
        return outcome

    first = await run(5)
    second = await run(5)
    assert first == second
    assert {"ok", "429", "5xx"} <= set(first)
    assert len(tg.sent) == 2 * first.count("ok")
    assert tg.stats.injected["5xx"] == 2 * first.count("5xx")
    tg.set_random_faults()  # all zero: off
    await bot.send_message(alice.id, "clean")


async def test_blocked_user_and_migrated_group(tg: FakeBotAPI, bot: Bot) -> None:
    alice = tg.user(1001, "Alice")
    tg.private_chat(alice)
    blocked = tg.my_chat_member(alice, alice, "member", "kicked")
    assert blocked["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(alice.id, "still there?")
    tg.set_blocked(alice, False)
    await bot.send_message(alice.id, "welcome back")

    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(55555, "who?")

    old = tg.group(-4001, "Old group", supergroup=False)
    tg.set_admins(old, [alice.id], creator_id=alice.id)
    to_msg, from_msg = tg.migrate_group(old, -1004001)
    assert to_msg["message"]["migrate_to_chat_id"] == -1004001
    assert from_msg["message"]["migrate_from_chat_id"] == -4001
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(old.id, "hello group")
    assert migrated.value.new_chat_id == -1004001
    assert tg.calls[-1].description == "Bad Request: group chat was upgraded to a supergroup chat"
    msg = await bot.send_message(-1004001, "hello supergroup")
    assert msg.chat.type == "supergroup"
    assert (await bot.get_chat_member(-1004001, alice.id)).status == "creator"
    updates = await bot.get_updates(timeout=0, allowed_updates=Update.ALL_TYPES)
    assert [u.message.migrate_from_chat_id for u in updates if u.message] == [None, -4001]


async def test_rate_limits_enforced() -> None:
    async with FakeBotAPI(token=TOKEN, enforce_limits=True) as tg:
        bot = Bot(TOKEN, base_url=tg.base_url)
        async with bot:
            for uid in range(1, 41):
                tg.private_chat(tg.user(uid))
            results = await asyncio.gather(
                *(bot.send_message(uid, f"hi {uid}") for uid in range(1, 32)),
                return_exceptions=True,
            )
            limited = [r for r in results if isinstance(r, RetryAfter)]
            assert len(limited) == 1
            assert _retry_seconds(limited[0]) >= 1
            assert len(tg.sent) == 30
            assert tg.stats.rate_limited == 1
            assert tg.stats.too_many_requests == 1
            # failed sends don't eat the budget: after the window moves on, sending works
            await asyncio.sleep(1.05)
            await bot.send_message(35, "later")

    async with FakeBotAPI(token=TOKEN, enforce_limits=True) as tg:
        bot = Bot(TOKEN, base_url=tg.base_url)
        async with bot:
            group = tg.group(-100777, "Busy group")
            for i in range(20):
                await bot.send_message(group.id, f"g{i}")
            with pytest.raises(RetryAfter) as retry:
                await bot.send_message(group.id, "one too many")
            assert 50 <= _retry_seconds(retry.value) <= 60
            tg.private_chat(tg.user(7))
            await bot.send_message(7, "private chats are not affected")
            assert len(tg.delivered(group.id)) == 20


async def test_paid_broadcasts_have_a_higher_limit_of_their_own_and_cost_stars() -> None:
    async with FakeBotAPI(token=TOKEN, enforce_limits=True) as tg:
        bot = Bot(TOKEN, base_url=tg.base_url)
        async with bot:
            for uid in range(1, 121):
                tg.private_chat(tg.user(uid))
            paid = await asyncio.gather(
                *(bot.send_message(uid, "paid", allow_paid_broadcast=True)
                  for uid in range(1, 101)),
                return_exceptions=True,
            )
            assert not [r for r in paid if isinstance(r, Exception)]  # 100 > 30 in a second
            free = await asyncio.gather(
                *(bot.send_message(uid, "free") for uid in range(1, 32)),
                return_exceptions=True,
            )
            assert len([r for r in free if isinstance(r, RetryAfter)]) == 1  # still 30
            assert tg.stats.paid_messages == 100
            assert tg.calls_to("sendMessage")[0].params["allow_paid_broadcast"] is True

            tg.rate_limiter.reset()
            tg.set_star_balance(0.2)  # two more paid messages
            await bot.send_message(101, "paid", allow_paid_broadcast=True)
            await bot.send_message(102, "paid", allow_paid_broadcast=True)
            with pytest.raises(BadRequest, match=r"(?i)balance_too_low"):
                await bot.send_message(103, "paid", allow_paid_broadcast=True)
            await bot.send_message(103, "free")
            assert tg.stats.paid_messages == 102

    limiter = RateLimiter()
    for n in range(1000):
        limiter.record(None, n / 1000, paid=True)
    assert limiter.check(None, 0.999, paid=True) == 1  # the 1,001st within a second waits
    assert limiter.check(None, 0.999) is None  # free sends are counted apart


# ---------------------------------------------------------------------------------------------
# files
# ---------------------------------------------------------------------------------------------


async def test_send_document_multipart_keeps_bytes(tg: FakeBotAPI, bot: Bot) -> None:
    alice = tg.user(1001, "Alice")
    tg.private_chat(alice)
    payload = b"plan,days\nbasic,30\n" * 100
    msg = await bot.send_document(
        alice.id, document=payload, filename="plans.csv", caption="Your plans"
    )
    assert msg.document is not None and msg.document.file_name == "plans.csv"
    sent = tg.sent[-1]
    assert sent.method == "sendDocument"
    assert sent.document == payload
    assert sent.filename == "plans.csv"
    assert sent.caption == "Your plans"

    # re-send by file_id and download what the bot uploaded
    again = await bot.send_document(alice.id, document=msg.document.file_id)
    assert tg.sent[-1].document == payload
    assert again.document is not None
    tg_file = await bot.get_file(again.document.file_id)
    assert bytes(await tg_file.download_as_bytearray()) == payload

    await bot.send_photo(alice.id, photo=b"\x89PNG fake", caption="<b>pic</b>", parse_mode="HTML")
    assert tg.sent[-1].photo == b"\x89PNG fake"
    assert tg.sent[-1].message["caption"] == "pic"

    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_document(alice.id, document="nope")

    edited = await bot.edit_message_caption(alice.id, msg.message_id, caption="Updated plans")
    assert not isinstance(edited, bool) and edited.caption == "Updated plans"
    snapshot = tg.current(alice.id, msg.message_id)
    assert snapshot is not None and snapshot.caption == "Updated plans"
    assert snapshot.document == payload
    with pytest.raises(BadRequest, match=r"(?i)there is no text in the message to edit"):
        await bot.edit_message_text("text?", alice.id, msg.message_id)

    forwarded = await bot.forward_message(alice.id, alice.id, msg.message_id)
    assert forwarded.document is not None and forwarded.forward_origin is not None
    copied = await bot.copy_message(alice.id, alice.id, msg.message_id)
    assert copied.message_id == forwarded.message_id + 1
    assert [m.method for m in tg.sent][-2:] == ["forwardMessage", "copyMessage"]


async def test_user_document_get_file_and_download(tg: FakeBotAPI, bot: Bot) -> None:
    alice = tg.user(1001, "Alice")
    content = b"%PDF-1.7 renewal receipt"
    tg.send_document(alice, "receipt.pdf", content, "application/pdf", caption="my receipt")
    tg.send_photo(alice, b"\xff\xd8photo-bytes")
    updates = await bot.get_updates(timeout=0)
    doc_msg = updates[0].message
    assert doc_msg is not None and doc_msg.document is not None
    assert doc_msg.document.mime_type == "application/pdf"
    assert doc_msg.caption == "my receipt"
    tg_file = await doc_msg.document.get_file()
    assert tg_file.file_path is not None and tg_file.file_path.startswith(tg.base_file_url)
    assert bytes(await tg_file.download_as_bytearray()) == content

    photo_msg = updates[1].message
    assert photo_msg is not None and len(photo_msg.photo) == 3
    photo_file = await photo_msg.photo[-1].get_file()
    assert bytes(await photo_file.download_as_bytearray()) == b"\xff\xd8photo-bytes"

    with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
        await bot.get_file("missing")


# ---------------------------------------------------------------------------------------------
# validation like Telegram
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("<a href='https://x.org'>x", 'Can\'t find end tag corresponding to start tag "a"'),
    ],
)
async def test_malformed_html_rejected(tg: FakeBotAPI, bot: Bot, html: str, error: str) -> None:
    alice = tg.user(1001, "Alice")
    tg.private_chat(alice)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(alice.id, html, parse_mode="HTML")
    description = tg.calls[-1].description
    assert description is not None
    assert description.startswith("Bad Request: can't parse entities: " + error)
    assert tg.sent == []


async def test_valid_markup_produces_entities(tg: FakeBotAPI, bot: Bot) -> None:
    alice = tg.user(1001, "Alice")
    tg.private_chat(alice)
    html = (
        '<b>bold <i>both</i></b> <a href="https://x.org/a?b=1&amp;c=2">link</a> '
        '<span class="tg-spoiler">s</span> <tg-spoiler>t</tg-spoiler> &lt;3 😀 <code>c</code> '
        '<blockquote expandable>q</blockquote> <pre><code class="language-py">x=1</code></pre>'
    )
    msg = await bot.send_message(alice.id, html, parse_mode="HTML")
    assert msg.text == "bold both link s t <3 😀 c q x=1"
    kinds = [(e.type, e.offset, e.length) for e in msg.entities]
    assert kinds == [
        ("bold", 0, 9),
        ("italic", 5, 4),
        ("text_link", 10, 4),
        ("spoiler", 15, 1),
        ("spoiler", 17, 1),
        ("code", 25, 1),  # the emoji counts as two UTF-16 units
        ("expandable_blockquote", 27, 1),
        ("pre", 29, 3),
    ]
    assert msg.entities[2].url == "https://x.org/a?b=1&c=2"
    assert msg.entities[-1].language == "py"

    plain, ents = parse_formatted("*bold* _it_ [l](https://x.org) \\.", "MarkdownV2")
    assert plain == "bold it l ."
    assert [e["type"] for e in ents] == ["bold", "italic", "text_link"]
    with pytest.raises(BadRequest, match=r"(?i)reserved"):
        await bot.send_message(alice.id, "Renewed. Thanks!", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match=r"(?i)can't find end of the entity"):
        await bot.send_message(alice.id, "a *b", parse_mode="Markdown")


async def test_send_and_edit_validation(tg: FakeBotAPI, bot: Bot) -> None:
    alice = tg.user(1001, "Alice")
    tg.private_chat(alice)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(alice.id, "   ")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(alice.id, "x" * 4097)
    await bot.send_message(alice.id, "x" * 4096)
    too_long_data = InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="d" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(alice.id, "menu", reply_markup=too_long_data)

    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="ok")]])
    msg = await bot.send_message(alice.id, "menu", reply_markup=keyboard)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("menu", alice.id, msg.message_id, reply_markup=keyboard)
    edited = await bot.edit_message_text("menu v2", alice.id, msg.message_id)
    assert isinstance(edited, object)
    current = tg.current(alice.id, msg.message_id)
    assert current is not None and current.text == "menu v2" and current.buttons() == []
    with pytest.raises(AssertionError):
        tg.press(alice, msg, "ok")  # the keyboard is gone from the stored message
    forged = tg.press(alice, msg, "ok", forge=True)
    assert forged["callback_query"]["data"] == "ok"

    await bot.edit_message_reply_markup(alice.id, msg.message_id, reply_markup=keyboard)
    assert tg.outbox[-1].is_edit and tg.outbox[-1].text == "menu v2"
    assert await bot.delete_message(alice.id, msg.message_id) is True
    assert tg.is_deleted(alice.id, msg.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("gone", alice.id, msg.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(alice.id, msg.message_id)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query("12345")
    assert [m.method for m in tg.sent] == ["sendMessage", "sendMessage"]


async def test_commands_chat_info_and_actions(tg: FakeBotAPI, bot: Bot) -> None:
    from telegram import BotCommand, BotCommandScopeChat

    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("renew", "Renew")])
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):  # nobody wrote from 1001 yet
        await bot.set_my_commands([BotCommand("start", "Start")], scope=BotCommandScopeChat(1001))
    tg.private_chat(tg.user(1001, "Alice"))
    await bot.set_my_commands(
        [BotCommand("start", "Starten")], scope=BotCommandScopeChat(1001), language_code="de"
    )
    assert tg.commands_for() == [("start", "Start"), ("renew", "Renew")]
    assert tg.commands_for("chat:1001", "de") == [("start", "Starten")]
    assert [c.command for c in await bot.get_my_commands()] == ["start", "renew"]
    assert await bot.get_my_commands(language_code="fr") == ()
    await bot.delete_my_commands()
    assert tg.commands_for() == []
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Bad Name", "x")])

    alice = tg.user(1001, "Alice", username="alice")
    bob = tg.user(1002, "Bob")
    group = tg.group(-100200, "Renewals", forum=True)
    tg.set_admins(group, [bob.id], creator_id=alice.id)
    tg.send_text(alice, "hi all", chat=group, thread_id=5)
    assert (await bot.get_chat_member(group.id, bob.id)).status == "administrator"
    assert (await bot.get_chat_member(group.id, tg.bot_id)).status == "member"
    tg.set_bot_status(group, "administrator", can_delete_messages=False)
    bot_member = await bot.get_chat_member(group.id, tg.bot_id)
    assert bot_member.status == "administrator"
    assert getattr(bot_member, "can_delete_messages", None) is False
    admins = await bot.get_chat_administrators(group.id)
    assert [a.user.id for a in admins] == [alice.id, bob.id, tg.bot_id]
    assert await bot.get_chat_member_count(group.id) == 3
    chat = await bot.get_chat(group.id)
    assert (chat.type, chat.title, chat.is_forum) == ("supergroup", "Renewals", True)
    with pytest.raises(BadRequest, match=r"(?i)can't be deleted"):
        await bot.delete_message(group.id, 1)  # alice's message, bot lacks the right

    topic_msg = await bot.send_message(group.id, "in topic", message_thread_id=5)
    assert topic_msg.message_thread_id == 5
    assert tg.sent[-1].message_thread_id == 5
    await bot.send_chat_action(group.id, "typing")
    assert tg.chat_actions == [(group.id, "typing")]
    assert await bot.leave_chat(group.id) is True
    with pytest.raises(Forbidden, match=r"(?i)not a member"):
        await bot.send_message(group.id, "still here?")


# ---------------------------------------------------------------------------------------------
# webhook
# ---------------------------------------------------------------------------------------------


async def test_webhook_delivery_with_secret(tg: FakeBotAPI, bot: Bot) -> None:
    received: list[tuple[dict[str, object], str | None]] = []
    failures_left = [1]
    arrived = asyncio.Event()

    async def receive(request: web.Request) -> web.Response:
        if failures_left[0] > 0:
            failures_left[0] -= 1
            return web.Response(status=500)
        received.append(
            (await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        )
        arrived.set()
        return web.Response(text="ok")

    hook_app = web.Application()
    hook_app.router.add_post("/hook", receive)
    runner = web.AppRunner(hook_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = next(a[1] for a in runner.addresses if isinstance(a, tuple))
    try:
        url = f"http://127.0.0.1:{port}/hook"
        assert await bot.set_webhook(url, secret_token="s3cr3t_T0ken") is True
        info = await bot.get_webhook_info()
        assert info.url == url
        with pytest.raises(Conflict):
            await bot.get_updates(timeout=0)

        alice = tg.user(1001, "Alice")
        update = tg.send_text(alice, "via webhook")
        await asyncio.wait_for(arrived.wait(), 5)
        body, secret = received[0]
        assert secret == "s3cr3t_T0ken"
        assert body["update_id"] == update["update_id"]
        assert body["message"] == update["message"]
        assert tg.stats.webhook_failures == 1  # the first POST got a 500 and was retried
        assert (await bot.get_webhook_info()).pending_update_count == 0

        assert await bot.delete_webhook() is True
        tg.send_text(alice, "via polling")
        updates = await bot.get_updates(timeout=0)
        assert [u.message.text for u in updates if u.message] == ["via polling"]
    finally:
        await runner.cleanup()
