"""Staff replies to email-only tickets, sent by SMTP through aiosmtplib.

A reply is plain UTF-8 text with a fixed Message-ID, so a resent reply is recognisably the same message, and with
In-Reply-To/References, so the customer's mail program threads it. No Auto-Submitted header: a person wrote it.
"""

from __future__ import annotations

import logging
import re
import ssl
from collections.abc import Callable
from datetime import UTC, datetime
from email import policy
from email.errors import HeaderParseError
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, Literal, get_args

import aiosmtplib

from bot.core.errors import ProviderError
from bot.integrations.contracts import OutgoingEmail

log = logging.getLogger(__name__)

PROVIDER = "email"
TlsMode = Literal["starttls", "tls", "none"]
_TEXT_LIMIT = 200
MAX_REFERENCES = 20
_ADDRESS = re.compile(r"[^@\s<>]+@[^@\s<>]+")
_MESSAGE_ID = re.compile(r"[^\s<>]+")


class _MessageIdList:
    """In-Reply-To and References: msg-ids kept whole, one per folded line.

    The email package folds a long In-Reply-To or References as encoded text, which mail programs do not thread
    on, and its Message-ID header class keeps only the first id of a list.
    """

    max_count = 1

    @classmethod
    def parse(cls, value: str, kwds: dict[str, Any]) -> None:
        kwds["decoded"] = " ".join(str(value).split())
        kwds["parse_tree"] = None

    def fold(self, *, policy: policy.Policy) -> str:
        name = self.name  # type: ignore[attr-defined]
        return f"{name}: " + f"{policy.linesep} ".join(str(self).split()) + policy.linesep


def _policy() -> policy.EmailPolicy:
    headers = HeaderRegistry()
    headers.map_to_type("in-reply-to", _MessageIdList)  # type: ignore[arg-type]  # a header class by protocol
    headers.map_to_type("references", _MessageIdList)  # type: ignore[arg-type]
    return policy.default.clone(header_factory=headers)  # type: ignore[return-value]


_POLICY = _policy()


