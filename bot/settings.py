"""Runtime configuration: the environment (or .env) per the design's configuration contract."""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///data/renewbot.db"
_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")


class SettingsError(Exception):
    """A setting is missing or invalid; the message names the variable and is shown as is."""


def _parse_int_list(value: object) -> object:
    if isinstance(value, str):
        parts = [p.strip() for p in value.replace(";", ",").split(",")]
        try:
            return [int(p) for p in parts if p]
        except ValueError:
            raise ValueError("must be comma-separated whole numbers, e.g. 7,3,1,0") from None
    return value


class Settings(BaseSettings):
    """Every setting of the configuration contract; names are fixed by DESIGN.md."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    database_url: str = DEFAULT_DATABASE_URL
    bot_api_base_url: str = "https://api.telegram.org/bot"
    bot_owner_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    default_timezone: str = "Asia/Shanghai"
    default_remind_at: time = time(9, 0)
    default_lead_days: Annotated[tuple[int, ...], NoDecode] = (7, 3, 1, 0)
    overdue_reminder_days: int = Field(3, ge=0, le=30)
    reminder_sweep_seconds: float = Field(60.0, gt=0, le=3600)
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(8443, ge=1, le=65535)
    log_level: str = "INFO"
    # The Mini App: its public https URL (unset: no app, nothing changes), where its server
    # listens in polling mode, and how old a signed initData may be.
    webapp_url: str | None = None
    webapp_listen: str = "127.0.0.1"
    webapp_port: int = Field(8080, ge=1, le=65535)
    webapp_initdata_max_age: int = Field(86_400, ge=60, le=30 * 86_400)
    # Minutes before the remind time a large burst may start so that its last message is on
    # time (0: off). At most 12 hours, so a card's next day's moment is never pulled in.
    reminder_early_window: int = Field(0, ge=0, le=720)
    allow_paid_broadcast: bool = False
    # At least a month, so no moment of an expiry that is still being reminded is forgotten.
    delivery_retention_days: int = Field(400, ge=31, le=36_500)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _TOKEN_RE.match(value.get_secret_value()):
            raise ValueError("does not look like a token from @BotFather (digits:letters)")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_scheme(cls, value: str) -> str:
        scheme = value.split("://", 1)[0].split("+", 1)[0]
        if "://" not in value or scheme not in {"sqlite", "postgresql", "postgres"}:
            raise ValueError("must start with sqlite:/// or postgresql://")
        return value

    @field_validator("bot_owner_ids", mode="before")
    @classmethod
    def _owner_ids(cls, value: object) -> object:
        return _parse_int_list(value)

    @field_validator("default_lead_days", mode="before")
    @classmethod
    def _lead_days(cls, value: object) -> object:
        days = _parse_int_list(value)
        if isinstance(days, list):
            if not days or any(d < 0 or d > 365 for d in days):
                raise ValueError("must be comma-separated days between 0 and 365, e.g. 7,3,1,0")
            return tuple(sorted(set(days), reverse=True))
        return days

    @field_validator("default_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("is not a known time zone such as Asia/Shanghai") from None
        return value

    @field_validator("webapp_url")
    @classmethod
    def _webapp_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be the app's public URL, e.g. https://bot.example.com/app/")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @property
    def token(self) -> str:
        """The bot token; raises SettingsError when it is not set (commands that talk to
        Telegram need it, `renewbot migrate` does not)."""
        if self.bot_token is None:
            raise SettingsError("BOT_TOKEN: not set (put your @BotFather token in .env)")
        return self.bot_token.get_secret_value()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.default_timezone)


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning pydantic's report into one line that names the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "settings"
        message = error["msg"].removeprefix("Value error, ")
        raise SettingsError(f"{name}: {message}") from None
