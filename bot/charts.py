"""/stats's chart: expiries over the next 90 days (per week) and the spend per month by carrier
over the last 12 months, as one portrait PNG sized for a phone, in the chat's language (titles,
dates, months, carriers; the font comes from the noto-cjk-sans-otc package, not the system).

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

from bot.domain.carriers import carrier_name
from bot.domain.dates import MONTH_NAMES, add_months
from bot.domain.parsing import MINOR_PER_MAJOR, currency_sign
from bot.i18n import Translator, translator
from storage.models import Card, Renewal

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

EXPIRY_DAYS = 90
SPEND_MONTHS = 12
_WEEKS = math.ceil(EXPIRY_DAYS / 7)
# Both panels make a portrait 960 x 1280 PNG: Telegram keeps photos up to 1280 px on the long
# side unscaled, and on a phone, where it is shown ~360 pt wide, 10 pt text here reads as
# ~10 pt text. Heights in inches.
_WIDTH, _EXPIRY_HEIGHT, _SPEND_HEIGHT, _DPI = 4.8, 2.85, 3.55, 200
# The bundled Noto Sans CJK draws Chinese and Latin alike; DejaVu Sans (matplotlib's own)
# has the signs it lacks, such as ₱.
_FONTS = ["Noto Sans CJK SC", "DejaVu Sans"]
_EXPIRY_COLOR = "#e07a5f"
_CARRIER_COLORS = ("#3d5a80", "#ee9b00", "#81b29a", "#98c1d9", "#9b5de5", "#bc4749", "#6c757d")
_MUTED = "#6c757d"

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
def _use_bundled_font() -> None:
    """Register the font shipped by the noto-cjk-sans-otc package (once per process)."""
    import matplotlib
    from matplotlib import font_manager
    from noto_cjk_sans_otc import FONT_PATH

    font_manager.fontManager.addfont(str(FONT_PATH))
    matplotlib.rcParams["font.family"] = _FONTS


def _day(day: date, lang: str) -> str:
    # Not strftime("%b"): that follows the process locale, not the chat's language.
    if lang == "zh":
        return f"{day.month}月{day.day}日"
    return f"{MONTH_NAMES[day.month][:3]} {day.day}"


def _month(month: Month, lang: str, with_year: bool = False) -> str:
    year, number = month
    if lang == "zh":
        return f"{year}年{number}月" if with_year else f"{number}月"
    name = MONTH_NAMES[number][:3]
    return f"{name} {year}" if with_year else name


def _amount(value: float) -> str:
    """30 -> "30", 19.5 -> "19.5", 1299.5 -> "1,299.5": short labels for the bars."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _plain(ax: Axes) -> None:
    """No box: a light grid behind the bars is enough."""
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color("#adb5bd")
    ax.tick_params(axis="x", length=0, labelsize=9, pad=4)
    ax.tick_params(axis="y", length=0, labelsize=8.5, labelcolor=_MUTED)
    ax.set_axisbelow(True)
    ax.yaxis.grid(color="#e9ecef", linewidth=0.8)


def _expiry_panel(ax: Axes, data: ChartData, lang: str, _: Translator) -> None:
    counts = [0] * _WEEKS
    for day in data.expiries:
        counts[(day - data.today).days // 7] += 1
    _plain(ax)
    ax.set_title(_("Cards expiring in the next {days} days, by week").format(days=EXPIRY_DAYS),
                 fontsize=12, loc="left", pad=10)
    bars = ax.bar(range(_WEEKS), counts, color=_EXPIRY_COLOR, width=0.7)
    ax.bar_label(bars, labels=[str(n) if n else "" for n in counts], fontsize=10, padding=2)
    # Every week has a tick and every other one a date: thirteen dates side by side do not
    # fit a phone's width.
    ax.set_xticks(range(_WEEKS), [_day(data.today + timedelta(weeks=i), lang) if i % 2 == 0
                                  else "" for i in range(_WEEKS)])
    ax.tick_params(axis="x", length=3, color="#adb5bd")
    ax.set_xlim(-0.6, _WEEKS - 0.4)
    ax.set_ylim(0, max(counts, default=0) * 1.25 + 0.5)
    ax.set_yticks([])  # each bar says its count


def _spend_panel(ax: Axes, data: ChartData, lang: str, _: Translator) -> None:
    _plain(ax)
    ax.set_title(_("Spend per month by carrier"), fontsize=12, loc="left", pad=10)
    positions = range(len(data.months))
    labels = [_month(month, lang) for month in data.months]
    ax.set_xticks(list(positions), labels)
    # The months only, and the years they span once below them.
    span = f"{_month(data.months[0], lang, True)} – {_month(data.months[-1], lang, True)}"
    ax.set_xlabel(span, fontsize=9, color=_MUTED, labelpad=6)
    ax.set_xlim(-0.6, len(labels) - 0.4)
    bottom = [0.0] * len(labels)
    ranked = sorted(data.spend.items(), key=lambda item: -sum(item[1]))
    for i, (carrier, amounts) in enumerate(ranked):
        values = [amount / MINOR_PER_MAJOR for amount in amounts]
        name = carrier_name(carrier, lang) if carrier else _("No carrier")
        ax.bar(positions, values, bottom=bottom, width=0.7, label=name,
               color=_CARRIER_COLORS[i % len(_CARRIER_COLORS)])
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    for x, total in zip(positions, bottom, strict=True):
        if total:
            ax.text(x, total, _amount(total), ha="center", va="bottom", fontsize=8,
                    color="#343a40")
    ax.set_ylim(0, max(bottom) * 1.18)
    ax.set_ylabel(_("Amount ({currency})").format(currency=currency_sign(data.currency or "")),
                  fontsize=9, color=_MUTED)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.26), ncols=min(3, len(ranked)),
              frameon=False, fontsize=9, handlelength=1, columnspacing=1.2)


def chart_figure(data: ChartData, lang: str) -> Figure:
    """The chart as a matplotlib Figure (on the Agg canvas), in the chat's language: a panel
    for what there is to show (a new user's cards have no renewals yet: no empty half)."""
    # Imported here: matplotlib takes a while to load and only /stats needs it.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    panels = [(draw, height) for draw, height, shown in (
        (_expiry_panel, _EXPIRY_HEIGHT, bool(data.expiries)),
        (_spend_panel, _SPEND_HEIGHT, bool(data.spend)),
    ) if shown]
    if not panels:
        raise ValueError("nothing to chart")
    _use_bundled_font()
    _ = translator(lang)
    heights = [height for _draw, height in panels]
    figure = Figure(figsize=(_WIDTH, sum(heights)), dpi=_DPI, facecolor="white",
                    layout=ConstrainedLayoutEngine(h_pad=0.12, w_pad=0.1))
    FigureCanvasAgg(figure)
    axes = figure.subplots(len(panels), 1, height_ratios=heights, squeeze=False)[:, 0]
    for ax, (draw, _height) in zip(axes, panels, strict=True):
        draw(ax, data, lang, _)
    return figure


def render_png(data: ChartData, lang: str) -> bytes:
    buffer = io.BytesIO()
    chart_figure(data, lang).savefig(buffer, format="png")
    return buffer.getvalue()
