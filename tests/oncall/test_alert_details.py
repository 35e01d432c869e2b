"""What an on-call alert is about keeps the stored shape it has always had: an alert raised by an earlier version
reads as the same typed details, and draws the same alert in Slack as one raised now."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest
from sqlalchemy import Table, insert, select

from bot.core.clock import FakeClock
from bot.core.slack_ids import ActionId
from bot.fakes.slack import FakeSlack
from bot.oncall.alerts import alert_key, raise_alert
from bot.outbox import queue
from bot.outbox.queue import Subject
from bot.policies.oncall_deadlines import ReminderLevel
from bot.policies.oncall_escalation import AlertKind
from bot.storage.models.oncall import (
    Alert,
    AlertDetails,
    DisputeAlertDetails,
    RefundRequestAlertDetails,
    ToneAlertDetails,
    WaitingAlertDetails,
    parse_alert_details,
)
from bot.storage.models.sales import Dispute
from bot.storage.models.tickets import Ticket, TicketMessage
from tests.builders import stripe_dispute, stripe_event, ticket_event
from tests.harness import alerts, button_value, has_button, on_call_settings, running_bot, unpaced

NIGHT = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 03:00 in Berlin: on call pages
SINCE = datetime(2026, 11, 25, 1, 5, 30, 250000, tzinfo=UTC)

# Details exactly as earlier versions stored them (the writers' dicts), by kind, beside the details each stands for.
STORED: list[tuple[AlertKind, dict[str, Any], AlertDetails]] = [
    (AlertKind.DISPUTE_OPENED, {"dispute_id": 3}, DisputeAlertDetails(3)),
    (AlertKind.DISPUTE_DEADLINE, {"dispute_id": 3}, DisputeAlertDetails(3)),
    (AlertKind.DISPUTE_DEADLINE, {"dispute_id": 3, "level": "final"}, DisputeAlertDetails(3, ReminderLevel.FINAL)),
    (
        AlertKind.CUSTOMER_WAITING,
        {"ticket_id": 5, "since": "2026-11-25T01:05:30.250000+00:00"},
        WaitingAlertDetails(5, SINCE),
    ),
    (
        AlertKind.BIG_REFUND_REQUEST,
        {"message_id": 9, "refundable": 24900, "currency": "EUR"},
        RefundRequestAlertDetails(9, 24900, "EUR"),
    ),
    (AlertKind.ABUSE, {"message_id": 9}, ToneAlertDetails(9)),
    (AlertKind.THREAT, {"message_id": 9}, ToneAlertDetails(9)),
]


@pytest.mark.parametrize(("kind", "stored", "details"), STORED)
def test_stored_details_read_by_the_alerts_kind_and_are_written_back_the_same(kind, stored, details):
    assert parse_alert_details(kind, stored) == details
    assert details.to_json() == stored


@pytest.mark.parametrize(("kind", "stored", "details"), STORED)
def test_an_alert_row_holds_the_stored_shape_and_shows_the_typed_details(kind, stored, details):
    assert Alert(kind=kind, details=details).details_json == stored
    assert Alert(kind=kind, details_json=stored).details == details


def test_details_missing_a_field_or_of_a_kind_never_raised_cannot_be_read():
    with pytest.raises(KeyError):
        parse_alert_details(AlertKind.BIG_REFUND_REQUEST, {"message_id": 9})
    with pytest.raises(ValueError, match="sale"):
        parse_alert_details(AlertKind.SALE, {"message_id": 9})


def drawn(message: Any) -> tuple[str, list[dict[str, Any]]]:
    """What an alert shows but its Acknowledge button, which carries the alert's own id."""
    return message.text, [block for block in message.blocks if block["type"] != "actions"]


