"""The chargeback, legal and public flags in one sentence: what the customer threatens or has done.

Pure and standard-library only. The legal flag reads the authorities of bot.policies.tone_authorities, the
public flag the venues of bot.policies.tone_venues; a name raises its flag only with the grammar of bringing
it in or going there ("I've reported you to X", "filing with X", "X will hear about this", "posting this on
r/x"), not when it is merely named ("X says I'm entitled to a refund"). A mention the customer declines ("I
won't post about this"), praise ("happy to leave five stars") and what someone else posted are kept as
declined hits: they raise nothing, and they stop the language model raising the same flag on their words.
"""

from __future__ import annotations

import itertools
import re

from bot.policies import tone_authorities, tone_venues
from bot.policies.tone_lexicon import (
    BANK_CANCEL,
    BANK_WORDS,
    FLAG_NEGATION_EXCEPTIONS,
    FLAG_NEGATORS,
    FLAGS,
    FOREIGN_CHARGEBACK,
    INSULTS,
)
from bot.policies.tone_phrases import joined, original, token_at
from bot.policies.tone_tokens import Hit, Token, normalise_word


def _alternation(names: tuple[str, ...]) -> str:
    # Each name read the way the rules read the customer's words, longest first so "financial ombudsman"
    # wins over "ombudsman".
    forms = {" ".join(normalise_word(word) for word in re.split(r"[\s/]+", name) if word) for name in names}
    return "|".join(re.escape(form) for form in sorted(forms, key=lambda f: (-len(f), f)) if form)


