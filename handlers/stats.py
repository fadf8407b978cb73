"""/stats: a chart of the coming expiries and of the spend per month, with a short summary."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time
from html import escape

from telegram import Update
from telegram.constants import ChatAction
from telegram.ext import BaseHandler, CommandHandler

from bot.charts import EXPIRY_DAYS, SPEND_MONTHS, ChartData, chart_data, render_png, spend_window
from bot.domain.carriers import carrier_name
from bot.domain.dates import format_date
from bot.domain.parsing import format_money
from bot.domain.preferences import ChatPolicy
from bot.runtime.chatscope import ChatScope, chat_scope
from bot.runtime.services import BotContext
from handlers.cards.common import may_see
from storage.models import Card


def summary(data: ChartData, cards: list[Card], scope: ChatScope) -> str:
    _ = scope._
    lines = ["📊 <b>" + _("Statistics") + "</b>"]
    if data.expiries:
        first = next(c for c in cards if c.expires_on == data.expiries[0] and not c.lapsed)
        lines.append(
            _.ngettext("Next {days} days: {count} card expires, “{label}” on {date}.",
                       "Next {days} days: {count} cards expire, first “{label}” on {date}.",
                       len(data.expiries)).format(
                days=EXPIRY_DAYS, count=len(data.expiries), label=escape(first.label),
                date=format_date(first.expires_on, scope.lang),
            )
        )
    else:
        lines.append(_("No card expires in the next {days} days.").format(days=EXPIRY_DAYS))
    if data.spend and data.currency:
        carrier, amounts = max(data.spend.items(), key=lambda item: sum(item[1]))
        name = carrier_name(carrier, scope.lang) if carrier else _("No carrier")
        lines.append(
            _.ngettext("Last {months} months: {total} on {count} renewal, for {carrier} "
                       "({amount}).",
                       "Last {months} months: {total} on {count} renewals, most for {carrier} "
                       "({amount}).", data.renewals).format(
                months=SPEND_MONTHS, total=format_money(data.total(), data.currency),
                count=data.renewals, carrier=escape(name or ""),
                amount=format_money(sum(amounts), data.currency),
            )
        )
    else:
        lines.append(_("No renewals with a price in the last {months} months.").format(
            months=SPEND_MONTHS
        ))
    if data.other_currencies:
        others = ", ".join(format_money(amount, currency)
                           for currency, amount in sorted(data.other_currencies.items()))
        lines.append(_("Also spent (not in the chart): {amounts}.").format(amounts=others))
    return "\n".join(lines)


async def stats_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    scope = await chat_scope(update, context)
    if not await may_see(update, context, scope):
        return
    _ = scope._
    policy = ChatPolicy.of(scope.chat, context.settings)
    today = context.services.now().astimezone(policy.zone).date()
    since = datetime.combine(date(*spend_window(today), 1), time(), policy.zone)
    cards, renewals = await context.services.cards.with_renewals(scope.chat.id, since=since)
    data = chart_data(cards, renewals, today, policy.zone)
    if data.empty:
        await message.reply_text(
            _("Nothing to chart yet: no card expires in the next {days} days and no renewal "
              "with a price was recorded in the last {months} months. Add cards with /addcard "
              "and press ✅ Renewed when you top one up.").format(
                days=EXPIRY_DAYS, months=SPEND_MONTHS
            )
        )
        return
    await message.reply_chat_action(ChatAction.UPLOAD_PHOTO)
    png = await asyncio.to_thread(render_png, data, scope.lang)
    await message.reply_photo(
        png, caption=summary(data, cards, scope), filename="renewbot-stats.png"
    )


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    return [CommandHandler("stats", stats_command)]
