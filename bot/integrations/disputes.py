"""Answering disputes behind `DisputeDesk`: Stripe through stripe-python, PayPal through `PayPalClient`.

Stripe keeps evidence as a draft until it is submitted, and a submission is final: `provide` stages it
(`submit=false`) and `submit` sends it to the bank. PayPal has no draft: `provide` is the answer itself, and
only while the dispute waits for the seller. Every call carries the caller's idempotency key (Stripe's
`Idempotency-Key`, PayPal's `PayPal-Request-Id`), and every vendor failure leaves as a `ProviderError`.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
from typing import TYPE_CHECKING, Any, cast

import stripe

from bot.core.errors import ProviderError, UsageError
from bot.integrations.contracts import Evidence, EvidenceOutcome
from bot.integrations.paypal import PayPalClient
from bot.integrations.stripe_client import stripe_client

if TYPE_CHECKING:
    from stripe.params import DisputeUpdateParams

log = logging.getLogger(__name__)

STRIPE = "stripe"
PAYPAL = "paypal"
# Stripe's limit for a dispute evidence file, and PayPal's for one evidence file (both: PDF among others).
STRIPE_FILE_LIMIT = 5 * 1024 * 1024
PAYPAL_FILE_LIMIT = 10 * 1024 * 1024
PAYPAL_NOTES_LIMIT = 2000
# Stripe's limit for the text evidence fields together is 150,000 characters; each field is kept well under.
_STRIPE_TEXT_LIMIT = 20_000
_STRIPE_DISPUTE = re.compile(r"(dp|du)_[A-Za-z0-9]{1,250}")
# PayPal's status while the seller may answer; the `provide_evidence` link is there only then.
PAYPAL_AWAITING_SELLER = "WAITING_FOR_SELLER_RESPONSE"
# Evidence type for digital goods: the buyer received the software or service (PayPal Disputes API v1).
PAYPAL_DIGITAL_EVIDENCE = "PROOF_FOR_SOFTWARE_OR_SERVICE_DELIVERED"
_MESSAGE_LIMIT = 300


class StripeDisputes:
    """`DisputeDesk` for Stripe: upload the conversation, stage the evidence, submit it, or close (concede)."""

    def __init__(
        self,
        api_key: str,
        *,
        api_base: str = stripe.DEFAULT_API_BASE,
        timeout: float = 20.0,
        max_network_retries: int = 1,
    ):
        self._timeout = timeout
        self._client, self._http = stripe_client(api_key, api_base=api_base, max_network_retries=max_network_retries)

    async def provide(self, dispute_ref: str, evidence: Evidence, *, idempotency_key: str) -> EvidenceOutcome:
        dispute_id = _stripe_dispute(dispute_ref)
        fields = _stripe_evidence(evidence)
        file_id = None
        if evidence.conversation is not None:
            content = evidence.conversation
            if len(content) > STRIPE_FILE_LIMIT:
                raise ProviderError(STRIPE, f"the conversation PDF is {_mb(len(content))}, over Stripe's 5 MB limit")
            upload = io.BytesIO(content)
            upload.name = "ticket-conversation.pdf"
            file = await self._call(
                "evidence upload",
                self._client.v1.files.create_async(
                    {"file": upload, "purpose": "dispute_evidence"}, {"idempotency_key": f"{idempotency_key}:file"}
                ),
            )
            file_id = str(file["id"])
            fields["customer_communication"] = file_id
        dispute = await self._call(
            "staging evidence",
            self._client.v1.disputes.update_async(
                dispute_id,
                cast("DisputeUpdateParams", {"evidence": fields, "submit": False}),
                {"idempotency_key": idempotency_key},
            ),
        )
        return EvidenceOutcome("staged", str(dispute["status"]), file_id)

    async def submit(self, dispute_ref: str, *, idempotency_key: str) -> EvidenceOutcome:
        dispute_id = _stripe_dispute(dispute_ref)
        dispute = await self._call(
            "submitting evidence",
            self._client.v1.disputes.update_async(dispute_id, {"submit": True}, {"idempotency_key": idempotency_key}),
        )
        return EvidenceOutcome("submitted", str(dispute["status"]))

    async def accept(self, dispute_ref: str, note: str, *, idempotency_key: str) -> EvidenceOutcome:
        dispute_id = _stripe_dispute(dispute_ref)
        dispute = await self._call(
            "accepting the dispute",
            self._client.v1.disputes.close_async(dispute_id, options={"idempotency_key": idempotency_key}),
        )
        return EvidenceOutcome("accepted", str(dispute["status"]))

    async def close(self) -> None:
        await self._http.close_async()

    async def _call(self, action: str, call: Any) -> Any:
        try:
            async with asyncio.timeout(self._timeout):
                return (await call).to_dict()
        except TimeoutError:
            raise ProviderError(STRIPE, f"{action} failed: Stripe did not answer in time", retryable=True) from None
        except stripe.StripeError as exc:
            raise _from_stripe_error(exc, action) from exc


class PayPalDisputes:
    """`DisputeDesk` for PayPal, on a `PayPalClient` it shares and does not close. PayPal has no draft."""

    def __init__(self, client: PayPalClient):
        self._client = client

    async def provide(self, dispute_ref: str, evidence: Evidence, *, idempotency_key: str) -> EvidenceOutcome:
        # Looked at first: PayPal takes evidence only while the dispute waits for the seller, and says so by the
        # presence of the provide_evidence link; asking anyway would only earn a less readable refusal.
        dispute = await self._client.get_dispute(dispute_ref)
        status = str(dispute.get("status") or "")
        notes = _paypal_notes(evidence)
        if status != PAYPAL_AWAITING_SELLER or not _has_link(dispute, "provide_evidence"):
            if _already_given(dispute, notes):
                # An earlier attempt of this step got through and only its answer was lost.
                return EvidenceOutcome("submitted", status)
            shown = status.replace("_", " ").lower() or "unknown"
            raise ProviderError(PAYPAL, f"PayPal no longer takes evidence for this dispute (it is {shown})")
        if evidence.conversation is not None and len(evidence.conversation) > PAYPAL_FILE_LIMIT:
            raise ProviderError(
                PAYPAL, f"the conversation PDF is {_mb(len(evidence.conversation))}, over PayPal's 10 MB limit"
            )
        body = {"evidences": [{"evidence_type": PAYPAL_DIGITAL_EVIDENCE, "notes": notes}]}
        parts: dict[str, Any] = {"input": (None, json.dumps(body), "application/json")}
        if evidence.conversation is not None:
            parts["file1"] = ("ticket-conversation.pdf", evidence.conversation, "application/pdf")
        await self._client.provide_evidence(dispute_ref, parts, request_id=idempotency_key)
        return EvidenceOutcome("submitted", "UNDER_REVIEW")

    async def submit(self, dispute_ref: str, *, idempotency_key: str) -> EvidenceOutcome:
        raise UsageError("PayPal takes evidence as it is given: there is nothing staged to submit.")

    async def accept(self, dispute_ref: str, note: str, *, idempotency_key: str) -> EvidenceOutcome:
        await self._client.accept_claim(dispute_ref, note[:PAYPAL_NOTES_LIMIT], request_id=idempotency_key)
        return EvidenceOutcome("accepted", "RESOLVED")


def _stripe_dispute(ref: str) -> str:
    ref = ref.strip()
    if not _STRIPE_DISPUTE.fullmatch(ref):
        raise UsageError(f"{ref!r} is not a Stripe dispute id (dp_...).")
    return ref


def _stripe_evidence(evidence: Evidence) -> dict[str, str]:
    fields = {
        "uncategorized_text": evidence.statement,
        "product_description": evidence.product_description,
        "refund_policy_disclosure": evidence.refund_policy,
        "access_activity_log": evidence.access_log,
        "customer_email_address": evidence.customer_email,
        "customer_name": evidence.customer_name,
        "service_date": evidence.service_date,
    }
    receipt = f"Receipt: {evidence.receipt}" if evidence.receipt else None
    if receipt:
        fields["uncategorized_text"] = "\n\n".join(filter(None, (evidence.statement, receipt)))
    return {name: value[:_STRIPE_TEXT_LIMIT] for name, value in fields.items() if value}


def _paypal_notes(evidence: Evidence) -> str:
    """PayPal takes one note of 2,000 characters: the statement first, then what backs it, each cut to fit."""
    parts = [
        evidence.statement,
        f"Sale: {evidence.receipt}" if evidence.receipt else None,
        f"Product: {evidence.product_description}" if evidence.product_description else None,
        f"Use of the product: {evidence.access_log}" if evidence.access_log else None,
        f"Refund policy: {evidence.refund_policy}" if evidence.refund_policy else None,
    ]
    notes = "\n\n".join(p for p in parts if p)
    return notes if len(notes) <= PAYPAL_NOTES_LIMIT else notes[: PAYPAL_NOTES_LIMIT - 1] + "…"


def _already_given(dispute: dict[str, Any], notes: str) -> bool:
    """Whether the dispute already shows this evidence from the seller (PayPal lists what each side gave)."""
    evidences = dispute.get("evidences")
    return isinstance(evidences, list) and any(
        isinstance(e, dict) and e.get("evidence_type") == PAYPAL_DIGITAL_EVIDENCE and e.get("notes") == notes
        for e in evidences
    )


def _has_link(dispute: dict[str, Any], rel: str) -> bool:
    links = dispute.get("links")
    return isinstance(links, list) and any(isinstance(link, dict) and link.get("rel") == rel for link in links)


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _from_stripe_error(exc: stripe.StripeError, action: str) -> ProviderError:
    status = exc.http_status
    code = exc.code or (exc.error.code if exc.error is not None else None)
    log.warning("Stripe %s failed: %s, HTTP %s, code %s", action, type(exc).__name__, status, code)
    match exc:
        case stripe.AuthenticationError():
            return ProviderError(STRIPE, f"{action} failed: the Stripe API key was refused", status=status)
        case stripe.PermissionError():
            message = f"{action} failed: the Stripe API key may not answer disputes (it needs write access to them)"
            return ProviderError(STRIPE, message, status=status)
        case stripe.RateLimitError():
            return ProviderError(STRIPE, f"{action} failed: Stripe is rate limiting us", retryable=True, status=status)
        case stripe.APIConnectionError():
            return ProviderError(STRIPE, f"{action} failed: could not reach Stripe", retryable=True)
        case stripe.IdempotencyError():
            message = f"{action} failed: this was already asked for with other details"
            return ProviderError(STRIPE, message, status=status)
        case stripe.InvalidRequestError():
            detail = (exc.user_message or "Stripe refused the request")[:_MESSAGE_LIMIT]
            return ProviderError(STRIPE, f"{action} failed: {detail}" + (f" ({code})" if code else ""), status=status)
        case stripe.APIError():
            retryable = status is None or status >= 500 or status == 409
            return ProviderError(STRIPE, f"{action} failed: Stripe had an error (HTTP {status})", retryable=retryable)
    return ProviderError(STRIPE, f"{action} failed: unexpected error from Stripe", status=status)
