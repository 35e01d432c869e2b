"""Carrying out recorded actions after Slack has had its answer: claimed with a lease, retried, reported.

An action is claimed (status `running`, a lease) before its provider is called and finished in one
transaction with its outcome, audit record and Slack messages. A process killed in between leaves a
`running` action whose lease runs out; the next claim calls the provider again with the same idempotency key,
which the provider answers with what it did the first time. So the outcome of a refund is never lost and
never doubled.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import audit
from bot.actions.audit import Outcome
from bot.actions.record import public_params
from bot.actions.steps import Done, Steps
from bot.cards.outcomes import failed_reply_blocks, failed_text, part_ways_card, succeeded_text
from bot.core.action_kinds import Kind
from bot.core.clock import Clock
from bot.core.errors import BotError, ProviderError
from bot.core.polling import Polling
from bot.outbox import queue
from bot.outbox.queue import SUBJECT_MODELS, Subject
from bot.outbox.records import TicketMessageReply
from bot.policies.retry import retry_delay
from bot.policies.routing import Channels, Topic, channel_for
from bot.storage.db import Database, DatabaseUnavailableError
from bot.storage.models.actions import ActionRecord, ActionStatus, RefundApproval
from bot.storage.models.sales import Payment

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
CONCURRENCY = 4
_TOPICS = {Subject.SALE: Topic.SALE, Subject.TICKET: Topic.TICKET, Subject.DISPUTE: Topic.DISPUTE}


class Requesters(Protocol):
    """How the person who asked hears the outcome privately (integrations.slack.SlackResponseUrls)."""

    async def tell_privately(self, response_url: str, text: str) -> None: ...


class ActionWorker:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        steps: Steps,
        channels: Channels,
        *,
        requesters: Requesters,
        lease_seconds: float = 120.0,
        poll_seconds: float = 1.0,
        backoff_base: float = 2.0,
        call_timeout: float = 60.0,
        on_recorded: Callable[[], None] = lambda: None,
    ):
        self.db = db
        self.clock = clock
        self.steps = steps
        self.channels = channels
        self.requesters = requesters
        self.owner = uuid.uuid4().hex[:16]
        self.lease = timedelta(seconds=lease_seconds)
        self.backoff_base = backoff_base
        self.call_timeout = call_timeout
        self.on_recorded = on_recorded
        self.polling = Polling("actions", poll_seconds, log)
        self._running: set[asyncio.Task[None]] = set()

    def wake(self) -> None:
        self.polling.wake()

    async def run(self) -> None:
        await self.polling.run(self._start_due)

    async def _start_due(self) -> None:
        for action_id in await self._claim_due(CONCURRENCY - len(self._running)):
            task = asyncio.create_task(self._carry_out(action_id), name=f"action:{action_id}")
            self._running.add(task)
            task.add_done_callback(self._finished_task)

    def _finished_task(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self.polling.wake()  # room for another action

    async def stop(self, grace_seconds: float, cancel_grace_seconds: float) -> None:
        """Let actions in flight finish within `grace_seconds`, then cancel them and give them
        `cancel_grace_seconds` to leave; one cut short is taken up again, with the same key, on the next start."""
        self.polling.stop()
        if self._running:
            _done, pending = await asyncio.wait(set(self._running), timeout=grace_seconds)
            for task in pending:
                task.cancel()
            if pending:
                # Cancelled work leaves at its next await; one that does not is left to the runtime's own bound.
                await asyncio.wait(pending, timeout=cancel_grace_seconds)

    def _claimable(self, now: datetime) -> ColumnElement[bool]:
        return or_(
            and_(ActionRecord.status == ActionStatus.PENDING, ActionRecord.not_before <= now),
            and_(ActionRecord.status == ActionStatus.RUNNING, ActionRecord.lease_until < now),
        )

    async def _claim_due(self, room: int) -> list[int]:
        """Take up to `room` due actions for this process, oldest first.

        On PostgreSQL the rows are locked as they are read, and rows another replica is claiming right now are
        skipped rather than waited for; on SQLite the claim holds the only write lock. Either way no two
        processes get the same action, and a claim whose lease ran out (its process died) is taken over.
        """
        if room <= 0:
            return []
        now = self.clock.now()
        async with self.db.transaction(read_only=True) as session:
            # A look first, so an idle poll never queues for SQLite's write lock ahead of a webhook.
            if await session.scalar(select(ActionRecord.id).where(self._claimable(now)).limit(1)) is None:
                return []
        async with self.db.transaction(urgent=True) as session:
            due = list(
                await session.scalars(
                    select(ActionRecord.id)
                    .where(self._claimable(now))
                    .order_by(ActionRecord.id)
                    .limit(room)
                    .with_for_update(skip_locked=True)
                )
            )
            if due:
                await session.execute(
                    update(ActionRecord)
                    .where(ActionRecord.id.in_(due))
                    .values(
                        status=ActionStatus.RUNNING,
                        lease_owner=self.owner,
                        lease_until=now + self.lease,
                        attempts=ActionRecord.attempts + 1,
                    )
                    .execution_options(synchronize_session=False)
                )
            return due

    async def _carry_out(self, action_id: int) -> None:
        try:
            async with self.db.transaction(read_only=True) as session:
                action = await session.get_one(ActionRecord, action_id)
                facts = await self.steps.facts(session, action)
            done: Done | None = None
            error: ProviderError | None = None
            try:
                async with asyncio.timeout(self.call_timeout):
                    done = await self.steps.call(action, facts)
            except ProviderError as exc:
                error = exc
            except BotError as exc:  # the request itself cannot be carried out: asking again will not help
                error = ProviderError("supportbot", str(exc))
            except TimeoutError:
                error = ProviderError("supportbot", "the provider did not answer in time", retryable=True)
            except Exception as exc:  # a bug must not strand the action: it is retried, then failed, and logged
                log.exception("action %s (%s) raised unexpectedly", action_id, action.kind)
                error = ProviderError(
                    "supportbot", f"unexpected error ({type(exc).__name__}); see the log", retryable=True
                )
            report = await self._finish(action_id, done, error)
        except DatabaseUnavailableError as exc:
            log.warning(
                "action %s: database unavailable (%s); its lease will run out and it is retried", action_id, exc
            )
            return
        self.on_recorded()
        if report is not None:
            await self._tell_requester(*report)

    async def _finish(self, action_id: int, done: Done | None, error: ProviderError | None) -> tuple[str, str] | None:
        """Record the outcome; returns (response_url, text) for the person who asked, if they can still hear it."""
        return await self.db.run(lambda session: self._record_outcome(session, action_id, done, error))

    async def _record_outcome(
        self, session: AsyncSession, action_id: int, done: Done | None, error: ProviderError | None
    ) -> tuple[str, str] | None:
        action = await session.get_one(ActionRecord, action_id, with_for_update=True, populate_existing=True)
        if action.status != ActionStatus.RUNNING or action.lease_owner != self.owner:
            log.warning("action %s: lease lost before it finished; the other process records it", action_id)
            return None
        now = self.clock.now()
        if done is not None:
            reply = await self.steps.record(session, action, done, now)
            if reply is not None and (support := channel_for(Topic.TICKET, self.channels)):
                # The reply itself, in the ticket's thread like every other message of the ticket.
                record = TicketMessageReply(reply.id)
                queue.ticket_reply(session, queue.message_key(reply.id), reply.ticket_id, support, now, record)
            action.status = ActionStatus.SUCCEEDED
            action.result = done.result | {"summary": done.summary}
            text = succeeded_text(action, done.summary, done.reference)
            outcome, reference, note = Outcome.SUCCEEDED, done.reference, None
        else:
            assert error is not None
            if error.retryable and action.attempts < MAX_ATTEMPTS:
                action.status = ActionStatus.PENDING
                action.not_before = now + timedelta(seconds=retry_delay(action.attempts, base=self.backoff_base))
                action.error = str(error)
                action.lease_owner = action.lease_until = None
                log.info("action %s: %s; retrying", action_id, error)
                return None
            action.status = ActionStatus.FAILED
            action.error = str(error)
            text = failed_text(action, str(error))
            outcome, reference, note = Outcome.FAILED, None, str(error)
        action.finished_at = now
        action.lease_owner = action.lease_until = None
        await self._redraw_cards(session, action, now)
        # Audited after the rows above are locked, never before: the audit chain's lock is the last thing a
        # finishing action waits for, so two steps of a part-ways finishing together cannot deadlock (one
        # holding the chain and waiting for the ticket the other has just closed).
        await self._audit(session, action, outcome, now, reference=reference, note=note)
        if action.parent_id is not None:
            return await self._settle_parent(session, action.parent_id, now)
        blocks = failed_reply_blocks(action, text) if outcome is Outcome.FAILED and action.kind == Kind.REPLY else None
        await self._post_in_thread(session, action, text, now, blocks=blocks)
        url = action.report.get("response_url")
        return (url, text) if url else None

    async def _settle_parent(self, session: AsyncSession, parent_id: int, now: datetime) -> tuple[str, str] | None:
        """When the last step of a part-ways finishes, tell how every step went, with a retry for the failed."""
        parent = await session.get_one(ActionRecord, parent_id, with_for_update=True, populate_existing=True)
        steps = list(
            await session.scalars(
                select(ActionRecord)
                .where(ActionRecord.parent_id == parent_id)
                .order_by(ActionRecord.id)
                .execution_options(populate_existing=True)
            )
        )
        unfinished = (ActionStatus.PENDING, ActionStatus.RUNNING, ActionStatus.AWAITING)
        if any(step.status in unfinished for step in steps):
            return None
        failed = [step for step in steps if step.status == ActionStatus.FAILED]
        parent.status = ActionStatus.FAILED if failed else ActionStatus.SUCCEEDED
        parent.finished_at = now
        parent.attempts += 1  # counts the summaries, so a retry's summary is a new message
        parent.result = {"summary": "parted ways" if not failed else f"{len(failed)} step(s) failed"}
        parent.error = "; ".join(step.error or "failed" for step in failed) or None
        outcome = Outcome.FAILED if failed else Outcome.SUCCEEDED
        await self._audit(session, parent, outcome, now, note=parent.error)
        card = part_ways_card(parent, steps)
        await self._post_in_thread(session, parent, card.text, now, blocks=card.blocks)
        url = parent.report.get("response_url")
        return (url, card.text) if url else None

    async def _audit(
        self,
        session: AsyncSession,
        action: ActionRecord,
        outcome: Outcome,
        now: datetime,
        *,
        reference: str | None = None,
        note: str | None = None,
    ) -> None:
        entry = audit.Entry(
            actor_id=action.actor_id,
            actor_name=action.actor_name,
            action=action.kind,
            outcome=outcome,
            subject=action.report.get("what") or action.report.get("subject_label"),
            note=note,
            customer_id=action.customer_id,
            ticket_id=action.ticket_id,
            payment_id=action.payment_id,
            parameters=public_params(action.params),
            provider_reference=reference,
            idempotency_key=action.key,
        )
        await audit.append(session, entry, now)

    async def _post_in_thread(
        self, session: AsyncSession, action: ActionRecord, text: str, now: datetime, *, blocks: list | None = None
    ) -> None:
        target = await self._report_card(session, action)
        if target is None:
            return
        subject, subject_id, channel = target
        queue.reply(
            session,
            f"action:{action.id}:{action.status}:{action.attempts}",
            parent=subject,
            parent_id=subject_id,
            channel=channel,
            text=text,
            now=now,
            blocks=blocks,
        )

    async def _report_card(self, session: AsyncSession, action: ActionRecord) -> tuple[Subject, int, str] | None:
        subject, subject_id = action.report.get("subject"), action.report.get("id")
        if subject not in _TOPICS or not isinstance(subject_id, int):
            return None
        card = await session.get(SUBJECT_MODELS[subject], subject_id)
        channel = (card.slack_channel if card else None) or channel_for(_TOPICS[Subject(subject)], self.channels)
        return (Subject(subject), subject_id, channel) if channel else None

    async def _redraw_cards(self, session: AsyncSession, action: ActionRecord, now: datetime) -> None:
        """Cards show what was done from Slack: redraw the ones this action changes."""
        wanted: set[tuple[Subject, int]] = set()
        if action.payment_id is not None:
            payment = await session.get(Payment, action.payment_id)
            if payment is not None and payment.digest_id is not None:
                wanted.add((Subject.DIGEST, payment.digest_id))
            else:
                wanted.add((Subject.SALE, action.payment_id))
        if action.ticket_id is not None:
            wanted.add((Subject.TICKET, action.ticket_id))
        if (target := await self._report_card(session, action)) is not None:
            wanted.add(target[:2])
        if (approval_id := action.params.get("approval_id")) is not None:
            # The approval card ends with what became of the refund it approved.
            approval = await session.get(RefundApproval, approval_id)
            if approval is not None and approval.slack_channel is not None:
                await queue.update_card(session, Subject.APPROVAL, approval.id, approval.slack_channel, now)
        for subject, subject_id in sorted(wanted):
            topic = Topic.SALE if subject == Subject.DIGEST else _TOPICS[subject]
            if channel := channel_for(topic, self.channels):
                await queue.update_card(session, subject, subject_id, channel, now)

    async def _tell_requester(self, response_url: str, text: str) -> None:
        """A courtesy to whoever asked: the durable record is the card's thread and the audit trail. It is all a
        command about no card (a licence key, an email not on record) tells of its outcome."""
        try:
            await self.requesters.tell_privately(response_url, text)
        except ProviderError as exc:  # an expired response_url (30 minutes) or a network blip loses only this
            log.info("could not tell the requester through their response_url: %s", exc)
