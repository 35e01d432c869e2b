"""The Home tab: who opened it, what was last published to them, and the owners' uploaded charts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base


class HomeViewer(Base):
    """Someone who opened supportbot's Home tab, and the view last published to them.

    `published_hash` is the publisher's claim: a process publishes only after moving it from the value it read to
    the new view's, so two replicas never publish the same change twice, and a failed publish puts it back.
    """

    __tablename__ = "home_viewers"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    opened_at: Mapped[datetime]
    published_at: Mapped[datetime | None]
    published_hash: Mapped[str | None] = mapped_column(String(64))


class HomeChart(Base):
    """The owners' 30-day chart as uploaded to Slack, at most one an hour: the row for an hour is the claim to draw
    it, so two replicas never upload the same hour's chart; `file_id` is set once Slack has the file."""

    __tablename__ = "home_charts"

    id: Mapped[int] = mapped_column(primary_key=True)
    hour: Mapped[datetime] = mapped_column(unique=True)
    drawn_at: Mapped[datetime]
    figures_hash: Mapped[str] = mapped_column(String(64))  # what it shows: unchanged figures are not redrawn
    file_id: Mapped[str | None] = mapped_column(String(32))
