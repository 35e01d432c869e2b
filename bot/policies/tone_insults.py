"""Insults in a sentence and whom they are aimed at: the staff or the company count as abuse; said of oneself, of
a third party, under negation or in reported speech they are kept as ignored hits with the reason.
"""

from __future__ import annotations

from bot.policies.tone_lexicon import (
    AMBIGUOUS_NOUNS,
    COMPANY,
    FILLER,
    FIRST,
    GENERIC_PERSONS,
    INSULTS,
    NEGATORS,
    NOT_NEGATING,
    NOT_OURS,
    PERSON_INSULTS,
    REPORTING,
    SAYING,
    SECOND,
    STAFF,
    THINGS,
    THIRD_MODIFIERS,
    THIRD_PARTY,
    THIRD_PRONOUNS,
)
from bot.policies.tone_tokens import Hit, Token

# --- insults ---------------------------------------------------------------------------------------------------


def sentences(tokens: list[Token]) -> list[list[Token]]:
    groups: dict[int, list[Token]] = {}
    for token in tokens:
        groups.setdefault(token.sentence, []).append(token)
    return list(groups.values())


def find_insults(sentence: list[Token], abuse: list[Hit], ignored: list[Hit]) -> None:
    for i, token in enumerate(sentence):
        if token.norm not in INSULTS:
            continue
        target = _target(sentence, i)
        if target == "company":
            # "this company is run by crooks" insults its people; "a pathetic company" criticises a business.
            target = "staff" if token.norm in PERSON_INSULTS else "thing"
        if target not in ("staff", "reader"):
            ignored.append(Hit("insult", token.orig, _IGNORED_WHY[target]))
            continue
        why = _ignored_because(sentence, i)
        if why:
            ignored.append(Hit("insult", token.orig, why))
        else:
            abuse.append(Hit("insult", token.orig))


_IGNORED_WHY = {
    "self": "said of themselves",
    "third": "aimed at someone else",
    "thing": "about a thing, not a person",
    "none": "not aimed at anyone",
}


def _target(sentence: list[Token], i: int) -> str:
    """Whom the insult at position i is about: staff, reader (nobody named), self, third, thing or none."""
    word = sentence[i].norm
    is_noun = word in PERSON_INSULTS
    if (is_noun or word in AMBIGUOUS_NOUNS) and _vocative(sentence, i):
        return "reader"
    if _predicate_follows(sentence, i):
        return "staff"
    if not is_noun:
        head = _attributive_head(sentence, i)
        return head if head is not None else _predicative_subject(sentence, i)
    for j in range(i - 1, max(-1, i - 14), -1):
        kind = _person_kind(sentence, j)
        # Name-calling is about people, so a thing in between ("sent me a broken link, idiots") is passed over.
        if kind is not None and kind != "thing":
            return kind
    return "reader"


_VOCATIVE_WORDS = frozenset("dear hey listen oh look hello hi thanks".split())


def _vocative(sentence: list[Token], i: int) -> bool:
    """A clause that is only a form of address: ", you idiots." or "Listen, morons"."""
    clause = [t.norm for t in sentence if t.clause == sentence[i].clause]
    return all(w in FILLER or w in INSULTS or w in SECOND or w in _VOCATIVE_WORDS for w in clause)


_LINKING = frozenset(
    "and have has 've this that plain simply pretty rather even also both still always sir madam mate".split()
)


def _predicative_subject(sentence: list[Token], i: int) -> str:
    """Whom "useless" describes in "you are all so useless": only linking words may stand in between.

    Anything else in the way ("can you check for fraud") means the word is not said of a person.
    """
    for j in range(i - 1, max(-1, i - 8), -1):
        kind = _person_kind(sentence, j)
        if kind is not None:
            return kind
        word = sentence[j].norm
        if not (word in FILLER or word in INSULTS or word in _LINKING or word.endswith("ly")):
            return "none"
    return "none"


