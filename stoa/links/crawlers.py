"""Who is not a person following a link: search crawlers, the networks' link-preview fetchers and HTTP libraries.

Each network fetches a link once to draw its card as soon as the post is seen (Mastodon: every server that
receives the post, with "Mastodon/<version>" in its user agent), so counting them would count servers, not people.
A browser always sends a user agent; a request without one is not counted either."""

import re

NOT_A_PERSON = re.compile(
    "|".join([
        r"(?<!cu)bot\b", r"bot[/_;-]", r"crawl", r"spider", r"preview", r"slurp", r"fetcher",  # generic
        r"facebookexternalhit", r"facebookcatalog", r"meta-externalagent", r"twitterbot", r"telegrambot",
        r"mastodon/", r"pleroma", r"akkoma", r"misskey", r"bluesky cardyb", r"cardyb", r"slack", r"discord",
        r"whatsapp", r"linkedin", r"skype", r"embedly", r"iframely", r"redditbot", r"vkshare", r"viber",
        r"headlesschrome", r"lighthouse", r"python-", r"curl/", r"wget/", r"go-http-client", r"okhttp", r"java/",
    ]),
    re.IGNORECASE,
)


def is_person(user_agent: str) -> bool:
    return bool(user_agent.strip()) and not NOT_A_PERSON.search(user_agent)
