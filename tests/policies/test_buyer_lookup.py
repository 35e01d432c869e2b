from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.policies.buyer_lookup import RETRY_MINUTES, is_lookup_worth_starting, next_lookup_at, search_window

NOW = datetime(2026, 11, 24, 23, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    ("attempts", "wait"),
    [
        (0, timedelta(0)),
        (1, timedelta(minutes=1)),
        (2, timedelta(minutes=2)),
        (3, timedelta(minutes=5)),
        (7, timedelta(minutes=30)),
        (8, timedelta(hours=1)),
        (10, timedelta(hours=1)),
        (11, timedelta(hours=2)),
        (12, timedelta(hours=2)),
    ],
)
def test_the_search_is_repeated_often_at_first_then_rarely(attempts, wait):
    assert next_lookup_at(attempts, NOW) == NOW + wait


@pytest.mark.parametrize("attempts", [13, 14, 100])
def test_the_search_is_given_up_after_the_last_retry(attempts):
    assert next_lookup_at(attempts, NOW) is None


def test_the_whole_schedule_covers_more_than_paypals_three_hours_of_lag():
    assert timedelta(minutes=sum(RETRY_MINUTES)) > timedelta(hours=8)


def test_the_search_window_holds_the_sale_and_stays_within_paypals_31_days():
    start, end = search_window(NOW)
    assert start < NOW < end
    assert end - start <= timedelta(days=31)


@pytest.mark.parametrize(
    ("provider", "email", "order_id", "worth"),
    [
        ("paypal", None, "5O190127TN364715T", True),
        ("paypal", "", "5O190127TN364715T", True),
        ("paypal", "ann@example.com", "5O190127TN364715T", False),
        ("paypal", None, None, False),
        ("stripe", None, "5O190127TN364715T", False),
    ],
)
def test_only_a_paypal_sale_without_a_buyer_and_with_an_order_is_looked_up(provider, email, order_id, worth):
    assert is_lookup_worth_starting(provider, email, order_id) is worth
