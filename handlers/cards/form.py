"""/addcard and /editcard: one conversation over the field registry (fields.py).

Adding asks every field in order and ends with a summary (Save / Edit / Cancel); Edit and
/editcard show the fields as buttons, ask only the one picked, and come back to the summary.
The draft lives in the persisted user_data and the step is the persisted conversation state,
so a restart resumes at the same question.
"""

from __future__ import annotations

import re
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
)

from bot.callbacks import (
    CallbackData,
    EditCard,
    FormConfirm,
    FormField,
    FormPick,
    FormStep,
    MenuButton,
)
from bot.domain.carriers import carrier_name
from bot.domain.dates import find_date
from bot.domain.errors import CardLimitReached, CardNotFound, DomainError
from bot.i18n import N_
from bot.knowledge.carriers import carriers_in
from bot.knowledge.intents import detect_intent
from bot.knowledge.normalize import normalize
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
    BY_KEY,
    CARRIER,
    EXPIRY,
    FIELDS,
    CardField,
    FieldContext,
    FieldError,
    GuessedAnswer,
    Values,
    columns_of,
    describe,
    field_line,
    kind_named,
    next_field,
    values_of,
)
from handlers.cards.picker import named_card
from handlers.cards.view import card_keyboard, card_text
from handlers.free_text import TEXT, Asks, text_for_bot
from handlers.prompts import ask, nudge
from handlers.webapp import app_row

FORM = "card_form"  # the conversation's persistence name and its drafts' slot in user_data
SUMMARY, PICK, CONFIRM = "summary", "pick", "confirm"
END = ConversationHandler.END

_SKIP = re.compile(r"(?i)skip|跳过|跳過|不填|没有|沒有|无|無|none|n/?a|-+|/")
_step = with_draft(FORM, N_("This conversation has expired. Send /addcard to start again."))


def refusal(error: DomainError, scope: ChatScope) -> str:
    """What to say when saving a card was refused."""
    if isinstance(error, CardLimitReached):
        return scope._(
            "This chat already has {max} cards, the most I can keep. Delete one with /delcard "
            "first."
        ).format(**error.params)
    return not_found(scope._)


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data.pack())


def _prompt_keyboard(field: CardField, ctx: FieldContext, draft: Draft) -> InlineKeyboardMarkup:
    _ = ctx._
    choices = [_button(label, FormField(field.key, value)) for label, value in field.buttons(ctx)]
    wanted = field.key in draft.get("wanted", ())
    last = []
    if field.optional:  # a button without a value skips the field (or empties it when editing)
        skip = _("🧹 Leave empty") if draft["one"] and not wanted else _("⏭ Skip")
        last.append(_button(skip, FormField(field.key)))
    if draft["one"] and not wanted and not field.missing(draft["values"]):  # to the summary
        last.append(_button(_("↩️ Back"), FormStep("back")))
    last.append(_button(_("✖ Cancel"), FormStep("cancel")))
    return InlineKeyboardMarkup([*rows(choices, field.columns), last])


async def _ask(
    update: Update, ctx: FieldContext, draft: Draft, field: CardField, lead: str = ""
) -> str:
    text = "\n\n".join(part for part in (lead, field.prompt_text(ctx)) if part)
    await ask(update, ctx._, text, _prompt_keyboard(field, ctx, draft))
    return field.key


async def _overview(
    update: Update, ctx: FieldContext, draft: Draft, state: str, lead: str = ""
) -> str:
    """The draft as a whole: the summary (Save / Edit / Cancel) or the field picker."""
    _ = ctx._
    draft["one"] = False
    values = draft["values"]
    title = _("New card") if draft["card_id"] is None else _("Card #{id}").format(
        id=draft.get("number") or ""
    )
    if state == SUMMARY:
        question = _("Save it?")
        keyboard = [[_button(_("✅ Save"), FormStep("save")),
                     _button(_("✏️ Edit"), FormStep("edit")),
                     _button(_("✖ Cancel"), FormStep("cancel"))]]
    else:
        question = _("Which field do you want to change?")
        fields = [f for f in FIELDS if f.listed and f.applies(values)]
        keyboard = rows([_button(_(f.name), FormPick(f.key)) for f in fields], 3)
        keyboard.append([_button(_("✅ Save"), FormStep("save")),
                         _button(_("✖ Cancel"), FormStep("cancel"))])
    body = "\n".join([f"<b>{title}</b>", *describe(values, ctx)])
    text = "\n\n".join(part for part in (lead, body, question) if part)
    await show(update, text, InlineKeyboardMarkup(keyboard))
    return state


