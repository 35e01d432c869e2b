"""Property-based: a signed payload may hold any JSON in any field. Each parser answers with our own types, within
what the database keeps, or with our own PayloadError (the door's 400), and never with another exception.

Realistic payloads of every handled type have one to three of their fields (at any depth, objects included)
replaced by arbitrary JSON values: nulls, booleans, huge and non-finite numbers, long strings with NUL and lone
surrogates, nested arrays and objects. Bounded and deterministic, so it runs in seconds on every `make test`.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.domain import CustomerRef, DisputeSeen, RefundSeen, SaleSeen, TicketMessageSeen
from bot.core.errors import PayloadError, WebhookRejectedError
from bot.fakes.paypal import capture_completed_event, capture_refunded_event, dispute_event, sale_event
from bot.integrations import paypal_webhooks, stripe_webhooks, tickets_webhooks
from bot.storage.models import BIGINT_MAX
from tests.builders import (
    stripe_charge,
    stripe_checkout_session,
    stripe_dispute,
    stripe_event,
    stripe_payment_intent,
    ticket_event,
)

RECEIVED = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["N" * 600, "\x00" * 300, "\ud800" * 260, "<!channel> " * 60, "é" * 256])
    | st.sampled_from(
        ["", "1e400", "1e999999999", "-0.01", "NaN", "Infinity", "9" * 400, "0001-01-01T00:00:00+14:00", "usd"]
    )
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=5,
)


def stripe_refund_event() -> dict[str, Any]:
    charge = stripe_charge(pi="pi_r", amount_refunded=4900)
    charge["refunds"] = {"data": [{"id": "re_1", "amount": 4900, "currency": "usd", "created": 1, "reason": "x"}]}
    return stripe_event("charge.refunded", charge)


STRIPE = [
    lambda: stripe_event("charge.succeeded", stripe_charge(pi="pi_1", customer="cus_1")),
    lambda: stripe_event("payment_intent.succeeded", stripe_payment_intent(pi="pi_1", receipt_email="a@b.example")),
    lambda: stripe_event("checkout.session.completed", stripe_checkout_session(pi="pi_1", name="Ann", product="Pro")),
    lambda: stripe_event("charge.dispute.created", stripe_dispute(dispute_id="dp_1", pi="pi_1")),
    stripe_refund_event,
]
PAYPAL = [
    lambda: capture_completed_event("CAP1", "10.00", "USD", "ann@example.com", at=RECEIVED),
    lambda: capture_refunded_event("CAP1", "4.00", "USD", refund_id="REF1", note_to_payer="Sorry", at=RECEIVED),
    lambda: sale_event("SALE1", "15.00", "EUR", at=RECEIVED),
    lambda: dispute_event("CREATED", "PP-D-1", at=RECEIVED),
]
TICKETS = [
    lambda: ticket_event("ticket.created", ticket_id="T-1", message_id="M-1", body="Hello", timezone="Europe/Berlin"),
    lambda: ticket_event(
        "ticket.message",
        ticket_id=7,
        message_id=8,
        body="On it",
        sender="agent",
        author="Sam",
        callback_url="https://h.example/cb",
    ),
]


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in the payload a value sits, containers included."""
    entries = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in entries:
        yield (*prefix, key)
        yield from paths(value, (*prefix, key))


def spoiled(template: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    event = copy.deepcopy(template)
    for _ in range(data.draw(st.integers(1, 3), label="how many fields")):
        places = list(paths(event))
        where = places[data.draw(st.integers(0, len(places) - 1), label="field")]
        parent = event
        for key in where[:-1]:
            parent = parent[key]
        parent[where[-1]] = data.draw(json_values, label="value")
    return event


def within_limits(parsed: object) -> None:
    """What a parser returns fits the records: no NUL in any text, every amount a BIGINT."""
    for value in _values(parsed):
        if isinstance(value, str):
            assert "\x00" not in value
            value.encode("utf-8")  # no lone surrogate
        elif isinstance(value, int) and not isinstance(value, bool):
            assert -BIGINT_MAX <= value <= BIGINT_MAX
        elif isinstance(value, float):
            raise AssertionError(f"a float in parsed data: {value!r}")


def _values(node: object) -> Iterator[object]:
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        for item in dataclasses.fields(node):
            yield from _values(getattr(node, item.name))
    else:
        yield node


def check(
    parse: Callable[[dict[str, Any]], list[Any]], identity: Callable[[dict[str, Any]], Any], event: dict[str, Any]
) -> None:
    try:
        identity(event)
    except WebhookRejectedError as exc:
        assert 400 <= exc.status < 500
    try:
        parsed = parse(event)
    except PayloadError:
        return
    assert isinstance(parsed, list)
    for meaning in parsed:
        assert isinstance(meaning, SaleSeen | RefundSeen | DisputeSeen | TicketMessageSeen), meaning
        if isinstance(meaning, SaleSeen | TicketMessageSeen):
            assert isinstance(meaning.customer, CustomerRef)
        within_limits(meaning)


@pytest.mark.parametrize("template", STRIPE, ids=lambda t: t()["type"])
@FUZZ
@given(data=st.data())
def test_stripe_parser_answers_with_our_types_or_our_error(
    template: Callable[[], dict[str, Any]], data: st.DataObject
) -> None:
    check(lambda e: stripe_webhooks.parse_event(e, RECEIVED), stripe_webhooks.event_identity, spoiled(template(), data))


@pytest.mark.parametrize("template", PAYPAL, ids=lambda t: t()["event_type"])
@FUZZ
@given(data=st.data())
def test_paypal_parser_answers_with_our_types_or_our_error(
    template: Callable[[], dict[str, Any]], data: st.DataObject
) -> None:
    def parse(event: dict[str, Any]) -> list[Any]:
        return paypal_webhooks.parse_event(event, RECEIVED, sandbox=True)

    check(parse, paypal_webhooks.event_identity, spoiled(template(), data))


@pytest.mark.parametrize("template", TICKETS, ids=lambda t: t()["type"])
@FUZZ
@given(data=st.data())
def test_tickets_parser_answers_with_our_types_or_our_error(
    template: Callable[[], dict[str, Any]], data: st.DataObject
) -> None:
    check(
        lambda e: tickets_webhooks.parse_event(e, RECEIVED), tickets_webhooks.event_identity, spoiled(template(), data)
    )


@FUZZ
@given(event=st.dictionaries(st.sampled_from(["id", "type", "event_type", "data", "resource", "ticket"]), json_values))
def test_any_object_at_all_gets_our_answer(event: dict[str, Any]) -> None:
    for parse, identity in (
        (lambda e: stripe_webhooks.parse_event(e, RECEIVED), stripe_webhooks.event_identity),
        (lambda e: paypal_webhooks.parse_event(e, RECEIVED, sandbox=False), paypal_webhooks.event_identity),
        (lambda e: tickets_webhooks.parse_event(e, RECEIVED), tickets_webhooks.event_identity),
    ):
        check(parse, identity, event)
