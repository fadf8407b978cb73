"""/renewed N and the ✅ Renewed button (on reminders and on the card view): confirm the new
expiry, record the Renewal right away (nothing is lost if the user walks off), then optionally
fill in the amount, the channel, a note and a receipt photo, each skippable."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.callbacks import (
    CallbackData,
    CardHistory,
    RenewChannel,
    RenewDate,
    RenewedCard,
    RenewStep,
    ViewCard,
)
from bot.domain.carriers import carrier_name
from bot.domain.dates import add_months, apply_quick, format_date, next_expiry
from bot.domain.errors import CardNotFound
from bot.domain.parsing import format_money, parse_paid_period
from bot.domain.preferences import ChatPolicy
from bot.i18n import N_, Translator
from bot.knowledge.intents import detect_intent
from bot.runtime.chatscope import ChatScope, adopt_written_language, chat_scope
from bot.runtime.permissions import may_configure
from bot.runtime.services import BotContext
from handlers.cards.common import (
    NOT_TYPED,
    TYPED,
    Draft,
    admins_only,
    card_conversation,
    drop_draft,
    field_context,
    not_found,
    rows,
    show,
    store_draft,
    tell,
    thread_of,
    with_draft,
)
from handlers.cards.fields import (
    EXPIRY,
    QUICK_DATES,
    FieldContext,
    FieldError,
    UnsureAnswer,
    cycle_text,
    parse_money,
    read_date,
    values_of,
)
from handlers.cards.picker import named_card, pick_card
from handlers.cards.view import CHANNEL_NAMES, card_name, renewal_line
from handlers.free_text import TEXT, Asks, text_for_bot
from handlers.prompts import ask, nudge
from storage.models import Card, Cycle, RenewFrom

RENEWAL = "card_renewal"  # the conversation's persistence name and its drafts' slot
DATE, AMOUNT, CHANNEL, NOTE, RECEIPT = "rn_date", "rn_amount", "rn_channel", "rn_note", "rn_receipt"
DETAILS = (AMOUNT, CHANNEL, NOTE, RECEIPT)
END = ConversationHandler.END
MAX_NOTE = 500

QUESTIONS = {
    AMOUNT: N_("How much did you pay? Type the amount (e.g. 30, ¥30, ₱99) or use a button."),
    CHANNEL: N_("How did you pay or top up?"),
    NOTE: N_("Any note to keep with it (an order number, a promo)? Type it or skip."),
    RECEIPT: N_("Want to keep a receipt? Send a photo of it, or skip."),
}
_step = with_draft(RENEWAL, N_("This conversation has expired. Press ✅ Renewed or send "
                                "/renewed again."))


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data.pack())


def _proposal(card: Card, ctx: FieldContext) -> tuple[str, InlineKeyboardMarkup]:
    """The question for the new expiry: the cycle's next date (and, when that is still in the
    past, the date counted from today), or quick dates for a card without a cycle."""
    _ = ctx._
    lines = [_("Renewing {card}, which expires on {date}.").format(
        card=card_name(card, ctx.lang), date=format_date(card.expires_on, ctx.lang)
    )]
    if card.cycle == Cycle.NONE:
        lines.append(_("It has no fixed cycle: when does it expire now? Type a date or pick one."))
        # Counted from the current expiry while it lies ahead: "+30 days" must not shorten it.
        base = max(ctx.today, card.expires_on)
        buttons = [_button(_(label), RenewDate(apply_quick(code, base)))
                   for code, label in QUICK_DATES.items()]
    else:
        proposed = next_expiry(card.expires_on, card.cycle, card.cycle_days, card.renew_from,
                               ctx.today)
        counted = (_("counted from the old expiry") if card.renew_from == RenewFrom.EXPIRY
                   else _("counted from today"))
        lines.append(_("New expiry: {date} ({cycle}, {counted}).").format(
            date=f"<b>{format_date(proposed, ctx.lang)}</b>",
            cycle=cycle_text(values_of(card), _), counted=counted,
        ))
        buttons = [_button(f"✅ {format_date(proposed, ctx.lang)}",
                           RenewDate(proposed))]
        if proposed < ctx.today:  # long overdue: a period from today is the likely answer
            lines.append(_("⚠️ That is still in the past."))
            today_based = next_expiry(card.expires_on, card.cycle, card.cycle_days,
                                      RenewFrom.RENEWAL_DAY, ctx.today)
            buttons.append(_button(
                _("From today: {date}").format(date=format_date(today_based, ctx.lang)),
                RenewDate(today_based),
            ))
        lines.append(_("Confirm, or type another date."))
    keyboard = [*rows(buttons, 2), [_button(_("✖ Cancel"), RenewStep("cancel"))]]
    return "\n".join(lines), InlineKeyboardMarkup(keyboard)


async def start(update: Update, context: BotContext) -> str | int:
    scope = await chat_scope(update, context)
    card = await named_card(update, context, scope, RenewedCard, "renewed")
    if card is None:
        return END
    return await _begin(update, context, scope, card)


async def start_from_request(update: Update, context: BotContext) -> str | int:
    """"I renewed my Globe SIM", "我的移动卡续费了": the renewal of that card, or a choice of the
    cards the words may mean."""
    message = update.effective_message
    assert message is not None
    text = text_for_bot(message)
    scope = await adopt_written_language(update, context, text)
    _ = scope._
    if not await may_configure(update, context):
        await tell(update, admins_only(_))
        return END
    intent = detect_intent(text)
    carrier = intent.carrier if intent is not None else None
    cards = await context.services.cards.in_chat(scope.chat.id)
    if not cards:
        await show(update, _("You have no cards recorded here yet. Add it with /addcard and I'll "
                             "remind you before it expires next time."))
        return END
    matching = [card for card in cards if carrier is None or card.carrier == carrier]
    if len(matching) == 1:
        return await _begin(update, context, scope, matching[0])
    if matching:
        text = _("Which card did you renew?")
    else:
        text = _("I have no {carrier} card recorded here. Which card did you renew?").format(
            carrier=escape(carrier_name(carrier, scope.lang) or "")
        )
    await pick_card(update, context, scope, "renewed", matching or cards, text)
    return END


async def _begin(update: Update, context: BotContext, scope: ChatScope, card: Card) -> str:
    draft: Draft = {"card_id": card.id, "renewal_id": None,
                    "thread_id": thread_of(update) or card.thread_id}
    store_draft(context, RENEWAL, scope.chat.id, draft)
    text, keyboard = _proposal(card, field_context(scope, context))
    # a new message: the reminder or card view stays as it was
    await ask(update, scope._, text, keyboard, new=True)
    return DATE


# --------------------------------------------------------------------------- the new expiry


@_step
async def date_typed(
    update: Update, context: BotContext, scope: ChatScope, draft: Draft
) -> str | int | None:
    ctx = field_context(scope, context)
    message = update.effective_message
    assert message is not None and message.text is not None
    if (period := parse_paid_period(message.text)) is not None:  # "交了一年的"
        return await _confirm_period(update, context, scope, draft, message.text, period)
    try:
        day = read_date(message.text, ctx)
    except UnsureAnswer as unsure:  # only a guess: saving it takes a Yes
        keyboard = _date_or_retype(ctx._, unsure.day, ctx._("✅ Yes"))
        await ask(update, ctx._, unsure.text(ctx._), keyboard, new=True)
        return None
    except FieldError as error:
        await ask(update, ctx._, error.text(ctx._), new=True)
        return None
    question = EXPIRY.confirm({"expires_on": day.isoformat()}, ctx)
    if question is not None:  # a past date: confirming is pressing the date's own button
        keyboard = InlineKeyboardMarkup([[
            _button(ctx._("Yes, keep it"), RenewDate(day)),
            _button(ctx._("✖ Cancel"), RenewStep("cancel")),
        ]])
        await ask(update, ctx._, question, keyboard, new=True)
        return None
    card = await context.services.cards.get(scope.chat.id, draft["card_id"])
    if card is not None and day <= card.expires_on:  # "下下个月1号" typed for a later date
        keyboard = _date_or_retype(ctx._, day, ctx._("Yes, keep it"))
        question = ctx._(
            "{date} is not later than the current expiry ({current}): a renewal usually moves "
            "the expiry later. Save {date} anyway?"
        ).format(date=format_date(day, ctx.lang), current=format_date(card.expires_on, ctx.lang))
        await ask(update, ctx._, question, keyboard, new=True)
        return None
    return await _renew(update, context, scope, draft, day)


def _date_or_retype(_: Translator, day: date, yes: str) -> InlineKeyboardMarkup:
    """The question about a date read from typed words: save it, or type it again."""
    return InlineKeyboardMarkup([[
        _button(yes, RenewDate(day)), _button(_("✏️ No, I'll type it again"), RenewStep("retype")),
    ]])


async def _confirm_period(
    update: Update, context: BotContext, scope: ChatScope, draft: Draft, text: str,
    period: tuple[int, int],
) -> int | None:
    """How long the renewal bought, counted as the card counts its renewals (from the old
    expiry while it lies ahead, or from today), shown before anything is saved."""
    ctx = field_context(scope, context)
    card = await context.services.cards.get(scope.chat.id, draft["card_id"])
    if card is None:  # deleted meanwhile
        drop_draft(context, RENEWAL, scope.chat.id)
        await show(update, not_found(ctx._))
        return END
    from_expiry = card.renew_from == RenewFrom.EXPIRY and card.expires_on > ctx.today
    months, days = period
    day = add_months(card.expires_on if from_expiry else ctx.today, months) + timedelta(days=days)
    keyboard = _date_or_retype(ctx._, day, ctx._("✅ Yes"))
    question = ctx._(
        "“{text}”: that makes the new expiry {date}, counted from {base}. Right?"
    ).format(
        text=escape(text.strip()), date=f"<b>{format_date(day, ctx.lang)}</b>",
        base=format_date(card.expires_on, ctx.lang) if from_expiry else ctx._("today"),
    )
    await ask(update, ctx._, question, keyboard, new=True)
    return None


@_step
async def date_pressed(
    update: Update, context: BotContext, scope: ChatScope, draft: Draft
) -> str | int | None:
    button = RenewDate.from_update(update)
    if button is None:
        await tell(update, scope._("That button has expired."))
        return None
    return await _renew(update, context, scope, draft, button.day)


async def retype(update: Update, context: BotContext) -> None:
    scope = await chat_scope(update, context)
    await ask(update, scope._, scope._("Please type the new expiry date (for example 2026-12-31)."))


async def _renew(
    update: Update, context: BotContext, scope: ChatScope, draft: Draft, day: date
) -> str | int:
    """Record the renewal now; the details that follow only fill it in."""
    _ = scope._
    user = update.effective_user
    if user is None or not await may_configure(update, context):
        await tell(update, admins_only(_))
        return END
    try:
        card, renewal = await context.services.cards.renew(
            scope.chat, draft["card_id"], day, renewed_by=user.id
        )
    except CardNotFound:
        drop_draft(context, RENEWAL, scope.chat.id)
        await show(update, not_found(_))
        return END
    draft.update(renewal_id=renewal.id, label=card.label, price=card.price,
                 currency=card.currency)
    lead = _("✅ Renewed: {card} now expires on {date}. Saved.").format(
        card=card_name(card, scope.lang), date=f"<b>{format_date(day, scope.lang)}</b>"
    )
    return await _ask(update, scope, draft, AMOUNT, lead)


# --------------------------------------------------------------------------- the details


def _detail_keyboard(step: str, scope: ChatScope, draft: Draft) -> InlineKeyboardMarkup:
    _ = scope._
    buttons: list[InlineKeyboardButton] = []
    if step == AMOUNT and draft.get("price") is not None:
        buttons.append(_button(format_money(draft["price"], draft["currency"]), RenewStep("amt")))
    if step == CHANNEL:
        buttons += [_button(_(name), RenewChannel(channel))
                    for channel, name in CHANNEL_NAMES.items()]
    last = [_button(_("⏭ Skip"), RenewStep("skip")), _button(_("✔ Done"), RenewStep("done"))]
    return InlineKeyboardMarkup([*rows(buttons, 3), last])


async def _ask(update: Update, scope: ChatScope, draft: Draft, step: str, lead: str = "") -> str:
    text = "\n\n".join(part for part in (lead, scope._(QUESTIONS[step])) if part)
    await ask(update, scope._, text, _detail_keyboard(step, scope, draft))
    return step


async def _fill(
    update: Update, context: BotContext, scope: ChatScope, draft: Draft, step: str,
    values: dict[str, Any] | None,
) -> str | int:
    """Save one detail (None: skipped) and ask the next one, or finish after the last."""
    if values:
        await context.services.cards.describe_renewal(
            scope.chat.id, draft["renewal_id"], **values
        )
    following = DETAILS.index(step) + 1
    if following == len(DETAILS):
        return await _finish(update, context, scope, draft)
    return await _ask(update, scope, draft, DETAILS[following])


async def _finish(update: Update, context: BotContext, scope: ChatScope, draft: Draft) -> int:
    _ = scope._
    drop_draft(context, RENEWAL, scope.chat.id)
    renewal = await context.services.cards.renewal(scope.chat.id, draft["renewal_id"])
    if renewal is None:  # the card was deleted meanwhile
        await show(update, not_found(_))
        return END
    zone = ChatPolicy.of(scope.chat, context.settings).zone
    line = renewal_line(renewal, renewal.renewed_at.astimezone(zone).date(),
                        field_context(scope, context))
    text = _("All set. The renewal of {label}:").format(
        label=f"<b>{escape(draft['label'])}</b>"
    ) + "\n" + line
    keyboard = InlineKeyboardMarkup([[
        _button(_("📜 History"), CardHistory(renewal.card_id)),
        _button(_("🗂 The card"), ViewCard(renewal.card_id)),
    ]])
    await show(update, text, keyboard)
    return END


_done = _step(_finish)  # the Done button: no more details


def _skip(step: str) -> CallbackQueryHandler:
    @_step
    async def skipped(
        update: Update, context: BotContext, scope: ChatScope, draft: Draft
    ) -> str | int:
        return await _fill(update, context, scope, draft, step, None)

    return CallbackQueryHandler(skipped, pattern=RenewStep.matching(step="skip"))


@_step
async def amount_typed(
    update: Update, context: BotContext, scope: ChatScope, draft: Draft
) -> str | int | None:
    message = update.effective_message
    assert message is not None and message.text is not None
    currency = draft.get("currency") or field_context(scope, context).currency
    try:
        amount, currency = parse_money(message.text, currency)
    except FieldError as error:
        # Words without a number ("delete my data") are not a mistyped amount: the user has
        # moved on, and needs to know the renewal is safe and how to leave.
        problem = (
            error.text(scope._) if any(char.isdigit() for char in message.text)
            else scope._("The renewal is already saved. Type the amount you paid, or tap Done "
                         "to finish.")
        )
        await ask(update, scope._, problem, _detail_keyboard(AMOUNT, scope, draft), new=True)
        return None
    return await _fill(update, context, scope, draft, AMOUNT,
                       {"amount": amount, "currency": currency})


@_step
async def amount_pressed(
    update: Update, context: BotContext, scope: ChatScope, draft: Draft
) -> str | int:
    """The card's price, offered as a button."""
    return await _fill(update, context, scope, draft, AMOUNT,
                       {"amount": draft.get("price"), "currency": draft.get("currency")})


