"""Shared helpers for the benchmarks: server subprocesses, signed Stripe events, a lean loopback client, figures.

Everything listens on 127.0.0.1 on ports the OS picks. Each server runs as its own subprocess (pinned to one
core when the machine has two or more), so `supportbot serve` and the bare baseline are measured the same way,
while the load client and the fake Slack stay in the benchmark process on another core.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import stripe

REPO = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
PYTHON = sys.executable
SUPPORTBOT = str(Path(sys.executable).with_name("supportbot"))

STRIPE_SECRET = "whsec_bench_secret"  # noqa: S105 - the benchmark signs and checks with it
SLACK_SIGNING_SECRET = "bench-slack-signing-secret"  # noqa: S105 - required by serve, unused here
CHANNELS = {"C0SALES": "sales", "C0SUPPORT": "support", "C0DISPUTES": "disputes", "C0ONCALL": "oncall"}
PRODUCTS = ("Pro licence", "Team licence", "Starter pack", "Annual support", "Plugin bundle", "Course: Async Python")


# -- CPU placement


@dataclass(frozen=True)
class CpuPlan:
    client: set[int] | None  # the benchmark process: load client and fake Slack
    server: set[int] | None  # each server subprocess

    def describe(self) -> str:
        if self.client is None:
            return "not pinned (fewer than 2 usable cores, or --no-pin)"
        return f"client+fake Slack on CPU {sorted(self.client)}, each server on CPU {sorted(self.server or ())}"


def plan_cpus(pin: bool = True) -> CpuPlan:
    """Pin this process to the first usable core and servers to the second, when there are two."""
    if not pin or not hasattr(os, "sched_getaffinity"):
        return CpuPlan(None, None)
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return CpuPlan(None, None)
    client, server = {cpus[0]}, {cpus[1]}
    os.sched_setaffinity(0, client)
    return CpuPlan(client, server)


# -- server subprocesses


def free_port() -> int:
    """A port the OS picks on 127.0.0.1 (free when asked; a server that then loses the race is restarted)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of `pid` in kB (empty if the process is gone)."""
    values: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    values[key] = int(rest.split()[0])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return values


def cpu_seconds(pid: int) -> float:
    """User+system CPU time of `pid` (all threads) so far, from /proc/<pid>/stat."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    # After the command name: state is field 3, utime 14 and stime 15 (1-based), i.e. indexes 11 and 12 here.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ServerProcess:
    """One HTTP server as a subprocess: started, waited for on GET /healthz, measured, stopped with SIGTERM."""

    def __init__(self, name: str, argv_for_port: Callable[[int], list[str]], *, env: dict[str, str], cwd: Path):
        self.name = name
        self._argv_for_port = argv_for_port
        self._env = env
        self._cwd = cwd
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = cwd / f"{name}.log"
        self.last_peak_kb = 0
        self.exit_code: int | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, cpus: set[int] | None, *, timeout: float = 30.0, attempts: int = 3) -> None:  # noqa: ASYNC109
        last_error = ""
        for _ in range(attempts):
            self.port = free_port()
            self._spawn()
            _LIVE.add(self)
            if cpus is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.sched_setaffinity(self.pid, cpus)
            try:
                await self._wait_healthy(timeout)
                return
            except RuntimeError as exc:
                last_error = str(exc)
                self.stop()
                if "address already in use" not in last_error.lower():
                    break
        raise RuntimeError(f"{self.name} did not start: {last_error}")

    def _spawn(self) -> None:
        env = self._env | {"SUPPORTBOT_PORT": str(self.port), "SUPPORTBOT_HOST": "127.0.0.1"}
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and console script
                self._argv_for_port(self.port),
                env=env,
                cwd=self._cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C reaches the benchmark, which then stops this cleanly
            )

    async def _wait_healthy(self, timeout: float) -> None:  # noqa: ASYNC109
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"exited with {self.proc.returncode}:\n{self.log_tail()}")
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with http.get(self.base_url + "/healthz") as response:
                        if response.status == 200:
                            return
                await asyncio.sleep(0.05)
        raise RuntimeError(f"GET /healthz did not answer 200 within {timeout:.0f} s:\n{self.log_tail()}")

    def rss_kb(self) -> int:
        return _proc_status(self.pid).get("VmRSS", 0)

    def peak_rss_kb(self) -> int:
        peak = _proc_status(self.pid).get("VmHWM", 0)
        self.last_peak_kb = max(self.last_peak_kb, peak)
        return self.last_peak_kb

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def log_tail(self, lines: int = 25) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join("    " + line for line in text.splitlines()[-lines:])

    def count_in_log(self, needle: str) -> int:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace").count(needle)
        except FileNotFoundError:
            return 0

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, wait, SIGKILL if it will not go. Reads the peak RSS first (it is gone once the process is)."""
        proc = self.proc
        if proc is None:
            return self.exit_code
        if proc.poll() is None:
            self.peak_rss_kb()
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                proc.wait(5)
        self.exit_code = proc.returncode
        self.proc = None
        _LIVE.discard(self)
        return self.exit_code


_LIVE: set[ServerProcess] = set()


def stop_all_servers() -> None:
    for server in list(_LIVE):
        server.stop()


def install_cleanup() -> None:
    """Stop servers on SIGTERM/SIGHUP too (a Ctrl-C raises KeyboardInterrupt and unwinds through `finally`)."""

    def _exit(signum: int, _frame: Any) -> None:
        stop_all_servers()
        sys.exit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _exit)


def run_main(name: str, run: Callable[[Any], Any], args: Any) -> int:
    """Run a benchmark's coroutine within its --max-seconds, always stopping the servers it started."""
    install_cleanup()

    async def bounded() -> int:
        async with asyncio.timeout(args.max_seconds):
            return await run(args)

    try:
        return asyncio.run(bounded())
    except TimeoutError:
        print(f"{name}: stopped after --max-seconds {args.max_seconds:g}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{name}: interrupted", file=sys.stderr)
        return 130
    finally:
        stop_all_servers()


