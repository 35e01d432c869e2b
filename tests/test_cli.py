"""The `supportbot` command as a person meets it: one clear line when something is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.db import known_revisions


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
