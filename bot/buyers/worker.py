"""Asking PayPal who paid, off the webhook's path: the acknowledgement never waits for it.

Each due search is claimed in one short transaction, PayPal is asked with no transaction open, and the answer is
recorded in another: found (the cards are redrawn through the outbox), not yet (the next attempt is scheduled by
bot/policies/buyer_lookup.py), or given up (said under the sale's card). The schedule lives in the database and is
read on the injected clock, so a restart loses no search and tests can move time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from functools import partial

from bot.buyers.lookups import Claimed, buyer_found, buyer_not_found, claim, due_lookups
from bot.core.clock import Clock
from bot.core.errors import ProviderError
from bot.core.polling import Polling
from bot.integrations.paypal_buyers import Buyer, PayPalBuyers
from bot.policies.buyer_lookup import search_window
from bot.policies.routing import Channels
from bot.storage.db import Database

log = logging.getLogger(__name__)

# Longer than an attempt can take (two PayPal reads, each bounded by the client's deadline).
LEASE = timedelta(minutes=5)
# An order PayPal will not show: another REST app's (403 PERMISSION_DENIED), gone (404), or refused (400, 422).
_ORDER_UNAVAILABLE = frozenset({400, 403, 404, 422})


class BuyerSearch:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        buyers: PayPalBuyers,
        channels: Channels,
        on_work: Callable[[], None],
        *,
        poll_seconds: float = 5.0,
    ):
        self.db = db
        self.clock = clock
        self.buyers = buyers
        self.channels = channels
        self.on_work = on_work  # the outbox has something to draw
        self.polling = Polling("buyer search", poll_seconds, log)
        # True while attempts are being made: their claims push `next_at` ahead, so only this tells they run.
        self.busy = False

    def wake(self) -> None:
        self.polling.wake()

    async def stop(self) -> None:
        self.polling.stop()

    async def run(self) -> None:
        await self.polling.run(self.tick)

    async def tick(self) -> int:
        """Make every attempt now due; returns how many searches ended (found or given up), whose cards the outbox
        is told of at once, whoever called (as the timers' pass does)."""
        now = self.clock.now()
        self.busy = True
        ended = 0
        try:
            async with self.db.transaction(read_only=True) as session:
                due = await due_lookups(session, now)
            for lookup_id in due:
                claimed = await self.db.run(partial(claim, lookup_id=lookup_id, now=self.clock.now(), lease=LEASE))
                if claimed is not None:
                    ended += await self._attempt(claimed)
        finally:
            self.busy = False
        if ended:
            self.on_work()
        return ended

    async def _attempt(self, claimed: Claimed) -> bool:
        order_error: str | None = None
        order_unavailable = False
        if claimed.order_id is not None:
            try:
                buyer = await self.buyers.from_order(claimed.order_id)
            except ProviderError as exc:
                if exc.retryable:
                    return await self._not_found(claimed, error=exc.reason)
                log.info("buyer of %s: order %s unavailable: %s", claimed.capture_id, claimed.order_id, exc.reason)
                order_error, order_unavailable = exc.reason, exc.status in _ORDER_UNAVAILABLE
                if not order_unavailable:
                    return await self._not_found(claimed, error=exc.reason, give_up=exc.reason)
            else:
                if buyer is not None:
                    return await self._found(claimed, buyer, "order")
        start, end = search_window(claimed.paid_at)
        try:
            buyer = await self.buyers.from_transactions(claimed.capture_id, start, end)
        except ProviderError as exc:
            error = "; ".join(filter(None, (order_error, exc.reason)))
            give_up = None if exc.retryable else error
            return await self._not_found(claimed, error=error, order_unavailable=order_unavailable, give_up=give_up)
        if buyer is not None:
            return await self._found(claimed, buyer, "transaction search")
        return await self._not_found(claimed, error=order_error, order_unavailable=order_unavailable)

    async def _found(self, claimed: Claimed, buyer: Buyer, source: str) -> bool:
        log.info("buyer of PayPal sale %s found through the %s", claimed.capture_id, source)
        await self.db.run(lambda s: buyer_found(s, claimed, buyer, source, self.channels, self.clock.now()))
        return True

    async def _not_found(
        self,
        claimed: Claimed,
        *,
        error: str | None,
        order_unavailable: bool = False,
        give_up: str | None = None,
    ) -> bool:
        gave_up = await self.db.run(
            lambda s: buyer_not_found(
                s,
                claimed,
                self.channels,
                self.clock.now(),
                error=error,
                order_unavailable=order_unavailable,
                give_up=give_up,
            )
        )
        if gave_up:
            log.warning("buyer of PayPal sale %s not found; search given up: %s", claimed.capture_id, give_up or error)
        else:
            log.info(
                "buyer of PayPal sale %s not found yet (attempt %d): %s", claimed.capture_id, claimed.attempt, error
            )
        return gave_up
