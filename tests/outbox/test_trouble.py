"""A delivery that keeps failing is told once with its channel, setting and fix, then every few minutes at most."""

from __future__ import annotations

import logging

import pytest

from bot.core.clock import FakeClock
from bot.core.errors import ProviderError
from bot.outbox.trouble import DeliveryTrouble, channel_settings

NOT_IN = ProviderError("slack", "not_in_channel", retryable=True)
GONE = ProviderError("slack", "channel_not_found", retryable=True)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def told(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]


def test_told_once_then_at_most_every_five_minutes_while_it_lasts(clock, caplog):
    trouble = DeliveryTrouble(clock.monotonic, {"C0SALES": "SUPPORTBOT_CHANNEL_SALES"})
    for _ in range(10):  # backoff retries, 35 s apart
        trouble.failed("C0SALES", NOT_IN)
        clock.advance(35)
    assert len(told(caplog)) == 2  # the first, and once more after 5 minutes
    assert told(caplog)[0] == (
        "outbox: posting to C0SALES (SUPPORTBOT_CHANNEL_SALES) fails: Slack answers not_in_channel; fix: invite the "
        "bot: /invite @supportbot in that channel, or set SUPPORTBOT_CHANNEL_SALES to a channel it is in; messages "
        "to it wait and are retried"
    )
    assert told(caplog)[1].startswith("outbox: still failing after 10 attempts in 5 min: posting to C0SALES")


def test_a_new_error_is_told_at_once_and_a_delivery_ends_the_trouble(clock, caplog):
    trouble = DeliveryTrouble(clock.monotonic, {"C0SALES": "SUPPORTBOT_CHANNEL_SALES"})
    trouble.failed("C0SALES", NOT_IN)
    trouble.failed("C0SALES", GONE)
    assert len(told(caplog)) == 2 and "channel_not_found" in told(caplog)[1]
    assert "set SUPPORTBOT_CHANNEL_SALES to the id of a channel that exists" in trouble.problems()[0]
    trouble.delivered("C0SALES")
    assert trouble.problems() == []
    trouble.failed("C0SALES", GONE)
    assert len(told(caplog)) == 3  # a new spell of trouble is told again


def test_a_refused_token_names_the_token_setting(clock):
    trouble = DeliveryTrouble(clock.monotonic)
    trouble.failed("C0X", ProviderError("slack", "invalid_auth", retryable=True))
    [problem] = trouble.problems()
    assert problem.startswith("posting to C0X fails: Slack answers invalid_auth")
    assert "SUPPORTBOT_SLACK_BOT_TOKEN" in problem


def test_channel_settings_name_every_setting_sharing_a_channel():
    channels = {"sales": "C0SHOP", "support": "C0SHOP", "disputes": None, "oncall": "C0NIGHT"}
    assert channel_settings(channels) == {
        "C0SHOP": "SUPPORTBOT_CHANNEL_SALES and SUPPORTBOT_CHANNEL_SUPPORT",
        "C0NIGHT": "SUPPORTBOT_CHANNEL_ONCALL",
    }
