"""What each observation of `supportbot doctor` means: passed, failed (with the one fix to make) or skipped.

No I/O here: every function takes what was configured or what a probe learned, and returns `Check`s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from pydantic import SecretStr

from bot.config.problems import SETTING_GROUPS, Problem
from bot.config.settings import ENV_PREFIX, PAYPAL_LIVE_API_BASE, Settings
from bot.config.slack_scopes import BOT_SCOPES
from bot.core.errors import ProviderError
from bot.integrations.imap import FolderState, MailboxLoginError
from bot.integrations.probes import (
    Failure,
    ProbeError,
    SchemaState,
    SlackChannel,
    SlackIdentity,
    StripeAccount,
)

# oauth_config.scopes.bot of manifest.yaml; a test keeps the two the same.
MANIFEST_BOT_SCOPES = BOT_SCOPES
# Each channel's setting, in the order the checklist shows them, and what happens while it is unset.
CHANNEL_SETTINGS = {
    "channel_sales": "sales and refunds are recorded, not posted",
    "channel_support": "tickets are recorded, not posted",
    "channel_disputes": "disputes go to the sales channel",
    "channel_oncall": "no alerts out of hours",
}
_SLACK_XOXB_FIX = (
    "copy the Bot User OAuth Token (xoxb-…) from api.slack.com/apps → your app → OAuth & Permissions "
    "into SUPPORTBOT_SLACK_BOT_TOKEN (install the app to the workspace first if there is none)"
)
_MIGRATE_FIX = "run `supportbot migrate` (back up the database first: see docs/setup.md)"


class Status(StrEnum):
    OK = "✓"
    FAILED = "✗"
    SKIPPED = "–"


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str | None = None


def passed(name: str, detail: str) -> Check:
    return Check(name, Status.OK, detail)


def failed(name: str, detail: str, fix: str) -> Check:
    return Check(name, Status.FAILED, detail, fix)


def skipped(name: str, detail: str) -> Check:
    return Check(name, Status.SKIPPED, detail)


def env(name: str) -> str:
    return f"{ENV_PREFIX}{name.upper()}"


def is_set(settings: Settings, name: str) -> bool:
    value = getattr(settings, name)
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return value is not None and value != ""


# -- configuration ----------------------------------------------------------------------------------------------


def configuration_unreadable(error: str) -> Check:
    return failed("configuration", error, "correct it in .env or the environment; .env.example lists every setting")


def setting_refused(problem: Problem) -> Check:
    """A setting start-up refuses; the doctor checks the rest as if it were not set."""
    return failed(
        problem.setting or "configuration",
        problem.what,
        problem.fix or "correct it in .env or the environment; .env.example lists every setting",
    )


def configuration(settings: Settings, refused: frozenset[str] = frozenset()) -> list[Check]:
    """The settings each enabled part needs, as far as they can be judged without asking anyone.

    `refused` names the settings start-up refused (each already a ✗ of its own), read here as unset."""
    checks = [] if refused else [passed("configuration", "settings read from the environment and .env")]
    if refused & {"slack_bot_token", "slack_signing_secret", "slack_app_token"}:
        pass
    elif not is_set(settings, "slack_bot_token"):
        checks.append(failed("Slack settings", "SUPPORTBOT_SLACK_BOT_TOKEN is not set", _SLACK_XOXB_FIX))
    elif not (is_set(settings, "slack_signing_secret") or is_set(settings, "slack_app_token")):
        checks.append(
            failed(
                "Slack settings",
                "neither SUPPORTBOT_SLACK_SIGNING_SECRET nor SUPPORTBOT_SLACK_APP_TOKEN is set",
                "for `supportbot serve` copy the Signing Secret (Basic Information → App Credentials) into "
                "SUPPORTBOT_SLACK_SIGNING_SECRET; for `supportbot socket` set SUPPORTBOT_SLACK_APP_TOKEN (xapp-…)",
            )
        )
    if "stripe_webhook_secret" in refused:
        pass
    elif is_set(settings, "stripe_api_key") and not is_set(settings, "stripe_webhook_secret"):
        checks.append(
            failed(
                "Stripe settings",
                "SUPPORTBOT_STRIPE_WEBHOOK_SECRET is not set: /webhooks/stripe answers 503, Stripe sales do not arrive",
                "add the webhook endpoint in Stripe (docs/setup.md) and copy its signing secret (whsec_…) "
                "into SUPPORTBOT_STRIPE_WEBHOOK_SECRET",
            )
        )
    if not any(is_set(settings, name) or name in refused for name in CHANNEL_SETTINGS):
        checks.append(
            failed(
                "channels",
                "no channel is set: events are recorded but nothing is posted",
                "set SUPPORTBOT_CHANNEL_SALES and SUPPORTBOT_CHANNEL_SUPPORT (and _DISPUTES, _ONCALL) to channel ids",
            )
        )
    return checks + webhooks(settings)


def webhooks(settings: Settings) -> list[Check]:
    """Which webhook endpoints can verify what they receive; the others answer 503 so nothing is lost meanwhile."""
    endpoints = (
        ("Stripe webhook", "/webhooks/stripe", ("stripe_webhook_secret",)),
        ("PayPal webhook", "/webhooks/paypal", SETTING_GROUPS[0][1]),
        ("tickets webhook", "/webhooks/tickets", ("tickets_webhook_secret",)),
    )
    return [
        passed(name, f"{path} verifies deliveries")
        if all(is_set(settings, setting) for setting in settings_needed)
        else not_configured(name, f"{path} answers 503")
        for name, path, settings_needed in endpoints
    ]


# -- database ---------------------------------------------------------------------------------------------------


def database(state: SchemaState | ProbeError) -> Check:
    name = "database"
    if isinstance(state, ProbeError):
        if state.failure is Failure.REFUSED:
            return failed(name, state.detail, "set SUPPORTBOT_DATABASE_URL as the README's Configuration shows")
        return failed(
            name,
            state.detail,
            "check SUPPORTBOT_DATABASE_URL (host, port, user, password, database; for SQLite the path) "
            "and that the database server is running and reachable from here",
        )
    where = f"{state.backend} {state.where}"
    if not state.exists:
        return failed(name, f"{where} does not exist yet", "run `supportbot migrate` to create it")
    if state.current == state.head:
        return passed(name, f"{where}, schema at {state.head} (current)")
    if state.current is None:
        return failed(name, f"{where} has no schema yet", "run `supportbot migrate` to create it")
    if not state.known:
        return failed(
            name,
            f"{where} is at schema {state.current}, which a newer release of supportbot made",
            f"run that newer release (this one needs {state.head}; schemas are not downgraded)",
        )
    return failed(name, f"{where} is at schema {state.current}, this release needs {state.head}", _MIGRATE_FIX)


def quarantined_events(state: SchemaState) -> Check:
    """Webhook events that could never be applied: each wants a person to look at it at the provider."""
    name = "webhook events"
    if not state.quarantined_total:
        return passed(name, "none set aside as unusable")
    listed = "; ".join(
        f"{event.provider} {event.event_id} ({event.event_type}"
        + (f", {event.quarantined_at:%Y-%m-%d %H:%M} UTC" if event.quarantined_at else "")
        + f"): {event.reason or 'no reason recorded'}"
        for event in state.quarantined
    )
    more = state.quarantined_total - len(state.quarantined)
    count = "1 event" if state.quarantined_total == 1 else f"{state.quarantined_total} events"
    return failed(
        name,
        f"{count} set aside as unusable (quarantined): {listed}" + (f"; and {more} more" if more else ""),
        "look each one up by its id at the provider (or the help desk) and fix its cause there or in the bot; "
        "then `supportbot events retry PROVIDER EVENT_ID` applies it again",
    )


# -- Slack ------------------------------------------------------------------------------------------------------


def slack_token(identity: SlackIdentity | ProbeError) -> Check:
    name = "Slack bot token"
    if isinstance(identity, SlackIdentity):
        return passed(name, f"accepted: @{identity.bot_name} in {identity.team or 'the workspace'}")
    if identity.code == "not_allowed_token_type":
        return failed(
            name,
            "Slack answered not_allowed_token_type: this is not a bot token",
            "SUPPORTBOT_SLACK_BOT_TOKEN takes the bot token (xoxb-…), not an app-level (xapp-…) or user token",
        )
    if identity.failure is Failure.REFUSED:
        return failed(name, f"{identity.detail}: the token is wrong, revoked or from another app", _SLACK_XOXB_FIX)
    return _unanswered(name, identity, "Slack", "SUPPORTBOT_SLACK_API_URL", "https://slack.com/api/")


def slack_scopes(identity: SlackIdentity, wanted: Sequence[str] = MANIFEST_BOT_SCOPES) -> Check:
    name = "Slack scopes"
    if identity.scopes is None:
        return skipped(name, "Slack did not say which scopes the token has")
    missing = [scope for scope in wanted if scope not in identity.scopes]
    if not missing:
        return passed(name, f"all {len(wanted)} bot scopes of manifest.yaml granted")
    listed = ", ".join(missing)
    return failed(
        name,
        f"the token lacks {listed}",
        f"add {listed} under OAuth & Permissions → Bot Token Scopes (or update the app from manifest.yaml), "
        "then reinstall the app to the workspace",
    )


def slack_app_token(outcome: ProbeError | None) -> Check:
    name = "Slack app token"
    if outcome is None:
        return passed(name, "accepted for Socket Mode (`supportbot socket`)")
    fix = (
        "create an app-level token with the connections:write scope (Basic Information → App-Level Tokens) "
        "and put it (xapp-…) in SUPPORTBOT_SLACK_APP_TOKEN; Socket Mode must be on (Settings → Socket Mode)"
    )
    if outcome.failure is Failure.REFUSED:
        return failed(name, outcome.detail, fix)
    return _unanswered(name, outcome, "Slack", "SUPPORTBOT_SLACK_API_URL", "https://slack.com/api/")


def slack_channel(setting: str, channel_id: str, channel: SlackChannel | ProbeError, bot_name: str) -> Check:
    name = f"channel {channel_id} ({env(setting)})"
    if isinstance(channel, ProbeError):
        if channel.code == "missing_scope":
            return failed(name, "the token may not read channels", "grant channels:read and groups:read (see above)")
        if channel.code == "channel_not_found":
            return failed(
                name,
                "Slack knows no such channel that the bot can see",
                f"set {env(setting)} to the channel's id (channel details → at the bottom, e.g. C0123456789), "
                f"not its name; for a private channel first invite the bot there: /invite @{bot_name}",
            )
        if channel.failure is Failure.REFUSED:
            return failed(name, channel.detail, f"check {env(setting)}")
        return _unanswered(name, channel, "Slack", "SUPPORTBOT_SLACK_API_URL", "https://slack.com/api/")
    if channel.is_archived:
        fix = f"unarchive #{channel.name} or set {env(setting)} to another channel"
        return failed(name, f"#{channel.name} is archived", fix)
    if not channel.is_member:
        return failed(
            name, f"the bot is not in #{channel.name}", f"invite the bot: /invite @{bot_name} in #{channel.name}"
        )
    return passed(name, f"#{channel.name}, the bot is a member")


# -- payments ---------------------------------------------------------------------------------------------------


def stripe_key(account: StripeAccount | ProbeError, *, live: bool) -> Check:
    name = "Stripe API key"
    mode = "live mode" if live else "test mode"
    if isinstance(account, StripeAccount):
        if account.restricted:
            return passed(name, f"accepted ({mode}, a restricted key)")
        return passed(name, f"accepted ({mode}{', ' + account.name if account.name else ''})")
    if account.failure is Failure.REFUSED:
        return failed(
            name,
            account.detail,
            "copy a secret key (sk_…) or a restricted key with write access to refunds (rk_…) from "
            "dashboard.stripe.com/apikeys into SUPPORTBOT_STRIPE_API_KEY",
        )
    return _unanswered(name, account, "Stripe", "SUPPORTBOT_STRIPE_API_BASE", "https://api.stripe.com")


def paypal_credentials(outcome: ProbeError | None, *, api_base: str) -> Check:
    name = "PayPal credentials"
    mode = "live" if api_base.rstrip("/") == PAYPAL_LIVE_API_BASE else "sandbox" if "sandbox" in api_base else api_base
    if outcome is None:
        return passed(name, f"accepted ({mode})")
    if outcome.failure is Failure.REFUSED:
        return failed(
            name,
            f"{outcome.detail} ({mode})",
            "copy the Client ID and Secret of your REST app (developer.paypal.com → Apps & Credentials) into "
            "SUPPORTBOT_PAYPAL_CLIENT_ID and SUPPORTBOT_PAYPAL_CLIENT_SECRET; sandbox credentials need "
            "SUPPORTBOT_PAYPAL_API_BASE=sandbox, live ones live",
        )
    return _unanswered(name, outcome, "PayPal", "SUPPORTBOT_PAYPAL_API_BASE", "live or sandbox")


def mailbox(outcome: FolderState | ProviderError, settings: Settings) -> Check:
    """The support mailbox's login and folder, as the watcher will see them."""
    name = "support mailbox"
    where = f"{settings.imap_user} at {settings.imap_host}:{settings.imap_port}"
    if isinstance(outcome, FolderState):
        return passed(name, f"{where}: folder {settings.imap_folder!r} opened (read-only)")
    if isinstance(outcome, MailboxLoginError):
        return failed(
            name,
            outcome.reason,
            "set SUPPORTBOT_IMAP_PASSWORD to a current password; Gmail and Microsoft 365 need an app password "
            "(see docs/setup.md, 'A support mailbox')",
        )
    return failed(
        name,
        f"{where}: {outcome.reason}",
        "check SUPPORTBOT_IMAP_HOST, _PORT (993 for tls, 143 for starttls or none), _TLS and _FOLDER",
    )


