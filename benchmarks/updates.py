"""Update-handling benchmark: prints one JSON object.

Many concurrent fake users ask FAQ questions (the labelled sets in tests/data/eval, zh and en), each
waiting for the answer before asking the next. The same load runs against this bot (the real
Application from build_application: handlers, SQL persistence, database, job queue) and
against a bare python-telegram-bot echo bot, alternately for a few rounds. Each bot runs in
its own process and polls its own fresh fake Bot API server; the server and the users run in
this process, so the bot under test has a CPU core to itself.

Reported per bot (median of the rounds): updates/s over the measured phase, p50/p99 latency
from the user's message being queued at the server to the bot's reply reaching the server,
and the bot process's CPU time per update; ratio = this bot's updates/s / the echo bot's.

The echo bot is python-telegram-bot as it comes: its own HTTP client (HTTPXRequest), held to
the same 16 requests in flight. This bot talks to the Bot API through its own client
(bot/runtime/request.py, aiohttp), which costs far less CPU per call than PTB's; so the run
also measures the echo bot on this bot's client ("echo_same_client"), and same_client_ratio
says what this bot's features cost over an echo with the same transport.

Fairness otherwise: all bots poll with run_polling()'s defaults (what `renewbot run` does), use
the same update processor as build_application (chats concurrently, each chat in order) and
the bot's TelegramRateLimiter with an unreachable overall rate. At the production rate
(29 msg/s) both would be capped at 29 replies/s and the ratio would measure the limiter, not
update handling. PTB's client is bounded because its pool of 256 connections made the echo
bot's cost depend on how many connections its warm-up happened to open (1.9 ms of CPU per
update with 17 sockets, 2.9 ms with 35): httpcore walks every pooled connection whenever a
request starts or ends. The echo bots have no persistence and no database.

Start-up (startup_s; issue 11 bounds it at 3 s): seconds from starting this bot's process to
its first getUpdates when it starts again, as a deployed bot does after a restart: its
database is there and its knowledge base cached (bot/knowledge/cache.py). Each round first
starts the bot on a new database with an empty cache, as after installing a new version
(first_start_s): the migrations create the schema and the knowledge base is built. All bots
run the project's modules compiled, as an installed bot does.

    python benchmarks/updates.py [--users 200] [--questions 10] [--rounds 3]
                                 [--database-url postgresql://...] [--profile DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from itertools import cycle
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from telegram.request import BaseRequest, HTTPXRequest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.runtime.ratelimit import TelegramRateLimiter  # noqa: E402
from bot.runtime.request import IN_FLIGHT, BoundedRequest  # noqa: E402
from bot.runtime.update_processor import PerChatUpdateProcessor  # noqa: E402

# The bot processes run this file too: the harness's own modules (the fake server brings
# aiohttp, about a third of a second) are imported where the harness uses them, so that they
# do not count in a bot's start-up.
if TYPE_CHECKING:
    from fakebotapi import FakeBotAPI

EVAL_DIR = ROOT / "tests" / "data" / "eval"
# Seconds from starting the bot's process to its first getUpdates (issue 11's start-up bound).
STARTUP_TARGET_S = 3.0
RATIO_TARGET = 0.85
# Requests per second the limiter allows: never reached, so it never waits.
UNPACED = 1e9
BOTS = ("echo", "echo_same_client", "renewbot")
FIRST_USER_ID = 500_001
PROBE_ID = 500_000  # the user whose message marks start-up (see _start)


# ------------------------------------------------------------------------ the bot processes


class _PTBClient(HTTPXRequest):
    """PTB's own client, at most IN_FLIGHT requests at a time (the rest wait in order)."""

    __slots__ = ("_slots",)

    def __init__(self) -> None:
        super().__init__(connection_pool_size=IN_FLIGHT)
        self._slots = asyncio.Semaphore(IN_FLIGHT)

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        async with self._slots:
            return await super().do_request(*args, **kwargs)


