"""Read-only calls that tell whether a connection works, for `supportbot doctor`.

Each probe asks its service one cheap question with the bot's own credentials and returns what it learned as
our own values, or raises `ProbeError` saying whether the service refused us, did not answer in time, or
could not be reached. Nothing here changes anything at a provider or in the database.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

import aiohttp
import stripe
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import BotError, DatabaseUnavailableError, ProviderError
from bot.integrations.paypal import PayPalClient
from bot.storage.db import Database, known_revisions
from bot.storage.models.inbound import InboundEvent

# The events set aside (newest first, at most a page) and how many there are in all.
QuarantineQuery = Callable[[AsyncSession], Awaitable[tuple[list[InboundEvent], int]]]


class Failure(StrEnum):
    REFUSED = "refused"  # the service answered, and the answer was no
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"  # no connection
    SERVICE_ERROR = "service error"  # the service failed: a 5xx, a 429, an answer we could not read


class ProbeError(BotError):
    """`code` is the service's own word for the refusal where it has one (`invalid_auth`, `channel_not_found`)."""

    def __init__(self, failure: Failure, detail: str, *, code: str | None = None):
        super().__init__(detail)
        self.failure = failure
        self.detail = detail
        self.code = code


@dataclass(frozen=True)
class SlackIdentity:
    bot_name: str  # what `/invite @...` takes
    team: str
    scopes: frozenset[str] | None  # None when Slack did not report them


@dataclass(frozen=True)
class SlackChannel:
    id: str
    name: str
    is_member: bool
    is_archived: bool


@dataclass(frozen=True)
class StripeAccount:
    name: str | None
    restricted: bool  # a restricted key may not read the account; it was still accepted


@dataclass(frozen=True)
class SchemaState:
    backend: str  # "SQLite" or "PostgreSQL"
    where: str  # the file, or the server and database without the password
    exists: bool  # False: an SQLite file not created yet
    current: str | None
    head: str
    known: bool  # whether this release knows the database's revision (False: a newer release migrated it)
    # Webhook events set aside as unusable (read only when the schema is current): the oldest, and how many.
    quarantined: tuple[QuarantinedEvent, ...] = ()
    quarantined_total: int = 0


@dataclass(frozen=True)
class QuarantinedEvent:
    provider: str
    event_id: str  # the provider's
    event_type: str
    quarantined_at: datetime | None
    reason: str | None


class SlackProbe:
    """auth.test, conversations.info and apps.connections.open through slack_sdk, bounded by `timeout`."""

    def __init__(self, token: str, *, api_url: str, timeout: float):
        self._api_url = api_url
        self._timeout = timeout
        self._client = AsyncWebClient(token=token, base_url=api_url, timeout=max(1, round(timeout)))

    async def identity(self) -> SlackIdentity:
        async with self._answer("Slack"):
            response = await self._client.auth_test()
        header = next((v for k, v in response.headers.items() if k.lower() == "x-oauth-scopes"), None)
        scopes = frozenset(s.strip() for s in header.split(",") if s.strip()) if header is not None else None
        return SlackIdentity(str(response.get("user") or "supportbot"), str(response.get("team") or ""), scopes)

    async def channel(self, channel_id: str) -> SlackChannel:
        async with self._answer("Slack"):
            response = await self._client.conversations_info(channel=channel_id)
        info = response.get("channel") or {}
        return SlackChannel(
            channel_id, str(info.get("name") or channel_id), bool(info.get("is_member")), bool(info.get("is_archived"))
        )

    async def app_token_works(self, app_token: str) -> None:
        """Raises unless `app_token` is an app-level token allowed to open Socket Mode connections."""
        client = AsyncWebClient(token=app_token, base_url=self._api_url, timeout=max(1, round(self._timeout)))
        # Only a URL to connect to comes back; no connection is opened and the URL expires unused.
        async with self._answer("Slack"):
            await client.apps_connections_open(app_token=app_token)

    @contextlib.asynccontextmanager
    async def _answer(self, service: str) -> AsyncIterator[None]:
        try:
            async with asyncio.timeout(self._timeout):
                yield
        except TimeoutError:
            raise _timed_out(service, self._timeout) from None
        except SlackApiError as exc:
            status = exc.response.status_code
            error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
            if status == 200 and error:
                raise ProbeError(Failure.REFUSED, f"Slack answered {error}", code=str(error)) from None
            raise ProbeError(Failure.SERVICE_ERROR, f"Slack answered HTTP {status}", code=error) from None
        except aiohttp.ClientError as exc:
            raise ProbeError(Failure.UNREACHABLE, f"could not reach Slack at {self._api_url} ({_kind(exc)})") from None


