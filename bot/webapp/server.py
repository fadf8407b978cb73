"""The Mini App's page and JSON API, added to an aiohttp application: the webhook server's
(bot.runtime.webhook) or, in polling mode, one of its own on WEBAPP_LISTEN:WEBAPP_PORT.

    GET  <path>                        the page (static files shipped in bot/webapp/static)
    GET  <path>api/session?chat=ID     the user's rights in the chat, the page's words, the form
    GET  <path>api/cards?chat=ID       the chat's cards by expiry
    GET  <path>api/cards/N?chat=ID     card N with its edit form
    GET  <path>api/cards/N/history?... card N's renewals and what they cost
    POST <path>api/cards?chat=ID       add a card        (the form's texts, as typed in chat)
    PUT  <path>api/cards/N?chat=ID     change card N
    DELETE <path>api/cards/N?chat=ID   delete card N with its history, as /delcard
    POST <path>api/cards/N/renew?...   mark card N renewed ({"date": typed text or "" for the
                                       cycle's, "amount", "channel", "note": optional})
    GET  <path>api/calendar?month=YYYY-MM&chat=ID  the month's expiry and reminder days
    GET  <path>api/stats?chat=ID       /stats' chart and summary
    GET  <path>api/settings?chat=ID    the chat's settings (language, time zone, reminders)
    PUT  <path>api/settings?chat=ID    change them (admins only in groups, as /settings)

<path> is the path of WEBAPP_URL. Every API call carries Telegram.WebApp.initData in the
X-Telegram-Init-Data header; the user is taken from it and nowhere else. chat=ID is optional
(the user's private chat); a chat that is not theirs answers 404, like another chat's card.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.i18n import translator
from bot.runtime.permissions import ADMINS_ONLY
from bot.runtime.services import RenewBotApplication
from bot.webapp import initdata, preferences
from bot.webapp.access import Access, access_to
from bot.webapp.cards import CardBook, NotFound, Problem
from bot.webapp.strings import (
    form_fields,
    no_chat,
    page_strings,
    renewal_fields,
    unauthorised,
)
from handlers.cards.common import not_found
from handlers.chat_settings import updated_cards

log = logging.getLogger(__name__)

INIT_DATA_HEADER = "X-Telegram-Init-Data"
MAX_BODY = 16 * 1024  # a card's form is well under 1 KB
STATIC = files("bot.webapp") / "static"
_STATIC_TYPES = {"index.html": "text/html", "app.js": "text/javascript", "app.css": "text/css"}
# Only our own files run; Telegram's script provides Telegram.WebApp inside Telegram.
CSP = (
    "default-src 'none'; script-src 'self' https://telegram.org; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors https://web.telegram.org https://*.telegram.org"
)
_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

_PATH = web.AppKey("webapp_path", str)
Api = Callable[[web.Request, "Caller"], Awaitable[web.Response]]


def webapp_path(url: str) -> str:
    """Where the app is served: the path of WEBAPP_URL, ending with a slash."""
    path = urlsplit(url).path or "/"
    return path if path.endswith("/") else path + "/"


class Caller:
    """The verified user of one API request, the chat they asked for and its cards."""

    def __init__(self, application: RenewBotApplication, user: initdata.WebAppUser,
                 access: Access) -> None:
        services = application.services
        self.lists = services.card_lists
        self.user = user
        self.access = access
        self._ = translator(access.lang)
        self.chats = services.chats
        self.book = CardBook(services.cards, services.settings, access.chat, access.lang,
                             services.now())


def _error(status: int, message: str, **extra: Any) -> web.Response:
    return web.json_response({"error": message, **extra}, status=status)


def _chat_id(request: web.Request) -> int | None:
    """The chat asked for; NotFound for anything that is no Telegram chat id (64 bits)."""
    raw = request.query.get("chat", "")
    if not raw:
        return None
    try:
        chat_id = int(raw)
    except ValueError:
        raise NotFound from None
    if not -(2**63) < chat_id < 2**63:
        raise NotFound
    return chat_id


def _api(application: RenewBotApplication, handler: Api, *, admins: bool = False) -> Callable[
    [web.Request], Awaitable[web.Response]
]:
    """Check initData and the caller's rights in the chat before `handler` runs (`admins`:
    only for those who may change the chat: its admins, or the user in their own chat)."""
    settings = application.services.settings

    async def guarded(request: web.Request) -> web.Response:
        raw = request.headers.get(INIT_DATA_HEADER, "")
        try:
            user = initdata.verify(raw, settings.token, settings.webapp_initdata_max_age,
                                   application.services.now())
        except initdata.InitDataError as error:
            log.info("mini app: refused initData (%s)", error)
            return _error(401, unauthorised(translator(initdata.unverified_language(raw))))
        try:
            access = await access_to(application, user, _chat_id(request))
        except NotFound:
            access = None
        if access is None:
            return _error(404, no_chat(translator(user.language)))
        caller = Caller(application, user, access)
        if admins and not access.can_edit:
            return _error(403, caller._(ADMINS_ONLY))
        try:
            response = await handler(request, caller)
            response.enable_compression()  # a 200-card list is ~10x smaller gzipped
            return response
        except NotFound:
            return _error(404, not_found(caller._))
        except Problem as problem:
            if problem.confirm is not None:
                return _error(409, problem.confirm, confirm=True)
            return _error(400, " ".join(problem.errors.values()), errors=problem.errors,
                          guess=problem.guess)

    return guarded


async def _form(request: web.Request) -> dict[str, Any]:
    length = request.content_length or 0
    if length > MAX_BODY:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY, actual_size=length)
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest from None
    if not isinstance(body, dict) or not all(
        isinstance(value, str | bool | int | None) for value in body.values()
    ):
        raise web.HTTPBadRequest
    return body


def _card_id(request: web.Request) -> int:
    raw = request.match_info["card_id"]
    if len(raw) > 9:  # ids are 32-bit: a longer number is no card
        raise NotFound
    return int(raw)


async def _session(request: web.Request, caller: Caller) -> web.Response:
    chat = caller.access.chat
    return web.json_response({
        "lang": caller.access.lang,
        "user": {"id": caller.user.id, "first_name": caller.user.first_name},
        "chat": {"id": chat.id, "type": chat.type, "title": chat.title},
        "can_edit": caller.access.can_edit,
        "strings": page_strings(caller._),
        "fields": form_fields(caller.book.ctx),
        "renewal_fields": renewal_fields(caller._),
        "today": caller.book.ctx.today.isoformat(),
    })


async def _list(request: web.Request, caller: Caller) -> web.Response:
    chat_id, key = caller.access.chat.id, (caller.book.ctx.today, caller.access.lang)
    body = caller.lists.rendered(chat_id, key)
    if body is None:
        generation = caller.lists.generation
        body = json.dumps({"cards": await caller.book.listing()}).encode()
        caller.lists.keep(chat_id, key, body, generation)
    return web.Response(body=body, content_type="application/json")


async def _card(request: web.Request, caller: Caller) -> web.Response:
    return web.json_response(await caller.book.get(_card_id(request)))


async def _calendar(request: web.Request, caller: Caller) -> web.Response:
    try:
        month = date.fromisoformat(request.query.get("month", "") + "-01")
    except ValueError:
        month = caller.book.ctx.today
    return web.json_response({"month": month.isoformat()[:7],
                              "days": await caller.book.calendar(month)})


async def _stats(request: web.Request, caller: Caller) -> web.Response:
    return web.json_response(await caller.book.stats())


async def _history(request: web.Request, caller: Caller) -> web.Response:
    return web.json_response(await caller.book.history(_card_id(request)))


async def _add(request: web.Request, caller: Caller) -> web.Response:
    card = await caller.book.save(await _form(request), caller.user.id)
    return web.json_response(card, status=201)


async def _edit(request: web.Request, caller: Caller) -> web.Response:
    form = await _form(request)
    return web.json_response(await caller.book.save(form, caller.user.id, _card_id(request)))


async def _delete(request: web.Request, caller: Caller) -> web.Response:
    return web.json_response({"deleted": await caller.book.delete(_card_id(request))})


async def _renew(request: web.Request, caller: Caller) -> web.Response:
    card = await caller.book.renew(_card_id(request), await _form(request), caller.user.id)
    return web.json_response(card)


async def _settings(request: web.Request, caller: Caller) -> web.Response:
    access, settings = caller.access, caller.book.settings
    return web.json_response(preferences.current(access.chat, access.lang, settings, caller._))


async def _save_settings(request: web.Request, caller: Caller) -> web.Response:
    chat, moved = await preferences.save(caller.chats, caller.access.chat, await _form(request),
                                         caller._)
    _ = translator(chat.language or caller.user.language)  # a new language shows at once
    note = "\n".join(filter(None, (_("✅ Saved."), updated_cards(_, moved))))
    return web.json_response({"saved": note})


def _static(name: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    body = (STATIC / name).read_bytes()

    async def serve(request: web.Request) -> web.Response:
        response = web.Response(body=body, content_type=_STATIC_TYPES[name], charset="utf-8")
        response.enable_compression()
        return response

    return serve


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    if request.path.startswith(request.app[_PATH]):
        response.headers.update(_HEADERS)


def add_webapp(app: web.Application, application: RenewBotApplication) -> None:
    """Serve the page and the API under the path of WEBAPP_URL."""
    url = application.services.settings.webapp_url
    assert url is not None
    path = webapp_path(url)
    app[_PATH] = path
    app.on_response_prepare.append(_security_headers)
    card = path + r"api/cards/{card_id:\d+}"
    app.router.add_get(path, _static("index.html"))
    for name in ("app.js", "app.css"):
        app.router.add_get(path + name, _static(name))
    app.router.add_get(path + "api/session", _api(application, _session))
    app.router.add_get(path + "api/cards", _api(application, _list))
    app.router.add_post(path + "api/cards", _api(application, _add, admins=True))
    app.router.add_get(card, _api(application, _card))
    app.router.add_put(card, _api(application, _edit, admins=True))
    app.router.add_delete(card, _api(application, _delete, admins=True))
    app.router.add_get(card + "/history", _api(application, _history))
    app.router.add_post(card + "/renew", _api(application, _renew, admins=True))
    # As /settings: a group's settings are for its admins, to read too.
    app.router.add_get(path + "api/settings", _api(application, _settings, admins=True))
    app.router.add_get(path + "api/calendar", _api(application, _calendar))
    app.router.add_get(path + "api/stats", _api(application, _stats))
    app.router.add_put(path + "api/settings", _api(application, _save_settings, admins=True))


@contextlib.asynccontextmanager
async def polling_server(application: RenewBotApplication) -> AsyncIterator[None]:
    """In polling mode the app gets a server of its own (nothing when WEBAPP_URL is unset)."""
    settings = application.services.settings
    if settings.webapp_url is None:
        yield
        return
    app = web.Application(client_max_size=MAX_BODY)
    add_webapp(app, application)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.webapp_listen, settings.webapp_port).start()
        log.info("mini app: listening on %s:%s", settings.webapp_listen, settings.webapp_port)
        yield
    finally:
        await runner.cleanup()
