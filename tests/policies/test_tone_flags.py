"""The legal and public flags of the tone rules: authorities and venues brought in or threatened, never merely
named, declined or praised. Every sentence here was written for this test; none comes from a data set."""

from __future__ import annotations

import pytest

from bot.policies import tone_authorities, tone_venues
from bot.policies.tone import Flag, ModelScores, WindowScores, judge
from bot.policies.tone_rules import analyse


def flags_of(text: str) -> set[str]:
    return {hit.kind for hit in analyse(text).flags}


def declined_of(text: str) -> set[str]:
    return {hit.why for hit in analyse(text).declined}


@pytest.mark.parametrize(
    "text",
    [
        "I've reported you to the FTC.",
        "Filing a complaint with the CFPB tonight.",
        "The attorney general's office will hear about this.",
        "I've lodged a report with IC3 and I'm keeping every email.",
        "Trading Standards have been notified.",
        "I rang Citizens Advice this morning and they're helping me write to you.",
        "I've got an Action Fraud reference for this.",
        "I'm escalating to the Financial Ombudsman next week.",
        "The ICO will be interested in how you handled my data.",
        "If you don't refund me I'll take this to the Verbraucherzentrale",
        "J'ai fait un signalement, je vais écrire à la DGCCRF et à 60 Millions de Consommateurs.",
        "I've already been in touch with ECC-Net about the missing parcel.",
        "My complaint to Konsumentverket and ARN is drafted.",
        "Refund by Friday or it's Forbrukerrådet.",
        "I'm going to the ACM (ConsuWijzer) with the screenshots.",
        "We've copied AGCM and Altroconsumo on this email.",
        "Reporting you to OCU and FACUA, both.",
        "A queixa à DECO já foi feita, I'm sending you the number.",
        "I will file with UOKiK.",
        "The CNIL has my complaint about your tracking cookies.",
        "I'll contact the Competition Bureau and the Canadian Anti-Fraud Centre.",
        "Next stop: the ACCC.",
        "I'm lodging a claim with NSW Fair Trading.",
        "Your case is going to the Disputes Tribunal.",
        "I'll be approaching the consumer court with my invoice.",
        "Already registered it with the National Consumer Helpline.",
        "Abri uma reclamação no Procon.",
        "I apologise for the tone, but I'm reporting you to the police.",
        "The police report is in.",
        "I'll see you in small claims.",
        "I've started a money claim online against you.",
        "If I don't hear back by Monday I'm writing to the ombudsman.",
        # chat style: no subject, name-calling between the verb and the name
        "Reported you cheats to the consumer ombudsman first thing.",
        "Flagged you clowns with Action Fraud last night.",
        "Shopped you lot to Trading Standards. Enjoy.",
        "ratted u thieving lot out to the police",
        "I have made complaint to the ombudsman, reference in attachment.",
    ],
)
def test_an_authority_brought_in_or_threatened_raises_legal(text: str) -> None:
    assert "legal" in flags_of(text)


@pytest.mark.parametrize(
    "text",
    [
        "Citizens Advice says I'm entitled to a refund, can you confirm?",
        "According to the ACCC website, a faulty product must be repaired or replaced. Is that your policy too?",
        "I work for the Consumer Affairs office and I'd like to buy the e-book for myself.",
        "Our company is regulated by the FCA: can you send your security documentation?",
        "I won't be reporting you to the FTC, I just want my money back.",
        "I have no intention of going to the ombudsman over this.",
        "The police station near me sells the same lamp.",
        "Is your company registered with the ICO?",
        "I read that the CNIL fined another shop last year.",
        "I'll tell you what Citizens Advice said: keep every receipt.",
    ],
)
def test_an_authority_merely_named_or_declined_does_not(text: str) -> None:
    assert "legal" not in flags_of(text)


@pytest.mark.parametrize(
    "text",
    [
        "I'll be posting about this in every Facebook group I'm in.",
        "This is going straight to r/scams.",
        "Writing it up on the sysadmin subreddit tonight.",
        "My newsletter will hear about this.",
        "I'm making a YouTube video about your refund policy.",
        "Leaving you a Sitejabber review as we speak.",
        "I've posted on Reclame Aqui.",
        "Expect a review on ProductReview.com.au.",
        "Everyone in my Discord server will know by tonight.",
        "I'm telling my 12k followers.",
        "I'll warn other buyers on Trustpilot.",
        "Mumsnet is going to love this thread.",
        "The Trustpilot review is up.",
        "I've started a thread on Hacker News.",
        "A very long Reddit post is coming.",
        "I don't usually post reviews but I'm posting this one on Google.",
        "I'm contacting a journalist at the local paper.",
        "I'll make sure every parent at my school knows.",
        "Everybody's going to learn what cowboys you are.",
        "The whole internet is about to find out how you treat buyers.",
        "Trustpilot's going to hear all about this.",
    ],
)
def test_going_public_threatened_or_done_raises_public(text: str) -> None:
    assert "public" in flags_of(text)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("I won't post about this online, I just want it fixed.", "negated"),
        ("I'd never leave a bad review over a late parcel.", "negated"),
        ("I'm not going to put this on Reddit.", "negated"),
        ("Happy to leave five stars on Trustpilot once it's sorted!", "praise"),
        ("I'll write a glowing review on my blog, you've been brilliant.", "praise"),
        ("I'll tell everyone how helpful you were.", "praise"),
        ("Everyone's going to love the new templates, great work.", "praise"),
        ("Where can I leave a review on Google?", "asking"),
        ("Someone posted your download link on a forum.", "someone else's"),
        ("I was going to write an angry review on Yelp but it arrived.", "taken back"),
        ("Sorry for ranting on Twitter, I've deleted it.", "taken back"),
    ],
)
def test_going_public_declined_praised_or_by_others_is_declined(text: str, why: str) -> None:
    assert "public" not in flags_of(text)
    assert why in declined_of(text)


