"""What erased personal text reads: privacy writes it in place of the words, and readers of those words skip it."""

from __future__ import annotations

ERASED = "[erased]"
