"""The offline demo tells one story: the day, its launch rush, the owner parting ways, the on-call night and
the morning after, the same every run, in one time zone, one name per person, on the story's own dates.

`supportbot demo` runs twice, side by side in two processes (its waits are mostly Slack's pacing, so two
runs take little longer than one), with a shorter launch than it makes by default: the same script and code.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BURST = 10
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def runs() -> tuple[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("SUPPORTBOT_")}
    command = [sys.executable, "-m", "bot", "demo", "--burst", str(BURST)]
    demos = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)  # noqa: S603
        for _ in range(2)
    ]
    outputs = [demo.communicate(timeout=300) for demo in demos]
    for demo, (_, errors) in zip(demos, outputs, strict=True):
        assert demo.returncode == 0, errors
    return outputs[0][0], outputs[1][0]


@pytest.fixture(scope="module")
def shown(runs: tuple[str, str]) -> str:
    return runs[0]


def _without_temp_path(text: str) -> str:
    return re.sub(r"supportbot-demo-[^/\s]+", "supportbot-demo-…", text)


def test_the_demo_prints_the_same_story_every_run(runs: tuple[str, str]) -> None:
    first, second = (_without_temp_path(run).splitlines() for run in runs)
    assert first == second


def test_scenes_print_in_order_each_with_only_what_it_caused(shown: str) -> None:
    headings = re.findall(r"^━━ (\w{3} \d\d \w{3}, \d\d:\d\d) (\w+) · ", shown, re.MULTILINE)
    assert headings[0] == ("Wed 25 Nov, 08:55", "CET") and headings[-1] == ("Thu 26 Nov, 09:20", "CET")
    assert [zone for _, zone in headings] == ["CET"] * len(headings)
    scenes = _scenes(shown)
    # The morning digest comes when the team comes on duty, under its own heading, once a morning.
    assert [title for title, text in scenes.items() if "GOOD MORNING" in text] == [
        "The team comes on duty: the morning digest tells what happened overnight",
        "Good morning: the team comes on duty and the digest tells the night",
    ]
    paypal_sale = scenes["A PayPal sale arrives without the buyer's email (as most do)"]
    assert "#" not in paypal_sale.split("#sales", 1)[1] and "_unknown customer_" in paypal_sale
    # The order was made by the shop's checkout app (403 for the bot); PayPal's transaction search shows the sale
    # five minutes later, and the next scheduled search finds its buyer: the same card, edited in place.
    found = scenes["PayPal's search catches up: the sale's card names its buyer"]
    assert found.count("#sales ✎ card updated in place") == 1 and "#sales new message" not in found
    assert "Jonas Berg jonas.berg@example.de" in found
    # A click's outcome shows in the scene of the click, not the next one.
    assert "🙋 @Olivia took the ticket over" in scenes["Olivia, the owner, takes the ticket over from Slack"]
    assert "✅ Acknowledged by @Olivia" in scenes["Olivia acknowledges; the escalation stops"]
    # The launch: two cards, then one rush card, updated once with the second wave.
    launch = scenes[f"Launch: {BURST} sales in a minute (faster than Slack lets a bot post)"]
    assert launch.count("#sales new message") == 3 and launch.count("#sales ✎ card updated in place") == 1
    assert "🚀 SALES RUSH · 4 SALES" in launch and "🚀 SALES RUSH · 8 SALES" in launch


def test_one_time_zone_named_and_one_name_per_person(shown: str) -> None:
    assert "Times are the team's in Berlin (Europe/Berlin)" in shown
    # Cards show Slack's dates as the team sees them; a customer's own time names the customer's zone.
    assert " UTC" not in shown
    assert "18:12 for the customer (Asia/Tokyo)" in shown
    assert "The audit trail (times in Berlin, Europe/Berlin)" in shown
    assert "  Wed 19:05  Olivia   part-ways       succeeded  ticket T-1077" in shown
    # Sam is "Sam" in Slack, in the help desk and in the audit trail; so is Olivia.
    assert "@Sam" in shown and "*Sam replied*" in shown and "Help desk: ticket.reply on T-1077 by Sam" in shown
    for other in ("U0SAM", "U0OLIVIA", "Sam (support)", "sam replied", "olivia", " sam ", "#C0"):
        assert other not in shown


def test_every_date_is_one_of_the_storys_days(shown: str) -> None:
    # Whatever day the demo runs on, it shows 25 and 26 November 2026 only (and deadlines set from them).
    dates = set(
        re.findall(r"\b\d{4}-\d\d-\d\d\b|\b[A-Z][a-z]{2} \d{1,2}, \d{4}\b|\b\d{1,2} [A-Z][a-z]{2} \d{4}\b", shown)
    )
    assert dates <= {"25 Nov 2026", "Dec 4, 2026", "Dec 5, 2026", "Dec 6, 2026"}
    weekdays = set(re.findall(r"^━━ (\w{3} \d\d \w{3}),", shown, re.MULTILINE))
    assert weekdays == {"Wed 25 Nov", "Thu 26 Nov"}
    assert set(re.findall(r"^  (\w{3}) \d\d:\d\d  ", shown, re.MULTILINE)) == {"Wed", "Thu"}


def test_the_story_agrees_with_its_cards(shown: str) -> None:
    scenes = _scenes(shown)
    carla = scenes["Carla, in Tokyo, buys an e-book; its download link says 'expired'"]
    assert "I just bought the e-book" in carla and "today at 10:12" in carla
    assert "it is evening here" in shown and "18:31 for the customer (Asia/Tokyo)" in shown
    refund = scenes["Ann asks for her money back; the refund lands in the sale's thread"]
    assert "Refunded $49.00* (the whole sale) · reason: requested by customer\n  │ Today at 13:20" in refund
    assert "PayPal · open the dispute" in shown and "Paypal" not in shown
    # The PayPal dispute names only the buyer's name; its sale, found through its capture id, gives the email.
    paypal_dispute = scenes[
        "PayPal: the buyer of the video course opens a dispute, then PayPal moves it to a chargeback"
    ]
    assert "#disputes new message" in paypal_dispute and "jonas.berg@example.de" in paypal_dispute
    assert 'wording: "staff"' not in shown


def test_the_day_ends_with_the_owner_parting_ways_on_record(shown: str) -> None:
    assert "Slack 429 answers provoked: 0" in shown
    assert "👋 *Parted ways* (@Olivia): every step done" in shown
    assert "Stripe: refund re_" in shown and "199.00 USD on pi_demo_00500 (succeeded)" in shown
    assert "Keygen: licence TEAM-7F3K-9QX2-LM4P is suspended" in shown
    assert "Mailchimp: victor@example.net is unsubscribed" in shown
    assert "Help desk: ticket.closed on T-1077 by Olivia" in shown
    assert "chain: 17 records, intact" in shown
    # Victor's ticket turns abusive: hidden, warned, on-call told; Sam's sharp draft is held, his calm one sent.
    assert "This customer's messages have turned abusive" in shown and "Tone so far: frustrated → abusive" in shown
    assert "#oncall new message" in shown and "Abusive message from victor@example.net" in shown
    assert "Your programmer is a liar" not in shown.split("18:45 CET")[1].split("18:52 CET")[0]
    assert "This reply may read as sarcastic" in shown and "Olivia, our owner, is looking at your licence" in shown


def test_the_night_pages_escalates_and_the_morning_tells_it(shown: str) -> None:
    # Dana writes three times from California and Sam, on call, is paged; nobody acknowledges, so the owner
    # is paged; she acknowledges. A PayPal dispute at 3 a.m. pages Sam, who acknowledges it.
    night = shown.split("22:40 CET")[1]
    assert "dana@example.com is waiting*: 3rd message in 2 hours, no reply yet" in night
    assert "15:50 for the customer (America/Los_Angeles)" in night
    assert "⏫ Not acknowledged within 15 min: @Olivia (owners)" in night
    assert "✅ Acknowledged by @Olivia" in night and "✅ Acknowledged by @Sam" in night
    assert "Dispute opened: $129.00* by marc@example.fr" in night
    morning = _scenes(shown)["Good morning: the team comes on duty and the digest tells the night"]
    assert "GOOD MORNING: WHILE YOU WERE AWAY" in morning
    assert "customer waiting (escalated 1×): acknowledged by @Olivia" in morning
    assert "dispute opened: acknowledged by @Sam" in morning
    assert "*Waiting for a reply (1)*" in morning and "*Abusive messages*: 1, in ticket T-1077" in morning
    waited = _scenes(shown)["Dana has waited over four hours: past her first-response target"]
    assert "waiting 4 h 1 min, over" in waited and "within the" not in waited
    answered = _scenes(shown)["Sam answers Dana through the help desk: her alert is resolved where it is"]
    assert "☑️ Resolved" in answered and "Sam replied" in answered
    assert "acknowledge     succeeded  alert" in shown


def _scenes(shown: str) -> dict[str, str]:
    parts = re.split(r"^━━ \w{3} \d\d \w{3}, \d\d:\d\d \w+ · (.+?) ━*$", shown, flags=re.MULTILINE)
    return {title.strip(): text for title, text in zip(parts[1::2], parts[2::2], strict=True)}
