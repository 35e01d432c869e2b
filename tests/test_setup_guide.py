"""docs/setup.md tells people to subscribe to exactly the events the bot handles, at routes it serves."""

from __future__ import annotations

import re
from pathlib import Path

from bot.app.runtime import Runtime
from bot.config.settings import Settings
from bot.integrations import paypal_webhooks, stripe_webhooks

ROOT = Path(__file__).parent.parent
GUIDE = (ROOT / "docs" / "setup.md").read_text()


def section(title: str) -> str:
    start = GUIDE.index(f"## {title}")
    end = GUIDE.find("\n## ", start + 1)
    return GUIDE[start : end if end != -1 else None]


def test_the_stripe_steps_name_every_handled_event_and_no_other():
    named = set(re.findall(r"`([a-z_]+(?:\.[a-z_]+)+)`", section("3. Stripe")))
    assert named == set(stripe_webhooks.HANDLED_EVENTS)


def test_the_paypal_steps_name_every_handled_event_and_no_other():
    named = set(re.findall(r"`([A-Z_]+(?:\.[A-Z_]+)+)`", section("4. PayPal")))
    assert named == set(paypal_webhooks.HANDLED_EVENTS)


async def test_every_path_the_guide_gives_is_served():
    settings = Settings(
        _env_file=None,
        database_url="sqlite+aiosqlite:///:memory:",
        slack_bot_token="xoxb-unused",
        slack_signing_secret="unused",
    )
    runtime = Runtime(settings)
    try:
        app = runtime.web_app(runtime.slack_app())
        served = {route.resource.canonical for route in app.router.routes() if route.resource}
    finally:
        await runtime.db.dispose()
    given = set(re.findall(r"(/(?:slack|webhooks)/[a-z]+|/healthz)\b", GUIDE))
    assert given and given <= served


def test_the_readme_links_the_guide():
    assert "(docs/setup.md)" in (ROOT / "README.md").read_text()
