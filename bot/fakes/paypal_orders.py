"""The fake PayPal's checkout orders and transaction search: who paid, as PayPal would tell it.

Orders answer `GET /v2/checkout/orders/{id}` in the shape of PayPal's "show order details" sample; an order made
by another REST app answers 403 PERMISSION_DENIED as PayPal does. The transaction search answers
`GET /v1/reporting/transactions` only once a sale has been "indexed" (some time after it was paid, on the clock the
fake is given), checks its date range (both dates, at most 31 days apart) and can be switched off as on an app
without the Transaction Search feature (403 NOT_AUTHORIZED).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

ORDERS_PATH = "/v2/checkout/orders"
TRANSACTIONS_PATH = "/v1/reporting/transactions"
MAX_SEARCH_RANGE = timedelta(days=31)
ACCOUNT_NUMBER = "RD465XN5VS364"


@dataclass
class _Sale:
    capture_id: str
    value: str
    currency: str
    email: str
    given_name: str
    surname: str
    payer_id: str
    paid_at: datetime
    indexed_after: timedelta


class FakeOrders:
    """Orders and the transaction index, with state a test sets up; `now` is the fake's clock."""

    def __init__(self, now: Callable[[], datetime], base_url: Callable[[], str]):
        self._now = now
        self._base_url = base_url
        self._orders: dict[str, dict[str, Any]] = {}
        self._other_apps: set[str] = set()
        self._sales: dict[str, _Sale] = {}
        self.transaction_search_enabled = True

    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get(ORDERS_PATH + "/{order_id}", self._order)
        router.add_get(TRANSACTIONS_PATH, self._transactions)

    def add_sale(
        self,
        order_id: str,
        capture_id: str,
        value: str,
        currency: str,
        *,
        email: str,
        given_name: str,
        surname: str,
        paid_at: datetime,
        payer_id: str | None = None,
        other_app: bool = False,
        indexed_after: timedelta = timedelta(hours=1),
    ) -> None:
        """A completed order paid by the given buyer; its capture shows in the transaction search once
        `indexed_after` has passed since `paid_at`. `other_app`: the order was made by another REST app."""
        payer_id = payer_id or _payer_id()
        sale = _Sale(capture_id, value, currency, email, given_name, surname, payer_id, paid_at, indexed_after)
        self._sales[capture_id] = sale
        self._orders[order_id] = _order(order_id, sale, self._base_url())
        if other_app:
            self._other_apps.add(order_id)

    async def _order(self, request: web.Request) -> web.Response:
        order_id = request.match_info["order_id"]
        order = self._orders.get(order_id)
        if order is None:
            return _error(
                404,
                "RESOURCE_NOT_FOUND",
                "The specified resource does not exist.",
                "INVALID_RESOURCE_ID",
                "Specified resource ID does not exist. Please check the resource ID and try again.",
            )
        if order_id in self._other_apps:
            return _error(
                403,
                "NOT_AUTHORIZED",
                "Authorization failed due to insufficient permissions.",
                "PERMISSION_DENIED",
                "You do not have permission to access or perform operations on this resource.",
            )
        return web.json_response(order)

    async def _transactions(self, request: web.Request) -> web.Response:
        if not self.transaction_search_enabled:
            return _error(403, "NOT_AUTHORIZED", "Authorization failed due to insufficient permissions.")
        start, end = _date(request.query.get("start_date")), _date(request.query.get("end_date"))
        if start is None or end is None:
            field = "start_date" if start is None else "end_date"
            return _error(
                400,
                "INVALID_REQUEST",
                "Request is not well-formed, syntactically incorrect, or violates schema.",
                "INVALID_REQUEST",
                f"Invalid or missing {field}.",
            )
        if end < start or end - start > MAX_SEARCH_RANGE:
            return _error(
                400,
                "INVALID_REQUEST",
                "Request is not well-formed, syntactically incorrect, or violates schema.",
                "INVALID_REQUEST",
                "Date range is greater than 31 days",
            )
        now = self._now()
        wanted = request.query.get("transaction_id")
        found = [
            sale
            for sale in self._sales.values()
            if (wanted is None or sale.capture_id == wanted)
            and start <= sale.paid_at <= end
            and now >= sale.paid_at + sale.indexed_after
        ]
        details = [_transaction_details(sale) for sale in found]
        return web.json_response(
            {
                "transaction_details": details,
                "account_number": ACCOUNT_NUMBER,
                "start_date": _iso(start),
                "end_date": _iso(end),
                "last_refreshed_datetime": _iso(now),
                "page": 1,
                "total_items": len(details),
                "total_pages": 1,
                "links": [
                    {
                        "href": f"{self._base_url()}{TRANSACTIONS_PATH}?{request.query_string}",
                        "rel": "self",
                        "method": "GET",
                    }
                ],
            }
        )


def _order(order_id: str, sale: _Sale, base_url: str) -> dict[str, Any]:
    money = {"currency_code": sale.currency, "value": sale.value}
    name = {"given_name": sale.given_name, "surname": sale.surname}
    at = _iso(sale.paid_at)
    return {
        "id": order_id,
        "intent": "CAPTURE",
        "status": "COMPLETED",
        "payment_source": {
            "paypal": {
                "email_address": sale.email,
                "account_id": sale.payer_id,
                "account_status": "VERIFIED",
                "name": name,
                "address": {"country_code": "US"},
            }
        },
        "purchase_units": [
            {
                "reference_id": "default",
                "amount": money,
                "payee": {"email_address": "merchant@example.com", "merchant_id": ACCOUNT_NUMBER},
                "payments": {
                    "captures": [
                        {
                            "id": sale.capture_id,
                            "status": "COMPLETED",
                            "amount": money,
                            "final_capture": True,
                            "seller_protection": {"status": "ELIGIBLE"},
                            "create_time": at,
                            "update_time": at,
                        }
                    ]
                },
            }
        ],
        "payer": {
            "name": name,
            "email_address": sale.email,
            "payer_id": sale.payer_id,
            "address": {"country_code": "US"},
        },
        "create_time": at,
        "update_time": at,
        "links": [{"href": f"{base_url}{ORDERS_PATH}/{order_id}", "rel": "self", "method": "GET"}],
    }


def _transaction_details(sale: _Sale) -> dict[str, Any]:
    # Transaction search's own shape: T0006 is a PayPal Checkout payment; amounts without currency_code nesting.
    return {
        "transaction_info": {
            "paypal_account_id": sale.payer_id,
            "transaction_id": sale.capture_id,
            "transaction_event_code": "T0006",
            "transaction_initiation_date": _iso(sale.paid_at),
            "transaction_updated_date": _iso(sale.paid_at),
            "transaction_amount": {"currency_code": sale.currency, "value": sale.value},
            "transaction_status": "S",
            "protection_eligibility": "01",
        },
        "payer_info": {
            "account_id": sale.payer_id,
            "email_address": sale.email,
            "address_status": "Y",
            "payer_status": "Y",
            "payer_name": {
                "given_name": sale.given_name,
                "surname": sale.surname,
                "alternate_full_name": f"{sale.given_name} {sale.surname}",
            },
            "country_code": "US",
        },
    }


def _error(status: int, name: str, message: str, issue: str | None = None, description: str = "") -> web.Response:
    body: dict[str, Any] = {"name": name, "message": message, "debug_id": secrets.token_hex(7)}
    if issue:
        body["details"] = [{"issue": issue, "description": description or message}]
    return web.json_response(body, status=status)


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _payer_id() -> str:
    # PayPal's payer ids: 13 characters from 2-9 and A-Z without I and O.
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(13))


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")
