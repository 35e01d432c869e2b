"""The offline demo runs the whole day and the night after it, the owner's part-ways and the on-call night
included, and ends with an intact audit trail."""

from __future__ import annotations

from bot.demo.run import run_demo


async def test_the_demo_day_ends_with_the_owner_parting_ways_on_record(tmp_path, capsys):
    assert await run_demo(database_url=f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}", burst=4) == 0
    shown = capsys.readouterr().out

    assert "Slack 429 answers provoked: 0" in shown
    assert "👋 *Parted ways* (@U0OLIVIA): every step done" in shown
    assert "Stripe: refund re_" in shown and "199.00 USD on pi_demo_00500 (succeeded)" in shown
    assert "Keygen: licence TEAM-7F3K-9QX2-LM4P is suspended" in shown
    assert "Mailchimp: victor@example.net is unsubscribed" in shown
    assert "Help desk: ticket.closed on T-1077 by olivia" in shown
    assert "chain: 16 records, intact" in shown
    # Victor's ticket turns abusive: hidden, warned, on-call told; Sam's sharp draft is held, his calm one sent.
    assert "This customer's messages have turned abusive" in shown and "Tone so far: frustrated → abusive" in shown
    assert "#oncall new message" in shown and "Abusive message from victor@example.net" in shown
    assert "Your programmer is a liar" not in shown.split("18:45")[1].split("18:52")[0]
    assert "This reply may read as sarcastic" in shown and "Olivia, our owner, is looking at your licence" in shown

    # The night: Dana writes three times from California and Sam, on call, is paged; nobody acknowledges, so
    # the owner is paged; she acknowledges. A PayPal dispute at 3 a.m. pages Sam, who acknowledges it.
    night = shown.split("━━ 22:40")[1]
    assert "dana@example.com is waiting*: 3rd message in 2 hours, no reply yet" in night
    assert "15:50 for the customer (America/Los_Angeles)" in night
    assert "⏫ Not acknowledged within 15 min: @U0OLIVIA (owners)" in night
    assert "✅ Acknowledged by @U0OLIVIA" in night and "✅ Acknowledged by @U0SAM" in night
    assert "Dispute opened: $129.00* by marc@example.fr" in night
    # The morning digest tells the night, with who acknowledged what; then the alert resolves in place.
    morning = night.split("━━ 09:01")[1].split("━━ 09:20")[0]
    assert "GOOD MORNING: WHILE YOU WERE AWAY" in morning
    assert "customer waiting (escalated 1×): acknowledged by @U0OLIVIA" in morning
    assert "dispute opened: acknowledged by @U0SAM" in morning
    assert "*Waiting for a reply (1)*" in morning and "*Abusive messages*: 1, in ticket T-1077" in morning
    assert "☑️ Resolved" in night.split("━━ 09:20")[1] and "Sam (support) replied" in night.split("━━ 09:20")[1]
    assert "acknowledge     succeeded  alert" in shown
