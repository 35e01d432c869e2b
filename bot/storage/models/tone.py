"""The team's tone choices from Slack and the tone head retrained on its corrections."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, BigId, JSONType


class Preference(Base):
    """A choice an owner made from Slack (e.g. whether abusive messages are hidden), overriding the default."""

    __tablename__ = "preferences"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]]
    set_by: Mapped[str] = mapped_column(String(32))
    set_at: Mapped[datetime]


class ToneRetraining(Base):
    """One retraining of the deployment's own tone head on the team's corrections (bot/tone/retrain.py).

    Kept here and never in the repository: the corrections quote customers, and the head is this shop's own.
    Every retraining is kept, whether or not it beat the shipped model, so the team can see why a head is, or
    is not, in use; the newest one for the shipped model in use decides.
    """

    __tablename__ = "tone_heads"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    base_version: Mapped[str] = mapped_column(String(64), index=True)  # the shipped model it sits on
    fitted_at: Mapped[datetime]
    trigger: Mapped[str] = mapped_column(String(16))  # "command" or "nightly"
    corrections: Mapped[int] = mapped_column(Integer)
    # The newest correction it learnt from: a nightly retraining runs only once there is a newer one.
    newest_correction_at: Mapped[datetime | None]
    used: Mapped[bool] = mapped_column(Boolean)  # it beat the shipped model on the corrections
    weights: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # None: too few corrections to fit
    evaluation: Mapped[dict[str, Any]] = mapped_column(JSONType)
