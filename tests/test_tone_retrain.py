"""Learning from the team: corrections made with the tone review buttons retrain this deployment's own head.

The corrected kind of message here is contempt for the staff's competence without an insult word ("a toy that
answers questions would have sorted this faster"), which the label guide calls abusive and the shipped model
calls frustrated or neutral. A team that marks such messages abusive should see the next one judged abusive.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.actions.record import Actor
from bot.core.clock import FakeClock
from bot.core.slack_ids import Command
from bot.fakes.slack import FakeSlack
from bot.policies.routing import Channels
from bot.policies.tone import Tone
from bot.policies.tone_head import ToneHead
from bot.storage.db import Database
from bot.storage.models.tickets import Ticket, TicketMessage
from bot.storage.models.tone import ToneRetraining
from bot.tone import classify_tone, head_bases, model_version
from bot.tone.model import MODEL_DIR
from bot.tone.nightly import NightlyRetraining
from bot.tone.retrain import head_in_use, retrain, status_line, version_in_use
from bot.tone.review import review_tone
from tests.builders import ticket_event
from tests.harness import CHANNELS, bot_settings, running_bot

AGENT = Actor("U0AGENT", "Sam")
NO_CHANNELS = Channels(None, None, None)
BERLIN = ZoneInfo("Europe/Berlin")
# A Wednesday night in Berlin, after the nightly hour (03:00 local is 02:00 UTC in winter).
NIGHT = datetime(2026, 11, 25, 2, 30, tzinfo=UTC)

_ENDINGS = ["Order 4411.", "Still waiting.", "Third email now.", "Just asking.", "Ticket 9.", "Sort it."]
CONTEMPT = [
    text.format(x=x)
    for text in (
        "Honestly, a toy that answers questions would have sorted this faster. {x}",
        "Is there an adult in the building who can read an order number? {x}",
    )
    for x in _ENDINGS
]
FRUSTRATED = [
    text.format(n=n)
    for text in (
        "This is the third time I've asked about order {n}. Where is it?",
        "I paid for express shipping on order {n} and it's been a week. Not happy.",
        "Still no licence key for order {n}. This is getting ridiculous.",
        "Why does nobody answer about order {n}? I'm losing patience here.",
        "Order {n} arrived damaged and I've been waiting days for a reply. Very disappointing.",
    )
    for n in (1204, 3310)
]
NEUTRAL = [
    text.format(n=n)
    for text in (
        "Hi, could you resend the licence key for order {n}? Thanks.",
        "Thanks, the download for {n} works now.",
    )
    for n in (1204, 3310)
]
INSULTS = [
    "You useless bunch of clowns, fix my order.",
    "Your support team are a pack of idiots.",
    "Who trained your support staff, a fortune cookie? Sort it.",
    "You people are morons. Refund me.",
]
NEW_CONTEMPT = "Honestly, a toy that answers questions would have sorted this out faster. Order 7720."
STILL_FRUSTRATED = "It's been two weeks and order 8812 still hasn't shipped. Please sort it out."


async def judged_by_the_team(database_url: str, marked: list[tuple[str, bool]], at: datetime = NIGHT) -> None:
    """Each message arrives, is judged by the shipped model, and a person marks it abusive or not in Slack."""
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            ticket = Ticket(external_id=f"T-{at.timestamp():.0f}", subject="Order", opened_at=at)
            session.add(ticket)
            await session.flush()
            for n, (body, _abusive) in enumerate(marked):
                verdict = classify_tone(body)
                session.add(
                    TicketMessage(
                        ticket_id=ticket.id,
                        external_id=f"M-{n}",
                        sender="customer",
                        body=body,
                        sent_at=at,
                        tone=verdict.tone,
                        tone_verdict={"tone": verdict.tone.value, "flags": sorted(verdict.flags)},
                    )
                )
            await session.flush()
            ids = list(await session.scalars(select(TicketMessage.id).where(TicketMessage.ticket_id == ticket.id)))
        for message_id, (_body, abusive) in zip(sorted(ids), marked, strict=True):
            await db.run(
                partial(review_tone, message_id=message_id, abusive=abusive, actor=AGENT, now=at, channels=NO_CHANNELS)
            )
    finally:
        await db.dispose()


def the_contempt_lesson() -> list[tuple[str, bool]]:
    return [(t, True) for t in CONTEMPT] + [(t, False) for t in FRUSTRATED + NEUTRAL]


async def in_use(database_url: str) -> tuple[ToneHead | None, str, str]:
    db = Database(database_url)
    try:
        async with db.transaction(read_only=True) as session:
            return await head_in_use(session), await version_in_use(session), await status_line(session)
    finally:
        await db.dispose()


async def test_corrections_retrain_a_head_that_judges_the_corrected_kind_as_the_team_did(database_url):
    assert all(classify_tone(text).tone is not Tone.ABUSIVE for text in [CONTEMPT[0], NEW_CONTEMPT])
    await judged_by_the_team(database_url, the_contempt_lesson())
    db = Database(database_url)
    try:
        retrained = await retrain(db, NIGHT, trigger="command")
    finally:
        await db.dispose()

    figures = retrained.evaluation
    assert figures.used and figures.corrections == 26 and figures.abusive == 12
    assert figures.head_right > figures.shipped_right
    assert figures.head_missed_abusive <= figures.shipped_missed_abusive
    head, version, status = await in_use(database_url)
    assert head is not None and version == f"{model_version()}+head.{retrained.head_version}"
    assert status.startswith(version) and "26 correction(s)" in status
    # A message of the corrected kind it never saw is judged as the team judges them; a merely frustrated
    # customer, a calm one and an insult keep their verdicts.
    assert classify_tone(NEW_CONTEMPT).tone is not Tone.ABUSIVE
    learnt = classify_tone(NEW_CONTEMPT, head)
    assert learnt.tone is Tone.ABUSIVE
    assert learnt.reasons[-1].startswith(f"learnt from the team's corrections ({version}): ")
    assert classify_tone(STILL_FRUSTRATED, head).tone is Tone.FRUSTRATED
    assert classify_tone("Hi, how do I change the email on my account?", head).tone is Tone.NEUTRAL
    assert classify_tone("You people are morons.", head).tone is Tone.ABUSIVE


async def test_the_same_corrections_give_the_same_head(database_url):
    await judged_by_the_team(database_url, the_contempt_lesson())
    db = Database(database_url)
    try:
        first = await retrain(db, NIGHT, trigger="command")
        second = await retrain(db, NIGHT, trigger="command")
        async with db.transaction(read_only=True) as session:
            rows = list(await session.scalars(select(ToneRetraining).order_by(ToneRetraining.id)))
    finally:
        await db.dispose()
    assert first.evaluation == second.evaluation
    assert rows[0].weights == rows[1].weights and rows[0].weights is not None


async def test_a_head_that_does_not_beat_the_shipped_model_is_not_used(database_url):
    # The team only confirmed what the shipped model already said: there is nothing for a head to add.
    await judged_by_the_team(database_url, [(t, True) for t in INSULTS] + [(t, False) for t in FRUSTRATED + NEUTRAL])
    db = Database(database_url)
    try:
        retrained = await retrain(db, NIGHT, trigger="command")
    finally:
        await db.dispose()
    assert not retrained.evaluation.used
    assert retrained.evaluation.shipped_right == retrained.evaluation.corrections == 18
    head, version, status = await in_use(database_url)
    assert head is None and version == model_version()
    assert "is not used: the head did no better than the shipped model" in status


async def test_a_head_fitted_on_another_release_of_the_model_is_not_applied(database_url):
    await judged_by_the_team(database_url, the_contempt_lesson())
    db = Database(database_url)
    try:
        await retrain(db, NIGHT, trigger="command")
        async with db.transaction() as session:
            [record] = list(await session.scalars(select(ToneRetraining)))
            record.base_version = "tone-minilm-000000000000"  # as if this release shipped a new model since
        head, version, status = await in_use(database_url)
        async with db.transaction(read_only=True) as session:
            [weights] = list(await session.scalars(select(ToneRetraining.weights)))
    finally:
        await db.dispose()
    assert head is None and version == model_version()
    assert status == f"{model_version()} (no retraining on the team's corrections yet)"
    # Handed one anyway, the classifier leaves it out: its weights were fitted on another model's outputs.
    stale = ToneHead.from_json(1, "tone-minilm-000000000000", weights)
    assert classify_tone(NEW_CONTEMPT, stale) == classify_tone(NEW_CONTEMPT)


async def test_a_head_fitted_on_a_release_with_the_same_scores_stays_in_use(database_url, tmp_path, monkeypatch):
    # A release whose graph was slimmed (scripts/tone_graph.py) gives its predecessor's scores bit for bit and says
    # so on its card, so a deployment's head fitted on the predecessor still applies, and is shown on this release.
    # The shipped card may list none (a model trained afresh has no predecessor with its scores): this one does.
    earlier = "tone-minilm-0123456789ab"
    card = json.loads((MODEL_DIR / "model.json").read_text(encoding="utf-8"))
    (tmp_path / "model.json").write_text(json.dumps(card | {"same_scores_as": [earlier]}), encoding="utf-8")
    monkeypatch.setattr("bot.tone.model.MODEL_DIR", tmp_path)
    assert head_bases() == (model_version(), earlier)
    await judged_by_the_team(database_url, the_contempt_lesson())
    db = Database(database_url)
    try:
        retrained = await retrain(db, NIGHT, trigger="command")
        async with db.transaction() as session:
            [record] = list(await session.scalars(select(ToneRetraining)))
            record.base_version = earlier
        head, version, status = await in_use(database_url)
    finally:
        await db.dispose()
    assert head is not None and version == f"{model_version()}+head.{retrained.head_version}"
    assert status.startswith(version) and "26 correction(s)" in status
    assert classify_tone(NEW_CONTEMPT, head).tone is Tone.ABUSIVE
    handed = ToneHead.from_json(retrained.head_version, earlier, head.to_json())
    assert classify_tone(NEW_CONTEMPT, handed).tone is Tone.ABUSIVE


async def test_too_few_corrections_fit_nothing(database_url):
    await judged_by_the_team(database_url, [(CONTEMPT[0], True), (FRUSTRATED[0], False)])
    db = Database(database_url)
    try:
        retrained = await retrain(db, NIGHT, trigger="command")
    finally:
        await db.dispose()
    assert not retrained.evaluation.used and retrained.evaluation.folds == 0
    assert "too few corrections to learn from: 2 (1 abusive, 1 not)" in retrained.evaluation.reason
    assert (await in_use(database_url))[0] is None


async def test_the_command_says_what_it_fitted_and_whether_it_is_used(database_url):
    await judged_by_the_team(database_url, the_contempt_lesson())
    status, out, err = await supportbot(database_url, "tone-retrain")
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0] == "corrections: 26 (12 abusive, 14 not abusive)"
    assert lines[1].startswith("cross-validation (5 folds), judged as the team did: shipped model ")
    assert lines[2].startswith("head 1: used: the head judged ") and "more correction(s) as the team did" in lines[2]
    assert lines[3] == f"tone model in use: {model_version()}+head.1"

    # Run again on the same corrections: a new retraining, the same verdict on it.
    assert (await supportbot(database_url, "tone-retrain"))[1].splitlines()[-1].endswith("+head.2")


async def test_nightly_retraining_runs_once_a_night_after_its_hour_and_only_on_new_corrections(database_url):
    evening = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)
    await judged_by_the_team(database_url, the_contempt_lesson(), at=evening)
    clock = FakeClock(datetime(2026, 11, 25, 1, 30, tzinfo=UTC))  # 02:30 in Berlin: before the hour
    db = Database(database_url)
    nightly = NightlyRetraining(db, clock, BERLIN, 3, poll_seconds=0.01)
    try:
        assert await nightly.tick() is None
        clock.set(datetime(2026, 11, 25, 2, 5, tzinfo=UTC))  # 03:05 in Berlin
        first = await nightly.tick()
        assert first is not None and first.evaluation.used
        assert await nightly.tick() is None  # done for tonight
        clock.advance(timedelta(days=1).total_seconds())
        assert await nightly.tick() is None  # a new night, but nobody corrected anything since
        await judged_by_the_team(database_url, [(CONTEMPT[0].replace("4411", "5120"), True)], at=clock.now())
        assert await nightly.tick() is None  # made after tonight's hour: learnt the night after
        clock.advance(timedelta(days=1).total_seconds())
        second = await nightly.tick()
        assert second is not None and second.evaluation.corrections == 27
        async with db.transaction(read_only=True) as session:
            triggers = list(await session.scalars(select(ToneRetraining.trigger).order_by(ToneRetraining.id)))
        assert triggers == ["nightly", "nightly"]
    finally:
        await nightly.lead.release()
        await db.dispose()


async def test_a_running_bot_judges_with_the_new_head_and_shows_its_version_in_status_and_metrics(database_url):
    await judged_by_the_team(database_url, the_contempt_lesson())
    async with FakeSlack(channels=CHANNELS) as slack, running_bot(bot_settings(database_url, slack)) as bot:
        retrained = await retrain(bot.runtime.db, bot.runtime.clock.now(), trigger="command")
        version = f"{model_version()}+head.{retrained.head_version}"
        event = ticket_event("ticket.created", ticket_id="T-NEW", message_id="M-NEW", body=NEW_CONTEMPT)
        assert (await bot.tickets(event))[0] == 200
        await bot.settle()
        async with bot.runtime.db.transaction(read_only=True) as session:
            judged = await session.scalar(select(TicketMessage).where(TicketMessage.external_id == "M-NEW"))
        assert judged is not None and judged.tone == Tone.ABUSIVE and judged.tone_verdict is not None
        assert judged.tone_verdict["model"] == version

        assert await bot.slash(slack, Command.SUPPORT, "status", user="U0AGENT", reply_to="status") == 200
        await slack.wait_for(lambda s: "status" in s.responses)
        async with bot.http.get(bot.url + "/metrics") as response:
            metrics = await response.text()
    [answer] = slack.responses["status"]
    assert f"*Tone model*: {version} (the team's head, retrained" in answer["text"]
    assert f'supportbot_tone_model_info{{version="{version}"}} 1.0' in metrics


async def supportbot(database_url: str, *args: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTBOT_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=Path(__file__).parent,
        env=env | {"SUPPORTBOT_DATABASE_URL": database_url},
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, out.decode(), err.decode()


def test_serve_loads_numpy_only_when_a_retraining_runs_or_a_message_is_judged():
    # A new interpreter: this one has numpy already. Its ~15 MB count against a replica's memory at start.
    wired = "import sys, bot.app.server; print('numpy' in sys.modules)"
    loaded = subprocess.run([sys.executable, "-c", wired], capture_output=True, text=True, check=True)  # noqa: S603
    assert loaded.stdout.strip() == "False"