def _echo_application(
    token: str, base_url: str, request: BaseRequest, polling: BaseRequest | None = None
) -> Any:
    """polling: the getUpdates client (None: PTB's own, as PTB builds it)."""
    from telegram import Update
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

    async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .rate_limiter(TelegramRateLimiter(per_second=UNPACED))
        .concurrent_updates(PerChatUpdateProcessor())
        .request(request)
    )
    if polling is not None:
        builder = builder.get_updates_request(polling)
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return application


def _renewbot_application(token: str, base_url: str, database_url: str) -> Any:
    import bot.runtime.app
    from bot.settings import load_settings
    from storage.db import Database
    from storage.migrate import upgrade

    async def migrate() -> None:
        db = Database(database_url)
        await upgrade(db)
        await db.dispose()

    asyncio.run(migrate())
    # build_application creates its limiter itself: give it the echo bot's (see the docstring).
    bot.runtime.app.TelegramRateLimiter = partial(TelegramRateLimiter, per_second=UNPACED)  # type: ignore[misc]
    settings = load_settings(
        _env_file=None, bot_token=token, bot_api_base_url=base_url, database_url=database_url
    )
    return bot.runtime.app.build_application(settings)


def serve(kind: str, token: str, base_url: str, database_url: str, profile: str | None) -> None:
    """Run one bot until SIGTERM (the child process of `measure`), optionally under cProfile."""
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    if kind == "echo":
        application = _echo_application(token, base_url, _PTBClient())
    elif kind == "echo_same_client":
        # As build_application sets the bot's clients up.
        application = _echo_application(token, base_url, BoundedRequest(), BoundedRequest(1))
    else:
        application = _renewbot_application(token, base_url, database_url)
    if profile is None:
        application.run_polling()
        return
    profiler = cProfile.Profile()
    profiler.runcall(application.run_polling)
    profiler.dump_stats(Path(profile) / f"{kind}.prof")


def compile_modules() -> None:
    """Compile the project's modules, as pip does when it installs the bot.

    From a checkout, Python caches compiled modules on a first start, unless
    PYTHONDONTWRITEBYTECODE is set (as on this project's development machine): then every
    start would compile about a hundred modules from source again, a fifth of a second that an
    installed bot never spends. Reading the cache is allowed either way.
    """
    packages = [str(ROOT / package) for package in ("bot", "handlers", "storage")]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *packages], check=True)


# ------------------------------------------------------------------------------ the load


def load_questions() -> list[tuple[str, str]]:
    """(text, language_code) of every labelled question, except the few that are requests
    ("remind me before my SIM expires" starts /addcard, and the user's next questions would
    become its answers): this measures answering questions."""
    import yaml

    from bot.knowledge.intents import detect_intent

    return [
        (str(item["q"]), "zh-hans" if item["lang"] == "zh" else "en")
        for path in sorted(EVAL_DIR.glob("*.yaml"))
        for item in (yaml.load(path.read_text("utf-8"), Loader=yaml.CSafeLoader) or {}).get(
            "questions", []
        )
        if detect_intent(str(item["q"])) is None
    ]


class Replies:
    """Hands each bot reply to the user waiting for it: one reader of the server's outbox,
    not one waiter per user (which would make the server's side quadratic in users)."""

    def __init__(self, api: FakeBotAPI) -> None:
        self.api = api
        self.waiting: dict[int, asyncio.Future[float]] = {}

    def expect(self, chat_id: int) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[chat_id] = future
        return future

    async def run(self) -> None:
        while True:
            try:
                message = await self.api.wait_for_message(timeout=3600)
            except AssertionError:
                continue
            future = self.waiting.pop(message.chat_id, None)
            if future is not None and not future.done():
                future.set_result(message.time)  # when the server received the reply


async def _user(
    api: FakeBotAPI, replies: Replies, user_id: int, questions: list[tuple[str, str]],
    latencies: list[float] | None,
) -> None:
    for text, _language in questions:
        reply = replies.expect(user_id)
        queued = time.monotonic()
        api.send_text(user_id, text)
        received = await asyncio.wait_for(reply, timeout=60)
        if latencies is not None:
            latencies.append(received - queued)


