"""Entries read from the networks: who liked, reposted, replied to or quoted a contest's posts (ReadsEngagement).

Replies and quotes come with their text and time (the providers' engaged_posts), for hashtags, tagged friends and
quiz answers. The networks' lists of likes and reposts give people, not times: such an action is dated when it is
first seen, and never after the contest's close, so the last read after the close still counts what was there.
"""

import logging
from collections.abc import Callable
from datetime import datetime

import httpx

from stoa import clock
from stoa.channels.credentials import using
from stoa.contests.actions import Seen, record_entries
from stoa.contests.models import Action, Contest, Kind
from stoa.posts.models import Publication
from stoa.providers.base import Incoming, Person, Provider, ProviderError, Published
from stoa.providers.capabilities import ReadsEngagement
from stoa.providers.registry import supports

log = logging.getLogger(__name__)
MAX_PAGES = 50  # per action and post in one read; the rest waits for the next one


def actions_to_read(contest: Contest) -> list[str]:
    """What the rules need: their actions, and the replies whenever their text is judged."""
    needed = set(contest.actions)
    if contest.hashtag or contest.friends_to_tag or contest.kind == Kind.QUIZ:
        needed.add(Action.REPLY)
    return sorted(needed or {Action.REPLY})


def published_of(publication: Publication) -> Published:
    parts = tuple(publication.remote_parts or ()) or (publication.remote_id,)
    return Published(publication.remote_id, publication.remote_url, parts)


def seen_person(network: str, person: Person, action: str, at: datetime, text: str = "") -> Seen:
    return Seen(network=network, account_id=person.remote_id, action=action, at=at,
                handle=person.handle.lstrip("@"), name=person.name, text=text, follows_brand=person.follows_brand)


def read_action(provider: Provider, published: Published, action: str, undated: datetime) -> list[Seen]:
    """Every page of one action on one post."""
    found: list[Seen] = []
    cursor = ""
    posts: Callable[..., object] | None = getattr(provider, "engaged_posts", None)
    for _page in range(MAX_PAGES):
        if action in (Action.REPLY, Action.QUOTE) and posts is not None:
            page = provider.engaged_posts(published, action, cursor)  # type: ignore[attr-defined]
            found += [seen_item(provider.key, item, action) for item in page.items]
        else:
            page = provider.engaged(published, action, cursor)  # type: ignore[attr-defined]
            found += [seen_person(provider.key, person, action, undated) for person in page.people]
        cursor = page.cursor
        if not page.more or not cursor:
            break
    return found


def seen_item(network: str, item: Incoming, action: str) -> Seen:
    return seen_person(network, item.author, action, item.written_at, item.text)


def read_publication(contest: Contest, publication: Publication, http: httpx.Client | None) -> list[Seen]:
    undated = min(clock.now(), contest.closes_at)
    published = published_of(publication)

    def work(provider: Provider) -> list[Seen]:
        return [seen for action in actions_to_read(contest) for seen in read_action(provider, published, action,
                                                                                    undated)]

    return using(publication.channel, work, http=http)


def collect_contest(contest: Contest, http: httpx.Client | None = None) -> int:
    """Read every post of the contest; how many new people entered. A network that fails is logged and read again
    next time; the other posts are still read."""
    seen: list[Seen] = []
    for publication in contest.publications.select_related("channel"):
        if not supports(publication.channel, ReadsEngagement):
            continue
        try:
            seen += read_publication(contest, publication, http)
        except ProviderError as error:
            log.warning("Contest %s: %s did not say who engaged with post %s: %s", contest.pk,
                        publication.channel.network, publication.pk, error)
    contest.collected_at = clock.now()
    contest.save(update_fields=["collected_at"])
    return record_entries(contest, seen)
