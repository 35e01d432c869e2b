"""The bot's own exceptions: foreign errors are translated into these at the boundary."""

from __future__ import annotations


class BotError(Exception):
    """Base of every error the bot raises on purpose; its message is safe to show a person."""


class ConfigError(BotError):
    """A setting is missing or invalid; start-up stops with this one line."""


class UsageError(BotError):
    """A person gave a command something it cannot use."""


class PermissionDeniedError(BotError):
    """A Slack user tried something their role does not allow."""


class ProviderError(BotError):
    """An outside service failed. `retryable` tells whether trying again later may succeed."""

    def __init__(self, provider: str, message: str, *, retryable: bool = False, status: int | None = None):
        super().__init__(f"{provider}: {message}")
        self.provider = provider
        self.reason = message
        self.retryable = retryable
        self.status = status


class WebhookRejectedError(BotError):
    """A webhook delivery we refuse; `status` is the HTTP answer the sender gets."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason
