"""`renewbot chat`, scripted through a pipe as a separate process: add a card with /addcard,
move the clock, see the reminder; plus the pieces the transcript is made of."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import aiohttp
import pytest

from bot.tools.demo_session import parse_duration
from bot.tools.terminal import styled
from fakebotapi import utf16_len
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


async def test_app_prints_a_link_that_opens_the_demo_users_cards(tmp_path: Path) -> None:
    """`:app` while the demo runs: the printed link's page loads and its signed initData
    lets the page read the demo user's cards."""
    env = {k: v for k, v in os.environ.items() if k not in CONTRACT and k != "LANG"}
    demo = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "chat", stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=tmp_path,
        env=env | {"PYTHONIOENCODING": "utf-8"},
    )
    assert demo.stdin is not None and demo.stdout is not None
    demo.stdin.write(b":app\n")
    await demo.stdin.drain()
    link = ""
    async with asyncio.timeout(60):
        while "open this in your browser: " not in link:
            link = (await demo.stdout.readline()).decode()
            assert link, "the demo ended without a link"
    url = link.split("open this in your browser: ", 1)[1].strip()
    page, fragment = url.split("#", 1)
    init_data = unquote(fragment.removeprefix("tgWebAppData="))
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(page) as response:
                assert response.status == 200
                assert '<script src="app.js" defer></script>' in await response.text()
            async with http.get(page + "api/session",
                                headers={"X-Telegram-Init-Data": init_data}) as response:
                assert response.status == 200
                session = await response.json()
    finally:
        demo.stdin.close()
        await demo.wait()
    assert session["user"] == {"id": 1001, "first_name": "Alex"}
    assert session["can_edit"] is True


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
    result = _chat(tmp_path, ":file mine.csv /import\n/export\n:nonsense\n:quit\n/never")
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "Files the bot sends are saved in renewbot-files/." in out.splitlines()[0]
    assert "1 added, 0 updated" in out
    exported = next(tmp_path.glob("renewbot-files/renewbot-*-cards.csv"))  # kept after exit
    assert f"saved as renewbot-files/{exported.name}]" in out
    assert "1,Home SIM,,sim,,,,,2099-01-01" in exported.read_text(encoding="utf-8")
    assert "unknown command :nonsense" in out
    assert "/never" not in out  # :quit stopped reading


GROUP_SCRIPT = """\
:group Family
:file "our cards.csv" /import
:advance 3d
:member
/settings
how do I top up globe?
:mention how do I top up globe?
:admin
/reminders off
/export
:private
:group Family
:private
"""


def test_a_group_with_admin_and_member_turns(tmp_path: Path) -> None:
    (tmp_path / "our cards.csv").write_text(
        "label,carrier,number_tail,expires_on\nRouter,globe,1234,in 3 days\n"
        "Shared eSIM,,,2099-01-01\n", encoding="utf-8",
    )
    result = _chat(tmp_path, GROUP_SCRIPT, "--files", "out")
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "Files the bot sends are saved in out/." in out.splitlines()[0]
    lines = out.splitlines()
    here = "── in the group “Family”, where you are an admin ──"
    assert here in lines
    assert any(line.startswith("bot ▸ 👋 Hello, Family!") for line in lines)
    assert "2 added, 0 updated" in out  # a file with its caption, in the group
    # The group's card is reminded in the group, under its name, before the demo reads on.
    reminder = lines.index(next(line for line in lines if line.startswith("bot ▸ ⏰")))
    assert "Router (Globe) ···1234 expires today" in lines[reminder]
    assert lines.index("you ▸ :advance 3d") < reminder < lines.index("you ▸ :member")
    assert [line for line in lines[:reminder] if line.startswith("── in ")][-1] == here
    # A plain member is refused; a message not addressed to the bot gets no answer, a mention
    # does.
    assert "  · you are now in the group “Family”, where you are a plain member" in lines
    settings = lines.index("you ▸ /settings")
    assert lines[settings + 1] == "bot ▸ Only the group's admins can change this."
    unaddressed = lines.index("you ▸ how do I top up globe?")
    assert lines[unaddressed + 1] == "you ▸ :mention how do I top up globe?"
    assert lines[unaddressed + 2].startswith("bot ▸ ")
    # An admin again: the group's settings and its export, saved in the chosen folder.
    assert "bot ▸ 🔕 Reminders are off in this chat." in out
    exported = next((tmp_path / "out").glob("renewbot-*-cards.csv"))
    assert "Shared eSIM" in exported.read_text(encoding="utf-8")
    assert lines.count("  · you are now in your private chat with the bot") == 2
    assert "  · you are now in the group “Family”, where you are an admin" in lines


def test_a_receipt_photo_goes_in_and_comes_back_as_a_file(tmp_path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (300, 400), "white").save(tmp_path / "receipt.png")
    (tmp_path / "cards.csv").write_text(
        "label,expires_on,cycle\nPhone,2026-12-31,monthly\n", encoding="utf-8"
    )
    script = ":file cards.csv /import\n/renewed 1\n1\n30\napp\nno note\n" \
             ":photo cards.csv\n:photo receipt.png\n/history 1\n1\n"
    result = _chat(tmp_path, script)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "cards.csv is not a picture" in out  # and nothing was sent
    assert "Receipt of the renewal" in out
    saved = next(tmp_path.glob("renewbot-files/photo-*"))
    assert f"saved as renewbot-files/{saved.name}]" in out
    assert saved.read_bytes() == (tmp_path / "receipt.png").read_bytes()


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


def test_a_files_folder_that_cannot_be_made_is_said_and_the_demo_goes_on(
    tmp_path: Path,
) -> None:
    (tmp_path / "taken").write_text("a file, not a folder")
    (tmp_path / "mine.csv").write_text("label,expires_on\nHome SIM,2099-01-01\n")
    result = _chat(tmp_path, ":file mine.csv /import\n/export\n/cards\n", "--files", "taken")
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "  · cannot save it in taken: File exists" in out
    assert "[document: renewbot-" in out  # shown, just not saved
    assert "you ▸ /cards" in out and "Home SIM" in out.split("you ▸ /cards")[1]


def test_a_number_presses_the_buttons_above_a_groups_reply_prompt(tmp_path: Path) -> None:
    """In a group each question with buttons is followed by "reply to this message" (for
    privacy mode); a typed number still presses the question's buttons."""
    result = _chat(tmp_path, ":group Family\n/addcard\n:reply Family SIM\n1\n:quit\n",
                   "--lang", "en")
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    lines = out.splitlines()
    pressed = lines.index("you ▸ 1")
    assert lines[pressed - 1].startswith("bot ▸ ↩️")  # the prompt came last, the buttons above
    assert "✓ Carrier: China Mobile" in "\n".join(lines[pressed:])
