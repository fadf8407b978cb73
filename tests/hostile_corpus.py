"""Hostile and malformed inputs, generated from the command table and lists of nasty values."""

from __future__ import annotations

from bot.runtime.commands import COMMANDS, Audience

LONG = "Ж" * 4096  # the longest text Telegram accepts, in 2-byte characters

INJECTIONS: tuple[str, ...] = (
    "<b>bold</b> <i>it</i>",
    "<script>alert(1)</script>",
    "</code></pre></b>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "&lt;&amp;&gt; & < >",
    "<tg-spoiler>s</tg-spoiler><blockquote>",
    "*bold* _it_ `code` ```pre``` [link](http://example.com) ~s~ ||sp||",
    "\\*escaped\\_ [x](tg://user?id=1)",
)
UNICODE: tuple[str, ...] = (
    "\u200b\u200c\u200d\ufeff",  # zero-width only
    "\u202eSIM\u202c \u200fعربى\u200e",  # RTL override and marks
    "e\u0301\u0301\u0301\u0301 Z\u0335\u0321\u0322\u0327",  # combining characters
    "😀👨‍👩‍👧‍👦🏳️‍🌈",
    "ＣＡＲＤ　１",  # full-width
    "\t\n\r ",
)
VALUES: tuple[str, ...] = (
    "", "x", "-1", "0", "999999999999999999999", "1e309", "NaN", "0x1F", "#1", "1 2 3",
    "//", "@renew_test_bot", "%s%n%x", "' OR 1=1 --", "../../etc/passwd",
)
NASTY: tuple[str, ...] = INJECTIONS + UNICODE + VALUES + (LONG,)
BAD_DATES: tuple[str, ...] = (
    "2026-02-30", "0000-00-00", "9999-12-31", "1970-01-01", "2026-13-01", "31/02/2026",
    "-2026-01-01", "20260230",
)
BAD_PRICES: tuple[str, ...] = (
    "-5", "-0.01", "99999999999999999999", "1e400", "abc", "¥", "NaN", "∞", "1,2,3.4.5",
    "$-1", "0x10",
)
PRIVATE_COMMANDS: tuple[str, ...] = tuple(
    c.name for c in COMMANDS if Audience.PRIVATE in c.audiences
)
GROUP_ONLY_COMMANDS: tuple[str, ...] = tuple(
    c.name for c in COMMANDS
    if Audience.PRIVATE not in c.audiences and Audience.OWNER not in c.audiences
)
ALL_COMMANDS: tuple[str, ...] = tuple(c.name for c in COMMANDS)
# Arguments that are wrong (or extra) for every command.
WRONG_ARGS: tuple[str, ...] = (
    "abc", "-1", "0", "99999999999", "1 2 extra", "<b>1</b>", "\u200b7", "e\u0301", LONG[:3000],
)
CALLBACK_NOISE: tuple[str, ...] = (
    "", "x", ":", "card:", "card:view:", "card:view:abc", "card:view:-1",
    "card:view:99999999999999999999", "card:renewed:1:2", "cards:page:-1", "cards:page:99999",
    "cf:save", "cf:pick:nope", "rn:date:2026-02-30", "rn:date:0000-00-00", "rn:ch:bogus",
    "lang:xx", "tz:Nowhere/Else", "at:25:61", "kb:c:999999999", "kb:e:nope", "gs:lang:xx",
    "bc:send:1", "bc:cancel:999", "forget:yes", "faq:page:999", "menu:nope",
    "card:rem:1:9,9,9", "card:lead:1:abc", "x" * 64, "é" * 32,
)