def not_configured(name: str, consequence: str) -> Check:
    return skipped(name, f"not configured ({consequence})")


def skipped_after(name: str, cause: str) -> Check:
    return skipped(name, f"not checked: {cause}")


def _unanswered(name: str, error: ProbeError, service: str, setting: str, usual: str) -> Check:
    if error.failure is Failure.TIMEOUT:
        fix = f"check this machine's network and {setting} ({usual}); SUPPORTBOT_PROVIDER_TIMEOUT_SECONDS sets the wait"
    elif error.failure is Failure.UNREACHABLE:
        fix = f"check this machine's network, proxy and firewall, and {setting} ({usual})"
    else:
        fix = f"{service} had a problem: try again in a few minutes"
    return failed(name, error.detail, fix)


# -- the checklist ----------------------------------------------------------------------------------------------


def exit_code(checks: Sequence[Check]) -> int:
    return 1 if any(check.status is Status.FAILED for check in checks) else 0


def render(checks: Sequence[Check]) -> str:
    lines = []
    for check in checks:
        lines.append(f"{check.status} {check.name}: {check.detail}")
        if check.fix:
            lines.append(f"    fix: {check.fix}")
    problems = sum(check.status is Status.FAILED for check in checks)
    if problems:
        counted = "1 problem: fix it" if problems == 1 else f"{problems} problems: fix them"
        lines.append(f"{counted}, then run `supportbot doctor` again.")
    else:
        lines.append("Everything configured works.")
    return "\n".join(lines) + "\n"
