"""Applying stored webhook events: how many signed-and-stored `charge.succeeded` events serve's event processor
turns into a customer record, a sale and a queued sales card per second (issue 18, item 3).

    /work/main/.venv/bin/python bench/apply.py [--events 3000] [--postgres [URL]]

The events are stored first, through the bot's own inbound log, as acknowledged webhooks are; then the bot's
processor (the same parsers and Applier that `supportbot serve` wires) applies them, batch after batch, in this
process, with nothing else running: the figure is the processor's own pace, what a backlog drains at once the
webhooks stop. Posting to Slack is not part of it (a card is applied once it is queued in the outbox).

The store holds a shop's past first (--history, 50,000 sales by default, each with its customer, event and card):
a new sale is looked up against all of them, and a look-up that reads every payment shows here, not in a new store.

The baseline, in the same run on SQLite, is the least applying can do with the same records
(bench/_apply_baseline.py): plain sqlite3, one transaction per 50 events, each event parsed, its customer
found or created, its payment inserted, its card queued and the event marked applied.
Target: at least 1,000 events/s on SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _apply_baseline import apply_plainly
from _common import (
    DEFAULT_POSTGRES,
    PRODUCTS,
    SLACK_SIGNING_SECRET,
    STRIPE_SECRET,
    Figure,
    MachineLoad,
    charge_succeeded,
    log,
    plan_cpus,
    postgres_database,
    print_figures,
    ratio,
    run_main,
    unique_run_tag,
    workdir,
)
from sqlalchemy import func, insert, select

from bot.app.runtime import Runtime
from bot.config.settings import Settings
from bot.storage.db import Database
from bot.storage.models.customers import Customer
from bot.storage.models.inbound import InboundEvent, InboundStatus
from bot.storage.models.outbox import OutboxMessage, OutboxStatus
from bot.storage.models.sales import Payment

APPLIED_TARGET = 1000.0
# A small shop a few years old: its past sales are what every new sale is looked up against.
HISTORY_SALES = 50_000
PAST = datetime(2025, 1, 1, tzinfo=UTC)  # when the past sales were made: any fixed time before the bench's events


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=3000, help="stored events to apply")
    parser.add_argument(
        "--history",
        type=int,
        default=HISTORY_SALES,
        help="sales the store holds before (each with its customer, event and card), as a shop some years old; 0: new",
    )
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=DEFAULT_POSTGRES,
        help="also apply on PostgreSQL, in a database of its own created on this server (default: the tests')",
    )
    parser.add_argument("--max-seconds", type=float, default=180.0, help="hard limit on the whole run")
    parser.add_argument("--no-pin", action="store_true", help="do not pin this process to one core")
    return parser.parse_args(argv)


def bench_settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,
        database_url=database_url,
        slack_bot_token="xoxb-bench",  # noqa: S106 - never used: nothing here calls Slack
        slack_signing_secret=SLACK_SIGNING_SECRET,
        slack_api_url="http://127.0.0.1:9/api/",  # never called: nothing here posts
        stripe_webhook_secret=STRIPE_SECRET,
        channel_sales="C0SALES",
        channel_support="C0SUPPORT",
        channel_disputes="C0DISPUTES",
        channel_oncall="C0ONCALL",
    )


def make_events(n: int) -> list[dict[str, Any]]:
    run = unique_run_tag()
    # One buyer in ten buys again: most sales make a new customer, some find one.
    buyers = max(1, n - n // 10)
    return [
        charge_succeeded(run=run, index=i, email=f"buyer{i % buyers:07d}@example.com", product=PRODUCTS[i % 6])
        for i in range(n)
    ]


class Applied:
    def __init__(self, name: str, count: int, seconds: float, cpu: float) -> None:
        self.name, self.count, self.seconds, self.cpu = name, count, seconds, cpu

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def describe(self) -> str:
        return (
            f"{self.name}: {self.count} events applied in {self.seconds:.2f} s = {self.rate:,.0f} events/s; "
            f"CPU {self.cpu / self.seconds:.0%} of one core"
        )


async def store_history(db: Database, sales: int) -> None:
    """`sales` past sales by four fifths as many customers, each told of by an applied event and shown by a sent card
    (written in bulk: the bot's own ids for them, from 1, in a new database)."""
    customers = max(1, sales * 4 // 5)
    tables = (
        (Customer, customers, lambda i: {"email": f"past{i:07d}@example.com", "name": f"Past {i}", "created_at": PAST}),
        (
            Payment,
            sales,
            lambda i: {
                "provider": "stripe",
                "provider_payment_id": f"pi_past{i:07d}",
                "charge_id": f"ch_past{i:07d}",
                "customer_id": i % customers + 1,
                "amount_minor": 4900,
                "currency": "usd",
                "amount_refunded_minor": 0,
                "product": PRODUCTS[i % len(PRODUCTS)],
                "livemode": True,
                "paid_at": PAST,
                "first_event_id": i + 1,
            },
        ),
        (
            InboundEvent,
            sales,
            lambda i: {
                "provider": "stripe",
                "event_id": f"evt_past{i:07d}",
                "event_type": "charge.succeeded",
                "payload": {},
                "status": InboundStatus.APPLIED,
                "attempts": 1,
                "received_at": PAST,
                "processed_at": PAST,
            },
        ),
        (
            OutboxMessage,
            sales,
            lambda i: {
                "dedupe_key": f"past-card:{i}",
                "channel": "C0SALES",
                "kind": "post_card",
                "subject_type": "sale",
                "subject_id": i + 1,
                "payload": {},
                "status": OutboxStatus.SENT,
                "attempts": 1,
                "not_before": PAST,
                "created_at": PAST,
                "slack_ts": f"{1735689600 + i}.000100",
                "sent_at": PAST,
            },
        ),
    )
    async with db.transaction() as session:
        for model, count, row in tables:
            for start in range(0, count, 5000):
                await session.execute(insert(model), [row(i) for i in range(start, min(count, start + 5000))])


async def apply_with_serve(
    database_url: str, events: list[dict[str, Any]], *, fresh: bool, history: int = 0
) -> Applied:
    """Store `events` through the bot's inbound log, then time its processor applying them all."""
    runtime = Runtime(bench_settings(database_url))
    try:
        if fresh:
            await runtime.db.migrate()
            await store_history(runtime.db, history)
        for start in range(0, len(events), 64):
            chunk = events[start : start + 64]
            await asyncio.gather(
                *(runtime.inbound.record("stripe", e["id"], e["type"], e, handled=True) for e in chunk)
            )
        gc.collect()
        t0, cpu0 = time.monotonic(), time.process_time()
        settled = 0
        while settled < len(events):
            settled += await runtime.processor.process_batch()
        seconds, cpu = time.monotonic() - t0, time.process_time() - cpu0
        async with runtime.db.transaction(read_only=True) as session:
            pending = await session.scalar(select(func.count()).where(InboundEvent.status != InboundStatus.APPLIED))
            payments = await session.scalar(select(func.count(Payment.id)))
            cards = await session.scalar(select(func.count()).where(OutboxMessage.kind == "post_card"))
        log(f"  check: {payments} payments, {cards} sale cards, {pending} events not applied")
        if pending or payments != history + len(events) or cards != history + len(events):
            raise RuntimeError("the processor did not apply every event into one sale and one card")
        return Applied("serve's processor", settled, seconds, cpu)
    finally:
        await runtime.db.dispose()


async def run(args: argparse.Namespace) -> int:
    cpus = plan_cpus(not args.no_pin)
    if cpus.server is not None:
        os.sched_setaffinity(0, cpus.server)  # everything here is the server's work: give it the quieter core
    machine = MachineLoad()
    events = make_events(args.events)
    results: dict[str, Applied] = {}
    with workdir("supportbot-bench-apply-") as tmp:
        bot_db, plain_db = tmp / "bot.db", tmp / "plain.db"
        runtime = Runtime(bench_settings(f"sqlite+aiosqlite:///{bot_db}"))
        await runtime.db.migrate()
        await store_history(runtime.db, args.history)
        await runtime.db.dispose()
        log(f"the store holds {args.history:,} past sales before the bench's own")
        shutil.copy(bot_db, plain_db)  # the same schema and history, made once
        results["sqlite"] = await apply_with_serve(
            f"sqlite+aiosqlite:///{bot_db}", events, fresh=False, history=args.history
        )
        log(results["sqlite"].describe())
        results["plain"] = await asyncio.to_thread(apply_plainly, Path(plain_db), events)
        log(results["plain"].describe())
    if args.postgres:
        results["postgres"] = await on_postgres(args.postgres, events, args.history)
        log(results["postgres"].describe() + " (PostgreSQL)")

    serve, plain = results["sqlite"], results["plain"]
    figures = [
        Figure(
            "events applied per second, serve's processor on SQLite",
            f"{serve.rate:,.0f} events/s ({serve.count} charge.succeeded: customer, sale, card queued; "
            f"{args.history:,} past sales stored)",
            f"plain sqlite3, same records {plain.rate:,.0f} events/s",
            f"{ratio(serve.rate, plain.rate):.2f} of plain",
            f">= {APPLIED_TARGET:,.0f} events/s",
            serve.rate >= APPLIED_TARGET,
        )
    ]
    if "postgres" in results:
        pg = results["postgres"]
        figures.append(
            Figure(
                "events applied per second, serve's processor on PostgreSQL",
                f"{pg.rate:,.0f} events/s",
                f"serve's processor on SQLite {serve.rate:,.0f} events/s",
                f"{ratio(pg.rate, serve.rate):.2f} of SQLite",
                "reported (no target)",
                True,
            )
        )
    log(machine.report())
    print_figures("bench/apply.py figures", figures)
    return 0 if all(f.passed for f in figures) else 1


async def on_postgres(server_url: str, events: list[dict[str, Any]], history: int) -> Applied:
    """The same events on a PostgreSQL database of its own (with the same history), created and dropped here."""
    async with postgres_database(server_url, "apply") as url:
        return await apply_with_serve(url, events, fresh=True, history=history)


def main(argv: list[str] | None = None) -> int:
    return run_main("bench/apply.py", run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
