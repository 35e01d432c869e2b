"""The `supportbot` command."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import signal
import sys

from bot.cli.parser import build_parser
from bot.config.settings import Settings, load_settings
from bot.core.errors import ConfigError, DatabaseUnavailableError
from bot.observability.logs import configure_logging

log = logging.getLogger("supportbot")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, rest = parser.parse_known_args(argv)
    if args.command is None or _group_without_command(args):
        # A bare `supportbot` (or `supportbot audit`) asks what there is: the help, not an error.
        parser.parse_args([*([args.command] if args.command else []), "--help"])
    if args.command == "tone":
        from bot.tone.cli import main as tone_main

        return tone_main(rest)
    if rest:
        parser.error(f"unrecognised arguments: {' '.join(rest)}")
    # The demo speaks through what it prints; its logs would only interleave with the channels.
    _configure_logging(args.verbose, quiet=args.command in ("demo", "doctor"))
    try:
        return asyncio.run(_COMMANDS[args.command](args))
    except ConfigError as exc:
        print(f"supportbot: {exc}", file=sys.stderr)
        return 2
    except DatabaseUnavailableError as exc:
        print(
            f"supportbot: cannot use the database {exc}: check SUPPORTBOT_DATABASE_URL (host, port, user, password, "
            "database name; for SQLite a directory that exists) and that the database server is running",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    return build_parser()


def _group_without_command(args: argparse.Namespace) -> bool:
    return any(getattr(args, f"{group}_command", "") is None for group in ("audit", "customer", "events"))


def _configure_logging(verbose: bool, *, quiet: bool = False) -> None:
    configure_logging(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)


async def _migrate(_args: argparse.Namespace) -> int:
    from bot.storage.db import Database

    settings = load_settings()
    db = Database(settings.database_url)
    try:
        before, head = await db.schema_state()
        await db.migrate()
    finally:
        await db.dispose()
    print(f"database schema: {before or 'empty'} -> {head}" if before != head else f"database schema at {head}")
    return 0


async def _doctor(_args: argparse.Namespace) -> int:
    from bot.doctor import run_doctor

    return await run_doctor()


async def _serve(_args: argparse.Namespace) -> int:
    settings = load_settings()
    settings.require("slack_bot_token", "slack_signing_secret", reason="to post to Slack and check its requests")
    return await _run_server(settings, socket_mode=False)


async def _socket(_args: argparse.Namespace) -> int:
    settings = load_settings()
    settings.require("slack_bot_token", "slack_app_token", reason="for Socket Mode")
    return await _run_server(settings, socket_mode=True)


async def _run_server(settings: Settings, *, socket_mode: bool) -> int:
    from bot.app.server import BotServer

    if settings.log_format != "text":  # known only now that the settings are read
        configure_logging(logging.getLogger().level, settings.log_format)
    server = BotServer(settings, socket_mode=socket_mode)
    await server.start()
    # What start-up built (modules, mappers, the SDKs: some 150,000 objects) lives as long as the process. Out of
    # the collector's sight, a full collection walks only what the work since made: it took 40 ms with them, a
    # pause in the middle of acknowledging webhooks, several times a minute under load.
    gc.freeze()
    try:
        await _until_signalled()
    finally:
        log.info("supportbot stopping")
        clock = server.runtime.clock
        started = clock.monotonic()
        await server.stop()
        log.info("supportbot stopped in %.1f s", clock.monotonic() - started)
    return 0


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def _demo(args: argparse.Namespace) -> int:
    from bot.demo.run import run_demo

    return await run_demo(database_url=args.database, burst=args.burst)


async def _audit(args: argparse.Namespace) -> int:
    from bot.actions import audit
    from bot.storage.db import Database

    settings = load_settings()
    db = Database(settings.database_url)
    try:
        await db.ensure_schema(create_if_new=False)
        async with db.transaction(read_only=True) as session:
            if args.audit_command == "export":
                async for chunk in audit.export(session, args.format, args.since):
                    sys.stdout.write(chunk)
                return 0
            checked, broken = await audit.verify(session)
    finally:
        await db.dispose()
    if broken is not None:
        print(
            f"audit trail broken at record {broken.seq}: {broken.reason} ({checked} records checked)", file=sys.stderr
        )
        return 1
    print(f"audit trail intact: {checked} records")
    return 0


async def _customer(args: argparse.Namespace) -> int:
    from bot.privacy.cli import run_customer_command

    return await run_customer_command(args)


async def _events(args: argparse.Namespace) -> int:
    from bot.core.clock import SystemClock
    from bot.inbound.quarantine import release
    from bot.storage.db import Database

    db = Database(load_settings().database_url)
    try:
        await db.ensure_schema(create_if_new=False)
        async with db.transaction() as session:
            released = await release(session, args.provider, args.event_id, SystemClock().now())
    finally:
        await db.dispose()
    if not released:
        print(f"no quarantined {args.provider} event {args.event_id}", file=sys.stderr)
        return 1
    print(f"{args.provider} event {args.event_id} will be applied again by the running bot")
    return 0


async def _tone_reviews(_args: argparse.Namespace) -> int:
    from bot.storage.db import Database
    from bot.tone.review import reviewed_messages

    db = Database(load_settings().database_url)
    try:
        await db.ensure_schema(create_if_new=False)
        async with db.transaction(read_only=True) as session:
            async for row in reviewed_messages(session):
                sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    finally:
        await db.dispose()
    return 0


async def _tone_retrain(_args: argparse.Namespace) -> int:
    from bot.core.clock import SystemClock
    from bot.storage.db import Database
    from bot.tone.retrain import describe, retrain

    db = Database(load_settings().database_url)
    try:
        await db.ensure_schema(create_if_new=False)
        retrained = await retrain(db, SystemClock().now(), trigger="command")
    finally:
        await db.dispose()
    print(describe(retrained))
    return 0


_COMMANDS = {
    "serve": _serve,
    "socket": _socket,
    "migrate": _migrate,
    "demo": _demo,
    "audit": _audit,
    "tone-reviews": _tone_reviews,
    "tone-retrain": _tone_retrain,
    "customer": _customer,
    "doctor": _doctor,
    "events": _events,
}


if __name__ == "__main__":
    sys.exit(main())
