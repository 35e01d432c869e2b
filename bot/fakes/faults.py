"""The faults a test queues on a fake provider: the next N matching requests answer badly, or late.

One ledger for every fake, so that "which queued fault answers this request" (the first one still due whose
path and method match) means the same everywhere; what a fault's answer looks like stays each vendor's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

F = TypeVar("F")


@dataclass(frozen=True)
class HttpFault:
    status: int | None  # None: the request is carried out as usual, only its answer is late
    delay: float = 0.0
    retry_after: int = 30  # what a 429 says in Retry-After


@dataclass
class _Queued(Generic[F]):
    fault: F
    remaining: int
    path_prefix: str
    method: str | None


class Faults(Generic[F]):
    """Faults in the order they were queued; each answers the next `times` requests it matches."""

    def __init__(self) -> None:
        self._queued: list[_Queued[F]] = []

    def add(self, fault: F, times: int = 1, *, path_prefix: str = "", method: str | None = None) -> None:
        self._queued.append(_Queued(fault, times, path_prefix, method))

    def take(self, path: str = "", method: str = "") -> F | None:
        """The fault that answers a request to `path` with `method`, counted as used; None: answer as usual."""
        due = (q for q in self._queued if q.remaining and path.startswith(q.path_prefix))
        queued = next((q for q in due if q.method in (None, method)), None)
        if queued is None:
            return None
        queued.remaining -= 1
        return queued.fault
