"""Waiting on an outcome, not for a fixed time: a predicate polled on the loop until it holds or time runs out."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import TypeVar, overload

T = TypeVar("T")


# Two overloads, as `T | Awaitable[T]` alone lets mypy solve a coroutine function's T only as Never.
@overload
async def eventually(
    check: Callable[[], Awaitable[T]],
    timeout: float = ...,  # noqa: ASYNC109
    what: str = ...,
) -> T: ...
@overload
async def eventually(
    check: Callable[[], T],
    timeout: float = ...,  # noqa: ASYNC109
    what: str = ...,
) -> T: ...
async def eventually(
    check: Callable[[], T | Awaitable[T]],
    timeout: float = 10.0,  # noqa: ASYNC109 - asyncio.timeout() could not say what was awaited
    what: str = "not shown in time",
) -> T:
    """`check()`'s first truthy answer (awaited if it is a coroutine); fails the test with `what` if none came
    within `timeout` seconds of the loop's clock, which a test's fake clock does not move."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = check()
        if inspect.isawaitable(found):
            found = await found
        if found:
            return found
        assert asyncio.get_running_loop().time() < deadline, what
        await asyncio.sleep(0.05)
