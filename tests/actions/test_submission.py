"""A confirmed modal, typed: the state the bot seals comes back as it went, and a view_submission's inputs are
read by block id, whatever kind of input each is."""

from __future__ import annotations

import json

import pytest

from bot.actions.modal_state import ModalContext, ModalState, TamperedStateError
from bot.handlers.confirmations import submission_of
from bot.outbox.queue import Subject

FULL = ModalContext(
    label="ticket #12",
    card=(Subject.TICKET, 12),
    response_url="https://hooks.slack.com/actions/T/1/x",
    customer_id=3,
    payment_id=4,
    ticket_id=12,
    dispute_id=5,
    email="ann@example.com",
    refunded={4: 0, 9: 250},
    licences=("KEY-1",),
    close=True,
    draft_id="V0DRAFT",
    concerns=("abusive",),
)


@pytest.mark.parametrize("context", [FULL, ModalContext(), ModalContext(label="x", refunded={1: 0})])
def test_the_sealed_state_comes_back_as_it_was_made(context: ModalContext):
    state = ModalState("secret")
    view = {"private_metadata": json.dumps(context.as_metadata())}
    assert state.open(state.seal(view, "U1"), "U1") == context


def test_fields_left_empty_are_left_out_of_the_state():
    assert ModalContext(label="x", ticket_id=None, refunded={}).as_metadata() == {"label": "x"}


@pytest.mark.parametrize(
    "state",
    [{"card": ["nonsense", 1]}, {"refunded": {"one": 0}}, {"ticket_id": "12"}, {"customer_id": True}, {"card": [1]}],
)
def test_a_state_of_another_shape_is_refused(state: dict[str, object]):
    with pytest.raises(TamperedStateError):
        ModalContext.from_metadata(state)


def _input(**element: object) -> dict[str, object]:
    return {"value": element}


def test_each_kind_of_input_is_read_by_its_block_id():
    view = {
        "id": "V123",
        "state": {
            "values": {
                "body": _input(type="plain_text_input", value="Hello"),
                "empty": _input(type="plain_text_input", value=None),
                "payment": _input(type="radio_buttons", selected_option={"value": "4"}),
                "unchosen": _input(type="radio_buttons", selected_option=None),
                "close": _input(type="checkboxes", selected_options=[{"value": "yes"}]),
                "refunds": _input(type="checkboxes", selected_options=[]),
            }
        },
    }
    submission = submission_of(view, FULL)
    assert submission.context == FULL
    assert submission.view_id == "V123"
    assert (submission.text("body"), submission.text("empty"), submission.text("payment")) == ("Hello", None, "4")
    assert submission.text("unchosen") is None and submission.text("absent") is None
    assert submission.is_ticked("close") and submission.choices("close") == ("yes",)
    assert submission.choices("refunds") == () and submission.choices("absent") is None
    assert not submission.is_ticked("refunds")
