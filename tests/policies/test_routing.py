from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.policies.routing import (
    Channels,
    DigestRules,
    SaleDelivery,
    Topic,
    channel_for,
    classify_sale_delivery,
    is_digest_open,
)

RULES = DigestRules()
T0 = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("topic", "channels", "expected"),
    [
        (Topic.SALE, Channels("CS", "CT", "CD"), "CS"),
        (Topic.TICKET, Channels("CS", "CT", "CD"), "CT"),
        (Topic.DISPUTE, Channels("CS", "CT", "CD"), "CD"),
        (Topic.DISPUTE, Channels("CS", "CT", None), "CS"),  # where the disputed sale was announced
        (Topic.TICKET, Channels("CS", None, "CD"), None),
        (Topic.MORNING, Channels("CS", "CT", "CD", "CO"), "CO"),  # under the night's alerts
        (Topic.MORNING, Channels("CS", "CT", "CD"), "CT"),
        (Topic.MORNING, Channels("CS", None, None), "CS"),
    ],
)
def test_channel_for(topic, channels, expected):
    assert channel_for(topic, channels) == expected


@pytest.mark.parametrize(
    ("backlog", "digest_open", "expected"),
    [
        (1, False, SaleDelivery.CARD),
        (2, False, SaleDelivery.CARD),
        (3, False, SaleDelivery.DIGEST),  # more than Slack lets us post in the next few seconds
        (500, False, SaleDelivery.DIGEST),
        (1, True, SaleDelivery.DIGEST),  # a rush still going: keep counting it in the same message
    ],
)
def test_classify_sale_delivery(backlog, digest_open, expected):
    assert classify_sale_delivery(backlog, digest_open, RULES) is expected


@pytest.mark.parametrize(
    ("opened", "last_fold", "now", "expected"),
    [
        (T0, T0, T0 + timedelta(seconds=29), True),
        (T0, T0, T0 + timedelta(seconds=30), False),  # quiet for the whole gap: the rush is over
        (T0, T0 + timedelta(minutes=14, seconds=50), T0 + timedelta(minutes=14, seconds=59), True),
        (T0, T0 + timedelta(minutes=14, seconds=50), T0 + timedelta(minutes=15), False),  # too old to grow
    ],
)
def test_is_digest_open(opened, last_fold, now, expected):
    assert is_digest_open(opened, last_fold, now, RULES) is expected