_AUTHORITY = rf"(?:{_alternation(tone_authorities.all_names())})"
AUTHORITY = re.compile(rf"\b{_AUTHORITY}\b")
_VENUE = (
    rf"(?:r/[a-z0-9_]+|{_alternation(tone_venues.all_names())}"
    # "the parenting group", "my uni discord": one word of any kind before a kind of community.
    r"|(?!(?:the|a|an|this|that|your|their) )[a-z0-9'-]+ (?:subreddit|forum|forums|discord|server|group|groups"
    r"|community|channel|club|board|newsletter))"
)
# Name-calling between the verb and the name is still its object: "reported you cheats to X", "you lot".
_NAME_CALLING = "|".join(
    re.escape(word)
    for word in sorted(
        INSULTS
        | set("lot guys people bunch so-called sharks cowboys jokers chancers pirates robbers bandits rats".split())
    )
)
# Words that may stand between the verb and the name: objects, articles, "a complaint with", "about this on".
_FILL = (
    r"(?:you|your|yourselves|this|that|it|them|these|those|the|a|an|my|our|all|of|about|against|over|on|onto"
    r"|in|into|to|with|at|via|through|for|up|as|and|also|too|already|both|now|immediately|straight|directly"
    r"|right|away|formally|officially|again|next|every|each|local|state|national|federal|relevant|whole|thing"
    r"|matter|issue|problem|case|complaint|complaints|report|claim|formal|official|details|everything|evidence"
    r"|screenshots|emails|story|experience|company|business|shop|store|seller|site|website|honest|full|form"
    r"|press|paper|bank|card|those|copy|copies|lawyer|calmly|accurately|chat|log|conversation|saga|thread"
    r"|transcript|photos|post|video|article|write-up|warning|\d+k|it's|its|it'll|then|registered|à|la|le|les"
    r"|no|na|ao|bei|der|die|den|an|bij|de|do|da|en|el|al|ante|alla|di|della|del|w|mich|ich|je|vais|um|uma|una"
    r"|un|une|já|foi|feita|out|" + _NAME_CALLING + r"|thieving|dodgy"
    r"|detailed|long|scathing|bad|negative|one-star|<num>|star|stars|review|name|names|publicly|big|own|i'll"
    r"|will|be|going|gonna|am|i'm|i've|have|has|been|written|proper|nice|little|quick|public|post|'s)"
)
_GAP = rf"(?: {_FILL}){{0,6}}"
_LEGAL_VERB = (
    r"(?:report|reported|reporting|reports|file|filed|filing|lodge|lodged|lodging|complain|complained"
    r"|complaining|complaint|complaints|escalate|escalated|escalating|contact|contacted|contacting|call|calling"
    r"|called|ring|ringing|rang|phone|phoned|email|emailed|emailing|write|writing|wrote|refer|referred"
    r"|referring|submit|submitted|submitting|notify|notified|inform|informed|alert|alerted|involve|involved"
    r"|involving|bring|bringing|brought|take|taking|took|taken|go|going|went|gone|turn|turning|pass|passing"
    r"|passed|forward|forwarded|forwarding|hand|handing|handed|tell|telling|told|cc|cc'd|cced|cc'ing|copying|copied"
    r"|approach|approaching|approached|ask|asking|asked|speak|speaking|spoke|spoken|talk|talking|talked"
    r"|consult|consulted|consulting|tipped|flag|flagged|flagging|raise|raised|raising|opened|opening|sue"
    r"|suing|written|send|sending|sent|fill|filled|filling|check|checking|checked|threaten|threatening"
    r"|threatened|shopped|ratted|grassed|dobbed|letter|letters|been to|(?:visit|call|letter|knock|hear|hearing) from"
    r"|see you|matter for|job for|case for|next stop|next step|last resort|in touch with|in contact with"
    r"|or else|otherwise|or|register(?:ed|ing)? (?:a |my |the )?(?:complaint|claim|case|report|it|this)"
    # "I have made complaint to", "put the case with": the non-native and the formal say it with a noun.
    r"|(?:made|make|making|put|putting) (?:a |an |my |the )?(?:formal |official )?(?:complaint|claim|case|report)"
    # The same in the languages customers write to us in (flags are raised in every language).
    r"|signaler|signalé|écrire|écrit|saisir|saisi|plainte|denunciar|denuncia|denuncio|reclamación|reclamacion"
    r"|queja|reclamação|reclamacao|queixa|beschwerde|melde|gemeldet|wende|klage|klacht|anmälan|skarga"
    r"|zgłoszę|segnalazione|reclamo|abri|registrar)"
)
_AFTER_MODAL = r"(?: (?:will|would|might|may|could|shall|'ll|is|are|was|were|has|have|gets?|got|getting|be|been"
_AFTER_MODAL += r"|now|already|also|definitely|certainly|surely|soon|very|so|sure|probably|going to|about to))*"
_LEGAL_AFTER = (
    r"(?: (?:hear|hearing|heard|know|involved|notified|informed|contacted|alerted|told|copied|cced|cc'd|aware"
    r"|interested|investigating|look into|looking into|next|my next|in touch|love this|love that|love to hear"
    r"|like to hear|complaint"
    r"|receive|receiving|received|drafting|here i come|make of|(?:a copy|my complaint|the file|the details"
    r"|(?:his|her|your) name|the (?:chat )?transcripts?|all (?:of )?this|everything|screenshots)))"
)
LEGAL_NAMED = re.compile(
    rf"\b(?:{_LEGAL_VERB}{_GAP} (?P<a>{_AUTHORITY})\b(?!-)"
    rf"|(?P<b>{_AUTHORITY}){_AFTER_MODAL}{_LEGAL_AFTER}\b"
    rf"|(?:my|our|an?) (?P<c>{_AUTHORITY}) (?:complaint|case|claim|report|filing|form|reference|ticket"
    r"|submission|dispute)s?\b|let (?:the )?(?P<d>" + _AUTHORITY + r") know\b"
    rf"|(?P<e>{_alternation(tone_authorities.BROUGHT_IN)})\b)"
)
_PUBLIC_VERB = (
    r"(?:post|posts|posting|posted|write|writing|wrote|leave|leaving|left|share|sharing|shared|put|putting"
    r"|publish|publishing|published|tell|telling|told|warn|warning|warned|expose|exposing|exposed|review"
    r"|reviewing|rate|rating|blast|blasting|broadcast|tweet|tweeting|tweeted|upload|uploading|uploaded|make"
    r"|making|made|start|starting|started|create|creating|open|opening|spread|spreading|mention|mentioning"
    r"|name|naming|shame|shaming|document|documenting|detail|detailing|air|airing|complain|complaining"
    r"|complained|vent|venting|rant|ranting|thread|drafting|draft|add|adding|update|updating|record|recording"
    r"|film|filming|stream|streaming|send|sending|email|emailing|expect|expecting|let|contact|contacting"
    r"|contacted|go|going|goes|went|heading|headed|taking|take|took|alert|alerting|inform|informing|describe"
    r"|describing|report|reporting|reported|pin|pinned|pinning|screenshot|screenshotted|saying|in touch with)"
)
# Venues that are also everyday words: "writing about online courses", "going to google it".
_ONLY_POSTED = frozenset("online google".split())
_POSTING = re.compile(r"(?:post|put|shar|publish|upload|air|leav|left|tweet)")
# "I was going to write an angry review but", "sorry for ranting on Twitter": a threat taken back.
_PAST_INTENT = re.compile(
    r"\b(?:was|were|had been) (?:going to|ready to|about to|planning to|tempted to|this close to)"
    r"(?: (?!but\b)\S+){0,4} $"
)
# Only taking back the threat itself counts: "I apologise for the tone, but I'm reporting you" still threatens.
RETRACTED = re.compile(
    r"\b(?:sorry (?:for|about) (?:my (?:last|earlier|previous) (?:message|email|mail)|threatening|ranting"
    r"|mentioning|saying|the threat)|retract\w*|deleted (?:it|the|my)|take (?:it|that) back|taken (?:it )?down"
    r"|jk|just kidding|only joking|changed my mind|no need (?:for|to))\b"
)
# "Where can I leave a review?", "is it OK if I post a video review": asking, not threatening.
ASKING = re.compile(
    r"^(?:hi |hello |hey )?(?:where|how|can i|may i|could i|is it ok|is it okay|would it be ok|do you mind)\b"
)
_DETERMINERS = frozenset("a an the this that your their his her its".split())
_GO = frozenset("go going goes went heading headed taking take took".split())
_NOT_AFTER_GO = frozenset("google online stream channel video post review reviews group groups community".split())
_PUBLIC_AFTER = (
    r"(?:(?: (?:members|readers|followers|subscribers|users|people|community|crowd|lot|folks|\d+k))?"
    + _AFTER_MODAL
    + r" (?:hear(?! back)|hearing|know|see|seeing|learn|find out|be told|be warned"
    r"|love|like|be interested|think (?:of|about) (?:this|that|it|you))"
    r"|(?: (?:review|reviews|post|thread|video|page))?(?:'s| is| are| will be| 's)? (?:coming|incoming|going up|up"
    r"|goes up|drafted|written|half-written|live|pending|done|posted|published|filmed|recorded|uploaded"
    r"|getting (?:your|his|her) name))"
)
_BARE_VENUE = re.compile(rf"\b{_VENUE}\b")
PUBLIC_NAMED = re.compile(
    rf"\b(?:(?P<verb>{_PUBLIC_VERB}){_GAP} (?P<a>{_VENUE})\b(?!-)"
    # "Everyone's going to hear": the contraction is read as one word.
    rf"|(?P<b>{_VENUE})(?:'s)?{_PUBLIC_AFTER}\b"
    rf"|(?:a|my|the)(?: (?:long|very|detailed|big|full|angry))* (?P<c>{_VENUE}) (?:post|thread|review|video|article)"
    r"|review[- ]bomb\w*|make sure (?:every\w*|all|people|the world|other \w+|anyone)\b)"
)
# A review promised in praise is not a threat, unless the same sentence also holds something negative.
PRAISE = re.compile(
    r"\b(?:(?:5|five|<num>)[- ]?stars?|5\*|<num> out of <num>|(?:great|good|positive|glowing|nice|lovely|rave"
    r"|raving|excellent|amazing|stellar|brilliant|fantastic|wonderful|awesome|favourable|favorable|warm"
    r"|glowing|shining|top|5-star|five-star|well-deserved|well deserved) (?:reviews?|ratings?|feedback|words?"
    r"|testimonials?)|recommend\w*|prais\w*|sing your praises|shout-?out|thumbs up|how (?:great|good|helpful"
    r"|amazing|quick|fast|kind|responsive|patient|brilliant|lovely|awesome|wonderful)|testimonial"
    r"|(?:shared?|sharing|mention\w*|promot\w*|plug\w*) (?:your|the) (?:course|product|app|book|ebook|link"
    r"|tool|plugin|template|templates|site|website|store|shop|service|work|newsletter)|(?:positive|good|great|nice"
    r"|glowing|happy|lovely) one|did (?:great|brilliant|amazing)|great job|(?:great|good|nice|brilliant|amazing)"
    r" work|well done|(?:love|loved|loving) it"
    r"|the best|(?:happy|pleased|delighted|thrilled) (?:with|to)|(?:is|are|was|were) (?:great|brilliant|amazing"
    r"|excellent|fantastic|superb))\b"
)
NEGATIVE_REVIEW = re.compile(
    r"\b(?:(?:1|one|zero|0|2|two|<num>)[- ]?stars?\b(?! (?:if|once|when))|bad|negative|terrible|awful|horrible"
    r"|scathing|angry|warn\w*|expos\w*|avoid|scam\w*|shame|rip-?off|fraud\w*|truth|nightmare|how (?:badly"
    r"|poorly|you (?:treated|handled|behaved))|what happened|worst)\b"
)
# A negation that belongs to a condition does not decline: "if you don't refund me I'll report you".
_CONDITIONS = frozenset("if unless until or otherwise else when".split())
_SUBJECTS = frozenset("i i'll i'm i've i'd we we'll we're we've then".split())
# "I don't usually leave reviews, but": a habit, not a refusal.
_HABITUAL = frozenset("usually normally typically generally often ever".split())
# Who posts: "someone posted your link on a forum" is not the customer going public.
_OTHERS = frozenset(
    """someone somebody people others they they're they've he she he's she's customers users reviewers buyers
    friend colleague another folks""".split()
)


