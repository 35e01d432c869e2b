"""Slack's side: signed requests at /slack/events, and the same app over Socket Mode."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.app.server import BotServer
from bot.core.errors import ConfigError
from bot.fakes.slack import FakeSlack
from bot.fakes.slack_requests import signed
from bot.tone import model_version
from tests.builders import stripe_charge, stripe_event
from tests.harness import CHANNELS, bot_settings, running_bot


def _command(slack: FakeSlack, text: str) -> str:
    return urlencode(
        {
            "token": "legacy",
            "team_id": "T0TEAM",
            "channel_id": "C0SUPPORT",
            "user_id": "U0AGENT",
            "command": "/support",
            "text": text,
            "response_url": slack.response_url("cmd"),
            "trigger_id": "1.2.3",
        }
    )


async def test_support_status_answers_privately_with_what_is_waiting(database_url):
    async with FakeSlack(channels=CHANNELS) as slack:
        slack.set_down(True)  # so the sale below is still waiting when we ask
        async with running_bot(bot_settings(database_url, slack)) as bot:
            await bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi="pi_status")))
            await slack.wait_for(lambda s: any(call.method == "chat.postMessage" for call in s.calls))
            body = _command(slack, "status")
            slack.set_down(False)
            slack.fail_next("chat.postMessage", times=50, status=503)
            status, _ = await bot.post("/slack/events", body.encode(), signed(body, timestamp=bot.now()))
            assert status == 200
            await slack.wait_for(lambda s: "cmd" in s.responses)

    [answer] = slack.responses["cmd"]
    assert answer["response_type"] == "ephemeral"
    assert "1 message(s) waiting" in answer["text"]
    assert f"*Tone model*: {model_version()}" in answer["text"]


async def test_requests_without_a_valid_slack_signature_are_refused(database_url):
    async with FakeSlack(channels=CHANNELS) as slack:
        async with running_bot(bot_settings(database_url, slack)) as bot:
            body = _command(slack, "help")
            forged = await bot.post(
                "/slack/events", body.encode(), signed(body, secret="not-the-secret", timestamp=bot.now())
            )
            stale = await bot.post("/slack/events", body.encode(), signed(body, timestamp=bot.now() - 600))
            unsigned = await bot.post(
                "/slack/events", body.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
            )
    assert [forged[0], stale[0], unsigned[0]] == [401, 401, 401]
    assert "cmd" not in slack.responses


async def test_url_verification_and_a_mention_are_answered(database_url):
    async with FakeSlack(channels=CHANNELS) as slack:
        someone = AsyncWebClient(token=slack.token, base_url=slack.base_url)
        asked = await someone.chat_postMessage(channel="C0SUPPORT", text="<@U0BOT> help")
        async with running_bot(bot_settings(database_url, slack)) as bot:
            challenge = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"})
            headers = signed(challenge, timestamp=bot.now()) | {"Content-Type": "application/json"}
            status, answer = await bot.post("/slack/events", challenge.encode(), headers)
            assert status == 200 and answer.get("challenge", answer.get("raw")) == "abc123"
            mention = json.dumps(
                {
                    "type": "event_callback",
                    "team_id": "T0TEAM",
                    "api_app_id": "A0APP",
                    "event_id": "Ev1",
                    "event_time": bot.now(),
                    "event": {
                        "type": "app_mention",
                        "user": "U0AGENT",
                        "text": "<@U0BOT> help",
                        "ts": asked["ts"],
                        "channel": "C0SUPPORT",
                    },
                }
            )
            status, _ = await bot.post(
                "/slack/events",
                mention.encode(),
                signed(mention, timestamp=bot.now()) | {"Content-Type": "application/json"},
            )
            assert status == 200
            await slack.wait_for(lambda s: bool(s.replies("C0SUPPORT", asked["ts"])))
            retry = signed(mention, timestamp=bot.now()) | {
                "Content-Type": "application/json",
                "X-Slack-Retry-Num": "1",
                "X-Slack-Retry-Reason": "http_timeout",
            }
            status, _ = await bot.post("/slack/events", mention.encode(), retry)
            assert status == 200
            await asyncio.sleep(0.3)
    # Slack's retry of the same event is acknowledged but not answered a second time.
    [reply] = slack.replies("C0SUPPORT", asked["ts"])
    assert "/support status" in reply.text


async def test_socket_mode_serves_the_same_commands_and_still_takes_webhooks(database_url):
    async with FakeSlack(channels=CHANNELS) as slack:
        settings = bot_settings(
            database_url, slack, slack_app_token=slack.app_token, port=0, host="127.0.0.1", slack_signing_secret=None
        )
        server = BotServer(settings, socket_mode=True)
        await server.start()
        try:
            payload = {
                "command": "/support",
                "text": "help",
                "user_id": "U0AGENT",
                "channel_id": "C0SUPPORT",
                "team_id": "T0TEAM",
                "response_url": slack.response_url("socket"),
                "trigger_id": "1.2.3",
            }
            ack = await slack.send_socket_envelope("slash_commands", payload)
            assert "envelope_id" in ack
            await slack.wait_for(lambda s: "socket" in s.responses)
            async with aiohttp.ClientSession() as http:
                async with http.post(f"http://127.0.0.1:{server.port}/slack/events", data=b"{}") as response:
                    assert response.status == 404  # Slack talks over the socket, not HTTP, in this mode
                async with http.get(f"http://127.0.0.1:{server.port}/healthz") as response:
                    assert response.status == 200
        finally:
            await server.stop()
    assert "/support status" in slack.responses["socket"][0]["text"]


async def test_socket_mode_with_an_app_token_slack_refuses_stops_with_one_line_naming_it(database_url):
    async with FakeSlack(channels=CHANNELS) as slack:
        settings = bot_settings(
            database_url, slack, slack_app_token="xapp-1-revoked", port=0, host="127.0.0.1", slack_signing_secret=None
        )
        server = BotServer(settings, socket_mode=True)
        with pytest.raises(ConfigError) as caught:
            async with asyncio.timeout(20):  # the SDK alone would retry the refused token for ever
                await server.start()
        assert server.runtime._tasks and all(task.done() for task in server.runtime._tasks)  # nothing left running
    message = str(caught.value)
    assert message.startswith("Slack refused SUPPORTBOT_SLACK_APP_TOKEN for Socket Mode (invalid_auth)")
    assert "connections:write" in message and "\n" not in message
    assert "xapp-1-revoked" not in message


async def test_supportbot_socket_with_a_refused_app_token_says_one_line_and_exits(tmp_path):
    async with FakeSlack(channels=CHANNELS) as slack:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTBOT_")} | {
            "SUPPORTBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'socket.db'}",
            "SUPPORTBOT_HOST": "127.0.0.1",
            "SUPPORTBOT_PORT": "0",
            "SUPPORTBOT_SLACK_BOT_TOKEN": slack.token,
            "SUPPORTBOT_SLACK_APP_TOKEN": "xapp-1-revoked",
            "SUPPORTBOT_SLACK_API_URL": str(slack.base_url),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "socket", env=env, cwd=tmp_path, stderr=asyncio.subprocess.PIPE
        )
        async with asyncio.timeout(60):  # it used to retry, with a traceback every 10 s, for ever
            _, stderr = await process.communicate()

    assert process.returncode == 2, stderr.decode()
    lines = stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    [line] = lines
    assert line.startswith("supportbot: Slack refused SUPPORTBOT_SLACK_APP_TOKEN for Socket Mode (invalid_auth)")
