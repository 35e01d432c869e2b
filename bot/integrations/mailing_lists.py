"""Mailing lists behind `MailingList`: one Mailchimp audience, or a Kit account."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any
from urllib.parse import quote

from bot.core.errors import ConfigError, ProviderError, UsageError
from bot.integrations.contracts import UnsubscribeOutcome
from bot.integrations.http import Answer, JsonHttp, http_status_error, short, unreadable

# The part of a Mailchimp key after its last dash names the data centre, and so the API host.
_DATA_CENTRE = re.compile(r"[a-z]+[0-9]+")
# A member in these states gets no campaigns: unsubscribing them changes nothing. Mailchimp answers a PATCH to
# "unsubscribed" the same whether or not it already was, so only reading the member first tells us which.
_NOT_SUBSCRIBED = frozenset({"unsubscribed", "cleaned", "archived", "transactional"})


class MailchimpList:
    """One Mailchimp audience ("list"), through the Marketing API 3.0 with the account's API key."""

    provider = "Mailchimp"

    def __init__(self, api_key: str, list_id: str, api_base: str | None = None, timeout: float = 10.0):
        if api_base is None:
            data_centre = api_key.rpartition("-")[2]
            if "-" not in api_key or not _DATA_CENTRE.fullmatch(data_centre):
                # Never the key itself in the message: it ends up in logs and on screens.
                raise ConfigError("the Mailchimp API key should end in its data centre, like …-us21")
            api_base = f"https://{data_centre}.api.mailchimp.com"
        self.api_base = api_base.rstrip("/")
        self.list_id = list_id
        self.name = f"Mailchimp list {list_id}"
        self._list_url = f"{self.api_base}/3.0/lists/{quote(list_id, safe='')}"
        self._list_checked = False
        # HTTP basic auth with any user name and the key as the password; built by hand because aiohttp 3.14
        # deprecates BasicAuth and older versions lack its replacement.
        credentials = base64.b64encode(f"supportbot:{api_key}".encode()).decode()
        headers = {"Accept": "application/json", "Authorization": f"Basic {credentials}"}
        self._http = JsonHttp(self.provider, timeout=timeout, headers=headers)

    async def unsubscribe(self, email: str) -> UnsubscribeOutcome:
        address = email.strip().lower()
        if not address:
            raise UsageError("Which email address should be unsubscribed?")
        # Mailchimp names a member by the MD5 of the lower-cased address; a digest, not a protection.
        member = hashlib.md5(address.encode(), usedforsecurity=False).hexdigest()
        member_url = f"{self._list_url}/members/{member}"
        answer = await self._http.send("member lookup", "GET", member_url, params={"fields": "status"})
        if answer.status == 404:
            await self._check_list()
            return UnsubscribeOutcome(self.name, already=True)
        if answer.status != 200:
            raise self._error("member lookup", answer)
        status = answer.body.get("status") if isinstance(answer.body, dict) else None
        if not isinstance(status, str):
            raise unreadable(self.provider, "member lookup")
        if status in _NOT_SUBSCRIBED:
            return UnsubscribeOutcome(self.name, already=True)
        body = json.dumps({"status": "unsubscribed"}).encode()
        headers = {"Content-Type": "application/json"}
        answer = await self._http.send("unsubscribe", "PATCH", member_url, body=body, headers=headers)
        if answer.status == 200:
            return UnsubscribeOutcome(self.name)
        if answer.status == 404:  # deleted between the two requests
            return UnsubscribeOutcome(self.name, already=True)
        raise self._error("unsubscribe", answer)

    async def close(self) -> None:
        await self._http.close()

    async def _check_list(self) -> None:
        # Mailchimp answers 404 alike for "no such member" and "no such list"; without this check a wrong list
        # id would report every address as already unsubscribed.
        if self._list_checked:
            return
        answer = await self._http.send("list lookup", "GET", self._list_url, params={"fields": "id"})
        if answer.status == 404:
            message = f"list {short(self.list_id, 40)} not found (check the list id)"
            raise ProviderError(self.provider, message, status=404)
        if answer.status != 200:
            raise self._error("list lookup", answer)
        self._list_checked = True

    def _error(self, action: str, answer: Answer) -> ProviderError:
        return http_status_error(
            self.provider, action, answer, _problem_detail(answer.body), rejected="check the Mailchimp API key"
        )


class KitList:
    """A Kit (formerly ConvertKit) account's subscribers, through the v4 API with an API key."""

    name = "Kit"

    def __init__(self, api_key: str, api_base: str = "https://api.kit.com", timeout: float = 10.0):
        self._base = api_base.rstrip("/")
        headers = {"Accept": "application/json", "X-Kit-Api-Key": api_key}
        self._http = JsonHttp(self.name, timeout=timeout, headers=headers)

    async def unsubscribe(self, email: str) -> UnsubscribeOutcome:
        address = email.strip()
        if not address:
            raise UsageError("Which email address should be unsubscribed?")
        # Ask for active subscribers only, as Kit does by default: a cancelled, bounced or unconfirmed
        # subscriber receives nothing, so not finding one means there is nothing to do.
        params = {"email_address": address, "status": "active"}
        answer = await self._http.send("subscriber lookup", "GET", f"{self._base}/v4/subscribers", params=params)
        if answer.status != 200:
            raise self._error("subscriber lookup", answer)
        found = answer.body.get("subscribers") if isinstance(answer.body, dict) else None
        if not isinstance(found, list) or not all(isinstance(s, dict) and _is_id(s.get("id")) for s in found):
            raise unreadable(self.name, "subscriber lookup")
        if not found:
            return UnsubscribeOutcome(self.name, already=True)
        for subscriber in found:
            url = f"{self._base}/v4/subscribers/{subscriber['id']}/unsubscribe"
            headers = {"Content-Type": "application/json"}
            answer = await self._http.send("unsubscribe", "POST", url, body=b"{}", headers=headers)
            if answer.status == 404:  # deleted since the lookup: nothing left to unsubscribe
                continue
            if not 200 <= answer.status < 300:
                raise self._error("unsubscribe", answer)
        return UnsubscribeOutcome(self.name)

    async def close(self) -> None:
        await self._http.close()

    def _error(self, action: str, answer: Answer) -> ProviderError:
        return http_status_error(self.name, action, answer, _kit_detail(answer.body), rejected="check the Kit API key")


def _is_id(value: Any) -> bool:
    # Kit's ids are integers; anything else would change the URL path we build from it.
    return isinstance(value, int) and not isinstance(value, bool)


def _problem_detail(body: Any) -> str | None:
    """Mailchimp's own words from its problem+json error body."""
    if not isinstance(body, dict):
        return None
    text = ": ".join(str(body[part]) for part in ("title", "detail") if body.get(part))
    return short(text) or None


def _kit_detail(body: Any) -> str | None:
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list) or not errors:
        return None
    return short("; ".join(str(error) for error in errors))