def find_flags(sentence: list[Token], flags: list[Hit], declined: list[Hit]) -> None:
    """Add the sentence's flags to `flags`, one hit per flag at most; declined mentions to `declined`."""
    text, starts = joined(sentence)
    matches = list(FLAGS["chargeback"].finditer(text)) + list(FOREIGN_CHARGEBACK.finditer(text))
    if BANK_WORDS.search(text):
        matches += list(BANK_CANCEL.finditer(text))
    for match in matches:
        if not _negated(sentence, token_at(starts, match.start()), text, strict=False):
            flags.append(Hit("chargeback", original(sentence, starts, match)))
            break
    for kind, patterns in (("legal", (FLAGS["legal"], LEGAL_NAMED)), ("public", (FLAGS["public"], PUBLIC_NAMED))):
        # Tried at every word, not just after the last match: a declined "leave a review" must not swallow
        # the "post the whole chat on r/scams" that follows it.
        for match in (m for pattern in patterns for start in starts if (m := pattern.match(text, start))):
            phrase = original(sentence, starts, match)
            at = token_at(starts, match.start())
            if phrase == "Sue" or _go_without_venue(match) or _noun_not_verb(match, sentence, at):
                continue
            why = _declined(kind, sentence, at, text, match)
            if why:
                declined.append(Hit(kind, phrase, why))
                continue
            flags.append(Hit(kind, phrase))
            break
    if not any(hit.kind == "public" for hit in flags) and PRAISE.search(text) and not NEGATIVE_REVIEW.search(text):
        # "Five stars on Trustpilot from me!": no verb to read, but the model reacts to the site's name.
        if venue := _BARE_VENUE.search(text):
            declined.append(Hit("public", venue.group(), "praise"))


