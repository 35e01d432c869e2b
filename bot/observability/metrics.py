"""What the bot reports to Prometheus: counters kept in this process, queue sizes read from the database.

Each Runtime has its own registry (tests run several bots in one process). Counters count what this replica
did, so Prometheus adds them up across replicas; the queue gauges are read from the shared database when
scraped, so every replica reports the same, whole picture (aggregate those with max, not sum).

Actions and tone verdicts are counted by code that has no handle on the runtime (the audit trail, the tone
watch): the runtime binds its Metrics in a context variable for its workers and requests, and those counts
are made only once the transaction that recorded them commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import Context, ContextVar, Token, copy_context
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from prometheus_client import CollectorRegistry, Counter, Info
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import Rejection
from bot.storage.db import Database
from bot.storage.models.inbound import InboundEvent, InboundStatus
from bot.storage.models.outbox import OutboxMessage, OutboxStatus

PROVIDERS = ("stripe", "paypal", "tickets")
SLACK_METHODS = ("chat.postMessage", "chat.update", "conversations.history", "conversations.replies")
TONES = ("neutral", "frustrated", "abusive")
# The queue states worth watching: work not yet done, and work given up on (an outbox message that failed for
# good, an event quarantined: each wants a person). Done rows are history, not load.
OUTBOX_WATCHED = (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.FAILED)
INBOUND_WATCHED = (InboundStatus.PENDING, InboundStatus.QUARANTINED)


class WebhookOutcome(StrEnum):
    """How a webhook delivery was answered; a refusal's reason comes from `Rejection`."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    UNCONFIGURED = "unconfigured"
    UNVERIFIED = "unverified"  # the provider could not be asked to confirm the signature
    STORAGE_UNAVAILABLE = "storage_unavailable"
    ERROR = "error"


class SlackOutcome(StrEnum):
    OK = "ok"
    RATE_LIMITED = "rate_limited"
    ERROR = "error"  # Slack answered with an error
    UNREACHABLE = "unreachable"  # no answer: timeout or connection failure


@dataclass(frozen=True)
class QueueState:
    count: int
    oldest: datetime | None


@dataclass(frozen=True)
class Queues:
    """The shared queues as one read saw them, and when."""

    now: datetime
    outbox: dict[str, QueueState] = field(default_factory=dict)
    inbound: dict[str, QueueState] = field(default_factory=dict)


async def read_queues(db: Database, now: datetime) -> Queues:
    """Count the outbox and inbound events by watched status, with each status's oldest row."""
    outbox = (
        select(OutboxMessage.status, func.count(), func.min(OutboxMessage.created_at))
        .where(OutboxMessage.status.in_(OUTBOX_WATCHED))
        .group_by(OutboxMessage.status)
    )
    inbound = (
        select(InboundEvent.status, func.count(), func.min(InboundEvent.received_at))
        .where(InboundEvent.status.in_(INBOUND_WATCHED))
        .group_by(InboundEvent.status)
    )
    async with db.transaction(read_only=True) as session:
        outbox_rows = (await session.execute(outbox)).all()
        inbound_rows = (await session.execute(inbound)).all()
    return Queues(
        now,
        {status: QueueState(count, oldest) for status, count, oldest in outbox_rows},
        {status: QueueState(count, oldest) for status, count, oldest in inbound_rows},
    )


class _QueueCollector(Collector):
    """Reports the `Queues` handed to it for one scrape; nothing when the database could not be read."""

    def __init__(self) -> None:
        self.queues: Queues | None = None
        self.database_up: bool | None = None

    def collect(self) -> Iterable[Metric]:
        if self.database_up is not None:
            up = GaugeMetricFamily("supportbot_database_up", "1 if the database answered this scrape's queries")
            up.add_metric([], 1.0 if self.database_up else 0.0)
            yield up
        if self.queues is None:
            return
        yield from _queue_families(
            "outbox_messages", "Outbox messages", OUTBOX_WATCHED, self.queues.outbox, self.queues.now
        )
        yield from _queue_families(
            "inbound_events", "Stored webhook events", INBOUND_WATCHED, self.queues.inbound, self.queues.now
        )


def _queue_families(
    name: str, what: str, statuses: Iterable[str], states: dict[str, QueueState], now: datetime
) -> Iterable[Metric]:
    count = GaugeMetricFamily(f"supportbot_{name}", f"{what} by status", labels=["status"])
    age = GaugeMetricFamily(
        f"supportbot_{name}_oldest_age_seconds",
        f"Age of the oldest of the {what.lower()} in each status (0 when there is none)",
        labels=["status"],
    )
    for status in statuses:
        state = states.get(status, QueueState(0, None))
        count.add_metric([status], float(state.count))
        age.add_metric([status], max((now - state.oldest).total_seconds(), 0.0) if state.oldest else 0.0)
    yield count
    yield age


