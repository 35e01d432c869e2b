"""The night after the demo's day: the team sleeps; a customer in California writes again and again, and a
dispute opens at 3 a.m."""

from __future__ import annotations

from collections.abc import Iterator

from bot.demo.script import Delivery, Scene, at, ticket
from bot.fakes import paypal as paypal_events

DANA = {
    "subject": "Licence key says 'invalid'",
    "email": "dana@example.com",
    "name": "Dana Brooks",
    "timezone": "America/Los_Angeles",  # nine hours behind the team: her afternoon is their night
}


def the_night(helpdesk_url: str) -> Iterator[Scene]:
    dana = DANA | {"callback_url": helpdesk_url}
    yield Scene(
        at("22:40"),
        "Night in Berlin, afternoon in California: Dana writes (routine: it waits for the morning)",
        (
            ticket(
                "ticket.created", "T-1090", "d1", "My licence key says 'invalid' on activation. Order 88412.", **dana
            ),
        ),
    )
    yield Scene(
        at("23:35"),
        "Dana writes again",
        (ticket("ticket.message", "T-1090", "d2", "Hello? I still can't activate. Is anyone there?", **dana),),
    )
    yield Scene(
        at("00:50", day=1),
        "Her third message without a reply: urgent, so the person on call is paged",
        (
            ticket(
                "ticket.message",
                "T-1090",
                "d3",
                "I have a client demo in two hours and the software is locked. Please, I need this fixed.",
                **dana,
            ),
        ),
    )
    yield Scene(at("01:06", day=1), "Sam sleeps through it: after 15 minutes the owner is paged")
    yield Scene(
        at("01:12", day=1),
        "Olivia acknowledges; the escalation stops",
        team_does="acknowledge:U0OLIVIA:dana@example.com is waiting",
    )
    yield Scene(at("02:41", day=1), "Dana has waited over four hours: past her first-response target")
    yield Scene(
        at("03:02", day=1),
        "A PayPal dispute opens at 3 a.m.: a buyer says a download never arrived",
        (
            (
                Delivery(
                    "paypal",
                    paypal_events.dispute_event(
                        "CREATED",
                        "PP-D-90210",
                        event_id="WH-DEMO-90210-1",
                        value="129.00",
                        currency="USD",
                        transaction_id="9KX20412MV371502A",
                        buyer_name="Marc Dubois",
                        buyer_email="marc@example.fr",
                        custom="E-book bundle",
                        at=at("03:02", day=1),
                    ),
                ),
            ),
        ),
    )
    yield Scene(
        at("03:09", day=1), "Sam, on call, acknowledges the dispute", team_does="acknowledge:U0SAM:Dispute opened"
    )
    yield Scene(at("09:00", day=1), "Good morning: the team comes on duty and the digest tells the night")
    yield Scene(
        at("09:20", day=1),
        "Sam answers Dana through the help desk: her alert is resolved where it is",
        (
            ticket(
                "ticket.message",
                "T-1090",
                "d4",
                "Sorry for the wait, Dana: your key was issued for the wrong version. Here is a new one.",
                sender="agent",
                author="Sam",
                **dana,
            ),
        ),
    )
