"""Bot messages as terminal text, for `renewbot chat`: the text as Telegram shows it (the fake
server has already turned the HTML into text + entities), styled with ANSI codes on a terminal,
links spelled out, and buttons numbered so typing a number presses one."""

from __future__ import annotations

from typing import Any

from fakebotapi import SentMessage

INDENT = "      "
_STYLES = {  # entity type -> (on, off)
    "bold": ("\x1b[1m", "\x1b[22m"),
    "italic": ("\x1b[3m", "\x1b[23m"),
    "underline": ("\x1b[4m", "\x1b[24m"),
    "strikethrough": ("\x1b[9m", "\x1b[29m"),
    "code": ("\x1b[36m", "\x1b[39m"),
    "pre": ("\x1b[36m", "\x1b[39m"),
    "spoiler": ("\x1b[2m", "\x1b[22m"),
}
_DIM = ("\x1b[2m", "\x1b[22m")


def _utf16_index(text: str) -> dict[int, int]:
    """UTF-16 offset (what entities count) -> index into the Python string."""
    index: dict[int, int] = {}
    units = 0
    for position, char in enumerate(text):
        index[units] = position
        units += 2 if ord(char) > 0xFFFF else 1
    index[units] = len(text)
    return index


def styled(text: str, entities: list[dict[str, Any]], ansi: bool) -> str:
    """Apply the entities: ANSI styles (when `ansi`), and " (url)" after a text link."""
    at = _utf16_index(text)
    inserts: list[tuple[int, int, str]] = []  # (position, closing first, code)
    for entity in entities:
        offset, length, kind = entity["offset"], entity["length"], entity["type"]
        start, end = at.get(offset, 0), at.get(offset + length, len(text))
        if ansi and kind in _STYLES:
            on, off = _STYLES[kind]
            inserts += [(start, 1, on), (end, 0, off)]
        if kind == "text_link" and entity.get("url"):
            inserts.append((end, 0, f" ({entity['url']})"))
    for position, _closing, code in sorted(inserts, key=lambda item: (item[0], item[1]),
                                           reverse=True):
        text = text[:position] + code + text[position:]
    return text


def dim(text: str, ansi: bool) -> str:
    return f"{_DIM[0]}{text}{_DIM[1]}" if ansi else text


def indent(text: str) -> str:
    """Continuation lines under the first one's text (blank lines stay empty)."""
    first, *rest = text.split("\n")
    return "\n".join([first, *(INDENT + line if line else "" for line in rest)])


def buttons(message: SentMessage) -> list[str]:
    """The keyboard as lines of numbered buttons, one line per row."""
    lines: list[str] = []
    number = 0
    for row in message.keyboard_rows:
        cells = []
        for button in row:
            number += 1
            cells.append(f"[{number}] {button.get('text', '')}")
        lines.append("   ".join(cells))
    return lines


def render(message: SentMessage, ansi: bool, saved: str | None = None) -> str:
    """The whole message as it appears in the transcript."""
    head = "bot ✎ " if message.is_edit else "bot ▸ "
    parts: list[str] = []
    if message.media_type:
        size = len(message.file_bytes or b"")
        name = message.filename or message.media_type
        where = f", saved as {saved}" if saved else ""
        parts.append(dim(f"[{message.media_type}: {name}, {size:,} bytes{where}]", ansi))
    text = message.plain_text
    if text:
        parts.append(styled(text, message.entities, ansi))
    lines = [head + indent("\n".join(parts))]
    lines += [INDENT + dim(line, ansi) for line in buttons(message)]
    return "\n".join(lines)
