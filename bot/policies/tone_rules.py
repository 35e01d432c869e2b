"""The rule layer of the tone classifier: clean-up of customer text, and the insults, threats and flags in it.

Pure and standard-library only. The rules look for abuse *aimed at the staff or the company*. The same words
said about oneself, about a third party, under negation, in reported speech or in quoted text are kept as
"ignored" hits, so that a human can see why they did not count, and so that the trained model can learn that
such messages are not abusive.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# --- lexicon -------------------------------------------------------------------------------------------------

# Nouns that name a person insultingly: aimed at whoever the sentence is about, or at the reader when nobody is.
PERSON_INSULTS = frozenset(
    """idiot idiots moron morons imbecile imbeciles cretin cretins retard retards clown clowns liar liars
    cheat cheats cheater cheaters crook crooks thief thieves scammer scammers fraudster fraudsters frauds
    criminal criminals scum scumbag scumbags bastard bastards asshole assholes arsehole arseholes dickhead
    dickheads wanker wankers twat twats cunt cunts loser losers muppet muppets buffoon buffoons dimwit dimwits
    halfwit halfwits nitwit nitwits numpty numpties dumbass dumbasses dipshit dipshits shithead shitheads
    douchebag douchebags bitch bitches parasite parasites vulture vultures sods tosser tossers plonker
    plonkers lowlife lowlifes jackass jackasses fuckwit fuckwits fucker fuckers motherfucker motherfuckers
    shits goons swindler swindlers conman conmen amateurs eejit eejits little-shit little-shits""".split()
)
# Words that insult only when said of people ("you are useless") and are ordinary criticism of things
# ("the app is useless", "this stupid download").
PERSON_ADJECTIVES = frozenset(
    """stupid dumb useless incompetent pathetic clueless brainless braindead worthless idiotic moronic
    retarded dishonest crooked thieving lying spineless shameless ignorant inept lazy greedy disgusting vile
    fraud disgrace garbage rubbish amateur amateurish piece-of-shit piece-of-crap piece-of-garbage
    piece-of-work waste-of-space waste-of-oxygen""".split()
    # Nouns that are also verbs or everyday words ("you can't fool me", "the video jerks") need the same care.
    + """fool fools cheat cheats jerk jerks weasel weasels leech leeches prick pricks dick""".split()
)
_AMBIGUOUS_NOUNS = frozenset(
    "fool fools cheat cheats jerk jerks weasel weasels leech leeches prick pricks dick".split()
)
PROFANITY = frozenset(
    """fuck fucking fucked fuckin fucks fucker shit shitty shite bullshit damn damned goddamn crap crappy
    hell bloody piss pissed arse ass bitch bastard wtf ffs screw screwed sucks freaking frigging effing
    jesus christ bollocks""".split()
)
# Phrases folded into one token before the rules run, so "con artist" works like "crook".
PHRASES = {
    ("con", "artist"): "conman",
    ("con", "artists"): "conmen",
    ("scam", "artist"): "scammer",
    ("scam", "artists"): "scammers",
    ("brain", "dead"): "braindead",
    ("low", "life"): "lowlife",
    ("piece", "of", "shit"): "piece-of-shit",
    ("piece", "of", "crap"): "piece-of-crap",
    ("piece", "of", "garbage"): "piece-of-garbage",
    ("piece", "of", "work"): "piece-of-work",
    ("waste", "of", "space"): "waste-of-space",
    ("waste", "of", "oxygen"): "waste-of-oxygen",
    ("little", "shit"): "little-shit",
    ("little", "shits"): "little-shits",
}
_INSULTS = PERSON_INSULTS | PERSON_ADJECTIVES

# Words obfuscations are resolved to: profanity first, so "f***" reads as the swear word, not "fool".
_DEOBFUSCATE_TO = tuple(sorted(PROFANITY)) + tuple(sorted(_INSULTS)) + ("scam", "scammer", "scammers", "you")
_SPELLINGS = {
    "fck": "fuck",
    "fuk": "fuck",
    "fuq": "fuck",
    "phuck": "fuck",
    "fcking": "fucking",
    "fkn": "fucking",
    "fkin": "fucking",
    "fking": "fucking",
    "fukin": "fucking",
    "fuking": "fucking",
    "effing": "fucking",
    "sht": "shit",
    "idoit": "idiot",
    "idoits": "idiots",
    "scamers": "scammers",
    "scamer": "scammer",
    "theives": "thieves",
    "thiefs": "thieves",
    "morrons": "morons",
    "u": "you",
    "ya": "you",
    "yu": "you",
    "ur": "your",
    "yall": "you",
    "y'all": "you",
    "r": "are",
    "youre": "you're",
    "im": "i'm",
    "ppl": "people",
    "dont": "don't",
    "cant": "can't",
    "wont": "won't",
    "didnt": "didn't",
    "isnt": "isn't",
    "arent": "aren't",
    "doesnt": "doesn't",
    "wouldnt": "wouldn't",
    "havent": "haven't",
    "ive": "i've",
    "pls": "please",
}
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i", "|": "i"}
)

# --- who a word is about -------------------------------------------------------------------------------------

SECOND = frozenset("you your you're yours yourself yourselves thee".split())
# "Feel like an idiot" needs no "I": feeling is about oneself.
FIRST = frozenset("i i'm i've i'd i'll me myself mine we we're we've us ourselves feel felt feeling".split())
THIRD_PRONOUNS = frozenset(
    """he she they him her them he's she's they're someone somebody everyone everybody anyone anybody
    others customers users reviewers reviews""".split()
)
STAFF = frozenset(
    """staff team agent agents developer developers dev devs programmer programmers coder coders
    owner owners ceo founder founders manager managers management employee employees rep reps representative
    representatives author instructor tutor seller vendor whoever department""".split()
)
# Person words whose owner depends on the word before them: "you people", "the guy" versus "some people".
GENERIC_PERSONS = frozenset("people guy guys person lot folks crew gang lady man woman bloke dude".split())
COMPANY = frozenset("company business shop store outfit firm operation organisation organization".split())
THIRD_PARTY = frozenset(
    """boss wife husband partner son daughter kid kids brother sister mum mom dad father mother friend friends
    colleague colleagues coworker coworkers client clients customer teacher neighbour neighbor flatmate
    roommate bank courier couriers postman driver dhl ups fedex usps paypal amazon apple google microsoft
    host isp government reddit forum twitter facebook""".split()
)
_NOT_OURS = frozenset("my our his her their some a an other another random".split())
_THIRD_MODIFIERS = frozenset("delivery courier post mail dhl ups fedex bank forum reddit it uber taxi".split())
THINGS = frozenset(
    """download link app product software website site service course book ebook e-book file licence license
    key email answer reply excuse excuses policy price system process checkout update plugin installer page
    order refund invoice tool platform thing video lesson code documentation docs faq support""".split()
)

# --- grammar around an insult ---------------------------------------------------------------------------------

NEGATORS = frozenset(
    """not n't never no nobody none neither nor without don't doesn't isn't aren't wasn't weren't won't
    wouldn't can't cannot couldn't shouldn't didn't haven't hasn't ain't""".split()
)
_NOT_NEGATING = {("not", "only"), ("not", "just"), ("nothing", "but"), ("no", "wonder"), ("no", "better")}
_SAYING = frozenset(
    """calling call called saying say said mean meant implying suggesting think thought believe accusing
    accuse claim claiming""".split()
)
_FILLER = frozenset(
    """a an the such bunch of all just complete total absolute utter real right so too really very quite
    bloody fucking damn completely totally absolutely utterly is are was were be been being am 're 's
    seem seems look looks sound sounds like""".split()
)
REPORTING = frozenset(
    """said says say saying called calls call calling told tells tell wrote writes write claims claimed
    claim accused accuses thinks think thought reckons reckon believes mentioned posted complained described
    labelled labeled named yelled shouted warned""".split()
)
_HEDGES = frozenset("feel feels felt seem seems seemed starting beginning wonder hope maybe probably might".split())

# --- threats, accusations and profanity aimed at people -------------------------------------------------------

_YOU = r"(?:you|you're|your (?:company|team|staff|people|shop|business|support team|developers?|agents?))"
_DISMISSALS = re.compile(
    r"\b(?:(?:fuck|f|screw|damn|sod|bugger) (?:you|yourselves|yourself|your (?:company|team|shop|business|staff|"
    r"service|people|discount|refund|excuses|support)|this company|off)"
    r"|piss off|get stuffed|go to hell|go (?:fuck|screw) yoursel(?:f|ves)|go die|drop dead"
    r"|kiss my (?:ass|arse)|up yours|bite me|eat shit|shut up(?! and take)|shut your (?:mouth|face)"
    r"|shove (?:it|your [a-z ]{1,30}) up|stick (?:it|your [a-z ]{1,30}) up your|to hell with you"
    r"|get your head out of your (?:ass|arse)|get fucked"
    r"|(?:you|your) (?:fucking|fuckin|bloody|damn|goddamn|sodding|shitty) (?:people|team|staff|lot|company|"
    r"developers?|programmers?|agents?|support team|shop|business))\b"
)
_THREATS = re.compile(
    r"\b(?:watch (?:your|ur) back|watch yoursel(?:f|ves)|sleep with one eye open|your days are numbered"
    r"|(?:know|find out|found out|find) where (?:you|your \w+) (?:live|lives|work|works|are|is|sleep)"
    r"|(?:i'll|i will|i'm going to|i am going to|i'm gonna|gonna|going to|i'd like to|i want to|i could"
    r"|someone should|somebody should|deserves? to) (?:come (?:down |over |round )?(?:there |here )?and )?"
    r"(?:find|hunt down|hurt|kill|beat|punch|smash|stab|shoot|strangle|murder|slap|batter|break)"
    r"(?: up| down)? (?:you|yourselves|someone|somebody|people|anyone|"
    r"your (?:\w+ )?(?:face|nose|legs|neck|office|staff|developer|owner|"
    r"computers|shop|team)|every|all of you|him|her|them|whoever|the (?:owner|developer|programmer|guy|idiot"
    r"|moron|agent)|his|the crap)"
    r"|you(?:'ll| will|'re going to| are going to) (?:regret|be sorry)|make you pay"
    r"|(?:burn|torch|blow up|firebomb) (?:down )?(?:your|the|ur|it|this)\b(?: \w+)? ?(?:office|house|home|"
    r"warehouse|shop|store|building|place|car|to the ground)?"
    r"|burns? (?:your|the) (?:\w+ )?(?:office|warehouse|shop|store|building|house) down"
    r"|(?:hope|wish|pray) (?:you|your \w+|the \w+|whoever \w+ \w+|someone \w+ you)(?: all)? "
    r"(?:die|dies|rot|rots|get cancer|drop dead|suffer|burns?)"
    r"|break (?:your|ur|his|her) (?:legs|neck|face|arms|jaw|teeth|fingers|nose)|punch (?:his|your) lights out"
    r"|pay you a (?:little )?visit|(?:coming|come) (?:after|for) you|you're dead|you are dead|dead meat"
    r"|(?:deserve|deserves) a (?:beating|bullet|kicking)|lesson with a (?:bat|baseball bat|knife|gun)"
    r"|never sleep peacefully|(?:find|hunt) you(?! (?:the|a|an|some|my|that|this|those|more|any|what)\b)"
    r"|make your life hell|beat the crap out of|track (?:you|yourselves|the owner|him|her) down)"
)
_SCAM = re.compile(
    r"\b(?:(?:scam|fraud|con) (?:company|companies|outfit|business|shop|store|operation|site|website|artists?)"
    r"|(?:you|you're|you guys|you people|your (?:company|business|shop|store|site|website|outfit|operation|"
    r"firm)|(?:this|the|whole) (?:company|business|shop|store|outfit|operation|firm))"
    r"(?: (?:is|are|'re|'s|was|were|just|nothing but|basically|clearly|one big|an?|total|complete|massive"
    r"|obvious|absolute|pure|such|run by))* (?:scam|fraud|con|ponzi|scheme))\b"
)
_THEFT = re.compile(
    rf"\b{_YOU}(?: (?:have|basically|just|literally|simply|fucking|bloody|clearly|are))* "
    r"(?:stole|steal|stealing|robbed|robbing|swindled|conned|defrauded)\b|\bstole \d+|\bstolen my money\b"
)
_LYING = re.compile(
    rf"\b{_YOU}(?: (?:have|are|were|'re|keep|just|clearly|blatantly|openly|always))* "
    r"(?:lied|lying|lie to|lie about)\b|\bstop lying\b"
)

# --- flags: chargeback, legal, public -------------------------------------------------------------------------

_FLAGS = {
    "chargeback": re.compile(
        r"\b(?:charge ?backs?|(?:open|opened|opening|file|filed|filing|raise|raised|start|started|starting"
        r"|do|doing|make|initiate|initiated) (?:a |an )?(?:paypal |card |bank |credit card )?"
        r"(?:dispute|claim|case|chargeback)|(?:paypal|visa|amex|mastercard|american express|klarna) "
        r"(?:dispute|claim|case)|claim (?:opened|filed)|dispute (?:the|this|that|my|a|it|your)? ?"
        r"(?:charge|payment|transaction|purchase|it|this)?(?: with)?|disputed|disputing"
        r"|(?:revers\w+|claw(?:ing)? back|recall\w*) (?:the |this |that |my |your |these |extra |duplicate )+"
        r"(?:payments?|charges?|transactions?)|(?:payment|charge|card) reversal"
        r"|(?:call|calling|contact|contacting|contacted|ring|phone|ask|asked|asking|tell|go to|going to|"
        r"speak to|talk to|report(?:ed)? (?:it|this|you|the \w+) to) (?:my |the )?(?:bank|card (?:company|"
        r"issuer|provider)|credit card (?:company|issuer|provider)|visa|amex|mastercard|american express)"
        r"|buyer protection|unauthori[sz]ed (?:charges?|transactions?|payments?)"
        r"|reported (?:it |this |the (?:charge|payment) )?as unauthori[sz]ed|card (?:issuer|company|provider)"
        r"|(?:money|it) back (?:from|through|via) (?:my bank|the bank|paypal|visa|my card))\b"
    ),
    "legal": re.compile(
        r"\b(?:(?:my|our|a|the) (?:lawyers?|attorneys?|solicitors?|legal (?:advis[eo]r|team|counsel))"
        r"(?: will| is| are|'ll| has| have|'s)? ?(?:be )?(?:in touch|contact|hear|sending|send|look|looking|"
        r"review|reviewing|involved|advised|deal|letter|writing|about|already|aware)"
        r"|(?:get|getting|involve|involving|contact|contacting|contacted|call|hire|consult|consulting|"
        r"speak to|speaking to|spoken to|talk to|see|hand (?:this|it) to|forward\w* [a-z ]{1,30} to|"
        r"instruct\w*) (?:a |my |our )?(?:lawyers?|attorneys?|solicitors?|legal advis[eo]r)"
        r"|(?:lawyers?|attorneys?|solicitors?) (?:involved|coming)|next step is (?:my|a) (?:lawyer|solicitor)"
        r"|legal (?:action|proceedings|steps|route)|lawsuit|sue|suing|sued|court|courts|small claims"
        r"|tribunal|trading standards|consumer (?:protection|rights (?:agency|organi[sz]ation)|ombudsman|"
        r"council|affairs|authority|watchdog)|ombudsman|ftc|federal trade commission|attorney general"
        r"|regulators?|the authorities|police|data protection (?:authority|regulator|commissioner)|ico"
        r"|better business bureau|bbb|class action|cease and desist)\b"
    ),
    "public": re.compile(
        r"\b(?:(?:1|one|zero|0)[- ]?stars?|(?:bad|negative|honest|terrible|scathing|angry) reviews?"
        r"|reviews? (?:everywhere|on every|warning)|every review site"
        r"|warn\w* (?:others|other \w+|every\w*|people|the (?:whole )?\w+|all)"
        r"|(?:post|posted|posting|write|writing|wrote|leave|leaving|put|putting|share|sharing|tell|telling"
        r"|blast|publish|make|making|tweet|drafting|thread)\b[a-z0-9' ,]{0,40}?\b(?:twitter|tweet|x\.com"
        r"|facebook|instagram|tiktok|reddit|youtube|linkedin|social media|my blog|blog post|trustpilot"
        r"|google|yelp|review|reviews|video|my channel|newsletter|followers|subscribers|forum|press"
        r"|newspaper|everyone|everybody|the world)"
        r"|(?:twitter|reddit|facebook|instagram|tiktok|youtube|linkedin|forum|followers|subscribers|"
        r"everyone|everybody|the world|the internet|readership|press|newspaper|the media)\b[a-z' ]{0,30}?"
        r"\b(?:will (?:hear|know|see)|hear about|know about|thread)|go(?:ing)? public|name and shame"
        r"|go viral|(?:every|each) (?:forum|group)\b[a-z' ]{0,25}\bwill hear)\b"
    ),
}
# Cancelling or blocking a payment is a dispute only when the bank or card company does it.
_BANK_CANCEL = re.compile(
    r"\b(?:cancel\w*|block\w*|stop\w*) (?:the |this |that |my |these |your )*(?:payments?|charges?|transactions?)\b"
)
_BANK_WORDS = re.compile(r"\b(?:bank|card|visa|mastercard|amex|paypal)\b")
_POSITIVE_REVIEW = re.compile(r"\b(?:5|five)[- ]?stars?|(?:great|good|positive|glowing|nice) review")
_FLAG_NEGATORS = frozenset("won't wouldn't don't never not no".split())
_FLAG_NEGATION_EXCEPTIONS = re.compile(r"\b(?:don't make me|no choice|not threatening|if not|or not)\b")

# --- cues for the model: general signs of frustration or calm, beyond the words it has seen -----------------

_NEGATIVE = frozenset(
    """unacceptable ridiculous disappointed disappointing disappoint annoyed annoying frustrated frustrating
    angry furious upset unhappy worst terrible awful horrible poor useless joke rubbish garbage disaster
    nightmare waste wasted wasting shocking shocked disgusted disgusting disgraceful unbelievable insane
    outrageous pathetic rip-off ripoff scam sucks nonexistent impossible ignored ignoring ignore regret
    ruined shame unreal enough seriously ugh sigh crazy mess fed sick tired patience impatient nobody
    noone sloppy lousy appalling incompetence incompetent cheated misleading lied bullshit""".split()
)
# Other languages get no abuse rules, but frustration in them should still register.
_FOREIGN_NEGATIVE = frozenset(
    """enttäuscht ärgerlich unverschämt frechheit skandal katastrophe niemand keiner immer verdammt scheiße
    mist inakzeptabel déçu déçue inadmissible inacceptable scandale toujours personne marre énervé énervée
    merde putain nul nulle honteux decepcionado decepcionada molesto molesta harto harta inaceptable
    vergüenza nadie mierda joder absurdo desastre chateado chateada ninguém porcaria porra vergonha
    péssimo deluso delusa arrabbiato arrabbiata stufo stufa vergogna nessuno inaccettabile cazzo schifo
    belachelijk waardeloos schandalig verdomme teleurgesteld boos zat zły zła nikt
    rozczarowany rozczarowana kurwa beznadziejny żenada sauer wütend furieux furieuse enfadado enfadada
    irritado irritada incazzato woedend wściekły wściekła idioten idiota idiotas idioti idiotami idioci
    nuls nul estafa estafadores ladrones ladri truffa truffatori oplichters oszuści betrüger arnaque escrocs
    voleurs golpe ladrões vigaristas""".split()
)
_NEGATIVE_PHRASES = re.compile(
    r"\b(?:not (?:happy|impressed|acceptable|good enough|fair|ok|okay|what i paid)|no (?:reply|response|answer|"
    r"one|communication|help)|(?:still|yet) (?:no|not|nothing|waiting|hasn't|haven't|doesn't|isn't|can't)"
    r"|(?:third|fourth|fifth|\w+th) time|\d+ times|(?:three|four|five|six|several|many) times|how many times"
    r"|what is going on|what's going on|come on|for (?:god's|fuck's|heaven's|pete's) sake|give up|i'm done"
    r"|had enough|sick of|tired of|fed up|thanks for nothing|waste of|took (?:my|your) money|losing patience"
    r"|last time|beyond a joke|any(?:one|body) (?:there|home|working|reading)|even (?:reading|read|answer)"
    r"|(?:days|weeks|months) (?:ago|now|later)|for (?:days|weeks|months)|since (?:last|monday|tuesday|wednesday"
    r"|thursday|friday|saturday|sunday)|(?:asap|urgent|urgently|immediately|right now))\b"
)
_POLITE = re.compile(
    r"\b(?:please|thanks|thank you|thx|appreciate|appreciated|kindly|grateful|cheers|sorry|love|great|awesome"
    r"|brilliant|perfect|wonderful|lovely|happy|no rush|no worries|no problem|not urgent|when you (?:have|get)"
    r"|just (?:letting you know|wanted|a heads-up|checking)|fyi|heads-up|quick question|quick q|wondering"
    r"|could you|would you|can you|is it possible|is there|do you|does the|how do i|how can i)\b"
)
_SARCASM = re.compile(
    r"\b(?:oh (?:great|wonderful|brilliant|fantastic|joy|good)|great job|good job|well done|thanks a lot"
    r"|thanks for nothing|really helpful|very helpful|so helpful|exactly what i needed|impressive|fantastic"
    r"|wonderful|brilliant|love (?:paying|waiting|how|it when)|thanks for (?:wasting|the (?:canned|helpful))"
    r"|great service|(?:just|simply) wow)\b"
)


def cue_features(norms: tuple[str, ...]) -> set[str]:
    text = " ".join(norms)
    negative = sum(1 for n in norms if n in _NEGATIVE or n in PROFANITY or n in _FOREIGN_NEGATIVE)
    negative += len(_NEGATIVE_PHRASES.findall(text))
    polite = len(_POLITE.findall(text))
    features = {f"rule:negative:{min(negative, 3)}", f"rule:polite:{min(polite, 2)}"}
    if negative and _SARCASM.search(text):
        features.add("rule:sarcasm")
    if norms and len(norms) <= 12:
        features.add("rule:short")
    return features


# --- languages -------------------------------------------------------------------------------------------------

ENGLISH_STOPWORDS = frozenset(
    """the and is are was to of it that this my your you i for with have has not on at be but please can
    what why how do did does will would could there here just still again any me we they been from an
    order thanks thank hi hello""".split()
)
_FOREIGN = frozenset(
    """und der das ist nicht ich mit ein eine auf für wir mein meine habe keine noch bitte danke aber sind
    wurde warum kann können zu den dem bei nach schon leider seit sie es le les et est je vous pas pour une
    des du mon ma mes avec sur que qui ce cette j'ai c'est toujours reçu merci bonjour depuis jours el los
    las y es por para con mi pero todavía gracias hola compré desde días nada os é meu minha com uma não
    ainda recebi obrigado obrigada olá comprei dias mas você vocês il che per sono ho ancora ricevuto grazie
    ciao buongiorno giorni perché è della del het een niet ik en van mijn jullie heb nog geen bedankt hallo
    dagen waarom maar wel dat met voor nie jest się że mój moja ale jeszcze dziękuję dzień dobry dni już mam
    nic czy proszę tydzień""".split()
)


@dataclass(frozen=True)
class Hit:
    """One rule that fired: what kind, the words as the customer wrote them, and (for ignored hits) why."""

    kind: str
    phrase: str
    why: str = ""


@dataclass(frozen=True)
class Analysis:
    tokens: tuple[str, ...]
    abuse: tuple[Hit, ...]
    ignored: tuple[Hit, ...]
    flags: tuple[Hit, ...]
    features: tuple[str, ...]
    non_english: bool
    quoted_lines: int


@dataclass(frozen=True)
class _Token:
    norm: str
    orig: str
    sentence: int
    clause: int
    trail: str = ""


def analyse(text: str) -> Analysis:
    own, quoted_lines = strip_quoted(text)
    own = _mask_inline_quotes(own)
    tokens = _tokenise(_collapse_spaced_letters(own))
    norms = tuple(t.norm for t in tokens)
    non_english = is_non_english(norms)
    abuse: list[Hit] = []
    ignored: list[Hit] = []
    flags: list[Hit] = []
    for sentence in _sentences(tokens):
        _find_insults(sentence, abuse, ignored)
        _find_phrases(sentence, abuse, ignored, flags)
    features = _features(own, norms, abuse, ignored, flags, non_english, quoted_lines)
    return Analysis(
        tokens=norms,
        abuse=tuple(abuse),
        ignored=tuple(ignored),
        flags=tuple(flags),
        features=features,
        non_english=non_english,
        quoted_lines=quoted_lines,
    )


# --- quoted text -----------------------------------------------------------------------------------------------

_REPLY_HEADER = re.compile(
    r"^\s*(?:on\b.{0,200}\bwrote:|le\b.{0,200}a écrit\s*:|am\b.{0,200}schrieb.{0,100}:|el\b.{0,200}escribió:"
    r"|-{2,}\s*(?:original message|forwarded message)\s*-{2,}|_{10,})\s*$",
    re.IGNORECASE,
)
_OUTLOOK_HEADER = re.compile(r"^\s*(?:from|sent|date|to|subject):\s", re.IGNORECASE)


def strip_quoted(text: str) -> tuple[str, int]:
    """The customer's own words: drop '>' lines, and whatever follows a reply header that is not '>'-quoted.

    Returns the remaining text and how many lines were dropped.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    dropped = 0
    for i, line in enumerate(lines):
        if line.lstrip().startswith(">"):
            dropped += 1
            continue
        if _is_reply_header(lines, i):
            following = [rest for rest in lines[i + 1 :] if rest.strip()]
            if following and following[0].lstrip().startswith(">"):
                dropped += 1
                continue
            dropped += len(lines) - i
            break
        kept.append(line)
    return "\n".join(kept), dropped


