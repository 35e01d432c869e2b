"""Deliveries that keep failing: told once in the log with the channel, its setting and the fix, then at most every
few minutes while they go on, and shown on /healthz until a message to that channel goes through again.

The outbox retries for ever, because most failures pass (Slack down, a timeout). Some need a person (the bot not
invited, a channel id that names nothing, a revoked token): for those, a log line per attempt would bury the one
thing to do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.core.errors import ProviderError

log = logging.getLogger(__name__)

REPEAT_SECONDS = 300.0
_TOKEN_ERRORS = frozenset({"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"})


@dataclass
class _Failing:
    error: str
    since: float
    told: float
    attempts: int = 1


class DeliveryTrouble:
    """What is failing where, by channel. `settings` names the setting of each configured channel id."""

    def __init__(
        self,
        monotonic: Callable[[], float],
        settings: Mapping[str, str] | None = None,
        repeat_seconds: float = REPEAT_SECONDS,
    ):
        self.monotonic = monotonic
        self.settings = dict(settings or {})
        self.repeat_seconds = repeat_seconds
        self._failing: dict[str, _Failing] = {}

    def failed(self, channel: str, error: ProviderError) -> None:
        now = self.monotonic()
        failing = self._failing.get(channel)
        if failing is None or failing.error != error.reason:
            self._failing[channel] = _Failing(error.reason, now, now)
            log.error("outbox: %s; messages to it wait and are retried", self.describe(channel, error.reason))
            return
        failing.attempts += 1
        if now - failing.told >= self.repeat_seconds:
            failing.told = now
            log.error(
                "outbox: still failing after %d attempts in %d min: %s",
                failing.attempts,
                round((now - failing.since) / 60),
                self.describe(channel, error.reason),
            )

    def delivered(self, channel: str) -> None:
        failing = self._failing.pop(channel, None)
        if failing is not None:
            log.info("outbox: posting to %s works again after %d failed attempts", channel, failing.attempts)

    def problems(self) -> list[str]:
        """One sentence per channel that is failing now, for /healthz."""
        return [self.describe(channel, failing.error) for channel, failing in sorted(self._failing.items())]

    def describe(self, channel: str, error: str) -> str:
        setting = self.settings.get(channel)
        where = f"{channel} ({setting})" if setting else channel
        return f"posting to {where} fails: Slack answers {error}; fix: {_fix(error, setting or 'its setting')}"


def channel_settings(channels: Mapping[str, str | None]) -> dict[str, str]:
    """{channel id: "SUPPORTBOT_CHANNEL_SALES"} from {"sales": id, …}; settings sharing one channel are all named."""
    named: dict[str, list[str]] = {}
    for name, channel in channels.items():
        if channel:
            named.setdefault(channel, []).append(f"SUPPORTBOT_CHANNEL_{name.upper()}")
    return {channel: " and ".join(settings) for channel, settings in named.items()}


def _fix(error: str, setting: str) -> str:
    if error == "not_in_channel":
        return f"invite the bot: /invite @supportbot in that channel, or set {setting} to a channel it is in"
    if error == "channel_not_found":
        return (
            f"set {setting} to the id of a channel that exists (channel details → Channel ID); "
            "for a private channel, invite the bot there first"
        )
    if error == "is_archived":
        return f"unarchive the channel, or set {setting} to another one"
    if error in _TOKEN_ERRORS:
        return (
            "Slack refused SUPPORTBOT_SLACK_BOT_TOKEN: copy the Bot User OAuth Token (xoxb-…) from api.slack.com/apps "
            "→ your app → OAuth & Permissions, and restart"
        )
    if error == "missing_scope":
        return "update the Slack app from manifest.yaml and reinstall it (`supportbot doctor` names the scope)"
    return "none if Slack is having trouble: messages go out when it answers; `supportbot doctor` checks the rest"
