"""The fake Stripe's files and disputes: upload evidence, stage or submit it, close (concede) a dispute.

As Stripe: files are multipart uploads (`purpose=dispute_evidence`: PDF, JPEG or PNG up to 5 MB); a dispute takes
`evidence[...]` while it needs a response, and keeps it as a draft with `submit=false`; a submission or a
close is final, after which the dispute takes no more evidence. A key without write access to disputes is
refused with Stripe's permission error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.fakes.stripe import _BEGAN, _PARAMS, _ApiError, _no_such

FILES_PATH = "/v1/files"
DISPUTES_PATH = "/v1/disputes"
FILE_LIMIT = 5 * 1024 * 1024  # Stripe's limit for a dispute_evidence file
# The request body the fake reads at most: big enough to answer an oversized upload with Stripe's own error.
BODY_LIMIT = 4 * FILE_LIMIT
EVIDENCE_FIELDS = frozenset(
    {
        "access_activity_log",
        "billing_address",
        "cancellation_policy",
        "cancellation_policy_disclosure",
        "cancellation_rebuttal",
        "customer_communication",
        "customer_email_address",
        "customer_name",
        "customer_purchase_ip",
        "customer_signature",
        "duplicate_charge_documentation",
        "duplicate_charge_explanation",
        "duplicate_charge_id",
        "product_description",
        "receipt",
        "refund_policy",
        "refund_policy_disclosure",
        "refund_refusal_explanation",
        "service_date",
        "service_documentation",
        "shipping_address",
        "shipping_carrier",
        "shipping_date",
        "shipping_documentation",
        "shipping_tracking_number",
        "uncategorized_file",
        "uncategorized_text",
    }
)
_FILE_EVIDENCE = frozenset(
    {
        "cancellation_policy",
        "customer_communication",
        "customer_signature",
        "duplicate_charge_documentation",
        "receipt",
        "refund_policy",
        "service_documentation",
        "shipping_documentation",
        "uncategorized_file",
    }
)
ANSWERABLE = frozenset({"needs_response", "warning_needs_response"})
_TYPES = {b"%PDF": "pdf", b"\x89PNG": "png", b"\xff\xd8\xff": "jpg"}


@dataclass
class StoredFile:
    id: str
    filename: str
    purpose: str
    content: bytes
    type: str
    created: int


@dataclass
class FakeDisputeState:
    """One dispute as the fake holds it; `evidence` is what Stripe would show in the dashboard."""

    id: str
    payment_intent: str
    charge: str
    amount: int
    currency: str
    reason: str
    status: str
    due_by: int
    created: int
    evidence: dict[str, str] = field(default_factory=dict)
    submission_count: int = 0


class StripeDisputeDesk:
    """Routes and state; `FakeStripe` mounts it and shares its middlewares (auth, idempotency, recording)."""

    def __init__(self, token: Callable[[int], str], now: Callable[[], float]):
        self._token = token
        self._now = now
        self.files: dict[str, StoredFile] = {}
        self.disputes: dict[str, FakeDisputeState] = {}
        # False: the API key is a restricted key without write access to disputes and files.
        self.allow_disputes = True

    def add_dispute(
        self,
        dispute_id: str,
        *,
        payment_intent: str,
        amount: int,
        currency: str = "usd",
        reason: str = "product_not_received",
        status: str = "needs_response",
        due_by: int | None = None,
    ) -> None:
        created = int(self._now())
        self.disputes[dispute_id] = FakeDisputeState(
            dispute_id,
            payment_intent,
            f"ch_{self._token(24)}",
            amount,
            currency.lower(),
            reason,
            status,
            due_by if due_by is not None else created + 7 * 86400,
            created,
        )

    def file_content(self, file_id: str) -> bytes:
        return self.files[file_id].content

    def routes(self, app: web.Application) -> None:
        app.router.add_post(FILES_PATH, self._upload)
        app.router.add_get(DISPUTES_PATH + "/{id}", self._get)
        app.router.add_post(DISPUTES_PATH + "/{id}", self._update)
        app.router.add_post(DISPUTES_PATH + "/{id}/close", self._close)

    async def _upload(self, request: web.Request) -> web.Response:
        self._check_permission()
        form = await request.post()
        upload = form.get("file")
        purpose = form.get("purpose")
        if purpose is None:
            raise _ApiError(400, "Missing required param: purpose.", code="parameter_missing", param="purpose")
        if not isinstance(upload, web.FileField):
            raise _ApiError(400, "Missing required param: file.", code="parameter_missing", param="file")
        content = upload.file.read()
        request[_BEGAN] = True
        kind = next((name for magic, name in _TYPES.items() if content.startswith(magic)), None)
        if purpose == "dispute_evidence" and kind is None:
            message = "Invalid file: must be one of the following types: pdf, jpeg, png."
            raise _ApiError(400, message, code="file_upload_invalid_type", param="file")
        if purpose == "dispute_evidence" and len(content) > FILE_LIMIT:
            message = f"File size of {len(content)} bytes exceeds the maximum of {FILE_LIMIT} bytes for this purpose."
            raise _ApiError(400, message, param="file")
        stored = StoredFile(
            f"file_{self._token(24)}", upload.filename, str(purpose), content, kind or "bin", int(self._now())
        )
        self.files[stored.id] = stored
        return web.json_response(_file_object(stored))

    async def _get(self, request: web.Request) -> web.Response:
        return web.json_response(self._dispute_object(self._find(request)))

    async def _update(self, request: web.Request) -> web.Response:
        dispute = self._find(request)
        self._check_permission()
        given = request[_PARAMS]
        params = dict(given)
        evidence: dict[str, str] = {}
        for name, value in params.items():
            if name.startswith("evidence[") and name.endswith("]"):
                key = name[len("evidence[") : -1]
                if key not in EVIDENCE_FIELDS:
                    raise _ApiError(400, f"Received unknown parameter: {name}", code="parameter_unknown", param=name)
                if key in _FILE_EVIDENCE and value not in self.files:
                    raise _ApiError(400, f"No such file upload: '{value}'", code="resource_missing", param=name)
                evidence[key] = value
            elif name not in ("submit", "metadata") and not name.startswith("metadata["):
                raise _ApiError(400, f"Received unknown parameter: {name}", code="parameter_unknown", param=name)
        submit = params.get("submit", "true")  # Stripe's default: submit at once
        if submit not in ("true", "false"):
            raise _ApiError(400, f"Invalid boolean: {submit}", code="parameter_invalid_boolean", param="submit")
        request[_BEGAN] = True
        if dispute.status not in ANSWERABLE or dispute.due_by < self._now():
            raise _no_longer_answerable(dispute)
        dispute.evidence |= evidence
        if submit == "true":
            dispute.status = "under_review" if dispute.status == "needs_response" else "warning_under_review"
            dispute.submission_count += 1
        return web.json_response(self._dispute_object(dispute))

    async def _close(self, request: web.Request) -> web.Response:
        dispute = self._find(request)
        self._check_permission()
        request[_BEGAN] = True
        if dispute.status not in ANSWERABLE:
            raise _no_longer_answerable(dispute)
        dispute.status = "lost" if dispute.status == "needs_response" else "warning_closed"
        return web.json_response(self._dispute_object(dispute))

    def _find(self, request: web.Request) -> FakeDisputeState:
        dispute = self.disputes.get(request.match_info["id"])
        if dispute is None:
            raise _no_such("dispute", request.match_info["id"])
        return dispute

    def _check_permission(self) -> None:
        if not self.allow_disputes:
            message = (
                "The provided key 'rk_test_****' does not have the required permissions for this endpoint on "
                "account 'acct_fake'. Having the 'rak_dispute_write' and 'rak_file_write' permissions would allow this "
                "request to continue."
            )
            raise _ApiError(403, message, error_type="invalid_request_error", code="secret_key_required")

    def _dispute_object(self, dispute: FakeDisputeState) -> dict[str, Any]:
        evidence = dict.fromkeys(sorted(EVIDENCE_FIELDS)) | dispute.evidence
        return {
            **{"id": dispute.id, "object": "dispute", "amount": dispute.amount, "currency": dispute.currency},
            **{"charge": dispute.charge, "payment_intent": dispute.payment_intent, "created": dispute.created},
            "evidence": evidence,
            "evidence_details": {
                "due_by": dispute.due_by,
                "has_evidence": bool(dispute.evidence),
                "past_due": dispute.due_by < self._now(),
                "submission_count": dispute.submission_count,
            },
            **{"is_charge_refundable": False, "livemode": False, "metadata": {}, "reason": dispute.reason},
            "status": dispute.status,
        }


def _file_object(stored: StoredFile) -> dict[str, Any]:
    return {
        **{"id": stored.id, "object": "file", "created": stored.created, "expires_at": None},
        **{"filename": stored.filename, "links": {"object": "list", "data": [], "has_more": False}},
        **{"purpose": stored.purpose, "size": len(stored.content), "title": None, "type": stored.type},
        "url": None,  # dispute evidence is not downloadable through a public URL
    }


def _no_longer_answerable(dispute: FakeDisputeState) -> _ApiError:
    if dispute.status in ANSWERABLE:
        return _ApiError(400, "This dispute's evidence due date has passed; it no longer accepts evidence.")
    return _ApiError(
        400, f"This dispute is {dispute.status} and no longer accepts changes: its evidence was submitted or it closed."
    )
