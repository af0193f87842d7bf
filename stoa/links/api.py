"""The API's links: a workspace's UTM and short-link settings, and its short links with their clicks, under
/api/v1/workspaces/{workspace_id}/links."""

from datetime import date, datetime
from decimal import Decimal

from django.urls import reverse
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile

from stoa.api.schemas import ERRORS
from stoa.links import conversions
from stoa.links.actions import link_settings_of, update_link_settings
from stoa.links.models import LinkSettings
from stoa.links.queries import links_of
from stoa.site_url import site_url
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


# -- Conversions and ROI --------------------------------------------------------------------------


class ImportedOut(Schema):
    imported: int


class CostIn(Schema):
    campaign: str = Field(..., max_length=200)
    period_start: date
    period_end: date
    amount: Decimal = Field(..., max_digits=14, decimal_places=2)
    note: str = Field("", max_length=200)


class CostOut(Schema):
    id: int
    campaign: str
    period_start: date
    period_end: date
    amount: Decimal


class RoiOut(Schema):
    campaign: str
    sessions: int
    bounces: int
    conversions: int
    revenue: Decimal
    cost: Decimal
    roi: Decimal | None


class WebhookOut(Schema):
    url: str
    secret: str


@workspace_links.post("/{workspace_id}/conversions/import", response={200: ImportedOut, **ERRORS})
def import_conversions(request, workspace_id: int, file: File[UploadedFile], origin: Form[str],
                       period_start: Form[date | None] = None, period_end: Form[date | None] = None):
    """An analytics export (origin: ga4, matomo or plausible), all rows or none; each bad row named by its line.
    A Matomo export (and a GA4 one without its dates) needs the period it covers."""
    workspace = access_workspace(request.auth, workspace_id, Permission.MANAGE_WORKSPACE)
    period = (period_start, period_end) if period_start and period_end else None
    return {"imported": conversions.import_export(request.auth, workspace, file.read(), origin, period)}


@workspace_links.post("/{workspace_id}/conversions/costs", response={201: CostOut, **ERRORS})
def add_campaign_cost(request, workspace_id: int, payload: CostIn):
    workspace = access_workspace(request.auth, workspace_id, Permission.MANAGE_WORKSPACE)
    return Status(201, conversions.add_cost(request.auth, workspace, **payload.model_dump()))


@workspace_links.get("/{workspace_id}/conversions/roi", response={200: list[RoiOut], **ERRORS})
def campaign_roi(request, workspace_id: int, start: date, end: date):
    """Per campaign, what its results and costs within [start, end] add up to; roi = (revenue - cost) / cost."""
    workspace = access_workspace(request.auth, workspace_id, Permission.VIEW_PUBLICATIONS)
    return [row.__dict__ for row in conversions.roi(workspace, start, end)]


@workspace_links.post("/{workspace_id}/conversions/webhook", response={201: WebhookOut, **ERRORS})
def make_webhook_secret(request, workspace_id: int):
    """A new secret for the conversion webhook (the old one stops working): shown this once."""
    workspace = access_workspace(request.auth, workspace_id, Permission.MANAGE_WORKSPACE)
    secret = conversions.new_webhook_secret(request.auth, workspace)
    return Status(201, {"url": site_url() + reverse("conversion-hook", args=[workspace.pk]), "secret": secret})