def _go_without_venue(match: re.Match[str]) -> bool:
    # "going to google it", "went to the review page": going somewhere is going public only for a real venue.
    verb, venue = match.groupdict().get("verb"), match.groupdict().get("a")
    if verb in _GO and venue in _NOT_AFTER_GO:
        return True
    if verb and verb.startswith("report") and " to " in match.group():
        return True  # "I reported it to Instagram": to the platform, not to its public
    return venue in _ONLY_POSTED and not (verb and _POSTING.match(verb))


def _noun_not_verb(match: re.Match[str], sentence: list[Token], at: int) -> bool:
    # "I saw a post in the Facebook group", "the review on Google": the word is a thing, nobody is posting.
    return bool(match.groupdict().get("verb")) and at > 0 and sentence[at - 1].norm in _DETERMINERS


def _declined(kind: str, sentence: list[Token], at: int, text: str, match: re.Match[str]) -> str:
    if _negated(sentence, at, text, strict=True):
        return "negated"
    if RETRACTED.search(text) or _PAST_INTENT.search(text[: match.start()].rstrip() + " "):
        return "taken back"
    if kind == "public" and "?" in sentence[-1].trail and ASKING.search(text):
        return "asking"
    if kind == "public" and PRAISE.search(text) and not NEGATIVE_REVIEW.search(text):
        return "praise"
    if kind == "public" and _someone_else(sentence, at):
        return "someone else's"
    if kind == "public" and _advice_to_the_shop(sentence, at):
        return "advice to the shop"
    return ""


