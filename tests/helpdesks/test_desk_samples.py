"""The documented sample payloads parse into what the bot shows: the shapes our fakes imitate are the real ones."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.domain import TicketMessageSeen, TicketStateSeen
from bot.integrations.desk_events import freescout, freshdesk, helpscout, zendesk
from tests.helpdesks.conftest import sample

RECEIVED = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)


def test_help_scout_and_freescout_conversations():
    [message, state] = helpscout.parse_event(
        {"event": "convo.created", "conversation": sample("helpscout_convo_created.json")}, RECEIVED
    )
    assert isinstance(message, TicketMessageSeen) and message.ticket_key == "HS-349"
    assert message.customer.email == "carla@example.jp" and message.customer.name == "Carla Mori"
    expected = "Hi, I bought the Pro pack yesterday and the download link already says expired.\n\nCould you send"
    assert message.body == expected + " a new one? Order #1042."
    assert isinstance(state, TicketStateSeen) and state.status == "open" and state.assignee_ref is None

    [message, _] = freescout.parse_event(
        {"event": "convo.created", "conversation": sample("freescout_convo_created.json")}, RECEIVED
    )
    assert isinstance(message, TicketMessageSeen)
    assert message.ticket_key == "FS-10143" and message.customer.name == "Dana Weiß"
    assert message.body.startswith("Hello, the licence key from my receipt says invalid when I paste it into the app.")


def test_zendesk_events_with_their_look_ups():
    people = {"8447388090431": {"name": "Dana Weiß", "email": "dana@example.de"}}
    comment = sample("zendesk_ticket_comment_added.json") | {"lookup": {"users": people}}
    [message, state] = zendesk.parse_event(comment, RECEIVED)
    assert isinstance(message, TicketMessageSeen) and isinstance(state, TicketStateSeen)
    assert message.sender == "agent" and message.author == "Ana Lima" and message.message_key == "zendesk:9876543210"
    assert message.customer.email == "dana@example.de" and message.ticket_key == "ZD-5158"
    assert state.status == "open" and not state.assigned

    people["8447388090496"] = {"name": "Bo Berg", "email": "bo@shop.example"}
    [state] = zendesk.parse_event(
        sample("zendesk_ticket_agent_assignment_changed.json") | {"lookup": {"users": people}}, RECEIVED
    )
    assert isinstance(state, TicketStateSeen)
    assert state.assigned and (state.assignee_ref, state.assignee_name) == ("8447388090496", "Bo Berg")

    [state] = zendesk.parse_event(
        sample("zendesk_ticket_status_changed.json") | {"lookup": {"users": people}}, RECEIVED
    )
    assert isinstance(state, TicketStateSeen) and state.status == "closed"

    created = sample("zendesk_ticket_created.json")
    first = {
        "id": 1,
        "body": "<p>The licence key says invalid</p>",
        "public": True,
        "author_id": "8447388090431",
        "author_name": "Dana Weiß",
        "staff": False,
        "created_at": "2026-11-24T10:12:07Z",
    }
    [message, state] = zendesk.parse_event(created | {"lookup": {"users": people, "comments": [first]}}, RECEIVED)
    assert isinstance(message, TicketMessageSeen)
    assert message.sender == "customer" and message.body == "The licence key says invalid"
    assert zendesk.people_to_look_up(created) == {"8447388090431"}


def test_a_freshdesk_simple_webhook_and_the_ticket_read_back():
    delivery = sample("freshdesk_webhook_simple.json")
    assert freshdesk.ticket_id(delivery) == "1042"
    replies = [
        {
            "id": 7,
            "body": "<p>Any news?</p>",
            "incoming": True,
            "private": False,
            "user_id": 43000000101,
            "created_at": "2026-11-24T09:03:00Z",
        },
        {
            "id": 8,
            "body": "<p>checked VIES</p>",
            "incoming": False,
            "private": True,
            "user_id": 43000000202,
            "created_at": "2026-11-24T09:04:00Z",
        },
    ]
    lookup = {
        "ticket": sample("freshdesk_ticket_view.json"),
        "conversations": replies,
        "agents": {"43000000202": "Bo Berg"},
    }
    first, second, state = freshdesk.parse_event(delivery | {"lookup": lookup}, RECEIVED)
    assert isinstance(first, TicketMessageSeen) and isinstance(second, TicketMessageSeen)
    assert isinstance(state, TicketStateSeen)
    assert (first.body, first.customer.email, first.ticket_key) == (
        "Could you add my VAT id DE123 to the invoice?",
        "dana@example.de",
        "FD-1042",
    )
    assert second.body == "Any news?" and second.sender == "customer"  # the private note is left out
    assert state.assignee_name == "Bo Berg" and state.status == "open"