async def test_an_alert_raised_by_an_earlier_version_draws_as_one_raised_now(database_url, slack: FakeSlack):
    now = int(NIGHT.timestamp())
    async with running_bot(on_call_settings(database_url, slack), pacer=unpaced(), clock=FakeClock(NIGHT)) as bot:
        dispute = stripe_dispute(dispute_id="dp_1", pi="pi_1", amount=19900, reason="fraudulent", due_by=now + 86400)
        status, _ = await bot.stripe(stripe_event("charge.dispute.created", dispute, created=now), timestamp=now)
        assert status == 200
        event = ticket_event("ticket.created", ticket_id="T-1", message_id="T-1-1", body="Where is my licence key?")
        status, _ = await bot.tickets(event)
        assert status == 200
        await bot.settle()
        pairs: list[tuple[str, int, int]] = []  # (what the alert says, the old row's id, the new row's id)
        async with bot.runtime.db.transaction() as session:
            dispute_id = await session.scalar(select(Dispute.id).where(Dispute.provider_dispute_id == "dp_1"))
            ticket_id = await session.scalar(select(Ticket.id).where(Ticket.external_id == "T-1"))
            message_id = await session.scalar(select(TicketMessage.id).where(TicketMessage.ticket_id == ticket_id))
            assert dispute_id is not None and ticket_id is not None and message_id is not None
            raised: list[tuple[AlertKind, Subject, int, dict[str, Any], str]] = [
                (AlertKind.DISPUTE_OPENED, Subject.DISPUTE, dispute_id, {"dispute_id": dispute_id},
                 "Dispute opened: $199.00"),
                (AlertKind.DISPUTE_DEADLINE, Subject.DISPUTE, dispute_id, {"dispute_id": dispute_id},
                 "Dispute deadline set: $199.00"),
                (AlertKind.DISPUTE_DEADLINE, Subject.DISPUTE, dispute_id, {"dispute_id": dispute_id, "level": "soon"},
                 "Dispute evidence due soon (soon): $199.00"),
                (AlertKind.CUSTOMER_WAITING, Subject.TICKET, ticket_id,
                 {"ticket_id": ticket_id, "since": SINCE.isoformat()}, "ann@example.com is waiting"),
                (AlertKind.BIG_REFUND_REQUEST, Subject.TICKET, ticket_id,
                 {"message_id": message_id, "refundable": 24900, "currency": "EUR"}, "asks for a refund of €249.00"),
                (AlertKind.ABUSE, Subject.TICKET, ticket_id, {"message_id": message_id}, "abusive message from"),
                (AlertKind.THREAT, Subject.TICKET, ticket_id, {"message_id": message_id}, "threatening message from"),
            ]  # fmt: skip
            for n, (kind, about, about_id, stored, says) in enumerate(raised):
                typed = parse_alert_details(kind, stored)
                new = await raise_alert(
                    session,
                    bot.runtime.oncall,
                    f"new:{n}",
                    kind,
                    about=about,
                    about_id=about_id,
                    details=typed,
                    now=NIGHT,
                )
                assert new is not None and new.details_json == stored
                # Inserted as a row, not through raise_alert: this is what an older version left in the table.
                old_id = await session.scalar(
                    insert(cast(Table, Alert.__table__))
                    .values(
                        key=f"old:{n}",
                        kind=kind,
                        about_type=about,
                        about_id=about_id,
                        details=stored,
                        status=new.status,
                        step=0,
                        paged=new.paged,
                        raised_at=NIGHT,
                        next_due=new.next_due,
                    )
                    .returning(Alert.__table__.c.id)
                )
                assert old_id is not None
                queue.alert(
                    session, alert_key(old_id), about=Subject.ALERT, about_id=old_id, channel="C0ONCALL", now=NIGHT
                )
                pairs.append((says, old_id, new.id))
        bot.runtime.outbox.wake()
        await bot.settle()
        by_id = {
            int(button_value(m, ActionId.ACKNOWLEDGE)): m for m in alerts(slack) if has_button(m, ActionId.ACKNOWLEDGE)
        }
        for says, old_id, new_id in pairs:
            assert "<@U0AGENT> Urgent: " in by_id[old_id].text and says in by_id[old_id].text, by_id[old_id].text
            assert drawn(by_id[old_id]) == drawn(by_id[new_id]), says
