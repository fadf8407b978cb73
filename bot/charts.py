"""/stats's chart: expiries over the next 90 days (per week) and the spend per month by carrier
over the last 12 months, as one PNG.

`chart_data` is pure; `render_png` is CPU-bound matplotlib work, so handlers run it in a thread.
It uses matplotlib's object API (a Figure per call with the Agg canvas): no pyplot global
state, so renders in different threads do not share a figure.
"""

from __future__ import annotations

import io
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.dates import MONTH_NAMES, add_months
from bot.i18n import Translator, translator
from bot.parsing import MINOR_PER_MAJOR
from bot.reminders.message import carrier_name
from storage.models import Card, Renewal

if TYPE_CHECKING:
    from matplotlib.axes import Axes

EXPIRY_DAYS = 90
SPEND_MONTHS = 12
_WEEKS = math.ceil(EXPIRY_DAYS / 7)
# Fonts with Chinese glyphs, in order of preference. Without one the chart is drawn in English
# (Chinese text would come out as empty boxes); the message's text stays in the chat language.
_CJK_FONTS = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "SimHei", "Droid Sans Fallback",
)  # fmt: skip

Month = tuple[int, int]  # (year, month)


@dataclass
class ChartData:
    today: date  # in the chat's time zone
    expiries: list[date] = field(default_factory=list)  # within the next EXPIRY_DAYS
    months: list[Month] = field(default_factory=list)  # the last SPEND_MONTHS, oldest first
    currency: str | None = None  # the currency charted (the one used most)
    spend: dict[str, list[int]] = field(default_factory=dict)  # carrier -> minor units a month
    renewals: int = 0  # renewals charted
    other_currencies: dict[str, int] = field(default_factory=dict)  # not charted: totals

    @property
    def empty(self) -> bool:
        return not self.expiries and not self.spend

    def total(self) -> int:
        return sum(sum(amounts) for amounts in self.spend.values())


def spend_window(today: date) -> Month:
    """The first month of the spend chart."""
    first = add_months(today.replace(day=1), 1 - SPEND_MONTHS)
    return first.year, first.month


def chart_data(
    cards: Iterable[Card], renewals: Iterable[tuple[Renewal, Card]], today: date, zone: ZoneInfo
) -> ChartData:
    data = ChartData(today=today)
    end = today + timedelta(days=EXPIRY_DAYS)
    data.expiries = sorted(c.expires_on for c in cards if today <= c.expires_on < end and
                           not c.lapsed)
    first = spend_window(today)
    data.months = [
        (d.year, d.month)
        for d in (add_months(date(*first, 1), i) for i in range(SPEND_MONTHS))
    ]
    # A renewal recorded without an amount counts at the card's price: most people set the
    # price once and then just press "Renewed".
    paid: list[tuple[Month, str, int, str]] = []
    for renewal, card in renewals:
        amount, currency = renewal.amount, renewal.currency
        if amount is None:
            amount, currency = card.price, card.currency
        local = renewal.renewed_at.astimezone(zone)
        if amount is None or currency is None or (local.year, local.month) < first:
            continue
        paid.append(((local.year, local.month), card.carrier or "", amount, currency))
    if not paid:
        return data
    counts = Counter(currency for *_, currency in paid)
    data.currency = counts.most_common(1)[0][0]
    index = {month: i for i, month in enumerate(data.months)}
    for month, carrier, amount, currency in paid:
        if currency != data.currency:
            data.other_currencies[currency] = data.other_currencies.get(currency, 0) + amount
            continue
        data.spend.setdefault(carrier, [0] * SPEND_MONTHS)[index[month]] += amount
        data.renewals += 1
    return data


@cache
def _chart_font() -> str | None:
    """The first installed CJK font, made matplotlib's first choice (once per process)."""
    import matplotlib
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    found = next((name for name in _CJK_FONTS if name in installed), None)
    if found is not None:
        matplotlib.rcParams["font.sans-serif"] = [found, *matplotlib.rcParams["font.sans-serif"]]
    return found


def _day(day: date, lang: str) -> str:
    # Not strftime("%b"): that follows the process locale, not the chat's language.
    if lang == "zh":
        return f"{day.month}月{day.day}日"
    return f"{MONTH_NAMES[day.month][:3]} {day.day}"


def _expiry_panel(ax: Axes, data: ChartData, lang: str, _: Translator) -> None:
    counts = [0] * _WEEKS
    for day in data.expiries:
        counts[(day - data.today).days // 7] += 1
    starts = [_day(data.today + timedelta(weeks=i), lang) for i in range(_WEEKS)]
    ax.set_title(_("Cards expiring in the next {days} days, by week").format(days=EXPIRY_DAYS))
    bars = ax.bar(range(_WEEKS), counts, color="#e07a5f")
    ax.bar_label(bars, labels=[str(n) if n else "" for n in counts])
    ax.set_xticks(range(_WEEKS), starts, rotation=45, ha="right", fontsize=8)
    ax.set_ylabel(_("cards"))
    ax.set_ylim(0, max(counts, default=0) + 1)
    ax.yaxis.get_major_locator().set_params(integer=True)
    if not data.expiries:
        ax.text(0.5, 0.5, _("No card expires in this period."), transform=ax.transAxes,
                ha="center", va="center", color="gray")


def _spend_panel(ax: Axes, data: ChartData, lang: str, _: Translator) -> None:
    ax.set_title(_("Spend per month by carrier"))
    labels = [f"{year}-{month:02d}" for year, month in data.months]
    positions = range(len(labels))
    bottom = [0.0] * len(labels)
    for carrier, amounts in sorted(data.spend.items(), key=lambda item: -sum(item[1])):
        values = [amount / MINOR_PER_MAJOR for amount in amounts]
        name = carrier_name(carrier, lang) if carrier else _("No carrier")
        ax.bar(positions, values, bottom=bottom, label=name)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_xticks(positions, labels, rotation=45, ha="right", fontsize=8)
    if data.spend:
        ax.set_ylabel(data.currency or "")
        ax.legend(fontsize=8)
    else:
        ax.set_yticks([])
        ax.text(0.5, 0.5, _("No renewals with a price in this period."), transform=ax.transAxes,
                ha="center", va="center", color="gray")


def render_png(data: ChartData, lang: str) -> bytes:
    # Imported here: matplotlib takes a while to load and only /stats needs it.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    chart_lang = lang if lang == "en" or _chart_font() else "en"
    _ = translator(chart_lang)
    figure = Figure(figsize=(8, 7), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(2, 1)
    _expiry_panel(top, data, chart_lang, _)
    _spend_panel(bottom, data, chart_lang, _)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
