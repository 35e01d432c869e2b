"""Answering disputes at Stripe and PayPal, each against its fake over real HTTP: what is sent, under which key,
and how the providers' refusals read."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import aiohttp
import pytest
import stripe

from bot.core.errors import ProviderError
from bot.fakes.paypal import FakePayPal, dispute_resource, fake_paypal_api
from bot.fakes.stripe import FakeStripe, fake_stripe_api
from bot.integrations.contracts import Evidence, EvidenceOutcome
from bot.integrations.disputes import PayPalDisputes, StripeDisputes
from bot.integrations.paypal import PayPalClient
from bot.integrations.stripe_client import stripe_base_addresses
from tests.clocks import START

PDF = b"%PDF-1.4\n% a small evidence file\n%%EOF\n"
EVIDENCE = Evidence(
    statement="The customer downloaded the product twice.",
    product_description="Pro licence",
    refund_policy="Refunds within 14 days.",
    access_log="Activated on a MacBook on 2026-11-20",
    receipt="$49.00 for Pro licence",
    service_date="2026-11-20",
    customer_email="ann@example.com",
    customer_name="Ann Example",
    conversation=PDF,
)


@pytest.fixture
async def stripe_api() -> AsyncIterator[FakeStripe]:
    async with fake_stripe_api() as fake:
        fake.disputes.add_dispute("dp_int01", payment_intent="pi_int01", amount=4900)
        yield fake


@pytest.fixture
async def stripe_desk(stripe_api: FakeStripe) -> AsyncIterator[StripeDisputes]:
    desk = StripeDisputes(stripe_api.api_key, api_base=stripe_api.base_url, timeout=5)
    yield desk
    await desk.close()


@pytest.fixture
async def paypal() -> AsyncIterator[FakePayPal]:
    async with fake_paypal_api() as fake:
        fake.add_dispute(dispute_resource("PP-D-INT1", status="WAITING_FOR_SELLER_RESPONSE", at=START))
        yield fake


@pytest.fixture
async def paypal_desk(paypal: FakePayPal) -> AsyncIterator[PayPalDisputes]:
    client = PayPalClient(
        client_id=paypal.client_id,
        client_secret=paypal.client_secret,
        api_base=paypal.base_url,
        webhook_id="WH-1",
        timeout=5,
    )
    yield PayPalDisputes(client)
    await client.close()


def test_uploads_go_to_stripes_file_host_unless_the_api_base_is_another():
    assert stripe_base_addresses("https://api.stripe.com") == {"api": "https://api.stripe.com"}
    assert stripe_base_addresses("http://127.0.0.1:8111/") == {
        "api": "http://127.0.0.1:8111",
        "files": "http://127.0.0.1:8111",
    }


async def test_stripe_evidence_is_staged_with_its_file_and_a_retry_changes_nothing(stripe_api, stripe_desk):
    first = await stripe_desk.provide("dp_int01", EVIDENCE, idempotency_key="dispute-evidence:1:v1")
    again = await stripe_desk.provide("dp_int01", EVIDENCE, idempotency_key="dispute-evidence:1:v1")

    assert first == again and first.state == "staged" and first.provider_status == "needs_response"
    assert len(stripe_api.disputes.files) == 1 and stripe_api.disputes.file_content(first.file_id or "") == PDF
    dispute = stripe_api.disputes.disputes["dp_int01"]
    assert dispute.submission_count == 0 and dispute.evidence["customer_communication"] == first.file_id
    assert dispute.evidence["uncategorized_text"] == f"{EVIDENCE.statement}\n\nReceipt: {EVIDENCE.receipt}"
    assert dispute.evidence["service_date"] == "2026-11-20"
    replayed = [c for c in stripe_api.calls if c.headers.get("Idempotent-Replayed")]
    assert replayed == []  # the fake marks its answers, not the requests; the keys show the replay
    keys = [c.idempotency_key for c in stripe_api.calls if c.method == "POST"]
    assert keys == ["dispute-evidence:1:v1:file", "dispute-evidence:1:v1"] * 2


async def test_stripe_submission_is_final_and_accepting_afterwards_is_refused(stripe_api, stripe_desk):
    await stripe_desk.provide("dp_int01", EVIDENCE, idempotency_key="k1")
    assert await stripe_desk.submit("dp_int01", idempotency_key="dispute-submit:dp_int01") == EvidenceOutcome(
        "submitted", "under_review"
    )
    with pytest.raises(ProviderError) as refused:
        await stripe_desk.accept("dp_int01", "ok", idempotency_key="dispute-accept:dp_int01")
    assert "no longer accepts changes" in str(refused.value) and not refused.value.retryable


async def test_a_conversation_over_stripes_5_mb_is_refused_before_anything_is_sent(stripe_api, stripe_desk):
    big = Evidence(statement="x", conversation=PDF + b"0" * (5 * 1024 * 1024))
    with pytest.raises(ProviderError, match="over Stripe's 5 MB limit"):
        await stripe_desk.provide("dp_int01", big, idempotency_key="k-big")
    assert not [c for c in stripe_api.calls if c.method == "POST"]


async def test_the_fake_refuses_a_file_over_5_mb_as_stripe_does(stripe_api):
    # The bot never sends one (above); the fake's own limit is checked with a plain multipart upload.
    form = aiohttp.FormData()
    form.add_field("purpose", "dispute_evidence")
    big = io.BytesIO(PDF + b"0" * (5 * 1024 * 1024))
    form.add_field("file", big, filename="big.pdf", content_type="application/pdf")
    headers = {"Authorization": f"Bearer {stripe_api.api_key}"}
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{stripe_api.base_url}/v1/files", data=form, headers=headers) as answer,
    ):
        body = await answer.json()
    assert answer.status == 400 and "exceeds the maximum" in body["error"]["message"]
    assert not stripe_api.disputes.files


async def test_a_key_without_dispute_access_is_told_plainly(stripe_api, stripe_desk):
    stripe_api.disputes.allow_disputes = False
    with pytest.raises(ProviderError) as refused:
        await stripe_desk.accept("dp_int01", "ok", idempotency_key="k-perm")
    assert "may not answer disputes" in str(refused.value) and not refused.value.retryable
    with pytest.raises(ProviderError, match="evidence upload failed: the Stripe API key may not answer disputes"):
        await stripe_desk.provide("dp_int01", EVIDENCE, idempotency_key="k-perm-2")
    assert not stripe_api.disputes.files
    assert stripe_api.disputes.disputes["dp_int01"].status == "needs_response"


async def test_stripe_errors_are_retryable_only_when_asking_again_may_work(stripe_api, stripe_desk):
    stripe_api.fail_next("/v1/disputes", times=3, status=500)
    with pytest.raises(ProviderError) as failed:
        await stripe_desk.submit("dp_int01", idempotency_key="k-500")
    assert failed.value.retryable
    with pytest.raises(ProviderError) as missing:
        await stripe_desk.submit("dp_nosuch", idempotency_key="k-404")
    assert "No such dispute" in str(missing.value) and not missing.value.retryable


async def test_paypal_evidence_is_looked_at_first_then_sent_once(paypal, paypal_desk):
    outcome = await paypal_desk.provide("PP-D-INT1", EVIDENCE, idempotency_key="dispute-evidence:2:v1")

    assert outcome == EvidenceOutcome("submitted", "UNDER_REVIEW")
    [received] = paypal.dispute_desk.evidence
    assert received.request_id == "dispute-evidence:2:v1" and received.files["file1"][1] == PDF
    [sent] = received.evidences
    assert sent["evidence_type"] == "PROOF_FOR_SOFTWARE_OR_SERVICE_DELIVERED"
    assert sent["notes"].startswith(EVIDENCE.statement) and "Refund policy: Refunds within 14 days." in sent["notes"]
    # The same step again (its answer was lost): PayPal shows the evidence given, so it is done, not refused.
    assert await paypal_desk.provide("PP-D-INT1", EVIDENCE, idempotency_key="dispute-evidence:2:v1") == outcome
    # Other evidence now: PayPal takes no more, and the bot says so without asking PayPal to refuse it.
    other = Evidence(statement="Something else entirely.")
    with pytest.raises(ProviderError, match="no longer takes evidence for this dispute \\(it is under review\\)"):
        await paypal_desk.provide("PP-D-INT1", other, idempotency_key="dispute-evidence:2:v2")
    assert len([c for c in paypal.calls if c.path.endswith("/provide-evidence")]) == 1


async def test_paypal_notes_are_cut_to_its_2000_characters(paypal, paypal_desk):
    long = Evidence(statement="word " * 1000, refund_policy="policy " * 200)
    await paypal_desk.provide("PP-D-INT1", long, idempotency_key="k-long")
    [received] = paypal.dispute_desk.evidence
    assert len(received.evidences[0]["notes"]) == 2000 and received.files == {}


async def test_paypal_refuses_an_app_without_the_disputes_permission(paypal, paypal_desk):
    paypal.dispute_desk.allow_updates = False
    with pytest.raises(ProviderError) as refused:
        await paypal_desk.accept("PP-D-INT1", "We accept.", idempotency_key="dispute-accept:PP-D-INT1")
    assert "(PERMISSION_DENIED)" in str(refused.value) and not refused.value.retryable
    assert paypal.dispute_desk.accepted == []


async def test_paypal_accept_claim_is_idempotent(paypal, paypal_desk):
    for _ in range(2):
        assert await paypal_desk.accept("PP-D-INT1", "We accept.", idempotency_key="dispute-accept:PP-D-INT1") == (
            EvidenceOutcome("accepted", "RESOLVED")
        )
    assert paypal.dispute_desk.accepted == [("PP-D-INT1", "We accept.")]


def test_the_stripe_sdk_still_sends_uploads_to_the_files_address():
    """The seam the base addresses rely on: stripe-python routes /v1/files to its "files" base address."""
    assert stripe.DEFAULT_UPLOAD_API_BASE == "https://files.stripe.com"
