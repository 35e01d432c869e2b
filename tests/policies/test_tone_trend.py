from __future__ import annotations

from bot.policies.tone import Flag, Tone
from bot.policies.tone_trend import Said, ticket_tone, tone_turn

N, F, A = Said(Tone.NEUTRAL), Said(Tone.FRUSTRATED), Said(Tone.ABUSIVE)


def test_the_first_abusive_message_of_a_ticket_warns_and_alerts():
    turn = tone_turn([N, F], A)
    assert turn.warn and turn.alert
    assert turn.trend.trajectory == (Tone.NEUTRAL, Tone.FRUSTRATED, Tone.ABUSIVE)
    assert turn.trend.worsening


def test_later_abusive_messages_are_counted_without_a_new_warning():
    turn = tone_turn([N, A, F], A)
    assert not turn.warn and not turn.alert
    assert turn.trend.abusive == 2 and turn.trend.messages == 4


def test_frustration_alone_never_warns():
    for earlier in ([], [N], [F, F], [N, F, F]):
        turn = tone_turn(earlier, F)
        assert not turn.warn and not turn.alert


def test_a_customer_going_from_calm_to_frustrated_is_shown_as_worsening_without_a_warning():
    turn = tone_turn([N, N], F)
    assert turn.trend.trajectory == (Tone.NEUTRAL, Tone.FRUSTRATED)
    assert turn.trend.worsening and not turn.warn


def test_a_customer_who_calms_down_is_not_worsening():
    assert not ticket_tone([F, A, F]).worsening
    assert not ticket_tone([F, N]).worsening
    assert not ticket_tone([N, F, N, F, N]).worsening
    assert not ticket_tone([N]).worsening
    assert not ticket_tone([]).worsening and ticket_tone([]).latest is None


def test_repeats_are_merged_in_the_trajectory():
    assert ticket_tone([N, N, F, F, F, A]).trajectory == (Tone.NEUTRAL, Tone.FRUSTRATED, Tone.ABUSIVE)


def test_a_threat_of_harm_alerts_once_but_other_threats_only_show():
    threat = Said(Tone.FRUSTRATED, frozenset({Flag.THREAT}))
    turn = tone_turn([N], threat)
    assert turn.alert and not turn.warn and turn.new_flags == {Flag.THREAT}
    assert not tone_turn([N, threat], threat).alert

    chargeback = Said(Tone.FRUSTRATED, frozenset({Flag.CHARGEBACK, Flag.PUBLIC}))
    turn = tone_turn([N], chargeback)
    assert not turn.alert and turn.new_flags == {Flag.CHARGEBACK, Flag.PUBLIC}
    assert tone_turn([chargeback], chargeback).new_flags == frozenset()
    assert turn.trend.flags == {Flag.CHARGEBACK, Flag.PUBLIC}
