"""Answering a dispute from its card: offer the modal (evidence, submit, accept), then record what was confirmed.

Offers refuse early what cannot be done (a closed dispute, one already answered, an unconfigured provider); the
same conditions are read again from the database when the modal is confirmed, since the modal may be old.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import kinds
from bot.actions.answers import Answer, answer_for, report_of
from bot.actions.offers import LICENCE_LOOKUP_SECONDS, Offer, OfferDeps, Origin, base_context, find_scope, sealed
from bot.actions.record import Actor, Ask, ask
from bot.actions.submission import Submission
from bot.cards.dispute import CLOSED_STATUSES, EVIDENCE_IN_STATUSES
from bot.cards.evidence import accept_modal, evidence_modal, submit_modal
from bot.cards.modals import View
from bot.core.action_kinds import Kind
from bot.core.errors import ProviderError, UsageError
from bot.core.wording import provider_name
from bot.evidence import EvidenceState, evidence_words
from bot.evidence.pack import draft_for
from bot.storage.models.sales import Dispute

STATEMENT_LIMIT = 3000


async def offer_evidence(deps: OfferDeps, origin: Origin) -> Offer:
    scope = await find_scope(deps, origin)
    dispute = _answerable(deps, scope.dispute)
    async with deps.db.transaction(read_only=True) as session:
        draft = await draft_for(session, dispute.id)
    metadata = replace(base_context(scope, origin), dispute_id=dispute.id).as_metadata()
    policy = deps.settings.refund_policy
    activity_of = getattr(deps.providers.licences, "activity_of", None)
    email = scope.email
    looking = activity_of is not None and email is not None

    def view(access_log: str | None, note: str | None, *, pending: bool = False) -> View:
        drawn = evidence_modal(draft, policy, access_log, metadata, lookup_note=note, looking=pending)
        return sealed(deps, origin, drawn)

    async def with_activity() -> View:
        assert activity_of is not None and email is not None
        try:
            async with asyncio.timeout(LICENCE_LOOKUP_SECONDS):
                lines = await activity_of(email)
            log, note = "\n".join(lines) or None, None if lines else "The licence server has no activity on record."
        except ProviderError as exc:
            log, note = None, f"Licence activity could not be looked up: {exc.reason}"
        except TimeoutError:
            log, note = None, "Licence activity could not be looked up in time."
        return view(log, note)

    return Offer(view(None, None, pending=looking), then=with_activity if looking else None)


async def offer_submit(deps: OfferDeps, origin: Origin) -> Offer:
    scope = await find_scope(deps, origin)
    dispute = _answerable(deps, scope.dispute)
    if dispute.provider != "stripe" or dispute.evidence_state != EvidenceState.STAGED:
        raise UsageError("There is no staged evidence to submit: prepare the evidence first.")
    metadata = replace(base_context(scope, origin), dispute_id=dispute.id).as_metadata()
    return Offer(sealed(deps, origin, submit_modal(dispute, metadata)))


async def offer_accept(deps: OfferDeps, origin: Origin) -> Offer:
    scope = await find_scope(deps, origin)
    dispute = _answerable(deps, scope.dispute)
    metadata = replace(base_context(scope, origin), dispute_id=dispute.id).as_metadata()
    return Offer(sealed(deps, origin, accept_modal(dispute, metadata)))


DISPUTE_OFFERS = {
    Kind.DISPUTE_EVIDENCE: offer_evidence,
    Kind.DISPUTE_SUBMIT: offer_submit,
    Kind.DISPUTE_ACCEPT: offer_accept,
}


async def confirm_evidence(session: AsyncSession, submission: Submission, actor: Actor, now: datetime) -> Answer:
    dispute = await _dispute(session, submission)
    if dispute.evidence_state == EvidenceState.SUBMITTED:
        raise UsageError("The evidence for this dispute is submitted already; it cannot be changed.")
    statement = (submission.text("statement") or "").strip()
    if not statement:
        return Answer(errors={"statement": "Write a short statement: it is what the bank reads first."})
    params: dict[str, Any] = {
        "dispute_id": dispute.id,
        "statement": statement[:STATEMENT_LIMIT],
        "attach": submission.is_ticked("attach", "conversation"),
        "asked_at": now.isoformat(),
    }
    for name in ("product", "access_log", "refund_policy"):
        if value := (submission.text(name) or "").strip():
            params[name] = value
    request = Ask(
        Kind.DISPUTE_EVIDENCE,
        kinds.dispute_evidence_key(dispute.id, submission.draft_id(now)),
        f"dispute {dispute.provider_dispute_id}",
        params,
        customer_id=dispute.customer_id,
        report=report_of(submission.context),
    )
    return answer_for(await ask(session, request, actor, now))


async def confirm_submit(session: AsyncSession, submission: Submission, actor: Actor, now: datetime) -> Answer:
    dispute = await _dispute(session, submission)
    if dispute.evidence_state not in (EvidenceState.STAGED, EvidenceState.SUBMITTED):
        raise UsageError(f"There is no staged evidence to submit (evidence: {evidence_words(dispute.evidence_state)}).")
    request = Ask(
        Kind.DISPUTE_SUBMIT,
        kinds.dispute_submit_key(dispute.provider_dispute_id),
        f"dispute {dispute.provider_dispute_id}",
        {"dispute_id": dispute.id},
        customer_id=dispute.customer_id,
        report=report_of(submission.context),
    )
    return answer_for(await ask(session, request, actor, now))


async def confirm_accept(session: AsyncSession, submission: Submission, actor: Actor, now: datetime) -> Answer:
    dispute = await _dispute(session, submission)
    note = (submission.text("note") or "").strip()
    if dispute.provider == "paypal" and not note:
        return Answer(errors={"note": "PayPal asks for a note with an accepted claim."})
    request = Ask(
        Kind.DISPUTE_ACCEPT,
        kinds.dispute_accept_key(dispute.provider_dispute_id),
        f"dispute {dispute.provider_dispute_id}",
        {"dispute_id": dispute.id} | ({"note": note[:STATEMENT_LIMIT]} if note else {}),
        customer_id=dispute.customer_id,
        report=report_of(submission.context),
    )
    return answer_for(await ask(session, request, actor, now))


def _answerable(deps: OfferDeps, dispute: Dispute | None) -> Dispute:
    if dispute is None:
        raise UsageError("Disputes are answered from the dispute's card.")
    if (dispute.status or "").lower() in CLOSED_STATUSES:
        raise UsageError("This dispute is closed: there is nothing left to answer.")
    if dispute.evidence_state in (EvidenceState.SUBMITTED, EvidenceState.ACCEPTED):
        raise UsageError(f"This dispute is answered already (evidence {evidence_words(dispute.evidence_state)}).")
    if (dispute.status or "").lower() in EVIDENCE_IN_STATUSES:
        raise UsageError("The evidence for this dispute is in and under review: it takes no more.")
    if dispute.provider not in deps.providers.disputes:
        setting = "SUPPORTBOT_STRIPE_API_KEY" if dispute.provider == "stripe" else "the SUPPORTBOT_PAYPAL_* settings"
        raise UsageError(f"Answering {provider_name(dispute.provider)} disputes is not configured ({setting}).")
    return dispute


async def _dispute(session: AsyncSession, submission: Submission) -> Dispute:
    dispute = await session.get(Dispute, submission.context.dispute_id or 0)
    if dispute is None:
        raise UsageError("That dispute is no longer on record.")
    if (dispute.status or "").lower() in CLOSED_STATUSES or dispute.evidence_state == EvidenceState.ACCEPTED:
        raise UsageError("This dispute is closed: there is nothing left to answer.")
    return dispute
