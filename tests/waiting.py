"""Waiting on an outcome, not for a fixed time: a predicate polled on the loop until it holds or time runs out."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(check: Callable[[], T], timeout: float = 10.0, what: str = "not shown in time") -> T:  # noqa: ASYNC109
    """`check()`'s first truthy answer; fails the test with `what` if none came within `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not (found := check()):
        assert asyncio.get_running_loop().time() < deadline, what
        await asyncio.sleep(0.05)
    return found
