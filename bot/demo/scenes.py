"""Playing a scene: set the story's clock, let the bot's timers run, deliver the scene's webhooks and make the
team's clicks, each as a beat that the bot settles before the next begins and before anything is printed."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC
from functools import partial

import aiohttp
import stripe
from sqlalchemy import func, select

from bot.app.runtime import Runtime
from bot.core.clock import FakeClock
from bot.core.slack_ids import ActionId
from bot.demo.blockkit_text import render_blocks
from bot.demo.homes import show_home_tabs
from bot.demo.mail import JUN_SUBJECT, SAM_REPLIES, compose
from bot.demo.owner import SlackPerson, card_of
from bot.demo.script import Beat, CustomerMail, Delivery, Scene
from bot.demo.terminal import Terminal
from bot.fakes.imap import FakeImap
from bot.fakes.paypal import FakePayPal
from bot.fakes.slack import FakeSlack, Message
from bot.fakes.smtp import FakeSmtp
from bot.integrations import tickets_webhooks
from bot.storage.models.actions import ActionRecord, ActionStatus, AuditRecord
from bot.storage.models.inbound import InboundEvent, InboundStatus

PROVIDER_NAMES = {"stripe": "Stripe", "paypal": "PayPal", "tickets": "Help desk"}
# How many deliveries are in flight at once, as a provider's webhook workers would have them.
SIDE_BY_SIDE = 8
# How long the bot may take to settle one beat before the demo gives up: far more than it needs.
BEAT_SECONDS = 60.0


@dataclass(frozen=True)
class Signing:
    stripe_secret: str
    tickets_secret: str
    paypal_webhook_id: str
    paypal: FakePayPal


@dataclass(frozen=True)
class Bot:
    http: aiohttp.ClientSession
    base: str
    signing: Signing


@dataclass(frozen=True)
class Mail:
    """The shop's mail servers: its support mailbox (IMAP) and the server its replies leave by (SMTP)."""

    imap: FakeImap
    smtp: FakeSmtp


