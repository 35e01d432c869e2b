"""What the runtime builds from settings beside its workers: the PayPal client, the mailbox watcher, and what the
cards offer for the providers configured."""

from __future__ import annotations

from collections.abc import Callable

from bot.cards.buttons import Offered
from bot.config.settings import Settings
from bot.core.clock import Clock
from bot.integrations.imap import ImapMailbox
from bot.integrations.paypal import PayPalClient
from bot.integrations.providers import Providers
from bot.mailbox.store import MailStore
from bot.mailbox.watcher import MailboxWatcher


def offered(providers: Providers) -> Offered:
    return Offered(
        refund_providers=frozenset(providers.gateways),
        licences=providers.licences is not None,
        mailing_list=providers.mailing_list is not None,
        replies=providers.mailer is not None,
        dispute_providers=frozenset(providers.disputes),
    )


def mailbox_watcher(
    settings: Settings, store: MailStore, clock: Clock, on_stored: Callable[[], None]
) -> MailboxWatcher | None:
    if not settings.imap_host:
        return None
    settings.require("imap_user", "imap_password", reason="to read the support mailbox")
    assert settings.imap_user is not None and settings.imap_password is not None
    host, port, tls, user = settings.imap_host, settings.imap_port, settings.imap_tls, settings.imap_user
    password = settings.imap_password.get_secret_value()

    def connect() -> ImapMailbox:
        return ImapMailbox(host, port, tls=tls, user=user, password=password)

    return MailboxWatcher(
        connect,
        store,
        clock,
        folder=settings.imap_folder,
        backfill_days=settings.imap_backfill_days,
        shop_address=settings.smtp_from,
        on_stored=on_stored,
    )


def paypal_client(settings: Settings) -> PayPalClient | None:
    if not (settings.paypal_client_id and settings.paypal_client_secret and settings.paypal_webhook_id):
        return None
    return PayPalClient(
        client_id=settings.paypal_client_id,
        client_secret=settings.paypal_client_secret.get_secret_value(),
        api_base=settings.paypal_api_base,
        webhook_id=settings.paypal_webhook_id,
        timeout=settings.provider_timeout_seconds,
    )
