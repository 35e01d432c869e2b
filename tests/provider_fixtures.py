"""Fake providers for the tests that run the bot against them, fresh for each test (loaded by tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.fakes.helpdesk import FakeHelpDesk, fake_helpdesk
from bot.fakes.licences import FakeKeygen, FakeLicenceServer, fake_keygen_api, fake_licence_server
from bot.fakes.mailing_lists import FakeMailchimp, fake_mailchimp_api
from bot.fakes.paypal import FakePayPal, fake_paypal_api
from bot.fakes.slack import FakeSlack
from bot.fakes.smtp import FakeSmtp, fake_smtp_server
from bot.fakes.stripe import FakeStripe, fake_stripe_api
from tests.builders import TICKETS_SECRET
from tests.clocks import SteadyClock
from tests.harness import CHANNELS


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(channels=CHANNELS) as fake:
        yield fake


@pytest.fixture
async def paypal() -> AsyncIterator[FakePayPal]:
    async with fake_paypal_api() as fake:
        yield fake


@pytest.fixture
async def stripe_api() -> AsyncIterator[FakeStripe]:
    async with fake_stripe_api() as fake:
        yield fake


@pytest.fixture
async def keygen() -> AsyncIterator[FakeKeygen]:
    async with fake_keygen_api() as fake:
        yield fake


@pytest.fixture
async def mailchimp() -> AsyncIterator[FakeMailchimp]:
    async with fake_mailchimp_api() as fake:
        yield fake


@pytest.fixture
async def licence_server() -> AsyncIterator[FakeLicenceServer]:
    async with fake_licence_server() as fake:
        yield fake


@pytest.fixture
async def helpdesk() -> AsyncIterator[FakeHelpDesk]:
    # The bot signs its write-back with the tickets webhook secret, so the help desk verifies with that; it checks
    # the signature's age on the suite's clock, as a bot under test keeps it (tests.clocks).
    async with fake_helpdesk(TICKETS_SECRET, now=SteadyClock().now) as fake:
        yield fake


@pytest.fixture
async def smtp() -> AsyncIterator[FakeSmtp]:
    async with fake_smtp_server(username="supportbot", password="smtp-test-password") as fake:
        yield fake