class Stage:
    def __init__(
        self,
        runtime: Runtime,
        clock: FakeClock,
        terminal: Terminal,
        slack: FakeSlack,
        people: dict[str, SlackPerson],
        bot: Bot,
        mail: Mail,
    ):
        self.runtime = runtime
        self.clock = clock
        self.terminal = terminal
        self.slack = slack
        self.people = people
        self.bot = bot
        self.mail = mail

    async def play(self, scene: Scene) -> None:
        self.clock.set(scene.at.astimezone(UTC))
        self.terminal.heading(scene.at, scene.title)
        # The timers (and the search for PayPal buyers) notice the new time at once, as they would within the
        # minute it took.
        await self._beat(self._tick)
        for beat in scene.beats:
            await self._beat(partial(self._deliver, beat))
        if scene.mail is not None:
            await self._mail_arrives(scene.mail)
        if scene.team_does == "answers-back":
            await self._sam_answers_back()
        elif scene.team_does in SAM_REPLIES:
            await self._sam_replies_by_email(*SAM_REPLIES[scene.team_does])
        elif scene.team_does and scene.team_does.startswith("acknowledge:"):
            _, user, needle = scene.team_does.split(":", 2)
            await self._acknowledge(self.people[user], needle)
        elif scene.team_does == "take-over":
            self.terminal.say("  Olivia clicks [ Take over ] on the ticket card.")
            await self._click("take-over", self.people["U0OLIVIA"], ActionId.TAKE_OVER)
        elif scene.team_does == "part-ways":
            await self._part_ways(self.people["U0OLIVIA"])
        elif scene.team_does == "home-tabs":
            await show_home_tabs(self.runtime, self.slack, self.terminal)
        elif scene.team_does and scene.team_does.startswith("answer-dispute:"):
            await self._answer_dispute(self.people["U0OLIVIA"], scene.team_does.split(":", 1)[1])

    async def _tick(self) -> None:
        await self.runtime.timers.tick()
        if self.runtime.buyer_search is not None:
            await self.runtime.buyer_search.tick()

    async def _beat(
        self,
        cause: Callable[[], Awaitable[object]],
        done: Callable[[], Awaitable[bool]] | None = None,
        preface: Callable[[], None] = lambda: None,
    ) -> None:
        """Let the bot apply everything `cause` brings while Slack shows none of it; then let Slack show it all.

        Which messages a beat posts must not depend on how fast this machine is (a rush of sales folded into a
        digest card, a card drawn after one change or two), so the outbox waits until the bot has applied the
        beat (and `done` says the work it set off is finished), then delivers; the terminal prints the beat,
        after `preface`, once everything is delivered.
        """
        async with self.runtime.outbox.held():
            await cause()
            await self._until(lambda: self._applied(done), "apply what arrived")
        await self._until(self.runtime.settled, "show it in Slack")
        preface()
        self.terminal.flush()

    async def _applied(self, done: Callable[[], Awaitable[bool]] | None) -> bool:
        if done is not None and not await done():
            return False
        async with self.runtime.db.transaction(read_only=True) as session:
            left = await session.scalar(select(func.count()).where(InboundEvent.status == InboundStatus.PENDING)) or 0
            left += (
                await session.scalar(
                    select(func.count()).where(ActionRecord.status.in_([ActionStatus.PENDING, ActionStatus.RUNNING]))
                )
                or 0
            )
        return left == 0

    async def _until(self, predicate: Callable[[], Awaitable[bool]], what: str) -> None:
        deadline = asyncio.get_running_loop().time() + BEAT_SECONDS
        while not await predicate():
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"the bot did not {what} within {BEAT_SECONDS:g} s")
            await asyncio.sleep(0.05)

    # -- the providers ------------------------------------------------------------------------------------

    async def _deliver(self, beat: Beat) -> None:
        """Send the beat as a provider would: events about one object in order, different objects side by side
        (a launch's sixty sales arrive at once; one after another they would take the demo half a minute)."""
        streams: dict[str, list[Delivery]] = {}
        for delivery in beat:
            streams.setdefault(_about(delivery), []).append(delivery)
        gate = asyncio.Semaphore(SIDE_BY_SIDE)

        async def send_in_order(stream: list[Delivery]) -> list[int]:
            async with gate:
                return [await self._send(delivery) for delivery in stream]

        sent = await asyncio.gather(*(send_in_order(stream) for stream in streams.values()))
        answers = Counter(status for statuses in sent for status in statuses)
        who = PROVIDER_NAMES[beat[0].provider]
        kinds = sorted({str(d.event.get("type") or d.event.get("event_type")) for d in beat})
        what = f"{len(beat)} events" if len(beat) > 1 else "an event"
        shown = ", ".join(kinds[:3]) + (", …" if len(kinds) > 3 else "")
        answered = ", ".join(f"{status} ×{count}" for status, count in sorted(answers.items()))
        self.terminal.say(f"  ⇢ {who}: {what} ({shown}), answered {answered}")

    async def _send(self, delivery: Delivery) -> int:
        # Signed at the story's time: the bot refuses a signature far from its own clock as a replay.
        signing = self.bot.signing
        body = json.dumps(delivery.event)
        now = int(self.clock.now().timestamp())
        if delivery.provider == "stripe":
            signature = stripe.WebhookSignature.generate_signature_header(body, signing.stripe_secret, timestamp=now)
            headers = {"Stripe-Signature": signature}
        elif delivery.provider == "paypal":
            headers = signing.paypal.sign_webhook(delivery.event, signing.paypal_webhook_id, at=self.clock.now())
            if (resource := delivery.event.get("resource") or {}).get("dispute_id"):
                signing.paypal.add_dispute(resource)  # PayPal holds the dispute it tells us of, as it stands
        else:
            headers = {
                tickets_webhooks.TIMESTAMP_HEADER: str(now),
                tickets_webhooks.SIGNATURE_HEADER: tickets_webhooks.sign(signing.tickets_secret, now, body.encode()),
            }
        url = f"{self.bot.base}/webhooks/{delivery.provider}"
        headers |= {"Content-Type": "application/json"}
        async with self.bot.http.post(url, data=body, headers=headers) as response:
            return response.status

    async def _mail_arrives(self, mail: CustomerMail) -> None:
        """The customer's mail reaches the shop's mailbox; the bot's watcher, idling on it, reads it."""
        answering = self.mail.smtp.messages[-1].message if mail.answers_shop else None
        raw = compose(mail, self.clock.now(), answering)
        watcher = self.runtime.mailbox
        assert watcher is not None
        before = watcher.stored

        async def read() -> bool:
            return watcher.stored > before

        def preface() -> None:
            threaded = " (In-Reply-To: the shop's reply)" if answering is not None else ""
            self.terminal.say(f"  ⇢ Mailbox: a mail from {mail.address}{threaded}, read by IMAP IDLE, left unread")

        await self._beat(lambda: self._append(raw), read, preface)

    async def _append(self, raw: bytes) -> None:
        self.mail.imap.append(raw, self.clock.now())

    # -- the team ------------------------------------------------------------------------------------------

    async def _click(self, action: str, person: SlackPerson, action_id: ActionId, needle: str = "T-1077") -> None:
        channel = "C0ONCALL" if action_id is ActionId.ACKNOWLEDGE else "C0SUPPORT"
        card = card_of(self.slack, channel, needle)
        await self._beat(lambda: person.click(card, action_id), await self._audited(action))

    async def _audited(self, action: str) -> Callable[[], Awaitable[bool]]:
        """A predicate: the audit trail has a success for `action` newer than any it has now. Slack hears the
        bot's answer to a click before the bot has done what the click asks; the audit trail has the end."""
        before = await self._last_success(action)

        async def done() -> bool:
            return await self._last_success(action) > before

        return done

    async def _last_success(self, action: str) -> int:
        async with self.runtime.db.transaction(read_only=True) as session:
            latest = await session.scalar(
                select(func.max(AuditRecord.seq)).where(
                    AuditRecord.action == action, AuditRecord.outcome == "succeeded"
                )
            )
        return latest or 0

    async def _acknowledge(self, person: SlackPerson, needle: str) -> None:
        self.terminal.say(f"  {person.name} clicks [ Acknowledge ] on the alert.")
        await self._click("acknowledge", person, ActionId.ACKNOWLEDGE, needle)

    async def _sam_answers_back(self) -> None:
        sam = self.people["U0SAM"]
        card = card_of(self.slack, "C0SUPPORT", "T-1077")
        draft = "As I already told you, the key works. Did you even read the activation guide?"
        self.terminal.say(f"  Sam clicks [ Reply ] and types: “{draft}”")
        await self._open_reply(sam, card)
        answer = await sam.submit_newest_modal(body=draft)
        held = answer.get("view") or {}
        title = (held.get("title") or {}).get("text", "")
        self.terminal.quote(render_blocks(held.get("blocks", []), title, self.terminal.viewer))
        calm = "Victor, I understand how frustrating this is. Olivia, our owner, is looking at your licence now."
        self.terminal.say(f"  Sam clicks [ Back ] and writes instead: “{calm}”")
        await self._beat(lambda: sam.submit_newest_modal(body=calm), await self._audited("reply"))

    async def _sam_replies_by_email(self, text: str, close: bool) -> None:
        sam = self.people["U0SAM"]
        card = card_of(self.slack, "C0SUPPORT", JUN_SUBJECT)
        closing = ", and ticks “Close the ticket after sending”" if close else ""
        self.terminal.say(f"  Sam clicks [ Reply ] and writes: “{text}”{closing}")
        await self._open_reply(sam, card)
        ticked = ["yes"] if close else []
        await self._beat(lambda: sam.submit_newest_modal(body=text, close=ticked), await self._audited("reply"))
        sent = self.mail.smtp.messages[-1]
        message = sent.message
        references = len(str(message.get("References") or "").split())
        self.terminal.say(
            f"  ⇠ SMTP: to {', '.join(sent.rcpt_tos)}, From {message['From']}, Subject “{message['Subject']}”",
            f"    In-Reply-To {message['In-Reply-To']}, References: {references} message(s)",
        )

    async def _open_reply(self, person: SlackPerson, card: Message) -> None:
        """Click Reply and wait for this click's modal, so what is typed next goes in it (not an earlier one)."""
        before = self._modals()
        await person.click(card, ActionId.REPLY)

        async def opened() -> bool:
            return self._modals() > before

        await self._until(opened, "open the reply modal")

    def _modals(self) -> int:
        return sum(1 for view in self.slack.views.values() if view.get("type") == "modal")

    async def _part_ways(self, olivia: SlackPerson) -> None:
        card = card_of(self.slack, "C0SUPPORT", "T-1077")
        self.terminal.say("  Olivia clicks [ Part ways… ]; Slack shows her what will happen before anything does:")
        await olivia.click(card, ActionId.PART_WAYS)
        shown: list[str] = []

        async def confirm() -> None:
            shown.append(await olivia.confirm_newest_modal(settled_when="licences"))

        def preface() -> None:
            self.terminal.quote(shown[0])
            self.terminal.say("  She confirms.")

        await self._beat(confirm, await self._audited("part-ways"), preface)

    async def _answer_dispute(self, olivia: SlackPerson, needle: str) -> None:
        card = card_of(self.slack, "C0DISPUTES", needle)
        self.terminal.say("  Olivia clicks [ Prepare evidence… ] on the dispute card; the form comes pre-filled:")
        await olivia.click(card, ActionId.DISPUTE_EVIDENCE)
        shown: list[str] = []

        async def confirm() -> None:
            shown.append(await olivia.confirm_newest_modal(settled_when="access_log"))

        def preface() -> None:
            self.terminal.quote(shown[0])
            self.terminal.say("  She reads it and sends it.")

        await self._beat(confirm, await self._audited("dispute-evidence"), preface)


def _about(delivery: Delivery) -> str:
    """The object a delivery is about: a Stripe payment, a ticket, a PayPal resource."""
    event = delivery.event
    if delivery.provider == "stripe":
        obj = event["data"]["object"]
        return str(obj.get("payment_intent") or obj["id"])
    if delivery.provider == "tickets":
        return str(event["ticket"]["id"])
    resource = event.get("resource") or {}
    return str(resource.get("dispute_id") or resource.get("id") or event["id"])
