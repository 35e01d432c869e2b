"""Webhook payloads in our own words: pure parsing, no HTTP, no database.

Real payloads often lack fields (no email, no amount): what is missing becomes None, never an exception, so
an event is never stuck failing in the store for a field that the card can do without.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.core.domain import CustomerRef, DisputeSeen, RefundSeen, SaleSeen, TicketMessageSeen
from bot.core.errors import WebhookRejectedError
from bot.fakes.paypal import capture_completed_event, capture_refunded_event, dispute_event, sale_event
from bot.integrations import paypal_webhooks, stripe_webhooks, tickets_webhooks
from tests.builders import (
    stripe_charge,
    stripe_checkout_session,
    stripe_dispute,
    stripe_event,
    stripe_payment_intent,
    ticket_event,
)

RECEIVED = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
CREATED = 1_795_000_000
CREATED_AT = datetime.fromtimestamp(CREATED, UTC)


def ts(at: datetime) -> int:
    return int(at.timestamp())


# -- Stripe --------------------------------------------------------------------------------------------------


def stripe_one(event: dict[str, Any]) -> Any:
    parsed = stripe_webhooks.parse_event(event, RECEIVED)
    assert len(parsed) == 1, parsed
    return parsed[0]


def test_stripe_charge_succeeded() -> None:
    charge = stripe_charge(pi="pi_1", customer="cus_1") | {"created": CREATED, "metadata": {"product": "Pro"}}
    sale = stripe_one(stripe_event("charge.succeeded", charge, created=CREATED + 5))
    assert sale == SaleSeen(
        provider="stripe",
        payment_key="pi_1",
        at=CREATED_AT,
        customer=CustomerRef(email="ann@example.com", name="Ann Example", provider="stripe", external_id="cus_1"),
        charge_id="ch_1",
        amount_minor=4900,
        currency="USD",
        product="Pro",
        provider_url="https://dashboard.stripe.com/test/payments/pi_1",
        livemode=False,
    )


STRIPE_SALES_WITHOUT = {
    "charge without amount, currency, email": (
        "charge.succeeded",
        lambda: _drop(stripe_charge(pi="pi_1", email=None, name=None), "amount", "currency", "description"),
    ),
    "charge with null billing details": (
        "charge.succeeded",
        lambda: stripe_charge(pi="pi_1") | {"billing_details": None, "currency": None, "amount": None},
    ),
    "charge with a currency that is not a code": (
        "charge.succeeded",
        lambda: stripe_charge(pi="pi_1", email=None, name=None) | {"currency": "dollars", "amount": None},
    ),
    "payment intent without amount": (
        "payment_intent.succeeded",
        lambda: _drop(stripe_payment_intent(pi="pi_1"), "amount", "amount_received", "currency"),
    ),
    "checkout session without details": (
        "checkout.session.completed",
        lambda: _drop(stripe_checkout_session(pi="pi_1"), "amount_total", "currency") | {"customer_details": None},
    ),
}


@pytest.mark.parametrize(("event_type", "build"), STRIPE_SALES_WITHOUT.values(), ids=STRIPE_SALES_WITHOUT.keys())
def test_stripe_sale_with_fields_missing_has_none_fields(event_type: str, build: Any) -> None:
    sale = stripe_one(stripe_event(event_type, build()))
    assert isinstance(sale, SaleSeen)
    assert sale.payment_key == "pi_1"
    assert sale.amount_minor is None
    assert sale.currency is None
    assert sale.customer.email is None


def test_stripe_email_is_looked_for_where_stripe_puts_it() -> None:
    charge = stripe_charge(pi="pi_1", email=None) | {"receipt_email": "receipt@example.com"}
    assert stripe_one(stripe_event("charge.succeeded", charge)).customer.email == "receipt@example.com"

    intent = stripe_payment_intent(pi="pi_1", receipt_email="intent@example.com")
    assert stripe_one(stripe_event("payment_intent.succeeded", intent)).customer.email == "intent@example.com"

    session = stripe_checkout_session(pi="pi_1", email="details@example.com", name="Dee")
    sale = stripe_one(stripe_event("checkout.session.completed", session))
    assert (sale.customer.email, sale.customer.name) == ("details@example.com", "Dee")

    session = stripe_checkout_session(pi="pi_1") | {"customer_email": "session@example.com"}
    assert stripe_one(stripe_event("checkout.session.completed", session)).customer.email == "session@example.com"


def test_stripe_ids_bare_or_expanded_and_fallback_keys() -> None:
    charge = stripe_charge(pi="pi_1", customer=None) | {"payment_intent": {"id": "pi_x"}, "customer": {"id": "cus_x"}}
    sale = stripe_one(stripe_event("charge.succeeded", charge))
    assert sale.payment_key == "pi_x"
    assert sale.customer == CustomerRef(
        email="ann@example.com", name="Ann Example", provider="stripe", external_id="cus_x"
    )

    no_intent = stripe_charge(pi="pi_1", charge_id="ch_alone") | {"payment_intent": None}
    assert stripe_one(stripe_event("charge.succeeded", no_intent)).payment_key == "ch_alone"

    session = stripe_checkout_session(pi="pi_1") | {"payment_intent": None, "invoice": "in_1"}
    assert stripe_one(stripe_event("checkout.session.completed", session)).payment_key == "in_1"


def test_stripe_unpaid_checkout_session_is_not_a_sale() -> None:
    session = stripe_checkout_session(pi="pi_1") | {"payment_status": "unpaid"}
    assert stripe_webhooks.parse_event(stripe_event("checkout.session.completed", session), RECEIVED) == []


def test_stripe_livemode_links_and_zero_decimal_amount() -> None:
    event = stripe_event("charge.succeeded", stripe_charge(pi="pi_1", amount=5000, currency="jpy"))
    event["livemode"] = True
    sale = stripe_one(event)
    assert (sale.amount_minor, sale.currency) == (5000, "JPY")
    assert sale.provider_url == "https://dashboard.stripe.com/payments/pi_1"
    assert sale.livemode is True


def test_stripe_event_time_falls_back_to_receipt() -> None:
    charge = _drop(stripe_charge(pi="pi_1"), "created")
    event = stripe_event("charge.succeeded", charge)
    del event["created"]
    assert stripe_one(event).at == RECEIVED


def test_stripe_charge_refunded_with_the_refunds_list() -> None:
    charge = stripe_charge(pi="pi_1", amount_refunded=3000)
    charge["refunds"] = {
        "data": [
            {"id": "re_old", "amount": 1000, "currency": "usd", "created": CREATED, "reason": None},
            {"id": "re_new", "amount": 2000, "currency": "usd", "created": CREATED + 60, "reason": "duplicate"},
        ]
    }
    refund = stripe_one(stripe_event("charge.refunded", charge))
    assert isinstance(refund, RefundSeen)
    assert (refund.refund_key, refund.amount_minor, refund.currency) == ("re_new", 2000, "USD")
    assert (refund.payment_key, refund.charge_id, refund.total_refunded_minor) == ("pi_1", "ch_1", 3000)
    assert refund.reason == "duplicate"
    assert refund.at == CREATED_AT + timedelta(seconds=60)
    assert refund.sale is not None and refund.sale.amount_minor == 4900


def test_stripe_charge_refunded_without_the_refunds_list() -> None:
    event = stripe_event("charge.refunded", stripe_charge(pi="pi_1", amount_refunded=4900), event_id="evt_r")
    refund = stripe_one(event)
    assert refund.refund_key == "event:evt_r"
    assert refund.amount_minor is None
    assert refund.total_refunded_minor == 4900
    assert refund.currency == "USD"


def test_stripe_charge_refunded_with_nothing_but_an_id() -> None:
    refund = stripe_one(stripe_event("charge.refunded", {"id": "ch_bare", "refunds": None}, event_id="evt_b"))
    assert (refund.refund_key, refund.payment_key, refund.charge_id) == ("event:evt_b", "ch_bare", "ch_bare")
    assert refund.amount_minor is None and refund.currency is None and refund.total_refunded_minor is None


@pytest.mark.parametrize("change", ["created", "updated", "closed", "funds_withdrawn", "funds_reinstated"])
def test_stripe_dispute_events(change: str) -> None:
    due = CREATED + 7 * 86400
    obj = stripe_dispute(dispute_id="dp_1", pi="pi_1", amount=2500, status="needs_response", due_by=due)
    dispute = stripe_one(stripe_event(f"charge.dispute.{change}", obj, created=CREATED))
    assert dispute == DisputeSeen(
        provider="stripe",
        dispute_key="dp_1",
        change=change,
        at=CREATED_AT,
        payment_key="pi_1",
        charge_id="ch_1",
        amount_minor=2500,
        currency="USD",
        reason="product_not_received",
        status="needs_response",
        evidence_due_at=datetime.fromtimestamp(due, UTC),
        provider_url="https://dashboard.stripe.com/test/disputes/dp_1",
    )


def test_stripe_dispute_without_a_due_date_or_amount() -> None:
    obj = stripe_dispute(dispute_id="dp_1", pi="pi_1", due_by=0)
    dispute = stripe_one(stripe_event("charge.dispute.closed", _drop(obj, "amount", "currency", "payment_intent")))
    assert dispute.evidence_due_at is None  # Stripe sends 0 when no response is possible
    assert dispute.amount_minor is None and dispute.currency is None
    assert dispute.payment_key is None and dispute.charge_id == "ch_1"

    bare = stripe_one(stripe_event("charge.dispute.created", {"id": "dp_2", "evidence_details": None}))
    assert (bare.dispute_key, bare.evidence_due_at, bare.charge_id, bare.reason) == ("dp_2", None, None, None)


@pytest.mark.parametrize("event_type", ["customer.created", "invoice.paid", "charge.failed", "payout.paid"])
def test_stripe_types_we_do_not_act_on_mean_nothing(event_type: str) -> None:
    assert stripe_webhooks.parse_event(stripe_event(event_type, {"id": "x"}), RECEIVED) == []


@pytest.mark.parametrize(
    "event",
    [{"type": "charge.succeeded"}, {"id": "evt_1"}, {"id": 1, "type": "charge.succeeded"}, {"id": "e", "type": None}],
)
def test_stripe_identity_needs_string_id_and_type(event: dict[str, Any]) -> None:
    with pytest.raises(WebhookRejectedError) as caught:
        stripe_webhooks.event_identity(event)
    assert caught.value.status == 400


# -- PayPal --------------------------------------------------------------------------------------------------


def paypal_one(event: dict[str, Any], *, sandbox: bool = False) -> Any:
    parsed = paypal_webhooks.parse_event(event, RECEIVED, sandbox=sandbox)
    assert len(parsed) == 1, parsed
    return parsed[0]


def test_paypal_capture_completed() -> None:
    event = capture_completed_event(
        "CAP1", "10.00", "USD", "Pat@Example.com", order_id="5O190127TN364715T", custom_id="Ebook", at=CREATED_AT
    )
    sale = paypal_one(event)
    assert sale == SaleSeen(
        provider="paypal",
        payment_key="CAP1",
        at=CREATED_AT,
        customer=CustomerRef(email="Pat@Example.com"),
        amount_minor=1000,
        currency="USD",
        product="Ebook",
        provider_url="https://www.paypal.com/activity/payment/CAP1",
        order_key="5O190127TN364715T",
    )
    assert paypal_one(event, sandbox=True).provider_url == "https://www.sandbox.paypal.com/activity/payment/CAP1"


def test_paypal_payer_identity_and_name() -> None:
    event = capture_completed_event("CAP1", "10.00", "USD", at=RECEIVED)
    event["resource"]["payer"] = {"payer_id": "PAYER1", "name": {"given_name": "John", "surname": "Doe"}}
    assert paypal_one(event).customer == CustomerRef(name="John Doe", provider="paypal", external_id="PAYER1")


def test_paypal_v1_sale_completed() -> None:
    sale = paypal_one(
        sale_event("SALE1", "15.00", "EUR", payer_email="sam@example.org", invoice_number="INV-7", at=RECEIVED)
    )
    assert (sale.payment_key, sale.amount_minor, sale.currency) == ("SALE1", 1500, "EUR")
    assert sale.customer.email == "sam@example.org"
    assert sale.product == "INV-7"


@pytest.mark.parametrize(
    ("amount", "minor", "currency"),
    [
        (None, None, None),
        ({}, None, None),
        ({"currency_code": "USD"}, None, "USD"),
        ({"value": "10.00"}, None, None),
        ({"value": "ten", "currency_code": "USD"}, None, "USD"),
        ({"value": "500", "currency_code": "JPY"}, 500, "JPY"),
        ({"total": "0.48", "currency": "usd"}, 48, "USD"),
        ("10.00 USD", None, None),
    ],
)
def test_paypal_sale_amounts(amount: Any, minor: int | None, currency: str | None) -> None:
    event = capture_completed_event("CAP1", "1.00", "USD", at=RECEIVED)
    event["resource"]["amount"] = amount
    sale = paypal_one(event)
    assert (sale.amount_minor, sale.currency) == (minor, currency)
    assert sale.customer.email is None


def test_paypal_capture_refunded_names_its_capture_only_in_the_up_link() -> None:
    event = capture_refunded_event("CAP1", "4.00", "USD", refund_id="REF1", note_to_payer="Sorry", at=CREATED_AT)
    refund = paypal_one(event)
    assert refund == RefundSeen(
        provider="paypal",
        refund_key="REF1",
        at=CREATED_AT,
        payment_key="CAP1",
        amount_minor=400,
        currency="USD",
        reason="Sorry",
    )


def test_paypal_refund_prefers_a_named_sale_or_capture() -> None:
    event = capture_refunded_event("CAP1", "4.00", "USD", at=RECEIVED)
    event["resource"]["capture_id"] = "CAP-NAMED"
    assert paypal_one(event).payment_key == "CAP-NAMED"
    event["resource"]["links"] = []
    del event["resource"]["capture_id"]
    assert paypal_one(event).payment_key is None


@pytest.mark.parametrize(("total", "minor"), [("15.00", 1500), ("-15.00", 1500), ("-0.01", 1)])
def test_paypal_v1_sale_refunded(total: str, minor: int) -> None:
    event = {
        "id": "WH-1",
        "event_type": "PAYMENT.SALE.REFUNDED",
        "create_time": "2026-11-24T12:00:05Z",
        "resource": {
            "id": "REF1",
            "sale_id": "SALE1",
            "parent_payment": "PAY-1",
            "amount": {"total": total, "currency": "EUR"},
            "state": "completed",
            "create_time": "2026-11-24T12:00:00Z",
        },
    }
    refund = paypal_one(event)
    assert (refund.refund_key, refund.payment_key) == ("REF1", "SALE1")
    assert (refund.amount_minor, refund.currency) == (minor, "EUR")
    assert refund.at == RECEIVED


def test_paypal_refund_without_amount() -> None:
    event = capture_refunded_event("CAP1", "4.00", "USD", at=RECEIVED)
    del event["resource"]["amount"]
    refund = paypal_one(event)
    assert refund.amount_minor is None and refund.currency is None


@pytest.mark.parametrize("kind", ["CREATED", "UPDATED"])
def test_paypal_dispute_open(kind: str) -> None:
    event = dispute_event(
        kind,  # type: ignore[arg-type]
        "PP-D-1",
        transaction_id="CAP1",
        value="30.00",
        buyer_email="pat@example.com",
        at=CREATED_AT,
    )
    dispute = paypal_one(event)
    assert isinstance(dispute, DisputeSeen)
    assert (dispute.dispute_key, dispute.change, dispute.at) == ("PP-D-1", kind.lower(), CREATED_AT)
    assert (dispute.payment_key, dispute.amount_minor, dispute.currency) == ("CAP1", 3000, "USD")
    assert dispute.reason == "MERCHANDISE_OR_SERVICE_NOT_RECEIVED"
    assert dispute.stage == "INQUIRY"
    assert dispute.evidence_due_at == CREATED_AT + timedelta(days=10)
    assert dispute.outcome is None
    assert dispute.customer == CustomerRef(email="pat@example.com", name="John Doe")
    assert dispute.provider_url == "https://www.paypal.com/resolutioncenter/PP-D-1"


def test_paypal_dispute_resolved() -> None:
    event = dispute_event("RESOLVED", "PP-D-1", outcome="RESOLVED_SELLER_FAVOUR", at=CREATED_AT)
    dispute = paypal_one(event)
    assert (dispute.change, dispute.status, dispute.outcome) == ("resolved", "RESOLVED", "RESOLVED_SELLER_FAVOUR")
    assert dispute.evidence_due_at is None


def test_paypal_dispute_with_little_in_it() -> None:
    event = {
        "id": "WH-1",
        "event_type": "CUSTOMER.DISPUTE.CREATED",
        "resource": {"dispute_id": "PP-D-2", "disputed_transactions": [], "seller_response_due_date": "soon"},
    }
    dispute = paypal_one(event)
    assert dispute.dispute_key == "PP-D-2"
    assert dispute.payment_key is None and dispute.amount_minor is None and dispute.currency is None
    assert dispute.evidence_due_at is None and dispute.at == RECEIVED
    assert dispute.customer == CustomerRef()


@pytest.mark.parametrize("create_time", [None, "", "yesterday", "2026-11-24T12:00:00"])
def test_paypal_time_falls_back_when_missing_unreadable_or_without_zone(create_time: str | None) -> None:
    event = capture_completed_event("CAP1", "1.00", "USD", at=RECEIVED)
    event["resource"]["create_time"] = create_time
    event["create_time"] = create_time
    assert paypal_one(event).at == RECEIVED


@pytest.mark.parametrize(
    "event_type", ["PAYMENT.CAPTURE.DENIED", "BILLING.SUBSCRIPTION.CREATED", "CHECKOUT.ORDER.APPROVED"]
)
def test_paypal_types_we_do_not_act_on_mean_nothing(event_type: str) -> None:
    event = capture_completed_event("CAP1", "1.00", "USD", at=RECEIVED) | {"event_type": event_type}
    assert paypal_webhooks.parse_event(event, RECEIVED, sandbox=False) == []


# -- tickets -------------------------------------------------------------------------------------------------


def ticket_one(event: dict[str, Any]) -> TicketMessageSeen:
    parsed = tickets_webhooks.parse_event(event, RECEIVED)
    assert len(parsed) == 1, parsed
    return parsed[0]


def test_ticket_created() -> None:
    event = ticket_event(
        "ticket.created", ticket_id="T-1", message_id="M-1", body="Hello", subject="Refund?", timezone="Asia/Tokyo"
    )
    event["ticket"]["message"]["created_at"] = "2026-11-24T11:59:00Z"
    assert ticket_one(event) == TicketMessageSeen(
        ticket_key="T-1",
        subject="Refund?",
        customer=CustomerRef(email="ann@example.com", name="Ann Example", timezone="Asia/Tokyo"),
        message_key="M-1",
        sender="customer",
        body="Hello",
        at=datetime(2026, 11, 24, 11, 59, tzinfo=UTC),
        opens_ticket=True,
    )


def test_ticket_message_from_an_agent_with_numeric_ids() -> None:
    event = ticket_event("ticket.message", ticket_id="x", message_id="y", body="Done", sender="agent", author="Bob")
    event["ticket"]["id"], event["ticket"]["message"]["id"] = 42, 7
    seen = ticket_one(event)
    assert (seen.ticket_key, seen.message_key, seen.sender, seen.author) == ("42", "7", "agent", "Bob")
    assert seen.opens_ticket is False
    assert seen.at == RECEIVED


def test_ticket_with_the_least_it_can_have() -> None:
    event = {"id": "e-1", "type": "ticket.message", "ticket": {"id": "T-9", "message": {"id": "M-1", "body": ""}}}
    seen = ticket_one(event)
    assert seen.customer == CustomerRef()
    assert seen.subject is None and seen.sender == "customer" and seen.body == ""


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../etc", 5, None])
def test_ticket_unknown_timezone_is_none(zone: Any) -> None:
    event = ticket_event("ticket.created", ticket_id="T-1", message_id="M-1", body="Hi")
    event["ticket"]["customer"]["timezone"] = zone
    assert ticket_one(event).customer.timezone is None


@pytest.mark.parametrize("created_at", ["yesterday", "2026-11-24T11:59:00", 1795000000])
def test_ticket_time_falls_back_to_receipt(created_at: Any) -> None:
    event = ticket_event("ticket.created", ticket_id="T-1", message_id="M-1", body="Hi")
    event["ticket"]["message"]["created_at"] = created_at
    assert ticket_one(event).at == RECEIVED


def test_ticket_fields_of_the_wrong_type_are_none_not_errors() -> None:
    event = ticket_event("ticket.created", ticket_id="T-1", message_id="M-1", body="Hi")
    event["ticket"]["subject"] = 12
    event["ticket"]["customer"] = {"email": ["ann@example.com"], "name": {"first": "Ann"}}
    event["ticket"]["message"]["author"] = 7
    seen = ticket_one(event)
    assert seen.subject is None
    assert seen.customer == CustomerRef()
    assert seen.author is None


def test_ticket_types_we_do_not_act_on_mean_nothing() -> None:
    event = ticket_event("ticket.closed", ticket_id="T-1", message_id="M-1", body="Hi")
    assert tickets_webhooks.parse_event(event, RECEIVED) == []
    assert tickets_webhooks.event_identity(event) == (event["id"], "ticket.closed")


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"type": "ticket.created", "ticket": {}}, "`id`"),
        ({"id": "", "type": "ticket.created"}, "`id`"),
        ({"id": "e", "type": "ticket.created", "ticket": {"message": {"id": "m", "body": "b"}}}, "`ticket.id`"),
        ({"id": "e", "type": "ticket.created", "ticket": {"id": "t"}}, "`ticket.message`"),
        ({"id": "e", "type": "ticket.message", "ticket": {"id": "t", "message": {"id": "m"}}}, "`ticket.message.body`"),
        (
            {
                "id": "e",
                "type": "ticket.message",
                "ticket": {"id": "t", "message": {"id": "m", "body": "b", "from": "x"}},
            },
            "`ticket.message.from`",
        ),
    ],
)
def test_ticket_identity_rejects_a_malformed_ticket_naming_the_field(event: dict[str, Any], field: str) -> None:
    with pytest.raises(WebhookRejectedError) as caught:
        tickets_webhooks.event_identity(event)
    assert caught.value.status == 400
    assert field in caught.value.reason


# -- signatures (pure) ---------------------------------------------------------------------------------------


def test_tickets_signature_accepts_any_of_several_and_checks_age() -> None:
    body = b'{"id": "e"}'
    good = tickets_webhooks.sign("s3cret", ts(RECEIVED), body)
    tickets_webhooks.verify_signature(body, str(ts(RECEIVED)), f"v1=old, {good}", "s3cret", RECEIVED)
    with pytest.raises(WebhookRejectedError) as caught:
        tickets_webhooks.verify_signature(body, str(ts(RECEIVED)), good, "s3cret", RECEIVED + timedelta(minutes=6))
    assert caught.value.status == 400
    with pytest.raises(WebhookRejectedError) as caught:
        tickets_webhooks.verify_signature(body, "soon", good, "s3cret", RECEIVED)
    assert caught.value.status == 400


def test_stripe_signature_in_the_future_is_rejected_too() -> None:
    import stripe

    body = '{"id": "evt_1"}'
    header = stripe.WebhookSignature.generate_signature_header(body, "whsec_x", timestamp=ts(RECEIVED) + 600)
    with pytest.raises(WebhookRejectedError) as caught:
        stripe_webhooks.verify_signature(body.encode(), header, "whsec_x", RECEIVED)
    assert "too old or in the future" in caught.value.reason
    header = stripe.WebhookSignature.generate_signature_header(body, "whsec_x", timestamp=ts(RECEIVED) - 200)
    stripe_webhooks.verify_signature(body.encode(), header, "whsec_x", RECEIVED)


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("{sdk}", True),
        # A secret being rolled: Stripe signs with both, and one match is enough.
        ("t={t},v1={other},v1={good}", True),
        ("t={t}, v1={good}", True),
        ("t={t},v1={other}", False),
        ("t={t},v0={good}", False),
        ("v1={good}", False),
        ("t=²,v1={good}", False),
        ("t=" + "9" * 5000 + ",v1={good}", False),
        ("t={t},v1=é{good}", False),
        ("", False),
    ],
)
def test_a_stripe_signature_is_checked_as_stripe_signs_it(header: str, accepted: bool) -> None:
    import stripe

    body = '{"id": "evt_1", "name": "Zoë"}'
    sdk = stripe.WebhookSignature.generate_signature_header(body, "whsec_x", timestamp=ts(RECEIVED))
    good = sdk.partition("v1=")[2]
    header = header.format(sdk=sdk, t=ts(RECEIVED), good=good, other="ab" * 32)
    if accepted:
        stripe_webhooks.verify_signature(body.encode(), header, "whsec_x", RECEIVED)
        return
    with pytest.raises(WebhookRejectedError) as caught:
        stripe_webhooks.verify_signature(body.encode(), header, "whsec_x", RECEIVED)
    assert caught.value.status == 400 and "Stripe" in caught.value.reason


def _drop(obj: dict[str, Any], *names: str) -> dict[str, Any]:
    return {key: value for key, value in obj.items() if key not in names}
