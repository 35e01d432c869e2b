"""The bot token scopes the code needs, by what needs them; manifest.yaml asks for exactly these.

tests/test_manifest.py finds every Web API method the code calls and every event it subscribes to, and fails
when one is missing here, so a new call cannot land without its scope (Slack would answer `missing_scope`).
"""

from __future__ import annotations

from bot.core.slack_ids import Event

# Every Web API method the bot calls, with the bot scopes it needs (https://api.slack.com/methods/<method>).
# The conversations.* methods need the public-channel scope and the private-channel one: a channel setting may
# name either kind.
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "auth.test": (),
    "apps.connections.open": (),  # Socket Mode; the app-level token's connections:write, not a bot scope
    "chat.postMessage": ("chat:write",),
    "chat.update": ("chat:write",),
    "conversations.history": ("channels:history", "groups:history"),  # finds a card a lost attempt posted
    "conversations.replies": ("channels:history", "groups:history"),  # the same in a thread
    "conversations.info": ("channels:read", "groups:read"),  # `supportbot doctor` checks each channel
    "views.open": (),
    "views.update": (),
    "views.publish": (),  # the Home tab
    # files.uploadV2 is these two calls (and a plain upload between them): the owners' 30-day chart
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
    # A help desk's agent is the Slack user who acted, found by email: profile.email needs users:read.email.
    "users.info": ("users:read", "users:read.email"),
}
# Every event the bot subscribes to (settings.event_subscriptions.bot_events), with the scope Slack requires.
EVENT_SCOPES: dict[Event, tuple[str, ...]] = {Event.APP_MENTION: ("app_mentions:read",), Event.APP_HOME_OPENED: ()}
# Slash commands and shortcuts.
COMMANDS_SCOPE = "commands"

BOT_SCOPES: tuple[str, ...] = tuple(
    dict.fromkeys(
        [
            COMMANDS_SCOPE,
            *(scope for scopes in EVENT_SCOPES.values() for scope in scopes),
            *(scope for scopes in METHOD_SCOPES.values() for scope in scopes),
        ]
    )
)
