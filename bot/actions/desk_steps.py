"""Telling a help desk spoken to directly (a ticket with a `source`) what a person did in Slack, as that person.

The person is found in the desk by their Slack email; someone the desk does not know is told so, and nothing is
done in the desk on their behalf (never as somebody else).
"""

from __future__ import annotations

from bot.core.errors import ProviderError
from bot.core.wording import desk_name
from bot.integrations.contracts import DeskOutcome, TicketUpdate
from bot.integrations.providers import Providers
from bot.storage.models.actions import ActionRecord
from bot.storage.models.tickets import Ticket

# The settings that let the bot act in each desk, named when they are missing.
WRITE_BACK_SETTINGS = {
    "helpscout": "SUPPORTBOT_HELPSCOUT_APP_ID and SUPPORTBOT_HELPSCOUT_APP_SECRET",
    "freescout": "SUPPORTBOT_FREESCOUT_URL and SUPPORTBOT_FREESCOUT_API_KEY",
    "zendesk": "SUPPORTBOT_ZENDESK_SUBDOMAIN, SUPPORTBOT_ZENDESK_EMAIL and SUPPORTBOT_ZENDESK_API_TOKEN",
    "freshdesk": "SUPPORTBOT_FRESHDESK_DOMAIN and SUPPORTBOT_FRESHDESK_API_KEY",
}


async def tell_desk(
    providers: Providers,
    action: ActionRecord,
    ticket: Ticket,
    kind: str,
    *,
    body: str | None = None,
    key_suffix: str = "",
) -> tuple[DeskOutcome, str]:
    """Carry `kind` out in the ticket's desk as the acting person; returns what the desk did and its user id."""
    assert ticket.source is not None
    name = desk_name(ticket.source)
    desk = providers.desks.get(ticket.source)
    if desk is None:
        setting = WRITE_BACK_SETTINGS.get(ticket.source, "its write-back settings")
        raise ProviderError(name, f"acting in {name} from Slack is not configured ({setting})")
    who = action.actor_name or "this person"
    email = await providers.people.email_of(action.actor_id) if providers.people is not None else None
    if not email:
        raise ProviderError(
            name,
            f"Slack gives no email for {who} (the app needs the users:read.email scope), so they cannot be "
            f"matched to a {name} user; nothing was changed in {name}",
        )
    agent = await desk.agent_for(email)
    if agent is None:
        raise ProviderError(
            name,
            f"no {name} user has the email {email} ({who}'s in Slack), so nothing was changed in {name}; "
            f"add them to {name} with that email",
        )
    update = TicketUpdate(
        ticket_key=ticket.external_id,
        kind=kind,
        idempotency_key=action.key + key_suffix,
        agent_id=action.actor_id,
        agent_name=action.actor_name,
        body=body,
    )
    return await desk.send(ticket.source_ref or ticket.external_id, update, agent), agent
