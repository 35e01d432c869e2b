"""Veiled threats of physical harm, which name no violence: the how left unsaid ("I'll take matters into my own
hands"), dealing with someone "the old-fashioned way" or "in person", the protection racket ("nice place; be a
shame if something happened to it"), a remark on how well the premises would burn, and the other way left
unsaid ("refund me the easy way; you won't like the other way").

Pure and standard-library only. Each kind has everyday twins built on the same words ("I took matters into my
own hands and fixed the config", "shame if it got lost in the post", "is all that cardboard recyclable?"), so
each needs the grammar of menace, not just the words: the how missing, a person as the object, a compliment on
the premises before the shame, the observation left hanging. The lexicon's THREATS are the spoken threats.
"""

from __future__ import annotations

import re

from bot.policies.tone_lexicon import NEGATORS
from bot.policies.tone_phrases import joined, original, token_at
from bot.policies.tone_tokens import Hit, Token

_POSSESSIVE = r"(?:my|our|their|his|her|your|one's|ur)"
# The how, when it is said, makes the phrase a plan rather than a threat ("... and fixed it myself").
OWN_HANDS = re.compile(
    rf"\b(?:take|takes|taking|took|taken) (?:matters|things|the law|it|this|justice) into {_POSSESSIVE} own hands\b"
)
_SAID_HOW = re.compile(r"^,? (?:and|by|with|through|via|so|using|then)\b")
# ... unless the how is itself coming for someone: "and come down there", "and sort you out".
_HOW_IS_MENACE = re.compile(
    r"\b(?:you|yourselves|him|her|them|come|coming|visit|round|down there|over there|your (?:staff|owner|manager"
    r"|boss|developers?|team|office|shop|warehouse|house|family|kids|car|van))\b"
)
_PERSON = (
    r"(?:you|yourselves|him|her|them|you lot|you people|your (?:\w+ )?(?:staff|owner|manager|boss|director|ceo"
    r"|founder|developers?|dev|devs|agents?|team|people|guy|rep|programmer)|the (?:owner|manager|boss|director"
    r"|ceo|founder|developer|agent|guy|idiot|clown))"
)
_DEAL = r"(?:deal|dealing|dealt) with|sort|sorting|sorted|settle (?:things |this |it |up )?with|settle up with|handle"
_DEAL += r"|take care of|have a (?:quiet )?word with|have it out with|have words with|explain (?:it|this|things) to"
_THE_OLD_WAY = r"(?:the |in the )?(?:old[- ]fashioned|old[- ]school) way"
# "The old-fashioned way" is menace whatever the object; "personally" and "in person" only with a person.
# A threat is about what will happen: "the courier dealt with it the old-fashioned way" reports a visit.
_WILL_DEAL = r"(?:deal|dealing) with|sort|sorting|settle|settling|handle|handling|resolve|resolving|take care of"
THE_OLD_WAY = re.compile(
    rf"\b(?:{_WILL_DEAL}) (?:(?:this|it|things|matters|you"
    rf"|yourselves|him|her|them|this out|it out|things out|you out)(?: out)? )?{_THE_OLD_WAY}\b"
)
IN_PERSON = re.compile(
    rf"\b(?:{_DEAL}) {_PERSON}(?: out)? (?:personally|in person|face to face|myself|man to man|outside|one on one"
    r"|with my own hands)\b"
)
# A person's errand in person ("deal with you in person at the fair", "collect it personally") is no threat.
_ERRAND = re.compile(
    r"\b(?:rather|prefer|happy to|glad to|could i|can i|may i|is it possible|would it be|fair|expo|conference"
    r"|stand|meeting|collect|pick up|drop off|buy|invoice|appointment|holiday)\b"
)
_PREMISES = (
    r"(?:place|shop|store|office|offices|business|warehouse|studio|unit|premises|building|house|home|van|car"
    r"|depot|workshop|stockroom|storeroom|factory|garage|operation|setup|set-up|family|kids|staff|windows?)"
)
# "Nice little studio you've got": the compliment that opens a protection racket.
COMPLIMENT = re.compile(
    rf"\b(?:nice|lovely|beautiful|shiny|pretty|cosy|cozy|fancy|neat|cute|charming|big)(?: (?:little|shiny|new|old"
    rf"|big|\w+))? {_PREMISES}\b"
)
_SHAME = r"(?:shame|pity|tragedy)"
_HAPPENED = r"(?:happened|happens|were to happen|was to happen|should happen|to happen|went wrong|were to go wrong)"
_HARMED = (
    r"(?:caught fire|catches fire|went up in flames|burned|burnt|burns|burned down|burnt down|got damaged|got"
    r" smashed|got broken|got hurt|got scratched|flooded|had an accident|was damaged|were damaged|got a flat)"
)
# "Be a shame if something happened to it": a pronoun needs the compliment before it; named premises or people
# do not. "Shame if it got lost in the post" is about a parcel and has no compliment.
SHAME_IF = re.compile(
    rf"\b{_SHAME} if (?:(?:something|anything|someone|somebody)(?: \w+)? {_HAPPENED} to (?P<what>it|them|that|this"
    rf"|those|your (?:\w+ )?{_PREMISES}|that (?:\w+ )?{_PREMISES}|the (?:\w+ )?{_PREMISES})"
    rf"|(?P<thing>it|they|that|your (?:\w+ )?{_PREMISES}|that (?:\w+ )?{_PREMISES}) {_HARMED})\b"
)
_BARE_SHAME = re.compile(rf"\b(?:be|'d be|would be|it'd be|wouldn't it be) (?:a |such a |a real )?{_SHAME}$")
_IN_TRANSIT = re.compile(r"\b(?:post|transit|delivery|shipping|courier|parcel|the way to me)\b")
_FLAMMABLE = (
    r"(?:cardboard|paper|boxes|packaging|wood|wooden|timber|panelling|paneling|fabric|yarn|books|flammable"
    r"|inflammable|tinder|kindling|petrol|fuel|paint|thatch)"
)
_PREMISES_WORD = r"(?:shop|store|office|warehouse|studio|unit|premises|building|depot|workshop|stockroom|storeroom"
_PREMISES_WORD += r"|factory|garage|place)"
FLAMMABLE = re.compile(
    rf"\b(?:(?:your|ur|that|the) {_PREMISES_WORD}\b(?: \S+){{0,10}} {_FLAMMABLE}"
    rf"|{_FLAMMABLE}\b(?: \S+){{0,6}} (?:your|ur|that|the) {_PREMISES_WORD}(?: of yours)?)\b"
)
# The observation left hanging: said, then nothing, or how fast it would go.
HANGING = re.compile(
    r"(?:^|\b)(?:(?:just|only) (?:an? )?(?:observation|thought|saying|noticing|noting|mentioning|curious|idea)"
    r"|no (?:particular )?reason|make of that what you will|think about (?:it|that)|accidents happen"
    r"|one (?:match|spark|cigarette|lighter)|(?:would|could|might|'d) (?:go up|burn|catch)"
    r"|go up in (?:seconds|minutes|no time|flames|smoke)|like (?:a torch|tinder|kindling|a bonfire))\b"
)


