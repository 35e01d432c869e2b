"""Help desks we talk to directly: each desk's webhook signature and payloads, turned into our ticket events."""

from bot.core.wording import DESK_NAMES, desk_name

__all__ = ["DESK_NAMES", "desk_name"]
