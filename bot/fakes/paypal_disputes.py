"""The fake PayPal's dispute answers: provide-evidence (multipart) and accept-claim, as the Disputes API v1 has them.

As PayPal: evidence is taken only while the dispute waits for the seller, and the dispute then shows the
`provide_evidence` and `accept_claim` links (HATEOAS); the request is `multipart/form-data` with an `input`
JSON part (`evidences[]` with `evidence_type` and `notes` of at most 2,000 characters) and the files
(PDF, JPEG, GIF or PNG, under 10 MB each); `PayPal-Request-Id` makes a repeat return the first answer.
A REST app without the disputes permission is refused with PayPal's 403.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from bot.fakes.paypal import LINK_BASE, _ApiError, _json_object, _not_found, _unprocessable

FILE_LIMIT = 10 * 1024 * 1024
NOTES_LIMIT = 2000
BODY_LIMIT = 6 * FILE_LIMIT  # PayPal's 50 MB a call, and a little more, so the fake can refuse it itself
EVIDENCE_TYPES = frozenset(
    {
        "PROOF_OF_FULFILLMENT",
        "PROOF_OF_REFUND",
        "PROOF_OF_DELIVERY_SIGNATURE",
        "PROOF_OF_RECEIPT_COPY",
        "RETURN_POLICY",
        "BILLING_AGREEMENT",
        "PROOF_OF_RESHIPMENT",
        "ITEM_DESCRIPTION",
        "POLICE_REPORT",
        "AFFIDAVIT",
        "PAID_WITH_OTHER_METHOD",
        "COPY_OF_CONTRACT",
        "TERMINAL_ATM_RECEIPT",
        "PRICE_DIFFERENCE_REASON",
        "SOURCE_CONVERSION_RATE",
        "BANK_STATEMENT",
        "CREDIT_DUE_REASON",
        "REQUEST_CREDIT_RECEIPT",
        "PROOF_OF_RETURN",
        "CREATE",
        "CHANGE_REASON",
        "PROOF_OF_REFUND_OUTSIDE_PAYPAL",
        "RECEIPT_OF_MERCHANDISE",
        "CUSTOMS_DOCUMENT",
        "CUSTOMS_FEE_RECEIPT",
        "INFORMATION_ON_RESOLUTION",
        "ADDITIONAL_INFORMATION_OF_ITEM",
        "DETAILS_OF_PURCHASE",
        "PROOF_OF_SIGNIFICANT_DIFFERENCE",
        "PROOF_OF_SOFTWARE_OR_SERVICE_NOT_AS_DESCRIBED",
        "PROOF_OF_CONFISCATION",
        "PROOF_OF_DAMAGE",
        "PROOF_FOR_SOFTWARE_OR_SERVICE_DELIVERED",
        "OTHER",
    }
)
AWAITING_SELLER = "WAITING_FOR_SELLER_RESPONSE"
_FILE_TYPES = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")


@dataclass(frozen=True)
class ReceivedEvidence:
    dispute_id: str
    request_id: str | None
    evidences: list[dict[str, Any]]
    files: dict[str, tuple[str, bytes]]  # part name -> (file name, content)


class PayPalDisputeDesk:
    """Routes over the disputes `FakePayPal` serves; `evidence` lists what was received, once per request id."""

    def __init__(self, disputes: dict[str, dict]):
        self._disputes = disputes
        self.evidence: list[ReceivedEvidence] = []
        self.accepted: list[tuple[str, str]] = []  # (dispute id, note)
        self.allow_updates = True  # False: the REST app lacks the disputes permission
        self._answers: dict[str, dict] = {}

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/customer/disputes/{dispute_id}/provide-evidence", self._provide_evidence)
        app.router.add_post("/v1/customer/disputes/{dispute_id}/accept-claim", self._accept_claim)

    def shown(self, dispute: dict) -> dict:
        """The dispute as GET shows it: the action links only while the seller may act."""
        links = [link for link in dispute.get("links", []) if link.get("rel") == "self"]
        if dispute.get("status") == AWAITING_SELLER:
            base = f"{LINK_BASE}/v1/customer/disputes/{dispute['dispute_id']}"
            links += [
                {"href": f"{base}/provide-evidence", "rel": "provide_evidence", "method": "POST"},
                {"href": f"{base}/accept-claim", "rel": "accept_claim", "method": "POST"},
            ]
        return dispute | {"links": links}

    async def _provide_evidence(self, request: web.Request) -> web.Response:
        dispute = self.find(request)
        self._check_permission()
        request_id = request.headers.get("PayPal-Request-Id")
        if request_id and request_id in self._answers:
            return web.json_response(self._answers[request_id])
        if not request.content_type.startswith("multipart/"):
            raise _ApiError(
                415, "UNSUPPORTED_MEDIA_TYPE", "The server does not support the request payload's media type."
            )
        evidences, files = await _read_parts(request)
        if dispute.get("status") != AWAITING_SELLER:
            raise _unprocessable(
                "NOT_ELIGIBLE_FOR_EVIDENCE",
                f"Evidence cannot be provided for a dispute in status {dispute.get('status')}.",
            )
        dispute["status"] = "UNDER_REVIEW"
        dispute.setdefault("evidences", []).extend(
            {
                "evidence_type": e["evidence_type"],
                "notes": e.get("notes"),
                "documents": [{"name": name} for name, _ in files.values()],
                "source": "SUBMITTED_BY_SELLER",
            }
            for e in evidences
        )
        self.evidence.append(ReceivedEvidence(dispute["dispute_id"], request_id, evidences, files))
        return self._answer(dispute, request_id)

    async def _accept_claim(self, request: web.Request) -> web.Response:
        dispute = self.find(request)
        self._check_permission()
        request_id = request.headers.get("PayPal-Request-Id")
        if request_id and request_id in self._answers:
            return web.json_response(self._answers[request_id])
        body = await _json_object(request)
        note = body.get("note")
        if not isinstance(note, str) or not note.strip():
            raise _ApiError(
                400,
                "INVALID_REQUEST",
                "Request is not well-formed, syntactically incorrect, or violates schema.",
                issue="MISSING_REQUIRED_PARAMETER",
                description="note is required.",
            )
        if dispute.get("status") == "RESOLVED":
            raise _unprocessable("DISPUTE_ALREADY_RESOLVED", "The dispute is already resolved.")
        dispute["status"] = "RESOLVED"
        dispute["dispute_outcome"] = {
            "outcome_code": "RESOLVED_BUYER_FAVOUR",
            "amount_refunded": dispute.get("dispute_amount"),
        }
        self.accepted.append((dispute["dispute_id"], note))
        return self._answer(dispute, request_id)

    def _answer(self, dispute: dict, request_id: str | None) -> web.Response:
        href = f"{LINK_BASE}/v1/customer/disputes/{dispute['dispute_id']}"
        answer = {"links": [{"href": href, "rel": "self", "method": "GET"}]}
        if request_id:
            self._answers[request_id] = answer
        return web.json_response(answer)

    def find(self, request: web.Request) -> dict:
        """The dispute the request's path names, else PayPal's 404."""
        dispute = self._disputes.get(request.match_info["dispute_id"])
        if dispute is None:
            raise _not_found("Requested resource ID was not found.")
        return dispute

    def _check_permission(self) -> None:
        if not self.allow_updates:
            raise _ApiError(
                403,
                "NOT_AUTHORIZED",
                "Authorization failed due to insufficient permissions.",
                issue="PERMISSION_DENIED",
                description="You do not have permission to access or perform operations on this resource.",
            )


async def _read_parts(request: web.Request) -> tuple[list[dict[str, Any]], dict[str, tuple[str, bytes]]]:
    reader = await request.multipart()
    evidences: list[dict[str, Any]] | None = None
    files: dict[str, tuple[str, bytes]] = {}
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        content = await part.read()
        if part.name == "input":
            try:
                evidences = json.loads(content).get("evidences")
            except (ValueError, AttributeError):
                evidences = None
        elif part.filename:
            if len(content) > FILE_LIMIT:
                raise _unprocessable("FILE_SIZE_EXCEEDED", f"{part.filename} is over the 10 MB limit for one file.")
            if not content.startswith(_FILE_TYPES):
                raise _unprocessable("INVALID_FILE_TYPE", "Files must be of type JPG, GIF, PNG or PDF.")
            files[str(part.name)] = (part.filename, bytes(content))
    if not isinstance(evidences, list) or not evidences:
        raise _ApiError(
            400,
            "INVALID_REQUEST",
            "Request is not well-formed, syntactically incorrect, or violates schema.",
            issue="MISSING_REQUIRED_PARAMETER",
            description="evidences is required.",
        )
    for evidence in evidences:
        if not isinstance(evidence, dict) or evidence.get("evidence_type") not in EVIDENCE_TYPES:
            raise _ApiError(
                400,
                "INVALID_REQUEST",
                "Request is not well-formed, syntactically incorrect, or violates schema.",
                issue="INVALID_PARAMETER_VALUE",
                description="evidence_type is not one of the allowed values.",
            )
        if len(evidence.get("notes") or "") > NOTES_LIMIT:
            raise _ApiError(
                400,
                "INVALID_REQUEST",
                "Request is not well-formed, syntactically incorrect, or violates schema.",
                issue="INVALID_STRING_MAX_LENGTH",
                description=f"notes is too long (maximum length is {NOTES_LIMIT}).",
            )
    return evidences, files
