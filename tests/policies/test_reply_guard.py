"""The reply guard: a staff draft that is abusive, threatening, sarcastic or dismissive is held for a second look."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest

from bot.policies.reply_guard import DraftCheck, DraftConcern, check_draft

ABUSIVE, SARCASTIC = DraftConcern.ABUSIVE, DraftConcern.SARCASTIC
DISMISSIVE, THREATENING = DraftConcern.DISMISSIVE, DraftConcern.THREATENING

COURTEOUS = [
    # Everyday support.
    "Hi Sam, thanks for your patience. I've reset your licence key; you can download the installer from your "
    "account page. Let me know if anything else comes up!",
    "Hi Priya, I've issued a full refund of $49.00 to your card. It usually takes 5-10 business days to show up.",
    "Sorry about the broken download link! Here's a fresh one, valid for 48 hours: https://example.com/dl/abc123",
    "Our records show the licence was activated on two machines. I've deactivated both so you can start fresh.",
    "I've escalated this to our developers and will update you by Friday.",
    "I've told the team about it and they're working on a fix. Thanks for reporting it!",
    "Happy to help! Let me know if you need anything else.",
    "With your permission, I'll cancel the duplicate order and refund the second charge.",
    # Apologies, including agents who are hard on themselves.
    "I'm really sorry for the trouble. That was our mistake, and I've added a free month to your account.",
    "My mistake, I'm an idiot, I sent you the wrong key. Here's the right one!",
    "You're not an idiot at all, this trips up lots of customers. The button is under the account menu.",
    "I understand you're upset, and you have every right to be. Let's get this fixed today.",
    # Firm but polite refusals.
    "We can't refund after 30 days, as our policy says, but I'd be happy to give you 20% off the upgrade.",
    "I'm afraid we can't refund a course you've completed, as our terms explain. I can extend your access instead.",
    "Unfortunately we're not able to transfer licences between accounts. I know that's frustrating, and I'm sorry.",
    "We don't share customer data with third parties, so I can't tell you who bought the other licence.",
    "Sorry, we can't accept PayPal for this product yet. Card payments are the only option for now.",
    # Phrases that look like the rules but are not aimed at the customer.
    "As mentioned in our docs, the key is in your account under Orders.",
    "As I mentioned in my previous email, the refund takes 5-10 business days to appear.",
    "Good question! As noted in the changelog, version 3 dropped Windows 7 support.",
    "Congratulations on your purchase! Your download link is below.",
    "Congratulations on finishing the course! Your certificate is attached.",
    "Well done, you found it! Enjoy the course.",
    "Good luck with your project! Let us know how it goes.",
    "Thanks for your patience while we looked into this.",
    "No offence taken! Thanks for the feedback, I've passed it to the team.",
    "Seriously, thank you for reporting this bug.",
    "Whatever browser you use should work, but Chrome and Firefox are the ones we test.",
    "Some people find the desktop app easier to use, so that might be worth a try.",
    "Sure, because your licence is tied to your old email, I'll need to move it first. Could you confirm the new one?",
    "Please read the installation guide at the link below, it walks through each step.",
    "The FAQ has a section on this: https://example.com/faq#licence. In short, each key works on two devices.",
    "Clearly the download failed partway; let's try the direct link instead.",
    "Obviously you're welcome to keep the files you've already downloaded.",
    "Once things calm down after the launch we'll add the Linux build. Thanks for asking!",
    "If you had checked out as a guest, the licence would be under the email you used.",
    "Learn to read sheet music with our new course, 20% off this week.",
    'Please check your "spam" folder, the email sometimes lands there.',
    'Click "Download" on the order page and choose the macOS version.',
    # "I'll find you ..." offers something; the customer-side rules read it as a threat.
    "I'll find you another download link right away.",
    "I'll find you a discount code for the upgrade.",
]


@pytest.mark.parametrize("text", COURTEOUS)
def test_courteous_replies_pass_untouched(text: str) -> None:
    check = check_draft(text)
    assert check == DraftCheck(hold=False, concerns=(), reasons=())
    assert check.warning() == ""


@pytest.mark.parametrize(
    ("text", "concern"),
    [
        # Sarcasm.
        ("Well, thanks for nothing.", SARCASTIC),
        ("Congratulations, you've just deleted your own licence.", SARCASTIC),
        ("Well done, genius. The key was in the email all along.", SARCASTIC),
        ("Sure, because we have nothing better to do than reset your password every day.", SARCASTIC),
        ("Oh sure, because that always works.", SARCASTIC),
        ("Nice try, but the coupon expired last year.", SARCASTIC),
        ("You want a refund after two years? Good luck with that.", SARCASTIC),
        ("Did you even read my last reply?", SARCASTIC),
        ("Try reading the FAQ before writing in.", SARCASTIC),
        ('I have looked into your "urgent" issue.', SARCASTIC),
        ("Refund issued. 🙄", SARCASTIC),
        ("Refund issued :rolling_eyes:", SARCASTIC),
        ("Seriously? It's on the first page.", SARCASTIC),
        # Dismissiveness.
        ("As I already said, the refund was issued on Monday.", DISMISSIVE),
        ("As mentioned several times, we don't do refunds after 30 days.", DISMISSIVE),
        ("As mentioned before, the key is in your account.", DISMISSIVE),
        ("Per my last email, the licence is valid for one device.", DISMISSIVE),
        ("I'm not going to repeat myself.", DISMISSIVE),
        ("For the third time, the licence is tied to your email.", DISMISSIVE),
        ("Clearly you didn't read the email we sent.", DISMISSIVE),
        ("Obviously you didn't check your spam folder.", DISMISSIVE),
        ("Read the manual next time.", DISMISSIVE),
        ("That's not my problem, talk to your bank.", DISMISSIVE),
        ("Whatever. The refund is done.", DISMISSIVE),
        ("With all due respect, you're wrong about the pricing.", DISMISSIVE),
        ("No offense, but this is basic stuff.", DISMISSIVE),
        ("If you had bothered to check your spam folder, you'd have found the key.", DISMISSIVE),
        ("Learn to read, the price was on the page.", DISMISSIVE),
        ("Maybe learn how to read the instructions first.", DISMISSIVE),
        ("It's not rocket science: click Download.", DISMISSIVE),
        ("Some people just don't read instructions.", DISMISSIVE),
        # Decided: "please calm down" is held. It escalates an upset customer, and the sender can still confirm.
        ("Please calm down, we'll sort this out.", DISMISSIVE),
        # Abuse and threats, from the tone classifier.
        ("You idiot, the key is in your inbox.", ABUSIVE),
        ("Stop lying, you never bought the course.", ABUSIVE),
        ("u r such a m0r0n", ABUSIVE),
        ("You'll regret this.", THREATENING),
        ("I know where you live.", THREATENING),
    ],
)
def test_unkind_drafts_are_held(text: str, concern: DraftConcern) -> None:
    check = check_draft(text)
    assert check.hold
    assert concern in check.concerns
    assert check.reasons


@pytest.mark.parametrize(
    ("text", "reasons"),
    [
        ("Well, thanks for nothing.", ('sarcasm: "thanks for nothing"',)),
        ("You idiot.", ('insult: "idiot"',)),
        ("Refund issued 🙄", ('eye-roll: "🙄"',)),
        ('Your "bug" is a setting.', ('scare quotes: "bug"',)),
        ("Sure, because we love waiting.", ('sarcasm: "Sure, because we love waiting"',)),
        (
            "Not my problem. As I already said, whatever.",
            ('brush-off: "Not my problem"', 'impatience: "As I already said"', 'brush-off: "whatever"'),
        ),
    ],
)
def test_reasons_quote_the_phrase(text: str, reasons: tuple[str, ...]) -> None:
    assert check_draft(text).reasons == reasons


def test_a_threat_is_threatening_and_abusive() -> None:
    check = check_draft("You'll regret this.")
    assert check.concerns == (THREATENING, ABUSIVE)
    assert check.reasons == ('threat: "You\'ll regret"',)


def test_concerns_come_most_serious_first() -> None:
    check = check_draft("As I already said, thanks for nothing, you idiot.")
    assert check.concerns == (ABUSIVE, SARCASTIC, DISMISSIVE)


@pytest.mark.parametrize(
    "text",
    [
        "> thanks for nothing, you idiots\n\nSorry to hear that, I've reissued the refund.",
        "&gt; whatever, not my problem\n\nHi, sorry about that, here's your key.",  # as Slack sends a quote
        'You wrote "thanks for nothing", and I understand why. The refund is on its way.',
        "You said \u201cread the manual next time\u201d, which was unfair of us. Sorry.",
        "Hi Sam,\n\nThe key is attached.\n\nOn Tue, 4 Mar 2025, Sam <sam@example.com> wrote:\n> whatever, idiots",
        "Run `whatever --reset` and restart the app.",
        "Here's the log line:\n```\nERROR: calm down, not my problem\n```\nI've fixed the cause.",
        "I've added <@U123ABC> to the thread, and here's the link: <https://example.com/genius|genius>",
    ],
)
def test_quoted_customer_words_and_code_do_not_count(text: str) -> None:
    assert not check_draft(text).hold


def test_warning_explains_and_advises() -> None:
    warning = check_draft("Well, thanks for nothing.").warning()
    lines = warning.splitlines()
    assert lines[0].startswith("This reply may read as sarcastic to the customer. Never be abusive back, even when")
    assert '• sarcasm: "thanks for nothing"' in lines
    assert lines[-1] == "Edit the reply, or confirm to send it as it is."


def test_warning_names_every_concern() -> None:
    warning = check_draft("As I already said, thanks for nothing, you idiot.").warning()
    assert warning.startswith("This reply may read as abusive, sarcastic and dismissive to the customer.")
    threat = check_draft("I know where you live.").warning()
    assert threat.startswith("This reply may read as threatening and abusive to the customer.")


@pytest.mark.parametrize(
    "check",
    [
        DraftCheck(hold=True, concerns=(SARCASTIC,), reasons=('sarcasm: "<b>you & your</b>"',)),
        check_draft("Hey <@U123>. Sure, because we love waiting &amp; waiting &lt;3"),  # as Slack sends it
    ],
)
def test_warning_is_mrkdwn_safe(check: DraftCheck) -> None:
    warning = check.warning()
    assert warning
    assert not set(warning) & set("<>&")


def test_shape() -> None:
    check = check_draft("Thanks for nothing.")
    assert isinstance(check, DraftCheck)
    assert isinstance(check.concerns, tuple) and isinstance(check.reasons, tuple)
    with pytest.raises(FrozenInstanceError):
        check.hold = False  # type: ignore[misc]
    assert [str(c) for c in DraftConcern] == ["abusive", "sarcastic", "dismissive", "threatening"]


@pytest.mark.parametrize("text", ["", "   ", "!!!", "\n> only a quote", "🙂", "x" * 20000, "```", '"', "—"])
def test_odd_input_does_not_crash(text: str) -> None:
    assert not check_draft(text).hold