# --------------------------------------------------------------------------- entry points


async def _new_draft(
    update: Update, context: BotContext, scope: ChatScope, values: Values, lead: str
) -> Draft | None:
    """A draft for a new card, if this user may add one here (else they are told why)."""
    _ = scope._
    if not await may_configure(update, context):
        await tell(update, _("Only the group's admins can add cards here."))
        return None
    try:
        await context.services.cards.ensure_room(scope.chat.id)
    except CardLimitReached as error:
        await tell(update, refusal(error, scope))
        return None
    if drop_draft(context, FORM, scope.chat.id) is not None:
        lead = _("(I dropped the card you had not finished.)") + "\n" + lead
    draft: Draft = {"card_id": None, "values": values, "one": False, "pending": None,
                    "thread_id": thread_of(update), "lead": lead}
    store_draft(context, FORM, scope.chat.id, draft)
    return draft


async def start_add(update: Update, context: BotContext) -> str | int:
    scope = await chat_scope(update, context)
    lead = scope._("Let's record a new card. Send /cancel at any time to stop.")
    draft = await _new_draft(update, context, scope, {}, lead)
    if draft is None:
        return END
    return await _ask(update, field_context(scope, context), draft, FIELDS[0], draft.pop("lead"))


def _understood(text: str, ctx: FieldContext) -> Values:
    """What a request in words already says about the card: its carrier, its type, and its
    expiry when the date is read for sure and not in the past (else the question is asked)."""
    intent = detect_intent(text)
    values: Values = {}
    if intent is not None and intent.carrier is not None:
        values |= CARRIER.pick(intent.carrier, ctx)
        values["label"] = carrier_name(intent.carrier, ctx.lang)
    values |= kind_named(text, values.get("carrier"))
    date_text = find_date(text, ctx.today)
    if date_text is not None:
        try:
            expiry = EXPIRY.parse(date_text, ctx)
        except FieldError:  # a guessed date is not filled in either
            expiry = {}
        if expiry and EXPIRY.confirm(expiry, ctx) is None:
            values |= expiry
    return values


async def start_from_request(update: Update, context: BotContext) -> str | int:
    """"Remind me to renew my Smart SIM on Dec 31", "帮我加一张移动卡": /addcard with what the
    words already say filled in; only what is missing is asked, then the summary to save."""
    message = update.effective_message
    assert message is not None
    text = text_for_bot(message)
    scope = await adopt_written_language(update, context, text)
    _ = scope._
    ctx = field_context(scope, context)
    values = _understood(text, ctx)
    lead = (
        _("I'll remind you before it expires. Let's record the card (/cancel stops).")
        if scope.chat.type == ChatType.PRIVATE
        else _("I'll remind this group before it expires. Let's record the card (/cancel stops).")
    )
    if values:
        lead += "\n" + "\n".join("✓ " + line for line in describe(values, ctx, only_set=True))
    draft = await _new_draft(update, context, scope, values, lead)
    if draft is None:
        return END
    if values.get("carrier") is None:
        # Optional, but it decides which guide the reminders offer: asked once (Skip is there).
        draft["wanted"] = [CARRIER.key]
    return await _resume(update, ctx, draft, draft.pop("lead"))


async def start_edit(update: Update, context: BotContext) -> str | int:
    scope = await chat_scope(update, context)
    card = await named_card(update, context, scope, EditCard, "editcard")
    if card is None:
        return END
    draft: Draft = {"card_id": card.id, "number": card.number, "values": values_of(card),
                    "one": False, "pending": None, "thread_id": card.thread_id}
    store_draft(context, FORM, scope.chat.id, draft)
    return await _overview(update, field_context(scope, context), draft, PICK)


