"""Links in what Stoa publishes: a workspace's UTM preset and short-link choice, the short links it made, their clicks.

The links app sits below posts (stoa/posts/drafts.py applies it), so it names the publication a short link belongs
to by the model's label ("posts.Publication"), not by importing it."""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from stoa.channels.models import Channel
from stoa.workspaces.models import Workspace

PLACEHOLDERS = ("{network}", "{channel}", "{campaign}", "{post}")
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")


def validate_template(template: str) -> None:
    """A UTM template may use only the known placeholders: a typo would otherwise be published as it is."""
    if unknown := [p for p in re.findall(r"\{[^{}]*\}", template) if p not in PLACEHOLDERS]:
        raise ValidationError(gettext("Unknown placeholder %(unknown)s; use %(known)s.")
                              % {"unknown": ", ".join(unknown), "known": ", ".join(PLACEHOLDERS)})


class LinkSettings(models.Model):
    """A workspace's choices for the links it publishes. Both are off until an owner turns them on."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="link_settings")
    utm_enabled = models.BooleanField(_("Add UTM parameters"), default=False)
    # Templates: each placeholder of PLACEHOLDERS is replaced; a parameter that comes out empty is left out.
    utm_source = models.CharField(max_length=200, default="{network}", blank=True, validators=[validate_template])
    utm_medium = models.CharField(max_length=200, default="social", blank=True, validators=[validate_template])
    utm_campaign = models.CharField(max_length=200, default="{campaign}", blank=True, validators=[validate_template])
    utm_content = models.CharField(max_length=200, default="", blank=True, validators=[validate_template])
    utm_term = models.CharField(max_length=200, default="", blank=True, validators=[validate_template])
    short_links_enabled = models.BooleanField(_("Publish links as Stoa short links"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Link settings of {self.workspace}"

    @property
    def utm_templates(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in UTM_FIELDS}


class ShortLink(models.Model):
    """/l/<code>: a link of one publication, made once when the publication is sent, never changed after."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="short_links")
    publication = models.ForeignKey("posts.Publication", on_delete=models.CASCADE, related_name="short_links")
    # Copies of the publication's channel and network, so that a click needs no join.
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="short_links")
    network = models.CharField(max_length=32)
    code = models.CharField(max_length=16, unique=True)
    url = models.TextField(help_text="The link as written in the post.")
    url_hash = models.CharField(max_length=64, help_text="sha256 of url: one short link per link and publication.")
    target = models.TextField(help_text="Where the short link leads: the link with its UTM parameters.")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["publication", "url_hash"], name="one_short_link_per_url")]
        indexes = [models.Index(fields=["workspace", "created_at"], name="workspace_short_links")]

    def __str__(self) -> str:
        return f"/l/{self.code} -> {self.target}"


class Click(models.Model):
    """A person following a short link. Crawlers and link-preview fetchers are not counted; no IP address is kept,
    only a salted hash of it (with the day and the browser) that tells repeat clicks apart for a day."""

    link = models.ForeignKey(ShortLink, on_delete=models.CASCADE, related_name="clicks")
    at = models.DateTimeField()
    referrer = models.CharField(max_length=500, blank=True, default="")
    visitor = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["link", "at"], name="clicks_of_link")]


class Origin(models.TextChoices):
    GA4 = "ga4", "Google Analytics 4"
    MATOMO = "matomo", "Matomo"
    PLAUSIBLE = "plausible", "Plausible"
    WEBHOOK = "webhook", _("Conversion webhook")


class CampaignResult(models.Model):
    """What a campaign brought from one source over a period: from an analytics export (one row of it) or a
    conversion the website reported through the webhook (event_id, a day)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="campaign_results")
    origin = models.CharField(max_length=16, choices=Origin.choices)
    batch = models.CharField(max_length=32, blank=True, default="", help_text="The import it came with.")
    event_id = models.CharField(max_length=200, blank=True, default="", help_text="The webhook event's own id.")
    period_start = models.DateField()
    period_end = models.DateField()
    campaign = models.CharField(max_length=200)
    source = models.CharField(max_length=200, blank=True, default="")
    sessions = models.PositiveBigIntegerField(default=0)
    bounces = models.PositiveBigIntegerField(default=0)
    conversions = models.PositiveBigIntegerField(default=0)
    revenue = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "event_id"], condition=~models.Q(event_id=""),
                                               name="one_result_per_webhook_event")]
        indexes = [models.Index(fields=["workspace", "campaign", "period_start"], name="campaign_results")]


class CampaignCost(models.Model):
    """What a campaign cost over a period, as the workspace entered it."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="campaign_costs")
    campaign = models.CharField(max_length=200)
    period_start = models.DateField()
    period_end = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    note = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField()


class WebhookSecret(models.Model):
    """The workspace's key for signing conversion webhooks (HMAC-SHA256), kept encrypted."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="conversion_webhook")
    secret_encrypted = models.TextField()
    created_at = models.DateTimeField()


class ClickLogPosition(models.Model):
    """How far the clicks of one day's log (stoa/links/clicklog.py) are folded into Click rows, in bytes."""

    name = models.CharField(max_length=64, unique=True)
    offset = models.PositiveBigIntegerField(default=0)
