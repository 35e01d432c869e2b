"""Reading the loosely typed values providers send."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def iso_time(value: Any) -> datetime | None:
    """An ISO 8601 time with a zone ("2026-11-24T01:12:00Z"); None for anything else, never an exception."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None
