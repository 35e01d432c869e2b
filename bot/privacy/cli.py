"""`supportbot customer forget EMAIL` and `supportbot customer purge`: privacy requests from the command line."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.config.settings import load_settings
from bot.core.clock import Clock, SystemClock
from bot.core.errors import UsageError
from bot.privacy.footprint import survey
from bot.privacy.forget import forget
from bot.privacy.retention import Retention
from bot.storage.db import Database


async def run_customer_command(args: argparse.Namespace, clock: Clock | None = None) -> int:
    settings = load_settings()
    clock = clock or SystemClock()
    db = Database(settings.database_url)
    try:
        await db.ensure_schema(create_if_new=False)
        if args.customer_command == "forget":
            return await _forget(db, clock, args.email, confirmed=args.yes)
        return await _purge(db, clock, args.days if args.days is not None else settings.retention_days)
    finally:
        await db.dispose()


async def _forget(db: Database, clock: Clock, email: str, *, confirmed: bool) -> int:
    try:
        async with db.transaction(read_only=True) as session:
            found = await survey(session, email)
        if not confirmed:
            print(f"Found {found.summary()}.")
            answer = await asyncio.to_thread(_ask, "Erase their personal data? This cannot be undone. [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                print("Nothing erased.")
                return 1
        async with db.transaction() as session:
            erased = await forget(session, email, clock.now())
    except UsageError as exc:
        print(f"supportbot: {exc}", file=sys.stderr)
        return 1
    print("\n".join(erased.lines()))
    return 0


def _ask(prompt: str) -> str:
    try:
        return input(prompt)
    except EOFError:  # nobody to answer (a script without --yes): the answer is no
        return ""


async def _purge(db: Database, clock: Clock, days: int) -> int:
    if days <= 0:
        print(
            "supportbot: retention is off (SUPPORTBOT_RETENTION_DAYS is 0): set it, or pass --days N.", file=sys.stderr
        )
        return 1
    purged = await Retention(db, clock, days).run_once()
    print(
        f"Erased bodies older than {days} days: {purged.messages} ticket message(s), "
        f"{purged.replies} reply action(s), {purged.webhooks} webhook payload(s)."
    )
    return 0