def _negated(sentence: list[Token], at: int, text: str, strict: bool) -> bool:
    """A negation shortly before the phrase, in its clause ("I won't post", "I'd never leave a bad review").

    `strict` also lets a condition or a habit through: "if you don't refund me I'll report you", "I don't
    usually leave reviews but": the chargeback flag keeps its earlier, plainer reading.
    """
    if FLAG_NEGATION_EXCEPTIONS.search(text):
        return False
    clause = sentence[at].clause
    window = [t.norm for t in sentence[max(0, at - 8) : at] if t.clause == clause]
    for j, word in enumerate(window):
        if word not in FLAG_NEGATORS and not (strict and word.endswith("n't")):
            continue
        if not strict:
            return True
        between = window[j + 1 :]
        if any(w in _CONDITIONS for w in window[:j]) or any(w in _SUBJECTS for w in between):
            continue
        if any(w in _HABITUAL for w in between[:2]):
            continue
        return True
    return False


# "Might be worth warning your other customers", "you should post a notice": the shop is to go public, not the
# customer; "I might warn others" has the customer as its subject and stays a flag.
_ADVICE = frozenset("worth should ought please suggest recommend advise maybe perhaps".split())


def _advice_to_the_shop(sentence: list[Token], at: int) -> bool:
    clause = sentence[at].clause
    window = [t.norm for t in sentence[max(0, at - 4) : at] if t.clause == clause]
    if any(word in _SUBJECTS for word in window):
        return False
    return any(word in _ADVICE for word in window) or any(
        f"{a} {b}" in ("could you", "can you", "would you", "you might", "you may", "you could")
        for a, b in itertools.pairwise(window)
    )


def _someone_else(sentence: list[Token], at: int) -> bool:
    clause = sentence[at].clause
    for token in reversed(sentence[max(0, at - 4) : at]):
        if token.clause != clause or token.norm in _SUBJECTS or token.norm in ("me", "my"):
            return False
        if token.norm in _OTHERS:
            return True
    return False