def _predicate_follows(sentence: list[Token], i: int) -> bool:
    """ "what scammers you are", "idiots, that's what you are": the subject comes after the insult."""
    after = [t.norm for t in sentence[i + 1 : i + 4]]
    return after[:2] in (["you", "are"], ["you", "were"]) or after[:1] == ["you're"] or after == ["you", "all", "are"]


def _attributive_head(sentence: list[Token], i: int) -> str | None:
    """For "useless app" or "incompetent staff": the noun right after the adjective decides."""
    for j in range(i + 1, min(len(sentence), i + 3)):
        if sentence[j].clause != sentence[i].clause:
            return None
        word = sentence[j].norm
        if word in INSULTS or word in ("and", "little", "old", "bunch", "of"):
            continue
        # Only a word we know decides; "stupid to read" or "stupid question" fall back to the subject.
        return _person_kind(sentence, j)
    return None


def _person_kind(sentence: list[Token], j: int) -> str | None:
    word = sentence[j].norm
    before = _word_before(sentence, j)
    if word in SECOND:
        # "your" only says who owns the next word; that word has been seen already walking backwards.
        return None if word == "your" else "staff"
    if word in FIRST:
        return "self"
    if word in THIRD_PRONOUNS:
        return "third"
    if word in THIRD_PARTY:
        return "third"
    if word in STAFF or word in GENERIC_PERSONS:
        if before in NOT_OURS or before in THIRD_MODIFIERS:
            return "third"
        if (
            word in GENERIC_PERSONS
            and before not in SECOND
            and before not in ("the", "this", "that", "these", "those", "whole", "all")
        ):
            return None
        return "staff"
    if word in COMPANY:
        return "third" if before in NOT_OURS or before in THIRD_MODIFIERS else "company"
    if word in THINGS:
        return "thing"
    return None


def _word_before(sentence: list[Token], j: int) -> str:
    """The determiner or owner of word j, looking past adjectives: "you useless lot" -> "you"."""
    for k in range(j - 1, -1, -1):
        if sentence[k].norm not in INSULTS and sentence[k].norm not in ("little", "old", "whole"):
            return sentence[k].norm
    return ""


def _ignored_because(sentence: list[Token], i: int) -> str:
    if _negated(sentence, i):
        return "negated"
    if in_reported_speech(sentence, i):
        return "reported speech"
    return ""


def _negated(sentence: list[Token], i: int) -> bool:
    clause = sentence[i].clause
    start = max(0, i - 6)
    for j in range(i - 1, start - 1, -1):
        if sentence[j].clause != clause:
            break
        word = sentence[j].norm
        if word not in NEGATORS and not word.endswith("n't"):
            continue
        following = sentence[j + 1].norm if j + 1 < len(sentence) else ""
        if (word, following) in NOT_NEGATING or (word == "no" and following == "offence"):
            continue
        middle = [t.norm for t in sentence[j + 1 : i]]
        if all(w in FILLER or w in INSULTS for w in middle) or any(w in SAYING for w in middle):
            return True
    return False


def in_reported_speech(sentence: list[Token], i: int) -> bool:
    """Someone else's words: "my boss called me an idiot", "people on reddit say you are scammers"."""
    for j in range(i - 1, -1, -1):
        if sentence[j].norm not in REPORTING:
            continue
        if j > 0 and sentence[j - 1].norm in ("was", "were", "been", "being", "got", "get"):
            return True  # "I was told you are scammers": the words were someone else's
        for k in range(j - 1, max(-1, j - 8), -1):
            kind = _person_kind(sentence, k)
            if kind in ("self", "staff"):
                return False
            if k > 0 and sentence[k - 1].norm in ("my", "our", "his", "her", "their"):
                return True  # "my accountant thinks ...": whoever it is, it is not the customer speaking
            if kind in ("third",) or sentence[k].norm in ("people", "guy", "someone", "everyone"):
                return True
        return False
    return False
