"""What a setting's value must look like, and the fix a person needs when it does not. Pure: no I/O.

Each check returns the value to use or raises `invalid(what, fix)`: pydantic keeps `what` and `fix` apart in
the error's context, so start-up prints them in one line and `supportbot doctor` as a ✗ with its fix.
The values people actually paste are the ones refused here: `#support`, a link to a channel, `@olivia`, the
app-level token in place of the bot token, the placeholders of `.env.example`.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

from pydantic_core import PydanticCustomError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

# The example ids of .env.example and the docs: nobody's real channel or person.
EXAMPLE_IDS = frozenset({"C0123456789", "U0123456789", "U0987654321"})
CHANNEL_ID_FIX = (
    "set the channel's id instead: in Slack open the channel, click its name at the top, and copy the "
    "Channel ID at the bottom of About (C followed by letters and digits)"
)
USER_ID_FIX = (
    "set member ids instead: in Slack open the person's profile → ⋮ → Copy member ID (U followed by letters and digits)"
)
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,}")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_ID_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])([CGDUW][A-Z0-9]{6,})(?![A-Za-z0-9])")
_PLACEHOLDER_ENDS = ("...", "…")


def invalid(what: str, fix: str) -> PydanticCustomError:
    return PydanticCustomError("setting", "{what}; {fix}", {"what": what, "fix": fix})


def is_placeholder(value: str) -> bool:
    """`xoxb-...`, `whsec_...`, `...-us21`, `change-me…`: what .env.example holds until someone fills it in."""
    value = value.strip()
    return value.startswith(_PLACEHOLDER_ENDS) or value.endswith(_PLACEHOLDER_ENDS) or value.startswith("change-me")


def refuse_placeholder(value: str, *, secret: bool) -> None:
    if is_placeholder(value):
        shown = "" if secret and len(value) > 12 else f" ({value})"
        raise invalid(
            f"still the placeholder from .env.example{shown}",
            "put in the real value (README.md, Configuration, says where to find it) or delete the line",
        )


def channel_id(value: str) -> str:
    value = value.strip()
    if _CHANNEL_ID.fullmatch(value):
        if value in EXAMPLE_IDS:
            raise invalid(f"{value} is the example id from .env.example", CHANNEL_ID_FIX)
        return value
    found = _ID_IN_TEXT.search(value)
    if found and found.group(1)[0] in "CG" and found.group(1) not in EXAMPLE_IDS:
        kind = "a link" if "://" in value else "a channel mention"
        raise invalid(f"{value!r} is {kind}, not a channel id", f"set just the id: {found.group(1)}")
    if value.startswith("D") and _CHANNEL_ID.fullmatch("C" + value[1:]):
        raise invalid(f"{value} is a direct-message conversation", "use a channel the team reads; " + CHANNEL_ID_FIX)
    if _CHANNEL_ID.fullmatch(value.upper()):
        raise invalid(f"{value!r} is in lower case", f"Slack ids are upper case: {value.upper()}")
    if "://" in value:
        raise invalid(f"{value!r} is a link, not a channel id", CHANNEL_ID_FIX)
    name = value.lstrip("#")
    raise invalid(f"{value!r} looks like a channel name (#{name}), not its id", CHANNEL_ID_FIX)


def user_id(value: str) -> str:
    if _USER_ID.fullmatch(value):
        if value in EXAMPLE_IDS:
            raise invalid(f"{value} is an example id from .env.example", USER_ID_FIX)
        return value
    found = _ID_IN_TEXT.search(value)
    if found and found.group(1)[0] in "UW" and found.group(1) not in EXAMPLE_IDS:
        raise invalid(f"{value!r} is a mention, not a member id", f"set just the id: {found.group(1)}")
    if _USER_ID.fullmatch(value.upper()):
        raise invalid(f"{value!r} is in lower case", f"Slack ids are upper case: {value.upper()}")
    if value.startswith("@") or "@" not in value:
        raise invalid(f"{value!r} looks like a name, not a member id", USER_ID_FIX)
    raise invalid(f"{value!r} is an email address, not a member id", USER_ID_FIX)


def slack_bot_token(value: str) -> str:
    if value.startswith("xoxb-"):
        return value
    if value.startswith("xapp-"):
        raise invalid(
            "this is an app-level token (xapp-…), not the bot token",
            "move it to SUPPORTBOT_SLACK_APP_TOKEN, and set the Bot User OAuth Token (xoxb-…, api.slack.com/apps → "
            "your app → OAuth & Permissions) here",
        )
    kind = "a user token (xoxp-…)" if value.startswith("xoxp-") else "not a bot token"
    raise invalid(
        f"this is {kind}: a bot token starts with xoxb-",
        "copy the Bot User OAuth Token from api.slack.com/apps → your app → OAuth & Permissions",
    )


def slack_app_token(value: str) -> str:
    if value.startswith("xapp-"):
        return value
    if value.startswith("xoxb-"):
        raise invalid(
            "this is the bot token (xoxb-…), not an app-level token",
            "move it to SUPPORTBOT_SLACK_BOT_TOKEN, and set an app-level token (xapp-…, api.slack.com/apps → your "
            "app → Basic Information → App-Level Tokens, scope connections:write) here",
        )
    raise invalid(
        "an app-level token starts with xapp-",
        "create one under api.slack.com/apps → your app → Basic Information → App-Level Tokens "
        "(scope connections:write); only `supportbot socket` needs it",
    )


def stripe_api_key(value: str) -> str:
    if value.startswith(("sk_", "rk_")):
        return value
    if value.startswith("pk_"):
        what = "this is a publishable key (pk_…), which cannot refund"
    elif value.startswith("whsec_"):
        what = "this is a webhook signing secret (whsec_…): it belongs in SUPPORTBOT_STRIPE_WEBHOOK_SECRET"
    else:
        what = "a Stripe API key starts with sk_ (secret) or rk_ (restricted)"
    raise invalid(
        what,
        "copy a secret key (sk_…) or a restricted key with write access to refunds (rk_…) from "
        "dashboard.stripe.com/apikeys",
    )


def stripe_webhook_secret(value: str) -> str:
    if value.startswith("whsec_"):
        return value
    what = (
        "this is an API key: it belongs in SUPPORTBOT_STRIPE_API_KEY"
        if value.startswith(("sk_", "rk_", "pk_"))
        else "a Stripe webhook signing secret starts with whsec_"
    )
    raise invalid(
        what,
        "copy the signing secret of your webhook endpoint (dashboard.stripe.com/webhooks → the endpoint → "
        "Signing secret)",
    )


def database_url(value: str) -> str:
    """The async driver's URL: `postgresql://` (what every host gives) and `sqlite:///` gain theirs."""
    try:
        url = make_url(value)
    except ArgumentError:
        raise invalid(
            "not a database URL",
            "use postgresql://user:password@host:5432/database or sqlite:///path/to/supportbot.db",
        ) from None
    scheme, rest = value.split("://", 1)
    if url.drivername in ("postgresql", "postgres", "postgresql+asyncpg"):
        return _asyncpg_query(f"postgresql+asyncpg://{rest}")
    if url.drivername in ("sqlite", "sqlite+aiosqlite"):
        return f"sqlite+aiosqlite://{rest}"
    backend = url.get_backend_name()
    if backend == "postgresql":
        fixed = f"postgresql+asyncpg://{rest}"
    elif backend == "sqlite":
        fixed = f"sqlite+aiosqlite://{rest}"
    else:
        raise invalid(
            f"{scheme}:// is not supported", "supportbot runs on PostgreSQL (postgresql://…) or SQLite (sqlite:///…)"
        )
    raise invalid(
        f"{scheme}:// asks for the {url.get_driver_name()} driver; supportbot talks to {backend} through its async one",
        f"start the URL with {fixed.split('://')[0]}:// (or plain {backend}://)",
    )


