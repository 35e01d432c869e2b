"""The `supportbot` command line: every subcommand with what it does, what it needs, and examples to copy.

Only the words and the shape live here; bot/cli/main.py runs what was asked for.
"""

from __future__ import annotations

import argparse
import textwrap
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version

DESCRIPTION = """\
Sales, tickets and disputes of a small online shop in Slack: cards for every sale, ticket and dispute,
permission-checked actions (refund, revoke, unsubscribe) and a tamper-evident audit trail.

Settings come from SUPPORTBOT_* environment variables or a .env file in the current directory
(.env.example lists them all; README.md, "Configuration", explains each)."""

EXAMPLES = """\
first steps:
  supportbot demo                 replay a day of a shop offline, nothing to configure
  supportbot doctor               check the settings and every connection, with a fix for each problem
  supportbot migrate              create or upgrade the database schema
  supportbot serve                run the bot (or `supportbot socket` without a public URL)

`supportbot COMMAND --help` explains a command. Setup guide: docs/setup.md."""

# name -> (one-line help for the list, description, examples)
_COMMANDS: dict[str, tuple[str, str, str]] = {
    "serve": (
        "serve Slack requests and provider webhooks over HTTP",
        "Run the bot: Slack (/slack/events), Stripe, PayPal and the help desk (/webhooks/*) call it over HTTP, "
        "and /healthz and /metrics answer on SUPPORTBOT_HOST:SUPPORTBOT_PORT. Put it behind HTTPS.\n"
        "Needs SUPPORTBOT_SLACK_BOT_TOKEN and SUPPORTBOT_SLACK_SIGNING_SECRET; a new database gets its schema.",
        "  supportbot serve\n  SUPPORTBOT_PORT=8080 supportbot serve --verbose",
    ),
    "socket": (
        "talk to Slack over Socket Mode; webhooks are still served over HTTP",
        "Run the bot with Slack connected over Socket Mode, so Slack needs no public URL (the app must have "
        "Socket Mode on: see manifest.yaml). Provider webhooks, /healthz and /metrics are still served over "
        "HTTP. Needs SUPPORTBOT_SLACK_BOT_TOKEN (xoxb-…) and SUPPORTBOT_SLACK_APP_TOKEN (xapp-…).",
        "  supportbot socket",
    ),
    "migrate": (
        "bring the database schema up to date",
        "Apply the database migrations of this release to SUPPORTBOT_DATABASE_URL, creating the schema of a new "
        "database. Back up first (docs/setup.md, 'Upgrading'). Safe to run twice; replicas take turns.",
        "  supportbot migrate\n"
        "  SUPPORTBOT_DATABASE_URL=postgresql://supportbot:secret@db:5432/supportbot supportbot migrate",
    ),
    "doctor": (
        "check the settings and every connection; say how to fix what fails",
        "Check the settings, the database schema, the Slack token and its scopes, each channel (exists, bot "
        "invited), the app token, the Stripe key and the PayPal credentials. Prints ✓ or ✗ with one fix per "
        "problem; exits 1 when anything is wrong. Changes nothing.",
        "  supportbot doctor\n  supportbot doctor && supportbot serve",
    ),
    "demo": (
        "replay a day of a shop offline, showing what each channel would show",
        "Replay a day and a night of a small shop against local fakes of Slack, Stripe, PayPal and a help desk, "
        "printing what each channel would show. Needs no settings and touches nothing outside this machine.",
        "  supportbot demo\n  supportbot demo --burst 200",
    ),
    "tone": (
        "classify the tone of a message (see `supportbot tone --help`)",
        "Classify the tone of customer messages as neutral, frustrated or abusive.",
        '  supportbot tone "You people are useless idiots"\n  supportbot tone --jsonl messages.jsonl > verdicts.jsonl',
    ),
    "tone-reviews": (
        "write the messages people marked abusive or not as JSON lines, for scripts/train_tone.py --extra",
        "Write every message people marked abusive, or not abusive, in Slack as one JSON object a line on "
        "stdout: the corrections to retrain the tone classifier with (scripts/train_tone.py --extra).",
        "  supportbot tone-reviews > reviews.jsonl\n  python scripts/train_tone.py --extra reviews.jsonl",
    ),
    "tone-retrain": (
        "retrain this deployment's tone head on the team's corrections; use it only if it does better",
        "Fit this deployment's own tone head on every message people marked abusive or not abusive in Slack, "
        "on top of the shipped model, and keep it in the database. It is used for verdicts only when it judges "
        "more corrections as the team did than the shipped model, by 5-fold cross-validation, and misses no "
        "more abusive ones; the output says which. The running bot also does this nightly at "
        "SUPPORTBOT_TONE_RETRAIN_HOUR when there are new corrections. `/support status` and /metrics show the "
        "version in use.",
        "  supportbot tone-retrain",
    ),
    "audit": (
        "export or verify the audit trail of actions",
        "The audit trail records every action taken through the bot (who, what, for whom, the outcome), each "
        "record chained to the previous one by its hash.",
        "  supportbot audit export --since 7d > audit.csv\n  supportbot audit verify",
    ),
    "customer": (
        "privacy: forget a customer, or erase old message bodies now",
        "Privacy requests: erase one customer's personal data everywhere, or erase message bodies older than "
        "the retention period now (SUPPORTBOT_RETENTION_DAYS does it hourly while the bot runs).",
        "  supportbot customer forget ann@example.com\n  supportbot customer purge --days 365",
    ),
    "events": (
        "webhook events set aside as unusable (`supportbot doctor` lists them)",
        "A webhook event that can never be applied (a payload the bot cannot store or read) is quarantined: it "
        "stops blocking the customer's later events, and `supportbot doctor` and the on-call channel name it. "
        "Once its cause is fixed (an upgrade, a setting), apply it again.",
        "  supportbot doctor\n  supportbot events retry stripe evt_1QxY2ZAbCdEf",
    ),
}
_EVENTS = {
    "retry": (
        "apply a quarantined event again, once its cause is fixed",
        "Put a quarantined event back in line: the running bot applies it again, and quarantines it anew if it "
        "still cannot be applied.",
        "  supportbot events retry stripe evt_1QxY2ZAbCdEf\n  supportbot events retry paypal WH-2WR32451HC0233532",
    ),
}
_AUDIT = {
    "export": (
        "write the audit trail to stdout, oldest first",
        "Write the audit trail to stdout, oldest record first, as CSV or JSON lines.",
        "  supportbot audit export > audit.csv\n  supportbot audit export --format jsonl --since 2026-11-01",
    ),
    "verify": (
        "check the hash chain; exit 1 naming the first broken record",
        "Check that no audit record was changed, removed or inserted after the fact: recompute the hash chain "
        "from the first record. Exits 0 when intact, 1 naming the first broken record.",
        "  supportbot audit verify",
    ),
}
_CUSTOMER = {
    "forget": (
        "erase a customer's personal data (asks first)",
        "Erase a customer's personal data: names, emails, message bodies, raw webhooks and the personal part "
        "of audit records, and redraw their cards in Slack. History, totals and `audit verify` still hold. "
        "Shows what it found and asks before erasing.",
        "  supportbot customer forget ann@example.com\n  supportbot customer forget ann@example.com --yes",
    ),
    "purge": (
        "erase message bodies older than the retention period now",
        "Erase customer message bodies, reply bodies and raw webhooks older than the retention period, once.",
        "  supportbot customer purge\n  supportbot customer purge --days 90",
    ),
}


