"""Asking for an action: one record per idempotency key, audited; asking again finds the first request."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import audit
from bot.actions.audit import Outcome
from bot.core.action_kinds import Kind
from bot.storage.models.actions import ActionRecord, ActionStatus


@dataclass(frozen=True)
class Actor:
    id: str
    name: str | None = None


@dataclass(frozen=True)
class Ask:
    """One action as the person confirmed it."""

    kind: Kind
    key: str
    subject: str  # what it is about, as a person reads it: "payment pi_3Qx…", "ticket T-1042"
    params: dict[str, Any] = field(default_factory=dict)
    customer_id: int | None = None
    ticket_id: int | None = None
    payment_id: int | None = None
    report: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Asked:
    action: ActionRecord
    fresh: bool  # False: the same thing was asked before, and `action` is that request, finished or not


async def ask(
    session: AsyncSession,
    request: Ask,
    actor: Actor,
    now: datetime,
    *,
    parent_id: int | None = None,
    status: ActionStatus = ActionStatus.PENDING,
) -> Asked:
    """Record `request` to be carried out, unless the same was asked before; a failed one is asked again."""
    existing = await _by_key(session, request.key)
    if existing is None:
        action = ActionRecord(
            key=request.key,
            kind=request.kind,
            status=status,
            actor_id=actor.id,
            actor_name=actor.name,
            customer_id=request.customer_id,
            ticket_id=request.ticket_id,
            payment_id=request.payment_id,
            parent_id=parent_id,
            params=request.params,
            report=request.report | {"what": request.subject},
            attempts=0,
            not_before=now,
            created_at=now,
        )
        try:
            async with session.begin_nested():
                session.add(action)
        except IntegrityError:
            # Two people confirmed the same thing at the same moment on another replica: theirs came first.
            existing = await _by_key(session, request.key)
            assert existing is not None
        else:
            await _audit(session, action, actor, request, Outcome.ATTEMPTED, now)
            return Asked(action, fresh=True)
    if existing.status == ActionStatus.FAILED:
        existing.status = status
        existing.actor_id, existing.actor_name = actor.id, actor.name
        existing.params = request.params | {"retry_of_error": existing.error}
        existing.report = (request.report or existing.report) | {"what": request.subject}
        existing.error, existing.result, existing.finished_at = None, None, None
        existing.attempts, existing.not_before = 0, now
        existing.lease_owner = existing.lease_until = None
        await _audit(session, existing, actor, request, Outcome.ATTEMPTED, now, note="asked again after it failed")
        return Asked(existing, fresh=True)
    await _audit(session, existing, actor, request, Outcome.ALREADY_DONE, now, note=f"already {existing.status}")
    return Asked(existing, fresh=False)


async def _by_key(session: AsyncSession, key: str) -> ActionRecord | None:
    query = select(ActionRecord).where(ActionRecord.key == key)
    if session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update()
    return await session.scalar(query)


async def _audit(
    session: AsyncSession,
    action: ActionRecord,
    actor: Actor,
    request: Ask,
    outcome: Outcome,
    now: datetime,
    note: str | None = None,
) -> None:
    entry = audit.Entry(
        actor_id=actor.id,
        actor_name=actor.name,
        action=request.kind,
        outcome=outcome,
        subject=request.subject,
        note=note,
        customer_id=request.customer_id,
        ticket_id=request.ticket_id,
        payment_id=request.payment_id,
        parameters=public_params(request.params),
        idempotency_key=action.key,
    )
    await audit.append(session, entry, now)


# Parameters that name or quote a person stay out of the hashed part of the audit trail (they go in `subject`
# or nowhere), so that forgetting a customer does not break the chain.
_PERSONAL_PARAMS = frozenset({"email", "body", "note", "retry_of_error", "statement", "access_log"})


def public_params(params: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in params.items() if name not in _PERSONAL_PARAMS}