def channel_named(text: str, _: Translator) -> str | None:
    """A channel typed by name, in either language ("alipay", "支付宝", "GCash")."""
    typed = " ".join(text.lower().split())
    for channel, name in CHANNEL_NAMES.items():
        if typed in {channel.value, name.lower(), _(name).lower()}:
            return channel.value
    return None


@_step
async def channel_chosen(
    update: Update, context: BotContext, scope: ChatScope, draft: Draft
) -> str | int | None:
    if update.callback_query is not None:
        button = RenewChannel.from_update(update)
        channel = button.channel.value if button else None
    else:
        assert update.message is not None
        channel = channel_named(update.message.text or "", scope._)
    if channel is None:
        hint = scope._("Please pick one of the buttons.")
        if update.callback_query is not None:
            await tell(update, hint)
        else:
            await ask(update, scope._, hint, new=True)
        return None
    return await _fill(update, context, scope, draft, CHANNEL, {"channel": channel})


@_step
async def note_typed(
    update: Update, context: BotContext, scope: ChatScope, draft: Draft
) -> str | int | None:
    message = update.effective_message
    assert message is not None and message.text is not None
    note = message.text.strip()
    if len(note) > MAX_NOTE:
        await ask(update, scope._, scope._(
            "That is {length} characters long; please keep it to {max}."
        ).format(length=len(note), max=MAX_NOTE), new=True)
        return None
    return await _fill(update, context, scope, draft, NOTE, {"note": note})


