"""The configuration contract: defaults, parsing, and one clear line on bad settings."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings

CONTRACT = (
    "BOT_TOKEN", "DATABASE_URL", "BOT_API_BASE_URL", "BOT_OWNER_IDS", "DEFAULT_TIMEZONE",
    "DEFAULT_REMIND_AT", "DEFAULT_LEAD_DAYS", "OVERDUE_REMINDER_DAYS", "REMINDER_SWEEP_SECONDS",
    "WEBHOOK_URL", "WEBHOOK_SECRET", "WEBHOOK_LISTEN", "WEBHOOK_PORT", "LOG_LEVEL",
    "REMINDER_EARLY_WINDOW", "ALLOW_PAID_BROADCAST", "DELIVERY_RETENTION_DAYS",
    "WEBAPP_URL", "WEBAPP_LISTEN", "WEBAPP_PORT", "WEBAPP_INITDATA_MAX_AGE",
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in CONTRACT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    return monkeypatch


def test_defaults(clean_env: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert settings.bot_token is None
    assert settings.database_url == "sqlite:///data/renewbot.db"
    assert settings.default_timezone == "Asia/Shanghai"
    assert settings.default_remind_at == time(9, 0)
    assert settings.default_lead_days == (7, 3, 1, 0)
    assert settings.overdue_reminder_days == 3
    assert settings.reminder_sweep_seconds == 60
    assert settings.bot_owner_ids == frozenset()
    assert settings.reminder_early_window == 0
    assert settings.allow_paid_broadcast is False
    assert settings.delivery_retention_days == 400
    assert settings.webapp_url is None  # no Mini App: nothing changes
    assert (settings.webapp_listen, settings.webapp_port) == ("127.0.0.1", 8080)
    assert settings.webapp_initdata_max_age == 86_400


def test_values_are_parsed(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("BOT_TOKEN", "123:abc")
    clean_env.setenv("BOT_OWNER_IDS", "11, 22")
    clean_env.setenv("DEFAULT_LEAD_DAYS", "1,30,7")
    clean_env.setenv("DEFAULT_REMIND_AT", "20:30")
    settings = load_settings()
    assert settings.token == "123:abc"
    assert settings.bot_owner_ids == frozenset({11, 22})
    assert settings.default_lead_days == (30, 7, 1)
    assert settings.default_remind_at == time(20, 30)


def test_peak_and_retention_settings_are_parsed(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("REMINDER_EARLY_WINDOW", "45")
    clean_env.setenv("ALLOW_PAID_BROADCAST", "true")
    clean_env.setenv("DELIVERY_RETENTION_DAYS", "90")
    settings = load_settings()
    assert settings.reminder_early_window == 45
    assert settings.allow_paid_broadcast is True
    assert settings.delivery_retention_days == 90


def test_env_file_is_read(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BOT_TOKEN=42:fromfile\nLOG_LEVEL=debug\n")
    settings = load_settings()
    assert settings.token == "42:fromfile"
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEFAULT_TIMEZONE", "Mars/Olympus"),
        ("DEFAULT_REMIND_AT", "25:00"),
        ("DEFAULT_LEAD_DAYS", "seven"),
        ("OVERDUE_REMINDER_DAYS", "-1"),
        ("BOT_OWNER_IDS", "admin"),
        ("DATABASE_URL", "mysql://x/y"),
        ("BOT_TOKEN", "not-a-token"),
        ("LOG_LEVEL", "LOUD"),
        ("REMINDER_EARLY_WINDOW", "-5"),
        ("REMINDER_EARLY_WINDOW", "721"),
        ("ALLOW_PAID_BROADCAST", "sometimes"),
        ("DELIVERY_RETENTION_DAYS", "7"),
        ("WEBAPP_URL", "bot.example.com/app"),
        ("WEBAPP_PORT", "0"),
        ("WEBAPP_INITDATA_MAX_AGE", "5"),
    ],
)
def test_invalid_setting_names_the_variable(
    clean_env: pytest.MonkeyPatch, name: str, value: str
) -> None:
    clean_env.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value).startswith(f"{name}: ")
    assert "\n" not in str(raised.value)


def _run_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in CONTRACT}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=tmp_path, env={**base, **env},
        capture_output=True, text=True, timeout=60,
    )


def test_run_without_token_exits_2_with_one_line(tmp_path: Path) -> None:
    result = _run_cli(tmp_path, "run")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "BOT_TOKEN" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_invalid_setting_exits_2_naming_it(tmp_path: Path) -> None:
    result = _run_cli(tmp_path, "run", BOT_TOKEN="123:abc", DEFAULT_TIMEZONE="Nowhere/City")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("renewbot: DEFAULT_TIMEZONE:")
    assert len(result.stderr.strip().splitlines()) == 1


def test_migrate_command_creates_the_database(tmp_path: Path) -> None:
    result = _run_cli(tmp_path, "migrate", DATABASE_URL="sqlite:///data/x.db")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "x.db").exists()
