"""Offering an action: find what it concerns, then draw the modal that shows exactly what would happen.

Slack gives 3 seconds to open a modal after a click, so the modal is drawn from our own records at once; what
only a provider knows (a customer's licences) is looked up after it is open (`Offer.then`), and the modal
redrawn with it. The handlers open and update the modal: nothing here talks to Slack.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Protocol

from bot.actions.modal_state import LABEL_LIMIT, ModalContext, modal_state_for
from bot.actions.targets import Scope, Target, TargetKind, scope_of_button, scope_of_words
from bot.cards import modals
from bot.cards.blocks import clip
from bot.cards.modals import View
from bot.cards.text import escape, md
from bot.config.settings import Settings
from bot.core.action_kinds import Kind
from bot.core.errors import ProviderError, UsageError
from bot.core.wording import desk_name
from bot.integrations.contracts import Licence
from bot.integrations.providers import Providers
from bot.storage.db import Database

LICENCE_LOOKUP_SECONDS = 8.0
MAX_LICENCE_KEY = 200


class OfferDeps(Protocol):
    """What offering needs of the running bot: its settings (to seal the modal's state), records and providers."""

    @property
    def settings(self) -> Settings: ...

    @property
    def db(self) -> Database: ...

    @property
    def providers(self) -> Providers: ...


@dataclass(frozen=True)
class Offer:
    """The modal to open at once, sealed for the person who asked, and, when part of it waits on a provider, how to
    draw it again once that is known."""

    view: View
    then: Callable[[], Awaitable[View]] | None = None


@dataclass(frozen=True)
class Origin:
    """Where the person asked from: the modal needs the trigger, the outcome the response_url."""

    trigger_id: str
    response_url: str | None
    button_value: str | None = None  # "<subject>:<id>" from a card's button
    target: Target | None = None  # what a command named
    amount: str | None = None
    note: str | None = None
    requester: str = ""  # the Slack user the modal opens for: only they may submit its state


async def find_scope(deps: OfferDeps, origin: Origin) -> Scope:
    async with deps.db.transaction(read_only=True) as session:
        if origin.button_value is not None:
            return await scope_of_button(session, origin.button_value)
        assert origin.target is not None
        return await scope_of_words(session, origin.target)


def base_context(scope: Scope, origin: Origin) -> ModalContext:
    """Ids and a short label: the modal's state must fit Slack's 3,000 characters whatever the ticket's id."""
    return ModalContext(
        customer_id=scope.customer.id if scope.customer else None,
        payment_id=scope.payment.id if scope.payment else None,
        ticket_id=scope.ticket.id if scope.ticket else None,
        card=scope.card,
        label=clip(scope.label, LABEL_LIMIT),
        response_url=origin.response_url,  # checked to be Slack's by the handler
    )


def sealed(deps: OfferDeps, origin: Origin, view: View) -> View:
    return modal_state_for(deps.settings).seal(view, origin.requester)


async def offer_refund(deps: OfferDeps, origin: Origin) -> Offer:
    scope = await find_scope(deps, origin)
    if not scope.refundable:
        raise UsageError(f"Nothing can be refunded for {scope.label}: it is refunded in full, disputed, or unpaid.")
    missing = {choice.payment.provider for choice in scope.refundable} - set(deps.providers.gateways)
    if missing:
        setting = "SUPPORTBOT_STRIPE_API_KEY" if "stripe" in missing else "the SUPPORTBOT_PAYPAL_* settings"
        raise UsageError(f"Refunds through {', '.join(sorted(missing))} are not configured ({setting}).")
    # The modal offers at most MAX_CHOICES payments (newest first); the state vouches for exactly those.
    choices = scope.refundable[: modals.MAX_CHOICES]
    context = replace(
        base_context(scope, origin), refunded={c.payment.id: c.payment.amount_refunded_minor for c in choices}
    )
    view = modals.refund_modal(choices, scope.customer, context.as_metadata(), amount=origin.amount, note=origin.note)
    return Offer(sealed(deps, origin, view))


async def offer_revoke(deps: OfferDeps, origin: Origin) -> Offer:
    server = deps.providers.licences
    if server is None:
        raise UsageError("No licence server is configured (SUPPORTBOT_KEYGEN_* or SUPPORTBOT_LICENCE_URL).")
    if origin.target is not None and origin.target.kind == TargetKind.OTHER:
        try:
            scope = await find_scope(deps, origin)
        except UsageError:
            # Not a payment or ticket we know: a licence key, confirmed as it is.
            key = origin.target.value
            if len(key) > MAX_LICENCE_KEY:
                raise UsageError("That is too long to be a licence key.") from None
            context = ModalContext(licences=(key,), label=f"licence {key[:4]}…", response_url=origin.response_url)
            view = modals.revoke_modal(server.name, [Licence(key)], md("licence `{}`", key), context.as_metadata())
            return Offer(sealed(deps, origin, view))
    else:
        scope = await find_scope(deps, origin)
    email = _email_of(scope)
    metadata = replace(base_context(scope, origin), email=email).as_metadata()
    who = escape(email)

    async def with_licences() -> View:
        assert server is not None
        licences, error = await _licences(deps, email)
        return sealed(deps, origin, modals.revoke_modal(server.name, licences, who, metadata, lookup_error=error))

    return Offer(sealed(deps, origin, modals.revoke_modal(server.name, None, who, metadata)), then=with_licences)


async def offer_unsubscribe(deps: OfferDeps, origin: Origin) -> Offer:
    mailing_list = deps.providers.mailing_list
    if mailing_list is None:
        raise UsageError("No mailing list is configured (SUPPORTBOT_MAILCHIMP_* or SUPPORTBOT_KIT_API_KEY).")
    if origin.target is not None and origin.target.kind == TargetKind.EMAIL:
        # Anyone can be unsubscribed, customer on record or not.
        try:
            scope = await find_scope(deps, origin)
        except UsageError:
            scope = Scope(label=f"email {origin.target.value}")
        email = origin.target.value
    else:
        scope = await find_scope(deps, origin)
        email = _email_of(scope)
    metadata = replace(base_context(scope, origin), email=email).as_metadata()
    view = modals.unsubscribe_modal(mailing_list.name, email, metadata)
    return Offer(sealed(deps, origin, view))


async def offer_part_ways(deps: OfferDeps, origin: Origin) -> Offer:
    scope = await find_scope(deps, origin)
    if scope.customer is None:
        raise UsageError(f"No customer is on record for {scope.label}, so there is no one to part ways with.")
    customer = scope.customer
    server = deps.providers.licences
    list_name = deps.providers.mailing_list.name if deps.providers.mailing_list else None
    refundable = [c for c in scope.refundable if c.payment.provider in deps.providers.gateways][: modals.MAX_CHOICES]
    metadata = replace(
        base_context(scope, origin),
        email=scope.email,
        refunded={c.payment.id: c.payment.amount_refunded_minor for c in refundable},
    ).as_metadata()
    # The message is a reply to the ticket: offered only when there is one and a way to send it.
    if scope.ticket is None:
        no_message = "No message is sent: there is no open ticket to answer."
    elif (
        scope.ticket.callback_url is None
        and scope.ticket.source is None
        and not (scope.email and deps.providers.mailer is not None)
    ):
        no_message = (
            "No message can be sent: this ticket came without a help-desk callback and SMTP is not configured "
            "(SUPPORTBOT_SMTP_HOST)."
        )
    else:
        no_message = None

    def view(licences: list[Licence] | None, error: str | None = None) -> View:
        return sealed(
            deps,
            origin,
            modals.part_ways_modal(
                customer,
                refundable,
                licences,
                server.name if server else None,
                list_name,
                scope.ticket,
                metadata,
                lookup_error=error,
                no_message=no_message,
            ),
        )

    email = scope.email

    async def with_licences() -> View:
        if email:
            return view(*await _licences(deps, email))
        return view([], None)

    return Offer(view(None), then=with_licences if server is not None else None)


async def offer_reply(deps: OfferDeps, origin: Origin) -> Offer:
    scope = await find_scope(deps, origin)
    if scope.ticket is None:
        raise UsageError("Replies go to a ticket: use the Reply button on the ticket's card.")
    if scope.ticket.source is not None:
        via = f"in {desk_name(scope.ticket.source)}, as you"
    elif scope.ticket.callback_url:
        via = "through the help desk"
    elif scope.email and deps.providers.mailer is not None:
        via = f"by email to {escape(scope.email)}"
    else:
        raise UsageError(
            "This ticket came without a help-desk callback and SMTP is not configured "
            "(SUPPORTBOT_SMTP_HOST), so a reply cannot reach the customer from here."
        )
    view = modals.reply_modal(scope.ticket, scope.customer, via, base_context(scope, origin).as_metadata())
    return Offer(sealed(deps, origin, view))


async def offer_note(deps: OfferDeps, origin: Origin) -> Offer:
    scope = await find_scope(deps, origin)
    if scope.ticket is None or scope.ticket.source is None:
        raise UsageError("Notes go to a ticket from a help desk: use the Note button on its card.")
    metadata = base_context(scope, origin).as_metadata()
    view = modals.note_modal(scope.ticket, desk_name(scope.ticket.source), metadata)
    return Offer(sealed(deps, origin, view))


OFFERS = {
    Kind.REFUND: offer_refund,
    Kind.REVOKE_LICENCE: offer_revoke,
    Kind.UNSUBSCRIBE: offer_unsubscribe,
    Kind.PART_WAYS: offer_part_ways,
    Kind.REPLY: offer_reply,
    Kind.NOTE: offer_note,
}


def _email_of(scope: Scope) -> str:
    if not scope.email:
        raise UsageError(f"No email is on record for {scope.label}; give the customer's email instead.")
    return scope.email


async def _licences(deps: OfferDeps, email: str) -> tuple[list[Licence] | None, str | None]:
    server = deps.providers.licences
    assert server is not None
    try:
        async with asyncio.timeout(LICENCE_LOOKUP_SECONDS):
            return await server.licences_of(email), None
    except ProviderError as exc:
        return None, exc.reason
    except TimeoutError:
        return None, f"{server.name} did not answer in time"
