"""The Home view drawn from values: what owners see about the bot's own health."""

from __future__ import annotations

import json
from dataclasses import replace

from bot.cards.home import home_view
from bot.cards.home_values import Health
from tests.cards.hostile import hostile_home


def test_owners_are_told_of_events_set_aside_and_where_to_look() -> None:
    snapshot = replace(hostile_home("x"), health=Health(0, None, None, quarantined=2))
    shown = json.dumps(home_view(snapshot))
    assert "2 webhook event(s) set aside as unusable" in shown and "supportbot doctor" in shown
    assert "set aside" not in json.dumps(home_view(replace(snapshot, health=Health(0, None, None))))


def test_each_dispute_says_where_the_answer_stands() -> None:
    snapshot = hostile_home("x")
    [line] = snapshot.disputes
    shown = json.dumps(home_view(replace(snapshot, disputes=(replace(line, evidence_state="staged"),))))
    assert "evidence staged, not yet submitted to the bank" in shown
    assert "evidence none yet" in json.dumps(home_view(snapshot), ensure_ascii=False)
