"""Telling the help desk what staff did in Slack: a signed JSON POST to the ticket's `callback_url`.

The request is signed like the inbound tickets webhook (same headers, same HMAC scheme, same shared secret) in the
other direction, so a help desk that already sends us tickets verifies our calls with the code it has. The wire
format is described in docs/helpdesk-writeback.md.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus
from importlib import metadata
from typing import Any, Self
from urllib.parse import urlsplit

import aiohttp

from bot.core.errors import ProviderError
from bot.integrations.contracts import TicketUpdate
from bot.integrations.tickets_webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from bot.policies.urls import may_call_back

log = logging.getLogger(__name__)

PROVIDER = "help desk"
IDEMPOTENCY_HEADER = "Idempotency-Key"
KINDS = frozenset({"assigned", "reply", "closed"})
MAX_BODY_BYTES = 64 * 1024
_MAX_ANSWER_BYTES = 64 * 1024
_TEXT_LIMIT = 200
# 408 and 429 are the 4xx that mean "not now" rather than "never".
_RETRYABLE_4XX = frozenset({HTTPStatus.REQUEST_TIMEOUT, HTTPStatus.TOO_MANY_REQUESTS})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def _user_agent() -> str:
    try:
        version = metadata.version("supportbot")
    except metadata.PackageNotFoundError:
        version = "dev"
    return f"supportbot/{version} (help desk write-back)"


USER_AGENT = _user_agent()


class SignedCallbackWriteBack:
    """`HelpDeskWriteBack` over HTTP: one signed POST per update, failing only with `ProviderError`.

    Retrying is the caller's job (the outbox): an update sent again keeps its idempotency key, and the help desk
    applies it once. `timeout` bounds the whole request, answer included.
    """

    def __init__(
        self,
        secret: str,
        timeout: float = 10.0,
        *,
        now: Callable[[], datetime] | None = None,
        allowed_hosts: tuple[str, ...] = (),
    ):
        if not secret:
            raise ValueError("the write-back is signed with the tickets webhook secret, which must not be empty")
        self._secret = secret
        self._allowed_hosts = allowed_hosts
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._now = now or (lambda: datetime.now(UTC))
        self._session: aiohttp.ClientSession | None = None

    async def send(self, callback_url: str, update: TicketUpdate) -> str:
        """POST `update` to `callback_url`; returns the help desk's reference, or the idempotency key."""
        host = _checked_host(callback_url)
        if not (decision := may_call_back(callback_url, self._allowed_hosts)).allowed:
            # Permanent: the same URL will never become a help desk, so the step fails visibly, once.
            raise ProviderError(PROVIDER, decision.reason)
        at = self._now()
        raw = encode_update(update, at)
        if len(raw) > MAX_BODY_BYTES:
            # Cutting a customer's reply short would send something nobody wrote; better to say so in Slack.
            raise ProviderError(
                PROVIDER,
                f"the {update.kind} is too long to send ({len(raw) // 1024} KiB, at most {MAX_BODY_BYTES // 1024})",
            )
        timestamp = int(at.timestamp())
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(self._secret, timestamp, raw),
            IDEMPOTENCY_HEADER: update.idempotency_key,
        }
        try:
            # Not following redirects: a POST turned into a GET elsewhere would drop the update silently.
            async with self._client().post(callback_url, data=raw, headers=headers, allow_redirects=False) as answer:
                status = answer.status
                body = await _read_capped(answer)
        except TimeoutError:
            raise ProviderError(PROVIDER, f"{host} did not answer in time", retryable=True) from None
        except (aiohttp.InvalidURL, ValueError):  # yarl refuses some URLs that urlsplit accepted
            raise ProviderError(PROVIDER, f"the ticket's callback URL for {host} is not a valid URL") from None
        except aiohttp.ClientConnectorCertificateError:
            # Usually a wrong address or a setup problem: a person should hear of it now, not after the retries.
            raise ProviderError(PROVIDER, f"could not verify the TLS certificate of {host}") from None
        except aiohttp.ClientConnectionError:
            raise ProviderError(PROVIDER, f"could not reach {host}", retryable=True) from None
        except aiohttp.ClientError as exc:
            log.warning("help desk call to %s failed: %s", host, type(exc).__name__)
            raise ProviderError(PROVIDER, f"the call to {host} failed", retryable=True) from None
        log.info("help desk %s: %s %s -> %s", host, update.kind, update.idempotency_key, status)
        if 200 <= status < 300:
            return _reference(body) or update.idempotency_key
        raise _refusal(host, status, body)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _client(self) -> aiohttp.ClientSession:
        # Created on first use, inside the running loop that will use it.
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout, headers={"User-Agent": USER_AGENT})
        return self._session