async def _ready(api: FakeBotAPI, process: asyncio.subprocess.Process) -> None:
    """The bot has started polling (its first getUpdates reached the server)."""
    for _ in range(600):
        if api.calls_to("getUpdates"):
            return
        if process.returncode is not None:
            raise RuntimeError(f"the bot exited with {process.returncode}")
        await asyncio.sleep(0.1)
    raise RuntimeError("the bot did not start polling within 60 s")


async def _start(
    api: FakeBotAPI, kind: str, database_url: str, cache: Path, log: BinaryIO,
    profile: str | None = None,
) -> tuple[asyncio.subprocess.Process, float]:
    """Start a bot polling `api`: the process, and seconds from starting it (interpreter,
    imports, the database check or migrations, the knowledge base) to its first getUpdates."""
    # A message waiting before the bot starts makes its first getUpdates return at once,
    # so that call's completion (the server records calls when they end) marks start-up
    # rather than the end of a 10-second long poll.
    api.user(PROBE_ID, "Probe")
    api.send_text(PROBE_ID, "hello")
    spawned = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--serve", kind, "--token", api.token,
        "--base-url", api.base_url, "--database-url", database_url,
        *(["--profile", profile] if profile else []),
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "XDG_CACHE_HOME": str(cache)},
    )
    try:
        await _ready(api, process)
    except BaseException:
        process.terminate()
        raise
    return process, api.calls_to("getUpdates")[0].time - spawned


async def first_start(database_url: str, cache: Path, workdir: Path) -> float:
    """This bot's start-up on a new database with an empty cache folder."""
    from fakebotapi import FakeBotAPI

    with (workdir / "first-start.log").open("wb") as log:
        async with FakeBotAPI() as api:
            process, startup = await _start(api, "renewbot", database_url, cache, log)
            # Its answer to the probe: then it is stopped waiting, not in the middle of a call.
            await api.wait_for_message(timeout=30)
            process.terminate()
        await asyncio.wait_for(process.wait(), timeout=30)
    return startup


async def measure(
    kind: str, args: argparse.Namespace, database_url: str, cache: Path, workdir: Path
) -> dict[str, Any]:
    import psutil

    from fakebotapi import FakeBotAPI

    users, per_user = args.users, args.questions
    questions = load_questions()
    async with FakeBotAPI() as api:
        ids = range(FIRST_USER_ID, FIRST_USER_ID + users)
        feed = cycle(questions)
        plans = {uid: [next(feed) for _ in range(per_user + 1)] for uid in ids}
        for uid, plan in plans.items():
            api.user(uid, f"User {uid}", language_code=plan[0][1])
            api.private_chat(uid)
        log = (workdir / f"{kind}.log").open("wb")
        process, startup = await _start(api, kind, database_url, cache, log, args.profile)
        replies = Replies(api)
        reader = asyncio.create_task(replies.run())
        try:
            # Warm-up: every chat's first contact (the bot registers the chat) and caches.
            await asyncio.gather(*(_user(api, replies, u, p[:1], None) for u, p in plans.items()))
            bot_cpu = psutil.Process(process.pid)
            cpu_before, own_before = bot_cpu.cpu_times(), psutil.Process().cpu_times()
            latencies: list[float] = []
            polls_before = len(api.calls_to("getUpdates"))
            started = time.monotonic()
            await asyncio.gather(
                *(_user(api, replies, u, p[1:], latencies) for u, p in plans.items())
            )
            elapsed = time.monotonic() - started
            polls = len(api.calls_to("getUpdates")) - polls_before
            cpu_after, own_after = bot_cpu.cpu_times(), psutil.Process().cpu_times()
        finally:
            reader.cancel()
            process.terminate()
    # After the server closed, which ends the bot's pending long poll at once.
    await asyncio.wait_for(process.wait(), timeout=30)
    log.close()
    latencies.sort()
    busy = (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system)
    driver = (own_after.user + own_after.system) - (own_before.user + own_before.system)
    return {
        # See _start; this bot restarts, after its first start of the round.
        "startup_s": round(startup, 2),
        "updates": len(latencies),
        "updates_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
        # Share of one core the bot process used; near 1.0 means it is CPU-bound.
        "bot_cpu_share": round(busy / elapsed, 2),
        # The same for the fake server and the users: below 1.0, they did not hold it back.
        "server_cpu_share": round(driver / elapsed, 2),
        "bot_cpu_ms_per_update": round(busy / len(latencies) * 1000, 3),
        # Fewer updates per getUpdates means more polling requests for the same work.
        "updates_per_poll": round(len(latencies) / max(polls, 1), 1),
    }


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Each figure's median over the rounds (the lower middle one for an even count)."""
    return {key: statistics.median_low(run[key] for run in runs) for key in runs[0]}