def _is_reply_header(lines: list[str], i: int) -> bool:
    line = lines[i]
    if _REPLY_HEADER.match(line):
        return True
    if line.rstrip().endswith("wrote:") and i > 0 and lines[i - 1].lstrip().lower().startswith("on "):
        return True
    # An Outlook block: "From: ..." followed closely by "Sent:"/"To:"/"Subject:".
    if line.lstrip().lower().startswith("from:"):
        return any(_OUTLOOK_HEADER.match(nxt) for nxt in lines[i + 1 : i + 4])
    return False


_INLINE_QUOTE = re.compile(r"\"[^\"\n]{1,200}\"|“[^”\n]{1,200}”|(?<![\w'])['‘][^'‘’\n]{1,80}['’](?![\w'])")


def _mask_inline_quotes(text: str) -> str:
    # Words inside quotation marks are someone else's ("called me an 'idiot'") or scare quotes ("support").
    return _INLINE_QUOTE.sub(" quote ", text)


# --- normalisation ---------------------------------------------------------------------------------------------

# Dotted runs first ("F.U.C.K Y.O.U" is two words), then spaced ones ("i d i o t s").
_SPACED = (
    re.compile(r"(?<![A-Za-z.])(?:[A-Za-z][.\-_*]){2,}[A-Za-z](?![A-Za-z])"),
    re.compile(r"(?<![A-Za-z])(?:[A-Za-z] ){2,}[A-Za-z](?![A-Za-z])"),
)


