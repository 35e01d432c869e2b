"""`doctor` on the help desks: which desk webhooks can verify what they get, and whether each desk's write-back
credentials work (one harmless read). A desk none of whose settings is set is not mentioned."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.config.settings import Settings
from bot.core.errors import ConfigError, ProviderError
from bot.doctor.checks import Check, env, failed, is_set, not_configured, passed
from bot.integrations.contracts import DeskWriteBack
from bot.integrations.providers import build_desks


@dataclass(frozen=True)
class Desk:
    source: str
    name: str
    route: str
    webhook_secret: str
    write_back: tuple[str, ...]  # the settings that must all be set to act in the desk
    where: str  # where in the desk the credentials are made


DESKS = (
    Desk(
        "helpscout",
        "Help Scout",
        "/webhooks/helpscout",
        "helpscout_webhook_secret",
        ("helpscout_app_id", "helpscout_app_secret"),
        "Help Scout → Your Profile → My Apps → Create My App",
    ),
    Desk(
        "freescout",
        "FreeScout",
        "/webhooks/freescout",
        "freescout_webhook_secret",
        ("freescout_url", "freescout_api_key"),
        "FreeScout → Manage → API & Webhooks",
    ),
    Desk(
        "zendesk",
        "Zendesk",
        "/webhooks/zendesk",
        "zendesk_webhook_secret",
        ("zendesk_subdomain", "zendesk_email", "zendesk_api_token"),
        "Zendesk Admin Center → Apps and integrations → APIs → Zendesk API",
    ),
    Desk(
        "freshdesk",
        "Freshdesk",
        "/webhooks/freshdesk",
        "freshdesk_webhook_secret",
        ("freshdesk_domain", "freshdesk_api_key"),
        "Freshdesk → your profile picture → Profile settings → Your API Key",
    ),
)


def configured(settings: Settings) -> list[Check]:
    """What can be judged from the settings alone."""
    found: list[Check] = []
    for desk in DESKS:
        names = (desk.webhook_secret, *desk.write_back)
        if not any(is_set(settings, name) for name in names):
            continue
        webhook = f"{desk.name} webhook"
        if is_set(settings, desk.webhook_secret):
            found.append(passed(webhook, f"{desk.route} verifies deliveries"))
        else:
            found.append(not_configured(webhook, f"{desk.route} answers 503; set {env(desk.webhook_secret)}"))
        # Write-back settings given by halves are refused with the settings (SETTING_GROUPS), before this.
        if not any(is_set(settings, name) for name in desk.write_back):
            found.append(not_configured(f"{desk.name} write-back", f"actions in Slack do not reach {desk.name}"))
    return found


async def credentials(settings: Settings) -> list[Check]:
    """Each configured desk asked one harmless question, side by side."""
    try:
        desks = build_desks(settings, settings.provider_timeout_seconds)
    except ConfigError:
        return []  # a desk configured by halves is refused with the settings, and reported there
    by_source = {desk.source: desk for desk in DESKS}
    results = await asyncio.gather(*(_ask(by_source[source], client) for source, client in desks.items()))
    return list(results)


async def _ask(desk: Desk, client: DeskWriteBack) -> Check:
    name = f"{desk.name} credentials"
    try:
        seen = await client.check()
    except ProviderError as exc:
        fix = f"check {', '.join(env(n) for n in desk.write_back)} ({desk.where})"
        if exc.retryable:
            fix = f"{desk.name} did not answer properly: check the network and try again in a few minutes"
        return failed(name, exc.reason, fix)
    finally:
        if (close := getattr(client, "close", None)) is not None:
            await close()
    return passed(name, f"accepted ({seen})")
