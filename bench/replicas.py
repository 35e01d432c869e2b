"""The launch-day rush of bench/burst.py against two `supportbot serve` replicas sharing one PostgreSQL database.

Targets: those of the burst benchmark (zero 429s provoked, every sale accounted for in Slack, the last sale visible
within 5 s of the burst's end, each replica's resident memory under 150 MB) plus zero duplicates: no message
posted twice, no sale shown both as a card and in a digest.

    /work/main/.venv/bin/python bench/replicas.py [--sales 1000] [--duration 10] [--postgres postgresql://...]

Both replicas run as subprocesses on a new PostgreSQL database created for the run and dropped after it, pointed
at one FakeSlack in this process that enforces 1 post/s per channel (burst 3). The sales are sent open loop on
one timetable, alternately to each replica, as a round-robin load balancer would. Baselines in the same run, as
in bench/burst.py: the naive poster against a second FakeSlack with the same limits, and each replica's idle RSS.
Figures are printed last.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import time
from collections import Counter

import asyncpg
from _common import (
    CHANNELS,
    PRODUCTS,
    Figure,
    LoadResult,
    MachineLoad,
    ServerProcess,
    charge_succeeded,
    format_latencies,
    latency_summary,
    log,
    open_loop,
    plan_cpus,
    print_figures,
    run_main,
    serve_env,
    serve_process,
    signed_request,
    stop_all_servers,
    unique_run_tag,
    workdir,
)
from burst import Accounting, NaiveResult, SalesTracker, _figures, _fmt_delay, account, naive_poster

from bot.fakes.slack import FakeSlack

DEFAULT_POSTGRES = os.environ.get("SUPPORTBOT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REPLICAS = 2


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sales", type=int, default=1000, help="sales in the burst")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds the burst is spread over, evenly")
    parser.add_argument("--post-rate", type=float, default=1.0, help="the fake Slack's posts/s per channel")
    parser.add_argument("--post-burst", type=int, default=3, help="the fake Slack's burst of posts per channel")
    parser.add_argument("--settle-timeout", type=float, default=60.0, help="max seconds after the burst to wait")
    parser.add_argument("--grace", type=float, default=2.0, help="seconds to keep watching once all are shown")
    parser.add_argument("--skip-baseline", action="store_true", help="skip the naive poster (faster runs)")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="a server where the run may create a database")
    parser.add_argument("--max-seconds", type=float, default=115.0, help="hard limit on the whole run")
    parser.add_argument("--no-pin", action="store_true", help="do not pin this process and the replicas to cores")
    return parser.parse_args(argv)


async def _admin(dsn: str, sql: str) -> None:
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def database_check(url: str) -> tuple[str, int]:
    """The bot's own records: (a summary, payments shown both as a card and in a digest)."""
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1), timeout=10)
    try:
        total, in_digest, with_card, both = await conn.fetchrow(
            "SELECT count(*), count(digest_id), count(slack_ts), "
            "count(*) FILTER (WHERE digest_id IS NOT NULL AND slack_ts IS NOT NULL) FROM payments"
        )
        outbox = {
            row["status"]: row["count"] for row in await conn.fetch("SELECT status, count(*) FROM outbox GROUP BY 1")
        }
    finally:
        await conn.close()
    summary = (
        f"payments {total}: in a digest {in_digest}, with a card {with_card}, both {both}; outbox by status {outbox}"
    )
    return summary, both