async def main(args: argparse.Namespace) -> dict[str, Any]:
    runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in BOTS}
    first_starts: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        compile_modules()
        # Rounds alternate the bots, so a busy moment on the machine does not hit one only.
        for round_ in range(args.rounds):
            database_url = args.database_url or f"sqlite:///{workdir / f'bench{round_}.db'}"
            cache = workdir / f"cache{round_}"
            first_starts.append(await first_start(database_url, cache, workdir))
            for kind in BOTS:
                runs[kind].append(await measure(kind, args, database_url, cache, workdir))
    bot, echo = _median(runs["renewbot"]), _median(runs["echo"])
    same_client = _median(runs["echo_same_client"])
    ratio = bot["updates_per_s"] / echo["updates_per_s"]
    return {
        "benchmark": "updates",
        "users": args.users,
        "questions_per_user": args.questions,
        "rounds": args.rounds,
        "settings": {
            "polling": "run_polling() defaults, one fake Bot API server per bot",
            "update_processor": "PerChatUpdateProcessor (as build_application) in all",
            "rate_limiter": f"TelegramRateLimiter(per_second={UNPACED:g}) in all: never waits",
            "http_client": "renewbot and echo_same_client: BoundedRequest (aiohttp); "
            f"echo: PTB's HTTPXRequest, {IN_FLIGHT} requests in flight",
            "database": "renewbot: " + (args.database_url or "sqlite").split("://")[0]
            + "; echo bots: none",
        },
        "renewbot": bot,
        "echo": echo,
        "ratio": round(ratio, 3),
        # The same ratio from CPU time per update: what it would be with both bots CPU-bound,
        # and less sensitive to other load on the machine than the throughput ratio.
        "cpu_ratio": round(echo["bot_cpu_ms_per_update"] / bot["bot_cpu_ms_per_update"], 3),
        # Against the echo bot on this bot's HTTP client: what the bot's features cost.
        "echo_same_client": same_client,
        "same_client_ratio": round(bot["updates_per_s"] / same_client["updates_per_s"], 3),
        "target": RATIO_TARGET,
        "meets_target": ratio >= RATIO_TARGET,
        # A restart (see the docstring); first_start_s is a new version's first start.
        "startup_s": bot["startup_s"],
        "first_start_s": round(statistics.median_low(first_starts), 2),
        "startup_target_s": STARTUP_TARGET_S,
        "startup_meets_target": bot["startup_s"] < STARTUP_TARGET_S,
    }


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--questions", type=int, default=10, help="measured questions per user")
    parser.add_argument("--rounds", type=int, default=3, help="median of this many runs")
    parser.add_argument("--database-url", help="default: a fresh SQLite file per round")
    parser.add_argument("--profile", metavar="DIR", help="write cProfile stats of each bot here")
    parser.add_argument("--serve", choices=BOTS, help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = _parse_args()
    if arguments.serve:
        serve(
            arguments.serve, arguments.token, arguments.base_url, arguments.database_url,
            arguments.profile,
        )
    else:
        print(json.dumps(asyncio.run(main(arguments))))