class _MailboxCollector(Collector):
    """The support mailbox's state at scrape time: a refused login must show on a dashboard, not only in a log."""

    def __init__(self, status: Callable[[], tuple[bool, str]]) -> None:
        self.status = status

    def collect(self) -> Iterable[Metric]:
        ok, state = self.status()
        up = GaugeMetricFamily(
            "supportbot_mailbox_up", "1 while the support mailbox is watched; 0 when its login failed or it is down"
        )
        up.add_metric([], 1.0 if ok else 0.0)
        yield up
        info = GaugeMetricFamily(
            "supportbot_mailbox_state", "The support mailbox's state (1 on the current one)", labels=["state"]
        )
        info.add_metric([state], 1.0)
        yield info


class Metrics:
    def __init__(self, tone_model: str) -> None:
        """`tone_model`: the version of the tone model this process loaded, until a retrained head is in use."""
        self.registry = CollectorRegistry()
        self.webhooks = Counter(
            "supportbot_webhooks_received",
            "Webhook deliveries received, by provider and how they were answered",
            ["provider", "outcome"],
            registry=self.registry,
        )
        self.slack_calls = Counter(
            "supportbot_slack_api_calls",
            "Slack Web API calls made to post and update messages, by method and outcome (rate_limited: HTTP 429)",
            ["method", "outcome"],
            registry=self.registry,
        )
        self.actions = Counter(
            "supportbot_actions",
            "Audited actions and refusals, by action and outcome",
            ["action", "outcome"],
            registry=self.registry,
        )
        self.tone_verdicts = Counter(
            "supportbot_tone_verdicts",
            "Customer messages classified, by tone",
            ["tone"],
            registry=self.registry,
        )
        # Which tone model judged the verdicts counted above: a rebuilt model, or the team's head retrained on
        # their corrections ("<shipped>+head.<n>"), shows as a new version.
        self.tone_model = Info("supportbot_tone_model", "The tone model in use", registry=self.registry)
        self.tone_model_in_use(tone_model)
        self._queues = _QueueCollector()
        self.registry.register(self._queues)
        # Every series that can appear starts at 0, so a rate() over a fresh process is not blind.
        # ... and each webhook's counter is kept at hand: labels() takes a lock and builds its key every time.
        self._webhook_counts = {
            (provider, outcome): self.webhooks.labels(provider, outcome)
            for provider in PROVIDERS
            for outcome in (*WebhookOutcome, *Rejection)
        }
        for method in SLACK_METHODS:
            for slack_outcome in SlackOutcome:
                self.slack_calls.labels(method, slack_outcome)
        for tone in TONES:
            self.tone_verdicts.labels(tone)

    def tone_model_in_use(self, version: str) -> None:
        self.tone_model.info({"version": version})

    def watch_mailbox(self, status: Callable[[], tuple[bool, str]]) -> None:
        """Report the mailbox watcher's (ok, state) on every scrape."""
        self.registry.register(_MailboxCollector(status))

    def webhook(self, provider: str, outcome: str) -> None:
        counter = self._webhook_counts.get((provider, outcome))
        (counter or self.webhooks.labels(provider, outcome)).inc()

    def slack_call(self, method: str, outcome: SlackOutcome) -> None:
        self.slack_calls.labels(method, outcome).inc()

    def exposition(self, queues: Queues | None, accept: str | None) -> tuple[bytes, str]:
        """(body, content type) for one scrape; `queues` None when the database could not be read."""
        encode, content_type = choose_encoder(accept or "")
        self._queues.queues, self._queues.database_up = queues, queues is not None
        try:
            return encode(self.registry), content_type
        finally:
            self._queues.queues = self._queues.database_up = None


# -- counting from code that has no handle on the runtime -----------------------------------------------------

_bound: ContextVar[Metrics | None] = ContextVar("supportbot_metrics", default=None)


def bound_context(metrics: Metrics) -> Context:
    """A copy of the current context in which `metrics` counts; give it to each task the runtime starts."""
    context = copy_context()
    context.run(_bound.set, metrics)
    return context


def bind(metrics: Metrics) -> Token[Metrics | None]:
    """Count into `metrics` in the current context (one request's task) until `unbind`."""
    return _bound.set(metrics)


def unbind(token: Token[Metrics | None]) -> None:
    _bound.reset(token)


def count_action(session: AsyncSession, action: str, outcome: str) -> None:
    """Count an audited action once the transaction that records it commits."""
    _on_commit(session, lambda metrics: metrics.actions.labels(action, outcome).inc())


def count_tone(session: AsyncSession, tone: str) -> None:
    """Count a tone verdict once the transaction that stores it commits."""
    _on_commit(session, lambda metrics: metrics.tone_verdicts.labels(tone).inc())


def _on_commit(session: AsyncSession, count: Callable[[Metrics], None]) -> None:
    metrics = _bound.get()
    if metrics is None:  # a command-line tool or a test calling the code directly: nothing to report to
        return
    # A transaction retried after a deadlock, or rolled back, must not count what it never recorded.
    event.listen(session.sync_session, "after_commit", lambda _session: count(metrics), once=True)
