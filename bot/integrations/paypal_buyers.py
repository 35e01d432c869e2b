"""Who paid: the buyer of a PayPal sale, from its checkout order or, failing that, from PayPal's transaction search.

A v2 capture webhook names no payer. The order it belongs to does (`GET /v2/checkout/orders/{id}`), unless another
REST app created it: then PayPal answers 403 PERMISSION_DENIED. The transaction search
(`GET /v1/reporting/transactions`) knows every sale of the account, but only once PayPal has indexed it, which
can take hours, and only if the feature is enabled on the app. Both are reads: retrying them is always safe.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from bot.core.errors import PayloadError, ProviderError
from bot.integrations.paypal import PROVIDER
from bot.integrations.values import display_text, email, identifier, listed, mapping, text
from bot.storage.models.customers import Customer, CustomerIdentity

ORDERS_PATH = "/v2/checkout/orders"
TRANSACTIONS_PATH = "/v1/reporting/transactions"
# Order and transaction ids are upper-case letters and digits; checked so that an id never changes the URL.
_PAYPAL_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


@dataclass(frozen=True)
class Buyer:
    email: str | None
    name: str | None
    payer_id: str | None


class PayPalReads(Protocol):
    async def read(self, action: str, path: str, query: Mapping[str, str] | None = None) -> dict[str, Any]: ...


class PayPalBuyers:
    """The two places PayPal tells who paid. Both raise `ProviderError` (its `status` tells 403 from 404)."""

    def __init__(self, paypal: PayPalReads):
        self._paypal = paypal

    async def from_order(self, order_id: str) -> Buyer | None:
        """The order's payer; None if the order names no payer with an email."""
        _check(order_id, "order")
        order = await self._paypal.read("order lookup", f"{ORDERS_PATH}/{order_id}")
        # `payer` is the classic place; newer orders also tell it under payment_source.paypal.
        return _buyer(mapping(order.get("payer")), "email_address", "name", "payer_id") or _buyer(
            mapping(mapping(order.get("payment_source")).get("paypal")), "email_address", "name", "account_id"
        )

    async def from_transactions(self, transaction_id: str, start: datetime, end: datetime) -> Buyer | None:
        """The payer of `transaction_id` if PayPal's search has it yet (paid between `start` and `end`)."""
        _check(transaction_id, "transaction")
        query = {
            "transaction_id": transaction_id,
            "fields": "all",
            "start_date": _paypal_time(start),
            "end_date": _paypal_time(end),
        }
        answer = await self._paypal.read("transaction search", TRANSACTIONS_PATH, query)
        for details in map(mapping, listed(answer.get("transaction_details"))):
            info = mapping(details.get("transaction_info"))
            if text(info.get("transaction_id")) == transaction_id:
                return _buyer(mapping(details.get("payer_info")), "email_address", "payer_name", "account_id")
        return None


def _buyer(payer: dict[str, Any], email_field: str, name_field: str, id_field: str) -> Buyer | None:
    address = email(payer.get(email_field), Customer.email)
    if address is None:
        return None
    try:
        payer_id = identifier(payer.get(id_field), CustomerIdentity.external_id, f"payer.{id_field}")
    except PayloadError:
        payer_id = None  # the email is what joins the records; an unusable payer id costs nothing
    return Buyer(email=address, name=_name(mapping(payer.get(name_field))), payer_id=payer_id)


def _name(name: dict[str, Any]) -> str | None:
    parts = [text(name.get("given_name")), text(name.get("surname"))]
    joined = " ".join(part for part in parts if part) or text(name.get("full_name"))
    return display_text(joined or name.get("alternate_full_name"), Customer.name)


def _check(value: str, kind: str) -> None:
    if not _PAYPAL_ID.fullmatch(value):
        raise ProviderError(PROVIDER, f"{kind} lookup failed: {value!r} is not a PayPal {kind} id", status=400)


def _paypal_time(at: datetime) -> str:
    # Internet date and time with whole seconds, as PayPal's own search examples give it.
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
