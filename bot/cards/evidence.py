"""The dispute modals: prepare the evidence (pre-filled, editable), submit it to the bank, or accept the dispute."""

from __future__ import annotations

from typing import Any

from bot.cards.blocks import Block, clip, context, escape, fields, section, slack_date
from bot.cards.modals import View, _checkboxes, _text_input, modal
from bot.core.money import format_money
from bot.core.slack_ids import ViewId
from bot.core.wording import humanise, provider_name
from bot.evidence import evidence_words
from bot.evidence.pack import Draft
from bot.storage.models.sales import Dispute

INPUT_LIMIT = 3000  # Slack's limit for a plain text input's value


def evidence_modal(
    draft: Draft,
    refund_policy: str,
    access_log: str | None,
    metadata: dict[str, Any],
    *,
    lookup_note: str | None = None,
    looking: bool = False,
) -> View:
    """`looking`: licence activity is still being looked up; its field appears, filled in, once it is known."""
    dispute = draft.dispute
    customer = draft.customer
    blocks: list[Block] = [
        section(f"*{_title(dispute)}*"),
        fields(
            ("Sale", _sale(draft)),
            ("Customer", escape(", ".join(filter(None, (customer.name, customer.email))) if customer else "unknown")),
            ("Refunded already", escape(draft.refunded or "nothing")),
            ("Evidence so far", evidence_words(dispute.evidence_state)),
        ),
        _text_input("statement", "Your statement", initial=clip(draft.statement, INPUT_LIMIT), multiline=True),
        _text_input("product", "Product description", initial=clip(draft.product or "", INPUT_LIMIT), optional=True),
        context("⏳ Looking up licence activity…")
        if looking
        else _text_input(
            "access_log",
            "Licence or download activity",
            initial=clip(access_log or "", INPUT_LIMIT),
            optional=True,
            multiline=True,
            placeholder="When and where the customer used what they bought",
        ),
        _text_input(
            "refund_policy",
            "Refund policy",
            initial=clip(refund_policy, INPUT_LIMIT),
            optional=True,
            multiline=True,
            placeholder="Set SUPPORTBOT_REFUND_POLICY to fill this in every time",
        ),
    ]
    if draft.messages:
        what = f"The ticket conversation as a PDF ({draft.messages} messages in {draft.tickets} ticket(s))"
        blocks.append(_checkboxes("attach", "Attach", [("conversation", what)], all_checked=True, optional=True))
    else:
        blocks.append(context("No ticket conversation is on record for this customer, so no PDF is attached."))
    if lookup_note:
        blocks.append(context(escape(lookup_note)))
    if dispute.provider == "stripe":
        blocks.append(
            context(
                "Stripe keeps this as a *draft*: nothing reaches the bank until someone presses "
                "*Submit to the bank* on the dispute, which is final. You can prepare it again until then."
            )
        )
        submit = "Stage at Stripe"
    else:
        blocks.append(
            context(
                f"{provider_name(dispute.provider)} takes this as your answer *at once* (evidence: proof the software "
                "or service was delivered), and only while the dispute waits for you. It cannot be taken back."
            )
        )
        submit = "Send to PayPal"
    return modal(ViewId.DISPUTE_EVIDENCE, "Prepare evidence", submit, blocks, metadata)


def submit_modal(dispute: Dispute, metadata: dict[str, Any]) -> View:
    blocks: list[Block] = [
        section(f"*{_title(dispute)}*"),
        section(
            "Submit the staged evidence to the customer's bank? *A submission is final*: Stripe takes no more "
            "evidence for this dispute afterwards, and the bank decides on what it has."
        ),
    ]
    return modal(ViewId.DISPUTE_SUBMIT, "Submit to the bank", "Submit", blocks, metadata)


def accept_modal(dispute: Dispute, metadata: dict[str, Any]) -> View:
    amount = format_money(dispute.amount_minor, dispute.currency)
    blocks: list[Block] = [
        section(f"*{_title(dispute)}*"),
        section(
            f"Accept the dispute? The customer keeps {amount}, the dispute closes as lost, and no evidence can be "
            "given afterwards."
        ),
    ]
    if dispute.provider == "paypal":
        # PayPal asks for a note with an accepted claim; Stripe's close takes none.
        blocks.append(_text_input("note", "Note to PayPal", initial="We accept the customer's claim.", multiline=True))
    return modal(ViewId.DISPUTE_ACCEPT, "Accept dispute", "Accept dispute", blocks, metadata)


def _sale(draft: Draft) -> str:
    """The sale as the team reads it (dates in each reader's zone); the provider gets `draft.receipt`, in UTC."""
    payment = draft.payment
    if payment is None:
        return "not seen by supportbot"
    amount = format_money(payment.amount_minor, payment.currency)
    what = escape(payment.product or "product not named")
    return f"{amount} for {what}, paid {slack_date(payment.paid_at)} ({escape(payment.provider_payment_id)})"


def _title(dispute: Dispute) -> str:
    amount = format_money(dispute.amount_minor, dispute.currency)
    reason = humanise(dispute.reason) or "no reason given"
    return escape(f"{provider_name(dispute.provider)} dispute {dispute.provider_dispute_id} · {amount} · {reason}")
