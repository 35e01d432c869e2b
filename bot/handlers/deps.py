"""The bot's long-lived collaborators, built once at start-up and handed to every handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from slack_sdk.web.async_client import AsyncWebClient

from bot.actions.approvals import ApprovalDesk
from bot.config.settings import Settings
from bot.core.clock import Clock
from bot.inbound.ingest import InboundLog
from bot.integrations.paypal import PayPalClient
from bot.integrations.providers import Providers
from bot.policies.routing import Channels, Topic, channel_for
from bot.storage.db import Database

if TYPE_CHECKING:
    from bot.mailbox.watcher import MailboxWatcher


@dataclass(frozen=True)
class Deps:
    settings: Settings
    clock: Clock
    db: Database
    inbound: InboundLog
    slack: AsyncWebClient
    paypal: PayPalClient | None
    channels: Channels
    providers: Providers
    wake_actions: Callable[[], None]  # a new action is recorded: carry it out now, not at the next poll
    wake_outbox: Callable[[], None]  # something new to show in Slack: post it now, not at the next poll
    open_home: Callable[[str], Awaitable[None]]  # a person opened the Home tab: draw it for them now
    mailbox: MailboxWatcher | None = None  # the support mailbox's watcher, when SUPPORTBOT_IMAP_HOST is set

    @property
    def approvals(self) -> ApprovalDesk:
        """Which refunds wait for a second owner, and where their cards go: the sales channel, where refunds
        are told and the owners already look."""
        return ApprovalDesk(self.settings.refund_approval_rule, channel_for(Topic.SALE, self.channels))
