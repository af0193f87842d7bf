"""Reposts and likes of the brand's recent posts, read from the networks that declare ReadsEngagement (Bluesky and
Mastodon), through the channel's own credentials; each kept once per person, post and action.

Replies and mentions are not read here: the inbox has them, with their text and sentiment.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import httpx

from stoa import clock
from stoa.audience.models import Engagement
from stoa.channels.credentials import using
from stoa.posts.models import Publication, State
from stoa.providers.base import Person, Provider, ProviderError, Published
from stoa.providers.capabilities import ReadsEngagement
from stoa.providers.registry import supports
from stoa.workspaces.models import Workspace

log = logging.getLogger(__name__)
ACTIONS = ("repost", "like")
RECENT_DAYS = 14  # a post's reposts and likes come mostly in its first days; older posts are not read again
MAX_PAGES = 10  # per post and action in one read; the rest waits for the next one


def people(provider: Provider, published: Published, action: str) -> list[Person]:
    found: list[Person] = []
    cursor = ""
    for _page in range(MAX_PAGES):
        page = provider.engaged(published, action, cursor)  # type: ignore[attr-defined]
        found += page.people
        cursor = page.cursor
        if not page.more or not cursor:
            break
    return found


def published_of(publication: Publication) -> Published:
    parts = tuple(publication.remote_parts or ()) or (publication.remote_id,)
    return Published(publication.remote_id, publication.remote_url, parts)


def read_publication(publication: Publication, http: httpx.Client | None = None) -> int:
    """Who reposted and liked the post; how many of them are new."""
    published = published_of(publication)

    def work(provider: Provider) -> list[tuple[str, Person]]:
        return [(action, p) for action in ACTIONS for p in people(provider, published, action)]

    now = clock.now()
    network = publication.channel.network
    rows = [Engagement(workspace_id=publication.workspace_id, publication=publication, network=network,
                       account_id=p.remote_id, handle=p.handle.lstrip("@"), name=p.name, profile_url=p.profile_url,
                       action=action, seen_at=now)
            for action, p in using(publication.channel, work, http=http)]
    before = Engagement.objects.filter(publication=publication).count()
    Engagement.objects.bulk_create(rows, ignore_conflicts=True)
    return Engagement.objects.filter(publication=publication).count() - before


def recent_publications(workspace: Workspace):
    return (Publication.objects.filter(workspace=workspace, state=State.PUBLISHED,
                                       published_at__gte=clock.now() - timedelta(days=RECENT_DAYS))
            .exclude(remote_id="").select_related("channel"))


def collect_engagement(workspace: Workspace, http: httpx.Client | None = None) -> int:
    """Every recent post's reposts and likes; a network that fails is logged and read again next time."""
    new = 0
    for publication in recent_publications(workspace):
        if not supports(publication.channel, ReadsEngagement):
            continue
        try:
            new += read_publication(publication, http)
        except ProviderError as error:
            log.warning("Audience: %s did not say who engaged with post %s: %s", publication.channel.network,
                        publication.pk, error)
    return new
