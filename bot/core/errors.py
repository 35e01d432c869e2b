"""The bot's own exceptions: foreign errors are translated into these at the boundary."""

from __future__ import annotations

from enum import StrEnum


class BotError(Exception):
    """Base of every error the bot raises on purpose; its message is safe to show a person."""


class ConfigError(BotError):
    """A setting is missing or invalid; start-up stops with this one line."""


class DatabaseUnavailableError(Exception):
    """The database cannot be reached or refused the work; a webhook answers 503 so the provider retries."""

    def __init__(self, message: str, reason: str | None = None):
        super().__init__(message)
        self.reason = reason or message  # without the database's address


class UsageError(BotError):
    """A person gave a command something it cannot use."""


# How much of a person's word an error quotes back: enough to recognise it, not a 40,000-character echo.
QUOTED_CHARS = 60


def quoted(word: str) -> str:
    """`word` between quotes for an error message, cut with an ellipsis when it is long."""
    return f"“{cut(word)}”"


def cut(word: str) -> str:
    """`word`, or its start and an ellipsis when it is longer than QUOTED_CHARS."""
    return word if len(word) <= QUOTED_CHARS else word[: QUOTED_CHARS - 1] + "…"


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


class Rejection(StrEnum):
    """Why a webhook delivery was refused, in words a dashboard can group by."""

    MALFORMED = "malformed"
    BAD_SIGNATURE = "bad_signature"
    REPLAYED = "replayed"  # signed, but too long ago (or in the future) to be a fresh delivery
    TOO_LARGE = "too_large"
    BUSY = "busy"  # too many deliveries being verified at once; the sender is asked to come again


class WebhookRejectedError(BotError):
    """A webhook delivery we refuse; `status` is the HTTP answer the sender gets."""

    def __init__(self, status: int, reason: str, kind: Rejection = Rejection.MALFORMED):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.kind = kind


class PayloadError(BotError):
    """A provider's payload, signed and well-formed JSON, that we cannot use or store: an amount that is no amount
    of money, an id longer than any we keep. Permanent: trying it again gives the same answer."""

    def __init__(self, field: str, problem: str):
        super().__init__(f"`{field}` {problem}")
        self.field = field
        self.problem = problem