class SmtpMailer:
    """`Mailer` over SMTP; fails only with `ProviderError`.

    `tls`: "starttls" (port 587) upgrades the connection and refuses to go on in the clear, "tls" (port 465)
    speaks TLS from the start, "none" is for a relay on a trusted network. `tls_context` replaces the system's
    trusted certificates (a test's self-signed one, a company CA). `timeout` bounds each SMTP step.
    """

    def __init__(
        self,
        host: str,
        port: int = 587,
        *,
        tls: TlsMode = "starttls",
        username: str | None = None,
        password: str | None = None,
        from_address: str,
        from_name: str | None = None,
        timeout: float = 10.0,
        tls_context: ssl.SSLContext | None = None,
        now: Callable[[], datetime] | None = None,
    ):
        if tls not in get_args(TlsMode):
            raise ValueError(f"tls must be one of {get_args(TlsMode)}, not {tls!r}")
        if (username is None) != (password is None):
            raise ValueError("give both an SMTP username and a password, or neither")
        if not _ADDRESS.fullmatch(from_address):
            raise ValueError(f"{from_address!r} is not an email address")
        self._host = host
        self._port = port
        self._tls = tls
        self._username = username
        self._password = password
        self._from = Address(_one_line(from_name or ""), addr_spec=from_address)
        self._timeout = timeout
        self._tls_context = tls_context
        self._now = now or (lambda: datetime.now(UTC))

    def __repr__(self) -> str:
        return f"SmtpMailer({self._host}:{self._port}, tls={self._tls}, user={self._username!r})"

    async def send(self, email: OutgoingEmail) -> str:
        """Send `email`; returns its Message-ID header, angle brackets included."""
        message = self.compose(email)
        try:
            await aiosmtplib.send(
                message,
                hostname=self._host,
                port=self._port,
                username=self._username,
                password=self._password,
                use_tls=self._tls == "tls",
                # True, not aiosmtplib's "when offered": a server that stops offering it must not get mail in clear.
                start_tls=self._tls == "starttls",
                tls_context=self._tls_context,
                timeout=self._timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            error = _translate(exc, self._host)
            log.warning("SMTP via %s failed: %s (%s)", self._host, type(exc).__name__, error.status)
            raise error from exc
        log.info("sent email %s via %s", message["Message-ID"], self._host)
        return str(message["Message-ID"])

    def compose(self, email: OutgoingEmail) -> EmailMessage:
        """The message as it goes out. Header values are single lines, so no text can add a header."""
        message = EmailMessage(policy=_POLICY)
        message["From"] = self._from
        message["To"] = _recipient(email)
        message["Subject"] = _one_line(email.subject)
        message["Date"] = format_datetime(self._now().astimezone(UTC))
        message["Message-ID"] = _message_id(email.message_id, self._from.domain)
        parent = _parent_id(email.in_reply_to)
        if parent:
            message["In-Reply-To"] = parent
            chain = [ref for ref in (_parent_id(value) for value in email.references) if ref and ref != parent]
            # The parent last, as RFC 5322 3.6.4 builds References; the oldest kept first when it is long.
            chain = (chain[:1] + chain[1:][-(MAX_REFERENCES - 2) :]) if len(chain) >= MAX_REFERENCES else chain
            message["References"] = " ".join([*chain, parent])
        # Quoted-printable keeps every line 7-bit and short, whatever the server supports, and stays readable.
        message.set_content(email.body, charset="utf-8", cte="quoted-printable")
        return message


def _recipient(email: OutgoingEmail) -> Address:
    to = email.to.strip()
    if _ADDRESS.fullmatch(to):
        try:
            return Address(_one_line(email.to_name or ""), addr_spec=to)
        except (ValueError, HeaderParseError):
            pass
    raise ProviderError(PROVIDER, f"{_short(email.to)!r} is not an email address we can send to")


def _message_id(value: str, domain: str) -> str:
    bare = value.strip().removeprefix("<").removesuffix(">")
    if not _MESSAGE_ID.fullmatch(bare):
        raise ValueError(f"{value!r} cannot be a Message-ID")
    # An id without a domain part gets ours, as RFC 5322 asks for id-left@id-right.
    return f"<{bare}>" if "@" in bare else f"<{bare}@{domain}>"


def _parent_id(value: str | None) -> str | None:
    bare = (value or "").strip().removeprefix("<").removesuffix(">")
    if not _MESSAGE_ID.fullmatch(bare):
        # Threading is a courtesy: a reply with an odd parent id still goes out, unthreaded.
        return None
    return f"<{bare}>"


def _translate(exc: Exception, host: str) -> ProviderError:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        refused = exc.recipients[0]
        return _answered(refused.code, f"{host} refused the recipient {refused.recipient}", refused.message)
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        what = f"{host} refused our login (check the SMTP username and password)"
        return _answered(exc.code, what, exc.message)
    if isinstance(exc, aiosmtplib.SMTPSenderRefused):
        return _answered(exc.code, f"{host} refused the sender {exc.sender}", exc.message)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return _answered(exc.code, f"{host} answered", exc.message)
    if _caused_by(exc, ssl.SSLCertVerificationError):
        return ProviderError(PROVIDER, f"could not verify the TLS certificate of {host}")
    if _caused_by(exc, ssl.SSLError):
        return ProviderError(PROVIDER, f"the TLS handshake with {host} failed (check the SMTP TLS mode and port)")
    if isinstance(exc, TimeoutError):
        return ProviderError(PROVIDER, f"{host} did not answer in time", retryable=True)
    if isinstance(exc, OSError):  # aiosmtplib's connect and disconnect errors are ConnectionErrors
        return ProviderError(PROVIDER, f"could not reach {host}", retryable=True)
    # What is left is the server lacking something we asked for (STARTTLS, AUTH, SMTPUTF8): a setting to fix.
    return ProviderError(PROVIDER, f"{host} cannot take this message: {_short(str(exc))}")


def _answered(code: int, what: str, text: str) -> ProviderError:
    # 4xx is the server's "try again later"; 5xx is final.
    retryable = 400 <= code < 500
    return ProviderError(PROVIDER, f"{what}: {code} {_short(text)}", retryable=retryable, status=code)


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _short(text: str) -> str:
    text = _one_line(text)
    return text if len(text) <= _TEXT_LIMIT else text[: _TEXT_LIMIT - 1] + "…"
