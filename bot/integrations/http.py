"""JSON over HTTP for the providers' small REST APIs: one lazily opened session, failures as `ProviderError`."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.core.errors import ProviderError

log = logging.getLogger(__name__)

_MESSAGE_LIMIT = 200


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any  # the parsed JSON; None when the body was empty or not JSON
    retry_after: str | None
    headers: Mapping[str, str] | None = None  # case-insensitive, as the server sent them


class JsonHttp:
    """An aiohttp session opened on first use, turning failures before any HTTP answer into `ProviderError`.

    HTTP error statuses come back as an `Answer`: what a 404 or 409 means is each provider's business.
    """

    def __init__(self, provider: str, *, timeout: float, headers: Mapping[str, str]):
        self._provider = provider
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._headers = dict(headers)
        self._session: aiohttp.ClientSession | None = None

    async def send(
        self,
        action: str,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout, headers=self._headers)
        provider = self._provider
        try:
            async with self._session.request(method, url, params=params, data=body, headers=headers) as response:
                raw = await response.read()
                answer = Answer(
                    response.status, _json_or_none(raw), response.headers.get("Retry-After"), response.headers.copy()
                )
        except TimeoutError as exc:
            message = f"{action} failed: {provider} did not answer in time"
            raise ProviderError(provider, message, retryable=True) from exc
        except aiohttp.InvalidURL as exc:
            raise ProviderError(provider, f"{action} failed: the {provider} address is not a valid URL") from exc
        except aiohttp.ClientError as exc:
            raise ProviderError(provider, f"{action} failed: could not reach {provider}", retryable=True) from exc
        log.debug("%s %s %s -> %s", provider, method, action, answer.status)
        return answer

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def http_status_error(
    provider: str, action: str, answer: Answer, detail: str | None, *, rejected: str
) -> ProviderError:
    """The `ProviderError` for an HTTP error status; `rejected` says what to check after a 401."""
    status = answer.status
    # Not the detail: a provider's error text can quote the customer's email or a licence key back.
    log.warning("%s %s failed: HTTP %s", provider, action, status)
    if status == 429:
        wait = f"; try again in {answer.retry_after} s" if (answer.retry_after or "").isdigit() else ""
        message = f"{action} failed: {provider} is rate limiting us{wait}"
        return ProviderError(provider, message, retryable=True, status=status)
    if status >= 500:
        message = f"{action} failed: {provider} had an error (HTTP {status})"
        return ProviderError(provider, message, retryable=True, status=status)
    if status == 401:
        message = f"{action} failed: {provider} rejected our credentials ({rejected})"
        return ProviderError(provider, message, status=status)
    if status == 403:
        message = f"{action} failed: {provider} refused: {detail or 'our credentials lack the permission'}"
        return ProviderError(provider, message, status=status)
    return ProviderError(provider, f"{action} failed: {detail or f'HTTP {status}'}", status=status)


def unreadable(provider: str, action: str) -> ProviderError:
    # Retryable: a proxy's error page or a truncated answer usually passes, and asking again is safe (a lookup,
    # or a revoke repeating its idempotency key).
    return ProviderError(provider, f"{action} failed: {provider} sent an answer we could not read", retryable=True)


def short(text: str, limit: int = _MESSAGE_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None
