"""`supportbot doctor`: read the settings, ask every configured service one question, print the checklist.

The services are asked side by side, each bounded by SUPPORTBOT_PROVIDER_TIMEOUT_SECONDS, so a doctor run
takes about as long as the slowest of them.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.config.settings import Settings, SettingsError, load_settings
from bot.core.errors import ConfigError, ProviderError
from bot.doctor import checks, desks
from bot.doctor.checks import Check
from bot.inbound import quarantine
from bot.integrations import probes
from bot.integrations.imap import FolderState, ImapMailbox
from bot.integrations.paypal import PayPalClient
from bot.integrations.probes import ProbeError


async def run_doctor(settings: Settings | None = None, *, out: TextIO = sys.stdout) -> int:
    """Print the checklist to `out`; 0 when nothing is wrong, 1 otherwise. Settings default to the environment."""
    refused: list[Check] = []
    left_out: frozenset[str] = frozenset()
    if settings is None:
        settings, refused, left_out = _readable_settings()
    found = [*refused, *(await diagnose(settings, refused=left_out) if settings is not None else [])]
    out.write(checks.render(found))
    return checks.exit_code(found)


def _readable_settings() -> tuple[Settings | None, list[Check], frozenset[str]]:
    """The settings; or each refused one as a ✗, and the rest read as if those were unset, to check them too."""
    try:
        return load_settings(), [], frozenset()
    except SettingsError as exc:
        refused = [checks.setting_refused(problem) for problem in exc.problems]
        fields = frozenset(problem.field for problem in exc.problems if problem.field)
        if any(problem.field is None for problem in exc.problems):
            return None, refused, fields  # a check across settings, with no single one to leave out
        try:
            return load_settings(**{name: Settings.model_fields[name].default for name in fields}), refused, fields
        except ConfigError:
            return None, refused, fields


async def diagnose(settings: Settings, *, refused: frozenset[str] = frozenset()) -> list[Check]:
    probe = probes.Probes(settings.provider_timeout_seconds)
    sections = await asyncio.gather(
        _database(settings, probe) if "database_url" not in refused else _refused("database", "database_url"),
        _slack(settings, probe),
        _stripe(settings, probe),
        _paypal(settings, probe),
        _mailbox(settings),
        desks.credentials(settings),
    )
    found = [*checks.configuration(settings, refused), *desks.configured(settings)]
    return [*found, *(check for section in sections for check in section)]


async def _refused(name: str, setting: str) -> list[Check]:
    return [checks.skipped_after(name, f"{checks.env(setting)} is refused above")]


async def _database(settings: Settings, probe: probes.Probes) -> list[Check]:
    try:
        state: probes.SchemaState | ProbeError = await probe.schema_state(settings.database_url, quarantine.quarantined)
    except ProbeError as exc:
        state = exc
    if isinstance(state, ProbeError) or not state.exists or state.current != state.head:
        return [checks.database(state)]
    return [checks.database(state), checks.quarantined_events(state)]


async def _slack(settings: Settings, probes_: probes.Probes) -> list[Check]:
    if settings.slack_bot_token is None or not settings.slack_bot_token.get_secret_value():
        return [checks.skipped_after("Slack", "no bot token")]
    probe = probes_.slack(settings.slack_bot_token.get_secret_value(), api_url=settings.slack_api_url)
    try:
        identity: probes.SlackIdentity | ProbeError = await probe.identity()
    except ProbeError as exc:
        identity = exc
    found = [checks.slack_token(identity)]
    channels = [(name, getattr(settings, name)) for name in checks.CHANNEL_SETTINGS if getattr(settings, name)]
    if isinstance(identity, ProbeError):
        found.append(checks.skipped_after("Slack scopes and channels", "the bot token does not work"))
    else:
        found.append(checks.slack_scopes(identity))
        answers = await asyncio.gather(*(_channel(probe, channel_id) for _, channel_id in channels))
        found += [
            checks.slack_channel(setting, channel_id, answer, identity.bot_name)
            for (setting, channel_id), answer in zip(channels, answers, strict=True)
        ]
    found += [
        checks.not_configured(f"channel ({checks.env(name)})", consequence)
        for name, consequence in checks.CHANNEL_SETTINGS.items()
        if not getattr(settings, name)
    ]
    if settings.slack_app_token is None or not settings.slack_app_token.get_secret_value():
        found.append(checks.not_configured("Slack app token", "needed only by `supportbot socket`"))
    else:
        try:
            await probe.app_token_works(settings.slack_app_token.get_secret_value())
            found.append(checks.slack_app_token(None))
        except ProbeError as exc:
            found.append(checks.slack_app_token(exc))
    return found


async def _channel(probe: probes.SlackProbe, channel_id: str) -> probes.SlackChannel | ProbeError:
    try:
        return await probe.channel(channel_id)
    except ProbeError as exc:
        return exc


async def _stripe(settings: Settings, probe: probes.Probes) -> list[Check]:
    if settings.stripe_api_key is None or not settings.stripe_api_key.get_secret_value():
        return [checks.not_configured("Stripe API key", "Stripe refunds are not offered")]
    key = settings.stripe_api_key.get_secret_value()
    try:
        account: probes.StripeAccount | ProbeError = await probe.stripe_account(key, api_base=settings.stripe_api_base)
    except ProbeError as exc:
        account = exc
    return [checks.stripe_key(account, live="_live_" in key)]


async def _paypal(settings: Settings, probe: probes.Probes) -> list[Check]:
    if not (settings.paypal_client_id and settings.paypal_client_secret):
        return [checks.not_configured("PayPal credentials", "PayPal webhooks and refunds are off")]
    client = PayPalClient(
        client_id=settings.paypal_client_id,
        client_secret=settings.paypal_client_secret.get_secret_value(),
        api_base=settings.paypal_api_base,
        webhook_id=settings.paypal_webhook_id or "",
        timeout=settings.provider_timeout_seconds,
    )
    outcome: ProbeError | None = None
    try:
        await probe.paypal_sign_in(client)
    except ProbeError as exc:
        outcome = exc
    finally:
        await client.close()
    return [checks.paypal_credentials(outcome, api_base=settings.paypal_api_base)]


async def _mailbox(settings: Settings) -> list[Check]:
    if not settings.imap_host:
        return [checks.not_configured("support mailbox", "tickets come only from webhooks")]
    if not (settings.imap_user and settings.imap_password):
        return []  # the configuration check already says what is missing
    mailbox = ImapMailbox(
        settings.imap_host,
        settings.imap_port,
        tls=settings.imap_tls,
        user=settings.imap_user,
        password=settings.imap_password.get_secret_value(),
        timeout=settings.provider_timeout_seconds,
    )

    def look() -> FolderState:
        try:
            mailbox.connect()
            return mailbox.open(settings.imap_folder)  # a harmless read: EXAMINE, nothing marked
        finally:
            mailbox.close()

    try:
        outcome: FolderState | ProviderError = await asyncio.to_thread(look)
    except ProviderError as exc:
        outcome = exc
    return [checks.mailbox(outcome, settings)]
