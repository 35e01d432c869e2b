"""A launch-day rush: 1,000 sales within 10 s against a fake Slack that enforces 1 post/s per channel (burst 3).

Target: zero 429s provoked, every sale accounted for in Slack, the last sale visible within 5 s of the burst's
end, resident memory of `supportbot serve` under 150 MB.

    /work/main/.venv/bin/python bench/burst.py [--sales 1000] [--duration 10] [--settle-timeout 60]

`serve` runs as a subprocess on a temporary SQLite database, pointed at a FakeSlack in this process. The sales
are distinct signed Stripe `charge.succeeded` webhooks, each with its own email and a product, sent open loop
on a fixed timetable. Baselines in the same run: a naive poster (one chat.postMessage per sale with slack_sdk's
AsyncWebClient, SDK defaults: no retry on 429) against a second FakeSlack with the same limits, and the RSS
of the idle `serve` before the load. Figures are printed last.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import math
import sqlite3
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from _common import (
    CHANNELS,
    PRODUCTS,
    Figure,
    MachineLoad,
    charge_succeeded,
    format_latencies,
    latency_summary,
    log,
    open_loop,
    plan_cpus,
    print_figures,
    ratio,
    run_main,
    serve_env,
    serve_process,
    signed_request,
    stop_all_servers,
    unique_run_tag,
    workdir,
)
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.fakes.slack import FakeSlack, Message

SALES_CHANNEL = "C0SALES"
RSS_TARGET_MB = 150.0
LAST_SALE_TARGET_S = 5.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sales", type=int, default=1000, help="sales in the burst")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds the burst is spread over, evenly")
    parser.add_argument("--post-rate", type=float, default=1.0, help="the fake Slack's posts/s per channel")
    parser.add_argument("--post-burst", type=int, default=3, help="the fake Slack's burst of posts per channel")
    parser.add_argument("--settle-timeout", type=float, default=60.0, help="max seconds after the burst to wait")
    parser.add_argument("--grace", type=float, default=2.0, help="seconds to keep watching once all are shown")
    parser.add_argument("--skip-baseline", action="store_true", help="skip the naive poster (faster runs)")
    parser.add_argument("--max-seconds", type=float, default=115.0, help="hard limit on the whole run")
    parser.add_argument("--no-pin", action="store_true", help="do not pin this process and serve to cores")
    return parser.parse_args(argv)


def _header(message: Message) -> str:
    blocks = message.blocks or []
    if not blocks:
        return ""
    return str((blocks[0].get("text") or {}).get("text") or "")


def _digest_count(header: str) -> int:
    # "🚀 Sales rush · 1,234 sales"
    return int(header.split("·")[1].split()[0].replace(",", ""))


def _digest_latest_emails(message: Message) -> list[str]:
    for block in message.blocks or []:
        text = str((block.get("text") or {}).get("text") or "")
        if text.startswith("*Latest*"):
            return [line.rsplit(" · ", 1)[-1].strip() for line in text.splitlines()[1:] if line.startswith("•")]
    return []


@dataclass
class SalesTracker:
    """Watches #sales through FakeSlack.on_change: when each sale first shows, as a card or in a digest."""

    index_of: dict[str, int]  # email -> sale index
    first_seen: dict[int, float] = field(default_factory=dict)  # sale index -> time.monotonic()
    how_seen: dict[int, str] = field(default_factory=dict)
    changes: Counter[str] = field(default_factory=Counter)

    def on_change(self, kind: str, message: Message) -> None:
        if message.channel != SALES_CHANNEL or message.thread_ts:
            return
        now = time.monotonic()
        self.changes[kind] += 1
        header = _header(message)
        if header.startswith("💰"):
            self._seen(message.text.rsplit(" · ", 1)[-1].strip(), now, "card")
        elif header.startswith("🚀 Sales rush"):
            for email in _digest_latest_emails(message):
                self._seen(email, now, "digest")

    def _seen(self, email: str, now: float, how: str) -> None:
        index = self.index_of.get(email)
        if index is not None and index not in self.first_seen:
            self.first_seen[index] = now
            self.how_seen[index] = how


