"""A modal's `private_metadata`, sealed: what the bot decided when it opened the modal comes back unaltered.

Slack returns `private_metadata` exactly as sent, but it travels through the client, and it decides money (which
payment, the idempotency key's "already refunded" figure) and where an outcome is told (`response_url`). So it
is signed with a key derived from the Slack signing secret, and carries who opened it: a changed, foreign or
replayed-by-someone-else state is refused. The payment and its amounts are still read from the database on
submission; the seal only vouches for what the modal showed.

Slack caps `private_metadata` at 3,000 characters: the state holds ids and short labels, never whole records.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.config.settings import Settings
from bot.core.errors import UsageError
from bot.outbox.queue import Subject

METADATA_LIMIT = 3000
_CONTEXT = b"supportbot modal state v1"
_SIGNATURE_CHARS = 43  # base64url of a SHA-256 HMAC, unpadded
LABEL_LIMIT = 120

View = dict[str, Any]


class TamperedStateError(UsageError):
    """The modal's state is not what the bot sent: changed, from another install, or someone else's modal."""


@dataclass(frozen=True)
class ModalContext:
    """What the bot decided when it opened a modal, carried in its `private_metadata` and read back on submission.

    Offers fill in what their modal needs; the rest stays empty and is left out of the JSON, which must fit Slack's
    3,000 characters.
    """

    label: str | None = None  # the subject, short (LABEL_LIMIT): for the audit trail and the outcome's wording
    card: tuple[Subject, int] | None = None  # the card the outcome is told on
    response_url: str | None = None  # where the asker is told privately (checked to be Slack's when it came)
    customer_id: int | None = None
    payment_id: int | None = None
    ticket_id: int | None = None
    dispute_id: int | None = None
    email: str | None = None
    # The payments the modal offered, each with what it showed as refunded already: the refund's idempotency key
    # is made of that figure, so a second click on the same modal cannot refund twice.
    refunded: Mapping[int, int] = field(default_factory=dict)
    licences: tuple[str, ...] = ()  # a licence key named in a command, not looked up
    # A reply held for a second look (the held-reply modal): what the first modal asked, and why it was held.
    close: bool = False
    draft_id: str | None = None
    concerns: tuple[str, ...] = ()

    def as_metadata(self) -> dict[str, Any]:
        """The JSON-ready state, without the fields left empty."""
        state: dict[str, Any] = {
            "label": self.label,
            "card": list(self.card) if self.card else None,
            "response_url": self.response_url,
            "customer_id": self.customer_id,
            "payment_id": self.payment_id,
            "ticket_id": self.ticket_id,
            "dispute_id": self.dispute_id,
            "email": self.email,
            "refunded": {str(payment): before for payment, before in self.refunded.items()},
            "licences": list(self.licences),
            "close": self.close,
            "draft_id": self.draft_id,
            "concerns": list(self.concerns),
        }
        return {name: value for name, value in state.items() if value}

    @classmethod
    def from_metadata(cls, state: Mapping[str, Any]) -> ModalContext:
        """The state as `as_metadata` wrote it; sealed, so a shape other than ours is a bug, refused as tampering."""
        try:
            card = state.get("card")
            return cls(
                label=_optional(state, "label", str),
                card=(Subject(card[0]), int(card[1])) if card else None,
                response_url=_optional(state, "response_url", str),
                customer_id=_optional(state, "customer_id", int),
                payment_id=_optional(state, "payment_id", int),
                ticket_id=_optional(state, "ticket_id", int),
                dispute_id=_optional(state, "dispute_id", int),
                email=_optional(state, "email", str),
                refunded={int(payment): int(before) for payment, before in (state.get("refunded") or {}).items()},
                licences=tuple(str(key) for key in state.get("licences") or ()),
                close=bool(state.get("close")),
                draft_id=_optional(state, "draft_id", str),
                concerns=tuple(str(concern) for concern in state.get("concerns") or ()),
            )
        except (TypeError, ValueError, IndexError, AttributeError) as exc:
            raise TamperedStateError("This form's state is not one the bot makes; nothing was done.") from exc


def _optional(state: Mapping[str, Any], name: str, kind: type[Any]) -> Any:
    value = state.get(name)
    if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
        raise TypeError(f"{name}: {type(value).__name__}")
    return value


class ModalState:
    def __init__(self, signing_secret: str):
        if not signing_secret:
            raise ValueError("sealing modal state needs the Slack signing secret")
        # A key of its own, so a signature of ours can never stand in for a Slack request signature.
        self._key = hmac.new(signing_secret.encode(), _CONTEXT, hashlib.sha256).digest()

    def seal(self, view: View, requester: str) -> View:
        """`view` with its `private_metadata` (the JSON `modals.modal` wrote) signed and bound to `requester`."""
        state = json.loads(view.get("private_metadata") or "{}")
        state["by"] = requester
        body = json.dumps(state, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
        sealed = f"{self._sign(body)}.{body}"
        if len(sealed) > METADATA_LIMIT:
            # Every field is bounded when the state is made; reaching this is a bug, and Slack would refuse it.
            raise UsageError("This form holds too much to open; act on fewer things at once.")
        return view | {"private_metadata": sealed}

    def open(self, view: View, requester: str) -> ModalContext:
        """The state the bot sealed into this modal, for the person submitting it; refused if anything differs."""
        sealed = view.get("private_metadata") or ""
        signature, _, body = sealed.partition(".")
        if len(signature) != _SIGNATURE_CHARS or not hmac.compare_digest(signature, self._sign(body)):
            raise TamperedStateError("This form's state was changed on the way; nothing was done. Open it again.")
        state = json.loads(body)
        if not isinstance(state, dict) or state.get("by") != requester:
            raise TamperedStateError("This form was opened by someone else; nothing was done. Open your own.")
        return ModalContext.from_metadata(state)

    def _sign(self, body: str) -> str:
        digest = hmac.new(self._key, body.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def modal_state_for(settings: Settings) -> ModalState:
    """Keyed by the signing secret; in Socket Mode, where Slack signs nothing, by the app-level token."""
    secret = settings.slack_signing_secret or settings.slack_app_token or settings.slack_bot_token
    return ModalState(secret.get_secret_value() if secret else "")
