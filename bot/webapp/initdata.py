"""Telegram.WebApp.initData: checking its signature as Telegram documents it, and signing it
(for tests and `renewbot chat`'s :app, which open the app without Telegram).

https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app:
secret_key = HMAC_SHA256(key="WebAppData", msg=bot_token); the hash is
hex(HMAC_SHA256(key=secret_key, msg=data_check_string)), where data_check_string is every
received field but `hash`, sorted by name, as "name=value" lines joined by "\\n".
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, quote, urlencode

from bot.i18n import pick_language

MAX_INIT_DATA = 4096  # Telegram's initData is a few hundred bytes; refuse anything huge


class InitDataError(ValueError):
    """initData that is missing, forged, malformed or too old (the API answers 401)."""


@dataclass(frozen=True)
class WebAppUser:
    id: int
    language: str  # zh or en, from the user's Telegram language_code
    first_name: str


def _secret_key(token: str) -> bytes:
    return hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()


def _hash(fields: dict[str, str], token: str) -> str:
    check = "\n".join(f"{name}={fields[name]}" for name in sorted(fields) if name != "hash")
    return hmac.new(_secret_key(token), check.encode(), hashlib.sha256).hexdigest()


def _fields(raw: str) -> dict[str, str]:
    if not raw or len(raw) > MAX_INIT_DATA:
        raise InitDataError("missing")
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InitDataError("malformed") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):  # a repeated field: which one would be signed?
        raise InitDataError("malformed")
    return fields


def verify(raw: str, token: str, max_age: int, now: datetime) -> WebAppUser:
    """The user the signed initData names; InitDataError unless it is genuine and fresh."""
    fields = _fields(raw)
    # Bytes: compare_digest refuses str with non-ASCII characters instead of saying "no".
    if not hmac.compare_digest(fields.get("hash", "").encode(), _hash(fields, token).encode()):
        raise InitDataError("bad signature")
    try:
        age = now.timestamp() - int(fields["auth_date"])
        user = json.loads(fields["user"])
        user_id = int(user["id"])
    except (KeyError, ValueError, TypeError):
        raise InitDataError("malformed") from None
    if age > max_age or age < -300:  # a little clock skew is fine, the future is not
        raise InitDataError("too old")
    return WebAppUser(
        id=user_id,
        language=pick_language(user.get("language_code")),
        first_name=str(user.get("first_name") or ""),
    )


def unverified_language(raw: str) -> str:
    """The language initData claims, to word a refusal only (never to grant anything)."""
    try:
        user = json.loads(_fields(raw).get("user", "{}"))
        return pick_language(user.get("language_code") if isinstance(user, dict) else None)
    except (InitDataError, ValueError):
        return pick_language(None)


def sign(token: str, user: dict[str, object], auth_date: datetime, **extra: str) -> str:
    """initData as Telegram would send it for `user` (a dict like Telegram's WebAppUser)."""
    fields = {
        "auth_date": str(int(auth_date.timestamp())),
        "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False),
        **extra,
    }
    fields["hash"] = _hash(fields, token)
    return urlencode(fields)


def launch_url(webapp_url: str, init_data: str, chat_id: int | None = None) -> str:
    """The app's URL as Telegram opens it: the signed data in the #tgWebAppData fragment
    (and a group's id as ?chat=), so a desktop browser can open it without Telegram."""
    query = f"?chat={chat_id}" if chat_id is not None else ""
    return f"{webapp_url}{query}#tgWebAppData={quote(init_data, safe='')}"
