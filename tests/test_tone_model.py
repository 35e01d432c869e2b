"""The tone language model (bot.tone): hard cases of every kind issue 15 lists, and the shipped file's checksum.

Every sentence here was written for this test; none is a row of the training, development or held-out sets.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.policies.tone import Flag, Tone
from bot.tone import classify_tone, head_bases, model_version
from bot.tone.model import BATCH, MAX_TOKENS, MODEL_DIR, OVERLAP, ModelIntegrityError, feeds, load, verify

N, F, A = Tone.NEUTRAL, Tone.FRUSTRATED, Tone.ABUSIVE
CB, LEGAL, PUBLIC, THREAT = Flag.CHARGEBACK, Flag.LEGAL, Flag.PUBLIC, Flag.THREAT
DATA = Path(__file__).resolve().parents[1] / "data" / "tone"
# Misses of the shipped model (tone-minilm-123e5f829ade), kept here so a model that fixes them shows up as an
# unexpected pass (strict) and this mark is removed then.
KNOWN_MISS = pytest.mark.xfail(strict=True, reason="known miss of the shipped model")


@pytest.mark.parametrize(
    "text",
    [
        # contempt for the staff's intelligence or competence, without an insult word
        "Talking to your helpdesk is like explaining a tax return to a goldfish.",
        "Is there a grown-up on shift today, or only the work-experience kids?",
        "Your agents couldn't organise a queue at a bus stop.",
        # sarcastic name-calling, compound insults, obfuscation, crude dismissal, non-native English
        "Brilliant work, Einstein. Third wrong key in a row.",
        "Sort it out, you box-ticking gutless bunch.",
        "you lot are proper 1d10ts",
        "Stick your 10% voucher where the sun doesn't shine.",
        "Your worker is very stupid man, he is not understand nothing.",
        # agreeing with a reported insult
        "My husband says you are all con artists, and frankly he's right.",
        # wishing the business fails: abusive, no threat
        "I hope your shop goes bust before Christmas.",
    ],
)
def test_contempt_and_creative_insults_are_abusive(text: str) -> None:
    verdict = classify_tone(text)
    assert verdict.tone is A, verdict
    assert verdict.reasons


@pytest.mark.parametrize(
    "text",
    [
        "I hope whoever answered my ticket gets hit by a bus on the way home.",
        "People like you deserve a nasty accident.",
        "I drive past your office every morning. Maybe I'll stop by and we settle this face to face.",
        "Keep ignoring me and see what happens when I'm standing at your front desk.",
        "I know which school your manager's kids go to. Just saying.",
    ],
)
def test_wishes_of_harm_and_veiled_threats_raise_the_threat_flag(text: str) -> None:
    verdict = classify_tone(text)
    assert (verdict.tone, THREAT in verdict.flags) == (A, True), verdict


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("I've lodged a complaint with the consumer ombudsman about this charge.", LEGAL),
        ("Next step is the small claims form, I've already filled half of it in.", LEGAL),
        ("I'm reporting this shop to the national fraud hotline tomorrow.", LEGAL),
        pytest.param(
            "Four thousand designers in my Discord will hear exactly how you treat customers.", PUBLIC, marks=KNOWN_MISS
        ),
        ("I'm writing all of this up on the Mumsnet boards tonight.", PUBLIC),
        ("I've asked my card company to claw the money back.", CB),
        ("Opened a case with PayPal's buyer protection this morning.", CB),
    ],
)
def test_flags_in_many_words(text: str, flag: Flag) -> None:
    verdict = classify_tone(text)
    assert flag in verdict.flags, verdict
    assert verdict.tone is not A


@pytest.mark.parametrize(
    ("text", "tone"),
    [
        # frustration without negative words
        ("This is the fourth time I'm writing about the same order. Four.", F),
        ("So that's three weeks now since I paid.", F),
        # calm reports and positive slang with violent words
        ("The installer hangs unless I kill the updater task first, just so you know.", N),
        ("The new theme slays, though the footer overlaps on my phone.", N),
        # reported speech without agreement
        ("My accountant called your billing team crooks, but I think it's just a bug. Can you check?", N),
        # the same joke about the business, not its people, is frustration
        ("This shop couldn't organise a refund in a month of Sundays.", F),
    ],
)
def test_what_is_not_abuse(text: str, tone: Tone) -> None:
    verdict = classify_tone(text)
    assert verdict.tone is tone, verdict


@pytest.mark.parametrize("text", ["hi", "Hello?", "Hello??", "ok", "Any news?", "Is anyone there?", "Thanks"])
def test_a_greeting_or_a_nudge_is_never_abusive(text: str) -> None:
    # The model read "hi" and "Hello?" as abusive: a few words give it nothing to go on, so alone it may not.
    assert classify_tone(text).tone is not Tone.ABUSIVE


def test_other_languages_are_never_abusive() -> None:
    assert classify_tone("Ihr seid Betrüger und Idioten, ich will mein Geld zurück.").tone is not A


def test_a_threat_buried_in_a_long_email_is_found_and_placed() -> None:
    polite = (
        "I bought the annual plan in March and the sync has mostly worked, apart from a few hiccups with "
        "calendar entries that your colleague helped me with. "
    )
    text = (
        "Hello,\n\n"
        + polite * 4
        + "But I am done asking nicely: I know where your office is and I will be waiting outside it on Monday. "
        + polite * 4
        + "\n\nRegards,\nMartin Kowalski\nOperations, Brightline Ltd\n+44 20 7946 0000"
    )
    verdict = classify_tone(text)
    assert (verdict.tone, THREAT in verdict.flags) == (A, True), verdict
    assert any("long message" in reason for reason in verdict.reasons)


def test_quoted_abuse_and_signature_are_not_judged() -> None:
    text = (
        "Thanks, the new key works.\n\nBest regards,\nAnna\n\n"
        "On Mon, 3 Nov 2026 at 10:02, Anna <anna@example.org> wrote:\n> you useless thieving idiots, I'll find you"
    )
    verdict = classify_tone(text)
    assert (verdict.tone, verdict.flags) == (N, frozenset()), verdict
    assert any("quoted text ignored" in reason for reason in verdict.reasons)


def test_every_verdict_says_why() -> None:
    for text in ["Where is my invoice?", "Still nothing. Ridiculous.", "You clowns."]:
        assert classify_tone(text).reasons


def test_shipped_model_matches_its_checksums() -> None:
    card = json.loads((MODEL_DIR / "model.json").read_text(encoding="utf-8"))
    assert set(card["sha256"]) == {"tone.onnx", "tokenizer.json"}
    for name, digest in card["sha256"].items():
        verify(MODEL_DIR / name, digest)
    assert model_version() == card["version"]
    assert card["version"].endswith(card["sha256"]["tone.onnx"][:12])
    # Earlier releases whose scores this one gives bit for bit (its graph slimmed by scripts/tone_graph.py).
    earlier = card.get("same_scores_as", [])
    assert head_bases() == (card["version"], *earlier)
    assert all(version.startswith(card["name"] + "-") and version != card["version"] for version in earlier)


def test_no_window_is_all_padding_so_every_score_is_a_number() -> None:
    # The shipped graph has no guard for a softmax over no token at all (scripts/tone_graph.py removed it as
    # dead weight): a row that was all padding would come out NaN. Every row feeds() makes has [CLS] and [SEP].
    runner = load()
    size, step = MAX_TOKENS - 2, MAX_TOKENS - 2 - OVERLAP
    for length in [0, 1, size, size + 1, size + 5 * step, size + BATCH * step]:
        ids = [1000 + i % 20000 for i in range(length)]
        for group, feed in feeds(ids, runner.cls_id, runner.sep_id):
            assert len(group) == len(feed["input_ids"]) <= BATCH
            assert (feed["input_ids"][:, 0] == runner.cls_id).all()
            assert (feed["attention_mask"].sum(axis=1) >= 2).all()
            assert all(np.isfinite(output).all() for output in runner.session.run(None, feed))


def test_a_model_file_that_does_not_match_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(MODEL_DIR, copy)
    data = bytearray((copy / "tone.onnx").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (copy / "tone.onnx").write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match=r"tone\.onnx"):
        load(copy)


def test_training_rows_are_not_held_out_or_dev_rows() -> None:
    lines = (DATA / "heldout.jsonl").read_text(encoding="utf-8").splitlines()
    heldout = {json.loads(line)["text"].strip().lower() for line in lines}
    for path in sorted((DATA / "written").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            assert (
                {"text", "tone", "flags", "source"}
                <= row.keys()
                <= {"text", "tone", "flags", "source", "hard", "second"}
            )
            assert row["tone"] in {"neutral", "frustrated", "abusive"}, path.name
            assert set(row["flags"]) <= {"chargeback", "legal", "public", "threat"}, path.name
            assert row["text"].strip().lower() not in heldout, (path.name, row["text"])
