"""The iCalendar file of /export: one all-day event per card expiry, one alarm per lead day.

An alarm fires at the chat's remind time, `lead` days before the expiry, like the bot's own
reminders. Its trigger is relative to the all-day event's start (local midnight), so a calendar
app shows it at the same local time wherever the phone is.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta

from icalendar import Alarm, Calendar, Event

from bot.domain.carriers import carrier_name
from bot.domain.preferences import ChatPolicy
from bot.i18n import Translator
from storage.models import Card


def alarm_trigger(lead_days: int, remind_at: time) -> timedelta:
    """The offset from the expiry day's midnight to the reminder `lead_days` before it."""
    return timedelta(days=-lead_days, hours=remind_at.hour, minutes=remind_at.minute)


def _alarm_text(label: str, lead: int, _: Translator) -> str:
    if lead == 0:
        return _("{label} expires today").format(label=label)
    if lead == 1:
        return _("{label} expires tomorrow").format(label=label)
    return _("{label} expires in {days} days").format(label=label, days=lead)


def _event(card: Card, policy: ChatPolicy, lang: str, _: Translator, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", f"card-{card.id}-{card.expires_on.isoformat()}@renewbot")
    event.add("dtstamp", stamp)
    event.add("dtstart", card.expires_on)
    event.add("dtend", card.expires_on + timedelta(days=1))
    event.add("summary", _("{label} expires").format(label=card.label))
    details = [
        text
        for text in (carrier_name(card.carrier, lang), card.plan,
                     f"···{card.number_tail}" if card.number_tail else None)
        if text
    ]
    details.append(_("Mark it renewed with /renewed {id}").format(id=card.number))
    event.add("description", "\n".join(details))
    event.add("transp", "TRANSPARENT")  # a reminder, not a busy day
    if not card.lapsed:
        for lead in policy.leads_for(card):
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", _alarm_text(card.label, lead, _))
            alarm.add("trigger", alarm_trigger(lead, policy.remind_at))
            event.add_component(alarm)
    return event


def cards_calendar(
    cards: Iterable[Card], policy: ChatPolicy, lang: str, _: Translator, now: datetime
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//renewbot//card expiries//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("Card expiries"))
    for card in cards:
        calendar.add_component(_event(card, policy, lang, _, now))
    return calendar.to_ical()
