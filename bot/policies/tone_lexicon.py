"""The tone rules' words, and nothing else: insults and profanity, who a word is about, the grammar around an
insult, the patterns of threats, accusations and flags, and the words that tell a language. Data only.
"""

from __future__ import annotations

import re

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
AMBIGUOUS_NOUNS = frozenset("fool fools cheat cheats jerk jerks weasel weasels leech leeches prick pricks dick".split())
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
INSULTS = PERSON_INSULTS | PERSON_ADJECTIVES

# Words obfuscations are resolved to: profanity first, so "f***" reads as the swear word, not "fool".
DEOBFUSCATE_TO = tuple(sorted(PROFANITY)) + tuple(sorted(INSULTS)) + ("scam", "scammer", "scammers", "you")
SPELLINGS = {
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
LEET = str.maketrans(
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
NOT_OURS = frozenset("my our his her their some a an other another random".split())
THIRD_MODIFIERS = frozenset("delivery courier post mail dhl ups fedex bank forum reddit it uber taxi".split())
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
NOT_NEGATING = {("not", "only"), ("not", "just"), ("nothing", "but"), ("no", "wonder"), ("no", "better")}
SAYING = frozenset(
    """calling call called saying say said mean meant implying suggesting think thought believe accusing
    accuse claim claiming""".split()
)
FILLER = frozenset(
    """a an the such bunch of all just complete total absolute utter real right so too really very quite
    bloody fucking damn completely totally absolutely utterly is are was were be been being am 're 's
    seem seems look looks sound sounds like""".split()
)
REPORTING = frozenset(
    """said says say saying called calls call calling told tells tell wrote writes write claims claimed
    claim accused accuses thinks think thought reckons reckon believes mentioned posted complained described
    labelled labeled named yelled shouted warned""".split()
)
HEDGES = frozenset("feel feels felt seem seems seemed starting beginning wonder hope maybe probably might".split())

# --- threats, accusations and profanity aimed at people -------------------------------------------------------

_YOU = r"(?:you|you're|your (?:company|team|staff|people|shop|business|support team|developers?|agents?))"
DISMISSALS = re.compile(
    r"\b(?:(?:fuck|f|screw|damn|sod|bugger) (?:you|yourselves|yourself|your (?:company|team|shop|business|staff|"
    r"service|people|discount|refund|excuses|support)|this company|off)"
    r"|piss off|get stuffed|go to hell|go (?:fuck|screw) yoursel(?:f|ves)|go die|drop dead"
    r"|kiss my (?:ass|arse)|up yours|bite me|eat shit|shut up(?! and take)|shut your (?:mouth|face)"
    r"|shove (?:it|your [a-z ]{1,30}) up|stick (?:it|your [a-z ]{1,30}) up your|to hell with you"
    r"|(?:shove|stick) (?:it|them|that|this|your [^.!?]{1,30}) where the sun (?:don't|doesn't|does not) shine"
    r"|get your head out of your (?:ass|arse)|get fucked"
    r"|(?:you|your) (?:fucking|fuckin|bloody|damn|goddamn|sodding|shitty) (?:people|team|staff|lot|company|"
    r"developers?|programmers?|agents?|support team|shop|business))\b"
)
THREATS = re.compile(
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
    r"|(?:burn|torch|firebomb) (?:down )?(?:your|the|ur|it|this)\b(?: \w+)? ?(?:office|house|home|"
    r"warehouse|shop|store|building|place|car|to the ground)?"
    # "blow up the diagrams" enlarges them: blowing up is a threat only to a place.
    r"|blow (?:up )?(?:your|the|ur|this|that)(?: \w+)? (?:office|house|home|warehouse|shop|store|building|place"
    r"|car|van|premises)(?: up)?"
    r"|burns? (?:your|the) (?:\w+ )?(?:office|warehouse|shop|store|building|house) down"
    r"|(?:hope|wish|pray) (?:you|your \w+|the \w+|whoever \w+ \w+|someone \w+ you)(?: all)? "
    r"(?:die|dies|rot|rots|get cancer|drop dead|suffer|burns?)"
    r"|break (?:your|ur|his|her) (?:legs|neck|face|arms|jaw|teeth|fingers|nose)|punch (?:his|your) lights out"
    r"|pay you a (?:little )?visit|(?:coming|come) (?:after|for) you|you're dead|you are dead|dead meat"
    r"|(?:deserve|deserves) (?:a|an)(?: (?:nasty|serious|bad|horrible|painful|fatal|terrible|good))?"
    r" (?:beating|bullet|kicking|accident|crash|fall|slap|punch|hiding|thrashing)"
    r"|lesson with a (?:bat|baseball bat|knife|gun)"
    r"|never sleep peacefully|(?:find|hunt) you(?! (?:the|a|an|some|my|that|this|those|more|any|what)\b)"
    r"|make your life hell|beat the crap out of|track (?:you|yourselves|the owner|him|her) down)"
)
# Wishing the business ruin: abusive, but no threat of harm (the guide's line: wishing physical harm is a threat,
# wishing the business fails is not). The wish must be for the shop's end, not for a part of it to work.
RUIN_WISHES = re.compile(
    r"\b(?:hope|hoping|wish|pray|praying|can't wait (?:till|until|for)|cannot wait (?:till|until|for))"
    r" (?:you|you lot|you guys|you people|y'all|your (?:\w+ )?(?:shop|business|company|store|firm|outfit|brand"
    r"|startup|little operation)|the (?:shop|business|company|store|firm|outfit))(?: all| really| soon)?"
    r" (?:(?:go|goes|going|to go|end up|ends up) (?:bust|under|bankrupt|broke|out of business|to the wall"
    r"|belly up|under soon)|(?:fail|fails|collapse|collapses|fold|folds|(?:close|closes|shut|shuts|get shut"
    r"|gets shut) down|(?:lose|loses) everything|(?:crash|crashes) and burns?|(?:rot|rots) in (?:hell|bankruptcy)))\b"
)
SCAM = re.compile(
    r"\b(?:(?:scam|fraud|con) (?:company|companies|outfit|business|shop|store|operation|site|website|artists?)"
    r"|(?:you|you're|you guys|you people|your (?:company|business|shop|store|site|website|outfit|operation|"
    r"firm)|(?:this|the|whole) (?:company|business|shop|store|outfit|operation|firm))"
    r"(?: (?:is|are|'re|'s|was|were|just|nothing but|basically|clearly|one big|an?|total|complete|massive"
    r"|obvious|absolute|pure|such|run by))* (?:scam|fraud|con|ponzi|scheme))\b"
)
THEFT = re.compile(
    rf"\b{_YOU}(?: (?:have|basically|just|literally|simply|fucking|bloody|clearly|are))* "
    r"(?:stole|steal|stealing|robbed|robbing|swindled|conned|defrauded)\b|\bstole \d+|\bstolen my money\b"
)
LYING = re.compile(
    rf"\b{_YOU}(?: (?:have|are|were|'re|keep|just|clearly|blatantly|openly|always))* "
    r"(?:lied|lying|lie to|lie about)\b|\bstop lying\b"
)

# --- flags: chargeback, legal, public -------------------------------------------------------------------------

FLAGS = {
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
        r"|class action|cease and desist|letter before action)\b"
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
# Asking a bank or PayPal to take the money back, in the languages customers write to us in: a chargeback, not
# a legal matter ("chiederò alla mia banca di stornare il pagamento").
_FOREIGN_CHARGEBACK = {
    "it": r"storn\w*|riaccredit\w*|(?:aprire|aperto|apro|aprirò) (?:una )?(?:contestazione|controversia)"
    r"|contest\w* (?:il |la |questo )?(?:pagamento|l'addebito|addebito|transazione|acquisto)",
    "de": r"(?:zurück ?(?:zu ?)?buch|rückbuch|zurückgebucht)\w*"
    r"|lastschrift \w* ?(?:zurück\w*|widerruf\w*|widersprech\w*)"
    r"|(?:widerruf|widersprech)\w* (?:ich )?(?:der |die )?lastschrift|käuferschutz|paypal-konflikt"
    r"|widerspruch (?:bei|gegen) (?:der |meiner |die )?(?:bank|lastschrift|abbuchung)",
    "fr": r"rétrofacturation|(?:faire|fait|ferai) opposition|(?:ouvrir|ouvert|ouvre) un litige"
    r"|contest\w* (?:le |ce |la |cette )?(?:paiement|prélèvement|débit|transaction|achat)",
    "es": r"contracargo\w*|(?:anule|anulen|devuelva|revierta|cancele|bloquee|retroceda) (?:el |este |ese )?(?:cargo"
    r"|cobro|pago)|(?:disput|impugn|reclam)\w* (?:el |este |ese )?(?:cargo|cobro)|(?:abrir|abrí|abriré|abierto)"
    r" (?:una )?disputa",
    "nl": r"terugboek\w*|teruggeboekt|terugdraai\w*|storneer\w*|gestorneerd|(?:geschil|dispuut) (?:\w+ )?(?:bij|via"
    r"|met) paypal",
    "pt": r"estorn\w*|contest\w* (?:a |o )?(?:compra|cobrança|pagamento)",
    "pl": r"obciążenie zwrotne|chargeback\w*",
}
FOREIGN_CHARGEBACK = re.compile(r"\b(?:" + "|".join(_FOREIGN_CHARGEBACK.values()) + r")\b")
# Cancelling or blocking a payment is a dispute only when the bank or card company does it.
BANK_CANCEL = re.compile(
    r"\b(?:cancel\w*|block\w*|stop\w*) (?:the |this |that |my |these |your )*(?:payments?|charges?|transactions?)\b"
)
BANK_WORDS = re.compile(r"\b(?:bank|card|visa|mastercard|amex|paypal)\b")
POSITIVE_REVIEW = re.compile(r"\b(?:5|five)[- ]?stars?|(?:great|good|positive|glowing|nice) review")
FLAG_NEGATORS = frozenset("won't wouldn't don't never not no".split())
FLAG_NEGATION_EXCEPTIONS = re.compile(r"\b(?:don't make me|no choice|not threatening|if not|or not)\b")

# --- cues for the model: general signs of frustration or calm, beyond the words it has seen -----------------

NEGATIVE = frozenset(
    """unacceptable ridiculous disappointed disappointing disappoint annoyed annoying frustrated frustrating
    angry furious upset unhappy worst terrible awful horrible poor useless joke rubbish garbage disaster
    nightmare waste wasted wasting shocking shocked disgusted disgusting disgraceful unbelievable insane
    outrageous pathetic rip-off ripoff scam sucks nonexistent impossible ignored ignoring ignore regret
    ruined shame unreal enough seriously ugh sigh crazy mess fed sick tired patience impatient nobody
    noone sloppy lousy appalling incompetence incompetent cheated misleading lied bullshit""".split()
)
# Other languages get no abuse rules, but frustration in them should still register.
FOREIGN_NEGATIVE = frozenset(
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
NEGATIVE_PHRASES = re.compile(
    r"\b(?:not (?:happy|impressed|acceptable|good enough|fair|ok|okay|what i paid)|no (?:reply|response|answer|"
    r"one|communication|help)|(?:still|yet) (?:no|not|nothing|waiting|hasn't|haven't|doesn't|isn't|can't)"
    r"|(?:third|fourth|fifth|\w+th) time|\d+ times|(?:three|four|five|six|several|many) times|how many times"
    r"|what is going on|what's going on|come on|for (?:god's|fuck's|heaven's|pete's) sake|give up|i'm done"
    r"|had enough|sick of|tired of|fed up|thanks for nothing|waste of|took (?:my|your) money|losing patience"
    r"|last time|beyond a joke|any(?:one|body) (?:there|home|working|reading)|even (?:reading|read|answer)"
    r"|(?:days|weeks|months) (?:ago|now|later)|for (?:days|weeks|months)|since (?:last|monday|tuesday|wednesday"
    r"|thursday|friday|saturday|sunday)|(?:asap|urgent|urgently|immediately|right now))\b"
)
POLITE = re.compile(
    r"\b(?:please|thanks|thank you|thx|appreciate|appreciated|kindly|grateful|cheers|sorry|love|great|awesome"
    r"|brilliant|perfect|wonderful|lovely|happy|no rush|no worries|no problem|not urgent|when you (?:have|get)"
    r"|just (?:letting you know|wanted|a heads-up|checking)|fyi|heads-up|quick question|quick q|wondering"
    r"|could you|would you|can you|is it possible|is there|do you|does the|how do i|how can i)\b"
)
SARCASM = re.compile(
    r"\b(?:oh (?:great|wonderful|brilliant|fantastic|joy|good)|great job|good job|well done|thanks a lot"
    r"|thanks for nothing|really helpful|very helpful|so helpful|exactly what i needed|impressive|fantastic"
    r"|wonderful|brilliant|love (?:paying|waiting|how|it when)|thanks for (?:wasting|the (?:canned|helpful))"
    r"|great service|(?:just|simply) wow)\b"
)
# --- languages -------------------------------------------------------------------------------------------------

ENGLISH_STOPWORDS = frozenset(
    """the and is are was to of it that this my your you i for with have has not on at be but please can
    what why how do did does will would could there here just still again any me we they been from an
    order thanks thank hi hello""".split()
)
FOREIGN = frozenset(
    """und der das ist nicht ich mit ein eine auf für wir mein meine habe keine noch bitte danke aber sind
    wurde warum kann können zu den dem bei nach schon leider seit sie es le les et est je vous pas pour une
    des du mon ma mes avec sur que qui ce cette j'ai c'est toujours reçu merci bonjour depuis jours el los
    las y es por para con mi pero todavía gracias hola compré desde días nada os é meu minha com uma não
    ainda recebi obrigado obrigada olá comprei dias mas você vocês il che per sono ho ancora ricevuto grazie
    ciao buongiorno giorni perché è della del het een niet ik en van mijn jullie heb nog geen bedankt hallo
    dagen waarom maar wel dat met voor nie jest się że mój moja ale jeszcze dziękuję dzień dobry dni już mam
    nic czy proszę tydzień""".split()
)
