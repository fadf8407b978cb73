"""The SQL persistence round-trips conversation states and user/chat data on both backends."""

from __future__ import annotations

from bot.runtime.persistence import SQLPersistence
from storage.db import Database


async def test_conversations_round_trip(db: Database) -> None:
    persistence = SQLPersistence(db)
    await persistence.update_conversation("addcard", (10, 20), 3)
    await persistence.update_conversation("addcard", (11, 21), "price")
    await persistence.update_conversation("other", (10, 20), 1)
    await persistence.update_conversation("addcard", (10, 20), 4)  # overwrite

    fresh = SQLPersistence(db)
    assert await fresh.get_conversations("addcard") == {(10, 20): 4, (11, 21): "price"}

    await fresh.update_conversation("addcard", (10, 20), None)  # conversation ended
    assert await fresh.get_conversations("addcard") == {(11, 21): "price"}
    assert await fresh.get_conversations("other") == {(10, 20): 1}


async def test_user_and_chat_data_round_trip(db: Database) -> None:
    persistence = SQLPersistence(db)
    await persistence.update_user_data(7, {"draft": {"label": "工作卡 <b>", "price": 3000}})
    await persistence.update_chat_data(-100, {"x": [1, 2]})
    await persistence.update_user_data(8, {"a": 1})
    await persistence.drop_user_data(8)
    await persistence.update_chat_data(-100, {"x": [1, 2, 3]})

    fresh = SQLPersistence(db)
    assert await fresh.get_user_data() == {7: {"draft": {"label": "工作卡 <b>", "price": 3000}}}
    assert await fresh.get_chat_data() == {-100: {"x": [1, 2, 3]}}

    await fresh.update_user_data(7, {})  # emptied data leaves no row behind
    assert await fresh.get_user_data() == {}
