"""Who a Slack user is outside Slack: their email, read with `users.info` (needs the `users:read.email` scope).

A help desk's agent is matched to the Slack user who acted by this email, so a take-over in Slack assigns the
ticket in the desk to the same person, never to someone else.
"""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.errors import ProviderError


class SlackPeople:
    def __init__(self, client: AsyncWebClient):
        self._client = client

    async def email_of(self, user_id: str) -> str | None:
        try:
            answer = await self._client.users_info(user=user_id)
        except SlackApiError as exc:
            error = exc.response.get("error")
            if error == "missing_scope":
                raise ProviderError(
                    "Slack", "cannot read people's emails: add the users:read.email scope to the Slack app"
                ) from None
            retryable = error in ("ratelimited", "service_unavailable", "internal_error", "fatal_error")
            raise ProviderError("Slack", f"could not look <@{user_id}> up ({error})", retryable=retryable) from None
        except (TimeoutError, OSError):
            raise ProviderError("Slack", f"could not look <@{user_id}> up", retryable=True) from None
        profile = (answer.get("user") or {}).get("profile") or {}
        email = profile.get("email")
        return email if isinstance(email, str) and email else None
