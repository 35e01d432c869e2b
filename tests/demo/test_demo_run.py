"""The offline demo runs the whole day, the owner's part-ways included, and ends with an intact audit trail."""

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
    assert "chain: 14 records, intact" in shown
    # Victor's ticket turns abusive: hidden, warned, on-call told; Sam's sharp draft is held, his calm one sent.
    assert "This customer's messages have turned abusive" in shown and "Tone so far: frustrated → abusive" in shown
    assert "#oncall new message" in shown and "Abusive message from victor@example.net" in shown
    assert "Your programmer is a liar" not in shown.split("18:45")[1].split("18:52")[0]
    assert "This reply may read as sarcastic" in shown and "Olivia, our owner, is looking at your licence" in shown
