"""The API's links: a workspace's UTM and short-link settings, and its short links with their clicks, under
/api/v1/workspaces/{workspace_id}/links."""

from datetime import datetime

from ninja import Field, Router, Schema

from stoa.api.schemas import ERRORS
from stoa.links.actions import link_settings_of, update_link_settings
from stoa.links.models import LinkSettings
from stoa.links.queries import links_of
from stoa.workspaces.access import Permission, access_workspace

workspace_links = Router(tags=["links"])  # under /workspaces/{workspace_id}/

Template = str | None


class LinkSettingsIn(Schema):
    """Only the fields given change. Templates may use {network}, {channel}, {campaign} and {post}."""

    utm_enabled: bool | None = None
    utm_source: Template = Field(None, max_length=200)
    utm_medium: Template = Field(None, max_length=200)
    utm_campaign: Template = Field(None, max_length=200)
    utm_content: Template = Field(None, max_length=200)
    utm_term: Template = Field(None, max_length=200)
    short_links_enabled: bool | None = None


class LinkSettingsOut(Schema):
    utm_enabled: bool
    utm_source: str
    utm_medium: str
    utm_campaign: str
    utm_content: str
    utm_term: str
    short_links_enabled: bool


class ShortLinkOut(Schema):
    code: str
    short_url: str
    url: str
    target: str
    network: str
    channel_id: int
    publication_id: int
    created_at: datetime
    clicks: int


def _settings_out(chosen: LinkSettings) -> dict:
    return {name: getattr(chosen, name) for name in LinkSettingsOut.model_fields}


@workspace_links.get("/{workspace_id}/links/settings", response={200: LinkSettingsOut, **ERRORS})
def get_link_settings(request, workspace_id: int):
    workspace = access_workspace(request.auth, workspace_id, Permission.VIEW_PUBLICATIONS)
    return _settings_out(link_settings_of(workspace))


@workspace_links.patch("/{workspace_id}/links/settings", response={200: LinkSettingsOut, **ERRORS})
def change_link_settings(request, workspace_id: int, payload: LinkSettingsIn):
    workspace = access_workspace(request.auth, workspace_id, Permission.MANAGE_WORKSPACE)
    changes = payload.model_dump(exclude_none=True)
    return _settings_out(update_link_settings(request.auth, workspace, **changes))


@workspace_links.get("/{workspace_id}/links", response={200: list[ShortLinkOut], **ERRORS})
def list_short_links(request, workspace_id: int):
    """The workspace's newest short links (200), each with its clicks by people (crawlers are not counted)."""
    workspace = access_workspace(request.auth, workspace_id, Permission.VIEW_PUBLICATIONS)
    return [{"code": row.link.code, "short_url": row.short_url, "url": row.link.url, "target": row.link.target,
             "network": row.link.network, "channel_id": row.link.channel_id,
             "publication_id": row.link.publication_id, "created_at": row.link.created_at, "clicks": row.clicks}
            for row in links_of(workspace)]