@pytest.mark.parametrize(
    "text",
    [
        "I saw a post in the craft group about your yarn.",
        "I'm going to google it and come back to you.",
        "I reported the fake account to Instagram.",
        "I'm a journalist writing about online courses.",
        "I'll send the group licence form tomorrow.",
        "Everyone's going to hear back from you by Friday, right?",
        "The internet is down at my office, can you resend the link?",
    ],
)
def test_a_venue_that_is_no_threat_does_not_raise_public(text: str) -> None:
    assert "public" not in flags_of(text)


@pytest.mark.parametrize("name", tone_authorities.all_names())
def test_every_authority_in_the_list_is_read(name: str) -> None:
    assert "legal" in flags_of(f"I have reported you to {name}.")
    # A court or a small claim is legal wherever it is named; every other name needs the grammar.
    if not any(word in name for word in ("court", "small claims", "money claim")):
        assert "legal" not in flags_of(f"I read what {name} publishes every year.")


@pytest.mark.parametrize("name", [site for sites in tone_venues.REVIEW_SITES.values() for site in sites])
def test_every_review_site_in_the_list_is_read(name: str) -> None:
    assert "public" in flags_of(f"I'm posting all of this on {name}.")
    assert "public" not in flags_of(f"I won't post anything on {name}.")


def scores(public: float = 0.0, legal: float = 0.0) -> ModelScores:
    flags = {"chargeback": 0.0, "legal": legal, "public": public, "threat": 0.0}
    return ModelScores("test", (WindowScores((0.8, 0.2, 0.0), flags, ""),))


@pytest.mark.parametrize(
    ("text", "model", "flag", "raised"),
    [
        # The model reacts to "post" and "Reddit"; the rules read the "won't" and say why the flag stays down.
        ("I won't post about this on Reddit, I promise.", scores(public=0.8), Flag.PUBLIC, False),
        ("Five stars on Trustpilot from me, thanks so much!", scores(public=0.7), Flag.PUBLIC, False),
        ("I'm not going to report you to Trading Standards.", scores(legal=0.9), Flag.LEGAL, False),
        # With nothing declined the model's flag stands, even where the rules found nothing.
        ("People should know how this shop treats its buyers.", scores(public=0.8), Flag.PUBLIC, True),
        # And a declined mention beside a real one keeps the flag: the rules raise it themselves.
        ("I won't leave a review, I'll post the whole chat on r/scams.", scores(public=0.8), Flag.PUBLIC, True),
    ],
)
def test_a_declined_mention_stops_the_models_flag(text: str, model: ModelScores, flag: Flag, raised: bool) -> None:
    verdict = judge(analyse(text), model)
    assert (flag in verdict.flags) is raised
    if not raised:
        assert any(reason.startswith("not counted") for reason in verdict.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "Senza risposta entro lunedì, chiedo alla banca lo storno dell'addebito.",
        "Contesterò l'addebito con la carta se non mi rispondete.",
        "Ich habe meine Bank gebeten, die Zahlung zurückzubuchen.",
        "Ohne Antwort bis Montag widerrufe ich die Lastschrift.",
        "Sans réponse je ferai opposition auprès de ma banque.",
        "Je vais contester le prélèvement, j'en ai assez.",
        "Si no contestáis, pediré a mi banco que anule el cargo.",
        "Ya abrí una disputa en PayPal.",
        "Als ik vrijdag niets hoor, laat ik de betaling terugboeken.",
        "Vou pedir o estorno ao meu banco.",
    ],
)
def test_a_chargeback_asked_of_a_bank_in_another_language_is_a_chargeback_not_legal(text: str) -> None:
    assert flags_of(text) == {"chargeback"}


@pytest.mark.parametrize(
    "text",
    [
        "Ho pagato con la carta, potete mandarmi la fattura?",
        "Die Zahlung ist angekommen, danke für die schnelle Lieferung!",
        "Je voudrais annuler ma commande avant l'envoi, s'il vous plaît.",
        "¿Puedo pagar con PayPal en vez de con tarjeta?",
        "Kan ik mijn bestelling nog wijzigen?",
    ],
)
def test_paying_or_cancelling_an_order_in_another_language_is_not(text: str) -> None:
    assert "chargeback" not in flags_of(text)
