"""/export (cards.csv, renewals.csv and an .ics calendar, sent as documents) and /import
(a cards.csv sent with /import as its caption, or after /import): all rows or none."""

from __future__ import annotations

from html import escape

from telegram import Document, Message, Update
from telegram.constants import ChatAction, ChatType
from telegram.ext import (
    BaseHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.domain import cards as card_rules
from bot.domain.errors import CardLimitReached
from bot.domain.preferences import ChatPolicy
from bot.exchange.csvfile import (
    CARD_COLUMNS,
    MAX_FILE_BYTES,
    REQUIRED_COLUMNS,
    CsvFormatError,
    cards_csv,
    read_cards_csv,
    renewals_csv,
)
from bot.runtime.chatscope import ChatScope, chat_scope
from bot.runtime.permissions import may_configure
from bot.runtime.services import BotContext
from handlers.card_rows import RowError, validate
from handlers.cards.common import IDLE_TIMEOUT, NOT_TYPED, TYPED, field_context, thread_of
from handlers.conversations import Conversation
from handlers.prompts import ask
from storage.models import Card

WAITING = "waiting_for_file"
END = ConversationHandler.END
MAX_ERRORS_SHOWN = 15
_IMPORT_CAPTION = filters.CaptionRegex(r"^/import(@\w+)?(\s|$)")


async def _allowed(update: Update, context: BotContext, scope: ChatScope) -> bool:
    """Anyone in a private chat; in a group only admins handle the group's cards."""
    if await may_configure(update, context):
        return True
    if update.effective_message is not None:
        await update.effective_message.reply_text(
            scope._("Only the group's admins can change this.")
        )
    return False


# --------------------------------------------------------------------------- export


async def export_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    scope = await chat_scope(update, context)
    _ = scope._
    if not await _allowed(update, context, scope):
        return
    cards, renewals = await context.services.cards.with_renewals(scope.chat.id)
    if not cards:
        await message.reply_text(_("There are no cards to export yet. Add one with /addcard."))
        return
    await message.reply_chat_action(ChatAction.UPLOAD_DOCUMENT)
    policy = ChatPolicy.of(scope.chat, context.settings)
    now = context.services.now()
    stem = f"renewbot-{now.astimezone(policy.zone).date().isoformat()}"
    await message.reply_document(
        cards_csv(cards),
        filename=f"{stem}-cards.csv",
        caption=(
            _.ngettext(
                "Your {count} card. Change it in a spreadsheet and send the file back with "
                "/import.",
                "Your {count} cards. Change them in a spreadsheet and send the file back with "
                "/import.", len(cards),
            ) if scope.chat.type == ChatType.PRIVATE else _.ngettext(
                "The group's {count} card. Change it in a spreadsheet and send the file back "
                "with /import.",
                "The group's {count} cards. Change them in a spreadsheet and send the file back "
                "with /import.", len(cards),
            )
        ).format(count=len(cards)),
    )
    if renewals:
        await message.reply_document(
            renewals_csv(renewals),
            filename=f"{stem}-renewals.csv",
            caption=_.ngettext("Renewal history: {count} renewal.",
                               "Renewal history: {count} renewals.", len(renewals)
                               ).format(count=len(renewals)),
        )
    # Imported on the first /export, not at every start: icalendar takes a sixteenth of a second.
    from bot.exchange.ical import cards_calendar

    await message.reply_document(
        cards_calendar(cards, policy, scope.lang, _, now),
        filename=f"{stem}-expiries.ics",
        caption=_("The expiry dates with reminders, for your calendar app."),
    )


# --------------------------------------------------------------------------- import


def _format_problem(error: CsvFormatError, scope: ChatScope) -> str:
    _ = scope._
    detail = escape(error.detail)  # column names come from the file
    problems = {
        "too_large": _("That file is too big; a card list is at most {size} KB.").format(
            size=MAX_FILE_BYTES // 1024
        ),
        "encoding": _("I can't read that file's text. Please save it as CSV (UTF-8)."),
        "unreadable": _("I can't read that file as CSV. Please save it as CSV (UTF-8)."),
        "empty": _("That file is empty."),
        "no_rows": _("That file has a header but no cards."),
        "unknown_columns": _(
            "That file has columns I don't know: {columns}. The columns are: {known}."
        ).format(columns=detail, known=", ".join(CARD_COLUMNS)),
        "missing_columns": _(
            "That file lacks the columns {columns}; {required} are required."
        ).format(columns=detail, required=", ".join(REQUIRED_COLUMNS)),
        "too_many_rows": _(
            "That file has more than {max} cards, the most a chat can keep."
        ).format(max=detail),
    }
    return problems[error.code]


def _errors_text(errors: list[RowError], scope: ChatScope) -> str:
    _ = scope._
    lines = [_("Nothing was imported: fix these rows (row 1 is the header) and send the file "
               "again.")]
    lines += [f"• {error.text(_)}" for error in errors[:MAX_ERRORS_SHOWN]]
    if len(errors) > MAX_ERRORS_SHOWN:
        lines.append(_("…and {count} more.").format(count=len(errors) - MAX_ERRORS_SHOWN))
    return "\n".join(lines)


def _is_csv(document: Document) -> bool:
    name = (document.file_name or "").lower()
    return name.endswith((".csv", ".txt")) or (document.mime_type or "").startswith("text/")


class _Rejected(Exception):
    """Some rows are wrong: nothing is imported, and they are listed."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} rows rejected")
        self.errors = errors


async def _import(update: Update, context: BotContext, message: Message, scope: ChatScope) -> str:
    """Import the message's document; the reply to send."""
    _ = scope._
    document = message.document
    if document is None or not _is_csv(document):
        return _("Please send a .csv file, like the cards file of /export.")
    if document.file_size and document.file_size > MAX_FILE_BYTES:
        return _format_problem(CsvFormatError("too_large"), scope)
    file = await document.get_file()
    try:
        rows = read_cards_csv(
            bytes(await file.download_as_bytearray()), card_rules.MAX_CARDS_PER_CHAT
        )
    except CsvFormatError as error:
        return _format_problem(error, scope)
    user = update.effective_user
    assert user is not None
    ctx = field_context(scope, context)

    def changes(cards: dict[int, Card]) -> list[card_rules.CardChange]:
        # Checked against the cards as the import's own transaction sees them.
        valid, errors = validate(rows, ctx, cards)
        if errors:
            raise _Rejected(errors)
        return [card_rules.CardChange(row.card.id if row.card else None, row.columns)
                for row in valid]

    try:
        done = await context.services.cards.import_cards(
            scope.chat, changes, created_by=user.id, thread_id=thread_of(update)
        )
    except _Rejected as rejected:
        return _errors_text(rejected.errors, scope)
    except CardLimitReached as error:
        return _("Nothing was imported: this chat has {count} cards and the file adds "
                 "{added}, but a chat keeps at most {max}.").format(**error.params)
    count = done.added + done.updated
    return _.ngettext(
        "Imported {count} card: {added} added, {updated} updated. See it with /cards.",
        "Imported {count} cards: {added} added, {updated} updated. See them with /cards.",
        count,
    ).format(count=count, added=done.added, updated=done.updated)


async def import_command(update: Update, context: BotContext) -> str | int:
    message = update.effective_message
    if message is None:
        return END
    scope = await chat_scope(update, context)
    if not await _allowed(update, context, scope):
        return END
    if message.document is not None:  # the file came with /import as its caption
        await message.reply_text(await _import(update, context, message, scope))
        return END
    await ask(
        update, scope._,
        scope._("Send me the CSV file now: the cards file of /export, changed or not, or your "
                "own with the columns {columns} ({required} are required). A row with the "
                "number of one of your cards updates that card. /cancel stops.").format(
            columns=", ".join(CARD_COLUMNS), required=", ".join(REQUIRED_COLUMNS)
        ),
        new=True,
    )
    return WAITING


async def import_file(update: Update, context: BotContext) -> int:
    message = update.effective_message
    if message is None:
        return END
    scope = await chat_scope(update, context)
    await message.reply_text(await _import(update, context, message, scope))
    return END


async def waiting_nudge(update: Update, context: BotContext) -> None:
    scope = await chat_scope(update, context)
    await ask(update, scope._, scope._("Please send the CSV file as a document, or /cancel."),
              new=True)


async def cancel(update: Update, context: BotContext) -> int:
    scope = await chat_scope(update, context)
    if update.effective_message is not None:
        await update.effective_message.reply_text(scope._("Import cancelled."))
    return END


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("export", export_command),
        Conversation(
            entry_points=[
                CommandHandler("import", import_command),
                MessageHandler(filters.Document.ALL & _IMPORT_CAPTION, import_command),
            ],
            states={
                WAITING: [
                    MessageHandler(filters.Document.ALL, import_file),
                    MessageHandler(TYPED | NOT_TYPED, waiting_nudge),
                ],
            },
            fallbacks=[CommandHandler("cancel", cancel)],
            allow_reentry=True,
            conversation_timeout=IDLE_TIMEOUT,
        ),
    ]
