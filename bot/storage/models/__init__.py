"""The bot's records: SQLAlchemy 2 typed models, the same on SQLite and PostgreSQL.

Here are what every table shares (the column types, the declarative base, a card's place in Slack, the providers);
the tables themselves sit one module per feature beside this one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import JSON, BigInteger, DateTime, Enum, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, whether or not the database keeps the zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Read for every field of every webhook at the door: the attribute walk is done once a column.
@cache
def max_length(column: InstrumentedAttribute[Any]) -> int:
    """How many characters a text column holds: the one source of every length limit on what providers send.

    PostgreSQL refuses a longer value ("value too long for type character varying"); SQLite would keep it.
    """
    length = getattr(column.property.columns[0].type, "length", None)
    if length is None:
        raise TypeError(f"{column} has no length limit")
    return int(length)


# What a BIGINT holds, the type of every amount column.
BIGINT_MAX = 2**63 - 1

JSONType = JSON().with_variant(JSONB(), "postgresql")
# SQLite numbers rows itself only for a column declared exactly INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def enum_column(enum: type[StrEnum], length: int) -> Enum:
    """A column of `enum`'s values in a VARCHAR(`length`), exactly the String(`length`) it replaces: no native enum
    type and no CHECK constraint, so the schema (and the migrations) stay as they are; rows read back as members."""
    return Enum(enum, native_enum=False, length=length, values_callable=lambda members: [m.value for m in members])


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSONType}


class Provider(StrEnum):
    STRIPE = "stripe"
    PAYPAL = "paypal"
    TICKETS = "tickets"
    SLACK = "slack"
    MAILBOX = "mailbox"


class SlackPlaced:
    """Where an entity's card sits in Slack, once posted."""

    if TYPE_CHECKING:  # each subject's own primary key, declared by the subject itself
        id: Mapped[int]

    slack_channel: Mapped[str | None] = mapped_column(String(32))
    slack_ts: Mapped[str | None] = mapped_column(String(32))


# A table joins Base.metadata when its module is imported: importing them all here means whoever reads the metadata
# (migrations, the schema test, the test harness) sees every table, whichever model it imported first.
from bot.storage.models import actions, customers, home, inbound, mail, oncall, outbox, sales, tickets, tone  # noqa: E402, F401