def serve_env(
    workdir: Path, *, slack_base_url: str, slack_token: str, channels: bool = True, database_url: str | None = None
) -> dict[str, str]:
    """The environment for `supportbot serve`: this one without SUPPORTBOT_* settings, plus the benchmark's.
    The database is SQLite in `workdir` unless `database_url` is given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTBOT_")}
    env |= {
        "SUPPORTBOT_DATABASE_URL": database_url or f"sqlite+aiosqlite:///{workdir / 'supportbot.db'}",
        "SUPPORTBOT_SLACK_API_URL": slack_base_url,
        "SUPPORTBOT_SLACK_BOT_TOKEN": slack_token,
        "SUPPORTBOT_SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
        "SUPPORTBOT_STRIPE_WEBHOOK_SECRET": STRIPE_SECRET,
    }
    if channels:
        env |= {
            "SUPPORTBOT_CHANNEL_SALES": "C0SALES",
            "SUPPORTBOT_CHANNEL_SUPPORT": "C0SUPPORT",
            "SUPPORTBOT_CHANNEL_DISPUTES": "C0DISPUTES",
            "SUPPORTBOT_CHANNEL_ONCALL": "C0ONCALL",
        }
    return env


def serve_process(workdir: Path, env: dict[str, str]) -> ServerProcess:
    # cwd is the temporary directory, so no stray .env of the caller's is read.
    return ServerProcess("serve", lambda _port: [SUPPORTBOT, "serve"], env=env, cwd=workdir)


def durable_process(workdir: Path, postgres_url: str | None = None) -> ServerProcess:
    """The durable baseline, on SQLite in `workdir`, or on the PostgreSQL database at `postgres_url`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTBOT_")}
    script = str(BENCH / "_durable_server.py")
    database = ["--postgres", postgres_url] if postgres_url else ["--database", str(workdir / "durable.db")]
    return ServerProcess(
        "durable",
        lambda port: [PYTHON, script, "--port", str(port), *database, "--secret", STRIPE_SECRET],
        env=env,
        cwd=workdir,
    )