@_step
async def receipt_sent(
    update: Update, context: BotContext, scope: ChatScope, draft: Draft
) -> str | int:
    message = update.effective_message
    assert message is not None and message.photo
    # The largest size; Telegram keeps the file, we keep its id to send it again later.
    receipt = {"receipt_file_id": message.photo[-1].file_id}
    return await _fill(update, context, scope, draft, RECEIPT, receipt)


async def receipt_nudge(update: Update, context: BotContext) -> None:
    scope = await chat_scope(update, context)
    await ask(update, scope._, scope._("Please send the receipt as a photo, or press Skip."),
              new=True)


# --------------------------------------------------------------------------- leaving


async def cancel(update: Update, context: BotContext) -> int:
    scope = await chat_scope(update, context)
    draft = drop_draft(context, RENEWAL, scope.chat.id) or {}
    if draft.get("renewal_id"):
        text = scope._("Stopped. The renewal itself is saved; the details you skipped stay empty.")
    else:
        text = scope._("Cancelled: the card was not marked as renewed.")
    await show(update, text)
    return END


async def timed_out(update: Update, context: BotContext) -> None:
    if update.effective_chat is None:
        return
    scope = await chat_scope(update, context)
    draft = drop_draft(context, RENEWAL, scope.chat.id) or {}
    if update.effective_user is not None:
        context.application.mark_data_for_update_persistence(user_ids=update.effective_user.id)
    text = (
        scope._("⌛ I stopped waiting for the renewal's details. The renewal itself is saved.")
        if draft.get("renewal_id")
        else scope._("⌛ I stopped waiting, so the card was not marked as renewed.")
    )
    await context.bot.send_message(scope.chat.id, text, message_thread_id=draft.get("thread_id"))