@dataclass
class Accounting:
    cards: int = 0
    digests: int = 0
    digest_sales: int = 0
    duplicate_cards: int = 0  # card messages beyond the first for one sale
    foreign: int = 0  # messages in #sales that are neither

    @property
    def accounted(self) -> int:
        return self.cards + self.digest_sales


def account(slack: FakeSlack, index_of: dict[str, int]) -> tuple[Accounting, set[str]]:
    """Sales #sales accounts for now, from the latest version of each message; also the emails with cards."""
    result = Accounting()
    card_emails: Counter[str] = Counter()
    for message in slack.channel_messages(SALES_CHANNEL):
        header = _header(message)
        if header.startswith("💰"):
            result.cards += 1
            card_emails[message.text.rsplit(" · ", 1)[-1].strip()] += 1
        elif header.startswith("🚀 Sales rush"):
            result.digests += 1
            result.digest_sales += _digest_count(header)
        else:
            result.foreign += 1
    result.duplicate_cards = sum(n - 1 for n in card_emails.values() if n > 1)
    return result, {email for email in card_emails if email in index_of}


@dataclass
class NaiveResult:
    posted: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    last_sale_posted_at: float | None = None
    last_post_at: float | None = None
    burst_end: float = 0.0


async def naive_poster(slack: FakeSlack, emails: list[str], rate: float) -> NaiveResult:
    """One chat.postMessage per sale as it comes, no pacing, no digest; slack_sdk defaults (no 429 retry)."""
    assert slack.base_url is not None
    client = AsyncWebClient(token=slack.token, base_url=slack.base_url)
    result = NaiveResult()
    last = len(emails) - 1

    async def post(i: int) -> None:
        text = f"New sale: €49.00 · {PRODUCTS[i % len(PRODUCTS)]} · {emails[i]}"
        try:
            await client.chat_postMessage(
                channel=SALES_CHANNEL,
                text=text,
                blocks=[{"type": "header", "text": {"type": "plain_text", "text": f"💰 €49.00 · {PRODUCTS[0]}"}}],
            )
        except SlackApiError as exc:
            result.failures[f"HTTP {exc.response.status_code} {exc.response.get('error')}"] += 1
            return
        except Exception as exc:  # a failed post is what is being counted, whatever it was
            result.failures[type(exc).__name__] += 1
            return
        now = time.monotonic()
        result.posted += 1
        result.last_post_at = now
        if i == last:
            result.last_sale_posted_at = now

    tasks = []
    t0 = time.monotonic() + 0.05
    for i in range(len(emails)):
        delay = t0 + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if i == last:
            result.burst_end = time.monotonic()
        tasks.append(asyncio.create_task(post(i)))
    await asyncio.gather(*tasks)
    return result


def database_check(path: Path, card_emails: set[str]) -> str:
    """Cross-check with the bot's own records: each payment either has a card or is in a digest, not both."""
    if not path.exists():
        return "database gone"
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        total, in_digest, with_card, both = db.execute(
            "SELECT count(*), count(digest_id), count(slack_ts), "
            "sum(CASE WHEN digest_id IS NOT NULL AND slack_ts IS NOT NULL THEN 1 ELSE 0 END) FROM payments"
        ).fetchone()
        digested_emails = {row[0] for row in db.execute("SELECT payer_email FROM payments WHERE digest_id IS NOT NULL")}
        outbox = dict(db.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall())
    shown_twice = len(card_emails & digested_emails)
    return (
        f"payments {total}: in a digest {in_digest}, with a card {with_card}, both {both or 0}; "
        f"sales with a card in Slack that the bot also put in a digest: {shown_twice}; outbox by status {outbox}"
    )