# The other way, left unsaid: menace only beside a demand ("you won't like the other way" is also how a customer
# describes a clumsy manual install).
OTHER_WAY = re.compile(
    r"\b(?:you|you lot|you guys|you people|your (?:\w+ )?(?:staff|owner|boss|team|manager))(?: really| definitely)?"
    r" (?:won't|wont|will not|aren't going to|are not going to|wouldn't|would not) (?:like|enjoy|love|want"
    r"|appreciate) (?:the other way|the hard way|the alternative|plan b|what (?:happens|comes|i do) next)\b"
    r"|\b(?:the )?easy way or the hard way\b|\b(?:do|sort|settle|end|finish) (?:this|it|things) the hard way\b"
)
# "... you won't like the other way, it took me hours": the other way described is a method, not a menace.
_DESCRIBED = re.compile(r"^,? (?:it|it's|its|which|that's|they're|as it|too slow|too long)\b")
_DEMAND = re.compile(
    r"\b(?:refund\w*|my money|money back|pay (?:me|up|back)|compensat\w*|one way or another|or else|last chance)\b"
)


def find_veiled_threats(sentences: list[list[Token]], abuse: list[Hit], ignored: list[Hit]) -> None:
    texts = [joined(sentence) for sentence in sentences]
    complimented = False
    demanded = any(_DEMAND.search(text) for text, _ in texts)
    for index, (sentence, (text, starts)) in enumerate(zip(sentences, texts, strict=True)):
        complimented = complimented or bool(COMPLIMENT.search(text))
        following = texts[index + 1][0] if index + 1 < len(texts) else ""
        menaces = _menaces(text, complimented, following)
        if demanded:
            menaces += [match for match in OTHER_WAY.finditer(text) if not _DESCRIBED.match(text[match.end() :])]
        for match in menaces:
            at = token_at(starts, match.start())
            phrase = original(sentence, starts, match)
            if _negated(sentence, at):
                ignored.append(Hit("threat", phrase, "negated"))
            else:
                abuse.append(Hit("threat", phrase))
            break


def _menaces(text: str, complimented: bool, following: str) -> list[re.Match[str]]:
    found = []
    for match in OWN_HANDS.finditer(text):
        how = text[match.end() :]
        if not _SAID_HOW.match(how) or _HOW_IS_MENACE.search(how):
            found.append(match)
    found += list(THE_OLD_WAY.finditer(text))
    if not _ERRAND.search(text):
        found += list(IN_PERSON.finditer(text))
    for match in SHAME_IF.finditer(text):
        pronoun = (match.group("what") or match.group("thing") or "").split(" ")[0] not in ("your", "that", "the")
        if not pronoun or (complimented and not _IN_TRANSIT.search(text)):
            found.append(match)
    if complimented and (bare := _BARE_SHAME.search(text.rstrip(" 🙂😉😊😇"))):
        found.append(bare)
    for match in FLAMMABLE.finditer(text):
        rest = text[match.end() :]
        if HANGING.search(rest) or _hangs(following):
            found.append(match)
    return found


def _hangs(following: str) -> bool:
    # Only a short sentence that is all hanging counts: "Just an observation, but the order form is out of date"
    # goes on to say something.
    return bool(HANGING.match(following)) and len(following.split()) <= 6


def _negated(sentence: list[Token], at: int) -> bool:
    # "I'm not going to deal with you ..." is negated; "don't push me into taking matters ..." is a threat.
    window = [t.norm for t in sentence[max(0, at - 3) : at] if t.clause == sentence[at].clause]
    for j, word in enumerate(window):
        if (word in NEGATORS or word.endswith("n't")) and "me" not in window[j + 1 :]:
            return True
    return False
