"""The outside services a person's actions use, chosen by configuration; any of them may be absent."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.config.settings import Settings
from bot.core.clock import Clock, SystemClock
from bot.integrations.contracts import (
    DeskWriteBack,
    DisputeDesk,
    HelpDeskWriteBack,
    LicenceServer,
    Mailer,
    MailingList,
    PaymentGateway,
    PeopleDirectory,
)
from bot.integrations.disputes import PayPalDisputes, StripeDisputes
from bot.integrations.email import SmtpMailer
from bot.integrations.freescout import FreeScoutDesk
from bot.integrations.freshdesk import FreshdeskDesk
from bot.integrations.helpdesk import SignedCallbackWriteBack
from bot.integrations.helpscout import HelpScoutDesk
from bot.integrations.licences import KeygenLicences, SignedHttpLicences
from bot.integrations.mailing_lists import KitList, MailchimpList
from bot.integrations.paypal import PayPalClient
from bot.integrations.refunds import PayPalRefunds, StripeRefunds
from bot.integrations.zendesk import ZendeskDesk


@dataclass
class Providers:
    gateways: dict[str, PaymentGateway] = field(default_factory=dict)  # by payment provider: "stripe", "paypal"
    licences: LicenceServer | None = None
    mailing_list: MailingList | None = None
    helpdesk: HelpDeskWriteBack | None = None
    mailer: Mailer | None = None
    # Help desks spoken to through their own API, by the `source` of the tickets they sent.
    desks: dict[str, DeskWriteBack] = field(default_factory=dict)
    # Slack users' emails, to find the same person in a desk (set by the runtime, which has the Slack client).
    people: PeopleDirectory | None = None
    disputes: dict[str, DisputeDesk] = field(default_factory=dict)  # by provider: "stripe", "paypal"

    async def close(self) -> None:
        providers = (*self.gateways.values(), self.licences, self.mailing_list, self.helpdesk, self.mailer)
        for provider in (*providers, *self.desks.values(), *self.disputes.values()):
            close = getattr(provider, "close", None)
            if close is not None:
                await close()


def build_providers(settings: Settings, paypal: PayPalClient | None, clock: Clock | None = None) -> Providers:
    """Whatever is configured; a service configured by halves stops start-up naming the missing setting.

    `clock` dates and signs what is sent to the help desk."""
    clock = clock or SystemClock()
    timeout = settings.provider_timeout_seconds
    providers = Providers()
    if settings.stripe_api_key is not None:
        providers.gateways["stripe"] = StripeRefunds(
            settings.stripe_api_key.get_secret_value(), api_base=settings.stripe_api_base, timeout=timeout
        )
        providers.disputes["stripe"] = StripeDisputes(
            settings.stripe_api_key.get_secret_value(), api_base=settings.stripe_api_base, timeout=timeout * 2
        )
    if paypal is not None:
        providers.gateways["paypal"] = PayPalRefunds(paypal)
        providers.disputes["paypal"] = PayPalDisputes(paypal)
    if settings.keygen_account or settings.keygen_token:
        settings.require("keygen_account", "keygen_token", reason="to revoke licences through Keygen")
        assert settings.keygen_account is not None and settings.keygen_token is not None
        providers.licences = KeygenLicences(
            settings.keygen_account,
            settings.keygen_token.get_secret_value(),
            api_base=settings.keygen_api_base,
            action=settings.keygen_action,
            timeout=timeout,
        )
    elif settings.licence_url or settings.licence_secret:
        settings.require("licence_url", "licence_secret", reason="to revoke licences on your licence server")
        assert settings.licence_url is not None and settings.licence_secret is not None
        providers.licences = SignedHttpLicences(
            settings.licence_url, settings.licence_secret.get_secret_value(), timeout=timeout
        )
    if settings.mailchimp_api_key or settings.mailchimp_list_id:
        settings.require("mailchimp_api_key", "mailchimp_list_id", reason="to unsubscribe customers in Mailchimp")
        assert settings.mailchimp_api_key is not None and settings.mailchimp_list_id is not None
        providers.mailing_list = MailchimpList(
            settings.mailchimp_api_key.get_secret_value(),
            settings.mailchimp_list_id,
            api_base=settings.mailchimp_api_base,
            timeout=timeout,
        )
    elif settings.kit_api_key is not None:
        providers.mailing_list = KitList(
            settings.kit_api_key.get_secret_value(), api_base=settings.kit_api_base, timeout=timeout
        )
    if settings.tickets_webhook_secret is not None:
        providers.helpdesk = SignedCallbackWriteBack(
            settings.tickets_webhook_secret.get_secret_value(),
            timeout=timeout,
            allowed_hosts=settings.helpdesk_hosts,
            now=clock.now,
        )
    if settings.imap_host:
        # The watcher itself is built by the runtime; a half-configured mailbox stops start-up here, with the rest.
        settings.require("imap_user", "imap_password", reason="to read the support mailbox")
    providers.desks = build_desks(settings, timeout)
    if settings.smtp_host:
        settings.require("smtp_from", reason="to send replies by email")
        assert settings.smtp_from is not None
        providers.mailer = SmtpMailer(
            settings.smtp_host,
            port=settings.smtp_port,
            tls=settings.smtp_tls,
            username=settings.smtp_user,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            from_address=settings.smtp_from,
            from_name=settings.smtp_from_name,
            timeout=timeout,
        )
    return providers


def build_desks(settings: Settings, timeout: float) -> dict[str, DeskWriteBack]:
    """The help desks the bot may act in, by ticket source; a desk configured by halves stops start-up."""
    desks: dict[str, DeskWriteBack] = {}
    if settings.helpscout_app_id or settings.helpscout_app_secret:
        settings.require("helpscout_app_id", "helpscout_app_secret", reason="to act in Help Scout from Slack")
        assert settings.helpscout_app_id is not None and settings.helpscout_app_secret is not None
        desks["helpscout"] = HelpScoutDesk(
            settings.helpscout_app_id,
            settings.helpscout_app_secret.get_secret_value(),
            api_base=settings.helpscout_api_base,
            timeout=timeout,
        )
    if settings.freescout_url or settings.freescout_api_key:
        settings.require("freescout_url", "freescout_api_key", reason="to act in FreeScout from Slack")
        assert settings.freescout_url is not None and settings.freescout_api_key is not None
        desks["freescout"] = FreeScoutDesk(
            settings.freescout_url, settings.freescout_api_key.get_secret_value(), timeout=timeout
        )
    if settings.zendesk_subdomain or settings.zendesk_email or settings.zendesk_api_token:
        settings.require("zendesk_subdomain", "zendesk_email", "zendesk_api_token", reason="to read and act in Zendesk")
        assert settings.zendesk_email is not None and settings.zendesk_api_token is not None
        desks["zendesk"] = ZendeskDesk(
            settings.zendesk_base_url,
            settings.zendesk_email,
            settings.zendesk_api_token.get_secret_value(),
            timeout=timeout,
        )
    if settings.freshdesk_domain or settings.freshdesk_api_key:
        settings.require("freshdesk_domain", "freshdesk_api_key", reason="to read and act in Freshdesk")
        assert settings.freshdesk_api_key is not None
        desks["freshdesk"] = FreshdeskDesk(
            settings.freshdesk_base_url, settings.freshdesk_api_key.get_secret_value(), timeout=timeout
        )
    return desks