def conversation() -> ConversationHandler:
    states: dict[object, list[BaseHandler]] = {
        DATE: [
            CallbackQueryHandler(date_pressed, pattern=RenewDate.pattern),
            CallbackQueryHandler(retype, pattern=RenewStep.matching(step="retype")),
            MessageHandler(TYPED, date_typed),
            MessageHandler(NOT_TYPED, nudge),
        ],
        AMOUNT: [
            CallbackQueryHandler(amount_pressed, pattern=RenewStep.matching(step="amt")),
            MessageHandler(TYPED, amount_typed),
            MessageHandler(NOT_TYPED, nudge),
        ],
        CHANNEL: [
            CallbackQueryHandler(channel_chosen, pattern=RenewChannel.pattern),
            MessageHandler(TYPED, channel_chosen),
            MessageHandler(NOT_TYPED, nudge),
        ],
        NOTE: [MessageHandler(TYPED, note_typed), MessageHandler(NOT_TYPED, nudge)],
        RECEIPT: [
            MessageHandler(filters.UpdateType.MESSAGE & filters.PHOTO, receipt_sent),
            MessageHandler(TYPED | NOT_TYPED, receipt_nudge),
        ],
        ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
    }
    for step in DETAILS:
        states[step] += [
            _skip(step), CallbackQueryHandler(_done, pattern=RenewStep.matching(step="done"))
        ]
    return card_conversation(
        RENEWAL,
        entry_points=[
            CommandHandler("renewed", start),
            MessageHandler(TEXT & Asks("renewed_card"), start_from_request),
            CallbackQueryHandler(start, pattern=RenewedCard.pattern),
        ],
        states=states,
        cancel=cancel,
        cancel_button=RenewStep.matching(step="cancel"),
    )
