"""The `supportbot` command."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
from datetime import UTC, datetime

from bot.errors import ConfigError
from bot.logs import configure_logging
from bot.settings import Settings, load_settings

log = logging.getLogger("supportbot")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, rest = parser.parse_known_args(argv)
    if args.command == "tone":
        from bot.tone_cli import main as tone_main

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
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="supportbot", description="Sales, tickets and disputes in Slack.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("serve", help="serve Slack requests and provider webhooks over HTTP")
    commands.add_parser("socket", help="talk to Slack over Socket Mode; webhooks are still served over HTTP")
    commands.add_parser("migrate", help="bring the database schema up to date")
    commands.add_parser("doctor", help="check the settings and every connection; say how to fix what fails")
    demo = commands.add_parser("demo", help="replay a day of a shop offline, showing what each channel would show")
    demo.add_argument("--database", help="database URL for the demo (default: a fresh SQLite file)")
    demo.add_argument("--burst", type=int, default=60, help="sales in the launch-day rush (default 60)")
    commands.add_parser("tone", help="classify the tone of a message (see `supportbot tone --help`)", add_help=False)
    commands.add_parser(
        "tone-reviews",
        help="write the messages people marked abusive or not as JSON lines, for scripts/train_tone.py --extra",
    )
    audit = commands.add_parser("audit", help="export or verify the audit trail of actions")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True, metavar="AUDIT_COMMAND")
    export = audit_commands.add_parser("export", help="write the audit trail to stdout, oldest first")
    export.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    export.add_argument("--since", type=_since, help="an ISO date or time (UTC unless it says), or e.g. 7d / 12h")
    audit_commands.add_parser("verify", help="check the hash chain; exit 1 naming the first broken record")
    customer = commands.add_parser("customer", help="privacy: forget a customer, or erase old message bodies now")
    customer_commands = customer.add_subparsers(dest="customer_command", required=True, metavar="CUSTOMER_COMMAND")
    forget = customer_commands.add_parser("forget", help="erase a customer's personal data (asks first)")
    forget.add_argument("email", help="the customer's email, in any case")
    forget.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    purge = customer_commands.add_parser("purge", help="erase message bodies older than the retention period now")
    purge.add_argument("--days", type=int, help="older than this many days (default: SUPPORTBOT_RETENTION_DAYS)")
    events = commands.add_parser("events", help="webhook events set aside as unusable (`supportbot doctor` lists them)")
    events_commands = events.add_subparsers(dest="events_command", required=True, metavar="EVENTS_COMMAND")
    retry = events_commands.add_parser("retry", help="apply a quarantined event again, once its cause is fixed")
    retry.add_argument("provider", choices=("stripe", "paypal", "tickets"))
    retry.add_argument("event_id", help="the provider's event id, as the doctor and the on-call notice show it")
    return parser


def _configure_logging(verbose: bool, *, quiet: bool = False) -> None:
    configure_logging(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)


async def _migrate(_args: argparse.Namespace) -> int:
    from bot.db import Database

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
    from bot.server import BotServer

    if settings.log_format != "text":  # known only now that the settings are read
        configure_logging(logging.getLogger().level, settings.log_format)
    server = BotServer(settings, socket_mode=socket_mode)
    await server.start()
    try:
        await _until_signalled()
    finally:
        log.info("supportbot stopping")
        await server.stop()
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
    from bot import audit
    from bot.db import Database

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
    from bot.privacy_cli import run_customer_command

    return await run_customer_command(args)


async def _events(args: argparse.Namespace) -> int:
    from bot.db import Database
    from bot.quarantine import release

    db = Database(load_settings().database_url)
    try:
        await db.ensure_schema(create_if_new=False)
        async with db.transaction() as session:
            released = await release(session, args.provider, args.event_id, datetime.now(UTC))
    finally:
        await db.dispose()
    if not released:
        print(f"no quarantined {args.provider} event {args.event_id}", file=sys.stderr)
        return 1
    print(f"{args.provider} event {args.event_id} will be applied again by the running bot")
    return 0


async def _tone_reviews(_args: argparse.Namespace) -> int:
    from bot.db import Database
    from bot.tone_review import reviewed_messages

    db = Database(load_settings().database_url)
    try:
        await db.ensure_schema(create_if_new=False)
        async with db.transaction(read_only=True) as session:
            async for row in reviewed_messages(session):
                sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    finally:
        await db.dispose()
    return 0


def _since(value: str) -> datetime:
    from bot.audit import parse_since

    try:
        return parse_since(value, datetime.now(UTC))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


_COMMANDS = {
    "serve": _serve,
    "socket": _socket,
    "migrate": _migrate,
    "demo": _demo,
    "audit": _audit,
    "tone-reviews": _tone_reviews,
    "customer": _customer,
    "doctor": _doctor,
    "events": _events,
}


if __name__ == "__main__":
    sys.exit(main())
