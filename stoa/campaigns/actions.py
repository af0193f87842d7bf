"""Every change to a paid campaign goes through here, each with its audit event: plan one, change its audience,
import its results. Pages and the periodic job call these and nothing else."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from stoa import clock
from stoa.campaigns import audience as audiences
from stoa.campaigns import reports
from stoa.campaigns.models import Campaign, Objective, Platform, Result
from stoa.errors import ActionError
from stoa.posts.models import Publication
from stoa.posts.models import State as PublicationState
from stoa.workspaces.actions import audit
from stoa.workspaces.models import Workspace


@dataclass(frozen=True)
class CampaignInput:
    """What a person sets when planning a campaign (the plan's form gives the same)."""

    name: str
    platform: str
    budget: Decimal
    currency: str
    starts_on: date
    ends_on: date
    objective: str = Objective.TRAFFIC
    audience: audiences.Audience = field(default_factory=audiences.Audience)
    publication_ids: list[int] = field(default_factory=list)
    utm_campaign: str = ""


def month_of(day: date) -> date:
    return day.replace(day=1)


def input_problems(workspace: Workspace, given: CampaignInput) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    if not given.name.strip():
        found["name"] = [_("A campaign needs a name.")]
    if given.platform not in Platform.values:
        found["platform"] = [_("Choose one of the ads platforms.")]
    if given.objective not in Objective.values:
        found["objective"] = [_("Choose one of the objectives.")]
    if not given.budget.is_finite() or given.budget <= 0:
        found["budget"] = [_("A budget is more than zero.")]
    if len(given.currency) != 3 or not given.currency.isalpha():
        found["currency"] = [_("A currency is its three-letter code, such as EUR or ILS.")]
    elif given.platform == Platform.VK_ADS and given.currency.upper() != "RUB":
        # all_limit, an ad's spending limit, is "a whole number of rubles": https://dev.vk.com/en/method/ads.createAds
        found["currency"] = [_("VK Ads takes budgets in rubles (RUB).")]
    if given.ends_on < given.starts_on:
        found["ends_on"] = [_("The campaign ends before it starts.")]
    elif month_of(given.ends_on) != month_of(given.starts_on):
        found["ends_on"] = [_("A campaign of the monthly plan starts and ends in the same month.")]
    if given.publication_ids and publications_of(workspace, given.publication_ids).count() != len(
            set(given.publication_ids)):
        found["publication_ids"] = [_("Choose posts this workspace has published.")]
    if given.platform in Platform.values:
        for name, reasons in audiences.problems(given.platform, given.audience).items():
            found.setdefault(f"audience.{name}", []).extend(reasons)
    return found


def publications_of(workspace: Workspace, ids: list[int]):
    return Publication.objects.filter(workspace=workspace, pk__in=ids, state=PublicationState.PUBLISHED)


def plan_campaign(actor, workspace: Workspace, given: CampaignInput) -> Campaign:
    """A campaign in the workspace's plan for the month it runs in; refused with every reason at once, the
    audience's included (each named audience.<field>) when its platform does not accept it."""
    if found := input_problems(workspace, given):
        raise ActionError(found)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            workspace=workspace, month=month_of(given.starts_on), name=given.name.strip(), platform=given.platform,
            objective=given.objective, budget=given.budget, currency=given.currency.upper(),
            starts_on=given.starts_on, ends_on=given.ends_on, audience=given.audience.as_json(),
            utm_campaign=given.utm_campaign.strip(), created_by=actor if actor and actor.pk else None)
        campaign.publications.set(publications_of(workspace, given.publication_ids))
        audit(workspace.pk, actor, "campaigns.planned", campaign, platform=given.platform,
              budget=str(given.budget), currency=campaign.currency)
    return campaign


def change_audience(actor, campaign: Campaign, audience: audiences.Audience) -> Campaign:
    if found := audiences.problems(campaign.platform, audience):
        raise ActionError({f"audience.{name}": reasons for name, reasons in found.items()})
    campaign.audience = audience.as_json()
    campaign.save(update_fields=["audience"])
    audit(campaign.workspace_id, actor, "campaigns.audience_changed", campaign)
    return campaign


def plan_of(workspace: Workspace, month: date) -> list[Campaign]:
    return list(Campaign.objects.filter(workspace=workspace, month=month_of(month)).prefetch_related("results"))


def import_results(actor, campaign: Campaign, data: bytes) -> int:
    """A report of the campaign's platform, every row or none: a file with a bad row is refused with each bad
    line and its reason, so pacing never works from half a report. A day already imported is replaced, so a report
    downloaded again and imported again counts once. Returns how many days were imported."""
    reading = reports.read(campaign.platform, data)
    reading.problems += [(row.line, _("The day %(day)s is outside the campaign's days (%(start)s to %(end)s).")
                          % {"day": row.day, "start": campaign.starts_on, "end": campaign.ends_on})
                         for row in reading.rows if not campaign.starts_on <= row.day <= campaign.ends_on]
    if reading.problems:
        reading.problems.sort()
        raise ActionError({"file": [_("Line %(line)d: %(reason)s") % {"line": line, "reason": reason}
                                    for line, reason in reading.problems]})
    now = clock.now()
    with transaction.atomic():
        for row in reading.rows:
            Result.objects.update_or_create(campaign=campaign, day=row.day, defaults={
                "spend": row.spend, "impressions": row.impressions, "clicks": row.clicks,
                "conversions": row.conversions, "imported_at": now})
        audit(campaign.workspace_id, actor, "campaigns.results_imported", campaign, days=len(reading.rows))
    return len(reading.rows)
