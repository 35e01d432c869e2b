"""The `supportbot` command as a person meets it: one clear line when something is missing."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

from bot.cli.parser import build_parser, subparsers
from bot.storage.db import known_revisions

ROOT = Path(__file__).parent.parent


def _run(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=60
    )


def _env(tmp_path: Path, **values: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTBOT_")}
    return base | {"SUPPORTBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"} | values


def test_serve_without_a_slack_token_stops_with_one_line_naming_it(tmp_path):
    result = _run("serve", env=_env(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "supportbot: SUPPORTBOT_SLACK_BOT_TOKEN is not set; it is needed to post to Slack and check its requests."
    ]


def test_an_invalid_setting_is_named_without_echoing_its_value(tmp_path):
    result = _run(
        "serve", env=_env(tmp_path, SUPPORTBOT_PORT="http", SUPPORTBOT_SLACK_BOT_TOKEN="xoxb-SECRET"), cwd=tmp_path
    )
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("supportbot: SUPPORTBOT_PORT is invalid")
    assert "SECRET" not in result.stderr


def test_migrate_creates_the_schema_then_reports_it_current(tmp_path):
    first = _run("migrate", env=_env(tmp_path), cwd=tmp_path)
    second = _run("migrate", env=_env(tmp_path), cwd=tmp_path)
    head = known_revisions()[0]
    assert first.returncode == 0 and f"empty -> {head}" in first.stdout
    assert second.returncode == 0 and f"at {head}" in second.stdout


def test_socket_mode_needs_the_app_token(tmp_path):
    result = _run("socket", env=_env(tmp_path, SUPPORTBOT_SLACK_BOT_TOKEN="xoxb-1"), cwd=tmp_path)
    assert result.returncode == 2 and "SUPPORTBOT_SLACK_APP_TOKEN" in result.stderr


def test_tone_is_a_subcommand_of_supportbot(tmp_path):
    result = _run("tone", "You are all liars and thieves.", env=_env(tmp_path), cwd=tmp_path)
    assert result.returncode == 0
    assert "abusive" in result.stdout


def test_a_bare_supportbot_prints_the_help_listing_every_command(tmp_path):
    result = _run(env=_env(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: supportbot")
    for name in subparsers(build_parser()):
        if " " not in name:
            assert f"\n    {name}" in result.stdout, name


def test_a_command_group_without_its_command_prints_its_help(tmp_path):
    result = _run("audit", env=_env(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "export" in result.stdout and "verify" in result.stdout


def test_every_command_explains_itself_with_a_description_and_examples():
    commands = subparsers(build_parser())
    assert {"serve", "socket", "migrate", "doctor", "demo", "tone-reviews", "audit verify", "customer forget"} <= set(
        commands
    )
    for name, parser in commands.items():
        assert parser.description and len(parser.description) > 40, name
        examples = parser.epilog or ""
        assert examples.startswith("examples:\n  supportbot"), name
        assert f"supportbot {name}" in examples, name


def test_version_is_the_packages_the_changelogs_latest_release_and_pyprojects(tmp_path):
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert version("supportbot") == declared, "the installed metadata is stale: run `make install`"
    result = _run("--version", env=_env(tmp_path), cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == f"supportbot {declared}\n"
    releases = re.findall(r"^## (.+)$", (ROOT / "CHANGELOG.md").read_text(), re.MULTILINE)
    assert releases[0] == "Unreleased"  # where the next changes go
    assert re.fullmatch(rf"{re.escape(declared)} — \d{{4}}-\d{{2}}-\d{{2}}", releases[1]), releases[1]


def test_a_port_in_use_is_one_line_naming_the_setting(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = _env(
            tmp_path,
            SUPPORTBOT_HOST="127.0.0.1",
            SUPPORTBOT_PORT=str(port),
            SUPPORTBOT_SLACK_BOT_TOKEN="xoxb-1",
            SUPPORTBOT_SLACK_SIGNING_SECRET="s",
            SUPPORTBOT_SLACK_API_URL="http://127.0.0.1:9/api/",  # never asked: it stops before
        )
        result = _run("serve", env=env, cwd=tmp_path)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()[-1:]
    assert line == (
        f"supportbot: port {port} is already in use on 127.0.0.1 (another supportbot, or another server?): "
        "stop it, or set SUPPORTBOT_PORT to a free port"
    )
    assert "Traceback" not in result.stderr


def test_an_unreachable_database_is_one_line_naming_the_setting_without_the_password(tmp_path):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    for command in ("migrate", "serve", "audit"):
        url = f"postgresql://bot:hunter2@127.0.0.1:{port}/shop"  # as hosts give it: no +asyncpg
        env = _env(tmp_path, SUPPORTBOT_DATABASE_URL=url, SUPPORTBOT_SLACK_BOT_TOKEN="xoxb-1")
        env["SUPPORTBOT_SLACK_SIGNING_SECRET"] = "s"
        args = (command, "verify") if command == "audit" else (command,)
        result = _run(*args, env=env, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        [line] = result.stderr.strip().splitlines()
        assert line.startswith(
            f"supportbot: cannot use the database postgresql+asyncpg://bot:***@127.0.0.1:{port}/shop"
        )
        assert "check SUPPORTBOT_DATABASE_URL" in line and "hunter2" not in result.stderr


def test_events_retry_puts_a_quarantined_event_back_and_says_when_there_is_none(tmp_path):
    import sqlite3

    assert _run("migrate", env=_env(tmp_path), cwd=tmp_path).returncode == 0
    with sqlite3.connect(tmp_path / "cli.db") as conn:
        conn.execute(
            "INSERT INTO inbound_events (provider, event_id, event_type, payload, status, attempts, received_at,"
            " quarantined_at, quarantine_reason) VALUES ('stripe', 'evt_q', 'charge.succeeded', '{}', 'quarantined',"
            " 1, '2026-11-20 10:00:00', '2026-11-20 10:00:01', 'the payload cannot be used')"
        )
    first = _run("events", "retry", "stripe", "evt_q", env=_env(tmp_path), cwd=tmp_path)
    again = _run("events", "retry", "stripe", "evt_q", env=_env(tmp_path), cwd=tmp_path)
    assert first.returncode == 0 and "evt_q will be applied again" in first.stdout
    assert again.returncode == 1 and "no quarantined stripe event evt_q" in again.stderr
    with sqlite3.connect(tmp_path / "cli.db") as conn:
        row = conn.execute("SELECT status, attempts, quarantine_reason FROM inbound_events").fetchone()
    assert row == ("pending", 0, None)
