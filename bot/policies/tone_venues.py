"""Where a customer can go public about a seller: the word list behind the `public` flag.

What it is: review sites by country, social networks, communities (forums, subreddits, groups, servers,
newsletters, channels), the press and consumer television, and the audiences a customer can address ("my
followers", "other buyers"). The flag fires only when going public is threatened or done ("I'll post this on
r/x", "my newsletter will hear about this"), not on a negated or praising mention ("I won't post about this",
"happy to leave five stars"), nor on what others posted: that grammar lives in bot.policies.tone_flags.

Where the names come from: public knowledge of each site and medium (their own names); nothing was copied
from a list or from customer messages, and no evaluation set was read to build it.

How to add one: put the name, lower-case and as a customer would type it, in the right tuple (a review site
under its country, a kind of community in `COMMUNITIES`). Words are matched after the rules' own
normalisation ("/" splits words: "r/scams" reads "r scams"; digits read "<num>"). Then add a sentence naming
it to tests/policies/test_tone_flags.py. A bare common word ("google", "x", "press") is only read as a venue
where the grammar around it says so.

Licence: CC0-1.0 (public domain dedication), like the tone corpus; the rest of the repository is Apache-2.0.
"""

from __future__ import annotations

REVIEW_SITES: dict[str, tuple[str, ...]] = {
    "global": (
        "trustpilot",
        "trustpilot.com",
        "sitejabber",
        "yelp",
        "google reviews",
        "google review",
        "google maps",
        "google",
        "tripadvisor",
        "trip advisor",
        "capterra",
        "g2",
        "g2 crowd",
        "product hunt",
        "producthunt",
        "app store",
        "play store",
        "google play",
        "amazon reviews",
        "feefo",
        "reviews.io",
        "trusted shops",
        "ekomi",
        "scamadviser",
        "scam adviser",
        "glassdoor",
        "resellerratings",
        "complaintsboard",
        "complaints board",
        "pissedconsumer",
        "pissed consumer",
        "ripoff report",
        "ripoffreport",
        "rip-off report",
        "consumeraffairs.com",
    ),
    "uk": (
        "which magazine",
        "reviewcentre",
        "review centre",
        "bbc watchdog",
        "watchdog",
        "rip off britain",
        "moneysavingexpert",
    ),
    "au": (
        "productreview",
        "productreview.com.au",
        "product review",
        "word of mouth",
        "canstar blue",
        "a current affair",
    ),
    "nz": ("nocowboys", "no cowboys", "consumer nz", "fair go"),
    "ca": ("cbc marketplace",),
    "br": ("reclame aqui", "reclameaqui", "reclameaqui.com.br"),
    "de": ("trusted shops", "idealo", "kununu", "ekomi", "proven expert", "provenexpert"),
    "fr": ("avis vérifiés", "avis verifies", "que choisir", "<num> millions de consommateurs", "signal arnaques"),
    "nl": ("kiyoh", "klantenvertellen", "kassa"),
    "pl": ("opineo", "ceneo"),
    "cz": ("heureka",),
    "ch": ("kassensturz",),
    "se": ("prisjakt", "pricerunner", "reco.se"),
    "in": ("mouthshut", "mouth shut", "consumer complaints court"),
    "za": ("hellopeter", "hello peter"),
    "ru": ("otzovik", "irecommend", "yandex market"),
    "jp": ("kakaku", "kakaku.com", "tabelog"),
    "cn": ("dianping", "weibo"),
}

SOCIAL = (
    "twitter",
    "x.com",
    "tweet",
    "facebook",
    "fb",
    "instagram",
    "insta",
    "ig",
    "tiktok",
    "tik tok",
    "youtube",
    "linkedin",
    "reddit",
    "threads",
    "mastodon",
    "bluesky",
    "bsky",
    "tumblr",
    "pinterest",
    "snapchat",
    "twitch",
    "medium",
    "substack",
    "quora",
    "hacker news",
    "hackernews",
    "indie hackers",
    "mumsnet",
    "nextdoor",
    "vk",
    "social media",
    "socials",
    "the internet",
    "online",
)

COMMUNITIES = (
    "forum",
    "forums",
    "message board",
    "subreddit",
    "subreddits",
    "facebook group",
    "fb group",
    "whatsapp group",
    "telegram group",
    "telegram channel",
    "discord",
    "discord server",
    "slack",
    "slack group",
    "slack community",
    "community",
    "group chat",
    "mailing list",
    "email list",
    "newsletter",
    "blog",
    "blog post",
    "my blog",
    "my channel",
    "podcast",
    "livestream",
    "review",
    "reviews",
)

PRESS = (
    "press",
    "the press",
    "trade press",
    "tv show",
    "consumer tv show",
    "consumer show",
    "journalist",
    "journalists",
    "reporter",
    "reporters",
    "newspaper",
    "newspapers",
    "local paper",
    "local news",
    "the news",
    "news desk",
    "the media",
    "media",
    "tv",
    "consumer programme",
    "consumer program",
)

AUDIENCES = (
    "everyone",
    "everybody",
    "the world",
    "the whole world",
    "the internet",
    "the whole internet",
    "the entire internet",
    "anyone who will listen",
    "anyone who'll listen",
    "all my friends",
    "my friends",
    "my followers",
    "followers",
    "my subscribers",
    "subscribers",
    "my readers",
    "readers",
    "readership",
    "my audience",
    "my members",
    "my students",
    "my clients",
    "my network",
    "my list",
    "my contacts",
    "other customers",
    "other buyers",
    "other users",
    "other people",
    "other parents",
    "other shoppers",
    "potential customers",
    "future customers",
    "prospective customers",
)


def all_names() -> tuple[str, ...]:
    """Every venue and audience in the list, each once."""
    names: dict[str, None] = {}
    for sites in REVIEW_SITES.values():
        names.update(dict.fromkeys(sites))
    for group in (SOCIAL, COMMUNITIES, PRESS, AUDIENCES):
        names.update(dict.fromkeys(group))
    return tuple(names)
