"""`supportbot demo`: the real pipeline on SQLite against stand-ins for Slack and PayPal, offline.

Webhooks are signed as the providers sign them and sent over loopback HTTP to the bot's own server; what the
stand-in Slack receives is printed as each channel would show it to the team in Berlin.

The story is told on its own clock (Wednesday 25 November 2026 and the night after), one scene at a time: the
clock is set to the scene's time, the bot's timers run, the scene's deliveries arrive and the team clicks, and
the scene's output is printed only once the bot has settled all of it. So the same story prints every run.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import time
from datetime import UTC, datetime
from itertools import groupby
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.actions import audit
from bot.app.runtime import Runtime
from bot.config.settings import Settings
from bot.core.clock import FakeClock
from bot.demo.blockkit_text import Viewer
from bot.demo.day import OLIVIA, SAM, VICTOR, VICTOR_LICENCE, VICTOR_PAYMENT, set_up_paypal, the_day
from bot.demo.homes import save_chart
from bot.demo.mail import SHOP_ADDRESS, SHOP_NAME
from bot.demo.owner import SlackPerson
from bot.demo.scenes import Bot, Mail, Signing, Stage
from bot.demo.script import TEAM_ZONE, at
from bot.demo.terminal import Terminal
from bot.fakes.helpdesk import FakeHelpDesk
from bot.fakes.imap import FakeImap
from bot.fakes.licences import FakeKeygen
from bot.fakes.mailing_lists import FakeMailchimp
from bot.fakes.paypal import FakePayPal
from bot.fakes.slack import FakeSlack
from bot.fakes.smtp import FakeSmtp
from bot.fakes.stripe import FakeStripe
from bot.outbox.pacing import Pacer

CHANNELS = {"C0SALES": "sales", "C0SUPPORT": "support", "C0DISPUTES": "disputes", "C0ONCALL": "oncall"}
STRIPE_SECRET = "whsec_demo"
TICKETS_SECRET = "demo-tickets-secret"
PAYPAL_WEBHOOK_ID = "WH-DEMO"
SIGNING_SECRET = "demo-signing-secret"
MAILBOX_PASSWORD = "demo-app-password"  # what Gmail calls an app password
OWNER = "U0OLIVIA"
AGENT = "U0SAM"
PEOPLE = {OWNER: OLIVIA, AGENT: SAM}
# The story drives the bot's timers: they run when its clock moves, not on a real-time poll as well.
TIMERS_IDLE_SECONDS = 3600.0


async def run_demo(*, database_url: str | None, burst: int) -> int:
    clock = FakeClock(at("08:55").astimezone(UTC))
    terminal = Terminal(Viewer(TEAM_ZONE, clock.now, PEOPLE, CHANNELS), CHANNELS)
    # Kept after the run (not a TemporaryDirectory): the database and the chart saved beside it are for the reader.
    with contextlib.nullcontext(tempfile.mkdtemp(prefix="supportbot-demo-")) as tmp:
        url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'demo.db'}"
        story_time = lambda: clock.now().timestamp()  # noqa: E731
        # The stand-in enforces Slack's real posting limit, so the demo shows pacing and the rush digest.
        async with (
            FakeSlack(
                channels=CHANNELS, post_rate=1.0, post_burst=3, on_change=terminal.show, wall_clock=story_time
            ) as slack,
            FakePayPal(now=clock.now) as paypal,
            FakeStripe(now=story_time, seed=2026) as stripe_api,
            FakeKeygen() as keygen,
            FakeMailchimp() as mailchimp,
            FakeHelpDesk(TICKETS_SECRET, now=clock.now) as helpdesk,
            FakeImap(user=SHOP_ADDRESS, password=MAILBOX_PASSWORD) as imap,
            FakeSmtp() as smtp,
        ):
            stripe_api.add_payment_intent(VICTOR_PAYMENT, 19900, "usd")
            set_up_paypal(paypal.orders)
            keygen.add_licence(VICTOR_LICENCE, VICTOR["email"], "Team licence (5 seats)")
            mailchimp.subscribe(VICTOR["email"])
            settings = _settings(url, slack, paypal, stripe_api, keygen, mailchimp, Mail(imap, smtp))
            terminal.say(
                f"supportbot demo — database {url}",
                "(offline: Slack, Stripe, PayPal, Keygen, Mailchimp, the help desk and the shop's mail servers",
                "are local stand-ins)",
                f"Times are the team's in Berlin ({TEAM_ZONE.key}), as their Slack shows them; a customer's own",
                "time is named with the customer's zone.",
            )
            # Slack's posting limit is paced in real seconds; everything the story dates comes from its clock.
            runtime = Runtime(settings, clock=clock, poll_seconds=0.1, pacer=Pacer(time.monotonic))
            runtime.timers.polling.poll_seconds = TIMERS_IDLE_SECONDS
            if runtime.buyer_search is not None:
                runtime.buyer_search.polling.poll_seconds = TIMERS_IDLE_SECONDS
            await runtime.start()
            runner = web.AppRunner(runtime.web_app(runtime.slack_app()), access_log=None)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            base = f"http://127.0.0.1:{runner.addresses[0][1]}"
            try:
                async with aiohttp.ClientSession() as http:
                    people = {
                        user: SlackPerson(http, base, slack, (user, name), SIGNING_SECRET, terminal.viewer, clock)
                        for user, name in PEOPLE.items()
                    }
                    signing = Signing(STRIPE_SECRET, TICKETS_SECRET, PAYPAL_WEBHOOK_ID, paypal)
                    stage = Stage(runtime, clock, terminal, slack, people, Bot(http, base, signing), Mail(imap, smtp))
                    for scene in the_day(burst, helpdesk.callback_url):
                        await stage.play(scene)
                chart = await save_chart(runtime, slack, _beside(url, Path(tmp)))
                trail = await _audit_trail(runtime)
            finally:
                await runner.cleanup()
                await runtime.stop()
            terminal.rule("End of the story")
            terminal.say(*(f"  {key:<40} {count}" for key, count in sorted(terminal.counts.items())))
            terminal.say(f"  Slack 429 answers provoked: {sum(slack.rate_limited.values())}")
            _print_providers(terminal, stripe_api, keygen, mailchimp, helpdesk)
            _print_mail(terminal, imap, smtp)
            _print_dispute_answers(terminal, paypal)
            terminal.rule(f"The audit trail (times in Berlin, {TEAM_ZONE.key})")
            terminal.say(*trail)
            if chart is not None:
                terminal.say("", f"The owners' 30-day chart, as Slack received it: {chart}")
    return 0


def _beside(url: str, fallback: Path) -> Path:
    """The folder of the demo's SQLite database; another database's demo keeps its chart in `fallback`."""
    if url.startswith("sqlite") and ":///" in url and ":memory:" not in url:
        return Path(url.split(":///", 1)[1]).parent
    return fallback


def _settings(
    url: str,
    slack: FakeSlack,
    paypal: FakePayPal,
    stripe_api: FakeStripe,
    keygen: FakeKeygen,
    mailchimp: FakeMailchimp,
    mail: Mail,
) -> Settings:
    return Settings(
        _env_file=None,
        database_url=url,
        slack_bot_token=slack.token,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.base_url,
        stripe_api_key=stripe_api.api_key,
        stripe_api_base=stripe_api.base_url,
        keygen_account=keygen.account,
        keygen_token=keygen.token,
        keygen_api_base=keygen.base_url,
        mailchimp_api_key=mailchimp.api_key,
        mailchimp_list_id=mailchimp.list_id,
        mailchimp_api_base=mailchimp.base_url,
        owners=(OWNER,),
        agents=(AGENT,),
        stripe_webhook_secret=STRIPE_SECRET,
        tickets_webhook_secret=TICKETS_SECRET,
        paypal_client_id=paypal.client_id,
        paypal_client_secret=paypal.client_secret,
        paypal_webhook_id=PAYPAL_WEBHOOK_ID,
        paypal_api_base=paypal.base_url,
        channel_sales="C0SALES",
        channel_support="C0SUPPORT",
        channel_disputes="C0DISPUTES",
        channel_oncall="C0ONCALL",
        # The team works 09:00-18:00 in Berlin; out of hours Sam is on call and Olivia is the owner.
        timezone=TEAM_ZONE.key,
        business_hours="mon-fri 09:00-18:00",
        oncall_people=AGENT,
        oncall_start="2026-11-23T09:00",
        # The shop's support@ mailbox, read over IMAP (loopback, so no TLS), and its SMTP server for replies.
        imap_host="127.0.0.1",
        imap_port=mail.imap.port,
        imap_tls="none",
        imap_user=SHOP_ADDRESS,
        imap_password=MAILBOX_PASSWORD,
        smtp_host="127.0.0.1",
        smtp_port=mail.smtp.port,
        smtp_tls="none",
        smtp_from=SHOP_ADDRESS,
        smtp_from_name=SHOP_NAME,
    )


def _print_providers(
    terminal: Terminal, stripe_api: FakeStripe, keygen: FakeKeygen, mailchimp: FakeMailchimp, helpdesk: FakeHelpDesk
) -> None:
    terminal.rule("What the providers were asked to do")
    for refund in stripe_api.refunds:
        terminal.say(
            f"  Stripe: refund {refund['id']} of {refund['amount'] / 100:.2f} {refund['currency'].upper()} "
            f"on {refund['payment_intent']} ({refund['status']})"
        )
    terminal.say(f"  Keygen: licence {VICTOR_LICENCE} is {keygen.status_of(VICTOR_LICENCE)}")
    terminal.say(f"  Mailchimp: {VICTOR['email']} is {mailchimp.status_of(VICTOR['email'])}")
    for update in helpdesk.updates:
        said = f": “{' '.join(update.body.split())[:60]}…”" if update.body else ""
        terminal.say(
            f"  Help desk: {update.type} on {update.ticket_id} by {update.agent.get('name') or '?'}{said} "
            f"(signed, ref {update.reference})"
        )


def _print_mail(terminal: Terminal, imap: FakeImap, smtp: FakeSmtp) -> None:
    changed = f"commands that change it: {', '.join(imap.changes)}" if imap.changes else "nothing marked read or moved"
    terminal.say(f"  Mailbox: {len(imap.mails)} mail(s) read from {SHOP_ADDRESS}; {changed}")
    for sent in smtp.messages:
        terminal.say(f"  SMTP: “{sent.message['Subject']}” to {', '.join(sent.rcpt_tos)}")


def _print_dispute_answers(terminal: Terminal, paypal: FakePayPal) -> None:
    for received in paypal.dispute_desk.evidence:
        kinds = ", ".join(e["evidence_type"] for e in received.evidences)
        files = ", ".join(name for name, _ in received.files.values()) or "no file"
        terminal.say(
            f"  PayPal: evidence on {received.dispute_id} ({kinds}; {files}), request id {received.request_id}"
        )


async def _audit_trail(runtime: Runtime) -> list[str]:
    rows = []
    async with runtime.db.transaction(read_only=True) as session:
        async for line in audit.export(session, "jsonl"):
            rows.append(json.loads(line))
        checked, broken = await audit.verify(session)
    lines = []
    for row in _steps_by_name(rows):
        ref = f" · {row['provider_reference']}" if row["provider_reference"] else ""
        when = datetime.fromisoformat(row["at"]).astimezone(TEAM_ZONE)
        lines.append(
            f"  {when:%a %H:%M}  {row['actor_name'] or row['actor_id']:<8} "
            f"{row['action']:<15} {row['outcome']:<10} {row['subject'] or ''}{ref}"
        )
    verdict = f"BROKEN at {broken.seq}" if broken else "intact (supportbot audit verify)"
    return [*lines, f"  chain: {checked} records, {verdict}"]


def _steps_by_name(rows: list[dict]) -> list[dict]:
    """The trail in its order, except that the outcomes of one action's steps, which run side by side and
    finish in whatever order the providers answer, are listed by step name: the story prints the same each run.
    """
    ordered: list[dict] = []
    for _, run in groupby(rows, key=lambda row: (row["at"], row["outcome"], row["action"] in _SIDE_BY_SIDE)):
        group = list(run)
        side_by_side = group[0]["action"] in _SIDE_BY_SIDE and group[0]["outcome"] != "attempted"
        ordered += sorted(group, key=lambda row: row["action"]) if side_by_side else group
    return ordered


# The steps of a part-ways, carried out together.
_SIDE_BY_SIDE = frozenset({"refund", "revoke-licence", "unsubscribe", "reply"})
