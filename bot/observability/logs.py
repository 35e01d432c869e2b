"""Log lines: the human format or JSON, each carrying the id of the request it was written for, secrets blanked.

The request id lives in a context variable: the web server sets it for each request, and asyncio copies it
into every task the request starts, so a line written anywhere while handling that request carries it.
"""

from __future__ import annotations

import json
import logging
import os
import re
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
    # What uuid4().hex is (32 hex digits of randomness), without building a UUID on every request.
    return os.urandom(16).hex()


# The safety net for secrets that should never have been put in a message: tokens and keys by their shape,
# credentials in URLs, webhook signatures, and email addresses (personal data).
# Each runs in linear time on any text (a stranger's body can reach a log line): possessive quantifiers (`++`)
# never give back what they scanned, and each pattern starts with its literal, checking the character before it
# with a lookbehind (`\b` in front would make the engine try every position: 8 times slower on a megabyte).
_REDACTIONS = (
    (re.compile(r"xox(?<!\wxox)[a-z]-[A-Za-z0-9-]++"), "xox?-[redacted]"),
    (re.compile(r"xapp-(?<!\wxapp-)[A-Za-z0-9-]++"), "xapp-[redacted]"),
    (re.compile(r"([sr]k)(?<!\w[sr]k)_(live|test)_[A-Za-z0-9]++"), r"\1_\2_[redacted]"),
    (re.compile(r"whsec_(?<!\wwhsec_)[A-Za-z0-9+/=]++"), "whsec_[redacted]"),
    (
        re.compile(r"([Bb](?:earer|EARER)(?<!\w......)|[Bb](?:asic|ASIC)(?<!\w.....))\s++[A-Za-z0-9._~+/=-]++"),
        r"\1 [redacted]",
    ),
    (re.compile(r"(v[01])(?<!\wv[01])=[0-9a-fA-F]{32,}+"), r"\1=[redacted]"),
    (re.compile(r"(://[^/\s:@]++):[^/\s@]++@"), r"\1:[redacted]@"),
)
# An email address (its `@` as is, or %40 as in a form body). A match starts only where a run of local-part
# characters starts (the lookbehind), and the domain is taken whole, without giving back (`++`), ending in two
# letters. The old pattern tried every character of a long run as the start of an address, and backtracked
# through the domain: quadratic, minutes for a megabyte.
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9-]++(?:\.[A-Za-z0-9-]++)++(?<=[A-Za-z]{2})"
)
# A message longer than this is cut (after redaction): a log line is for a person, not for a request's body.
MAX_MESSAGE_CHARS = 16_000


def redact(text: str) -> str:
    """`text` with secrets and email addresses blanked; linear in its length, whatever it holds."""
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return _EMAIL.sub("[email]", text) if "@" in text or "%40" in text else text


def _cut(text: str) -> str:
    if len(text) <= MAX_MESSAGE_CHARS:
        return text
    return f"{text[:MAX_MESSAGE_CHARS]}… [{len(text) - MAX_MESSAGE_CHARS} more characters]"


# Control characters (newlines included) and Unicode's line separators, as visible escapes: a stranger's text in
# a message cannot start a line of its own in the text log and pass for a record ("ERROR bot.actions.audit: ...").
_CONTROLS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_ESCAPES = {code: f"\\x{code:02x}" for code in (*range(0x00, 0x09), *range(0x0A, 0x20), *range(0x7F, 0xA0))} | {
    0x0A: "\\n",
    0x0D: "\\r",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def escape_controls(text: str) -> str:
    return text.translate(_ESCAPES) if _CONTROLS.search(text) else text


class RedactSecrets(logging.Filter):
    """Blank tokens, keys, signatures and email addresses in a record's message, traceback and extra fields."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = _cut(redact(message))
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


class TextLines(logging.Formatter):
    """The human format, one record a line: the message's control characters escaped, a traceback indented."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        record.message = escape_controls(record.getMessage())
        record.asctime = self.formatTime(record, self.datefmt)
        line = self.formatMessage(record)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        for more in (record.exc_text, record.stack_info and self.formatStack(record.stack_info)):
            if more:
                line += "\n" + _indented(more)
        return line


def _indented(text: str) -> str:
    # Every line of a traceback starts with spaces, so none can pass for a record; other controls are escaped.
    return "\n".join("    " + escape_controls(line) for line in text.split("\n"))


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
    handler.setFormatter(JsonLines() if log_format == "json" else TextLines())
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