_FORMATTER = argparse.RawDescriptionHelpFormatter


def package_version() -> str:
    try:
        return version("supportbot")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed: run `make install`)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="supportbot", description=DESCRIPTION, epilog=EXAMPLES, formatter_class=_FORMATTER
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    parser.add_argument("--version", action="version", version=f"supportbot {package_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    added = {name: _add(commands, name, text) for name, text in _COMMANDS.items()}

    added["demo"].add_argument("--database", help="database URL for the demo (default: a fresh SQLite file)")
    added["demo"].add_argument("--burst", type=int, default=60, help="sales in the launch-day rush (default 60)")

    audit = added["audit"].add_subparsers(dest="audit_command", metavar="AUDIT_COMMAND")
    export = _add(audit, "export", _AUDIT["export"])
    export.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    export.add_argument("--since", type=_since, help="an ISO date or time (UTC unless it says), or e.g. 7d / 12h")
    _add(audit, "verify", _AUDIT["verify"])

    customer = added["customer"].add_subparsers(dest="customer_command", metavar="CUSTOMER_COMMAND")
    forget = _add(customer, "forget", _CUSTOMER["forget"])
    forget.add_argument("email", help="the customer's email, in any case")
    forget.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    purge = _add(customer, "purge", _CUSTOMER["purge"])
    purge.add_argument("--days", type=int, help="older than this many days (default: SUPPORTBOT_RETENTION_DAYS)")

    events = added["events"].add_subparsers(dest="events_command", metavar="EVENTS_COMMAND")
    retry = _add(events, "retry", _EVENTS["retry"])
    retry.add_argument("provider", choices=("stripe", "paypal", "tickets"))
    retry.add_argument("event_id", help="the provider's event id, as the doctor and the on-call notice show it")
    return parser


def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Each (sub)command's parser by its full name ("audit verify"), for `--help` and for the tests."""
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found[sub.prog.removeprefix("supportbot ")] = sub
                found |= subparsers(sub)
    return found


def _add(commands: argparse._SubParsersAction, name: str, text: tuple[str, str, str]) -> argparse.ArgumentParser:
    summary, description, examples = text
    return commands.add_parser(
        name,
        help=summary,
        description="\n\n".join(textwrap.fill(paragraph, 100) for paragraph in description.split("\n")),
        epilog=f"examples:\n{examples}",
        formatter_class=_FORMATTER,
        # `tone` has its own parser (bot/tone/cli.py) that reads the rest of the line, --help included.
        add_help=name != "tone",
    )


def _since(value: str) -> datetime:
    from bot.actions.audit import parse_since

    try:
        return parse_since(value, datetime.now(UTC))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
