"""Log lines: the human format or JSON, each carrying the id of the request it was written for, secrets blanked.

The request id lives in a context variable: the web server sets it for each request, and asyncio copies it
into every task the request starts, so a line written anywhere while handling that request carries it.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any, Literal

LogFormat = Literal["text", "json"]

TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
# Third-party loggers that print request details (and, for paypalrestsdk at DEBUG, credentials).
NOISY_LOGGERS = ("paypalrestsdk", "urllib3", "aiohttp.access", "slack_bolt", "slack_sdk", "alembic")

request_id: ContextVar[str | None] = ContextVar("supportbot_request_id", default=None)

# What a caller may hand us as its request id: a load balancer's or a tracing header's id, nothing to inject.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/+=-]{0,127}")


def accepted_request_id(offered: str | None) -> str:
    """The caller's `X-Request-Id` if it is a plausible id, else a new one."""
    if offered and _SANE_REQUEST_ID.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


# The safety net for secrets that should never have been put in a message: tokens and keys by their shape,
# credentials in URLs, webhook signatures, and email addresses (personal data).
_REDACTIONS = (
    (re.compile(r"\bxox[a-z]-[A-Za-z0-9-]+"), "xox?-[redacted]"),
    (re.compile(r"\bxapp-[A-Za-z0-9-]+"), "xapp-[redacted]"),
    (re.compile(r"\b(sk|rk)_(live|test)_[A-Za-z0-9]+"), r"\1_\2_[redacted]"),
    (re.compile(r"\bwhsec_[A-Za-z0-9+/=]+"), "whsec_[redacted]"),
    (re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE), r"\1 [redacted]"),
    (re.compile(r"\b(v[01])=[0-9a-fA-F]{32,}"), r"\1=[redacted]"),
    (re.compile(r"(://[^/\s:@]+):[^/\s@]+@"), r"\1:[redacted]@"),
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"), "[email]"),
)


def redact(text: str) -> str:
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Blank tokens, keys, signatures and email addresses in a record's message, traceback and extra fields."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        for key in _extra_keys(record):
            value = getattr(record, key)
            if isinstance(value, str):
                setattr(record, key, redact(value))
        return True


class StampRequestId(logging.Filter):
    """Put the current request id on the record, where both formats can read it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.get()
        return True


class JsonLines(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, then any `extra=` fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key in _extra_keys(record):
            line[key] = getattr(record, key)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def log_handler(log_format: LogFormat, stream: IO[str] | None = None) -> logging.Handler:
    """A handler writing `log_format` lines to `stream` (standard error by default), request id and redaction on."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLines() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(StampRequestId())
    handler.addFilter(RedactSecrets())
    return handler


_installed: logging.Handler | None = None


def configure_logging(level: int, log_format: LogFormat = "text", stream: IO[str] | None = None) -> logging.Handler:
    """Send the process's logs through one handler of ours on the root logger, replacing the one set before."""
    global _installed
    root = logging.getLogger()
    if _installed is not None:
        root.removeHandler(_installed)
    _installed = log_handler(log_format, stream)
    root.addHandler(_installed)
    root.setLevel(level)
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.INFO if level <= logging.DEBUG else logging.WARNING)
    return _installed


_STANDARD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
    "taskName",
}


def _extra_keys(record: logging.LogRecord) -> list[str]:
    return [key for key in vars(record) if key not in _STANDARD_FIELDS and not key.startswith("_")]