def _collapse_spaced_letters(text: str) -> str:
    def join(match: re.Match[str]) -> str:
        letters = re.sub(r"[^A-Za-z]", "", match.group()).lower()
        known = letters in _INSULTS or letters in PROFANITY or letters in ("scammers", "you")
        return letters if known else match.group()

    for pattern in _SPACED:
        text = pattern.sub(join, text)
    return text


_EDGE = ".,!?;:()[]{}\"'“”‘’…<>~"


def _tokenise(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    sentence = clause = 0
    previous_end = 0
    for match in re.finditer(r"\S+", text):
        if "\n" in text[previous_end : match.start()] and tokens:
            sentence, clause = sentence + 1, clause + 1
        previous_end = match.end()
        chunk = match.group()
        core = chunk.strip(_EDGE)
        trail = chunk[len(chunk.rstrip(_EDGE)) :]
        if chunk[:1] == "(":
            clause += 1
        if core in ("-", "–", "—") or not core:
            clause += 1
        else:
            for part in re.split(r"[/–—]+", core):
                norm = normalise_word(part)
                if norm:
                    tokens.append(_Token(norm, part, sentence, clause, trail))
        if any(c in trail for c in ".!?;"):
            sentence, clause = sentence + 1, clause + 1
        elif any(c in trail for c in ",:)"):
            clause += 1
    return _merge_phrases(tokens)


def _merge_phrases(tokens: list[_Token]) -> list[_Token]:
    merged: list[_Token] = []
    i = 0
    while i < len(tokens):
        for size in (3, 2):
            window = tokens[i : i + size]
            key = tuple(t.norm for t in window)
            if len(window) == size and key in PHRASES and window[0].sentence == window[-1].sentence:
                orig = " ".join(t.orig for t in window)
                merged.append(_Token(PHRASES[key], orig, window[0].sentence, window[0].clause, window[-1].trail))
                i += size
                break
        else:
            merged.append(tokens[i])
            i += 1
    return merged


@lru_cache(maxsize=4096)
def normalise_word(word: str) -> str:
    """Lower-case a word and undo the usual disguises: id1ot, f***, a$$hole, idiooots, u r."""
    word = unicodedata.normalize("NFKC", word).lower().replace("’", "'").replace("‘", "'").strip(_EDGE)
    if not word:
        return ""
    if word.isdigit() or re.fullmatch(r"#?\d[\d.,:/-]*", word):
        return "<num>"
    if word in _SPELLINGS:
        return _SPELLINGS[word]
    if word.isalpha() and word.isascii() and not re.search(r"(.)\1\1", word):
        return word
    return _deobfuscate(word)


def _deobfuscate(word: str) -> str:
    if set(word) <= set("*#"):
        return ""
    if re.search(r"[*#]", word) or re.fullmatch(r"[a-z]+-[a-z]+", word):
        pattern = _wildcard_pattern(word)
        for candidate in _DEOBFUSCATE_TO:
            if re.fullmatch(pattern, candidate):
                return candidate
        return word
    for candidate in _variants(word.translate(_LEET)):
        if candidate in _INSULTS or candidate in PROFANITY or candidate in ("scam", "scammers", "you"):
            return candidate
        if candidate in _SPELLINGS:
            return _SPELLINGS[candidate]
    return word


def _wildcard_pattern(word: str) -> str:
    """'f**k' -> 'f[a-z]{2}k', 'sh-t' -> 'sh[a-z]*t': each star stands for one hidden letter."""
    parts = []
    for run in re.findall(r"[*#]+|-|[^*#-]", word):
        if run[0] in "*#":
            parts.append(f"[a-z]{{{len(run)}}}")
        elif run == "-":
            parts.append("[a-z]*")
        else:
            parts.append(re.escape(run))
    return "".join(parts)


def _variants(word: str) -> tuple[str, ...]:
    return (
        word,
        re.sub(r"(.)\1{2,}", r"\1", word),
        re.sub(r"(.)\1{2,}", r"\1\1", word),
        re.sub(r"(.)\1+", r"\1", word),
    )


def is_non_english(norms: tuple[str, ...]) -> bool:
    english = sum(1 for n in norms if n in ENGLISH_STOPWORDS)
    foreign = sum(1 for n in norms if n in _FOREIGN)
    accented = sum(1 for n in norms if not n.isascii())
    foreign += accented // 2
    return foreign >= 2 and foreign > english


# --- insults ---------------------------------------------------------------------------------------------------


def _sentences(tokens: list[_Token]) -> list[list[_Token]]:
    groups: dict[int, list[_Token]] = {}
    for token in tokens:
        groups.setdefault(token.sentence, []).append(token)
    return list(groups.values())


def _find_insults(sentence: list[_Token], abuse: list[Hit], ignored: list[Hit]) -> None:
    for i, token in enumerate(sentence):
        if token.norm not in _INSULTS:
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


def _target(sentence: list[_Token], i: int) -> str:
    """Whom the insult at position i is about: staff, reader (nobody named), self, third, thing or none."""
    word = sentence[i].norm
    is_noun = word in PERSON_INSULTS
    if (is_noun or word in _AMBIGUOUS_NOUNS) and _vocative(sentence, i):
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


def _vocative(sentence: list[_Token], i: int) -> bool:
    """A clause that is only a form of address: ", you idiots." or "Listen, morons"."""
    clause = [t.norm for t in sentence if t.clause == sentence[i].clause]
    return all(w in _FILLER or w in _INSULTS or w in SECOND or w in _VOCATIVE_WORDS for w in clause)


_LINKING = frozenset(
    "and have has 've this that plain simply pretty rather even also both still always sir madam mate".split()
)


def _predicative_subject(sentence: list[_Token], i: int) -> str:
    """Whom "useless" describes in "you are all so useless": only linking words may stand in between.

    Anything else in the way ("can you check for fraud") means the word is not said of a person.
    """
    for j in range(i - 1, max(-1, i - 8), -1):
        kind = _person_kind(sentence, j)
        if kind is not None:
            return kind
        word = sentence[j].norm
        if not (word in _FILLER or word in _INSULTS or word in _LINKING or word.endswith("ly")):
            return "none"
    return "none"


def _predicate_follows(sentence: list[_Token], i: int) -> bool:
    """ "what scammers you are", "idiots, that's what you are": the subject comes after the insult."""
    after = [t.norm for t in sentence[i + 1 : i + 4]]
    return after[:2] in (["you", "are"], ["you", "were"]) or after[:1] == ["you're"] or after == ["you", "all", "are"]


def _attributive_head(sentence: list[_Token], i: int) -> str | None:
    """For "useless app" or "incompetent staff": the noun right after the adjective decides."""
    for j in range(i + 1, min(len(sentence), i + 3)):
        if sentence[j].clause != sentence[i].clause:
            return None
        word = sentence[j].norm
        if word in _INSULTS or word in ("and", "little", "old", "bunch", "of"):
            continue
        # Only a word we know decides; "stupid to read" or "stupid question" fall back to the subject.
        return _person_kind(sentence, j)
    return None


def _person_kind(sentence: list[_Token], j: int) -> str | None:
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
        if before in _NOT_OURS or before in _THIRD_MODIFIERS:
            return "third"
        if (
            word in GENERIC_PERSONS
            and before not in SECOND
            and before not in ("the", "this", "that", "these", "those", "whole", "all")
        ):
            return None
        return "staff"
    if word in COMPANY:
        return "third" if before in _NOT_OURS or before in _THIRD_MODIFIERS else "company"
    if word in THINGS:
        return "thing"
    return None


def _word_before(sentence: list[_Token], j: int) -> str:
    """The determiner or owner of word j, looking past adjectives: "you useless lot" -> "you"."""
    for k in range(j - 1, -1, -1):
        if sentence[k].norm not in _INSULTS and sentence[k].norm not in ("little", "old", "whole"):
            return sentence[k].norm
    return ""


def _ignored_because(sentence: list[_Token], i: int) -> str:
    if _negated(sentence, i):
        return "negated"
    if _reported(sentence, i):
        return "reported speech"
    return ""


def _negated(sentence: list[_Token], i: int) -> bool:
    clause = sentence[i].clause
    start = max(0, i - 6)
    for j in range(i - 1, start - 1, -1):
        if sentence[j].clause != clause:
            break
        word = sentence[j].norm
        if word not in NEGATORS and not word.endswith("n't"):
            continue
        following = sentence[j + 1].norm if j + 1 < len(sentence) else ""
        if (word, following) in _NOT_NEGATING or (word == "no" and following == "offence"):
            continue
        middle = [t.norm for t in sentence[j + 1 : i]]
        if all(w in _FILLER or w in _INSULTS for w in middle) or any(w in _SAYING for w in middle):
            return True
    return False


def _reported(sentence: list[_Token], i: int) -> bool:
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


# --- phrases: dismissals, threats, accusations, flags ---------------------------------------------------------


def _find_phrases(sentence: list[_Token], abuse: list[Hit], ignored: list[Hit], flags: list[Hit]) -> None:
    text, starts = _joined(sentence)
    for kind, pattern in (("profanity", _DISMISSALS), ("threat", _THREATS)):
        for match in pattern.finditer(text):
            at = _token_at(starts, match.start())
            phrase = _original(sentence, starts, match)
            if _phrase_negated(sentence, at):
                ignored.append(Hit(kind, phrase, "negated"))
            else:
                abuse.append(Hit(kind, phrase))
    for kind, pattern in (("scam", _SCAM), ("theft", _THEFT), ("lying", _LYING)):
        for match in pattern.finditer(text):
            at = _token_at(starts, match.start())
            phrase = _original(sentence, starts, match)
            why = _accusation_ignored(sentence, at)
            if why:
                ignored.append(Hit(kind, phrase, why))
            else:
                abuse.append(Hit(kind, phrase))
    for flag, pattern in _FLAGS.items():
        matches = list(pattern.finditer(text))
        if flag == "chargeback" and _BANK_WORDS.search(text):
            matches += list(_BANK_CANCEL.finditer(text))
        for match in matches:
            if flag == "public" and _POSITIVE_REVIEW.search(text):
                continue
            at = _token_at(starts, match.start())
            phrase = _original(sentence, starts, match)
            if phrase == "Sue" or _flag_negated(sentence, at, text):
                continue
            flags.append(Hit(flag, phrase))
            break


def _joined(sentence: list[_Token]) -> tuple[str, list[int]]:
    starts: list[int] = []
    position = 0
    for token in sentence:
        starts.append(position)
        position += len(token.norm) + 1
    return " ".join(t.norm for t in sentence), starts


def _token_at(starts: list[int], offset: int) -> int:
    index = 0
    for i, start in enumerate(starts):
        if start <= offset:
            index = i
    return index


def _original(sentence: list[_Token], starts: list[int], match: re.Match[str]) -> str:
    first = _token_at(starts, match.start())
    last = _token_at(starts, max(match.start(), match.end() - 1))
    return " ".join(t.orig for t in sentence[first : last + 1])


def _phrase_negated(sentence: list[_Token], at: int) -> bool:
    # Only a negation right before the phrase counts: "I won't tell you to f*** off", not "hope I never find".
    window = [t.norm for t in sentence[max(0, at - 2) : at] if t.clause == sentence[at].clause]
    return any(w in NEGATORS or w.endswith("n't") for w in window)


def _accusation_ignored(sentence: list[_Token], at: int) -> str:
    words = {t.norm for t in sentence}
    if words & _HEDGES or "?" in sentence[-1].trail:
        return "hedged"
    if _negated_before(sentence, at):
        return "negated"
    if _reported(sentence, at):
        return "reported speech"
    return ""


def _negated_before(sentence: list[_Token], at: int) -> bool:
    window = [t.norm for t in sentence[max(0, at - 5) : at]]
    for j, word in enumerate(window):
        if (word in NEGATORS or word.endswith("n't")) and (word, (window[j + 1 : j + 2] or [""])[0]) not in (
            _NOT_NEGATING
        ):
            return True
    return False


def _flag_negated(sentence: list[_Token], at: int, text: str) -> bool:
    if _FLAG_NEGATION_EXCEPTIONS.search(text):
        return False
    window = [t.norm for t in sentence[max(0, at - 6) : at] if t.clause == sentence[at].clause]
    return any(w in _FLAG_NEGATORS for w in window)


# --- features for the model ------------------------------------------------------------------------------------


def _features(
    own: str,
    norms: tuple[str, ...],
    abuse: list[Hit],
    ignored: list[Hit],
    flags: list[Hit],
    non_english: bool,
    quoted_lines: int,
) -> tuple[str, ...]:
    features = {f"rule:abuse:{hit.kind}" for hit in abuse}
    features |= {f"rule:ignored:{hit.why}" for hit in ignored}
    features |= {f"rule:flag:{hit.kind}" for hit in flags}
    features |= cue_features(norms)
    if any(n in PROFANITY for n in norms):
        features.add("rule:profanity")
    letters = [c for c in own if c.isalpha()]
    if len(letters) >= 12 and sum(c.isupper() for c in letters) / len(letters) > 0.6:
        features.add("rule:all_caps")
    elif len(re.findall(r"\b[A-Z]{4,}\b", own)) >= 2:
        features.add("rule:caps_words")
    if "!!" in own:
        features.add("rule:exclaims")
    if "??" in own or "?!" in own or "!?" in own:
        features.add("rule:question_marks")
    if non_english:
        features.add("rule:non_english")
    if quoted_lines:
        features.add("rule:quoted")
    return tuple(sorted(features))
