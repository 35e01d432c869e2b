"""PayPal webhook verification that a stranger cannot make expensive: answers remembered, calls in flight capped.

PayPal signs nothing we can check ourselves: each delivery costs a call to its verification API, made on a
worker thread (the SDK is synchronous). So a forged delivery replayed is answered from memory, the same one
arriving many times at once is asked about once, and beyond a few calls in flight the answer is "busy" at once
(503: PayPal delivers again later) rather than a queue growing with the flood.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from bot.core.errors import BotError

TRANSMISSION_HEADERS = (
    "paypal-auth-algo",
    "paypal-cert-url",
    "paypal-transmission-id",
    "paypal-transmission-sig",
    "paypal-transmission-time",
)
# PayPal's verification calls share the default thread pool (6 threads on 2 cores) with refunds and sign-ins.
MAX_IN_FLIGHT = 4
REMEMBERED = 4096

Verify = Callable[[Mapping[str, str], dict[str, Any]], Awaitable[bool]]


class VerificationBusyError(BotError):
    """As many verifications are in flight as we allow; the delivery should be answered 503 and come again."""


class PayPalVerification:
    """`verified(headers, raw, parse)`: whether PayPal vouches for a delivery, asking it at most once per delivery.

    A delivery is its transmission headers and its exact body: the signature covers both, so the same ones
    always get the same answer, and an answer is never reused for a changed body or header.
    """

    def __init__(self, verify: Verify, *, max_in_flight: int = MAX_IN_FLIGHT, remembered: int = REMEMBERED):
        self._verify = verify
        self._max_in_flight = max_in_flight
        self._remembered = remembered
        self._answers: OrderedDict[bytes, bool] = OrderedDict()
        self._asking: dict[bytes, asyncio.Future[bool]] = {}

    async def verified(self, headers: Mapping[str, str], raw: bytes, parse: Callable[[bytes], dict[str, Any]]) -> bool:
        """True if PayPal confirms the delivery. `parse` reads the body, only when PayPal is to be asked.

        Raises `VerificationBusyError` when the cap is reached, and whatever `verify` or `parse` raise.
        """
        lowered = {name.lower(): value.strip() for name, value in headers.items()}
        if not all(lowered.get(name) for name in TRANSMISSION_HEADERS):
            return False  # unsigned: nothing to ask PayPal about
        key = _delivery_key(lowered, raw)
        if (known := self._answers.get(key)) is not None:
            self._answers.move_to_end(key)
            return known
        if (asking := self._asking.get(key)) is not None:
            return await asyncio.shield(asking)
        if len(self._asking) >= self._max_in_flight:
            raise VerificationBusyError("too many PayPal verifications in flight; deliver again later")
        event = parse(raw)
        asking = asyncio.get_running_loop().create_future()
        self._asking[key] = asking
        try:
            answer = await self._verify(headers, event)
        except asyncio.CancelledError:
            asking.cancel()
            raise
        except Exception as exc:
            # Not remembered: PayPal could not answer now, and may next time. Those waiting get the same error.
            asking.set_exception(exc)
            asking.exception()  # retrieved here, so an unawaited future does not warn
            raise
        else:
            asking.set_result(answer)
            self._remember(key, answer)
            return answer
        finally:
            del self._asking[key]

    def _remember(self, key: bytes, answer: bool) -> None:
        self._answers[key] = answer
        while len(self._answers) > self._remembered:
            self._answers.popitem(last=False)


def _delivery_key(lowered: Mapping[str, str], raw: bytes) -> bytes:
    digest = hashlib.sha256()
    for name in TRANSMISSION_HEADERS:
        value = lowered[name].encode("utf-8", "replace")
        digest.update(len(value).to_bytes(4, "big") + value)
    digest.update(raw)
    return digest.digest()
