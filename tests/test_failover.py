"""Failover keeps conversations: two bot processes on one PostgreSQL database.

Only the active instance polls (so nobody ever gets 409 Conflict); a user is three answers
into /addcard on it when it is killed with SIGKILL; the stand-by takes over, loads the
conversation as the dead instance stored it, continues at the same step, and the card is
saved once. The takeover time — from the kill to the stand-by's answer — is printed.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from fakebotapi import FakeBotAPI, SentMessage
from fakebotapi.objects import FakeUser
from storage.db import Database
from storage.models import Card, PersistedConversation, PersistedData
from tests.conftest import reset_postgres
from tests.processes import BotProcess, wait_until

pytestmark = pytest.mark.postgres
USER = 880_001
FORM = "card_form"  # handlers.cards.form.FORM


async def _say(api: FakeBotAPI, user: FakeUser, text: str) -> SentMessage:
    since = api.mark()
    api.send_text(user, text)
    return await api.wait_for_message(user.id, since=since, timeout=60)


async def _press(api: FakeBotAPI, user: FakeUser, message: SentMessage, data: str) -> SentMessage:
    since = api.mark()
    api.press(user, message, data)
    return await api.wait_for_message(user.id, since=since, include_edits=True, timeout=60)


async def _stored(db: Database) -> tuple[object, dict[str, Any]]:
    """The user's /addcard step and draft as the database holds them."""
    async with db.session(readonly=True) as session:
        state = (await session.exec(
            select(PersistedConversation.state).where(
                PersistedConversation.name == FORM,
                PersistedConversation.key == json.dumps([USER, USER]),
            )
        )).first()
        data = (await session.exec(
            select(PersistedData.data).where(
                PersistedData.kind == "user", PersistedData.owner_id == USER
            )
        )).first()
    draft = json.loads(data).get(FORM, {}).get(str(USER), {}) if data else {}
    return (json.loads(state) if state else None), draft


async def test_the_standby_continues_a_conversation_after_kill_9(
    api: FakeBotAPI, postgres_url: str, tmp_path: Path
) -> None:
    await reset_postgres(postgres_url)
    user = api.user(USER, "Fay")
    api.private_chat(user)
    first = BotProcess(api, postgres_url, tmp_path).start()
    second: BotProcess | None = None
    db = Database(postgres_url)
    try:
        await wait_until(lambda: "this instance is active" in first.log(), 60, "A active", first)
        second = BotProcess(api, postgres_url, tmp_path).start()
        standby = second
        await wait_until(lambda: "standing by" in standby.log(), 60, "B standing by", second)

        await _say(api, user, "/addcard")
        prompt = await _say(api, user, "Failover SIM")
        prompt = await _press(api, user, prompt, "cf:carrier:china_mobile")
        prompt = await _press(api, user, prompt, "cf:kind:esim")
        assert "phone number or ICCID" in prompt.plain_text, prompt.describe()

        # A keeps the step and the draft in the database (within PTB's persistence interval).
        async def written() -> bool:
            state, draft = await _stored(db)
            return state == "number" and draft.get("values", {}).get("kind") == "esim"

        for _ in range(100):
            if await written():
                break
            await asyncio.sleep(0.1)
        assert await written(), await _stored(db)
        first.kill()
        killed = time.monotonic()

        reply = await _say(api, user, "138 0013 1234")  # the number: step 4 of /addcard
        takeover = time.monotonic() - killed
        text = reply.plain_text
        assert "Which plan is on it?" in text and "1234" in text, reply.describe()
        assert "this instance is active" in standby.log()
        prompt = reply
        for data in ("cf:plan", "cf:price", "cf:expiry:+1y", "cf:cycle:yearly",
                     "cf:renew_from:expiry", "cf:lead_days"):
            prompt = await _press(api, user, prompt, data)
        saved = await _press(api, user, prompt, "cf:save")
        assert "Saved" in saved.plain_text, saved.describe()
        assert await standby.terminate() == 0
    finally:
        first.stop_now()
        if second is not None:
            second.stop_now()

    async with db.session(readonly=True) as session:
        cards = list(await session.exec(select(Card).where(col(Card.chat_id) == USER)))
    await db.dispose()
    assert [(c.label, c.carrier, c.kind, c.number_tail) for c in cards] == [
        ("Failover SIM", "china_mobile", "esim", "1234")
    ]
    conflicts = [c for c in api.calls_to("getUpdates") if c.status == 409]
    assert conflicts == []  # the stand-by never polled while A was alive
    print(f"\nfailover: the stand-by answered {takeover:.1f} s after kill -9 of the active "
          "instance (lock released on the kill, stand-by retries every 1 s, then loads the "
          "state and starts)")
