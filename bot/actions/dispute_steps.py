"""Answering a dispute at its provider: stage or send the evidence, submit it, or accept the dispute.

Each call carries the action's key as the provider's idempotency key (the evidence file `<key>:file`), so a
step retried after a crash is not a second upload or a second answer. What the provider did is recorded on
the dispute (`evidence_state`), only ever forward: a late staging never undoes a submission.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions.paging import Paging
from bot.core.action_kinds import Kind
from bot.core.errors import ProviderError
from bot.core.wording import provider_name
from bot.evidence import EvidenceState
from bot.evidence.pack import receipt_text
from bot.integrations.contracts import DisputeDesk, Evidence
from bot.integrations.providers import Providers
from bot.storage.models.actions import ActionRecord
from bot.storage.models.customers import Customer
from bot.storage.models.sales import Dispute, Payment

DISPUTE_KINDS = frozenset({Kind.DISPUTE_EVIDENCE, Kind.DISPUTE_SUBMIT, Kind.DISPUTE_ACCEPT})
_ORDER: dict[str | None, int] = {
    None: 0,
    EvidenceState.STAGED: 1,
    EvidenceState.SUBMITTED: 2,
    EvidenceState.ACCEPTED: 3,
}


def desk_for(providers: Providers, dispute: Dispute) -> DisputeDesk:
    desk = providers.disputes.get(dispute.provider)
    if desk is None:
        raise ProviderError(dispute.provider, f"answering {provider_name(dispute.provider)} disputes is not configured")
    return desk


async def provide_evidence(
    providers: Providers,
    action: ActionRecord,
    dispute: Dispute,
    payment: Payment | None,
    customer: Customer | None,
    conversation: bytes | None,
) -> tuple[str, dict, str | None]:
    params = action.params
    evidence = Evidence(
        statement=params["statement"],
        product_description=params.get("product"),
        refund_policy=params.get("refund_policy"),
        access_log=params.get("access_log"),
        receipt=receipt_text(payment),
        service_date=payment.paid_at.date().isoformat() if payment else None,
        customer_email=customer.email if customer else None,
        customer_name=customer.name if customer else None,
        conversation=conversation,
    )
    outcome = await desk_for(providers, dispute).provide(
        dispute.provider_dispute_id, evidence, idempotency_key=action.key
    )
    attached = " with the ticket conversation (PDF)" if conversation else ""
    if outcome.state == EvidenceState.STAGED:
        summary = f"staged evidence at Stripe{attached}: a draft, not yet submitted to the bank"
    else:
        summary = f"sent evidence to {provider_name(dispute.provider)}{attached}"
    result = {"state": outcome.state, "provider_status": outcome.provider_status, "file_id": outcome.file_id}
    return summary, result, outcome.file_id


async def submit_evidence(providers: Providers, action: ActionRecord, dispute: Dispute) -> tuple[str, dict]:
    outcome = await desk_for(providers, dispute).submit(dispute.provider_dispute_id, idempotency_key=action.key)
    return "submitted the evidence to the bank", {"state": outcome.state, "provider_status": outcome.provider_status}


async def accept_dispute(providers: Providers, action: ActionRecord, dispute: Dispute) -> tuple[str, dict]:
    note = action.params.get("note") or "We accept the customer's claim."
    outcome = await desk_for(providers, dispute).accept(dispute.provider_dispute_id, note, idempotency_key=action.key)
    return "accepted the dispute", {"state": outcome.state, "provider_status": outcome.provider_status}


async def record_answer(session: AsyncSession, paging: Paging, action: ActionRecord, state: str, now: datetime) -> None:
    dispute = await session.get_one(Dispute, action.params["dispute_id"], with_for_update=True)
    if _ORDER.get(state, 0) >= _ORDER.get(dispute.evidence_state, 0):
        dispute.evidence_state, dispute.evidence_at = state, now
    if state in (EvidenceState.SUBMITTED, EvidenceState.ACCEPTED):
        # The answer is in: nobody needs paging about the deadline any more.
        await paging.dispute_answered(session, dispute, state, now)