def encode_update(update: TicketUpdate, at: datetime) -> bytes:
    """The request body: compact UTF-8 JSON, exactly the bytes that are signed."""
    if update.kind not in KINDS:
        raise ValueError(f"unknown ticket update kind {update.kind!r}; expected one of {sorted(KINDS)}")
    if not update.idempotency_key:
        raise ValueError("a ticket update needs an idempotency key")
    if update.kind == "reply" and not update.body:
        raise ValueError("a reply needs a body")
    agent: dict[str, str] = {"slack_user_id": update.agent_id}
    if update.agent_name:
        agent["name"] = update.agent_name
    event: dict[str, Any] = {
        "type": f"ticket.{update.kind}",
        "id": update.idempotency_key,
        "ticket": {"id": update.ticket_key},
        "agent": agent,
    }
    if update.body:
        event["body"] = update.body
    event["sent_at"] = at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()


def _checked_host(callback_url: str) -> str:
    """The host to name in messages; never the whole URL, whose path or query may hold a token."""
    try:
        parts = urlsplit(callback_url)
        host = parts.hostname
    except ValueError:
        host = None
    else:
        if parts.scheme.lower() not in ("http", "https"):
            host = None
    if not host:
        raise ProviderError(PROVIDER, "the ticket's callback URL must be an http:// or https:// URL")
    return host


async def _read_capped(answer: aiohttp.ClientResponse) -> bytes:
    # A misbehaving endpoint may stream anything; the reference or reason we want is small.
    chunks: list[bytes] = []
    size = 0
    async for chunk in answer.content.iter_chunked(16 * 1024):
        chunks.append(chunk)
        size += len(chunk)
        if size >= _MAX_ANSWER_BYTES:
            break
    return b"".join(chunks)[:_MAX_ANSWER_BYTES]


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        answer = json.loads(body)
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None


def _reference(body: bytes) -> str | None:
    answer = _json_object(body) or {}
    for field in ("reference", "id"):
        value = answer.get(field)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str) and value.strip():
            return _one_line(value)
    return None


def _refusal(host: str, status: int, body: bytes) -> ProviderError:
    retryable = status >= 500 or status in _RETRYABLE_4XX
    if 300 <= status < 400:
        reason = "a redirect; set the callback URL to the final address"
    else:
        reason = _reason(body) or _phrase(status)
    log.warning("help desk %s answered %s (%s)", host, status, "retryable" if retryable else "final")
    return ProviderError(PROVIDER, f"{host} answered {status}: {reason}", retryable=retryable, status=status)


def _reason(body: bytes) -> str | None:
    """The help desk's own short explanation: a JSON error field, or the first line of a plain-text body."""
    answer = _json_object(body)
    if answer is not None:
        error = answer.get("error")
        candidates = [error.get("message") if isinstance(error, dict) else error]
        candidates += [answer.get(field) for field in ("message", "detail", "error_description", "title")]
        text = next((value for value in candidates if isinstance(value, str) and value.strip()), None)
        return _one_line(text) if text else None
    text = body.decode("utf-8", "replace").strip()
    if not text or text.startswith("<"):  # an HTML error page says nothing a person in Slack can use
        return None
    return _one_line(text.splitlines()[0])


def _one_line(text: str) -> str:
    text = " ".join(_CONTROL.sub(" ", text).split())
    return text if len(text) <= _TEXT_LIMIT else text[: _TEXT_LIMIT - 1] + "…"


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "unexpected answer"
