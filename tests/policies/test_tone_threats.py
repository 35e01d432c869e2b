"""Veiled threats the rules find on their own, whatever the language model says, and their near-miss twins.

Every sentence here was written for this test; none comes from a data set. Each kind has twins built on the
same words that are not threats, so a rule that reads the words and not the menace shows up here.
"""

from __future__ import annotations

import pytest

from bot.policies.tone import Flag, ModelScores, Tone, WindowScores, classify_tone, judge
from bot.policies.tone_rules import analyse

CALM = ModelScores("test", (WindowScores((0.9, 0.1, 0.0), {}, ""),))


def threats_in(text: str) -> list[str]:
    return [hit.phrase for hit in analyse(text).abuse if hit.kind == "threat"]


@pytest.mark.parametrize(
    "text",
    [
        # taking matters into one's own hands, the how left unsaid
        "Keep stalling and I'll take matters into my own hands.",
        "Folk like you are why people end up taking the law into their own hands.",
        "Don't push me into taking things into my own hands, because I will.",
        "Refund me or I take matters into my own hands and come down there.",
        # dealing with someone the old way, or in person
        "Next time I won't bother emailing, I'll deal with you the old-fashioned way.",
        "If the money isn't back by Friday I'm going to sort your manager out personally.",
        "I'll settle this with your owner in person, and he won't like how.",
        "We can settle this the old-school way if you prefer.",
        # the protection racket: a compliment on the premises, then a shame
        "Lovely little studio you've got on Mill Lane. Be a shame if something happened to it.",
        "Nice shiny office. Shame if it caught fire.",
        "It would be a real pity if anything happened to your staff on the way home.",
        "That's a nice van you park outside the unit. Would be a shame if it got damaged.",
        # a remark on how well the premises would burn
        "Your stockroom is stacked to the ceiling with paper. Just an observation.",
        "All that wood panelling in your shop would go up in seconds.",
        "So many cardboard boxes in that warehouse of yours. One spark, that's all it takes.",
        # wishing harm as deserved
        "Folk like your manager deserve a serious accident.",
        # the other way, left unsaid, beside a demand
        "My money comes back one way or another. Refund me now, or you won't like the other way.",
        "Pay up. We can do this the easy way or the hard way.",
        "Give me my refund today. You really won't enjoy what comes next.",
        "Someone should blow up that warehouse of yours.",
    ],
)
def test_a_veiled_threat_is_found_by_the_rules(text: str) -> None:
    assert threats_in(text), analyse(text)


@pytest.mark.parametrize(
    "text",
    [
        "I'll take matters into my own hands and fix the config myself.",
        "I took matters into my own hands by rolling back to version 2.3, that works.",
        "Customers keep taking things into their own hands with workarounds, please document it.",
        "I'd rather deal with you in person at the trade fair, is your stand open Saturday?",
        "Could I sort the invoice out with your accountant personally?",
        "I'll deal with it personally once I'm back from holiday.",
        "The courier dealt with it the old-fashioned way and knocked on the door. Nice touch.",
        "It would be a shame if something happened to it in the post, could you pack it well?",
        "Nice shop! Shame the parcel was late.",
        "It'd be a shame to lose such a loyal customer over a late parcel.",
        "Your warehouse has a lot of cardboard in it, is the packaging recyclable?",
        "Just an observation: the PDF has a lot of blank pages.",
        "Your paper catalogue is gorgeous. Just an observation, but the order form is out of date.",
        "My shop went up in value after I installed your plugin.",
        "The docs tell me to kill the process, which process do they mean?",
        "Honestly this invoice template kills it.",
        "Your new export feature is fire.",
        "You deserve a break after this release, thanks!",
        "I think I deserve an apology at least.",
        "The easy way is the one-click installer; you won't like the other way, it is all config files.",
        "Refund me please. I tried the manual setup and you would not like the other way, it took hours.",
        "I did the migration the hard way, editing every file by hand.",
        "Can I blow up the photos in the guide to full screen?",
        "You won't like what comes next in your changelog: the dark theme is gone.",
    ],
)
def test_its_twin_is_not(text: str) -> None:
    assert not threats_in(text), analyse(text)


@pytest.mark.parametrize(
    "text",
    [
        "Take matters into your own hands, you say? I will.",
        "I'll deal with you the old-fashioned way.",
        "Nice little place. Be a shame if something happened to it.",
        "That storeroom of yours is full of cardboard. No reason, just saying.",
    ],
)
def test_a_veiled_threat_pages_even_when_the_model_reads_calm(text: str) -> None:
    verdict = judge(analyse(text), CALM)
    assert (verdict.tone, Flag.THREAT in verdict.flags) == (Tone.ABUSIVE, True), verdict
    assert any(reason.startswith("threat of harm") for reason in verdict.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "I won't take matters into my own hands, I'll wait for your reply.",
        "I'm not going to deal with you the old-fashioned way, I'm going to your bank.",
    ],
)
def test_a_threat_taken_off_the_table_is_not_counted(text: str) -> None:
    assert not threats_in(text)
    verdict = classify_tone(text)
    assert Flag.THREAT not in verdict.flags
    assert any(reason.startswith("not counted") for reason in verdict.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "I hope your shop goes under before the summer.",
        "Honestly can't wait till your little business folds.",
        "I really hope you lot go bust, you deserve it.",
        "Praying the company shuts down so nobody else gets ripped off.",
        "I wish your store loses everything.",
    ],
)
def test_wishing_the_business_ruin_is_abusive_without_the_threat_flag(text: str) -> None:
    # The guide's line: wishing physical harm is a threat; wishing the business fails is abuse, nobody is in danger.
    verdict = judge(analyse(text), CALM)
    assert verdict.tone is Tone.ABUSIVE, verdict
    assert Flag.THREAT not in verdict.flags
    assert any(reason.startswith("wishes the business ruin") for reason in verdict.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "I hope you don't go bust, I love your templates.",
        "I was worried you had gone under when nobody answered.",
        "I hope your business goes from strength to strength.",
        "Hope the next update doesn't fail like the last one.",
        "If you go bust, will my licence still work?",
    ],
)
def test_a_worry_about_the_business_is_not_a_wish_of_ruin(text: str) -> None:
    assert not [hit for hit in analyse(text).abuse if hit.kind == "ruin"]
