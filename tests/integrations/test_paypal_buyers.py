"""PayPalBuyers, through PayPalClient and the real paypalrestsdk, over real HTTP against FakePayPal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.core.errors import ProviderError
from bot.fakes.paypal import FakePayPal
from bot.integrations.paypal import PayPalClient
from bot.integrations.paypal_buyers import Buyer, PayPalBuyers
from bot.policies.buyer_lookup import search_window
from tests.clocks import START, SteadyClock

ORDER = "5O190127TN364715T"
CAPTURE = "3C679366HH908993F"
ANN = Buyer(email="ann@example.com", name="Ann Example", payer_id="QYR5Z8XDVJNXQ")


@pytest.fixture
def clock() -> SteadyClock:
    return SteadyClock()


@pytest.fixture
async def fake(clock: SteadyClock) -> AsyncIterator[FakePayPal]:
    async with FakePayPal(now=clock.now) as fake:
        yield fake


@pytest.fixture
async def client(fake: FakePayPal) -> AsyncIterator[PayPalClient]:
    client = PayPalClient(
        client_id=fake.client_id, client_secret=fake.client_secret, api_base=fake.base_url, webhook_id="WH-1"
    )
    yield client
    await client.close()


def add_sale(fake: FakePayPal, **options: object) -> None:
    fake.orders.add_sale(
        ORDER,
        CAPTURE,
        "49.00",
        "EUR",
        email="ann@example.com",
        given_name="Ann",
        surname="Example",
        payer_id="QYR5Z8XDVJNXQ",
        paid_at=START,
        **options,  # type: ignore[arg-type]
    )


async def test_the_order_names_its_payer(fake: FakePayPal, client: PayPalClient) -> None:
    add_sale(fake)
    assert await PayPalBuyers(client).from_order(ORDER) == ANN


@pytest.mark.parametrize(("other_app", "order", "status"), [(True, ORDER, 403), (False, "8X2000000000000AB", 404)])
async def test_an_order_paypal_will_not_show_fails_with_its_status(
    fake: FakePayPal, client: PayPalClient, other_app: bool, order: str, status: int
) -> None:
    add_sale(fake, other_app=other_app)
    with pytest.raises(ProviderError) as caught:
        await PayPalBuyers(client).from_order(order)
    assert (caught.value.status, caught.value.retryable) == (status, False)
    assert ("PERMISSION_DENIED" if status == 403 else "INVALID_RESOURCE_ID") in caught.value.reason


async def test_a_busy_paypal_is_retryable(fake: FakePayPal, client: PayPalClient) -> None:
    add_sale(fake)
    fake.fail_next("/v2/checkout/orders", status=429)
    with pytest.raises(ProviderError) as caught:
        await PayPalBuyers(client).from_order(ORDER)
    assert caught.value.retryable


async def test_the_transaction_search_finds_the_sale_only_once_paypal_has_indexed_it(
    fake: FakePayPal, client: PayPalClient, clock: SteadyClock
) -> None:
    add_sale(fake, indexed_after=timedelta(hours=3))
    start, end = search_window(START)
    buyers = PayPalBuyers(client)
    assert await buyers.from_transactions(CAPTURE, start, end) is None
    clock.advance(3 * 3600)
    assert await buyers.from_transactions(CAPTURE, start, end) == ANN
    assert await buyers.from_transactions("9Z9999999999999ZZ", start, end) is None


async def test_a_search_paypal_refuses_fails_plainly(fake: FakePayPal, client: PayPalClient) -> None:
    buyers = PayPalBuyers(client)
    with pytest.raises(ProviderError) as too_long:
        await buyers.from_transactions(CAPTURE, START - timedelta(days=40), START)
    assert (too_long.value.status, too_long.value.retryable) == (400, False)
    assert "31 days" in too_long.value.reason
    fake.orders.transaction_search_enabled = False
    with pytest.raises(ProviderError) as disabled:
        await buyers.from_transactions(CAPTURE, *search_window(START))
    assert disabled.value.status == 403


async def test_an_id_that_could_change_the_path_is_refused_before_any_call(
    fake: FakePayPal, client: PayPalClient
) -> None:
    with pytest.raises(ProviderError):
        await PayPalBuyers(client).from_order("../../v1/oauth2/token")
    assert [call for call in fake.calls if call.path.startswith("/v2/checkout")] == []
