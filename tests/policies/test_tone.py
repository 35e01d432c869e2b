from __future__ import annotations

import ast
import json
import subprocess
import sys
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from bot.policies.tone import MODEL_PATH, Flag, Tone, ToneVerdict, classify_tone

ROOT = Path(__file__).resolve().parents[2]
N, F, A = Tone.NEUTRAL, Tone.FRUSTRATED, Tone.ABUSIVE
CB, LEGAL, PUBLIC, THREAT = Flag.CHARGEBACK, Flag.LEGAL, Flag.PUBLIC, Flag.THREAT


def tone_of(text: str) -> Tone:
    return classify_tone(text).tone


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm not calling you idiots, but the download link has been broken for a week.", F),
        ("I'm not saying you're liars, but the page clearly promised lifetime updates.", F),
        ("You're not idiots, I know you're busy. Still, where is my key?", F),
        ("No offence, but your documentation is out of date.", F),
        ("No offence, but you are all idiots.", A),
        ("Why can't you idiots read my ticket?", A),
        ("Not only are you slow, you're also liars.", A),
    ],
)
def test_negation(text: str, expected: Tone) -> None:
    assert tone_of(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "My boss called me an idiot for buying the wrong licence. Can I swap it?",
        "My brother says I'm a moron for paying for software, haha. Is the update free?",
        "A guy on Reddit said you're scammers, but my order arrived fine. Any discount on the sequel?",
        "I was told by a friend that you're thieves, but you've been lovely. Is there an epub version?",
    ],
)
def test_reported_speech_is_not_abuse(text: str) -> None:
    assert tone_of(text) != A


@pytest.mark.parametrize(
    "text",
    [
        "I'm an idiot, found it in my spam folder. Thanks!",
        "Silly me, I'm such a moron, I bought it twice. Can you refund one?",
        "Feel like a total idiot, the key was in the receipt all along.",
        "Sorry, stupid question probably: where is the zip file?",
    ],
)
def test_self_deprecation_is_neutral(text: str) -> None:
    assert tone_of(text) == N


@pytest.mark.parametrize(
    "text",
    [
        "> you are all idiots and thieves\n\nSorry, that was my son on my account. Could you reset my password?",
        "Thanks, works now.\n\nOn Tue, 4 Mar 2025 at 09:12, Sam <sam@example.com> wrote:\n> you useless morons",
        "Hi,\n\nThanks for the fix.\n\n-----Original Message-----\nFrom: me\nSent: Monday\n\nyou idiots, fix it",
        'Some guy on your forum told me to "read the manual, idiot". Anyway, where is the manual?',
    ],
)
def test_quoted_text_does_not_count(text: str) -> None:
    verdict = classify_tone(text)
    assert verdict.tone != A
    assert not verdict.flags


@pytest.mark.parametrize(
    "text",
    [
        "you are all id1ots",
        "u r such m0r0ns",
        "F*** you",
        "f*ck off with your excuses",
        "your devs are a$$holes",
        "you absolute w@nkers",
        "i d i o t s, all of you",
        "F.U.C.K Y.O.U",
        "you are s t u p i d",
        "SCAMMERS!!! all of you",
        "idiooooots, read my email",
    ],
)
def test_obfuscated_abuse_is_caught(text: str) -> None:
    assert tone_of(text) == A


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("This damn download keeps failing at 99%. What am I supposed to do?", F),
        ("What the hell is going on with the licence server? Third outage this week.", F),
        ("The f***ing installer deleted my config file.", F),
        ("I'M STILL WAITING FOR MY REFUND!!! TWO WEEKS!!!", F),
        ("WHERE IS MY LICENCE KEY??? I PAID ON MONDAY!!!", F),
        ("You're useless idiots.", A),
        ("Your programmer is a liar.", A),
        ("Scammers. Thieves. Give me my money back.", A),
        ("Your support team are a bunch of clowns.", A),
        ("Go to hell, all of you.", A),
        ("You stole my money.", A),
    ],
)
def test_profanity_about_the_situation_is_frustration_at_people_is_abuse(text: str, expected: Tone) -> None:
    assert tone_of(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "The courier is an idiot, he left the parcel in the rain. Can you send another copy?",
        "PayPal are useless, the refund has been pending for a week. Can you check?",
        "This feels like a scam, honestly. I paid three days ago and have nothing.",
    ],
)
def test_anger_at_third_parties_or_hedged_is_not_abuse(text: str) -> None:
    assert tone_of(text) == F


@pytest.mark.parametrize(
    "text",
    [
        "Don't try to fool me with a fake coupon email, is this one real?",
        "Can you check my order for fraud? My card was used twice.",
        "Please trash my old account, I made a new one.",
        "Could you hack together a quick fix for the CSV export?",
        "The video jerks every few seconds on Safari, is that known?",
        "Can you shoot me the invoice? Thanks.",
        "This update is a killer feature, well done.",
    ],
)
def test_everyday_words_that_look_like_insults_are_not_abuse(text: str) -> None:
    assert tone_of(text) != A