DEFAULT_POSTGRES = os.environ.get("SUPPORTBOT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@contextlib.asynccontextmanager
async def postgres_database(server_url: str, purpose: str) -> AsyncIterator[str]:
    """A new, empty PostgreSQL database on the server of `server_url` (an asyncpg URL to it), dropped afterwards."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    name = f"supportbot_bench_{purpose}_{uuid.uuid4().hex[:8]}"
    admin_url = server_url.replace("postgresql://", "postgresql+asyncpg://", 1)
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def bare_process(workdir: Path) -> ServerProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTBOT_")}
    script = str(BENCH / "_bare_server.py")
    return ServerProcess("bare", lambda port: [PYTHON, script, "--port", str(port)], env=env, cwd=workdir)


@contextlib.contextmanager
def workdir(prefix: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        yield Path(tmp)


# -- Stripe events


def charge_succeeded(
    *, run: str, index: int, email: str, product: str, amount: int = 4900, created: int | None = None
) -> dict[str, Any]:
    """A `charge.succeeded` event shaped like the ones Stripe sends (API 2025-09-30.clover), about 2.2 KB as JSON."""
    now = created or int(time.time())
    pi = f"pi_{run}{index:07d}"
    charge_id = f"ch_{run}{index:07d}"
    charge = {
        "id": charge_id,
        "object": "charge",
        "amount": amount,
        "amount_captured": amount,
        "amount_refunded": 0,
        "application": None,
        "application_fee_amount": None,
        "balance_transaction": f"txn_{run}{index:07d}",
        "billing_details": {
            "address": {
                "city": "Berlin",
                "country": "DE",
                "line1": f"Beispielstraße {index % 200 + 1}",
                "line2": None,
                "postal_code": "10115",
                "state": None,
            },
            "email": email,
            "name": f"Buyer {index}",
            "phone": None,
            "tax_id": None,
        },
        "calculated_statement_descriptor": "SHOP* ORDER",
        "captured": True,
        "created": now,
        "currency": "eur",
        "customer": None,
        "description": product,
        "destination": None,
        "dispute": None,
        "disputed": False,
        "failure_code": None,
        "failure_message": None,
        "fraud_details": {},
        "livemode": False,
        "metadata": {"product": product, "order_id": f"ord_{run}_{index}"},
        "outcome": {
            "advice_code": None,
            "network_advice_code": None,
            "network_decline_code": None,
            "network_status": "approved_by_network",
            "reason": None,
            "risk_level": "normal",
            "risk_score": 32,
            "seller_message": "Payment complete.",
            "type": "authorized",
        },
        "paid": True,
        "payment_intent": pi,
        "payment_method": f"pm_{run}{index:07d}",
        "payment_method_details": {
            "card": {
                "amount_authorized": amount,
                "authorization_code": None,
                "brand": "visa",
                "checks": {"address_line1_check": None, "address_postal_code_check": None, "cvc_check": "pass"},
                "country": "US",
                "exp_month": 8,
                "exp_year": 2030,
                "extended_authorization": {"status": "disabled"},
                "fingerprint": "Xt5EWLLDS7FJjR1c",
                "funding": "credit",
                "incremental_authorization": {"status": "unavailable"},
                "installments": None,
                "last4": "4242",
                "mandate": None,
                "network": "visa",
                "network_transaction_id": f"{index:015d}",
                "overcapture": {"maximum_amount_capturable": amount, "status": "unavailable"},
                "three_d_secure": None,
                "wallet": None,
            },
            "type": "card",
        },
        "receipt_email": email,
        "receipt_number": None,
        "receipt_url": f"https://pay.stripe.com/receipts/payment/CAcaFwoVYWNjdF8xTmJlbmNo{run}{index:07d}",
        "refunded": False,
        "review": None,
        "shipping": None,
        "statement_descriptor": None,
        "status": "succeeded",
        "transfer_group": None,
    }
    return {
        "id": f"evt_{run}{index:07d}",
        "object": "event",
        "api_version": "2025-09-30.clover",
        "created": now,
        "data": {"object": charge},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": f"req_{run}{index:07d}", "idempotency_key": f"{run}-{index}"},
        "type": "charge.succeeded",
    }


def signed_request(port: int, path: str, event: dict[str, Any], secret: str = STRIPE_SECRET) -> bytes:
    """A complete HTTP/1.1 request (keep-alive), signed as Stripe signs: `t=<now>,v1=<hmac>`."""
    body = json.dumps(event)
    signature = stripe.WebhookSignature.generate_signature_header(body, secret)
    raw = body.encode()
    head = (
        f"POST {path} HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        "User-Agent: Stripe/1.0 (+https://stripe.com/docs/webhooks)\r\n"
        "Content-Type: application/json; charset=utf-8\r\n"
        f"Stripe-Signature: {signature}\r\n"
        f"Content-Length: {len(raw)}\r\n"
        "\r\n"
    )
    return head.encode() + raw


def request_body_size(raw: bytes) -> int:
    return len(raw) - raw.index(b"\r\n\r\n") - 4


def unique_run_tag() -> str:
    return os.urandom(4).hex()


# -- a lean HTTP/1.1 keep-alive client
#
# aiohttp's client costs several times more CPU per request than the servers under test spend; on a 2-core
# machine the client would then measure itself. This client writes prebuilt requests and reads
# Content-Length-framed answers, which is all the two servers send.


class HttpConnection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader = reader
        self.writer = writer
        self.reusable = True

    @classmethod
    async def open(cls, port: int) -> HttpConnection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(reader, writer)

    async def send(self, raw: bytes) -> int:
        """Send one prebuilt request; return the response status."""
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = None
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                self.reusable = False
            elif name == b"transfer-encoding":
                raise RuntimeError("chunked answers are not expected from the servers under test")
        if length is None:
            raise RuntimeError("answer without Content-Length")
        if length:
            await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.reusable = False
        with contextlib.suppress(Exception):
            self.writer.close()


class ConnectionPool:
    """Idle keep-alive connections; a request with none idle opens a new one (as an open-loop sender must)."""

    def __init__(self, port: int):
        self.port = port
        self.idle: list[HttpConnection] = []
        self.opened = 0

    async def send(self, raw: bytes) -> int:
        conn = self.idle.pop() if self.idle else None
        if conn is None:
            conn = await HttpConnection.open(self.port)
            self.opened += 1
        try:
            status = await conn.send(raw)
        except BaseException:
            conn.close()
            raise
        if conn.reusable:
            self.idle.append(conn)
        else:
            conn.close()
        return status

    async def close(self) -> None:
        for conn in self.idle:
            conn.close()
        self.idle.clear()
        await asyncio.sleep(0)


@dataclass
class LoadResult:
    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)  # 0 = no answer (connection error or timeout)
    errors: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)  # seconds, of answered requests
    elapsed: float = 0.0
    client_cpu: float = 0.0  # CPU seconds this process spent during the run
    server_cpu: float = 0.0  # CPU seconds the server process spent during the run
    connections: int = 0
    late_sends: int = 0  # open loop: requests that went out more than 1 ms after their scheduled time

    @property
    def ok(self) -> int:
        return self.statuses.get(200, 0)

    @property
    def not_ok(self) -> int:
        return self.sent - self.ok

    @property
    def rate(self) -> float:
        return self.sent / self.elapsed if self.elapsed else 0.0

    @property
    def server_cpu_us(self) -> float:
        """The server's CPU time per request, in microseconds: unlike a rate, barely moved by other processes
        taking turns on the server's core, so it compares runs made on a busy machine."""
        return self.server_cpu / self.sent * 1e6 if self.sent else math.nan

    def describe_statuses(self) -> str:
        parts = [f"{status or 'no answer'}: {count}" for status, count in sorted(self.statuses.items())]
        if self.errors:
            parts.append("errors " + ", ".join(f"{name} ×{n}" for name, n in self.errors.most_common(3)))
        return ", ".join(parts)


async def closed_loop(
    port: int,
    requests: Sequence[bytes],
    concurrency: int,
    *,
    server_pid: int | None = None,
    request_timeout: float = 10.0,
) -> LoadResult:
    """Send every request, `concurrency` at a time, each worker on its own keep-alive connection."""
    result = LoadResult(sent=len(requests))
    next_index = iter(range(len(requests)))

    async def worker() -> None:
        conn: HttpConnection | None = None
        for i in next_index:
            started = time.perf_counter()
            try:
                if conn is None or not conn.reusable:
                    conn = await HttpConnection.open(port)
                    result.connections += 1
                status = await asyncio.wait_for(conn.send(requests[i]), request_timeout)
            except (OSError, TimeoutError, asyncio.IncompleteReadError, RuntimeError, ValueError) as exc:
                result.statuses[0] += 1
                result.errors[type(exc).__name__] += 1
                if conn is not None:
                    conn.close()
                conn = None
                continue
            result.latencies.append(time.perf_counter() - started)
            result.statuses[status] += 1
        if conn is not None:
            conn.close()

    cpu0, server0 = time.process_time(), cpu_seconds(server_pid) if server_pid else 0.0
    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(min(concurrency, len(requests)))))
    result.elapsed = time.perf_counter() - t0
    result.client_cpu = time.process_time() - cpu0
    result.server_cpu = (cpu_seconds(server_pid) - server0) if server_pid else 0.0
    return result