def _asyncpg_query(url: str) -> str:
    # Hosts hand out libpq's ?sslmode=require; asyncpg takes the same values as ?ssl=.
    parts = urlsplit(url)
    if "sslmode" not in parts.query:
        return url
    query = [("ssl" if key == "sslmode" else key, item) for key, item in parse_qsl(parts.query, keep_blank_values=True)]
    return parts._replace(query=urlencode(query)).geturl()


# What people paste into a help desk's address settings: the whole address where a name is asked, or the reverse.
_ZENDESK_SUBDOMAIN = re.compile(r"[a-z0-9][a-z0-9-]*")
_HOST_NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+")


def http_url(value: str) -> str:
    """A desk's address: http(s) with a host, kept without its trailing slash."""
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.hostname:
        return value.rstrip("/")
    raise invalid(f"{value!r} is not a web address", "set the full address, starting with https://")


def zendesk_subdomain(value: str) -> str:
    value = value.strip()
    if _ZENDESK_SUBDOMAIN.fullmatch(value):
        return value
    host = urlsplit(value).hostname if "://" in value else value.split("/")[0]
    if (
        host
        and host.lower().endswith(".zendesk.com")
        and _ZENDESK_SUBDOMAIN.fullmatch(host.lower()[: -len(".zendesk.com")])
    ):
        raise invalid(
            f"{value!r} is the address, not the subdomain", f"set just {host.lower()[: -len('.zendesk.com')]}"
        )
    raise invalid(f"{value!r} is not a Zendesk subdomain", "set the yourshop of yourshop.zendesk.com")


def freshdesk_domain(value: str) -> str:
    value = value.strip()
    if _HOST_NAME.fullmatch(value.lower()):
        return value.lower()
    host = urlsplit(value).hostname if "://" in value else None
    if host and _HOST_NAME.fullmatch(host):
        raise invalid(f"{value!r} is a link, not the domain", f"set just {host}")
    raise invalid(f"{value!r} is not a Freshdesk domain", "set your Freshdesk address, e.g. yourshop.freshdesk.com")
