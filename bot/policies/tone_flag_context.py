"""Flags read across the sentences of a message, after each sentence has been read alone (bot.policies.tone_flags).

Some flags are undone by what the customer says elsewhere in the same message: a bank's block the customer
has since lifted ("my bank blocked your payment ... I've unblocked it"), someone else's fraud reported to the
bank ("someone is phishing as your shop; I've told my bank"), a review changed or taken down in a later
sentence, and a chargeback asked of a bank, which the language model can read as a legal threat. Each such
mention is kept as a declined hit: it raises nothing and holds back the model's flag on the same words, with
the reason shown. Pure and standard-library only.
"""

from __future__ import annotations

import re

from bot.policies.tone_flags import AUTHORITY
from bot.policies.tone_lexicon import BANK_CANCEL, FLAGS
from bot.policies.tone_tokens import Hit, Token

# The block was the bank's and it is gone: the payment goes ahead, nobody is taking money back.
UNDONE = re.compile(
    r"\b(?:unblock\w*|unfroze|unfrozen|approved (?:it|the payment|the charge)|(?:authorised|authorized|released)"
    r" (?:it|the payment|the charge)|confirmed (?:it was|that it was) (?:me|genuine)|(?:retry|re-try|try again"
    r"|trying again|go through now|went through))\b"
)
_DISPUTED = re.compile(r"\b(?:disput\w*|charge ?backs?|claims?|cases?|revers\w*|claw\w*)\b")
# Someone else's fraud: what the customer reports to the bank is the fraudster, not our charge.
SOMEONE_ELSES_FRAUD = re.compile(
    r"\b(?:phishing|spoof\w*|impersonat\w*|pretending to be|posing as|copycat|cloned|fake (?:site|website|shop"
    r"|store|emails?|texts?|accounts?|pages?|listings?|ads?|invoices?)|scam (?:emails?|texts?|calls?|sites?|website)"
    r"|(?:someone|somebody) (?:else )?(?:used|is using|has used|stole|cloned) my card)\b"
)
BANK_REPORT = re.compile(
    r"\b(?:report\w*|told|tell|telling|inform\w*|notif\w*|alert\w*|let|warn\w*|forward\w*|contact\w*)"
    r"(?: \S+){0,6} (?:my|the|our) (?:bank|card (?:company|issuer|provider))\b"
)
# "I've changed it to five stars", "took the review down": a review taken back later in the message.
REVIEW_TAKEN_BACK = re.compile(
    r"\b(?:(?:changed|updated|edited|amended|switched|bumped|raised) (?:it|that|my review|the review|my rating"
    r"|the rating|my post|the post)(?: up)? to|(?:removed|deleted|withdrew|withdrawn|took down|taken down"
    r"|pulled) (?:it|that|my review|the review|my post|the post|my rating)|(?:took|taken|take) (?:it|that"
    r"|my review|the review|my post|the post) down)\b"
)
LEGAL_WORDS = re.compile(
    r"\b(?:legal\w*|law\w*|court\w*|avvocat\w*|anwalt\w*|avocat\w*|abogad\w*|advocaat\w*|advogad\w*|tribunal\w*"
    r"|gericht\w*|\w*rechter|rechtlich\w*|juridi\w*|denunci\w*|klage\w*|plainte\w*|rechtbank\w*|giudice|juez|polizia|polizei"
    r"|police|policía|politie|polícia)\b"
)


def settle_flags_in_context(
    sentences: list[list[Token]], flags: list[Hit], declined: list[Hit], found_in: list[int]
) -> None:
    """Move the flags the rest of the message undoes from `flags` to `declined`; `found_in[i]` is the index of
    the sentence `flags[i]` was found in."""
    texts = [" ".join(t.norm for t in sentence) for sentence in sentences]
    message = " ".join(texts)
    kept: list[tuple[Hit, int]] = []
    for hit, at in zip(flags, found_in, strict=True):
        why = _undone(hit, at, texts, message)
        if why:
            declined.append(Hit(hit.kind, hit.phrase, why))
        else:
            kept.append((hit, at))
    flags[:] = [hit for hit, _ in kept]
    found_in[:] = [at for _, at in kept]
    if SOMEONE_ELSES_FRAUD.search(message) and (report := BANK_REPORT.search(message)):
        if not any(hit.kind == "chargeback" for hit in flags):
            declined.append(Hit("chargeback", report.group(), "someone else's fraud"))
    chargeback = next((hit for hit in flags if hit.kind == "chargeback"), None)
    if chargeback and not any(hit.kind == "legal" for hit in flags) and not _legal_words(message):
        declined.append(Hit("legal", chargeback.phrase, "a bank claim is a chargeback, not a legal threat"))


def _undone(hit: Hit, at: int, texts: list[str], message: str) -> str:
    phrase = hit.phrase.lower()
    if hit.kind == "chargeback":
        if BANK_CANCEL.search(message) and UNDONE.search(message) and not _DISPUTED.search(phrase):
            return "lifted since"
        if SOMEONE_ELSES_FRAUD.search(message) and BANK_REPORT.search(phrase):
            return "someone else's fraud"
    if hit.kind == "public" and any(REVIEW_TAKEN_BACK.search(text) for text in texts[at + 1 :]):
        return "taken back"
    return ""


def _legal_words(message: str) -> bool:
    return bool(LEGAL_WORDS.search(message) or FLAGS["legal"].search(message) or AUTHORITY.search(message))
