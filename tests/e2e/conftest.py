"""Fake providers for the end-to-end tests, fresh for each test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.fakes.paypal import FakePayPal, fake_paypal_api
from bot.fakes.slack import FakeSlack
from tests.harness import CHANNELS


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(channels=CHANNELS) as fake:
        yield fake


@pytest.fixture
async def paypal() -> AsyncIterator[FakePayPal]:
    async with fake_paypal_api() as fake:
        yield fake