async def open_loop(
    port: int,
    requests: Sequence[bytes],
    rate: float,
    *,
    server_pid: int | None = None,
    request_timeout: float = 10.0,
    on_sent: Callable[[int, float], None] | None = None,
    on_answered: Callable[[int, int, float], None] | None = None,
) -> LoadResult:
    """Send request i at t0 + i/rate whatever happened to the earlier ones (no coordinated omission).

    A request's latency runs from its scheduled time, not from when it actually went out, so a stall in the
    client or the server counts against every request it delayed. `on_sent(i, t)` and `on_answered(i, status, t)`
    get time.monotonic() values.
    """
    result = LoadResult(sent=len(requests))
    pool = ConnectionPool(port)
    loop = asyncio.get_running_loop()
    tasks: list[asyncio.Task[None]] = []

    async def one(i: int, scheduled: float) -> None:
        sent_at = time.monotonic()
        if sent_at - scheduled > 0.001:
            result.late_sends += 1
        if on_sent is not None:
            on_sent(i, sent_at)
        try:
            status = await asyncio.wait_for(pool.send(requests[i]), request_timeout)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, RuntimeError, ValueError) as exc:
            result.statuses[0] += 1
            result.errors[type(exc).__name__] += 1
            return
        answered = time.monotonic()
        result.latencies.append(answered - scheduled)
        result.statuses[status] += 1
        if on_answered is not None:
            on_answered(i, status, answered)

    cpu0, server0 = time.process_time(), cpu_seconds(server_pid) if server_pid else 0.0
    t0 = time.monotonic() + 0.05
    for i in range(len(requests)):
        scheduled = t0 + i / rate
        delay = scheduled - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(loop.create_task(one(i, scheduled)))
    await asyncio.gather(*tasks)
    result.elapsed = time.monotonic() - t0
    result.client_cpu = time.process_time() - cpu0
    result.server_cpu = (cpu_seconds(server_pid) - server0) if server_pid else 0.0
    result.connections = pool.opened
    await pool.close()
    return result


