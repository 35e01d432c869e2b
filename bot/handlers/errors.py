"""The one answer to a Slack request that failed: known failures in their own words, the rest as an incident.

Every listener is registered through `answered`, so it may simply raise. A `UsageError` is something the
person can act on ("That payment is fully refunded already"), so it is told to them as written. Anything else
is our fault: it is logged once, with its traceback, under a short incident id, and the person is told that
id, so that "it did nothing" becomes "incident 3f9a0c1e" in the logs. Before, such a failure was logged by
Bolt and the person saw no answer at all.
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.cards.modals import notice
from bot.cards.text import escape, md
from bot.core.errors import UsageError

log = logging.getLogger(__name__)

# Slack gives a trigger three seconds: a form opened later than that is refused with this error.
_EXPIRED_TRIGGER = "expired_trigger_id"


def answer_for(error: BaseException, body: dict[str, Any]) -> str:
    """What the person who made the request is told; an unknown failure is logged here, once."""
    if isinstance(error, UsageError):
        return escape(str(error))
    if isinstance(error, SlackApiError) and error.response.get("error") == _EXPIRED_TRIGGER:
        return "Slack took too long to open that form. Please press the button again."
    incident = secrets.token_hex(4)
    log.error("incident %s: a Slack %s failed", incident, _what(body), exc_info=error)
    return md(
        "Something went wrong on our side: it is logged as incident `{}`. Try again, and if it happens again, "
        "tell whoever runs supportbot the incident id.",
        incident,
    )


Listener = Callable[..., Awaitable[None]]


def answered(listener: Listener) -> Listener:
    """`listener`, answering whatever it raises rather than raising it to Bolt.

    Bolt's own `app.error` cannot do this for a listener that has acknowledged: when such a listener raises, Bolt
    sets the acknowledgement back to none, and unless it had already read it, answers the request with a 404
    three seconds later (slack_bolt/listener/asyncio_runner.py), which Slack shows as an error of its own. The
    wrapper keeps the listener's signature (Bolt reads it through `__wrapped__` to choose the arguments), so it
    answers with what the listener was given: `respond`, `client` or the deps' Slack client, and `ack` if the
    listener failed before acknowledging.
    """

    @functools.wraps(listener)
    async def run(**kwargs: Any) -> None:
        try:
            await listener(**kwargs)
        except Exception as exc:
            body = kwargs.get("body") or kwargs.get("command") or {}
            deps = kwargs.get("deps")
            client = kwargs.get("client") or (deps.slack if deps is not None else None)
            ack = kwargs.get("ack")
            if ack is not None and ack.response is None and body.get("type") == "view_submission":
                await ack(response_action="update", view=notice("Cannot do that", answer_for(exc, body)))
                return
            if ack is not None and ack.response is None:
                await ack()
            await handle_error(exc, body, kwargs.get("respond"), client)

    return run


async def tell(
    body: dict[str, Any],
    respond: AsyncRespond | None,
    client: AsyncWebClient | None,
    text: str,
    title: str = "supportbot",
) -> None:
    """Privately: under the card or command (its `response_url`); from the Home tab, which has none (and
    supportbot has no Messages tab to write in), as a small notice over the tab."""
    if body.get("response_url") and respond is not None:
        await respond(response_type="ephemeral", replace_original=False, text=text)
    elif body.get("trigger_id") and client is not None:
        await client.views_open(trigger_id=body["trigger_id"], view=notice(title, text))
    else:
        log.info("nobody to tell of a failed Slack %s", _what(body))


async def handle_error(
    error: BaseException, body: dict[str, Any], respond: AsyncRespond | None, client: AsyncWebClient | None
) -> None:
    """The answer to a failure that reached Bolt (a middleware's) or a listener (through `answered`)."""
    text = answer_for(error, body)
    try:
        await tell(body, respond, client, text)
    except SlackApiError as exc:  # the answer itself failed (an expired trigger, say): the log has the rest
        log.warning("could not tell of a failed Slack %s: %s", _what(body), exc.response.get("error"))


def _what(body: dict[str, Any]) -> str:
    """The request, named without the person's words: its type and the button, command or form."""
    kind = str(body.get("type") or ("slash command" if body.get("command") else "request"))
    if body.get("command"):
        return f"{kind} {body['command']}"
    actions = body.get("actions") or [{}]
    name = (actions[0] or {}).get("action_id") or (body.get("view") or {}).get("callback_id")
    return f"{kind} {name}" if name else kind
