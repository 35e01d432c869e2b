from __future__ import annotations

import pytest

from bot.policies.permissions import Action, Role, may, role_of

OWNERS, AGENTS = ("U0OWNER",), ("U0AGENT", "U0OWNER")


@pytest.mark.parametrize(
    ("user", "role"), [("U0OWNER", Role.OWNER), ("U0AGENT", Role.AGENT), ("U0STRANGER", Role.OUTSIDER)]
)
def test_role_of_an_owner_listed_as_agent_too_is_owner(user, role):
    assert role_of(user, OWNERS, AGENTS) is role


@pytest.mark.parametrize("action", list(Action))
def test_owners_may_do_everything(action):
    assert may("U0OWNER", action, OWNERS, AGENTS).allowed


@pytest.mark.parametrize(
    ("action", "allowed"),
    [
        (Action.TAKE_OVER, True),
        (Action.REPLY, True),
        (Action.LOOK_UP, True),
        (Action.VIEW_AUDIT, True),
        (Action.VIEW_STATUS, True),
        (Action.REFUND, False),
        (Action.REVOKE_LICENCE, False),
        (Action.UNSUBSCRIBE, False),
        (Action.PART_WAYS, False),
    ],
)
def test_agents_do_the_day_to_day_work_but_not_money_or_access(action, allowed):
    decision = may("U0AGENT", action, OWNERS, AGENTS)
    assert decision.allowed is allowed
    if not allowed:
        assert decision.reason.startswith("Sorry") and "owners" in decision.reason


@pytest.mark.parametrize("action", list(Action))
def test_anyone_else_is_refused_politely(action):
    decision = may("U0STRANGER", action, OWNERS, AGENTS)
    assert not decision.allowed
    assert decision.reason.startswith("Sorry") and "ask an owner" in decision.reason


def test_nobody_is_an_owner_by_default():
    assert not may("U0ANY", Action.REFUND, (), ()).allowed
