"""KeygenLicences and SignedHttpLicences over real HTTP against FakeKeygen and FakeLicenceServer."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.core.errors import ProviderError
from bot.fakes.licences import FakeKeygen, FakeLicenceServer, fake_keygen_api, fake_licence_server
from bot.integrations.contracts import Licence, LicenceOutcome, LicenceServer
from bot.integrations.licences import KeygenLicences, SignedHttpLicences
from tests.clocks import SteadyClock

ACCOUNT = "demo-account"
LICENCES = f"/v1/accounts/{ACCOUNT}/licenses"


@pytest.fixture
async def keygen() -> AsyncIterator[FakeKeygen]:
    async with fake_keygen_api(account=ACCOUNT) as fake:
        yield fake


@pytest.fixture
async def server() -> AsyncIterator[FakeLicenceServer]:
    async with fake_licence_server(clock=SteadyClock()) as fake:
        yield fake


@pytest.fixture
async def make_keygen(keygen: FakeKeygen) -> AsyncIterator:
    made: list[KeygenLicences] = []

    def make(*, token: str | None = None, action: str = "suspend", timeout: float = 5.0) -> KeygenLicences:
        client = KeygenLicences(ACCOUNT, token or keygen.token, keygen.base_url, action, timeout)  # type: ignore[arg-type]
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()


@pytest.fixture
async def make_signed(server: FakeLicenceServer) -> AsyncIterator:
    made: list[SignedHttpLicences] = []

    def make(*, secret: str | None = None, timeout: float = 5.0) -> SignedHttpLicences:
        client = SignedHttpLicences(server.base_url, secret or server.secret, timeout, clock=server.clock)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()


def test_both_implement_the_protocol() -> None:
    servers: list[LicenceServer] = [KeygenLicences("a", "t"), SignedHttpLicences("https://l.example", "s")]
    assert [server.name for server in servers] == ["Keygen", "licence server"]


def test_keygen_refuses_an_unknown_action() -> None:
    with pytest.raises(ValueError, match="suspend"):
        KeygenLicences(ACCOUNT, "t", action="delete")  # type: ignore[arg-type]


# -- Keygen -----------------------------------------------------------------------------------------------------


async def test_keygen_lists_the_licences_of_one_customer(keygen: FakeKeygen, make_keygen) -> None:
    keygen.add_licence("ALICE-PRO-1", "alice@example.com", "Widget Pro")
    keygen.add_licence("ALICE-OLD-2", "alice@example.com", "Widget Pro", status="suspended")
    keygen.add_licence("ALICE-NAMED", "alice@example.com", "Widget Lite", name="Alice's studio seat")
    keygen.add_licence("BOB-PRO-1", "bob@example.com", "Widget Pro")

    licences = await make_keygen().licences_of("alice@example.com")

    assert licences == [
        Licence("ALICE-PRO-1", "Widget Pro", "active"),
        Licence("ALICE-OLD-2", "Widget Pro", "suspended"),
        Licence("ALICE-NAMED", "Alice's studio seat", "active"),
    ]
    [listing] = keygen.calls_to("GET", LICENCES)
    assert listing.query["user"] == "alice@example.com"
    assert listing.headers["Accept"] == "application/vnd.api+json"
    # One product lookup, reused for the second licence of the same product.
    assert len([call for call in keygen.calls if "/products/" in call.path]) == 1


async def test_keygen_a_customer_without_licences_has_none(keygen: FakeKeygen, make_keygen) -> None:
    keygen.add_licence("BOB-PRO-1", "bob@example.com", "Widget Pro")

    assert await make_keygen().licences_of("nobody@example.com") == []


async def test_keygen_reads_every_page(keygen: FakeKeygen, make_keygen) -> None:
    for number in range(130):
        keygen.add_licence(f"SEAT-{number:03d}", "team@example.com", "Widget Pro")

    licences = await make_keygen().licences_of("team@example.com")

    assert [licence.key for licence in licences] == [f"SEAT-{number:03d}" for number in range(130)]
    assert [call.query["page[number]"] for call in keygen.calls_to("GET", LICENCES)] == ["1", "2"]


async def test_keygen_names_a_licence_whose_key_is_not_url_safe_by_its_id(keygen: FakeKeygen, make_keygen) -> None:
    signed_key = "key/eyJhY2NvdW50Ijp7ImlkIjoiMSJ9fQ==.c2lnbmF0dXJl"
    licence_id = keygen.add_licence(signed_key, "alice@example.com", "Widget Pro")
    client = make_keygen()

    [licence] = await client.licences_of("alice@example.com")
    outcome = await client.revoke(licence.key, idempotency_key="revoke-1")

    assert licence.key == licence_id
    assert outcome == LicenceOutcome(licence_id, "suspended")
    assert keygen.status_of(licence_id) == "suspended"


async def test_keygen_suspends_by_default(keygen: FakeKeygen, make_keygen) -> None:
    keygen.add_licence("ALICE-PRO-1", "alice@example.com", "Widget Pro")

    outcome = await make_keygen().revoke("ALICE-PRO-1", idempotency_key="revoke-1")

    assert outcome == LicenceOutcome("ALICE-PRO-1", "suspended", already=False)
    assert keygen.status_of("ALICE-PRO-1") == "suspended"
    assert keygen.calls_to("POST", f"{LICENCES}/ALICE-PRO-1/actions/suspend")


async def test_keygen_suspending_a_suspended_licence_is_already_done(keygen: FakeKeygen, make_keygen) -> None:
    keygen.add_licence("ALICE-OLD-2", "alice@example.com", "Widget Pro", status="suspended")

    outcome = await make_keygen().revoke("ALICE-OLD-2", idempotency_key="revoke-1")

    assert outcome == LicenceOutcome("ALICE-OLD-2", "suspended", already=True)


async def test_keygen_revoke_action_deletes_the_licence(keygen: FakeKeygen, make_keygen) -> None:
    keygen.add_licence("ALICE-PRO-1", "alice@example.com", "Widget Pro")

    outcome = await make_keygen(action="revoke").revoke("ALICE-PRO-1", idempotency_key="revoke-1")

    assert outcome == LicenceOutcome("ALICE-PRO-1", "revoked")
    assert keygen.status_of("ALICE-PRO-1") is None
    assert keygen.calls_to("DELETE", f"{LICENCES}/ALICE-PRO-1/actions/revoke")


@pytest.mark.parametrize("action", ["suspend", "revoke"])
async def test_keygen_an_unknown_licence_is_not_found(make_keygen, action: str) -> None:
    with pytest.raises(ProviderError) as caught:
        await make_keygen(action=action).revoke("NO-SUCH-KEY", idempotency_key="revoke-1")

    assert (caught.value.status, caught.value.retryable) == (404, False)
    assert "licence NO-SUCH-KEY not found" in caught.value.reason


async def test_keygen_a_wrong_token_is_not_retryable(keygen: FakeKeygen, make_keygen) -> None:
    with pytest.raises(ProviderError) as caught:
        await make_keygen(token="wrong-token").licences_of("alice@example.com")

    assert (caught.value.status, caught.value.retryable) == (401, False)
    assert "token" in caught.value.reason
    assert "wrong-token" not in str(caught.value)


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_keygen_rate_limits_and_outages_are_retryable(keygen: FakeKeygen, make_keygen, status: int) -> None:
    keygen.add_licence("ALICE-PRO-1", "alice@example.com", "Widget Pro")
    keygen.fail_next(LICENCES, status=status, retry_after=17)

    with pytest.raises(ProviderError) as caught:
        await make_keygen().revoke("ALICE-PRO-1", idempotency_key="revoke-1")

    assert (caught.value.status, caught.value.retryable) == (status, True)
    assert ("try again in 17 s" in caught.value.reason) == (status == 429)
    assert keygen.status_of("ALICE-PRO-1") == "active"


async def test_keygen_answering_too_slowly_is_retryable(keygen: FakeKeygen, make_keygen) -> None:
    keygen.fail_next(LICENCES, delay=3.0)
    started = time.monotonic()

    with pytest.raises(ProviderError) as caught:
        await make_keygen(timeout=0.3).licences_of("alice@example.com")

    assert caught.value.retryable is True
    assert "in time" in caught.value.reason
    assert time.monotonic() - started < 1.5


async def test_keygen_unreachable_is_retryable() -> None:
    async with fake_keygen_api() as gone:
        pass  # closed: nothing listens on its port any more
    client = KeygenLicences(ACCOUNT, gone.token, gone.base_url)

    with pytest.raises(ProviderError) as caught:
        await client.licences_of("alice@example.com")

    assert caught.value.retryable is True
    assert "could not reach Keygen" in caught.value.reason
    await client.close()


# -- the signed licence-server protocol ---------------------------------------------------------------------------


async def test_signed_lists_licences_with_a_verifiable_signature(server: FakeLicenceServer, make_signed) -> None:
    server.add_licence("LIC-AAAA-1111", "alice@example.com", "Widget Pro")
    server.add_licence("LIC-BBBB-2222", "Alice@Example.com", None, status="revoked")
    server.add_licence("LIC-CCCC-3333", "bob@example.com", "Widget Pro")

    licences = await make_signed().licences_of("alice@example.com")

    assert licences == [Licence("LIC-AAAA-1111", "Widget Pro", "active"), Licence("LIC-BBBB-2222", None, "revoked")]
    [call] = server.calls_to("GET", "/licences")
    assert call.query == {"email": "alice@example.com"}
    timestamp = call.headers["X-Supportbot-Timestamp"]
    expected = hmac.new(server.secret.encode(), f"{timestamp}.".encode(), hashlib.sha256).hexdigest()
    assert call.headers["X-Supportbot-Signature"] == f"v1={expected}"
    assert abs(int(timestamp) - server.clock.now().timestamp()) < 5


async def test_signed_revoke_sends_the_key_and_idempotency_key(server: FakeLicenceServer, make_signed) -> None:
    server.add_licence("LIC-AAAA-1111", "alice@example.com", "Widget Pro")

    outcome = await make_signed().revoke("LIC-AAAA-1111", idempotency_key="revoke-42")

    assert outcome == LicenceOutcome("LIC-AAAA-1111", "revoked", already=False)
    assert server.status_of("LIC-AAAA-1111") == "revoked"
    [call] = server.calls_to("POST", "/licences/LIC-AAAA-1111/revoke")
    assert call.json == {"key": "LIC-AAAA-1111"}
    assert call.headers["Idempotency-Key"] == "revoke-42"
    signed = hmac.new(
        server.secret.encode(), call.headers["X-Supportbot-Timestamp"].encode() + b"." + call.body, "sha256"
    )
    assert call.headers["X-Supportbot-Signature"] == f"v1={signed.hexdigest()}"


async def test_signed_revoking_a_revoked_licence_is_already_done(server: FakeLicenceServer, make_signed) -> None:
    server.add_licence("LIC-AAAA-1111", "alice@example.com", status="revoked")

    outcome = await make_signed().revoke("LIC-AAAA-1111", idempotency_key="revoke-1")

    assert outcome == LicenceOutcome("LIC-AAAA-1111", "revoked", already=True)
    assert server.revocations == []


async def test_signed_a_repeated_idempotency_key_revokes_once(server: FakeLicenceServer, make_signed) -> None:
    server.add_licence("LIC-AAAA-1111", "alice@example.com")
    client = make_signed()

    first = await client.revoke("LIC-AAAA-1111", idempotency_key="revoke-1")
    again = await client.revoke("LIC-AAAA-1111", idempotency_key="revoke-1")
    later = await client.revoke("LIC-AAAA-1111", idempotency_key="revoke-2")

    assert first == again == LicenceOutcome("LIC-AAAA-1111", "revoked", already=False)
    assert later.already is True
    assert server.revocations == ["LIC-AAAA-1111"]


async def test_signed_a_key_with_url_characters_reaches_the_server_whole(
    server: FakeLicenceServer, make_signed
) -> None:
    server.add_licence("key/AB?c#d", "alice@example.com")

    outcome = await make_signed().revoke("key/AB?c#d", idempotency_key="revoke-1")

    assert outcome.already is False
    assert server.revocations == ["key/AB?c#d"]


async def test_signed_an_unknown_licence_is_not_found(make_signed) -> None:
    with pytest.raises(ProviderError) as caught:
        await make_signed().revoke("LIC-NOPE", idempotency_key="revoke-1")

    assert (caught.value.status, caught.value.retryable) == (404, False)
    assert "licence LIC-NOPE not found" in caught.value.reason


async def test_signed_a_wrong_secret_is_rejected(server: FakeLicenceServer, make_signed) -> None:
    server.add_licence("LIC-AAAA-1111", "alice@example.com")

    with pytest.raises(ProviderError) as caught:
        await make_signed(secret="not-the-secret").revoke("LIC-AAAA-1111", idempotency_key="revoke-1")

    assert (caught.value.status, caught.value.retryable) == (401, False)
    assert "shared secret" in caught.value.reason
    assert server.rejected == 1
    assert server.status_of("LIC-AAAA-1111") == "active"


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({}, "stale"),
        ({"X-Supportbot-Timestamp": "{old}", "X-Supportbot-Signature": "{old_signature}"}, "stale"),
        ({"X-Supportbot-Timestamp": "{now}", "X-Supportbot-Signature": "v1=00ff"}, "bad signature"),
    ],
    ids=["unsigned", "replayed from ten minutes ago", "forged"],
)
async def test_the_fake_server_refuses_requests_we_did_not_sign_now(
    server: FakeLicenceServer, headers: dict[str, str], why: str
) -> None:
    server.add_licence("LIC-AAAA-1111", "alice@example.com")
    now = int(server.clock.now().timestamp())
    old = now - 600
    old_signature = "v1=" + hmac.new(server.secret.encode(), f"{old}.".encode(), hashlib.sha256).hexdigest()
    filled = {name: value.format(now=now, old=old, old_signature=old_signature) for name, value in headers.items()}

    async with aiohttp.ClientSession() as session:
        async with session.get(
            f"{server.base_url}/licences", params={"email": "alice@example.com"}, headers=filled
        ) as r:
            status, body = r.status, await r.json()

    assert status == 401
    assert why in body["message"]
    assert server.rejected == 1


@pytest.mark.parametrize("status", [429, 500, 502])
async def test_signed_rate_limits_and_outages_are_retryable(
    server: FakeLicenceServer, make_signed, status: int
) -> None:
    server.fail_next("/licences", status=status)

    with pytest.raises(ProviderError) as caught:
        await make_signed().licences_of("alice@example.com")

    assert (caught.value.status, caught.value.retryable) == (status, True)
    assert server.rate_limited == (1 if status == 429 else 0)


async def test_signed_answering_too_slowly_is_retryable(server: FakeLicenceServer, make_signed) -> None:
    server.fail_next("/licences", delay=3.0)
    started = time.monotonic()

    with pytest.raises(ProviderError) as caught:
        await make_signed(timeout=0.3).revoke("LIC-AAAA-1111", idempotency_key="revoke-1")

    assert caught.value.retryable is True
    assert "licence server did not answer in time" in caught.value.reason
    assert time.monotonic() - started < 1.5


async def test_credentials_never_reach_the_log(
    keygen: FakeKeygen, server: FakeLicenceServer, make_keygen, make_signed, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    keygen.add_licence("ALICE-PRO-1", "alice@example.com", "Widget Pro")
    keygen.fail_next(LICENCES, status=500)
    server.fail_next("/licences", status=500)

    for call in (
        make_keygen().revoke("ALICE-PRO-1", idempotency_key="revoke-1"),
        make_keygen(token="wrong-token").licences_of("alice@example.com"),
        make_signed().licences_of("alice@example.com"),
    ):
        with pytest.raises(ProviderError):
            await call
    await make_signed().licences_of("alice@example.com")

    assert caplog.records, "the failures above should have been logged"
    for secret in (keygen.token, "wrong-token", server.secret, "Bearer"):
        assert secret not in caplog.text