# -- what else the machine was doing


def _machine_cpu_seconds() -> tuple[float, float]:
    """(user+nice+system, steal) CPU-seconds of the whole machine so far.

    Interrupt time is left out: loopback traffic is largely accounted there and is this benchmark's own.
    """
    with open("/proc/stat", encoding="ascii") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal ...
    tick = os.sysconf("SC_CLK_TCK")
    return (values[0] + values[1] + values[2]) / tick, values[7] / tick


def _own_cpu_seconds() -> float:
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


class MachineLoad:
    """CPU time that processes other than this benchmark and its (reaped) servers used during the run.

    Other work on a 2-core machine skews every figure; the benchmarks print this so a reader can tell.
    """

    def __init__(self) -> None:
        self.wall0 = time.monotonic()
        self.busy0, self.steal0 = _machine_cpu_seconds()
        self.own0 = _own_cpu_seconds()
        self.load0 = os.getloadavg()

    def report(self) -> str:
        wall = time.monotonic() - self.wall0
        busy, steal = _machine_cpu_seconds()
        other = max(0.0, (busy - self.busy0) - (_own_cpu_seconds() - self.own0))
        steal -= self.steal0
        cores = os.cpu_count() or 1
        share = (other + steal) / (wall * cores) if wall else 0.0
        note = "quiet" if share < 0.05 else "BUSY: other work competed for the cores; figures are skewed"
        return (
            f"machine: other processes used {other:.1f} CPU-s and the hypervisor stole {steal:.1f} CPU-s over "
            f"{wall:.0f} s ({share:.0%} of {cores} cores; load average {self.load0[0]:.2f} at start, "
            f"{os.getloadavg()[0]:.2f} at end) - {note}"
        )


# -- statistics and figures


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by the nearest-rank method; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def latency_summary(latencies: Sequence[float]) -> dict[str, float]:
    return {
        "p50": percentile(latencies, 50) * 1000,
        "p95": percentile(latencies, 95) * 1000,
        "p99": percentile(latencies, 99) * 1000,
        "max": (max(latencies) if latencies else math.nan) * 1000,
    }


def format_latencies(summary: dict[str, float]) -> str:
    return " ".join(f"{name} {value:7.2f} ms" for name, value in summary.items())


def ratio(value: float, baseline: float) -> float:
    if baseline == 0:
        return math.inf if value else math.nan
    return value / baseline


@dataclass
class Figure:
    name: str
    value: str
    baseline: str
    ratio: str
    target: str
    passed: bool

    @property
    def verdict(self) -> str:
        return "PASS" if self.passed else "FAIL"


def print_figures(title: str, figures: Sequence[Figure]) -> None:
    print()
    print(f"=== {title} ===")
    for f in figures:
        print(f"{f.name}: {f.value}")
        print(f"    baseline (same run): {f.baseline}")
        print(f"    ratio: {f.ratio}")
        print(f"    target: {f.target} -> {f.verdict}")
    overall = "PASS" if all(f.passed for f in figures) else "FAIL"
    print(f"overall: {overall} ({sum(f.passed for f in figures)}/{len(figures)} targets met)")
    sys.stdout.flush()


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)