# --------------------------------------------------------------------------- answers
# The draft is the dict inside user_data: changing it in place is what gets persisted.


async def _resume(update: Update, ctx: FieldContext, draft: Draft, lead: str = "") -> str:
    """Ask the first field still missing (e.g. the days after switching to "every N days"),
    or show the summary when the draft is complete."""
    missing = next_field(None, draft["values"], only_missing=True, wanted=draft.get("wanted", ()))
    if missing is None:
        return await _overview(update, ctx, draft, SUMMARY, lead)
    draft["one"] = True
    return await _ask(update, ctx, draft, missing, lead)


async def _accept(
    update: Update, ctx: FieldContext, draft: Draft, field: CardField, values: Values
) -> str:
    """Take a valid answer, unless it needs a confirmation first (a past expiry)."""
    question = field.confirm(values, ctx)
    if question is None:
        return await _take(update, ctx, draft, field, values)
    return await _ask_to_confirm(
        update, draft, field, values, question,
        (ctx._("Yes, keep it"), ctx._("No, change it")), sure=True,
    )


async def _ask_to_confirm(
    update: Update, draft: Draft, field: CardField, values: Values, question: str,
    labels: tuple[str, str], *, sure: bool,
) -> str:
    """Hold an answer until Yes. `sure` False: it was only a guess at what the user typed, so
    Yes still runs the field's own confirmation (a guessed date may also be in the past)."""
    draft["pending"] = {"field": field.key, "values": values, "sure": sure}
    yes, no = labels
    keyboard = InlineKeyboardMarkup([[_button(yes, FormConfirm(yes=True)),
                                      _button(no, FormConfirm(yes=False))]])
    await show(update, question, keyboard)
    return CONFIRM


async def _take(
    update: Update, ctx: FieldContext, draft: Draft, field: CardField, values: Values
) -> str:
    """Keep the answer, confirm it in one line, and move on to the next question."""
    draft["values"].update(values)
    draft["pending"] = None
    ack = "✓ " + field_line(field, draft["values"], ctx, bold=False)
    if field is not CARRIER and "carrier" in values:  # named in the answer (_carrier_named)
        ack += "\n✓ " + field_line(CARRIER, draft["values"], ctx, bold=False)
    _asked(draft, values)
    if draft["one"]:
        return await _resume(update, ctx, draft, ack)
    following = next_field(field.key, draft["values"], only_missing=False, answered=values)
    if following is None:
        return await _overview(update, ctx, draft, SUMMARY, ack)
    return await _ask(update, ctx, draft, following, ack)


def _asked(draft: Draft, values: Values) -> None:
    """Answered (or skipped) fields are no longer wanted."""
    if wanted := draft.get("wanted"):
        draft["wanted"] = [key for key in wanted if key not in values]


def _carrier_named(draft: Draft, field: CardField, raw: str, ctx: FieldContext) -> Values:
    """The carrier a typed answer names while the card has none: a card called "中国移动" or
    "Globe backup", "移东" typed at the type question. Kept, so it is not asked (again) and
    the reminders offer that carrier's guide."""
    if field is CARRIER or draft["values"].get("carrier") is not None:
        return {}
    named = carriers_in(normalize(raw))
    return CARRIER.pick(named[0], ctx) if named else {}


