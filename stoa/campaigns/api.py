"""The API's paid campaigns: a workspace's plan under /api/v1/workspaces/{workspace_id}/campaigns (list by month,
plan one, export a platform's month), and each campaign under /api/v1/campaigns/{campaign_id} (its pacing and ROI,
its audience, the import of its results). The same actions as the pages, so the API and the pages never disagree."""

import json
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema, Status, UploadedFile

from stoa.api.schemas import ERRORS, Id
from stoa.campaigns import actions, exports, pacing
from stoa.campaigns.access import access_campaign
from stoa.campaigns.audience import Audience, Point
from stoa.campaigns.models import Campaign, Objective, Platform
from stoa.campaigns.permissions import PLAN_CAMPAIGNS
from stoa.errors import ActionError
from stoa.workspaces.access import Permission, access_workspace

workspace_campaigns = Router(tags=["campaigns"])  # under /workspaces/{workspace_id}/
campaigns = Router(tags=["campaigns"])  # under /campaigns/


class PointIn(Schema):
    latitude: float = Field(..., ge=-90, le=90)
    longitude: float = Field(..., ge=-180, le=180)
    radius_km: Decimal = Field(..., gt=0, le=1000, max_digits=7, decimal_places=3)


class AudienceIn(Schema):
    """Places, languages and interests are the platform's own keys; each platform's rules are in docs/campaigns.md
    and a field the campaign's platform does not support is refused (422) with the reason."""

    cities: list[str] = []
    regions: list[str] = []
    point: PointIn | None = None
    metro_station: str = Field("", max_length=100)
    age_min: int | None = Field(None, ge=0, le=120)
    age_max: int | None = Field(None, ge=0, le=120)
    gender: str = Field("all", pattern="^(all|female|male)$")
    languages: list[str] = []
    interests: list[str] = []

    def audience(self) -> Audience:
        data = self.model_dump()
        point = data.pop("point")
        return Audience(**data, point=Point(point["latitude"], point["longitude"], Decimal(point["radius_km"]))
                        if point else None)


class CampaignIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    platform: Platform
    objective: Objective = Objective.TRAFFIC
    budget: Decimal = Field(..., gt=0, max_digits=14, decimal_places=2)
    currency: str = Field(..., min_length=3, max_length=3)
    starts_on: date
    ends_on: date
    audience: AudienceIn | None = None
    publication_ids: list[Id] = []
    utm_campaign: str = Field("", max_length=200)


class CampaignOut(Schema):
    id: int
    name: str
    platform: str
    objective: str
    month: date
    budget: Decimal
    currency: str
    starts_on: date
    ends_on: date
    audience: dict[str, Any]
    publication_ids: list[int]
    utm_campaign: str
    pacing: str  # on_track, overspend, underspend or no_results
    spent: Decimal
    expected: Decimal  # what the plan had spent by `through`
    through: date | None
    roi: Decimal | None  # (revenue - spend) / spend with the links' revenue
    link_conversions: int
    revenue: Decimal


class ImportedOut(Schema):
    days: int


def campaign_out(campaign: Campaign) -> dict[str, Any]:
    pace, roi = pacing.pace(campaign), pacing.roi(campaign)
    return {"id": campaign.pk, "name": campaign.name, "platform": campaign.platform, "objective": campaign.objective,
            "month": campaign.month, "budget": campaign.budget, "currency": campaign.currency,
            "starts_on": campaign.starts_on, "ends_on": campaign.ends_on, "audience": campaign.audience,
            "publication_ids": list(campaign.publications.values_list("pk", flat=True)),
            "utm_campaign": campaign.utm_campaign, "pacing": pace.state, "spent": pace.spent,
            "expected": pace.expected, "through": pace.through, "roi": roi.roi,
            "link_conversions": roi.link_conversions, "revenue": roi.revenue}


def month_of(text: str) -> date:
    try:
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        raise ActionError({"month": [_("A month is written YYYY-MM.")]}) from None


@workspace_campaigns.get("/{workspace_id}/campaigns", response={200: list[CampaignOut], **ERRORS})
def list_campaigns(request, workspace_id: int, month: str):
    """The workspace's plan for `month` (YYYY-MM), each campaign with its pacing and ROI."""
    workspace = access_workspace(request.auth, workspace_id, Permission.VIEW_ANALYTICS)
    return [campaign_out(campaign) for campaign in actions.plan_of(workspace, month_of(month))]


@workspace_campaigns.post("/{workspace_id}/campaigns", response={201: CampaignOut, **ERRORS})
def plan_campaign(request, workspace_id: int, payload: CampaignIn):
    workspace = access_workspace(request.auth, workspace_id, PLAN_CAMPAIGNS)
    given = actions.CampaignInput(**{**payload.model_dump(exclude={"audience"}), "currency": payload.currency.upper(),
                                     "audience": payload.audience.audience() if payload.audience else Audience()})
    return Status(201, campaign_out(actions.plan_campaign(request.auth, workspace, given)))


@workspace_campaigns.get("/{workspace_id}/campaigns/export/{platform}/{month}",
                         response={200: dict[str, Any], **ERRORS})
def export_campaigns(request, workspace_id: int, platform: Platform, month: str):
    """The month's campaigns of `platform` as the documented API requests that create them, paused."""
    workspace = access_workspace(request.auth, workspace_id, PLAN_CAMPAIGNS)
    chosen = [c for c in actions.plan_of(workspace, month_of(month)) if c.platform == platform]
    return json.loads(exports.export(platform, chosen))


@campaigns.get("/{campaign_id}", response={200: CampaignOut, **ERRORS})
def get_campaign(request, campaign_id: int):
    return campaign_out(access_campaign(request.auth, campaign_id))


@campaigns.put("/{campaign_id}/audience", response={200: CampaignOut, **ERRORS})
def change_audience(request, campaign_id: int, payload: AudienceIn):
    campaign = access_campaign(request.auth, campaign_id, PLAN_CAMPAIGNS)
    return campaign_out(actions.change_audience(request.auth, campaign, payload.audience()))


@campaigns.post("/{campaign_id}/results", response={200: ImportedOut, **ERRORS})
def import_results(request, campaign_id: int, report: File[UploadedFile]):
    """The platform's report as CSV (multipart field `report`): every row or none; a refusal lists each bad line."""
    campaign = access_campaign(request.auth, campaign_id, PLAN_CAMPAIGNS)
    return {"days": actions.import_results(request.auth, campaign, report.read())}
