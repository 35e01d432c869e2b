"""The database going away under a running bot: webhooks answer 503 so the providers retry, and the bot recovers by
itself when the database is back, posting what it had stored before.

PostgreSQL only, by design: the bot reaches its server through a TCP proxy the test cuts (an embedded SQLite file
cannot go away like this). The test takes `postgres_url`, which fails the run, never skips it, without PostgreSQL.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.engine import make_url

from bot.fakes.slack import FakeSlack
from tests.builders import stripe_charge, stripe_event
from tests.harness import CHANNELS, BotUnderTest, bot_settings, running_bot, sales_shown
from tests.processes import new_postgres_database
from tests.tcp_proxy import TcpProxy


async def test_webhooks_answer_503_while_the_database_is_away_and_the_bot_recovers_on_its_own(
    postgres_url: str,
) -> None:
    async with new_postgres_database() as direct_url, FakeSlack(channels=CHANNELS) as slack:
        target = make_url(direct_url)
        async with TcpProxy(target.host or "127.0.0.1", target.port or 5432) as proxy:
            url = target.set(port=proxy.port).render_as_string(hide_password=False)
            async with running_bot(bot_settings(url, slack), backoff_base=0.05) as bot:
                assert (await bot.stripe(_sale(1)))[0] == 200
                await bot.settle()

                # Stored, acknowledged, but not yet in Slack when the database goes.
                slack.set_down(True)
                assert (await bot.stripe(_sale(2)))[0] == 200
                assert (await bot.stripe(_sale(3)))[0] == 200
                proxy.cut()
                slack.set_down(False)

                status, answer = await bot.stripe(_sale(4))
                assert (status, answer.get("error")) == (503, "storage unavailable, retry later")
                assert (await _health(bot))[0] == 503
                await asyncio.sleep(1.5)  # the workers meet the outage too, and must come through it
                assert (await bot.stripe(_sale(4)))[0] == 503

                proxy.restore()
                # No restart and no new delivery needed: what was stored before the outage goes out on its own.
                # (Waiting for it here also keeps the three sales from waiting as cards at once, which the channel
                # showed as a rush digest, depending on how fast the next one is applied.)
                await bot.settle(timeout=20)
                assert sales_shown(slack) == (3, 0)
                # The next delivery of the refused event is stored, as the provider's retry would be.
                assert (await bot.stripe(_sale(4)))[0] == 200
                assert (await _health(bot))[0] == 200
                await bot.settle(timeout=20)

    assert proxy.refused > 0, "the bot never tried the database while it was away"
    assert sales_shown(slack) == (4, 0)
    emails = sorted(m.text.rsplit(" · ", 1)[-1] for m in slack.channel_messages("C0SALES"))
    assert emails == [f"outage{n}@example.com" for n in (1, 2, 3, 4)]


def _sale(n: int) -> dict[str, Any]:
    # The same event id every time for one sale, as a provider's redelivery carries.
    return stripe_event(
        "charge.succeeded", stripe_charge(pi=f"pi_outage_{n}", email=f"outage{n}@example.com"), event_id=f"evt_out_{n}"
    )


async def _health(bot: BotUnderTest) -> tuple[int, dict[str, Any]]:
    async with bot.http.get(bot.url + "/healthz") as response:
        return response.status, await response.json()