async def run(args: argparse.Namespace) -> int:
    cpus = plan_cpus(not args.no_pin)
    machine = MachineLoad()
    run_tag = unique_run_tag()
    rate = args.sales / args.duration
    emails = [f"sale{i:05d}.{run_tag}@example.com" for i in range(args.sales)]
    index_of = {email: i for i, email in enumerate(emails)}
    tracker = SalesTracker(index_of)
    sent_at: dict[int, float] = {}
    acked_at: dict[int, float] = {}
    last = args.sales - 1
    naive: NaiveResult | None = None
    naive_429 = 0

    with workdir("supportbot-bench-burst-") as tmp:
        limits = {"channels": CHANNELS, "post_rate": args.post_rate, "post_burst": args.post_burst}
        async with FakeSlack(**limits, on_change=tracker.on_change) as slack, FakeSlack(**limits) as naive_slack:
            assert slack.base_url is not None
            serve = serve_process(tmp, serve_env(tmp, slack_base_url=slack.base_url, slack_token=slack.token))
            try:
                log(f"CPU placement: {cpus.describe()}")
                await serve.start(cpus.server)
                await asyncio.sleep(1.0)
                idle_rss = serve.rss_kb()
                log(f"serve on :{serve.port} (pid {serve.pid}); idle RSS {idle_rss / 1024:.1f} MB")

                if not args.skip_baseline:
                    naive = await naive_poster(naive_slack, emails, rate)
                    naive_429 = sum(naive_slack.rate_limited.values())
                    log(
                        f"naive poster: {naive.posted}/{args.sales} posted, failures {dict(naive.failures)}, "
                        f"fake Slack answered 429 {naive_429} times"
                    )

                requests = [
                    signed_request(
                        serve.port,
                        "/webhooks/stripe",
                        charge_succeeded(run=run_tag, index=i, email=emails[i], product=PRODUCTS[i % len(PRODUCTS)]),
                    )
                    for i in range(args.sales)
                ]
                gc.collect()
                log(f"burst: {args.sales} sales at {rate:g}/s over {args.duration:g} s")
                burst = await open_loop(
                    serve.port,
                    requests,
                    rate,
                    server_pid=serve.pid,
                    on_sent=sent_at.__setitem__,
                    on_answered=lambda i, _status, t: acked_at.__setitem__(i, t),
                )
                burst_end = sent_at.get(last, time.monotonic())
                log(
                    f"burst sent: answers {burst.describe_statuses()}; acknowledgement latency "
                    f"{format_latencies(latency_summary(burst.latencies))}; {burst.connections} connections"
                )

                deadline = burst_end + args.settle_timeout
                while time.monotonic() < deadline and account(slack, index_of)[0].accounted < args.sales:  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
                settled_after = time.monotonic() - burst_end
                await asyncio.sleep(args.grace)  # anything more would be a sale shown twice
                peak_rss = serve.peak_rss_kb()
            except Exception:
                log(f"failed; the end of serve's log:\n{serve.log_tail()}")
                raise
            finally:
                stop_all_servers()
            accounting, card_emails = account(slack, index_of)
            serve_429 = sum(slack.rate_limited.values())
            calls = Counter(call.method for call in slack.calls)
            errors_logged = serve.count_in_log(" ERROR ")
        db_report = database_check(tmp / "supportbot.db", card_emails)

    seen_last = tracker.first_seen.get(last)
    last_delay = None if seen_last is None else seen_last - burst_end
    ack_last = acked_at.get(last)
    log(
        f"#sales: {accounting.cards} sale cards + {accounting.digests} digest message(s) counting "
        f"{accounting.digest_sales} sales = {accounting.accounted}; duplicate cards {accounting.duplicate_cards}; "
        f"other messages {accounting.foreign}; settled {settled_after:.1f} s after the burst's end"
    )
    log(f"serve's Slack calls: {dict(calls)}; 429 answers {serve_429}; ERROR lines in its log {errors_logged}")
    log(f"bot records: {db_report}")
    ack_delay = None if ack_last is None else ack_last - burst_end
    log(
        f"last sale (#{last}) sent at the burst's end; acknowledged {_fmt_delay(ack_delay)} later; "
        f"first visible {_fmt_delay(last_delay)} later, {tracker.how_seen.get(last, 'never')}"
    )
    log(f"serve RSS: idle {idle_rss / 1024:.1f} MB, peak (VmHWM) {peak_rss / 1024:.1f} MB")

    figures = _figures(args, naive, naive_429, serve_429, accounting, burst.not_ok, last_delay, idle_rss, peak_rss)
    log(machine.report())
    print_figures("bench/burst.py figures", figures)
    return 0 if all(f.passed for f in figures) else 1


