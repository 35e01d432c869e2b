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
from typing import Any

from bot.config.settings import Settings
from bot.core.errors import UsageError

METADATA_LIMIT = 3000
_CONTEXT = b"supportbot modal state v1"
_SIGNATURE_CHARS = 43  # base64url of a SHA-256 HMAC, unpadded
LABEL_LIMIT = 120

View = dict[str, Any]


class TamperedStateError(UsageError):
    """The modal's state is not what the bot sent: changed, from another install, or someone else's modal."""


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

    def open(self, view: View, requester: str) -> dict[str, Any]:
        """The state the bot sealed into this modal, for the person submitting it; refused if anything differs."""
        sealed = view.get("private_metadata") or ""
        signature, _, body = sealed.partition(".")
        if len(signature) != _SIGNATURE_CHARS or not hmac.compare_digest(signature, self._sign(body)):
            raise TamperedStateError("This form's state was changed on the way; nothing was done. Open it again.")
        state = json.loads(body)
        if not isinstance(state, dict) or state.get("by") != requester:
            raise TamperedStateError("This form was opened by someone else; nothing was done. Open your own.")
        return state

    def _sign(self, body: str) -> str:
        digest = hmac.new(self._key, body.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def modal_state_for(settings: Settings) -> ModalState:
    """Keyed by the signing secret; in Socket Mode, where Slack signs nothing, by the app-level token."""
    secret = settings.slack_signing_secret or settings.slack_app_token or settings.slack_bot_token
    return ModalState(secret.get_secret_value() if secret else "")
