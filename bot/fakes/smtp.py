"""A fake SMTP server on 127.0.0.1 (aiosmtpd on the running event loop), for tests and the offline demo.

It speaks real SMTP: STARTTLS or implicit TLS with a throwaway self-signed certificate, AUTH PLAIN/LOGIN when
given a username, and the answers a test asks for (a refused recipient, a 451 for the next message).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import hmac
import ipaddress
import ssl
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal, Self, cast

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from bot.fakes.faults import Faults

HOST = "127.0.0.1"


@dataclass(frozen=True)
class ReceivedEmail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage  # parsed with the modern email policy: message["Subject"], message.get_content()
    raw: bytes
    login: str | None  # the username it was sent under, None without AUTH
    tls: bool  # whether the session was encrypted


@dataclass(frozen=True)
class _Fault:
    reply: str
    delay: float


class FakeSmtp:
    """A mail server that keeps what it accepts in `messages` and counts refused logins in `failed_logins`."""

    def __init__(
        self,
        *,
        tls: Literal["none", "starttls", "tls"] = "none",
        username: str | None = None,
        password: str | None = None,
    ):
        self.tls = tls
        self.username = username
        self.password = password
        self.host = HOST
        self.port = 0
        self.messages: list[ReceivedEmail] = []
        self.failed_logins = 0
        self._refusals: dict[str, str] = {}
        self._faults: Faults[_Fault] = Faults()
        self._server_context: ssl.SSLContext | None
        self._cert_pem, self._server_context = _throwaway_tls() if tls != "none" else (b"", None)
        self._server: asyncio.Server | None = None
        self._sessions: set[_FakeSmtpSession] = set()

    async def start(self) -> int:
        loop = asyncio.get_running_loop()

        def session() -> _FakeSmtpSession:
            return _FakeSmtpSession(
                self,
                _Handler(self),
                hostname="smtp.fake.test",  # aiosmtpd's default asks DNS for this machine's name
                tls_context=self._server_context if self.tls == "starttls" else None,
                require_starttls=self.tls == "starttls",
                # aiosmtpd only counts STARTTLS as encryption; AUTH required without TLS is enforced at MAIL.
                auth_require_tls=self.tls == "starttls",
                authenticator=self._authenticate,
                loop=loop,
            )

        ssl_context = self._server_context if self.tls == "tls" else None
        self._server = await loop.create_server(session, HOST, 0, ssl=ssl_context)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def close(self) -> None:
        if self._server is None:
            return
        self._server.close()
        # Before Python 3.12 closing the server leaves its connections open: close them, and let them finish.
        for session in list(self._sessions):
            session.hang_up()
        await self._server.wait_closed()
        for _ in range(20):
            if not self._sessions:
                break
            await asyncio.sleep(0.01)
        self._server = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def client_tls_context(self) -> ssl.SSLContext:
        """A client context that trusts this server's throwaway certificate (and nothing else)."""
        if not self._cert_pem:
            raise RuntimeError("this FakeSmtp speaks no TLS")
        return ssl.create_default_context(cadata=self._cert_pem.decode())

    def refuse_recipient(self, address: str, *, reply: str = "550 5.1.1 No such user here") -> None:
        self._refusals[address.lower()] = reply

    def accept_recipient(self, address: str) -> None:
        """Stop refusing `address` (the mailbox was fixed)."""
        self._refusals.pop(address.lower(), None)

    def fail_next(self, times: int = 1, *, reply: str = "451 4.3.0 Try again later", delay: float = 0.0) -> None:
        """Answer the end of the next `times` messages with `reply` after `delay` seconds, keeping none."""
        self._faults.add(_Fault(reply, delay), times)

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        login = cast(LoginPassword, auth_data)
        ok = (
            self.username is not None
            and self.password is not None
            and hmac.compare_digest(login.login, self.username.encode())
            and hmac.compare_digest(login.password, self.password.encode())
        )
        if not ok:
            self.failed_logins += 1
        # handled=False: aiosmtpd answers 535 itself; True would leave the client waiting for an answer.
        return AuthResult(success=ok, handled=False, auth_data=login.login.decode(errors="replace") if ok else None)


class _FakeSmtpSession(SMTP):
    def __init__(self, fake: FakeSmtp, handler: _Handler, **kwargs: Any):
        super().__init__(handler, **kwargs)
        self._fake = fake

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._fake._sessions.add(self)
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        self._fake._sessions.discard(self)
        super().connection_lost(error)

    def hang_up(self) -> None:
        if self.transport is not None:
            self.transport.close()


class _Handler:
    """aiosmtpd's hooks: each returns the SMTP reply line."""

    def __init__(self, fake: FakeSmtp):
        self._fake = fake

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        if self._fake.username is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        refusal = self._fake._refusals.get(address.lower())
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        fault = self._fake._faults.take()
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            return fault.reply
        raw = envelope.original_content or b""
        transport = server.transport
        self._fake.messages.append(
            ReceivedEmail(
                mail_from=envelope.mail_from or "",
                rcpt_tos=list(envelope.rcpt_tos),
                message=_parsed(raw),
                raw=raw,
                login=session.auth_data if session.authenticated else None,
                tls=session.ssl is not None or bool(transport and transport.get_extra_info("ssl_object")),
            )
        )
        return "250 2.0.0 Message accepted for delivery"


def _parsed(raw: bytes) -> EmailMessage:
    # Stored as a mailbox would, with "\n" line ends, so a test compares the body with the text that was sent.
    message = email.message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=email.policy.default)
    assert isinstance(message, EmailMessage)  # the modern policy's class
    return message


def _throwaway_tls() -> tuple[bytes, ssl.SSLContext]:
    """A self-signed certificate for 127.0.0.1 and localhost, valid for a day, and a server context using it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "supportbot fake SMTP")])
    now = datetime.now(UTC)
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    # load_cert_chain reads only files; they live just long enough to be read.
    with tempfile.TemporaryDirectory() as folder:
        cert_file, key_file = Path(folder, "cert.pem"), Path(folder, "key.pem")
        cert_file.write_bytes(cert_pem)
        key_file.write_bytes(key_pem)
        context.load_cert_chain(cert_file, key_file)
    return cert_pem, context


@asynccontextmanager
async def fake_smtp_server(**kwargs: Any) -> AsyncIterator[FakeSmtp]:
    async with FakeSmtp(**kwargs) as fake:
        yield fake
