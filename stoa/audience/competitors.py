"""Competitors: adding and removing the public accounts a workspace watches, and reading them (their profile, a
snapshot of their followers a day, their latest posts with their counts), all without the brand's credentials."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlparse

import httpx
from django.db import transaction
from django.utils.translation import gettext as _

from stoa import clock
from stoa.audience.models import Competitor, CompetitorPost, CompetitorSnapshot, Network
from stoa.audience.permissions import WATCH_COMPETITORS
from stoa.audience.public import BlueskyPublic, MastodonPublic, Profile, PublicPost, ReadError
from stoa.errors import ActionError
from stoa.links.tagging import host_of
from stoa.providers.base import http_client
from stoa.workspaces.access import check
from stoa.workspaces.actions import audit
from stoa.workspaces.models import Workspace

log = logging.getLogger(__name__)
BLUESKY_HANDLE = re.compile(r"^(did:[a-z]+:[A-Za-z0-9._:%-]+|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+)$")
MASTODON_ACCT = re.compile(r"^([A-Za-z0-9_]+)@([A-Za-z0-9.-]+\.[A-Za-z]{2,})$")


def parse_account(network: str, given: str) -> tuple[str, str]:
    """(handle, server) from what a person typed: a Bluesky handle, DID or bsky.app profile address; a Mastodon
    user@server or profile address (https://server/@user). ActionError if it is none of these."""
    text = given.strip().lstrip("@")
    if network == Network.BLUESKY:
        if text.startswith(("https://bsky.app/profile/", "http://bsky.app/profile/")):
            text = text.split("/profile/", 1)[1].split("/", 1)[0]
        if BLUESKY_HANDLE.match(text):
            return text.lower() if not text.startswith("did:") else text, ""
        raise ActionError({"handle": [_("Give a Bluesky handle such as kafe.bsky.social, or its profile address.")]})
    if network == Network.MASTODON:
        if text.startswith(("https://", "http://")):
            address = urlparse(text if host_of(text) else "")  # "https://[x" is no address (urlparse refuses it)
            user = address.path.strip("/").lstrip("@")
            if address.netloc and re.fullmatch(r"[A-Za-z0-9_]+", user):
                return f"{user}@{address.netloc}", f"{address.scheme}://{address.netloc}"
        elif found := MASTODON_ACCT.match(text):
            return text, f"https://{found.group(2)}"
        raise ActionError({"handle": [_("Give a Mastodon account as user@server, or its profile address.")]})
    raise ActionError({"network": [_("Competitors can be watched on Bluesky and Mastodon.")]})


def add_competitor(user, workspace: Workspace, network: str, given: str) -> Competitor:
    check(user, workspace, WATCH_COMPETITORS)
    handle, server = parse_account(network, given)
    if Competitor.objects.filter(workspace=workspace, network=network, handle=handle).exists():
        raise ActionError({"handle": [_("This account is already watched.")]})
    competitor = Competitor.objects.create(workspace=workspace, network=network, handle=handle, server=server,
                                           added_at=clock.now())
    audit(workspace.pk, user, "competitor.add", competitor, network=network, handle=handle)
    return competitor


def remove_competitor(user, competitor: Competitor) -> None:
    check(user, competitor.workspace, WATCH_COMPETITORS)
    audit(competitor.workspace_id, user, "competitor.remove", competitor, network=competitor.network,
          handle=competitor.handle)
    competitor.delete()


def read_public(competitor: Competitor, http: httpx.Client) -> tuple[Profile, list[PublicPost]]:
    if competitor.network == Network.BLUESKY:
        bluesky = BlueskyPublic(http)
        profile = bluesky.profile(competitor.handle)
        return profile, bluesky.posts(profile.remote_id, profile.handle)
    mastodon = MastodonPublic(http, competitor.server)
    profile = mastodon.profile(competitor.handle.split("@", 1)[0])
    return profile, mastodon.posts(profile.remote_id)


def read_competitor(competitor: Competitor, http: httpx.Client | None = None) -> int:
    """Read the competitor's profile and latest posts and keep them; how many posts were new. A failed read is
    kept as `last_error` (shown on the page) and tried again next time."""
    try:
        if http is None:
            with http_client() as client:
                profile, posts = read_public(competitor, client)
        else:
            profile, posts = read_public(competitor, http)
    except ReadError as error:
        log.warning("Audience: competitor %s could not be read: %s", competitor.pk, error)
        competitor.last_error = error.reason
        competitor.save(update_fields=["last_error"])
        return 0
    return keep(competitor, profile, posts)


@transaction.atomic
def keep(competitor: Competitor, profile: Profile, posts: list[PublicPost]) -> int:
    now = clock.now()
    competitor.remote_id, competitor.name, competitor.profile_url = profile.remote_id, profile.name, profile.url
    competitor.read_at, competitor.last_error = now, ""
    competitor.save(update_fields=["remote_id", "name", "profile_url", "read_at", "last_error"])
    CompetitorSnapshot.objects.update_or_create(competitor=competitor, day=now.date(), defaults={
        "measured_at": now, "followers": profile.followers, "posts": profile.posts})
    known = set(competitor.posts.values_list("remote_id", flat=True))
    for post in posts:
        CompetitorPost.objects.update_or_create(competitor=competitor, remote_id=post.remote_id, defaults={
            "url": post.url, "published_at": post.published_at, "format": post.format, "text": post.text[:2000],
            "likes": post.likes, "reposts": post.reposts, "replies": post.replies, "read_at": now})
    return len({post.remote_id for post in posts} - known)
