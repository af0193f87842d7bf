"""Paid campaigns: each one a line of a workspace's monthly plan on one ads platform, and its results by day."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from stoa.posts.models import CAMPAIGN_LENGTH, Publication
from stoa.workspaces.models import Workspace


class Platform(models.TextChoices):
    META = "meta", "Meta"
    VK_ADS = "vk_ads", _("VK Ads")
    TIKTOK = "tiktok", "TikTok"
    LINKEDIN = "linkedin", "LinkedIn"
    X = "x", "X"


class Objective(models.TextChoices):
    AWARENESS = "awareness", _("Awareness (reach)")
    TRAFFIC = "traffic", _("Traffic (website clicks)")
    ENGAGEMENT = "engagement", _("Engagement")
    CONVERSIONS = "conversions", _("Conversions")


class Campaign(models.Model):
    """A paid campaign of a workspace's plan for one month: its platform, objective, budget, dates, audience and
    the published posts it promotes. `audience` holds audience.Audience as a dict (see audience.py)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="paid_campaigns")
    month = models.DateField(help_text="The first day of the plan's month.")
    name = models.CharField(max_length=200)
    platform = models.CharField(max_length=16, choices=Platform.choices)
    objective = models.CharField(max_length=16, choices=Objective.choices, default=Objective.TRAFFIC)
    budget = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, help_text="ISO 4217, e.g. EUR, ILS, RUB.")
    starts_on = models.DateField()
    ends_on = models.DateField()
    audience = models.JSONField(default=dict, blank=True)
    publications = models.ManyToManyField(Publication, blank=True, related_name="paid_campaigns")
    # The utm_campaign of its links: how the links' conversions and revenue (stoa.links) are joined for ROI.
    utm_campaign = models.CharField(max_length=CAMPAIGN_LENGTH, blank=True, default="")
    # Each pacing alert goes out once: claimed by a conditional update of its field (pacing.alert_once).
    overspend_alerted_at = models.DateTimeField(null=True, blank=True)
    underspend_alerted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["month", "platform", "name", "id"]
        indexes = [models.Index(fields=["workspace", "month"], name="campaign_plan_month")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_platform_display()})"


class Result(models.Model):
    """What a campaign spent and brought on one day, as its platform's report said (the last import wins)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="results")
    day = models.DateField()
    spend = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    impressions = models.PositiveBigIntegerField(default=0)
    clicks = models.PositiveBigIntegerField(default=0)
    conversions = models.PositiveBigIntegerField(default=0)
    imported_at = models.DateTimeField()

    class Meta:
        ordering = ["campaign", "day"]
        constraints = [models.UniqueConstraint(fields=["campaign", "day"], name="one_result_per_campaign_day")]
