"""`renewbot chat`, scripted through a pipe as a separate process: add a card with /addcard,
move the clock, see the reminder; plus the pieces the transcript is made of."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.demo import parse_duration
from bot.fakebotapi import utf16_len
from bot.terminal import styled
from tests.test_settings import CONTRACT

SCRIPT = """\
/addcard
Demo SIM
China Mobile
1
1234
30GB
30
in 10 days
1
1
1
:advance 10d
/cards
:lang zh
/help
"""


def _chat(workdir: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in CONTRACT and k != "LANG"}
    (workdir / "session.txt").write_text(script, encoding="utf-8")
    with (workdir / "session.txt").open("rb") as stdin:
        return subprocess.run(
            [sys.executable, "-m", "bot", "chat", *args], stdin=stdin, capture_output=True,
            cwd=workdir, env=env | {"PYTHONIOENCODING": "utf-8"}, timeout=180,
            encoding="utf-8",
        )


def test_a_scripted_session_adds_a_card_and_sees_its_reminder(tmp_path: Path) -> None:
    result = _chat(tmp_path, SCRIPT)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "you ▸ /addcard" in out
    assert "👋 Hi Alex!" in out and "You!" not in out  # a name, not "You"
    assert "[1] ✅ Save" in out  # buttons are numbered
    assert "✅ Saved." in out
    assert "the bot's clock:" in out
    # Ten days later every lead moment has passed: one reminder, with its buttons.
    reminder = next(line for line in out.splitlines() if line.startswith("bot ▸ ⏰"))
    assert "Demo SIM (China Mobile) ···1234 expires" in reminder
    assert "[1] ✅ Renewed   [2] 😴 Snooze" in out
    assert "好的，我在这个聊天里会说中文。" in out  # :lang zh switched the chat too
    assert "\x1b[" not in out  # no terminal styling when the output is not a terminal
    assert "Traceback" not in result.stderr


def test_export_and_import_through_files(tmp_path: Path) -> None:
    (tmp_path / "mine.csv").write_text("label,expires_on\nHome SIM,2099-01-01\n")
    result = _chat(tmp_path, ":doc mine.csv /import\n/export\n:nonsense\n:quit\n/never")
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "1 added, 0 updated" in out
    assert "[document: renewbot-" in out and "-cards.csv" in out and "saved as" in out
    assert "unknown command :nonsense" in out
    assert "/never" not in out  # :quit stopped reading


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3d", timedelta(days=3)), ("2h", timedelta(hours=2)), ("1d12h", timedelta(days=1.5)),
     ("1w 30m", timedelta(weeks=1, minutes=30)), ("3", None), ("soon", None), ("2d-1h", None)],
)
def test_advance_durations(text: str, expected: timedelta | None) -> None:
    assert parse_duration(text) == expected


def test_entities_become_terminal_styles_and_links_are_spelled_out() -> None:
    text = "📱 Work SIM expires, see guide"
    entities = [
        {"type": "bold", "offset": 3, "length": 8},  # after an emoji of two UTF-16 units
        {"type": "text_link", "offset": utf16_len(text) - 5, "length": 5,
         "url": "https://example.com"},
    ]
    assert styled(text, entities, ansi=False) == text + " (https://example.com)"
    assert styled(text, entities, ansi=True).startswith("📱 \x1b[1mWork SIM\x1b[22m expires")


def test_a_chinese_session_greets_with_a_chinese_name(tmp_path: Path) -> None:
    result = _chat(tmp_path, "/help\n", "--lang", "zh")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "👋 你好，小明！" in result.stdout and "You" not in result.stdout