async def _answer(
    update: Update, ctx: FieldContext, draft: Draft, field: CardField, raw: str | None,
    pressed: bool,
) -> str | None:
    """Typed text or a pressed button (raw None: Skip) for `field`. A mistake changes nothing
    but a carrier it names, and keeps the question open. Typing "skip" (跳过, 不填, -) at an
    optional field is the Skip button, not a plan called "skip"."""
    if not pressed and raw is not None and field.optional and _SKIP.fullmatch(raw.strip()):
        raw = None
    carrier = _carrier_named(draft, field, raw, ctx) if not pressed and raw is not None else {}
    try:
        if raw is None:
            if not field.optional:  # only a forged button skips a required field
                raise FieldError(N_("That button has expired."))
            values = field.cleared()
        else:
            values = field.pick(raw, ctx) if pressed else field.parse(raw, ctx)
    except GuessedAnswer as unsure:
        labels = (ctx._("✅ Yes"), ctx._("✏️ No, I'll type it again"))
        return await _ask_to_confirm(
            update, draft, field, unsure.values | carrier, unsure.text(ctx._), labels,
            sure=False,
        )
    except FieldError as error:
        if pressed:
            await tell(update, error.text(ctx._))
            return None
        if carrier:  # "移东" at the type question: the carrier is kept, the question stays
            draft["values"].update(carrier)
            _asked(draft, carrier)
            ack = "✓ " + field_line(CARRIER, draft["values"], ctx, bold=False)
            return await _ask(update, ctx, draft, field, ack)
        await ask(update, ctx._, error.text(ctx._), _prompt_keyboard(field, ctx, draft),
                  new=True)
        return None
    return await _accept(update, ctx, draft, field, values | carrier)


def _field_handlers(field: CardField) -> list[BaseHandler]:
    @_step
    async def typed(
        update: Update, context: BotContext, scope: ChatScope, draft: Draft
    ) -> str | None:
        assert update.message is not None
        ctx = field_context(scope, context)
        return await _answer(update, ctx, draft, field, update.message.text, pressed=False)

    @_step
    async def pressed(
        update: Update, context: BotContext, scope: ChatScope, draft: Draft
    ) -> str | None:
        assert update.callback_query is not None
        button = FormField.from_update(update)
        value = button.value if button else None
        ctx = field_context(scope, context)
        return await _answer(update, ctx, draft, field, value, pressed=True)

    return [
        MessageHandler(TYPED, typed),
        CallbackQueryHandler(pressed, pattern=FormField.matching(key=field.key)),
        CallbackQueryHandler(_back, pattern=FormStep.matching(step="back")),
        MessageHandler(NOT_TYPED, nudge),
    ]


@_step
async def _confirm_pending(
    update: Update, context: BotContext, scope: ChatScope, draft: Draft
) -> str | None:
    """Yes keeps the pending answer (a past expiry, or a guess at a typed date), No asks again,
    a typed answer replaces it."""
    ctx = field_context(scope, context)
    pending = draft.get("pending") or {}
    field = BY_KEY.get(pending.get("field", ""))
    if field is None:
        return await _resume(update, ctx, draft)
    query = update.callback_query
    if query is None:
        assert update.message is not None
        return await _answer(update, ctx, draft, field, update.message.text, pressed=False)
    button = FormConfirm.from_update(update)
    if button is not None and button.yes:
        if pending.get("sure") is False:
            return await _accept(update, ctx, draft, field, pending["values"])
        return await _take(update, ctx, draft, field, pending["values"])
    draft["pending"] = None
    return await _ask(update, ctx, draft, field)


# --------------------------------------------------------------------------- summary, picker


@_step
async def _back(update: Update, context: BotContext, scope: ChatScope, draft: Draft) -> str:
    """Back from a single field: to the summary, unless a required field is still empty."""
    return await _resume(update, field_context(scope, context), draft)


@_step
async def _to_picker(update: Update, context: BotContext, scope: ChatScope, draft: Draft) -> str:
    return await _overview(update, field_context(scope, context), draft, PICK)


@_step
async def _pick(
    update: Update, context: BotContext, scope: ChatScope, draft: Draft
) -> str | None:
    button = FormPick.from_update(update)
    field = BY_KEY.get(button.key) if button else None
    if field is None or not field.listed:
        await tell(update, scope._("That button has expired."))
        return None
    draft["one"] = True
    return await _ask(update, field_context(scope, context), draft, field)


def _use_buttons(state: str) -> MessageHandler:
    """Text where only buttons are read: the summary or picker again, with its buttons below
    the text, so nobody has to scroll back up to find them."""

    @_step
    async def typed(update: Update, context: BotContext, scope: ChatScope, draft: Draft) -> str:
        hint = scope._("Please use the buttons (/cancel stops).")
        return await _overview(update, field_context(scope, context), draft, state, hint)

    return MessageHandler(TYPED | NOT_TYPED, typed)


