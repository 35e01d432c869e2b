"""Webhook ingest: signed Stripe webhooks against `supportbot serve` on SQLite, beside two baselines.

The bare handler (bench/_bare_server.py) only reads the body; the durable one (bench/_durable_server.py) does the
least a durable acknowledgement can: check the signature, parse, insert into SQLite with group commit, answer
after the commit. Targets (issue 18): throughput at least 0.8 of the durable baseline's and 0.3 of the bare
handler's; p99 acknowledgement under 15 ms at 200 requests/s; no answer but 200.

    /work/main/.venv/bin/python bench/ingest.py [--requests 3000] [--concurrency 32] [--rate 200] [--duration 10]
                                               [--postgres [URL]]

With --postgres, `serve` and the durable baseline store into PostgreSQL instead (each in a new database of its
own on that server, dropped afterwards; default: the tests' server), with the same targets.

Both servers run as subprocesses on the same core (the second one when there are two), one at a time under
load; the load client and a fake Slack (Slack's posting limit: 1 post/s per channel, burst 3) run here, on the
other core. `serve` posts to the fake Slack as in production: a run of sales is folded into a rush digest
updated in place, so posting costs a few calls a second, not one per webhook. Figures are printed last.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import math
import sys
import time
from collections.abc import Callable

from _common import (
    CHANNELS,
    DEFAULT_POSTGRES,
    PRODUCTS,
    Figure,
    LoadResult,
    MachineLoad,
    ServerProcess,
    bare_process,
    charge_succeeded,
    closed_loop,
    durable_process,
    format_latencies,
    latency_summary,
    log,
    open_loop,
    plan_cpus,
    postgres_database,
    print_figures,
    ratio,
    request_body_size,
    run_main,
    serve_env,
    serve_process,
    signed_request,
    stop_all_servers,
    unique_run_tag,
    workdir,
)

from bot.fakes.slack import FakeSlack

DURABLE_RATIO_TARGET = 0.80
BARE_RATIO_TARGET = 0.30
P99_TARGET_MS = 15.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000, help="requests per server in the throughput phase")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight in the throughput phase")
    parser.add_argument("--warmup", type=int, default=300, help="warm-up requests per server before measuring")
    parser.add_argument("--rate", type=float, default=200.0, help="requests/s in the open-loop latency phase")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of the latency phase, per server")
    parser.add_argument("--settle-timeout", type=float, default=40.0, help="max seconds to wait for serve's backlog")
    parser.add_argument("--max-seconds", type=float, default=200.0, help="hard limit on the whole run")
    parser.add_argument("--no-pin", action="store_true", help="do not pin the client and the servers to cores")
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=DEFAULT_POSTGRES,
        help="serve and the durable baseline on PostgreSQL, in new databases on this server (default: the tests')",
    )
    return parser.parse_args(argv)


class Batches:
    """Distinct signed charge.succeeded requests: every event id and payment intent used once per run."""

    def __init__(self) -> None:
        self.run = unique_run_tag()
        self._index = itertools.count()
        self.sizes: list[int] = []

    def make(self, port: int, n: int) -> list[bytes]:
        out = []
        for _ in range(n):
            i = next(self._index)
            event = charge_succeeded(
                run=self.run, index=i, email=f"buyer{i:07d}@example.com", product=PRODUCTS[i % len(PRODUCTS)]
            )
            raw = signed_request(port, "/webhooks/stripe", event)
            self.sizes.append(request_body_size(raw))
            out.append(raw)
        return out


def sales_shown(slack: FakeSlack) -> int:
    """Sales the sales channel accounts for now: cards of their own plus the counts of rush digests."""
    shown = 0
    for message in slack.channel_messages("C0SALES"):
        head = (message.blocks or [{}])[0].get("text", {}).get("text", "")
        if head.startswith("🚀 Sales rush"):
            shown += int(head.split("·")[1].split()[0].replace(",", ""))
        elif head.startswith("💰"):
            shown += 1
    return shown


async def wait_until(predicate: Callable[[], bool], timeout: float) -> float | None:  # noqa: ASYNC109
    """Seconds until `predicate()` held, or None if it did not within `timeout`."""
    t0 = time.monotonic()
    while not predicate():
        if time.monotonic() - t0 > timeout:
            return None
        await asyncio.sleep(0.05)
    return time.monotonic() - t0


def describe_load(name: str, result: LoadResult) -> str:
    cpu_client = result.client_cpu / result.elapsed if result.elapsed else math.nan
    cpu_server = result.server_cpu / result.elapsed if result.elapsed else math.nan
    return (
        f"{name}: {result.sent} requests in {result.elapsed:.2f} s = {result.rate:,.0f} req/s; "
        f"answers {result.describe_statuses()}; client CPU {cpu_client:.0%}, server CPU {cpu_server:.0%} "
        f"({result.server_cpu_us:,.0f} us a request); {result.connections} connections"
    )


async def run(args: argparse.Namespace) -> int:
    if not args.postgres:
        return await measure(args, serve_db=None, durable_db=None)
    async with (
        postgres_database(args.postgres, "ingest_serve") as serve_db,
        postgres_database(args.postgres, "ingest_durable") as durable_db,
    ):
        return await measure(args, serve_db=serve_db, durable_db=durable_db)


async def measure(args: argparse.Namespace, *, serve_db: str | None, durable_db: str | None) -> int:
    on = " on PostgreSQL" if serve_db else ""
    cpus = plan_cpus(not args.no_pin)
    machine = MachineLoad()
    batches = Batches()
    sent_to_serve = 0
    with workdir("supportbot-bench-ingest-") as tmp:
        async with FakeSlack(channels=CHANNELS, post_rate=1.0, post_burst=3) as slack:
            assert slack.base_url is not None
            env = serve_env(tmp, slack_base_url=slack.base_url, slack_token=slack.token, database_url=serve_db)
            serve = serve_process(tmp, env)
            bare = bare_process(tmp)
            durable = durable_process(tmp, durable_db)
            servers = (bare, durable, serve)
            try:
                log(f"CPU placement: {cpus.describe()}")
                await bare.start(cpus.server)
                await durable.start(cpus.server)
                await serve.start(cpus.server)
                idle_rss = serve.rss_kb()
                log(
                    f"bare on :{bare.port} (pid {bare.pid}); serve on :{serve.port} (pid {serve.pid}), idle RSS "
                    f"{idle_rss / 1024:.1f} MB; database {serve_db or tmp / 'supportbot.db'}"
                )

                # Requests are built and signed before each phase; the collector is kept out of the measured parts.
                gc.collect()
                gc.freeze()
                # Warm-up: connections, imports on first use, SQLite pages, the first digest.
                for server in servers:
                    warm = await closed_loop(server.port, batches.make(server.port, args.warmup), args.concurrency)
                    if server is serve:
                        sent_to_serve += warm.sent
                    log(describe_load(f"warm-up {server.name}", warm))
                await settle(serve, slack, sent_to_serve, args.settle_timeout)

                # Throughput: the same number of distinct signed events, `concurrency` in flight, baselines first.
                throughput: dict[str, LoadResult] = {}
                for server in servers:
                    requests = batches.make(server.port, args.requests)
                    gc.collect()
                    throughput[server.name] = await closed_loop(
                        server.port, requests, args.concurrency, server_pid=server.pid
                    )
                    if server is serve:
                        sent_to_serve += args.requests
                    log(describe_load(f"throughput {server.name}", throughput[server.name]))
                drained = await settle(serve, slack, sent_to_serve, args.settle_timeout)

                # Latency: an open loop at a fixed rate, measured from each request's scheduled time.
                latency: dict[str, LoadResult] = {}
                count = max(1, round(args.rate * args.duration))
                for server in servers:
                    requests = batches.make(server.port, count)
                    gc.collect()
                    latency[server.name] = await open_loop(server.port, requests, args.rate, server_pid=server.pid)
                    if server is serve:
                        sent_to_serve += count
                    result = latency[server.name]
                    log(
                        describe_load(f"latency {server.name} @ {args.rate:g}/s", result)
                        + f"; {result.late_sends} sends >1 ms late"
                    )
                    log(f"  latency {server.name}: {format_latencies(latency_summary(result.latencies))}")
                final_drain = await settle(serve, slack, sent_to_serve, args.settle_timeout)
                peak_rss = serve.peak_rss_kb()
            except Exception:
                log(f"failed; the end of serve's log:\n{serve.log_tail()}")
                raise
            finally:
                stop_all_servers()
            errors_logged = serve.count_in_log(" ERROR ")
            slack_calls = len(slack.calls)
            slack_429 = sum(slack.rate_limited.values())
            shown = sales_shown(slack)

    sizes = sorted(batches.sizes)
    log(
        f"payloads: {len(sizes)} distinct signed charge.succeeded events, body {sizes[0]}-{sizes[-1]} bytes "
        f"(median {sizes[len(sizes) // 2]})"
    )
    log(
        f"serve posted to the fake Slack: {slack_calls} Web API calls, {slack_429} answered 429; "
        f"sales shown in #sales {shown}/{sent_to_serve}; backlog drained "
        f"{_seconds(drained)} after the throughput phase, {_seconds(final_drain)} after the latency phase"
    )
    log(
        f"serve RSS: idle {idle_rss / 1024:.1f} MB, peak {peak_rss / 1024:.1f} MB; ERROR lines in its log: "
        f"{errors_logged}; exit codes: serve {serve.exit_code}, bare {bare.exit_code}, durable {durable.exit_code}"
    )

    t_bare, t_durable, t_serve = throughput["bare"], throughput["durable"], throughput["serve"]
    l_bare, l_serve = latency_summary(latency["bare"].latencies), latency_summary(latency["serve"].latencies)
    l_durable = latency_summary(latency["durable"].latencies)
    tp_ratio = ratio(t_serve.rate, t_bare.rate)
    durable_ratio = ratio(t_serve.rate, t_durable.rate)
    non_200_serve = t_serve.not_ok + latency["serve"].not_ok
    non_200_bare = t_bare.not_ok + latency["bare"].not_ok
    figures = [
        Figure(
            f"throughput serve against the durable baseline{on}",
            f"{t_serve.rate:,.0f} req/s ({args.requests} requests, concurrency {args.concurrency}; "
            f"{t_serve.server_cpu_us:,.0f} us of CPU a request)",
            f"durable baseline {t_durable.rate:,.0f} req/s ({t_durable.server_cpu_us:,.0f} us of CPU a request)",
            f"{durable_ratio:.2f} of durable",
            f"ratio >= {DURABLE_RATIO_TARGET:.2f}",
            durable_ratio >= DURABLE_RATIO_TARGET,
        ),
        Figure(
            f"throughput serve{on} against the bare handler",
            f"{t_serve.rate:,.0f} req/s",
            f"bare handler {t_bare.rate:,.0f} req/s ({t_bare.server_cpu_us:,.0f} us of CPU a request)",
            f"{tp_ratio:.2f} of bare",
            f"ratio >= {BARE_RATIO_TARGET:.2f}",
            tp_ratio >= BARE_RATIO_TARGET,
        ),
        Figure(
            f"p99 acknowledgement serve{on} @ {args.rate:g} req/s for {args.duration:g} s (open loop)",
            f"{l_serve['p99']:.2f} ms ({format_latencies(l_serve).strip()})",
            f"bare handler p99 {l_bare['p99']:.2f} ms; durable baseline p99 {l_durable['p99']:.2f} ms "
            f"({format_latencies(l_durable).strip()})",
            f"{ratio(l_serve['p99'], l_bare['p99']):.1f}x bare p99",
            f"p99 < {P99_TARGET_MS:g} ms",
            l_serve["p99"] < P99_TARGET_MS,
        ),
        Figure(
            f"non-200 answers from serve{on}",
            f"{non_200_serve} of {t_serve.sent + latency['serve'].sent} measured",
            f"bare handler {non_200_bare} of {t_bare.sent + latency['bare'].sent}",
            "n/a (counts)" if non_200_bare == 0 else f"{ratio(non_200_serve, non_200_bare):.2f}",
            "0",
            non_200_serve == 0,
        ),
    ]
    log(machine.report())
    print_figures(f"bench/ingest.py figures{on}", figures)
    return 0 if all(f.passed for f in figures) else 1


async def settle(serve: ServerProcess, slack: FakeSlack, expected: int, timeout: float) -> float | None:  # noqa: ASYNC109
    """Wait until #sales accounts for every sale sent to serve, so the next phase starts without a backlog."""
    waited = await wait_until(lambda: sales_shown(slack) >= expected, timeout)
    if waited is None:
        log(f"serve did not settle in {timeout:g} s: #sales shows {sales_shown(slack)} of {expected} sales")
    else:
        log(f"serve settled: #sales shows all {expected} sales after {waited:.1f} s")
    return waited


def _seconds(value: float | None) -> str:
    return "not within the limit" if value is None else f"{value:.1f} s"


def main(argv: list[str] | None = None) -> int:
    return run_main("bench/ingest.py", run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
