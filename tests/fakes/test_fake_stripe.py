"""FakeStripe on the wire: read by the real stripe SDK where it can be, and by plain aiohttp for the headers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
import stripe

from bot.fakes.stripe import REFUNDS_PATH, FakeStripe, fake_stripe_api

INTENT = "pi_3QxYzAbCdEfGh1234567"


@pytest.fixture
async def fake() -> AsyncIterator[FakeStripe]:
    async with fake_stripe_api() as fake:
        fake.add_payment_intent(INTENT, 2500, "EUR", customer="cus_PeT7mLw2", charge_id="ch_3QxYz")
        fake.add_customer("cus_PeT7mLw2", "ann@example.com", "Ann Example")
        yield fake


@pytest.fixture
async def client(fake: FakeStripe) -> AsyncIterator[stripe.StripeClient]:
    http = stripe.AIOHTTPClient()
    yield stripe.StripeClient(fake.api_key, base_addresses={"api": fake.base_url}, http_client=http)
    await http.close_async()


@pytest.fixture
async def session(fake: FakeStripe) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(fake.base_url, headers={"Authorization": f"Bearer {fake.api_key}"}) as session:
        yield session


async def test_the_sdk_reads_payment_intents_customers_refunds_and_the_account(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    intent = await client.v1.payment_intents.retrieve_async(INTENT)
    customer = await client.v1.customers.retrieve_async(intent["customer"])
    refund = await client.v1.refunds.create_async({"charge": intent["latest_charge"], "metadata": {"ticket": "T-9"}})
    again = await client.v1.refunds.retrieve_async(refund.id)
    account = await client.v1.accounts.retrieve_current_async()

    assert (intent.amount, intent.currency, intent.status) == (2500, "eur", "succeeded")
    assert (customer.email, customer.name) == ("ann@example.com", "Ann Example")
    assert again.metadata is not None
    assert (again.id, again.payment_intent, again.amount, again.metadata["ticket"]) == (refund.id, INTENT, 2500, "T-9")
    assert account.id == fake.account["id"]
    assert fake.calls[2].form == {"charge": "ch_3QxYz", "metadata[ticket]": "T-9"}


async def test_a_replay_is_marked_and_other_parameters_are_refused(
    fake: FakeStripe, session: aiohttp.ClientSession
) -> None:
    headers = {"Idempotency-Key": "k-1"}
    async with session.post(REFUNDS_PATH, data={"payment_intent": INTENT, "amount": "100"}, headers=headers) as first:
        made = await first.json()
    async with session.post(REFUNDS_PATH, data={"amount": "100", "payment_intent": INTENT}, headers=headers) as again:
        replayed = await again.json()
        assert again.headers["Idempotent-Replayed"] == "true"
    async with session.post(REFUNDS_PATH, data={"payment_intent": INTENT, "amount": "200"}, headers=headers) as other:
        refused = await other.json()

    assert "Idempotent-Replayed" not in first.headers
    assert replayed == made
    assert other.status == 400
    assert refused["error"]["type"] == "idempotency_error"
    assert fake.refunded(INTENT) == 100


async def test_a_refused_error_is_replayed_but_a_refused_parameter_is_not_saved(
    fake: FakeStripe, session: aiohttp.ClientSession
) -> None:
    headers = {"Idempotency-Key": "k-2"}
    too_much = {"payment_intent": INTENT, "amount": "9999"}
    async with session.post(REFUNDS_PATH, data=too_much, headers=headers) as first:
        assert (first.status, (await first.json())["error"]["code"]) == (400, "amount_too_large")
    async with session.post(REFUNDS_PATH, data=too_much, headers=headers) as again:
        assert again.headers["Idempotent-Replayed"] == "true"

    unknown = {"payment_intent": "pi_Nope", "amount": "100"}
    async with session.post(REFUNDS_PATH, data=unknown, headers={"Idempotency-Key": "k-3"}) as missing:
        assert (missing.status, (await missing.json())["error"]["code"]) == (400, "resource_missing")
    fake.add_payment_intent("pi_Nope", 500, "usd")
    async with session.post(REFUNDS_PATH, data=unknown, headers={"Idempotency-Key": "k-3"}) as later:
        assert later.status == 200


@pytest.mark.parametrize(
    ("authorization", "message"),
    [(None, "You did not provide an API key"), ("Bearer sk_test_wrongwrongwrong1234", "sk_test_" + "*" * 15 + "1234")],
)
async def test_a_missing_or_wrong_key_gets_stripes_401(
    fake: FakeStripe, authorization: str | None, message: str
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    async with aiohttp.ClientSession(fake.base_url) as session, session.get("/v1/account", headers=headers) as answer:
        body = await answer.json()

    assert answer.status == 401
    assert body["error"]["type"] == "invalid_request_error"
    assert message in body["error"]["message"]
    assert "wrongwrong" not in body["error"]["message"]


@pytest.mark.parametrize(
    ("status", "error_type", "code"), [(429, "invalid_request_error", "rate_limit"), (500, "api_error", None)]
)
async def test_faults_use_stripes_error_bodies(
    fake: FakeStripe, session: aiohttp.ClientSession, status: int, error_type: str, code: str | None
) -> None:
    fake.fail_next("/v1/payment_intents", status=status)

    async with session.get(f"/v1/payment_intents/{INTENT}") as failed:
        error = (await failed.json())["error"]
    async with session.get(f"/v1/payment_intents/{INTENT}") as next_one:
        assert next_one.status == 200

    assert (failed.status, error["type"], error.get("code")) == (status, error_type, code)
    assert failed.headers["Request-Id"].startswith("req_")


async def test_unknown_urls_and_parameters_are_refused(fake: FakeStripe, session: aiohttp.ClientSession) -> None:
    async with session.get("/v1/charges/ch_3QxYz") as unknown_url:
        assert unknown_url.status == 404
        assert "Unrecognized request URL (GET: /v1/charges/ch_3QxYz)" in (await unknown_url.json())["error"]["message"]
    async with session.post(REFUNDS_PATH, data={"payment_intent": INTENT, "amuont": "5"}) as unknown_param:
        error = (await unknown_param.json())["error"]

    assert (unknown_param.status, error["code"], error["param"]) == (400, "parameter_unknown", "amuont")
    assert fake.refunds == []


async def test_a_seeded_fake_makes_the_same_ids_and_dates_by_the_clock_it_is_given() -> None:
    # The demo prints refund ids and its story's dates: the same every run, whatever the day.
    story = 1_795_600_000  # 2026-11-25

    async def refund_made() -> dict:
        async with FakeStripe(now=lambda: story, seed=7) as fake:
            fake.add_payment_intent(INTENT, 2500, "eur")
            headers = {"Authorization": f"Bearer {fake.api_key}"}
            async with aiohttp.ClientSession(fake.base_url, headers=headers) as http:
                async with http.post(REFUNDS_PATH, data={"payment_intent": INTENT}) as answer:
                    return await answer.json()

    first, second = await refund_made(), await refund_made()
    assert first["id"] == second["id"] and first["id"].startswith("re_")
    assert first["created"] == story
    async with FakeStripe() as unseeded, FakeStripe() as other:
        assert unseeded.account["id"] != other.account["id"]