def posted_twice(slack: FakeSlack) -> int:
    """Messages beyond the first that carry one outbox item's id: the same intent posted more than once."""
    ids = Counter(
        (message.metadata or {}).get("event_payload", {}).get("outbox_id")
        for message in slack.all_messages()
        if message.metadata
    )
    return sum(n - 1 for n in ids.values() if n > 1)


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
    database = f"supportbot_bench_{run_tag}"
    await _admin(args.postgres, f'CREATE DATABASE "{database}"')
    database_url = args.postgres.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1) + "/" + database

    try:
        with workdir("supportbot-bench-replicas-") as tmp:
            limits = {"channels": CHANNELS, "post_rate": args.post_rate, "post_burst": args.post_burst}
            async with (
                FakeSlack(**limits, on_change=tracker.on_change) as slack,
                FakeSlack(**limits) as naive_slack,
            ):
                assert slack.base_url is not None
                env = serve_env(tmp, slack_base_url=slack.base_url, slack_token=slack.token)
                env["SUPPORTBOT_DATABASE_URL"] = database_url
                replicas = []
                for n in range(REPLICAS):
                    (tmp / f"replica{n}").mkdir()
                    replica = serve_process(tmp / f"replica{n}", env)
                    replica.name = f"replica{n}"
                    replicas.append(replica)
                try:
                    log(f"CPU placement: {cpus.describe()}")
                    for replica in replicas:  # the first creates the schema
                        await replica.start(cpus.server)
                    await asyncio.sleep(1.0)
                    idle_rss = [replica.rss_kb() for replica in replicas]
                    for replica, rss in zip(replicas, idle_rss, strict=True):
                        log(f"{replica.name} on :{replica.port} (pid {replica.pid}); idle RSS {rss / 1024:.1f} MB")

                    if not args.skip_baseline:
                        naive = await naive_poster(naive_slack, emails, rate)
                        naive_429 = sum(naive_slack.rate_limited.values())
                        log(
                            f"naive poster: {naive.posted}/{args.sales} posted, failures {dict(naive.failures)}, "
                            f"fake Slack answered 429 {naive_429} times"
                        )

                    gc.collect()
                    log(
                        f"burst: {args.sales} sales at {rate:g}/s over {args.duration:g} s, alternately to each replica"
                    )
                    shares = [Share(replica, n, emails, run_tag) for n, replica in enumerate(replicas)]
                    bursts = await asyncio.gather(*(share.send(rate, sent_at, acked_at) for share in shares))
                    burst_end = sent_at.get(last, time.monotonic())
                    for replica, burst in zip(replicas, bursts, strict=True):
                        log(
                            f"{replica.name}: answers {burst.describe_statuses()}; acknowledgement latency "
                            f"{format_latencies(latency_summary(burst.latencies))}"
                        )

                    deadline = burst_end + args.settle_timeout
                    while time.monotonic() < deadline and account(slack, index_of)[0].accounted < args.sales:  # noqa: ASYNC110
                        await asyncio.sleep(0.05)
                    settled_after = time.monotonic() - burst_end
                    await asyncio.sleep(args.grace)  # anything more would be a sale shown twice
                    peak_rss = [replica.peak_rss_kb() for replica in replicas]
                except Exception:
                    for replica in replicas:
                        log(f"failed; the end of {replica.name}'s log:\n{replica.log_tail()}")
                    raise
                finally:
                    stop_all_servers()
                accounting, _card_emails = account(slack, index_of)
                serve_429 = sum(slack.rate_limited.values())
                calls = Counter(call.method for call in slack.calls)
                twice = posted_twice(slack)
                leads = sum(replica.count_in_log("this replica leads now") for replica in replicas)
            db_report, shown_both_ways = await database_check(database_url)
    finally:
        await _admin(args.postgres, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    seen_last = tracker.first_seen.get(last)
    last_delay = None if seen_last is None else seen_last - burst_end
    not_acked = sum(burst.not_ok for burst in bursts)
    log(
        f"#sales: {accounting.cards} sale cards + {accounting.digests} digest message(s) counting "
        f"{accounting.digest_sales} sales = {accounting.accounted}; duplicate cards {accounting.duplicate_cards}; "
        f"other messages {accounting.foreign}; settled {settled_after:.1f} s after the burst's end"
    )
    log(f"Slack calls of the replicas: {dict(calls)}; 429 answers {serve_429}; times a replica took the lead {leads}")
    log(f"bot records: {db_report}")
    how = tracker.how_seen.get(last, "never")
    log(f"last sale (#{last}) first visible {_fmt_delay(last_delay)} after the burst's end, {how}")

    figures = _figures(
        args, naive, naive_429, serve_429, accounting, not_acked, last_delay, max(idle_rss), max(peak_rss)
    )
    figures[0].name = "429s provoked by the replicas"
    figures[-1].name = "peak RSS of the larger replica (VmHWM)"
    figures.append(_duplicates_figure(accounting, twice, shown_both_ways, naive))
    log(machine.report())
    print_figures("bench/replicas.py figures (2 replicas, PostgreSQL)", figures)
    return 0 if all(f.passed for f in figures) else 1


class Share:
    """Every REPLICAS-th sale from `first` on, signed for one replica; together the shares keep one timetable."""

    def __init__(self, replica: ServerProcess, first: int, emails: list[str], run_tag: str):
        self.replica = replica
        self.first = first
        self.indexes = list(range(first, len(emails), REPLICAS))
        self.requests = [
            signed_request(
                replica.port,
                "/webhooks/stripe",
                charge_succeeded(run=run_tag, index=i, email=emails[i], product=PRODUCTS[i % len(PRODUCTS)]),
            )
            for i in self.indexes
        ]

    async def send(self, rate: float, sent_at: dict[int, float], acked_at: dict[int, float]) -> LoadResult:
        await asyncio.sleep(self.first / rate)  # a share starts its sale's step behind the first
        return await open_loop(
            self.replica.port,
            self.requests,
            rate / REPLICAS,
            server_pid=self.replica.pid,
            on_sent=lambda j, t: sent_at.__setitem__(self.indexes[j], t),
            on_answered=lambda j, _status, t: acked_at.__setitem__(self.indexes[j], t),
        )


def _duplicates_figure(accounting: Accounting, twice: int, shown_both_ways: int, naive: NaiveResult | None) -> Figure:
    total = twice + accounting.duplicate_cards + shown_both_ways
    return Figure(
        "duplicates",
        f"{total} ({twice} messages posted twice, {accounting.duplicate_cards} duplicate sale cards, "
        f"{shown_both_ways} sales both as a card and in a digest)",
        "skipped" if naive is None else "naive poster: one process posting each sale once, 0 by construction",
        "n/a (a count that must be 0)",
        "0",
        total == 0,
    )


def main(argv: list[str] | None = None) -> int:
    return run_main("bench/replicas.py", run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
