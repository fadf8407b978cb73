"""The Mini App's first page load and its list API, over real HTTP on 127.0.0.1.

Prints one JSON object:
- first_load_bytes: what the page's first load transfers from this server (index.html,
  app.js, app.css, api/session and api/cards of a chat with --cards cards), bodies and
  headers; Telegram's own telegram-web-app.js comes from Telegram and is not counted;
- list_ms: GET api/cards for that chat, median and p95 of --requests sequential requests
  after a warm-up, on a SQLite file: "cold" reads and renders the cards every time (as after
  a change), "cached" serves the rendered list (bot/webapp/listcache.py); initData is
  checked every time.

    python benchmarks/webapp.py [--cards 200] [--requests 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp import ClientSession, web  # noqa: E402
from aiohttp.test_utils import TestServer  # noqa: E402

from bot.domain.cards import CardService  # noqa: E402
from bot.runtime.app import build_application  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from bot.webapp.initdata import sign  # noqa: E402
from bot.webapp.server import INIT_DATA_HEADER, add_webapp  # noqa: E402
from handlers.cards.fields import columns_of  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.repositories.chats import ChatRepository  # noqa: E402

TOKEN = "1000000001:benchmark-token"
USER = {"id": 4242, "first_name": "Bench", "language_code": "zh-hans"}
CARRIERS = ("china_mobile", "china_unicom", "china_telecom", "globe", "smart", "airalo")


async def seed(db: Database, cards: int, now: datetime) -> None:
    settings = load_settings(_env_file=None, bot_token=TOKEN)
    async with db.session() as session:
        chat, _ = await ChatRepository(session).ensure(USER["id"], "private", None, "zh")
    service = CardService(db, settings, lambda: now)
    for n in range(cards):
        values = {"label": f"卡 {n}", "carrier": CARRIERS[n % len(CARRIERS)], "kind": "sim",
                  "number_tail": f"{n:04d}", "plan": "30GB", "price": 3000 + n,
                  "currency": "CNY",
                  "expires_on": (date(2026, 1, 1) + timedelta(days=n)).isoformat(),
                  "cycle": "monthly", "renew_from": "expiry", "lead_days": "7,3,1,0"}
        await service.create(chat, created_by=USER["id"], thread_id=None,
                             columns=columns_of(values))


def _size(status_line: int, headers: object, body: bytes) -> int:
    head = sum(len(f"{k}: {v}\r\n") for k, v in headers.items())  # type: ignore[attr-defined]
    return len(f"HTTP/1.1 {status_line} OK\r\n") + head + 2 + len(body)


def _summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"median": round(statistics.median(ordered), 2),
            "p95": round(ordered[int(len(ordered) * 0.95) - 1], 2), "requests": len(ordered)}


async def main(cards: int, requests: int) -> dict[str, object]:
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        settings = load_settings(_env_file=None, bot_token=TOKEN, database_url=url,
                                 webapp_url="https://bench.example/app/")
        db = Database(url)
        await upgrade(db)
        await seed(db, cards, now)
        application = build_application(settings, db)
        app = web.Application()
        add_webapp(app, application)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        headers = {INIT_DATA_HEADER: sign(TOKEN, USER, now)}
        try:
            # Bytes as they travel: compressed, as a browser receives them.
            async with ClientSession(auto_decompress=False) as http:
                loaded = {}
                for path in ("", "app.js", "app.css", "api/session", "api/cards"):
                    async with http.get(server.make_url("/app/" + path),
                                        headers=headers) as response:
                        assert response.status == 200, path
                        body = await response.read()
                        loaded[path or "index.html"] = _size(response.status,
                                                             response.headers, body)
                timings: dict[str, list[float]] = {"cold": [], "cached": []}
                for kind, times in timings.items():
                    for n in range(requests + 20):
                        if kind == "cold":  # as after a change: read and render again
                            application.services.card_lists.invalidate(None)
                        started = time.perf_counter()
                        async with http.get(server.make_url("/app/api/cards"),
                                            headers=headers) as response:
                            await response.read()
                        if n >= 20:  # warm-up
                            times.append((time.perf_counter() - started) * 1000)
        finally:
            await server.close()
            await db.dispose()
    return {
        "cards": cards,
        "first_load_bytes": sum(loaded.values()),
        "first_load_by_file": loaded,
        "first_load_target_bytes": 300 * 1024,
        "list_ms": {kind: _summary(times) for kind, times in timings.items()},
        "list_p95_target_ms": 50,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=200)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.cards, args.requests))))
