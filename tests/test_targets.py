"""What a person types after a command, as Slack delivers it, read as an email, a person, a payment or a ticket."""

from __future__ import annotations

import pytest

from bot.actions.targets import Target, TargetKind, read_target


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("ann@example.com", Target(TargetKind.EMAIL, "ann@example.com")),
        ("Ann@Example.com,", Target(TargetKind.EMAIL, "ann@example.com")),
        ("mailto:ann@example.com", Target(TargetKind.EMAIL, "ann@example.com")),
        # Commands with should_escape: true receive links, mentions and emails in Slack's markup.
        ("<mailto:Ann@Example.com|Ann@Example.com>", Target(TargetKind.EMAIL, "ann@example.com")),
        ("<mailto:ann@example.com>", Target(TargetKind.EMAIL, "ann@example.com")),
        ("<@U0OLIVIA|olivia>", Target(TargetKind.USER, "U0OLIVIA")),
        ("<@U0OLIVIA>", Target(TargetKind.USER, "U0OLIVIA")),
        ("pi_3Nabcdef", Target(TargetKind.PAYMENT, "pi_3Nabcdef")),
        ("#T-10", Target(TargetKind.TICKET, "T-10")),
        ("<mailto:not-an-email|x>", Target(TargetKind.OTHER, "not-an-email")),
    ],
)
def test_what_was_typed_is_read_as_slack_sends_it(typed: str, read: Target) -> None:
    assert read_target(typed) == read
