"""Fake help desks for the desk tests, fresh for each test, started from the documented sample payloads."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.fakes.freescout import FakeFreeScout
from bot.fakes.helpscout import FakeHelpScout

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / name).read_text())


@pytest.fixture
async def helpscout() -> AsyncIterator[FakeHelpScout]:
    async with FakeHelpScout() as fake:
        fake.add_conversation(sample("helpscout_convo_created.json"))
        yield fake


@pytest.fixture
async def freescout() -> AsyncIterator[FakeFreeScout]:
    async with FakeFreeScout() as fake:
        fake.add_conversation(sample("freescout_convo_created.json"))
        yield fake
