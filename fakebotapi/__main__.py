"""Run the fake Bot API standalone: ``python -m fakebotapi --port 8081 --token 123:abc``.

Point the bot at the printed base URL. When stdin is a terminal (or with ``--repl``) you can
type as a user: plain lines are sent as messages, ``:press N`` presses button N of the last
bot message with buttons, ``:doc PATH`` sends a file, ``:quit`` stops.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import threading
from pathlib import Path

from .objects import SentMessage
from .server import FakeBotAPI


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m fakebotapi", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123:abc")
    parser.add_argument("--bot-username", default="renew_test_bot")
    parser.add_argument("--enforce-limits", action="store_true", help="answer 429 past limits")
    parser.add_argument("--user-id", type=int, default=1001, help="id of the user you type as")
    parser.add_argument("--user-name", default="Alice")
    parser.add_argument("--language", default="en", help="language_code of that user")
    repl = parser.add_mutually_exclusive_group()
    repl.add_argument("--repl", dest="repl", action="store_true", default=None)
    repl.add_argument("--no-repl", dest="repl", action="store_false")
    return parser.parse_args(argv)


def _show(msg: SentMessage) -> None:
    head = "edited" if msg.is_edit else "bot"
    print(f"\n[{head} -> chat {msg.chat_id} #{msg.message_id}] {msg.plain_text}")
    if msg.media_type:
        print(f"  <{msg.media_type} {msg.filename or ''} {len(msg.file_bytes or b'')} bytes>")
    for i, (text, value) in enumerate(msg.buttons(), 1):
        print(f"  [{i}] {text}  ({value})")


async def _printer(tg: FakeBotAPI, last: list[SentMessage]) -> None:
    while True:
        try:
            msg = await tg.wait_for_message(timeout=3600, include_edits=True)
        except AssertionError:
            continue
        if msg.buttons():
            last[:] = [msg]
        _show(msg)


def _read_file(raw: str) -> tuple[str, bytes]:
    path = Path(raw).expanduser()
    return path.name, path.read_bytes()


def _stdin_lines(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]) -> None:
    for line in sys.stdin:
        loop.call_soon_threadsafe(queue.put_nowait, line.rstrip("\n"))
    loop.call_soon_threadsafe(queue.put_nowait, None)


async def _repl(tg: FakeBotAPI, args: argparse.Namespace) -> None:
    user = tg.user(args.user_id, args.user_name, language_code=args.language)
    tg.private_chat(user)
    last: list[SentMessage] = []
    printer = asyncio.create_task(_printer(tg, last))
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    loop = asyncio.get_running_loop()
    threading.Thread(target=_stdin_lines, args=(loop, queue), daemon=True).start()
    print(f"Typing as {user.first_name} (id {user.id}). :press N, :doc PATH, :quit")
    try:
        while (line := await queue.get()) is not None:
            line = line.strip()
            if not line:
                continue
            if line == ":quit":
                break
            try:
                if line.startswith(":press "):
                    if not last:
                        print("no message with buttons yet")
                        continue
                    msg = last[0]
                    text, data = msg.buttons()[int(line.split()[1]) - 1]
                    if data is not None and data in msg.callback_data():
                        tg.press(user, msg, data)
                    elif data is not None:
                        print(f"(url button: {data})")
                    else:
                        tg.send_text(user, text)  # a reply-keyboard button sends its text
                elif line.startswith(":doc "):
                    name, content = await asyncio.to_thread(_read_file, line[5:].strip())
                    tg.send_document(user, name, content)
                else:
                    tg.send_text(user, line)
            except (AssertionError, ValueError, IndexError, OSError) as exc:
                print(f"! {exc}")
    finally:
        printer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await printer


async def _main(args: argparse.Namespace) -> None:
    tg = FakeBotAPI(
        token=args.token,
        bot_username=args.bot_username,
        enforce_limits=args.enforce_limits,
        host=args.host,
        port=args.port,
    )
    async with tg:
        print(f"base_url:      {tg.base_url}")
        print(f"base_file_url: {tg.base_file_url}")
        print(f"token:         {tg.token}", flush=True)
        repl = sys.stdin.isatty() if args.repl is None else args.repl
        if repl:
            await _repl(tg, args)
        else:
            await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m fakebotapi``."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(_parse_args(argv)))


if __name__ == "__main__":
    main()
