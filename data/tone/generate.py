"""Regenerate the templated part of the tone training set (``source == "template"`` in train.jsonl).

Hand-written rows in train.jsonl are kept as they are; templated rows are rebuilt deterministically from the
tables below. The held-out set is never produced here: it was written by hand, in a different style.

    python data/tone/generate.py            # rewrites data/tone/train.jsonl in place
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

TRAIN = Path(__file__).with_name("train.jsonl")
SEED = 20251124
COUNTS = {"neutral": 470, "frustrated": 420, "abusive": 260}

PRODUCTS = [
    "the Pro licence",
    "the photography course",
    "the e-book",
    "the plugin",
    "the app",
    "my subscription",
    "the template pack",
    "the video course",
    "the desk lamp",
    "the poster set",
    "the Business licence",
    "the font bundle",
    "the Excel masterclass",
    "the printed workbook",
    "the audiobook",
    "the theme",
    "the notebook set",
    "the coaching package",
    "the WordPress plugin",
    "the design course",
    "the hoodie",
    "the starter kit",
    "the yearly plan",
    "the ebook bundle",
    "the SEO course",
    "the mug",
]
THINGS = [
    "download link",
    "licence key",
    "invoice",
    "refund",
    "parcel",
    "course access",
    "login",
    "receipt",
    "activation code",
    "order",
    "replacement",
    "tracking number",
    "password reset email",
    "certificate",
]
BROKEN_THINGS = [
    "download",
    "installer",
    "licence key",
    "checkout",
    "app",
    "plugin",
    "link",
    "update",
    "login page",
    "zip file",
    "activation",
    "website",
    "PDF",
    "course player",
    "export",
    "dashboard",
    "payment page",
]
STAFF_NAMES = ["Dave", "Anna", "Tom", "Lisa", "Mike", "Sara", "Ben", "Julia", "Chris", "Nina", "Omar"]
CUSTOMER_NAMES = [
    "Mark",
    "Priya",
    "Jonas",
    "Chloe",
    "Ahmed",
    "Lucia",
    "Pete",
    "Hannah",
    "Kenji",
    "Fatima",
    "Liam",
    "Olga",
    "Diego",
    "Aisha",
    "Sven",
    "Grace",
    "Tomasz",
    "Elena",
    "Kwame",
    "Isabel",
]
DURATIONS = [
    "two days",
    "three days",
    "4 days",
    "five days",
    "a week",
    "10 days",
    "two weeks",
    "3 weeks",
    "a month",
    "48 hours",
    "six days",
    "over a week",
    "since Monday",
    "since last Friday",
]
GREETINGS = ["Hi,", "Hello,", "Hi there,", "Dear support,", "Hey,", "Good morning,", "Hi team,", "Hello team,"]
CLOSINGS = ["Thanks,", "Regards,", "Best,", "Thank you,", "Cheers,", "Kind regards,", "Sincerely,"]

NEUTRAL = [
    "Could you resend the {thing} for order {order}?",
    "Where can I find the {thing}? I bought {product} yesterday.",
    "Is {product} available in other languages?",
    "Can I use {product} on two computers?",
    "How do I update the billing address on my account?",
    "Does {product} come with a certificate?",
    "Please send me an invoice for order {order}, our accounts team needs it.",
    "I'd like to upgrade {product}. How much would that cost?",
    "How do the Personal and Business licences differ?",
    "Is there a discount for students or teachers?",
    "Could you tell me when {product} ships to Canada?",
    "Thanks {staff}, that fixed it!",
    "Thanks for the quick reply, all good now.",
    "I'd like a refund for {product} please, it's not what I need. Order {order}.",
    "Can you change the email on my account to {email}?",
    "I accidentally bought {product} twice, could you refund one?",
    "Is it possible to pay by bank transfer?",
    "My card was declined, can I try another one?",
    "When will the next version of {product} be released?",
    "Can I get the receipt in PDF?",
    "Do you ship to Australia? And roughly how long does it take?",
    "I'd like to cancel my subscription at the end of the month.",
    "Hi {staff}, the {thing} arrived, thanks a lot.",
    "Could you confirm my order {order} went through?",
    "How long is the {thing} valid?",
    "Is {product} compatible with macOS Sonoma?",
    "I think there's a typo on page {num} of {product}.",
    "Can I transfer {product} to my colleague?",
    "Which payment options can I use at checkout?",
    "Could you add a gift note to order {order}?",
    "I moved house, please update my shipping address before order {order} ships.",
    "Do you have a reseller programme?",
    "Is there a bundle price for {product} and the workbook?",
    "Just checking: does the licence include updates?",
    "The {thing} went to my old email, can you send it to this one?",
    "My {broken} shows an error code {num}. Is that a known issue?",
    "I love {product}, thank you for making it.",
    "Will {product} go on sale for Black Friday?",
    "Please remove me from the newsletter.",
    "Can I pause my subscription for a month?",
    "We are a team of {num}, is there a volume discount?",
    "I have a question about VAT on order {order}.",
    "Could you send the tracking number for order {order}?",
    "Found the {thing} in my spam folder, sorry for the trouble!",
    "Is the {thing} sent by email or shown in my account?",
    "Can I get {product} in EPUB as well as PDF?",
    "Hi, quick question about {product}: does it work offline?",
    "No worries about the delay, just let me know when it's sorted.",
    "The {broken} works again, thanks for your help.",
    "Could I get an invoice with my company name on it?",
]
SELF_DEPRECATING = [
    "I'm such an {insult}, the {thing} was in my spam folder all along.",
    "Sorry, I'm an {insult} with computers. Where do I enter the licence key?",
    "I feel like a total {insult}, I typed the wrong email at checkout.",
    "Silly me, I'm a bit of an {insult} today. Found the {thing}, thanks!",
    "I was being an {insult}, I bought {product} on the wrong account. Can you move it?",
    "Probably a {adj_insult} question, but how do I install {product}?",
    "I'm so {adj_insult}, I deleted the {thing}. Could you resend it?",
]
REPORTED = [
    "My {third} called me an {insult} for not reading the manual. Can you help me with the install?",
    "My {third} says I'm an {insult} for buying {product} twice. Can you refund one?",
    "Someone on {venue} called you {insult_pl}, but you've been great to me. Is there an update coming?",
    "A guy on {venue} said you're {insult_pl}. I don't believe it. Does {product} work on Linux?",
    "My {third} thinks you're {insult_pl} because the {thing} hasn't arrived. Could you check order {order}?",
    "The reviews on {venue} calling your team {insult_pl} are unfair, in my experience. Anyway, where is the {thing}?",
]
NEGATED = [
    "I'm not calling you {insult_pl}, but the {thing} still hasn't arrived after {duration}.",
    "Not saying you're {insult_pl}, but I've waited {duration} for the {thing}.",
    "I don't think you're {insult_pl}, I just think you're overloaded. Still, {duration} for a {thing} is too long.",
    "You're not {insult_pl}, I know, but this {broken} problem is driving me mad.",
    "No offence, but the {broken} has been broken for {duration}.",
]
THIRD_PARTY_INSULT = [
    "The courier is an {insult}, he left the parcel in the rain. Can you send another?",
    "{carrier} are a bunch of {insult_pl}, they lost my parcel again. What can we do?",
    "My bank are {insult_pl}, they blocked the payment for {product}. Can I pay another way?",
    "My web host is run by {insult_pl}, they deleted the plugin folder. Can I download {product} again?",
]
QUOTED_OTHERS = [
    "Hi,\n\nMy client sent me this:\n> you are {insult_pl}, fix it now\n"
    "Please ignore his tone. Could you move the licence to his domain?",
    "> {abuse_line}\n\nSorry, that was my brother using my account. Please ignore it. Can you reset my password?",
    "Hello,\n\nOn {day}, {cname} <{email}> wrote:\n> {abuse_line}\n\n"
    "That was sent by mistake from a shared account, my apologies. Could I get the invoice for order {order}?",
]
FRUSTRATED = [
    "I've emailed {count} times about order {order} and nobody has answered.",
    "It's been {duration} and I still don't have my {thing}.",
    "This is unacceptable. I paid for {product} {duration} ago and got nothing.",
    "Why does nobody reply? I've been waiting {duration}.",
    "The {broken} is broken again. This is the {ordinal} time this month.",
    "I'm really disappointed with {product}. It's not what was advertised.",
    "Still no {thing}. What is going on?",
    "I was charged twice for {product} and nobody is answering.",
    "I cancelled my subscription and you still charged me. Please refund it.",
    "How many times do I have to ask for the {thing}?",
    "The parcel arrived damaged and half of it is missing. Not happy.",
    "Your update wiped my settings. Nobody warned us.",
    "I need the {thing} today, I have a client waiting. Please hurry.",
    "I'm losing patience. {duration} for a simple {thing}?",
    "You promised a fix {duration} ago. Nothing has changed.",
    "This is ridiculous, the {broken} keeps failing.",
    "Honestly, this is the worst service I've had in a long time.",
    "I'm fed up with the {broken} crashing every day.",
    "Why is it so hard to get a {thing}?",
    "Is anyone reading my messages? I've written {count} times.",
    "Please stop sending me the same canned reply. It doesn't help.",
    "I want a refund. {product} doesn't work and nobody helps.",
    "The {broken} doesn't work and I've tried everything in your FAQ.",
    "Extremely annoyed. I paid for express shipping and it took {duration}.",
    "I'm starting to think this is a scam. I paid and got nothing.",
    "This feels like a scam, honestly. Where is my {thing}?",
    "Total rip-off, {product} is half the length advertised.",
    "Your support is useless, nobody reads the tickets.",
    "The {broken} is useless since the last update.",
    "This {broken} is a joke.",
    "What a waste of money.",
    "Very disappointed. I expected much more for the price.",
    "I've lost a whole day because of this {broken} bug.",
    "Thanks for nothing. Still waiting after {duration}.",
    "Can someone competent look at this? I've explained it {count} times.",
    "Your so-called support closed my ticket without fixing anything.",
    "I don't want excuses, I want my {thing}.",
    "Every update breaks the {broken}. Every single one.",
    "Another week, another broken {broken}.",
    "I'm really upset, {product} was a gift and it arrived broken.",
]
SITUATION_PROFANITY = [
    "This {prof_adj} {broken} won't work.",
    "What the {prof_noun} is wrong with the {broken}?",
    "The {prof_adj} {thing} still hasn't arrived after {duration}.",
    "{exclaim}, the {broken} crashed again and I lost my work.",
    "I'm so {prof_state} with this {broken}.",
    "Why the {prof_noun} does the {broken} keep failing?",
    "This {prof_adj} {broken} is driving me crazy.",
    "{exclaim}. {duration} and still no {thing}.",
]
SARCASM = [
    "Oh great, the {broken} is broken again. Wonderful.",
    "Fantastic, another update that breaks the {broken}. Thanks a lot.",
    "Love waiting {duration} for a reply. Great service.",
    "Brilliant, my {thing} went to the wrong address. Again.",
    "Wow, {duration} and not a word. Impressive.",
    "Thanks for the helpful canned reply. Really solved everything.",
]
SELF_DEFENCE = [
    "I'm not an {insult}, I followed your guide exactly and the {broken} still fails.",
    "Do you think I'm {adj_insult}? I checked my spam folder {count} times.",
    "Please don't treat me like an {insult}. The {thing} never arrived.",
    "I'm not {adj_insult}, the {broken} is broken. Stop telling me to restart.",
]
FLAG_SENTENCES = {
    "chargeback": [
        "If I don't get a refund by {weekday}, I'll file a chargeback.",
        "I'll ask my bank to reverse the payment.",
        "I have opened a dispute with PayPal.",
        "Otherwise I'll dispute the charge with my credit card company.",
        "My bank says I can reverse the transaction, and I will.",
        "I'm calling my card issuer tomorrow to get my money back.",
        "I've already started a chargeback.",
        "One more day and I'm disputing this with my bank.",
        "I've reported the charge as unauthorised to my bank.",
        "I'll get my money back through PayPal buyer protection if I have to.",
    ],
    "legal": [
        "My lawyer will be in touch.",
        "I'm prepared to take legal action.",
        "I'll report this to Trading Standards.",
        "I will file a complaint with the consumer protection agency.",
        "My solicitor is already looking at this.",
        "I'll take you to small claims court.",
        "I'm going to sue for the cost of my lost work.",
        "I'll be contacting my attorney.",
        "Next step is a complaint to the FTC.",
        "I will report you to the data protection authority.",
    ],
    "public": [
        "I'll be leaving a one-star review.",
        "I'm going to post about this on Twitter.",
        "Everyone on Reddit will hear about this.",
        "I'll warn other customers about your shop.",
        "Expect a very honest review on Trustpilot.",
        "I'll tell all my followers on Instagram.",
        "I'm writing a blog post about this experience.",
        "I'll share this whole conversation on LinkedIn.",
        "I'm making a YouTube video about how you treat customers.",
        "I'll make sure everyone in the Facebook group knows.",
    ],
}
ABUSIVE = [
    "You are {insult_pl}.",
    "You're all {insult_pl}.",
    "You {adj} {insult_pl}.",
    "You {insult_pl} still haven't sent my {thing}.",
    "Listen, you {insult_pl}: where is my {thing}?",
    "Your {staff_noun} is an {insult}.",
    "Your {staff_noun} is a {adj} {insult}.",
    "Your {staff_nouns} are {insult_pl}.",
    "Your {staff_nouns} are a bunch of {adj} {insult_pl}.",
    "The {staff_noun} who answered me is an {insult}.",
    "{staff} is an {insult}, he can't even read my email.",
    "What a bunch of {insult_pl}.",
    "{insult_cap}. {duration} and no {thing}.",
    "Bunch of {insult_pl}, the {broken} still doesn't work.",
    "Are you people {adj_insult}? I told you the order number already.",
    "Are you {adj_insult} or just lazy?",
    "You people are {adj_insult}.",
    "How {adj_insult} can one company be?",
    "{dismissal}",
    "{dismissal}, I'm done waiting.",
    "{dismissal} and give me my money back.",
    "You stole my money.",
    "You basically stole my money and now you ignore me.",
    "You lied to me about the {thing}.",
    "Stop lying, you never sent the {thing}.",
    "You're lying and you know it.",
    "Your company is a scam.",
    "This company is a scam run by {insult_pl}.",
    "Scam company. {insult_cap}.",
    "You scammers took my money for {product}.",
    "You are thieves, nothing more.",
    "Give me my money back, you {insult_pl}.",
    "I want a refund, you {adj} {insult_pl}.",
    "Whoever runs this shop is an {insult}.",
    "The idiot who wrote this {broken} should be fired.",
    "Your developer is a liar and a {insult}.",
    "Are you all this {adj_insult} or is it just {staff}?",
    "Thanks for nothing, you {insult_pl}.",
    "I'm sick of dealing with {insult_pl} like you.",
]
THREATS = [
    "Watch your back.",
    "I know where your office is. Refund me or else.",
    "You'll regret this, I promise you.",
    "I'm going to come down to your office and beat the crap out of whoever is responsible.",
    "If I ever meet your developer, I'll break his nose.",
    "I'll burn your warehouse to the ground.",
    "I hope you all die.",
    "I'll track you down and make you pay.",
    "Someone should break your legs.",
    "You'd better watch yourselves.",
    "I know where you live.",
    "I'm going to hurt whoever is responsible for this.",
]
INSULTS = [
    ("idiot", "idiots"),
    ("moron", "morons"),
    ("clown", "clowns"),
    ("imbecile", "imbeciles"),
    ("liar", "liars"),
    ("crook", "crooks"),
    ("thief", "thieves"),
    ("scammer", "scammers"),
    ("fraud", "frauds"),
    ("cheat", "cheats"),
    ("loser", "losers"),
    ("jerk", "jerks"),
    ("scumbag", "scumbags"),
    ("muppet", "muppets"),
    ("dumbass", "dumbasses"),
    ("cretin", "cretins"),
    ("asshole", "assholes"),
    ("bastard", "bastards"),
    ("con artist", "con artists"),
    ("amateur", "amateurs"),
    ("parasite", "parasites"),
    ("halfwit", "halfwits"),
    ("dimwit", "dimwits"),
    ("wanker", "wankers"),
]
SELF_INSULTS = ["idiot", "moron", "dummy", "noob", "dork", "airhead", "idiot"]
ADJS = ["useless", "incompetent", "pathetic", "lazy", "stupid", "clueless", "lying", "thieving", "brainless"]
ADJ_INSULTS = ["stupid", "dumb", "incompetent", "useless", "pathetic", "clueless", "brain dead", "retarded"]
SELF_ADJ = ["stupid", "dumb", "silly", "daft"]
STAFF_NOUN = ["developer", "support guy", "agent", "programmer", "owner", "CEO", "manager", "support person"]
STAFF_NOUNS = ["developers", "support staff", "agents", "programmers", "staff", "support team", "people"]
DISMISSALS = [
    "Fuck you",
    "Fuck off",
    "Go to hell",
    "Screw you",
    "Piss off",
    "Go fuck yourselves",
    "Kiss my ass",
    "Up yours",
    "Shut up",
    "Damn you",
    "F*** off",
    "F*ck you",
    "Sod off",
    "Get stuffed",
]
THIRD = ["boss", "wife", "husband", "brother", "colleague", "teacher", "dad", "client", "son", "flatmate"]
VENUES = ["Reddit", "a forum", "Twitter", "Facebook", "YouTube", "a Discord server"]
CARRIERS = ["DHL", "The post office", "UPS", "FedEx", "Royal Mail", "The courier company"]
PROF_ADJ = ["damn", "bloody", "stupid", "fucking", "f***ing", "shitty", "crappy", "goddamn", "freaking"]
PROF_NOUN = ["hell", "heck", "fuck", "f***", "devil"]
PROF_STATE = ["fed up", "pissed off", "sick and tired", "done", "over it"]
EXCLAIMS = ["Damn", "Ugh", "FFS", "Jesus", "Goddamn it", "WTF", "Oh for god's sake", "Bloody hell", "Shit"]
ABUSE_LINES = ["you are all idiots", "you thieving scammers", "screw you and your refund policy"]
OBFUSCATE = {
    "idiot": ["id1ot", "idi0t", "i d i o t", "idiooot"],
    "idiots": ["id1ots", "idi0ts", "i.d.i.o.t.s", "idiotsss"],
    "moron": ["m0ron", "mor0n"],
    "morons": ["m0r0ns", "m o r o n s"],
    "asshole": ["a$$hole", "a**hole", "@sshole"],
    "assholes": ["a$$holes", "a**holes"],
    "scammers": ["sc@mmers", "scamm3rs", "s c a m m e r s"],
    "liars": ["l1ars", "liarsss"],
    "clowns": ["cl0wns"],
    "Fuck you": ["F*** you", "Fck you", "F u c k you", "Phuck you"],
    "Fuck off": ["F*** off", "Fuk off", "f**k off"],
    "stupid": ["stup1d", "s t u p i d"],
}
FOREIGN = [
    ("neutral", "Hallo, wo finde ich meine Rechnung für Bestellung {order}?"),
    ("neutral", "Bonjour, je voudrais changer l'adresse de livraison de la commande {order}."),
    ("neutral", "Hola, ¿puedo usar la licencia en dos ordenadores?"),
    ("neutral", "Olá, vocês têm desconto para estudantes?"),
    ("neutral", "Ciao, dove posso scaricare il mio ebook?"),
    ("neutral", "Hoi, kunnen jullie de factuur opnieuw sturen? Bestelling {order}."),
    ("neutral", "Dzień dobry, czy wysyłacie do Polski? Dziękuję."),
    ("frustrated", "Ich warte seit {num} Tagen auf meinen Lizenzschlüssel. Das ist nicht akzeptabel!"),
    ("frustrated", "C'est la troisième fois que j'écris, personne ne répond. Je suis vraiment énervé."),
    ("frustrated", "¡Esto es una vergüenza! Pagué hace {num} días y no tengo acceso al curso."),
    ("frustrated", "Que absurdo, já faz {num} dias e nada do meu pedido."),
    ("frustrated", "Sono stufo, il download non funziona e nessuno risponde."),
    ("frustrated", "Waardeloos, al {num} dagen wacht ik op mijn geld."),
    ("frustrated", "To jest skandal, nikt nie odpowiada od {num} dni!"),
    ("frustrated", "Verdammter Mist, der Kurs lädt schon wieder nicht."),
    ("frustrated", "Merde, le fichier est encore corrompu. Envoyez-moi un nouveau lien."),
    ("frustrated", "Maldita sea, el enlace de descarga ha caducado otra vez."),
    ("frustrated", "Porra, o aplicativo travou de novo e perdi tudo."),
    ("frustrated", "Cazzo, mi avete addebitato due volte!"),
    ("frustrated", "Verdomme, de licentie werkt nog steeds niet."),
    ("frustrated", "Kurwa, znowu nie działa pobieranie."),
]


def main() -> None:
    rng = random.Random(SEED)  # noqa: S311 - a fixed seed for a reproducible corpus, not for secrets
    hand = [row for row in _read(TRAIN) if row["source"] != "template"]
    seen = {row["text"] for row in hand}
    generated: list[dict] = []
    for tone, count in COUNTS.items():
        made = 0
        while made < count:
            text, flags = _MAKERS[tone](rng)
            if text in seen:
                continue
            seen.add(text)
            generated.append({"text": text, "tone": tone, "flags": sorted(flags), "source": "template"})
            made += 1
    rng.shuffle(generated)
    with TRAIN.open("w", encoding="utf-8") as out:
        for row in hand + generated:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(hand)} hand-written + {len(generated)} templated rows -> {TRAIN}")


def _read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _neutral(rng: random.Random) -> tuple[str, set[str]]:
    roll = rng.random()
    if roll < 0.10:
        core = _fill(rng, rng.choice(SELF_DEPRECATING), self_insult=True)
    elif roll < 0.17:
        core = _fill(rng, rng.choice(REPORTED))
    elif roll < 0.22:
        core = _fill(rng, rng.choice(QUOTED_OTHERS))
        return core, set()
    elif roll < 0.25:
        core, _ = _foreign(rng, "neutral")
    else:
        core = _fill(rng, rng.choice(NEUTRAL))
    return _wrap(rng, core), set()


def _frustrated(rng: random.Random) -> tuple[str, set[str]]:
    roll = rng.random()
    if roll < 0.14:
        core = _fill(rng, rng.choice(SITUATION_PROFANITY))
    elif roll < 0.22:
        core = _fill(rng, rng.choice(SARCASM))
    elif roll < 0.29:
        core = _fill(rng, rng.choice(NEGATED))
    elif roll < 0.34:
        core = _fill(rng, rng.choice(SELF_DEFENCE))
    elif roll < 0.38:
        core = _fill(rng, rng.choice(THIRD_PARTY_INSULT))
    elif roll < 0.46:
        core, _ = _foreign(rng, "frustrated")
        return core, set()
    else:
        core = _fill(rng, rng.choice(FRUSTRATED))
        if rng.random() < 0.4:
            core += " " + _fill(rng, rng.choice(FRUSTRATED))
    flags = _add_flags(rng, 0.35)
    core = " ".join([core, *(_fill(rng, rng.choice(FLAG_SENTENCES[f])) for f in sorted(flags))])
    return _wrap(rng, _shout(rng, core)), flags


def _abusive(rng: random.Random) -> tuple[str, set[str]]:
    flags: set[str] = set()
    if rng.random() < 0.16:
        core = _fill(rng, rng.choice(THREATS))
        flags.add("threat")
    else:
        core = _fill(rng, rng.choice(ABUSIVE), obfuscate=rng.random() < 0.3)
    if rng.random() < 0.35:
        core = _fill(rng, rng.choice(FRUSTRATED)) + " " + core
    extra = _add_flags(rng, 0.25)
    core = " ".join([core, *(_fill(rng, rng.choice(FLAG_SENTENCES[f])) for f in sorted(extra))])
    return _wrap(rng, _shout(rng, core)), flags | extra


_MAKERS: dict[str, Callable[[random.Random], tuple[str, set[str]]]] = {
    "neutral": _neutral,
    "frustrated": _frustrated,
    "abusive": _abusive,
}


def _foreign(rng: random.Random, tone: str) -> tuple[str, set[str]]:
    template = rng.choice([t for label, t in FOREIGN if label == tone])
    return _fill(rng, template), set()


def _add_flags(rng: random.Random, chance: float) -> set[str]:
    if rng.random() >= chance:
        return set()
    flags = {rng.choice(sorted(FLAG_SENTENCES))}
    if rng.random() < 0.2:
        flags.add(rng.choice(sorted(FLAG_SENTENCES)))
    return flags


def _fill(rng: random.Random, template: str, *, obfuscate: bool = False, self_insult: bool = False) -> str:
    singular, plural = rng.choice(INSULTS)
    if self_insult:
        singular = rng.choice(SELF_INSULTS)
    dismissal = rng.choice(DISMISSALS)
    adj_insult = rng.choice(SELF_ADJ if self_insult else ADJ_INSULTS)
    if obfuscate:
        singular = rng.choice(OBFUSCATE.get(singular, [singular]))
        plural = rng.choice(OBFUSCATE.get(plural, [plural]))
        dismissal = rng.choice(OBFUSCATE.get(dismissal, [dismissal]))
        adj_insult = rng.choice(OBFUSCATE.get(adj_insult, [adj_insult]))
    values = {
        "product": rng.choice(PRODUCTS),
        "thing": rng.choice(THINGS),
        "broken": rng.choice(BROKEN_THINGS),
        "staff": rng.choice(STAFF_NAMES),
        "order": f"#{rng.randint(1000, 99999)}",
        "num": str(rng.randint(2, 14)),
        "count": rng.choice(["two", "three", "four", "five", "3", "4", "6"]),
        "ordinal": rng.choice(["second", "third", "fourth", "fifth"]),
        "duration": rng.choice(DURATIONS),
        "weekday": rng.choice(["Monday", "Friday", "tomorrow", "the end of the week", "Wednesday"]),
        "email": f"{rng.choice(CUSTOMER_NAMES).lower()}{rng.randint(1, 99)}@example.com",
        "cname": rng.choice(CUSTOMER_NAMES),
        "day": rng.choice(["Mon, 3 Mar 2025", "Tue, 14 Jan 2025 at 10:02", "Friday"]),
        "insult": singular,
        "insult_pl": plural,
        "insult_cap": plural.capitalize(),
        "adj": rng.choice(ADJS),
        "adj_insult": adj_insult,
        "staff_noun": rng.choice(STAFF_NOUN),
        "staff_nouns": rng.choice(STAFF_NOUNS),
        "dismissal": dismissal,
        "third": rng.choice(THIRD),
        "venue": rng.choice(VENUES),
        "carrier": rng.choice(CARRIERS),
        "prof_adj": rng.choice(PROF_ADJ),
        "prof_noun": rng.choice(PROF_NOUN),
        "prof_state": rng.choice(PROF_STATE),
        "exclaim": rng.choice(EXCLAIMS),
        "abuse_line": rng.choice(ABUSE_LINES),
    }
    text = template.format(**values)
    # "an" before a consonant-initial insult reads wrong; fix the article rather than the templates.
    return _articles(text)


def _articles(text: str) -> str:
    words = text.split(" ")
    for i in range(len(words) - 1):
        nxt = words[i + 1].lstrip("\"'").lower()
        if words[i] in ("a", "an") and nxt:
            vowel = nxt[0] in "aeiou" and not nxt.startswith(("use", "uni", "eu", "one"))
            words[i] = "an" if vowel else "a"
    return " ".join(words)


def _wrap(rng: random.Random, core: str) -> str:
    """Dress a core sentence as chat (bare) or as an email (greeting, closing, signature)."""
    style = rng.random()
    if style < 0.45:
        return core
    if style < 0.6:
        return core.lower()
    greeting = rng.choice(GREETINGS)
    name = rng.choice(CUSTOMER_NAMES)
    if style < 0.8:
        lead = core if core.startswith(("I ", "I'")) or core.isupper() else core[:1].lower() + core[1:]
        return f"{greeting} {lead}"
    return f"{greeting}\n\n{core}\n\n{rng.choice(CLOSINGS)}\n{name}"


def _shout(rng: random.Random, text: str) -> str:
    """Some angry writers use caps and exclamation marks; that alone must not read as abuse."""
    roll = rng.random()
    if roll < 0.08:
        return text.upper()
    if roll < 0.18:
        return text.rstrip(".!?") + rng.choice(["!!!", "!!", "?!", "!!!!!", "???"])
    return text


if __name__ == "__main__":
    main()
