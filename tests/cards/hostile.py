"""Every card builder, fed records whose every customer and provider field holds the given text.

`draw_all(text)` returns what each builder made, by name: the hostile-text test and the fuzz test both check
that nothing from outside can become a live mention, link or control character in what Slack is sent.
"""

from __future__ import annotations

import inspect
import pkgutil
import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import bot.cards
from bot.cards import (
    alerts,
    approval,
    buttons,
    digest,
    dispute,
    evidence,
    home,
    lookups,
    modals,
    morning,
    outcomes,
    quarantine,
    replies,
    sale,
    ticket,
    tone,
    waiting,
)
from bot.cards.blocks import Card
from bot.cards.home_values import (
    AlertLine,
    ApprovalLine,
    DisputeLine,
    Health,
    HomeSnapshot,
    OnCallLine,
    RiskLine,
    TicketLine,
    Today,
)
from bot.core.action_kinds import Kind
from bot.evidence.pack import Draft
from bot.integrations.contracts import Licence
from bot.policies.oncall_deadlines import ReminderLevel
from bot.policies.oncall_escalation import AlertKind, EscalationStep
from bot.policies.oncall_waiting import Waiting
from bot.policies.permissions import Role
from bot.policies.risk import Risk, RiskLevel, Signal
from bot.policies.tone import Flag, Tone
from bot.policies.tone_trend import TicketTone
from bot.storage.models.actions import ActionRecord, ActionStatus, ApprovalStatus, AuditRecord, RefundApproval
from bot.storage.models.customers import Customer
from bot.storage.models.inbound import InboundEvent
from bot.storage.models.oncall import Alert, AlertStatus, DisputeAlertDetails, MorningDigest
from bot.storage.models.sales import Dispute, Payment, Refund, SaleDigest
from bot.storage.models.tickets import Ticket, TicketMessage
from bot.storage.store import CustomerHistory

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
# Our own ids: the only mentions and channel links a card may carry.
OURS_USER, OURS_CHANNEL = "U0OURS1", "C0OURS1"
# A token Slack would act on: a mention, a broadcast, a channel, a link (also disguised), a user group, a date.
_TOKEN = re.compile(r"<([^<>]*)>")
_OUR_TOKENS = (
    re.compile(r"!date\^\d+\^[^|]*\|.*", re.DOTALL),
    re.compile(rf"@{OURS_USER}", re.DOTALL),
    re.compile(rf"#{OURS_CHANNEL}", re.DOTALL),
    # A link's label may hold a `|` (Slack splits at the first); the token itself holds no `<` or `>`.
    re.compile(r"https://slack\.com/archives/C0OURS1/p\d+\|.*", re.DOTALL),
    re.compile(r"https://provider\.example/[^|\s]*\|.*", re.DOTALL),
    re.compile(r"mailto:[^|\s]*\|.*", re.DOTALL),
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def live_problems(shown: str) -> list[str]:
    """What in one piece of mrkdwn Slack would act on that we did not put there."""
    problems = [f"live {m.group(0)!r}" for m in _TOKEN.finditer(shown) if not _ours(m.group(1))]
    # A `<` outside any token is an unclosed one: Slack would read it together with whatever follows.
    leftover = _TOKEN.sub("", shown)
    if "<" in leftover:
        problems.append(f"raw '<' in {leftover[max(leftover.index('<') - 20, 0) :][:60]!r}")
    if m := _CONTROLS.search(shown):
        problems.append(f"control character {m.group(0)!r}")
    return problems


def _ours(inside: str) -> bool:
    return any(pattern.fullmatch(inside) for pattern in _OUR_TOKENS)


def mrkdwn_texts(value: Any) -> Iterator[str]:
    """Every text Slack reads as markup: mrkdwn objects anywhere in blocks or a view."""
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
            yield value["text"]
        for item in value.values():
            yield from mrkdwn_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from mrkdwn_texts(item)


def problems_in(drawn: Any) -> list[str]:
    """`drawn`: a Card (its notification text is read as markup too), a view, a block, or mrkdwn text."""
    if isinstance(drawn, Card):
        texts = [drawn.text, *mrkdwn_texts(drawn.blocks)]
    elif isinstance(drawn, str):
        texts = [drawn]
    else:
        texts = list(mrkdwn_texts(drawn))
    return [problem for text in texts for problem in live_problems(text)]


def card_builders() -> set[str]:
    """Every public function of bot.cards that draws something for Slack, as `module.function`; the Block Kit
    primitives (bot.cards.blocks, `modals.modal`) are what the builders are made of, and are checked through them."""
    drawn_types = {"Card", "View", "Block", "Block | None"}
    found = set()
    for info in pkgutil.iter_modules(bot.cards.__path__):
        if info.name in ("blocks", "text"):
            continue
        module = __import__(f"bot.cards.{info.name}", fromlist=["_"])
        for name, function in inspect.getmembers(module, inspect.isfunction):
            # A coroutine function reads the records and hands them to these builders: checked through them.
            if inspect.iscoroutinefunction(function):
                continue
            if function.__module__ == module.__name__ and not name.startswith("_"):
                if str(inspect.signature(function).return_annotation) in drawn_types:
                    found.add(f"{info.name}.{name}")
    return found - {"modals.modal"}


def draw_all(text: str) -> dict[str, Any]:
    """Each builder's drawing, with `text` in every field that comes from a customer, a provider or a person."""
    url = f"https://provider.example/{text}"
    customer = Customer(id=1, email=f"{text}@example.com", name=text, timezone="Europe/Berlin", created_at=NOW)
    payment = Payment(
        id=2,
        provider="stripe",
        provider_payment_id=text,
        customer_id=1,
        amount_minor=4900,
        currency="USD",
        amount_refunded_minor=900,
        product=text,
        payer_email=text,
        payer_name=text,
        provider_url=url,
        livemode=False,
        paid_at=NOW - timedelta(days=3),
        slack_channel=OURS_CHANNEL,
        slack_ts="1764000000.000100",
        digest_id=7,
    )
    the_dispute = Dispute(
        id=3,
        provider="stripe",
        provider_dispute_id=text,
        payment_id=2,
        customer_id=1,
        amount_minor=4900,
        currency="USD",
        reason=text,
        status=text,
        stage=text,
        evidence_due_at=NOW + timedelta(days=2),
        provider_url=url,
        opened_at=NOW - timedelta(days=1),
        updated_at=NOW,
        slack_channel=OURS_CHANNEL,
        slack_ts="1764000000.000200",
        evidence_state="staged",
        evidence_at=NOW,
    )
    the_ticket = Ticket(
        id=4,
        external_id=text,
        subject=text,
        customer_id=1,
        status=text,
        opened_at=NOW - timedelta(hours=5),
        callback_url=url,
        assignee_id=text,
        assignee_name=text,
        slack_channel=OURS_CHANNEL,
        slack_ts="1764000000.000300",
    )
    # A help desk's ticket, assigned in the desk: the desk's user name and the source are shown.
    desk_ticket = Ticket(
        id=5,
        external_id=text,
        subject=text,
        customer_id=1,
        status=text,
        opened_at=NOW - timedelta(hours=5),
        assignee_name=text,
        source=text,
        source_ref=text,
        slack_channel=OURS_CHANNEL,
        slack_ts="1764000000.000400",
    )
    verdict = {"reasons": [f"insult:{text}", text]}

    def message(id_: int, tone_: str | None, sender: str = "customer", corrected: str | None = None) -> TicketMessage:
        return TicketMessage(
            id=id_,
            ticket_id=4,
            external_id=text,
            sender=sender,
            author=text,
            body=text,
            sent_at=NOW - timedelta(hours=4),
            tone=tone_,
            tone_verdict=verdict,
            tone_corrected_by=corrected,
        )

    calm, abusive, agent = message(5, Tone.NEUTRAL), message(6, Tone.ABUSIVE), message(8, None, sender=text)
    corrected = message(9, Tone.NEUTRAL, corrected=text)
    history = CustomerHistory(purchases=3, paid={"USD": 14700}, refunds=1, refunded={"USD": 900}, disputes=1, tickets=2)
    trend = TicketTone((Tone.NEUTRAL, Tone.FRUSTRATED, Tone.ABUSIVE), 2, 3, frozenset(Flag))
    state = Waiting(
        NOW - timedelta(hours=5), NOW - timedelta(hours=1), timedelta(hours=5), timedelta(hours=4), True, True, 3, True
    )
    risk = Risk(RiskLevel.HIGH, (Signal("abusive", text, True),), 0, True)
    plan = [EscalationStep(NOW, (OURS_USER,), "on-call"), EscalationStep(NOW + timedelta(minutes=15), (text,), text)]

    def alert(kind: str, status: str = AlertStatus.OPEN) -> Alert:
        return Alert(
            id=10,
            key=text,
            kind=kind,
            about_type="dispute",
            about_id=3,
            details=DisputeAlertDetails(3),
            status=status,
            step=1,
            raised_at=NOW,
            acknowledged_by=text if status != AlertStatus.OPEN else None,
            acknowledged_at=NOW if status != AlertStatus.OPEN else None,
            resolved_at=NOW if status == AlertStatus.RESOLVED else None,
            resolution=text,
        )

    action = ActionRecord(
        id=11,
        kind=Kind.TAKE_OVER,
        actor_id=text,
        status=ActionStatus.SUCCEEDED,
        params={"previous_assignee": text, "earlier": []},
        result={"summary": text},
        error=text,
    )
    refund_action = ActionRecord(
        id=12, kind=Kind.REFUND, actor_id=OURS_USER, status=ActionStatus.FAILED, params={}, result=None, error=text
    )
    big_refund = ActionRecord(
        id=17,
        kind=Kind.REFUND,
        actor_id=OURS_USER,
        status=ActionStatus.SUCCEEDED,
        params={"amount_minor": None, "reason": text, "note": text, "approval_id": 1},
        result={"summary": text, "refund_id": text},
    )
    audit = AuditRecord(
        seq=1,
        at=NOW,
        actor_id=text,
        action=text,
        outcome=text,
        provider_reference=text,
        personal={"actor_name": "", "subject": text},
    )
    night = MorningDigest(
        id=13,
        opening=NOW,
        since=NOW - timedelta(hours=14),
        until=NOW,
        channel=OURS_CHANNEL,
        figures={
            "sales": {"count": 1, "totals": {"USD": 4900}},
            "refunds": {"count": 1, "totals": {"USD": 900}},
            "tickets": {
                "opened": 1,
                "waiting_count": 2,
                "waiting": [{"urgent": True, "customer": text, "subject": text, "describe": text, "link": url}],
            },
            "disputes": {
                "opened": [{"amount_minor": 4900, "currency": "USD", "reason": text, "link": url}],
                "opened_count": 1,
                "due_soon": [
                    {"amount_minor": 4900, "currency": "USD", "reason": text, "link": url, "due": NOW.isoformat()}
                ],
            },
            "abuse": {"messages": 1, "tickets": [{"ticket": text, "link": url}]},
            "alerts": [
                {
                    "kind": text,
                    "raised_at": NOW.isoformat(),
                    "acknowledged_by": text,
                    "acknowledged_at": NOW.isoformat(),
                    "resolution": text,
                    "escalations": 1,
                    "link": url,
                }
            ],
            "actions": {"done": {text: 1}, "by": {text: [text]}, "failed": {text: 1}},
        },
    )
    rush = SaleDigest(id=7, channel=OURS_CHANNEL, opened_at=NOW, last_folded_at=NOW)
    figures = digest.DigestFigures(1, {"USD": 4900}, 1, Counter({text: 2}), [payment])
    choice = modals.Refundable(payment, 4000)
    evidence_draft = Draft(the_dispute, payment, customer, text, text, text, text, 1, 2, text)
    quiet_draft = Draft(the_dispute, None, None, None, None, None, None, 0, 0, text)
    licences = [Licence(text, product=text, status="active")]
    refund = Refund(
        id=14, payment_id=2, provider="stripe", provider_refund_id=text, amount_minor=900, currency="USD", reason=text
    )
    refund.refunded_at = NOW
    before = {"status": "a", "stage": "b", "amount_minor": 1, "currency": "USD", "reason": "c", "evidence_due_at": None}
    after = {
        "status": text,
        "stage": text,
        "amount_minor": 2,
        "currency": "USD",
        "reason": text,
        "evidence_due_at": NOW,
    }
    builders: dict[str, Callable[[], Any]] = {
        # The reminder's level is one of ours (a ReminderLevel), not outside text: every level is drawn.
        "alerts.dispute_alert_body": lambda: [
            alerts.dispute_alert_body(the_dispute, customer, kind, DisputeAlertDetails(3, level))
            for kind in (AlertKind.DISPUTE_OPENED, AlertKind.DISPUTE_DEADLINE)
            for level in (None, *ReminderLevel)
        ],
        "alerts.alert_card": lambda: [
            alerts.alert_card(
                alerts.dispute_alert_body(the_dispute, customer, AlertKind.DISPUTE_OPENED, DisputeAlertDetails(3)),
                alert(AlertKind.DISPUTE_OPENED, status),
                plan,
            )
            for status in (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED, AlertStatus.RESOLVED)
        ],
        "approval.approval_card": lambda: [
            approval.approval_card(hostile_approval(text, status), big_refund, payment, customer, NOW, part_of=text)
            for status in ApprovalStatus
        ],
        "approval.approval_buttons": lambda: [approval.approval_buttons(1, text, requester=r) for r in (True, False)],
        "approval.outcome_line": lambda: approval.outcome_line(
            hostile_approval(text, ApprovalStatus.APPROVED), big_refund
        ),
        "approval.refund_state": lambda: approval.refund_state(refund_action),
        "digest.digest_card": lambda: digest.digest_card(rush, figures),
        "dispute.dispute_card": lambda: dispute.dispute_card(
            the_dispute, payment, customer, history, [the_ticket], NOW
        ),
        "lookups.customer_card": lambda: lookups.customer_card(
            customer, history, [payment], [the_dispute], [the_ticket], NOW, risk
        ),
        "lookups.audit_card": lambda: lookups.audit_card([audit], text),
        "morning.morning_card": lambda: morning.morning_card(night),
        "outcomes.part_ways_card": lambda: outcomes.part_ways_card(
            ActionRecord(id=15, kind=Kind.PART_WAYS, actor_id=text, params={"earlier": []}), [action, refund_action]
        ),
        "replies.refund_reply": lambda: replies.refund_reply(refund, payment),
        "replies.ticket_message_reply": lambda: [replies.ticket_message_reply(m) for m in (calm, agent)],
        "sale.sale_card": lambda: sale.sale_card(payment, customer, history, [the_dispute], 2),
        "ticket.ticket_card": lambda: (
            [
                ticket.ticket_card(
                    the_ticket, customer, history, [first, agent], NOW, tone=trend, risk=text, waiting=state
                )
                for first in (calm, abusive)
            ]
            + [ticket.ticket_card(the_ticket, customer, history, [abusive], NOW, hide_abusive=False)]
            + [ticket.ticket_card(desk_ticket, customer, history, [calm, agent], NOW)]
        ),
        "tone.hidden_message": lambda: tone.hidden_message(abusive, lead="lead"),
        "tone.abusive_message_reply": lambda: [
            tone.abusive_message_reply(abusive, hidden=hidden, warned=False) for hidden in (True, False)
        ],
        "tone.warning_card": lambda: [
            tone.warning_card(abusive, the_ticket, trend, OURS_CHANNEL),
            tone.warning_card(corrected, the_ticket, trend, text),
            tone.warning_card(message(16, Tone.ABUSIVE, corrected=text), the_ticket, trend, None),
        ],
        "tone.flags_note": lambda: tone.flags_note(frozenset(Flag)),
        "tone.abuse_alert_body": lambda: [
            tone.abuse_alert_body(abusive, the_ticket, customer, trend, flags_only=only) for only in (True, False)
        ],
        "waiting.waiting_note": lambda: waiting.waiting_note(the_ticket, state, ""),
        "waiting.waiting_alert_body": lambda: [
            waiting.waiting_alert_body(the_ticket, customer, state, last, NOW) for last in (calm, abusive)
        ],
        "waiting.refund_request_note": lambda: waiting.refund_request_note(calm, 4000, "USD", ""),
        "waiting.refund_request_alert_body": lambda: waiting.refund_request_alert_body(
            the_ticket, customer, calm, 4000, "USD", NOW
        ),
        "modals.notice": lambda: modals.notice(text, text),
        "buttons.action_buttons": lambda: buttons.action_buttons(
            "ticket", 4, buttons.Offered(frozenset({"stripe"}), True, True, True), ticket_open=True, refundable=True
        ),
        "modals.refund_modal": lambda: [
            modals.refund_modal(choices, customer, {}, amount=text, note=text) for choices in ([choice], [choice] * 2)
        ],
        "modals.revoke_modal": lambda: [
            modals.revoke_modal(text, None, text, {}),
            modals.revoke_modal(text, None, text, {}, lookup_error=text),
            modals.revoke_modal(text, licences, text, {}),
            modals.revoke_modal(text, [], text, {}),
        ],
        "modals.unsubscribe_modal": lambda: modals.unsubscribe_modal(text, text, {}),
        "modals.part_ways_modal": lambda: [
            modals.part_ways_modal(customer, [choice], lic, text, text, the_ticket, {}, lookup_error=err, no_message=nm)
            for lic, err, nm in ((None, None, None), (None, text, text), (licences, None, None), ([], None, text))
        ],
        "modals.reply_modal": lambda: modals.reply_modal(the_ticket, customer, "through the help desk", {}),
        "modals.held_reply_modal": lambda: modals.held_reply_modal("Careful", text, {}),
        "modals.note_modal": lambda: [modals.note_modal(t, text, {}) for t in (the_ticket, desk_ticket)],
        "evidence.evidence_modal": lambda: (
            [
                evidence.evidence_modal(draft, text, log, {}, lookup_note=note)
                for draft, log, note in ((evidence_draft, text, text), (quiet_draft, None, None))
            ]
            + [evidence.evidence_modal(evidence_draft, text, None, {}, looking=True)]
        ),
        "evidence.submit_modal": lambda: evidence.submit_modal(the_dispute, {}),
        "evidence.accept_modal": lambda: evidence.accept_modal(the_dispute, {}),
        # Text builders whose result is queued and shown as mrkdwn.
        "replies.dispute_change_text": lambda: replies.dispute_change_text(text, before, after, text),
        "outcomes.succeeded_text": lambda: outcomes.succeeded_text(action, text, text),
        "outcomes.failed_text": lambda: outcomes.failed_text(refund_action, text),
        "outcomes.already_text": lambda: outcomes.already_text(action),
        "outcomes.done_marks": lambda: outcomes.done_marks([action, refund_action]),
        "waiting.waiting_line": lambda: waiting.waiting_line(state),
        "tone.tone_badges": lambda: tone.tone_badges(trend),
        "quarantine.quarantine_notice": lambda: quarantine.quarantine_notice(
            InboundEvent(
                provider=text,
                event_id=text,
                event_type=text,
                payload={},
                status="quarantined",
                attempts=1,
                received_at=NOW,
                quarantine_reason=text,
            )
        ),
        "home.home_view": lambda: home.home_view(hostile_home(text)),
    }
    return {name: build() for name, build in builders.items()}


def hostile_approval(text: str, status: ApprovalStatus) -> RefundApproval:
    return RefundApproval(
        id=1,
        action_id=17,
        status=status,
        requested_by=text,
        requested_by_name=text,
        amount_minor=50000,
        currency="USD",
        requested_at=NOW,
        expires_at=NOW,
        decided_by=text if status != ApprovalStatus.EXPIRED else None,
        decided_by_name=text,
        decided_at=NOW,
    )


def hostile_home(text: str) -> HomeSnapshot:
    """An owner's Home tab whose every outside field holds `text`."""
    line = TicketLine(text, text, text, text, True, NOW, None)
    waiting_item = {
        "ticket": text,
        "subject": text,
        "customer": text,
        "assignee": None,
        "describe": text,
        "urgent": True,
    }
    return HomeSnapshot(
        user=OURS_USER,
        role=Role.OWNER,
        now=NOW,
        mine=(line,),
        mine_count=1,
        oncall=OnCallLine(OURS_USER, text, NOW, "Europe/Berlin"),
        alerts=(AlertLine(1, text, NOW, None),),
        waiting=(waiting_item,),
        waiting_count=1,
        disputes=(DisputeLine("stripe", 100, "USD", text, text, NOW + timedelta(days=1), None),),
        disputes_count=1,
        today=Today(NOW, {"count": 1, "totals": {"USD": 100}}, {"count": 0, "totals": {}}, 1),
        health=Health(1, timedelta(minutes=3), text),
        risky=(RiskLine(text, text),),
        approvals=tuple(
            ApprovalLine(n, 50000, "USD", text, "stripe", text, requester, NOW, NOW, None)
            for n, requester in enumerate((OURS_USER, text))
        ),
        approvals_count=3,
    )


def all_problems(drawn: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, result in drawn.items():
        items = result if isinstance(result, list) else [result]
        if problems := [p for item in items for p in problems_in(item)]:
            found[name] = problems
    return found
