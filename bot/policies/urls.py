"""Where the bot may send what it is handed a URL for: a Slack `response_url`, a help desk's `callback_url`.

Both arrive from outside (a Slack payload, a signed tickets webhook) and the bot then POSTs to them, so each is
checked against what it can legitimately be: anything else would let whoever wrote it aim the bot at any host.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import SplitResult, urlsplit

from bot.policies.permissions import Decision

SLACK_RESPONSE_HOST = "hooks.slack.com"


def _parts(url: str) -> SplitResult | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return None
    return parts


def _origin(parts: SplitResult) -> tuple[str, str, int | None]:
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port


def is_response_url(url: str | None, slack_api_url: str) -> bool:
    """A `response_url` lives on hooks.slack.com over https; or on the Slack API's own host when the bot talks
    to a stand-in Slack (SUPPORTBOT_SLACK_API_URL), so a fake Slack keeps working."""
    if not url or (parts := _parts(url)) is None or parts.username or parts.password:
        return False
    scheme, host, port = _origin(parts)
    if scheme == "https" and host == SLACK_RESPONSE_HOST and port in (None, 443):
        return True
    api = _parts(slack_api_url)
    return api is not None and bool(host) and (scheme, host, port) == _origin(api)


def may_call_back(url: str, allowed_hosts: tuple[str, ...]) -> Decision:
    """Whether the bot may POST a ticket's update to its `callback_url`.

    The URL comes in a signed tickets webhook, so the help desk chose it; still, the bot must not become a way
    to reach what only the bot can reach. So: http(s), no credentials in the URL, never a link-local, multicast
    or unspecified address (169.254.169.254 is every cloud's metadata service), and, when SUPPORTBOT_HELPDESK_HOSTS
    names the help desk's hosts, one of those (an entry starting with "." allows its subdomains).
    """
    parts = _parts(url)
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return Decision(False, "the ticket's callback URL must be an http:// or https:// URL")
    if parts.username or parts.password:
        return Decision(False, "the ticket's callback URL must not carry a user name or password")
    host = parts.hostname.lower().rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None and (address.is_link_local or address.is_multicast or address.is_unspecified):
        return Decision(False, f"the ticket's callback host {host} is not a help desk")
    if allowed_hosts and not any(_host_matches(host, allowed.lower()) for allowed in allowed_hosts):
        return Decision(False, f"the ticket's callback host {host} is not one of SUPPORTBOT_HELPDESK_HOSTS")
    return Decision(True, "")


def _host_matches(host: str, allowed: str) -> bool:
    if allowed.startswith("."):
        return host.endswith(allowed) or host == allowed[1:]
    return host == allowed
