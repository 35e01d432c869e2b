"""The outside services a person's actions use, chosen by configuration; any of them may be absent."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.clock import Clock, SystemClock
from bot.integrations.contracts import (
    DisputeDesk,
    HelpDeskWriteBack,
    LicenceServer,
    Mailer,
    MailingList,
    PaymentGateway,
)
from bot.integrations.disputes import PayPalDisputes, StripeDisputes
from bot.integrations.email import SmtpMailer
from bot.integrations.helpdesk import SignedCallbackWriteBack
from bot.integrations.licences import KeygenLicences, SignedHttpLicences
from bot.integrations.mailing_lists import KitList, MailchimpList
from bot.integrations.paypal import PayPalClient
from bot.integrations.refunds import PayPalRefunds, StripeRefunds
from bot.settings import Settings


@dataclass
class Providers:
    gateways: dict[str, PaymentGateway] = field(default_factory=dict)  # by payment provider: "stripe", "paypal"
    licences: LicenceServer | None = None
    mailing_list: MailingList | None = None
    helpdesk: HelpDeskWriteBack | None = None
    mailer: Mailer | None = None
    disputes: dict[str, DisputeDesk] = field(default_factory=dict)  # by provider: "stripe", "paypal"

    async def close(self) -> None:
        for provider in (
            *self.gateways.values(),
            *self.disputes.values(),
            self.licences,
            self.mailing_list,
            self.helpdesk,
            self.mailer,
        ):
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