@pytest.mark.parametrize(
    "text",
    [
        "Ich warte seit zwei Wochen auf meine Bestellung und niemand antwortet. Das ist ärgerlich.",
        "Vous êtes des idiots, je veux mon argent.",
        "Sois unos ladrones, devolvedme el dinero.",
        "Vocês são uns idiotas, cadê meu pedido?",
        "Siete degli idioti, rimborsatemi subito!",
        "Jullie zijn idioten, waar blijft mijn bestelling?",
        "Jesteście idiotami, gdzie moja paczka?",
        "Kurwa, znowu nie działa pobieranie.",
        "Ihr seid Idioten, wo ist meine Lieferung?",
        "Putain, le téléchargement ne marche toujours pas.",
        "Merci beaucoup, tout fonctionne maintenant.",
    ],
)
def test_other_languages_are_never_abusive(text: str) -> None:
    assert tone_of(text) != A


@pytest.mark.parametrize(
    ("text", "tone", "flags"),
    [
        ("If the refund isn't here by Friday I'll ask my bank to reverse the charge.", F, {CB}),
        ("I've opened a PayPal dispute because nobody answered me.", F, {CB}),
        ("Kindly note that I will dispute this payment with my card issuer.", F, {CB}),
        ("My solicitor will be in touch if the refund isn't processed.", F, {LEGAL}),
        ("I'll be reporting this to Trading Standards.", F, {LEGAL}),
        ("I'll leave a one-star review on Trustpilot describing all of this.", F, {PUBLIC}),
        ("You thieving crooks, I'm disputing the charge and telling everyone on Twitter.", A, {CB, PUBLIC}),
        ("You'd better watch your back after this.", A, {THREAT}),
        ("I know where your office is. Refund me or else.", A, {THREAT}),
        ("I'll leave you a great review, you've been super helpful!", N, set()),
        ("My lawyer asked for a copy of the licence agreement. Could you send it?", N, set()),
        ("Can I get an invoice with reverse charge VAT for my EU company?", N, set()),
        ("I'm not going to open a chargeback, I just want an answer.", F, set()),
        ("The docs say to kill the process first. Which process?", N, set()),
    ],
)
def test_flags_are_independent_of_tone(text: str, tone: Tone, flags: set[Flag]) -> None:
    verdict = classify_tone(text)
    assert (verdict.tone, set(verdict.flags)) == (tone, flags)


def test_verdict_shape() -> None:
    verdict = classify_tone("Your support team are a bunch of useless idiots.")
    assert isinstance(verdict, ToneVerdict)
    assert verdict.tone is Tone.ABUSIVE
    assert 0.0 <= verdict.score <= 1.0
    assert any(reason.startswith("insult aimed at staff") for reason in verdict.reasons)
    assert isinstance(verdict.flags, frozenset)
    with pytest.raises(FrozenInstanceError):
        verdict.tone = Tone.NEUTRAL  # type: ignore[misc]
    assert [str(t) for t in Tone] == ["neutral", "frustrated", "abusive"]
    assert {str(f) for f in Flag} == {"chargeback", "legal", "public", "threat"}


@pytest.mark.parametrize(
    "text",
    [
        "I'm not doing your job for you. Your programmer is a liar and your support staff are useless.",
        "Your support team are a bunch of useless idiots.",
        "Your company is run by clowns and your staff are morons.",
    ],
)
def test_whom_a_message_is_about_is_not_its_wording(text: str) -> None:
    # The model learnt that abuse names the staff; "abusive wording: \"staff\"" would read as nonsense.
    wording = [reason for reason in classify_tone(text).reasons if " wording: " in reason]
    named = {word.strip('"') for reason in wording for word in reason.split(": ", 1)[1].split(", ")}
    assert not named & {"staff", "team", "support team", "programmer", "company", "developers"}


def test_ignored_insults_are_explained() -> None:
    reasons = classify_tone("My boss called me an idiot. Can I get a second licence?").reasons
    assert any(reason.startswith("not counted") and "idiot" in reason for reason in reasons)


@pytest.mark.parametrize("text", ["", "   ", "!!!", "\n> only a quote", "🙂", "x" * 20000])
def test_odd_input_does_not_crash(text: str) -> None:
    assert classify_tone(text).tone in set(Tone)


def test_policy_modules_import_only_the_standard_library() -> None:
    for path in sorted((ROOT / "bot" / "policies").glob("tone*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                allowed = name.split(".")[0] in sys.stdlib_module_names or name.startswith("bot.policies")
                assert allowed, f"{path.name} imports {name}"


def test_shipped_model_is_small_and_rebuilds_identically(tmp_path: Path) -> None:
    assert MODEL_PATH.stat().st_size < 2_000_000
    rebuilt = tmp_path / "model.json"
    subprocess.run(  # noqa: S603 - our own interpreter running our own script
        [sys.executable, str(ROOT / "scripts" / "train_tone.py"), "--output", str(rebuilt)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert rebuilt.read_bytes() == MODEL_PATH.read_bytes()


def test_corpus_is_well_formed_and_held_out_is_disjoint() -> None:
    splits = {}
    for name in ("train", "heldout"):
        lines = (ROOT / "data" / "tone" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
        rows = [json.loads(line) for line in lines]
        for row in rows:
            assert row.keys() == {"text", "tone", "flags", "source"}
            assert row["tone"] in set(Tone)
            assert set(row["flags"]) <= {str(f) for f in Flag}
        splits[name] = {row["text"].strip().lower() for row in rows}
    assert not splits["train"] & splits["heldout"]
