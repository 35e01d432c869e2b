"""Learning from the team: the tone verdicts people corrected in Slack retrain this deployment's own head.

`supportbot tone-retrain`, or the nightly run (bot/tone/nightly.py), reads every message a person judged
(bot/tone/review.py keeps them), scores each with the shipped model, fits the head (bot/tone/head_fit.py) and
keeps it in the database with its cross-validated figures; never in the repository, since it is learnt from
this shop's customers. Each verdict then uses the newest head fitted on the shipped model in use, if that head
beat the shipped model on the corrections; otherwise the shipped model judges alone.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.erasure import ERASED
from bot.policies.tone import Tone, load_model, model_features
from bot.policies.tone_head import ToneHead, head_label
from bot.policies.tone_rules import analyse
from bot.policies.tone_text import own_text
from bot.storage.db import Database
from bot.storage.models.tickets import TicketMessage
from bot.storage.models.tone import ToneRetraining
from bot.tone import head_bases, model_version, score

if TYPE_CHECKING:
    # Fitting is numpy's work: imported when a retraining runs, not when the bot starts (about 15 MB of a
    # replica's memory that a shop without tickets never needs).
    from bot.tone.head_fit import Evaluation, Example


@dataclass(frozen=True)
class Correction:
    body: str
    abusive: bool  # what the person said
    at: datetime | None


@dataclass(frozen=True)
class Retrained:
    head_version: int  # the retraining's number, whether or not its head is used
    base_version: str
    evaluation: Evaluation
    newest_correction_at: datetime | None

    @property
    def version_in_use(self) -> str:
        return head_label(self.base_version, self.head_version if self.evaluation.used else None)


_JUDGED = TicketMessage.tone_corrected_by.is_not(None) & (TicketMessage.body != ERASED)


async def corrections(session: AsyncSession) -> list[Correction]:
    """Every message a person judged abusive or not, oldest first; an erased body teaches nothing."""
    rows = await session.execute(
        select(TicketMessage.body, TicketMessage.tone, TicketMessage.tone_corrected_at)
        .where(_JUDGED)
        .order_by(TicketMessage.id)
    )
    return [Correction(body, tone == Tone.ABUSIVE, at) for body, tone, at in rows]


async def newest_correction_at(session: AsyncSession, until: datetime) -> datetime | None:
    """When the newest correction made by `until` was made."""
    query = select(func.max(TicketMessage.tone_corrected_at)).where(_JUDGED, TicketMessage.tone_corrected_at <= until)
    newest: datetime | None = await session.scalar(query)
    return newest


def examples(found: list[Correction]) -> list[Example]:
    from bot.tone.head_fit import Example

    """What the shipped model and the rules make of each corrected message (CPU: run it off the event loop)."""
    words = load_model()
    made = []
    for correction in found:
        analysis = analyse(correction.body)
        probabilities = words.probabilities(words.contributions(model_features(analysis)))
        made.append(Example(analysis, score(own_text(correction.body).text), probabilities, correction.abusive))
    return made


async def retrain(db: Database, now: datetime, trigger: str) -> Retrained:
    """Fit, cross-validate and keep a new head on every correction so far; returns what became of it."""
    async with db.transaction(read_only=True) as session:
        found = await corrections(session)
    newest = max((c.at for c in found if c.at is not None), default=None)
    base = model_version()
    # Scoring runs the model once per message and fitting is numpy: seconds of CPU that must not stall Slack.
    evaluation, weights = await asyncio.to_thread(_fit_and_check, found, base)

    async def keep(session: AsyncSession) -> int:
        record = ToneRetraining(
            base_version=base,
            fitted_at=now,
            trigger=trigger,
            corrections=len(found),
            newest_correction_at=newest,
            used=evaluation.used,
            weights=weights,
            evaluation=evaluation.to_json(),
        )
        session.add(record)
        await session.flush()
        return record.id

    head_version = await db.run(keep)
    return Retrained(head_version, base, evaluation, newest)


def _fit_and_check(found: list[Correction], base: str) -> tuple[Evaluation, dict[str, object] | None]:
    from bot.tone.head_fit import evaluate, fit

    made = examples(found)
    evaluation = evaluate(made)
    if not evaluation.folds:
        return evaluation, None
    # Kept even when not used, so that the figures and the weights can be looked at side by side.
    return evaluation, fit(made, version=0, base_version=base).to_json()


async def latest_retraining(session: AsyncSession, base_version: str | None = None) -> ToneRetraining | None:
    """The newest retraining on the shipped model in use (by default), used or not."""
    bases = (base_version,) if base_version else head_bases()
    query = select(ToneRetraining).where(ToneRetraining.base_version.in_(bases)).order_by(ToneRetraining.id.desc())
    latest: ToneRetraining | None = await session.scalar(query.limit(1))
    return latest


_heads: dict[int, ToneHead] = {}


async def head_in_use(session: AsyncSession) -> ToneHead | None:
    """The team's head that verdicts use now, if the newest retraining on the shipped model earned it (or on an
    earlier release whose scores the shipped model gives bit for bit)."""
    base = model_version()
    query = (
        select(ToneRetraining.id, ToneRetraining.used, ToneRetraining.weights)
        .where(ToneRetraining.base_version.in_(head_bases()))
        .order_by(ToneRetraining.id.desc())
        .limit(1)
    )
    row = (await session.execute(query)).first()
    if row is None or not row.used or row.weights is None:
        return None
    # Parsed once per process: every replica reads the id on each verdict, and so picks up a new head at once.
    if row.id not in _heads:
        _heads[row.id] = ToneHead.from_json(row.id, base, row.weights)
    return _heads[row.id]


async def version_in_use(session: AsyncSession) -> str:
    """The tone model version verdicts are given with: the shipped model, and the team's head if in use."""
    head = await head_in_use(session)
    return head.label if head is not None else model_version()


async def status_line(session: AsyncSession) -> str:
    """The tone model in use and where the team's head stands, for `/support status`."""
    latest = await latest_retraining(session)
    in_use = await version_in_use(session)
    if latest is None:
        return f"{in_use} (no retraining on the team's corrections yet)"
    when = latest.fitted_at.strftime("%Y-%m-%d %H:%M UTC")
    if latest.used:
        return f"{in_use} (the team's head, retrained {when} on {latest.corrections} correction(s))"
    return f"{in_use} (head {latest.id}, retrained {when} on {latest.corrections} correction(s), is not used: " + (
        f"{latest.evaluation.get('reason', 'it did not beat the shipped model')})"
    )


def describe(retrained: Retrained) -> str:
    """What a retraining did, in words, for the command line and the log."""
    e = retrained.evaluation
    lines = [f"corrections: {e.corrections} ({e.abusive} abusive, {e.corrections - e.abusive} not abusive)"]
    if e.folds:
        lines.append(
            f"cross-validation ({e.folds} folds), judged as the team did: shipped model {e.shipped_right}/"
            f"{e.corrections}, with the head {e.head_right}/{e.corrections}; abusive missed: "
            f"{e.shipped_missed_abusive} shipped, {e.head_missed_abusive} with the head"
        )
    if e.held_by_rules:
        lines.append(
            f"{e.held_by_rules} message(s) marked not abusive are called abusive by the rules or the threat flag, "
            "which a head never overrides"
        )
    verdict = "used" if e.used else "not used"
    lines.append(f"head {retrained.head_version}: {verdict}: {e.reason}")
    lines.append(f"tone model in use: {retrained.version_in_use}")
    return "\n".join(lines)
