"""Help desks we talk to directly: each desk's webhook signature and payloads, turned into our ticket events."""

# How each desk is named to people, by the `source` a ticket keeps.
DESK_NAMES = {"helpscout": "Help Scout", "freescout": "FreeScout", "zendesk": "Zendesk", "freshdesk": "Freshdesk"}


def desk_name(source: str) -> str:
    return DESK_NAMES.get(source, source)
