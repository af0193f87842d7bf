"""The followers of the people in the brand's audience, read publicly (stoa.audience.public) for the leaders' ranking:
each person once a week at most, the longest unread first, READ_PER_RUN per workspace and run."""

from __future__ import annotations

import logging
from datetime import timedelta

import httpx

from stoa import clock
from stoa.audience.leaders import DEFAULT_DAYS, since
from stoa.audience.models import Engagement, Reach
from stoa.audience.public import BlueskyPublic, MastodonPublic, ReadError
from stoa.channels.models import Channel
from stoa.inbox.models import Item
from stoa.workspaces.models import Workspace

log = logging.getLogger(__name__)
READ_EVERY = timedelta(days=7)
READ_PER_RUN = 200


def people_of(channel: Channel) -> set[str]:
    """Who wrote to or engaged with the channel in the leaders' period (their ids as the channel's network has them)."""
    start = since(DEFAULT_DAYS)
    authors = Item.objects.filter(channel=channel, written_at__gte=start).values_list("author__remote_id", flat=True)
    engaged = Engagement.objects.filter(publication__channel=channel, seen_at__gte=start).values_list(
        "account_id", flat=True)
    return set(authors) | set(engaged)


def due(workspace: Workspace, network: str, ids: set[str]) -> list[str]:
    fresh = set(Reach.objects.filter(workspace=workspace, network=network, account_id__in=ids,
                                     read_at__gte=clock.now() - READ_EVERY).values_list("account_id", flat=True))
    return sorted(ids - fresh)[:READ_PER_RUN]


def keep(workspace: Workspace, network: str, followers: dict[str, int | None]) -> None:
    now = clock.now()
    for account_id, count in followers.items():
        Reach.objects.update_or_create(workspace=workspace, network=network, account_id=account_id,
                                       defaults={"followers": count, "read_at": now})


def read_reach(workspace: Workspace, http: httpx.Client) -> int:
    """Read the followers of the people due; how many were read. A server that fails is logged, tried next run."""
    read = 0
    for channel in Channel.objects.filter(workspace=workspace, network__in=("bluesky", "mastodon")):
        wanted = due(workspace, channel.network, people_of(channel))
        if not wanted:
            continue
        try:
            if channel.network == "bluesky":
                found = BlueskyPublic(http).followers(wanted)
            else:
                found = MastodonPublic(http, str(channel.config.get("instance_url") or "")).followers(wanted)
        except ReadError as error:
            log.warning("Audience: the followers of %s's audience could not be read: %s", channel.pk, error)
            continue
        keep(workspace, channel.network, found)
        read += len(found)
    return read
