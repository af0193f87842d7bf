"""A workspace's short links with their clicks, for its links page and the API."""

from dataclasses import dataclass

from django.db.models import Count

from stoa.links.clicklog import fold_clicks
from stoa.links.models import ShortLink
from stoa.links.shortening import short_url
from stoa.workspaces.models import Workspace


@dataclass(frozen=True)
class LinkRow:
    link: ShortLink
    short_url: str
    clicks: int  # by people; crawlers and link-preview fetchers are never recorded


def links_of(workspace: Workspace, limit: int = 200) -> list[LinkRow]:
    """The newest short links of the workspace (only its own), each with its clicks up to now."""
    fold_clicks()
    links = (ShortLink.objects.filter(workspace=workspace).select_related("channel")
             .annotate(click_count=Count("clicks")).order_by("-created_at", "-pk")[:limit])
    return [LinkRow(link, short_url(link.code), link.click_count) for link in links]
