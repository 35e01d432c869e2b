"""Reading one raw email: who wrote it, what is new in it, what it answers, and whether a customer wrote it.

Pure (bytes in, a frozen `ParsedMail` out). The standard library's `email` package with the modern policy
decodes every charset and RFC 2047 encoded header; `mail-parser-reply` strips quoted history, "On … wrote:"
blocks and signatures in the languages our customers write; `inscriptis` turns HTML-only mail into text.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime

from inscriptis import get_text
from mailparser_reply import EmailReplyParser

from bot.policies.mail_rules import MailKind, classify_mail

# The languages mail-parser-reply knows "On … wrote:" and signature markers in.
LANGUAGES = ["en", "de", "fr", "it", "es", "nl", "sv", "da", "pl"]
MAX_BODY = 20_000
MAX_REFERENCES = 30
_SUBJECT_PREFIX = re.compile(r"^\s*((re|fwd?|aw|wg|sv|vs|antw|tr|rif|r)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_BLANK_RUN = re.compile(r"\n{3,}")
_FORWARD = re.compile(r"^\s*(fwd?|wg|tr|rv|doorst)\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class Attachment:
    name: str
    size: int


@dataclass(frozen=True)
class ParsedMail:
    message_id: str  # angle brackets included; a content hash for mail that has none
    kind: MailKind
    sender: str | None  # lowercased address
    sender_name: str | None
    subject: str | None
    text: str  # the customer's new text
    sent_at: datetime | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    attachments: tuple[Attachment, ...]

    @property
    def parents(self) -> tuple[str, ...]:
        """Message-IDs this mail answers, nearest first."""
        seen: dict[str, None] = dict.fromkeys((*self.in_reply_to, *reversed(self.references)))
        return tuple(seen)


def parse_mail(raw: bytes, shop_address: str | None) -> ParsedMail:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)  # the modern policy's class
    headers = {name.lower(): _header(message, name) for name in message.keys()}
    sender, sender_name = _sender(message)
    report_type = message.get_param("report-type")
    report = report_type if isinstance(report_type, str) else None  # RFC 2231 values come as a tuple
    kind = classify_mail(headers, message.get_content_type(), report, sender, shop_address)
    return ParsedMail(
        message_id=_own_id(headers.get("message-id", "")) or _content_id(raw),
        kind=kind,
        sender=sender,
        sender_name=sender_name,
        subject=_one_line(headers.get("subject", "")) or None,
        # A forward is sent for what it carries (a receipt, a bank's message): keep the forwarded part.
        text=new_text(message, keep_history=bool(_FORWARD.match(headers.get("subject", "")))),
        sent_at=_date(headers.get("date")),
        in_reply_to=_ids(headers.get("in-reply-to", ""))[:1],
        references=_ids(headers.get("references", ""))[-MAX_REFERENCES:],
        attachments=tuple(_attachments(message)),
    )


def subject_key(subject: str | None) -> str | None:
    """The subject a reply keeps: without Re:/Fwd:/AW: prefixes, case and spacing."""
    if not subject:
        return None
    key = " ".join(_SUBJECT_PREFIX.sub("", subject).split()).lower()
    return key[:500] or None


def new_text(message: EmailMessage, *, keep_history: bool = False) -> str:
    """What the sender wrote this time: the plain part (or the HTML part as text), history and signature cut."""
    text = _body_text(message)
    if not text.strip():
        return ""
    chosen = text
    if not keep_history:
        replies = EmailReplyParser(languages=LANGUAGES).read(text=text).replies
        if replies:
            latest = replies[0]
            # A mail that is all signature or all quote keeps what there is rather than nothing.
            chosen = latest.body or latest.content or text
    return _BLANK_RUN.sub("\n\n", chosen.strip())[:MAX_BODY]


def _body_text(message: EmailMessage) -> str:
    if message.get_content_type() == "multipart/report":
        return ""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = _content(part)
    if part.get_content_type() == "text/html":
        content = get_text(content)
    return content.replace("\r\n", "\n")


def _content(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
    except (LookupError, UnicodeError):
        # An unknown or wrong charset: the bytes as best we can rather than nothing.
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""


def _attachments(message: EmailMessage) -> list[Attachment]:
    found = []
    for part in message.walk():
        if part.is_multipart() or part.get_content_disposition() not in ("attachment", "inline"):
            continue
        name = part.get_filename()
        if not name and part.get_content_disposition() == "inline":
            continue  # an inline body part, not a file
        payload = part.get_payload(decode=True)
        found.append(Attachment(_one_line(name or "unnamed"), len(payload) if isinstance(payload, bytes) else 0))
    return found


def _header(message: EmailMessage, name: str) -> str:
    try:
        return str(message.get(name, ""))
    except (ValueError, IndexError, TypeError):
        # A header the parser cannot decode: the raw text is still worth reading.
        raw = message.get_all(name) or [""]
        return str(raw[0])


def _sender(message: EmailMessage) -> tuple[str | None, str | None]:
    for name in ("from", "sender", "return-path"):
        value = _header(message, name)
        pairs = [(display, address) for display, address in getaddresses([value]) if "@" in address]
        if pairs:
            display, address = pairs[0]
            return address.strip().lower(), _one_line(display) or None
    return None, None


def _ids(value: str) -> tuple[str, ...]:
    return tuple(f"<{found}>" for found in _MESSAGE_ID.findall(value))


def _own_id(value: str) -> str | None:
    found = _ids(value)
    return found[0] if found else None


def _content_id(raw: bytes) -> str:
    # Mail without a Message-ID still needs one identity, the same each time the same mail is read.
    return f"<sha256.{hashlib.sha256(raw).hexdigest()[:40]}@supportbot.invalid>"


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def _one_line(text: str) -> str:
    return " ".join(text.split())
