"""When to ask PayPal again for the buyer of a sale, and over which dates to search its transactions.

PayPal's transaction search shows a sale only hours after it happened (up to three, PayPal says), so the search
is repeated, often at first and then more rarely, and given up after about nine hours: by then the sale is not
late in PayPal's index, it is not there for us (another account's, or search not enabled), and a person should
know rather than wait.
"""

from __future__ import annotations

from datetime import datetime, timedelta

# Minutes to wait after each attempt that found nothing: 1, 2, 5, 10, 15, 30, 30, then hourly three times and
# two-hourly twice. After the last, the search is given up.
RETRY_MINUTES: tuple[int, ...] = (1, 2, 5, 10, 15, 30, 30, 60, 60, 60, 120, 120)
# PayPal refuses a transaction search spanning more than 31 days; a day either side of the sale is plenty.
SEARCH_MARGIN = timedelta(days=1)


def next_lookup_at(attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` attempts that found nobody; None: give up."""
    if attempts < 1:
        return now
    if attempts > len(RETRY_MINUTES):
        return None
    return now + timedelta(minutes=RETRY_MINUTES[attempts - 1])


def search_window(paid_at: datetime) -> tuple[datetime, datetime]:
    """The start and end dates of a transaction search that holds the sale paid at `paid_at`."""
    return paid_at - SEARCH_MARGIN, paid_at + SEARCH_MARGIN


def is_lookup_worth_starting(provider: str, email: str | None, order_id: str | None) -> bool:
    """A PayPal sale that named no buyer and that PayPal can tell us about (a v2 capture names its order)."""
    return provider == "paypal" and not email and bool(order_id)
