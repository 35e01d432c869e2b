"""Reply guard: a staff member's draft reply to a customer, checked before the bot sends it.

"Never be abusive back." A draft that reads as abusive, threatening, sarcastic or dismissive towards the
customer is held: the sender sees `DraftCheck.warning()` and the reply goes out only if they confirm.

Abuse and threats come from the customer-side tone classifier (`classify_tone`); its rules are about whoever
the text addresses, which in a staff draft is the customer. On top, a small rule set for what only staff tend
to write: sarcasm (mock praise, "thanks for nothing", scare quotes, eye-rolls) and dismissiveness ("as I
already said", "not my problem", "calm down", "read the manual next time").

Wording the customer wrote and the agent quotes back does not count: '>' lines, an email quoted under a reply
header, text in quotation marks, code, and Slack links and mentions. The rules lean towards letting a
courteous reply through untouched. Notably:

* "As I mentioned in my last email", "as mentioned in our docs", "as previously mentioned": pass. Only marked
  repetition holds: "as I already said", "as mentioned before", "as I've told you several times".
* "Please read the FAQ" passes; "read the FAQ next time", "just read the manual", a bare "Read the manual."
  are held.
* "Congratulations on your purchase!", "Good luck with your project!": pass. Praise aimed at a blunder
  ("Congrats, you've just deleted your licence") and "good luck with that" are held.
* "Please calm down" is held. Telling an upset customer to calm down reliably makes things worse, and a hold
  is only a second look: the sender may confirm. "Until things calm down on our side" passes.
* "I'll find you another link" passes: an offer, not the threat "I'll find you" the customer-side rules see.

Pure and standard-library only.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from enum import StrEnum

from bot.policies.tone import Flag, Tone, classify_tone
from bot.policies.tone_rules import analyse
from bot.policies.tone_tokens import normalise_word, strip_quoted


class DraftConcern(StrEnum):
    ABUSIVE = "abusive"
    SARCASTIC = "sarcastic"
    DISMISSIVE = "dismissive"
    THREATENING = "threatening"


# Most serious first: the order of `DraftCheck.concerns` and of the warning's headline.
_SEVERITY = (DraftConcern.THREATENING, DraftConcern.ABUSIVE, DraftConcern.SARCASTIC, DraftConcern.DISMISSIVE)
_ADVICE = "keep to the facts, stay kind, and say what you can do for them."
# Slack mrkdwn treats < > & as control characters; quoted phrases get look-alikes instead.
_MRKDWN_SAFE = str.maketrans({"<": "‹", ">": "›", "&": "＆"})
_PHRASE_MAX = 60


@dataclass(frozen=True)
class DraftCheck:
    hold: bool  # True: show the warning and send only if the sender confirms
    concerns: tuple[DraftConcern, ...]
    reasons: tuple[str, ...]

    def warning(self) -> str:
        """What the sender sees when the draft is held (mrkdwn-safe); empty when it is not."""
        if not self.hold:
            return ""
        adjectives = [str(concern) for concern in self.concerns] or ["unkind"]
        listed = adjectives[0] if len(adjectives) == 1 else ", ".join(adjectives[:-1]) + " and " + adjectives[-1]
        lines = [
            f"This reply may read as {listed} to the customer. Never be abusive back, even when they are: {_ADVICE}"
        ]
        lines += [f"• {reason.translate(_MRKDWN_SAFE)}" for reason in self.reasons]
        lines.append("Edit the reply, or confirm to send it as it is.")
        return "\n".join(lines)


def check_draft(text: str) -> DraftCheck:
    """Whether a staff draft should be held for a second look, and why."""
    own = _own_words(text)
    found: list[tuple[DraftConcern, str]] = []
    found += _abuse(own)
    found += _scare_quotes(own)
    masked = _blank(_QUOTED, own)
    found += _eye_rolls(masked)
    found += _rule_hits(own, masked)
    concerns = tuple(concern for concern in _SEVERITY if any(c is concern for c, _ in found))
    reasons = tuple(dict.fromkeys(reason for _, reason in found if reason))
    return DraftCheck(hold=bool(concerns), concerns=concerns, reasons=reasons)


# --- the agent's own words -------------------------------------------------------------------------------------

_SLACK_TOKEN = re.compile(r"<(?:https?://|mailto:|[@#!])[^<>\n]*>")
_CODE = re.compile(r"```.*?```|`[^`\n]+`", re.DOTALL)
# Same convention as tone_tokens: double quotes, curly quotes, and single quotes that are not apostrophes.
_QUOTED = re.compile(r"\"[^\"\n]{1,200}\"|“[^”\n]{1,200}”|(?<![\w'])['‘][^'‘’\n]{1,80}['’](?![\w'])")


def _own_words(text: str) -> str:
    """The draft without Slack links and mentions, code, and quoted lines or emails (same length elsewhere)."""
    text = _blank(_SLACK_TOKEN, text)  # before unescaping: Slack's own <...> are raw, a typed "<" is "&lt;"
    text = text.replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&")
    own, _ = strip_quoted(_blank(_CODE, text))
    return own


def _blank(pattern: re.Pattern[str], text: str) -> str:
    return pattern.sub(lambda match: " " * len(match.group()), text)


# --- abuse and threats: the tone classifier --------------------------------------------------------------------

# "I'll find you a new key" is an offer; the customer-side threat rules read "I'll find you" as a threat.
_OFFER = re.compile(
    r"\b(find)\s+you\s+(?=(?:a|an|the|some|any|another|one|something|anything|other|more|new|fresh|working"
    r"|replacement|better|cheaper|both|two|three|your|that|this|these|those|what|\d)\b)",
    re.IGNORECASE,
)
_ABUSE_LABELS = {
    "insult": "insult",
    "profanity": "profanity",
    "threat": "threat",
    "scam": "scam accusation",
    "ruin": "wish of ruin",
    "theft": "theft accusation",
    "lying": "accusation of lying",
}


def _abuse(own: str) -> list[tuple[DraftConcern, str]]:
    text = _OFFER.sub(r"\1 ", own)
    verdict = classify_tone(text)
    found: list[tuple[DraftConcern, str]] = []
    if Flag.THREAT in verdict.flags:
        found.append((DraftConcern.THREATENING, ""))
    if verdict.tone is Tone.ABUSIVE:
        found.append((DraftConcern.ABUSIVE, ""))
    if found:
        hits = analyse(text).abuse
        found += [(DraftConcern.ABUSIVE, _reason(_ABUSE_LABELS.get(hit.kind, hit.kind), hit.phrase)) for hit in hits]
        if not hits:  # the model alone was sure: show the words it went by
            cues = [reason for reason in verdict.reasons if reason.startswith(f"{Tone.ABUSIVE} wording")]
            found.append((DraftConcern.ABUSIVE, cues[0] if cues else "abusive wording"))
    return found


def _reason(label: str, phrase: str) -> str:
    phrase = " ".join(phrase.split())
    if len(phrase) > _PHRASE_MAX:
        phrase = phrase[: _PHRASE_MAX - 1].rstrip() + "…"
    return f'{label}: "{phrase}"'


# --- sarcasm that the words alone cannot show -------------------------------------------------------------------

# your "urgent" issue, you "tried everything": lowercase, one or two words, not a folder or button name.
_SCARE = re.compile(
    r"\b(?i:your|you|you've|you're)\s+(?:so-called\s+)?[\"“'‘](?P<words>[a-z][a-z-]*(?: [a-z][a-z-]*)?)[\"”'’]"
    r"(?!\s*(?i:folder|page|tab|button|menu|settings?|section|link|field|option|screen|panel|area|directory"
    r"|file|inbox|list|box|label|setting)\b)"
)
_EYE_ROLL = re.compile(r"🙄|😒|:(?:face_with_rolling_eyes|rolling_eyes|unamused):")


def _scare_quotes(own: str) -> list[tuple[DraftConcern, str]]:
    return [(DraftConcern.SARCASTIC, _reason("scare quotes", m.group("words"))) for m in _SCARE.finditer(own)]


def _eye_rolls(masked: str) -> list[tuple[DraftConcern, str]]:
    return [(DraftConcern.SARCASTIC, _reason("eye-roll", m.group())) for m in _EYE_ROLL.finditer(masked)]


# --- phrase rules, on normalised words ---------------------------------------------------------------------------
# The draft becomes lower-case words (undoing "u", "ur", "dont" ...) with punctuation as separate tokens:
# "Sure, because we love waiting." -> "sure , because we love waiting ." The patterns below read that text.

_B = r"(?:^|(?<=[.,;:!?] ))"  # the start of a clause
_S = r"(?:^|(?<=[.!?] ))"  # the start of a sentence
_E = r"(?= [.,;:!?]|$)"  # the end of a clause

_SAID = r"(?:said|told you|mentioned|explained|stated|written|wrote|pointed out|informed you|noted)"
_AGAIN = (
    r"(?:already|before|again|repeatedly|twice|more than once|over and over"
    r"|(?:several|many|multiple|numerous|countless|<num>|two|three|four|five) times)"
)
_PRAISE = r"(?:congratulations|congrats|bravo|well done|good job|great job|nice job|nice work|nice one|way to go)"
_BLUNDER = (
    r"(?:(?:just|now|somehow|really|actually|officially) )*(?:broke|broken|deleted|lost|locked|ignored|missed"
    r"|overwrote|overwritten|wiped|bricked|forgot|forgotten|skipped|failed|misread|(?:bought|ordered) the wrong"
    r"|managed to (?:break|delete|lose|lock|ignore|miss|overwrite|wipe|brick|forget|skip|fail|buy the wrong)"
    r"|finally (?:read|found|looked|checked|bothered|noticed|opened|figured|saw|got around))\b"
)
_LEADS = (
    r"(?:ok|okay|listen|look|well|sure|yes|yeah|no|right|oh|thanks|thank you|sorry|nice try|well done|good job"
    r"|great job|nice one|nice work|bravo|congratulations|congrats)"
)
_MANUAL = r"(?:manual|docs|documentation|faq|instructions|readme|guide|user guide|help pages?|fine manual)"
_DIDNT = (
    r"(?:(?:didn't|did not|haven't|have not|don't|do not|can't|cannot|couldn't|could not|never|won't)"
    r"(?: even)?(?: bother to)? (?:read|look|check|bother|listen|understand|follow|try|see|pay attention)"
    r"|not (?:read|looked|checked|bothered|listened|understood|followed|tried|seen|paid attention)"
    r"|missed|ignored|skipped|overlooked|misread|misunderstood|forgot)\b"
)


def _any(*alternatives: str) -> str:
    return "|".join(alternatives)


_SARCASM = _any(
    r"\bthanks (?:a lot )?for nothing\b",
    r"\bthanks for wasting\b",
    rf"{_S}(?:oh )?(?:sure|right|yeah|of course|totally)(?: ,)? because (?!of )[^.!?,;:]+(?:[.!?]|$)",
    rf"\byeah (?:, )?right{_E}",
    rf"\bnice try{_E}",
    rf"\bgood luck with (?:all )?that(?: one)?{_E}",
    rf"\bsure you (?:did|do|have|were){_E}",
    r"\bsurprise (?:, )?surprise\b",
    rf"\bimagine that{_E}",
    r"\bnews ?flash\b",
    r"\bshocking (?:, )?i know\b",
    rf"\bwho would have (?:thought|guessed){_E}",
    rf"{_S}(?:seriously|are you (?:serious|kidding|joking)(?: me)?) \?",
    r"\byour so-called\b",
    r"\b(?:did|do|have|are|can|could) you (?:even\b|actually (?:read|bother))",
    r"\b(?:maybe|perhaps|just) try reading\b",
    rf"\btry reading{_E}",
    r"\btry reading (?:(?:the|our|my|this|that|your|those) )?(?:emails?|messages?|replies|reply|instructions"
    r"|manual|docs|documentation|faq|guide|readme|ticket|answer|what (?:i|we) (?:wrote|said|sent)"
    r"|(?:it )?(?:properly|for once))\b",
)
# Praise is ironic when it lands on a blunder, or on the customer as "genius".
_IRONIC_PRAISE = _any(
    rf"\b{_PRAISE} (?:[,!.] )?(?:you|you've|you have)(?: have)? {_BLUNDER}",
    rf"\b{_PRAISE} on (?:finally|breaking|deleting|losing|ignoring|missing|forgetting)\b",
    rf"\bwell (?:, )?(?:congratulations|congrats|bravo){_E}",
    r"\bslow clap\b",
    rf"(?:{_B}|\b{_LEADS} (?:, )?)(?:genius|einstein|sherlock|smarty pants|mastermind|wise guy|hotshot){_E}",
    rf"\bwhat a genius{_E}",
)
# Making the customer feel they should have listened the first time.
_IMPATIENCE = _any(
    rf"\b(?:as|like) (?:i|we|i've|we've)(?: have)? (?:(?:already|repeatedly) {_SAID}"
    rf"|{_SAID}(?: (?:to you|this|that|it))? {_AGAIN})\b",
    rf"\bas (?:(?:already|repeatedly) {_SAID}|{_SAID} {_AGAIN})\b",
    rf"\b(?:i|we|i've|we've)(?: have)? (?:already told you|told you {_AGAIN})\b",
    r"\bper my (?:last|previous|earlier|prior) (?:email|e-mail|message|reply|response|note)\b",
    r"\b(?:i'm|i am|we're|we are) not (?:going to|gonna) repeat\b",
    r"\b(?:i|we) (?:won't|will not|shouldn't|should not|don't want to) (?:have to )?repeat (?:myself|ourselves)\b",
    r"\bnot repeating myself\b",
    rf"{_B}for the (?:last|second|third|fourth|fifth|umpteenth|hundredth|nth|\w+th) time ,",
    r"\bhow many (?:more )?times (?:do|must|have|will|should|did|does) (?:i|we)\b",
)
# The customer's problem is not ours.
_BRUSH_OFF = _any(
    r"\b(?:not|isn't|wasn't|aren't) (?:really )?(?:my|our) (?:problem|concern|job)\b",
    r"\b(?:that's|that is|it's|it is|sounds like) (?:a |really )?(?:your|a you) problem\b",
    r"\byour problem (?:, )?not (?:mine|ours)\b",
    rf"{_B}(?:(?:ok|okay|fine|yeah|yes|well|so|oh|and|but|meh) (?:, )?)*whatever(?: then)?{_E}",
    r"\bwhatever you say\b",
    rf"\bor whatever{_E}",
    rf"{_B}(?:just )?deal with it{_E}",
    r"\btake it or leave it\b",
    rf"{_B}(?:just |go )?google it{_E}",
    r"\bfigure it out (?:yourself|on your own|for yourself)\b",
    r"\blook it up yourself\b",
    r"\blol (?:, )?no\b",
    r"\b(?:i|we) (?:don't|do not) have time for this\b",
    r"\b(?:i'm|i am) not your (?:mother|mum|mom|babysitter|nanny|personal assistant|secretary|servant|teacher)\b",
)
# Talking down to the customer.
_CONDESCENSION = _any(
    rf"\b(?:obviously|clearly|evidently) (?:, )?(?:you|you've|you have) {_DIDNT}",
    rf"\byou(?:'ve| have)? (?:obviously|clearly|evidently) {_DIDNT}",
    r"\bas you can (?:obviously|clearly) see\b",
    rf"\bread (?:the|our) (?:\w+ )?{_MANUAL} (?:next time|properly|for once|like everyone else"
    r"|before (?:asking|contacting|emailing|writing|you (?:ask|contact|email|write)))\b",
    rf"(?:\b(?:just|maybe|perhaps|simply) |\byou should(?:'ve| have) )read (?:the|our) (?:\w+ )?{_MANUAL}\b",
    rf"{_B}read (?:the|our) {_MANUAL}{_E}",
    r"\brtfm\b",
    rf"(?:{_B}|\b(?:maybe|perhaps|just|please|go|you should|you need to|you might want to|you have to|try to) )"
    r"learn (?:how )?to (?:(?:read|spell|search|google|type|listen|pay attention)(?= [.,;:!?]|$| (?:properly"
    r"|first|for once|instructions|emails|the (?:instructions|manual|docs|faq|email|emails|page))\b)"
    r"|follow (?:the )?instructions|use a (?:computer|browser|search engine)\b)",
    r"\b(?:not|isn't|ain't) (?:exactly |really |quite )?(?:rocket science|brain surgery)\b",
    r"\b(?:a child|a kid|a five-year-old|a five year old|my grandma|my grandmother) could"
    r" (?:do|figure|manage|work out|understand)\b",
    rf"(?:{_B}|\b(?:please|just|ok|okay|now|so|sir|madam|you need to|you have to|you should|you must"
    r"|you'll need to|try to|i need you to|can you|could you|would you) )"
    r"(?:calm down|calm yourself|chill out|take a chill pill)\b",
    r"\bsome people (?:(?:just|really|simply|clearly|obviously|honestly) )?(?:can't|cannot|don't|won't|never"
    r"|refuse to) (?:bother|listen|learn|follow instructions|get it|read (?:instructions|emails|properly"
    r"|anything|the (?:instructions|manual|docs|faq|email|emails)))\b",
    rf"{_B}(?:honestly |seriously )?(?:, )?some people{_E}",
    rf"(?:{_B}|\b{_LEADS} (?:, )?)(?:sweetie|sweetheart|honey|hun|hon|princess|sunshine|kiddo|champ){_E}",
)
# It would not have happened if the customer had paid attention.
_BLAME = _any(
    r"\bif (?:you had|you'd|you would have|you would've) (?:just |even |actually |only )?(?:bothered"
    r"|taken the (?:time|trouble)|paid attention|listened|looked|checked(?! out)|read (?:it )?(?:properly"
    r"|carefully)|read (?:the|my|our|your) (?:\w+ )?(?:emails?|messages?|instructions|manual|docs"
    r"|documentation|faq|reply|replies|description|terms|page|guide))\b",
    r"\bhad you (?:just |even |actually )?(?:bothered|paid attention|listened|looked|checked(?! out)"
    r"|read (?:the|my|our))\b",
    r"\byou (?:didn't|did not|never|couldn't|could not|can't|cannot|don't|do not|won't) (?:even )?"
    r"bother(?:ed)? to\b",
    r"\bif you (?:can|could) be bothered\b",
    r"\bif you bothered to\b",
)
# The polite preface to something that is not.
_PASSIVE_AGGRESSION = _any(
    r"\bwith (?:all )?due respect\b",
    r"\bno offen[cs]e (?:, )?but\b",
    r"\bnot to be rude (?:, )?but\b",
)
_RULES = (
    (DraftConcern.SARCASTIC, "sarcasm", _SARCASM),
    (DraftConcern.SARCASTIC, "ironic praise", _IRONIC_PRAISE),
    (DraftConcern.DISMISSIVE, "impatience", _IMPATIENCE),
    (DraftConcern.DISMISSIVE, "brush-off", _BRUSH_OFF),
    (DraftConcern.DISMISSIVE, "condescension", _CONDESCENSION),
    (DraftConcern.DISMISSIVE, "blame", _BLAME),
    (DraftConcern.DISMISSIVE, "passive-aggressive", _PASSIVE_AGGRESSION),
)
_COMPILED = tuple((concern, label, re.compile(pattern)) for concern, label, pattern in _RULES)

_EDGE = ".,!?;:()[]{}\"'“”‘’…<>~*_`"
_MARKS = (("?", "?"), ("!", "!"), (".", "."), ("…", "."), (";", ";"), (":", ":"), (",", ","))
_MARK_NORMS = frozenset(mark for _, mark in _MARKS)
_SENTENCE_ENDS = frozenset(".!?")
_DASHES = frozenset({"-", "--", "–", "—"})


@dataclass(frozen=True)
class _Word:
    norm: str
    start: int
    end: int


def _rule_hits(own: str, masked: str) -> list[tuple[DraftConcern, str]]:
    words = _words(masked)
    text = " ".join(word.norm for word in words)
    starts = []
    position = 0
    for word in words:
        starts.append(position)
        position += len(word.norm) + 1
    found: list[tuple[int, DraftConcern, str]] = []
    for concern, label, pattern in _COMPILED:
        for match in pattern.finditer(text):
            first = bisect.bisect_right(starts, match.start()) - 1
            last = bisect.bisect_right(starts, max(match.start(), match.end() - 1)) - 1
            while last > first and words[last].norm in _MARK_NORMS:
                last -= 1  # quote "sure, because we love waiting", not its full stop
            found.append((words[first].start, concern, _reason(label, own[words[first].start : words[last].end])))
    found.sort(key=lambda item: item[0])
    return [(concern, reason) for _, concern, reason in found]


def _words(text: str) -> list[_Word]:
    """Normalised words and punctuation marks, each with its place in the text; a line break ends a sentence."""
    words: list[_Word] = []
    previous_end = 0
    for match in re.finditer(r"\S+", text):
        if "\n" in text[previous_end : match.start()] and words and words[-1].norm not in _SENTENCE_ENDS:
            words.append(_Word(".", previous_end, previous_end))
        previous_end = match.end()
        chunk = match.group()
        if chunk in _DASHES:
            words.append(_Word(",", match.start(), match.end()))
            continue
        core = chunk.strip(_EDGE)
        if core:
            start = match.start() + len(chunk) - len(chunk.lstrip(_EDGE))
            norm = normalise_word(core)
            if norm:
                words.append(_Word(norm, start, start + len(core)))
        trail = chunk[len(chunk.rstrip(_EDGE)) :]
        mark = next((mark for char, mark in _MARKS if char in trail), None)
        if mark:
            words.append(_Word(mark, match.end() - len(trail), match.end()))
    return words
