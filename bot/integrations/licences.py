"""Licence servers behind `LicenceServer`: Keygen, and a seller's own server speaking our signed protocol.

Both talk JSON through `bot.integrations.http`: every failure leaves as a `ProviderError` whose message is safe
to show in Slack.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import quote

from bot.core.clock import Clock, SystemClock
from bot.core.errors import ProviderError, UsageError
from bot.integrations.contracts import Licence, LicenceOutcome
from bot.integrations.http import Answer, JsonHttp, http_status_error, short, unreadable
from bot.integrations.tickets_webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

log = logging.getLogger(__name__)

JSONAPI = "application/vnd.api+json"
IDEMPOTENCY_HEADER = "Idempotency-Key"
_KEYGEN_PAGE_SIZE = 100  # Keygen's largest page
_KEYGEN_MAX_PAGES = 10
_ACTIVITY_LICENCES = 10  # licences whose activations go into dispute evidence
# Keygen finds a licence by its key in the URL only when the key is "URL-safe"; signed keys ("key/....")
# are not, so those licences are named by their id instead.
_URL_SAFE_KEY = re.compile(r"[A-Za-z0-9._~-]{1,255}")


class KeygenLicences:
    """Keygen's licences (https://keygen.sh/docs/api/licenses/): list a customer's, then suspend or revoke one.

    `action="suspend"` (the default) can be undone in Keygen by reinstating; `"revoke"` deletes the licence.
    """

    name = "Keygen"

    def __init__(
        self,
        account: str,
        token: str,
        api_base: str = "https://api.keygen.sh",
        action: Literal["suspend", "revoke"] = "suspend",
        timeout: float = 10.0,
    ):
        if action not in ("suspend", "revoke"):
            raise ValueError(f'action must be "suspend" or "revoke", not {action!r}')
        self.action = action
        self._base = f"{api_base.rstrip('/')}/v1/accounts/{quote(account, safe='')}"
        headers = {"Accept": JSONAPI, "Content-Type": JSONAPI, "Authorization": f"Bearer {token}"}
        self._http = JsonHttp(self.name, timeout=timeout, headers=headers)
        self._product_names: dict[str, str | None] = {}

    async def licences_of(self, email: str) -> list[Licence]:
        # Keygen's `user` filter on GET /licenses takes a user id or an email (License.for_user matches either),
        # so one paginated listing finds the customer's licences without looking the user up first.
        licences: list[Licence] = []
        for number in range(1, _KEYGEN_MAX_PAGES + 1):
            params = {"user": email, "page[size]": str(_KEYGEN_PAGE_SIZE), "page[number]": str(number)}
            answer = await self._http.send("licence lookup", "GET", f"{self._base}/licenses", params=params)
            if answer.status != 200:
                raise self._error("licence lookup", answer)
            page = answer.body.get("data") if isinstance(answer.body, dict) else None
            if not isinstance(page, list):
                raise unreadable(self.name, "licence lookup")
            licences += [await self._licence(item) for item in page]
            links = answer.body.get("links")
            if len(page) < _KEYGEN_PAGE_SIZE or not (isinstance(links, dict) and links.get("next")):
                return licences
        log.warning("Keygen lists more than %d licences for one customer; using the first", len(licences))
        return licences

    async def revoke(self, licence: str, *, idempotency_key: str) -> LicenceOutcome:
        # Keygen takes no idempotency key, and needs none: a repeated suspend answers 422 "is already
        # suspended" (read as already=True), a repeated revoke 404, since revoking deletes the licence.
        if not licence:
            raise UsageError("Which licence? Give its key or Keygen id.")
        url = f"{self._base}/licenses/{quote(licence, safe='')}/actions/{self.action}"
        log.info("Keygen %s of a licence", self.action)  # not the key (nor the idempotency key, which holds it)
        if self.action == "suspend":
            answer = await self._http.send("suspend", "POST", url)
            if answer.status == 200:
                return LicenceOutcome(licence, "suspended")
            if answer.status == 422 and _already_suspended(answer.body):
                return LicenceOutcome(licence, "suspended", already=True)
        else:
            answer = await self._http.send("revoke", "DELETE", url)
            if answer.status in (200, 204):
                return LicenceOutcome(licence, "revoked")
        if answer.status == 404:
            gone = " (a revoked licence no longer exists in Keygen)" if self.action == "revoke" else ""
            raise ProviderError(self.name, f"licence {short(licence, 40)} not found{gone}", status=404)
        raise self._error(self.action, answer)

    async def activity_of(self, email: str) -> list[str]:
        """Where and when the customer's licences were activated (Keygen's machines), one line each, newest
        licences first: evidence that the customer received and used what they bought."""
        lines: list[str] = []
        for licence in (await self.licences_of(email))[:_ACTIVITY_LICENCES]:
            params = {"license": licence.key, "page[size]": str(_KEYGEN_PAGE_SIZE)}
            answer = await self._http.send("machine lookup", "GET", f"{self._base}/machines", params=params)
            if answer.status != 200:
                raise self._error("machine lookup", answer)
            machines = answer.body.get("data") if isinstance(answer.body, dict) else None
            if not isinstance(machines, list):
                raise unreadable(self.name, "machine lookup")
            label = f"Licence {_masked(licence.key)}" + (f" ({licence.product})" if licence.product else "")
            if not machines:
                lines.append(f"{label}: issued, never activated on a device")
            for machine in machines:
                attributes = machine.get("attributes") if isinstance(machine, dict) else None
                if isinstance(attributes, dict):
                    lines.append(f"{label}: {_activation(attributes)}")
        return lines

    async def close(self) -> None:
        await self._http.close()

    async def _licence(self, item: Any) -> Licence:
        attributes = item.get("attributes") if isinstance(item, dict) else None
        if not isinstance(attributes, dict) or not isinstance(item.get("id"), str):
            raise unreadable(self.name, "licence lookup")
        key = attributes.get("key")
        status = attributes.get("status")
        name = attributes.get("name")
        return Licence(
            key=key if isinstance(key, str) and _URL_SAFE_KEY.fullmatch(key) else item["id"],
            product=name if isinstance(name, str) and name else await self._product_name(_product_id(item)),
            status=status.lower() if isinstance(status, str) and status else "active",
        )

    async def _product_name(self, product_id: str | None) -> str | None:
        if product_id is None:
            return None
        if product_id not in self._product_names:
            url = f"{self._base}/products/{quote(product_id, safe='')}"
            answer = await self._http.send("product lookup", "GET", url)
            if answer.status not in (200, 404):
                raise self._error("product lookup", answer)
            data = answer.body.get("data") if isinstance(answer.body, dict) else None
            attributes = data.get("attributes") if isinstance(data, dict) else None
            name = attributes.get("name") if isinstance(attributes, dict) else None
            self._product_names[product_id] = name if isinstance(name, str) and name else None
        return self._product_names[product_id]

    def _error(self, action: str, answer: Answer) -> ProviderError:
        return http_status_error(
            self.name, action, answer, _keygen_detail(answer.body), rejected="check the Keygen token and account id"
        )


class SignedHttpLicences:
    """A seller's own licence server speaking the signed protocol in docs/licence-server.md."""

    name = "licence server"

    def __init__(self, url: str, secret: str, timeout: float = 10.0, clock: Clock | None = None):
        self._base = url.rstrip("/")
        self._secret = secret
        # The server checks our timestamp against its own clock, so this is the real time outside tests.
        self._clock = clock or SystemClock()
        self._http = JsonHttp(self.name, timeout=timeout, headers={"Accept": "application/json"})

    async def licences_of(self, email: str) -> list[Licence]:
        answer = await self._send("licence lookup", "GET", "/licences", params={"email": email})
        if answer.status != 200:
            raise self._error("licence lookup", answer)
        items = answer.body.get("licences") if isinstance(answer.body, dict) else None
        if not isinstance(items, list) or not all(isinstance(i, dict) and _text(i.get("key")) for i in items):
            raise unreadable(self.name, "licence lookup")
        return [
            Licence(
                key=item["key"],
                product=_text(item.get("product")),
                status=(_text(item.get("status")) or "active").lower(),
            )
            for item in items
        ]

    async def revoke(self, licence: str, *, idempotency_key: str) -> LicenceOutcome:
        if not licence:
            raise UsageError("Which licence? Give its key.")
        body = json.dumps({"key": licence}, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", IDEMPOTENCY_HEADER: idempotency_key}
        path = f"/licences/{quote(licence, safe='')}/revoke"
        answer = await self._send("revoke", "POST", path, body=body, headers=headers)
        if answer.status == 200 and isinstance(answer.body, dict):
            status = _text(answer.body.get("status")) or "revoked"
            return LicenceOutcome(licence, status.lower(), already=answer.body.get("already") is True)
        if answer.status == 409:
            return LicenceOutcome(licence, "revoked", already=True)
        if answer.status == 404:
            raise ProviderError(self.name, f"licence {short(licence, 40)} not found", status=404)
        if answer.status == 200:
            raise unreadable(self.name, "revoke")
        raise self._error("revoke", answer)

    async def close(self) -> None:
        await self._http.close()

    async def _send(
        self,
        action: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        timestamp = int(self._clock.now().timestamp())
        signed = {
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(self._secret, timestamp, body),
            **(headers or {}),
        }
        return await self._http.send(
            action, method, self._base + path, params=params, body=body or None, headers=signed
        )

    def _error(self, action: str, answer: Answer) -> ProviderError:
        message = answer.body.get("message") if isinstance(answer.body, dict) else None
        detail = short(message) if isinstance(message, str) and message else None
        rejected = "check the shared secret, and that both clocks are right"
        return http_status_error(self.name, action, answer, detail, rejected=rejected)


def _activation(attributes: dict[str, Any]) -> str:
    device = _text(attributes.get("name")) or _text(attributes.get("hostname")) or "a device"
    platform = _text(attributes.get("platform"))
    fingerprint = _text(attributes.get("fingerprint"))
    words = f"activated on {device}" + (f" ({platform})" if platform else "")
    if created := _text(attributes.get("created")):
        words += f" at {created}"
    if fingerprint:
        words += f", device fingerprint {_masked(fingerprint)}"
    if heartbeat := _text(attributes.get("lastHeartbeat")):
        words += f", last seen {heartbeat}"
    return words


def _masked(value: str) -> str:
    # Enough of a key to recognise it in the dashboard, not enough to use it (evidence leaves the shop).
    return value if len(value) <= 8 else f"{value[:4]}…{value[-4:]}"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _product_id(item: dict[str, Any]) -> str | None:
    product = (item.get("relationships") or {}).get("product")
    data = product.get("data") if isinstance(product, dict) else None
    return _text(data.get("id")) if isinstance(data, dict) else None


def _keygen_errors(body: Any) -> list[dict[str, Any]]:
    errors = body.get("errors") if isinstance(body, dict) else None
    return [error for error in errors if isinstance(error, dict)] if isinstance(errors, list) else []


def _already_suspended(body: Any) -> bool:
    # Keygen answers `{"errors": [{"detail": "is already suspended", "source": {"pointer":
    # "/data/attributes/suspended"}}]}` with no error code, so the pointer is what we recognise.
    return any(
        (error.get("source") or {}).get("pointer") == "/data/attributes/suspended"
        or "already suspended" in str(error.get("detail", ""))
        for error in _keygen_errors(body)
    )


def _keygen_detail(body: Any) -> str | None:
    errors = _keygen_errors(body)
    if not errors:
        return None
    first = errors[0]
    text = " ".join(str(first[part]) for part in ("title", "detail") if first.get(part))
    code = first.get("code")
    return short(f"{text} ({code})" if code else text) or None