@_step
async def _save(
    update: Update, context: BotContext, scope: ChatScope, draft: Draft
) -> str | int | None:
    _ = scope._
    user = update.effective_user
    if user is None or not await may_configure(update, context):
        await tell(update, admins_only(_))
        return None
    if next_field(None, draft["values"], only_missing=True) is not None:
        return await _resume(update, field_context(scope, context), draft)
    columns = columns_of(draft["values"])
    cards = context.services.cards
    try:
        if draft["card_id"] is None:
            card = await cards.create(scope.chat, created_by=user.id,
                                      thread_id=draft["thread_id"], columns=columns)
        else:
            card = await cards.edit(scope.chat, draft["card_id"], columns)
    except (CardLimitReached, CardNotFound) as error:
        card, problem = None, refusal(error, scope)
    drop_draft(context, FORM, scope.chat.id)
    if card is None or card.id is None:
        await show(update, problem)
        return END
    text = _("✅ Saved.") + "\n\n" + card_text(card, field_context(scope, context))
    await show(update, text, card_keyboard(
        card.id, _, app_row(context, scope.chat.id, scope.chat.type, _)
    ))
    return END


# --------------------------------------------------------------------------- leaving


async def cancel(update: Update, context: BotContext) -> int:
    scope = await chat_scope(update, context)
    _ = scope._
    draft = drop_draft(context, FORM, scope.chat.id) or {}
    label = escape(str(draft.get("values", {}).get("label") or ""))
    if draft.get("card_id"):
        text = _("Cancelled: your changes to “{label}” were not saved.").format(label=label)
    elif label:
        text = _("Cancelled: the new card “{label}” was not saved.").format(label=label)
    else:
        text = _("Cancelled: nothing was saved.")
    await show(update, text)
    return END


async def timed_out(update: Update, context: BotContext) -> None:
    """The user walked away: drop the draft and say so (the conversation then ends)."""
    if update.effective_chat is None:
        return
    scope = await chat_scope(update, context)
    draft = drop_draft(context, FORM, scope.chat.id) or {}
    if update.effective_user is not None:  # the draft's removal must reach the database too
        context.application.mark_data_for_update_persistence(user_ids=update.effective_user.id)
    await context.bot.send_message(
        scope.chat.id,
        scope._("⌛ I stopped waiting for an answer, so nothing was saved. "
                "Send /addcard or /editcard to start again."),
        message_thread_id=draft.get("thread_id"),
    )


def conversation() -> ConversationHandler:
    states: dict[object, list[BaseHandler]] = {
        field.key: _field_handlers(field) for field in FIELDS
    }
    states[CONFIRM] = [
        CallbackQueryHandler(_confirm_pending, pattern=FormConfirm.pattern),
        MessageHandler(TYPED, _confirm_pending),
        MessageHandler(NOT_TYPED, nudge),
    ]
    states[SUMMARY] = [
        CallbackQueryHandler(_save, pattern=FormStep.matching(step="save")),
        CallbackQueryHandler(_to_picker, pattern=FormStep.matching(step="edit")),
        _use_buttons(SUMMARY),
    ]
    states[PICK] = [
        CallbackQueryHandler(_pick, pattern=FormPick.pattern),
        CallbackQueryHandler(_save, pattern=FormStep.matching(step="save")),
        _use_buttons(PICK),
    ]
    states[ConversationHandler.TIMEOUT] = [TypeHandler(Update, timed_out)]
    return card_conversation(
        FORM,
        entry_points=[
            CommandHandler("addcard", start_add),
            MessageHandler(TEXT & Asks("add_card", "remind_me"), start_from_request),
            CallbackQueryHandler(start_add, pattern=MenuButton.matching(item="addcard")),
            CommandHandler("editcard", start_edit),
            CallbackQueryHandler(start_edit, pattern=EditCard.pattern),
        ],
        states=states,
        cancel=cancel,
        cancel_button=FormStep.matching(step="cancel"),
    )