class Probes:
    """The questions to Stripe, PayPal and the database, each bounded by `timeout` seconds."""

    def __init__(self, timeout: float):
        self.timeout = timeout

    def slack(self, token: str, *, api_url: str) -> SlackProbe:
        return SlackProbe(token, api_url=api_url, timeout=self.timeout)

    async def stripe_account(self, api_key: str, *, api_base: str) -> StripeAccount:
        """GET /v1/account: the cheapest call that needs a valid secret key."""
        http = stripe.AIOHTTPClient(timeout=None)  # the deadline below bounds the call
        client = stripe.StripeClient(
            api_key, base_addresses={"api": api_base.rstrip("/")}, http_client=http, max_network_retries=0
        )
        try:
            async with self._bounded("Stripe"):
                account = (await client.v1.accounts.retrieve_current_async()).to_dict()
        except stripe.PermissionError:
            return StripeAccount(None, restricted=True)
        except stripe.AuthenticationError as exc:
            # Stripe's message shows only the key's last characters.
            said = (exc.user_message or "").strip()
            detail = f"Stripe refused the API key: {said}" if said else "Stripe refused the API key"
            raise ProbeError(Failure.REFUSED, detail, code="authentication_error") from None
        except stripe.APIConnectionError:
            raise ProbeError(Failure.UNREACHABLE, f"could not reach Stripe at {api_base}") from None
        except stripe.StripeError as exc:
            raise ProbeError(Failure.SERVICE_ERROR, f"Stripe answered HTTP {exc.http_status}") from None
        finally:
            await http.close_async()
        profile = account.get("business_profile") or {}
        dashboard = (account.get("settings") or {}).get("dashboard") or {}
        name = profile.get("name") or dashboard.get("display_name") or account.get("email")
        return StripeAccount(str(name) if name else None, restricted=False)

    async def paypal_sign_in(self, client: PayPalClient) -> None:
        """An OAuth token for the client id and secret, which every other PayPal call needs first."""
        try:
            async with self._bounded("PayPal"):
                await client.authenticate()
        except ProviderError as exc:
            if exc.status in (400, 401, 403):
                detail = "PayPal refused the client id and secret"
                raise ProbeError(Failure.REFUSED, detail, code=str(exc.status)) from None
            # PayPalClient tells these apart only in its own wording.
            if exc.status is None and "did not answer in time" in exc.reason:
                failure = Failure.TIMEOUT
            elif exc.status is None and "could not reach" in exc.reason:
                failure = Failure.UNREACHABLE
            else:
                failure = Failure.SERVICE_ERROR
            raise ProbeError(failure, exc.reason.removeprefix("sign-in failed: ")) from None

    async def schema_state(self, database_url: str, quarantined: QuarantineQuery) -> SchemaState:
        """The database's schema revision against this release's, without creating or changing anything; with an
        up-to-date schema, the events set aside as `quarantined` (the inbound package's query) lists them."""
        try:
            url = make_url(database_url)
        except Exception:
            raise ProbeError(Failure.REFUSED, "SUPPORTBOT_DATABASE_URL is not a database URL") from None
        backend_name = url.get_backend_name()
        backend = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(backend_name, backend_name)
        if backend_name == "sqlite":
            where = str(url.database)
            if not await asyncio.to_thread(_sqlite_file_exists, url.database):
                # Connecting would create the file; say what `migrate` will do instead.
                return SchemaState(backend, where, False, None, known_revisions()[0], known=True)
        else:
            where = url.set(drivername=backend_name).render_as_string()  # the password hidden
        db = Database(database_url)
        events: tuple[QuarantinedEvent, ...] = ()
        total = 0
        try:
            async with self._bounded(f"the database at {where}"):
                current, head = await db.schema_state()
                if current == head:
                    events, total = await _quarantined(db, quarantined)
        except ProbeError:
            raise
        except DatabaseUnavailableError as exc:
            raise ProbeError(Failure.UNREACHABLE, f"{backend} at {where}: {exc.reason}") from None
        except Exception as exc:  # every driver has its own errors; any of them means the database is not usable
            lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            reason = lines[0] if lines else type(exc).__name__
            raise ProbeError(Failure.UNREACHABLE, f"{backend} at {where}: {reason}") from None
        finally:
            await db.dispose()
        known = current is None or current in known_revisions()
        return SchemaState(
            backend, where, True, current, head, known=known, quarantined=events, quarantined_total=total
        )

    @contextlib.asynccontextmanager
    async def _bounded(self, service: str) -> AsyncIterator[None]:
        try:
            async with asyncio.timeout(self.timeout):
                yield
        except TimeoutError:
            raise _timed_out(service, self.timeout) from None


async def _quarantined(db: Database, query: QuarantineQuery) -> tuple[tuple[QuarantinedEvent, ...], int]:
    async with db.transaction(read_only=True) as session:
        events, total = await query(session)
    return tuple(
        QuarantinedEvent(e.provider, e.event_id, e.event_type, e.quarantined_at, e.quarantine_reason) for e in events
    ), total


def _sqlite_file_exists(database: str | None) -> bool:
    """Whether the SQLite file is there; raises ProbeError when it could not even be created."""
    if not database or database == ":memory:":
        return True
    path = Path(database)
    if not path.parent.is_dir():
        raise ProbeError(Failure.UNREACHABLE, f"SQLite at {database}: the directory {path.parent} does not exist")
    return path.exists()


def _timed_out(service: str, timeout: float) -> ProbeError:
    return ProbeError(Failure.TIMEOUT, f"no answer from {service} within {timeout:g} s")


def _kind(exc: Exception) -> str:
    return type(exc).__name__
