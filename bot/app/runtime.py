"""Wiring: build the collaborators from settings, serve the web app, run the background workers."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import datetime
from typing import Any

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.actions.steps import Steps
from bot.actions.worker import ActionWorker
from bot.app.collaborators import mailbox_watcher, offered, paypal_client
from bot.app.settled import work_left
from bot.app.slack_app import build_slack_app
from bot.buyers.worker import BuyerSearch
from bot.cards.render import CardDrawer
from bot.cards.subjects import Drawing
from bot.config.settings import Settings
from bot.core.clock import Clock, SystemClock
from bot.handlers import desk_webhooks, webhooks
from bot.handlers.deps import Deps
from bot.handlers.doors import MAX_BODY_BYTES
from bot.handlers.metrics import handle_metrics
from bot.handlers.request_context import request_context
from bot.handlers.slack_events import slack_endpoint
from bot.home.publisher import HomePublisher
from bot.home.snapshot import HomeSettings
from bot.inbound.apply import Applier
from bot.inbound.ingest import InboundLog
from bot.inbound.processor import EventProcessor, LookUp, Parser
from bot.integrations import paypal_webhooks, stripe_webhooks, tickets_webhooks
from bot.integrations.desk_events import freescout, freshdesk, helpscout, zendesk
from bot.integrations.freshdesk import FreshdeskDesk
from bot.integrations.paypal_buyers import PayPalBuyers
from bot.integrations.paypal_verification import PayPalVerification
from bot.integrations.providers import Providers, build_providers
from bot.integrations.slack import SlackPoster, SlackResponseUrls
from bot.integrations.slack_people import SlackPeople
from bot.integrations.zendesk import ZendeskDesk
from bot.mailbox import events as mailbox_events
from bot.mailbox.store import MailStore, MailThreads
from bot.observability.metrics import Metrics, bound_context
from bot.oncall.action_paging import ActionPaging
from bot.oncall.alerts import OnCall
from bot.oncall.card_facts import OnCallCardFacts
from bot.oncall.timers import Timers
from bot.outbox.pacing import Pacer
from bot.outbox.trouble import DeliveryTrouble, channel_settings
from bot.outbox.worker import OutboxWorker
from bot.policies.routing import Channels, DigestRules
from bot.privacy.retention import Retention
from bot.storage.db import Database
from bot.tone import model_version
from bot.tone.card_facts import ToneCardFacts
from bot.tone.nightly import NightlyRetraining

log = logging.getLogger(__name__)

# How long actions and Slack messages in flight get to finish when the bot is stopped (they run side by side).
WORK_GRACE_SECONDS = 4.0
# How long cancelled work then gets to leave: a task leaves at its next await, so this is a bound, not a wait.
CANCEL_GRACE_SECONDS = 2.0

SLACK_TIMEOUT_SECONDS = 10


class Runtime:
    """One running bot: its database, its Slack client, and the workers that apply events and post them."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        lease_seconds: float | None = None,
        poll_seconds: float = 1.0,
        digest_rules: DigestRules | None = None,
        pacer: Pacer | None = None,
        backoff_base: float = 2.0,
        providers: Providers | None = None,
        action_lease_seconds: float = 120.0,
    ):
        self.settings = settings
        self.clock = clock or SystemClock()
        self.metrics = Metrics(tone_model=model_version())
        self.db = Database(settings.database_url)
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        self.slack = AsyncWebClient(token=token, base_url=settings.slack_api_url, timeout=SLACK_TIMEOUT_SECONDS)
        self.paypal = paypal_client(settings)
        self.paypal_verification = PayPalVerification(self.paypal.verify_webhook) if self.paypal else None
        self.providers = providers or build_providers(settings, self.paypal, self.clock)
        if self.providers.people is None:
            self.providers.people = SlackPeople(self.slack)
        channels = Channels(
            settings.channel_sales,
            settings.channel_support,
            settings.channel_disputes,
            settings.channel_oncall,
        )
        self.outbox = OutboxWorker(
            self.db,
            SlackPoster(self.slack, self.metrics),
            self.clock,
            CardDrawer(
                Drawing(
                    OnCallCardFacts(settings.response_targets),
                    ToneCardFacts(),
                    offered(self.providers),
                    settings.risk_thresholds,
                    settings.currency,
                )
            ),
            lease_seconds=lease_seconds or settings.outbox_lease_seconds,
            poll_seconds=poll_seconds,
            digest_rules=digest_rules,
            pacer=pacer,
            backoff_base=backoff_base,
            trouble=DeliveryTrouble(self.clock.monotonic, channel_settings(asdict(channels))),
        )
        self.oncall = OnCall(channels.oncall, settings.rotation, settings.owners, settings.escalation)
        self.home = HomePublisher(
            self.db,
            self.clock,
            SlackPoster(self.slack, self.metrics),
            HomeSettings(
                owners=settings.owners,
                agents=settings.agents,
                hours=settings.hours,
                targets=settings.response_targets,
                rotation=settings.rotation,
                currency=settings.currency,
                risk=settings.risk_thresholds,
            ),
            debounce_seconds=min(2.0, poll_seconds),
        )
        # Who paid for a PayPal sale whose webhook named nobody; None without PayPal API credentials.
        self.buyer_search = (
            BuyerSearch(
                self.db, self.clock, PayPalBuyers(self.paypal), channels, self._shown_changed, poll_seconds=poll_seconds
            )
            if self.paypal is not None
            else None
        )
        self.processor = EventProcessor(
            self.db,
            Applier(
                channels,
                self.oncall,
                settings.hours,
                settings.response_targets,
                settings.big_refund_rule,
                find_buyers=self.paypal is not None,
            ),
            self._parsers(),
            self.clock,
            on_applied=self._applied,
            load=lambda: self.inbound.load(),
            poll_seconds=poll_seconds,
            alert_channel=channels.oncall,
            lookups=self._lookups(),
        )
        self.inbound = InboundLog(self.db, self.clock, on_stored=self.processor.wake)
        self.mailbox = mailbox_watcher(settings, MailStore(self.db), self.clock, self.processor.wake)
        if self.mailbox is not None:
            watcher = self.mailbox
            self.metrics.watch_mailbox(lambda: (watcher.status.ok, watcher.status.state))
        self.timers = Timers(
            self.db,
            self.clock,
            self.oncall,
            channels,
            settings.hours,
            self._shown_changed,
            targets=settings.response_targets,
            poll_seconds=poll_seconds,
            on_actions=lambda: self.actions.wake(),
            chart=self.home.chart,
        )
        self.actions = ActionWorker(
            self.db,
            self.clock,
            Steps(self.providers, MailThreads(), ActionPaging()),
            channels,
            requesters=SlackResponseUrls(),
            lease_seconds=action_lease_seconds,
            poll_seconds=poll_seconds,
            backoff_base=backoff_base,
            call_timeout=settings.provider_timeout_seconds * 4,
            on_recorded=self._shown_changed,
        )
        self.deps = Deps(
            settings=settings,
            clock=self.clock,
            db=self.db,
            inbound=self.inbound,
            slack=self.slack,
            paypal=self.paypal,
            channels=channels,
            providers=self.providers,
            wake_actions=self.actions.wake,
            wake_outbox=self._shown_changed,
            open_home=self.home.opened,
            mailbox=self.mailbox,
        )
        # Erases old message bodies now and then; off (None) while SUPPORTBOT_RETENTION_DAYS is 0.
        self.retention = Retention(self.db, self.clock, settings.retention_days) if settings.retention_days else None
        # Retrains the team's tone head each night there are new corrections; off (None) by setting.
        hour = settings.tone_retrain_hour
        self.tone_retraining = NightlyRetraining(self.db, self.clock, settings.zone, hour) if hour is not None else None
        self._tasks: list[asyncio.Task[None]] = []

    def _shown_changed(self) -> None:
        """Something new to show: cards and threads go out now, Home tabs are redrawn after a short pause."""
        self.outbox.wake()
        self.home.wake()

    def _applied(self) -> None:
        """Events were applied: show what they changed, and look at once for the buyers of new PayPal sales."""
        self._shown_changed()
        if self.buyer_search is not None:
            self.buyer_search.wake()

    def _lookups(self) -> dict[str, LookUp]:
        """Desks whose events need their API before they can be applied: Zendesk names people by id only, and a
        Freshdesk delivery only which ticket changed."""
        found: dict[str, LookUp] = {}
        for source in (zendesk.SOURCE, freshdesk.SOURCE):
            desk = self.providers.desks.get(source)
            if isinstance(desk, ZendeskDesk | FreshdeskDesk):
                found[source] = desk.lookup
        return found

    def _parsers(self) -> dict[str, Parser]:
        sandbox = "sandbox" in self.settings.paypal_api_base

        def paypal(event: dict[str, Any], received_at: datetime) -> list[Any]:
            return paypal_webhooks.parse_event(event, received_at, sandbox=sandbox)

        return {
            "stripe": stripe_webhooks.parse_event,
            "paypal": paypal,
            "tickets": tickets_webhooks.parse_event,
            "mailbox": mailbox_events.parse_event,
            helpscout.SOURCE: helpscout.parse_event,
            freescout.SOURCE: freescout.parse_event,
            zendesk.SOURCE: zendesk.parse_event,
            freshdesk.SOURCE: freshdesk.parse_event,
        }

    async def start(self, *, create_schema: bool = True) -> None:
        await self.db.ensure_schema(create_if_new=create_schema)
        # Each worker runs in a context where what it audits and judges counts into this runtime's metrics.
        self._tasks = [
            asyncio.create_task(_supervised(name, run), name=name, context=bound_context(self.metrics))
            for name, run in (
                ("events", self.processor.run),
                ("outbox", self.outbox.run),
                ("actions", self.actions.run),
                ("timers", self.timers.run),
                ("home", self.home.run),
            )
        ]
        if self.buyer_search is not None:
            self._tasks.append(
                asyncio.create_task(
                    _supervised("buyers", self.buyer_search.run), name="buyers", context=bound_context(self.metrics)
                )
            )
        if self.retention is not None:
            self._tasks.append(asyncio.create_task(_supervised("retention", self.retention.run), name="retention"))
        if self.mailbox is not None:
            self._tasks.append(asyncio.create_task(_supervised("mailbox", self.mailbox.run), name="mailbox"))
        if self.tone_retraining is not None:
            retraining = self.tone_retraining.run
            self._tasks.append(asyncio.create_task(_supervised("tone-retrain", retraining), name="tone-retrain"))

    async def stop(self) -> None:
        """Stop within WORK_GRACE_SECONDS and a moment: intake first, then work in flight, then the loops.

        Bounded because Docker and Kubernetes kill 10 s after SIGTERM (less the HTTP drain before this). What is
        cut short loses nothing: a claimed event, message or action is taken up again on the next start, under
        the same idempotency key.
        """
        if self.mailbox is not None:
            await self.mailbox.stop()
        await self.processor.stop()
        if self.buyer_search is not None:
            await self.buyer_search.stop()
        # The mailbox's blocking IMAP wait notices the stop within a second and logs out; cancelling it instead
        # would close its connection under a thread still using it.
        leaving = [task for task in self._tasks if task.get_name() == "mailbox"]
        parts: list[Awaitable[object]] = [
            self.actions.stop(WORK_GRACE_SECONDS, CANCEL_GRACE_SECONDS),
            self.outbox.stop(WORK_GRACE_SECONDS, CANCEL_GRACE_SECONDS),
            self.home.stop(),
        ]
        if leaving:
            parts.append(asyncio.wait(leaving, timeout=WORK_GRACE_SECONDS))
        stopped = await asyncio.gather(*parts, return_exceptions=True)
        # One part failing to stop must not keep the rest, and the database's connections, open.
        for failure in (outcome for outcome in stopped if isinstance(outcome, Exception)):
            log.error("stopping: %s", failure, exc_info=failure)
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            _ended, stuck = await asyncio.wait(self._tasks, timeout=WORK_GRACE_SECONDS)
            # A worker that does not end when cancelled would hold the stop for ever: name it, with where it
            # waits, and stop without it.
            for task in stuck:
                log.error("stopping: the %s worker did not end when cancelled:\n%s", task.get_name(), _where(task))
        await self.providers.close()
        if self.paypal is not None:
            await self.paypal.close()
        await self.db.dispose()

    async def settled(self) -> bool:
        """Every stored event applied and every message it asked for delivered (for the demo, tests, benchmarks)."""
        if self.buyer_search is not None and self.buyer_search.busy:
            return False
        return await work_left(self.db, self.clock.now()) == 0

    def slack_app(self) -> AsyncApp:
        return build_slack_app(self.deps, self.slack)

    def web_app(self, slack_app: AsyncApp | None = None) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[request_context])
        app[webhooks.DEPS] = self.deps
        app[webhooks.METRICS] = self.metrics
        app[webhooks.DELIVERY] = self.outbox.trouble
        if self.paypal_verification is not None:
            app[webhooks.PAYPAL_VERIFICATION] = self.paypal_verification
        app.router.add_post("/webhooks/stripe", webhooks.handle_stripe_webhook)
        app.router.add_post("/webhooks/paypal", webhooks.handle_paypal_webhook)
        app.router.add_post("/webhooks/tickets", webhooks.handle_tickets_webhook)
        app.router.add_post("/webhooks/helpscout", desk_webhooks.handle_helpscout_webhook)
        app.router.add_post("/webhooks/freescout", desk_webhooks.handle_freescout_webhook)
        app.router.add_post("/webhooks/zendesk", desk_webhooks.handle_zendesk_webhook)
        app.router.add_post("/webhooks/freshdesk", desk_webhooks.handle_freshdesk_webhook)
        app.router.add_get("/healthz", webhooks.handle_healthz)
        app.router.add_get("/metrics", handle_metrics)
        if slack_app is not None:
            signing = self.settings.slack_signing_secret
            secret = signing.get_secret_value() if signing else None
            app.router.add_post(
                "/slack/events", slack_endpoint(slack_app, secret, wall_clock=lambda: self.clock.now().timestamp())
            )
        return app


async def _supervised(name: str, run: Callable[[], Awaitable[None]]) -> None:
    """Keep a worker alive: an unexpected error is logged and the worker restarted, never silently gone."""
    while True:
        try:
            await run()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s worker crashed; restarting in 1 s", name)
            await asyncio.sleep(1)


def _where(task: asyncio.Task[Any]) -> str:
    """Where a task waits, as a traceback's lines."""
    lines = io.StringIO()
    task.print_stack(file=lines)
    return lines.getvalue()
