"""The owners' month at a glance as a PNG: sales and refunds per day in the main currency, disputes on top.

Drawn with matplotlib (its non-interactive Agg backend, in memory); sized to stay readable at the width Slack
shows an image in a Home tab, with labelled axes and the currency named.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.core.money import exponent


@dataclass(frozen=True)
class MonthFigures:
    """What the chart draws (home.month reads it from the database), defined beside its drawing."""

    currency: str
    days: tuple[date, ...]  # oldest first, the last one is today (in the team's timezone)
    sales: tuple[int, ...]  # minor units of the main currency, per day
    refunds: tuple[int, ...]
    disputes: tuple[int, ...]  # disputes opened, any currency

    @property
    def empty(self) -> bool:
        return not (any(self.sales) or any(self.refunds) or any(self.disputes))


def month_chart_png(figures: MonthFigures) -> bytes:
    import matplotlib  # heavy: loaded when an owner first opens the Home tab, not at start

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.ticker import MaxNLocator

    scale = Decimal(10) ** exponent(figures.currency)
    sales = [float(Decimal(value) / scale) for value in figures.sales]
    refunds = [-float(Decimal(value) / scale) for value in figures.refunds]
    labels = [
        day.strftime("%d %b") if n % 5 == 0 or n == len(figures.days) - 1 else "" for n, day in enumerate(figures.days)
    ]
    positions = range(len(figures.days))

    figure, axes = pyplot.subplots(figsize=(8, 3.6), dpi=100)
    try:
        axes.bar(positions, sales, color="#2e7d32", label=f"Sales ({figures.currency})")
        axes.bar(positions, refunds, color="#c62828", label=f"Refunds ({figures.currency})")
        axes.axhline(0, color="#444444", linewidth=0.8)
        axes.set_ylabel(f"Amount per day ({figures.currency})")
        axes.set_xlabel("Day")
        axes.set_xticks(list(positions), labels)
        axes.set_title(f"Last {len(figures.days)} days: sales, refunds and disputes")
        if any(figures.disputes):
            counts = axes.twinx()
            counts.plot(positions, figures.disputes, "o", color="#ef6c00", label="Disputes opened")
            counts.set_ylabel("Disputes opened")
            counts.set_ylim(0, max(figures.disputes) + 1)
            counts.yaxis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10], integer=True))
            handles = axes.get_legend_handles_labels()[0] + counts.get_legend_handles_labels()[0]
        else:
            handles = axes.get_legend_handles_labels()[0]
        axes.legend(handles=handles, loc="upper left", fontsize="small", frameon=False)
        axes.grid(axis="y", alpha=0.3)
        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="png")
        return out.getvalue()
    finally:
        pyplot.close(figure)