def _figures(
    args: argparse.Namespace,
    naive: NaiveResult | None,
    naive_429: int,
    serve_429: int,
    accounting: Accounting,
    not_acked: int,
    last_delay: float | None,
    idle_rss: int,
    peak_rss: int,
) -> list[Figure]:
    n = args.sales
    if naive is None:
        naive_429_text, naive_posted_text, naive_last_text, naive_last = "skipped", "skipped", "skipped", None
    else:
        naive_429_text = f"naive poster provoked {naive_429} 429s ({n} posts attempted, {naive.posted} posted)"
        naive_posted_text = f"naive poster: {naive.posted}/{n} sales in Slack, {n - naive.posted} lost to failures"
        naive_last = None if naive.last_sale_posted_at is None else naive.last_sale_posted_at - naive.burst_end
        last_post = None if naive.last_post_at is None else naive.last_post_at - naive.burst_end
        naive_last_text = (
            "naive poster: last sale "
            + (
                "never posted (lost to a 429)"
                if naive_last is None
                else f"posted {naive_last:.2f} s after the burst's end"
            )
            + f"; its last successful post {_fmt_relative(last_post)} the burst's end"
        )
    accounted_ok = accounting.accounted == n and accounting.duplicate_cards == 0 and not_acked == 0
    return [
        Figure(
            "429s provoked by serve",
            f"{serve_429}",
            naive_429_text,
            "n/a" if naive is None else f"{ratio(serve_429, naive_429):.3f} of naive",
            "0",
            serve_429 == 0,
        ),
        Figure(
            "sales accounted for in Slack",
            f"{accounting.accounted}/{n} ({accounting.cards} cards + {accounting.digest_sales} in digests; "
            f"{accounting.duplicate_cards} duplicate cards; {not_acked} webhooks not answered 200)",
            naive_posted_text,
            "n/a" if naive is None else f"{ratio(accounting.accounted, naive.posted):.1f}x naive",
            f"exactly {n}/{n}, no duplicates",
            accounted_ok,
        ),
        Figure(
            "last sale visible after the burst's end",
            _fmt_delay(last_delay),
            naive_last_text,
            _last_sale_ratio(last_delay, naive, naive_last),
            f"<= {LAST_SALE_TARGET_S:g} s",
            last_delay is not None and last_delay <= LAST_SALE_TARGET_S,
        ),
        Figure(
            "peak RSS of serve (VmHWM)",
            f"{peak_rss / 1024:.1f} MB",
            f"idle serve {idle_rss / 1024:.1f} MB (VmRSS after start, before load)",
            f"{ratio(peak_rss, idle_rss):.2f}x idle",
            f"< {RSS_TARGET_MB:g} MB",
            peak_rss / 1024 < RSS_TARGET_MB,
        ),
    ]


def _last_sale_ratio(last_delay: float | None, naive: NaiveResult | None, naive_last: float | None) -> str:
    if naive is None or last_delay is None:
        return "n/a"
    if naive_last is None:
        return "n/a (the naive poster never got its last sale into Slack)"
    return f"{ratio(last_delay, naive_last):.2f} of naive"


def _fmt_delay(value: float | None) -> str:
    return "never" if value is None or math.isnan(value) else f"{value:.2f} s"


def _fmt_relative(value: float | None) -> str:
    if value is None:
        return "never came, before or after"
    return f"came {value:.2f} s after" if value >= 0 else f"came {-value:.2f} s before"


def main(argv: list[str] | None = None) -> int:
    return run_main("bench/burst.py", run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
