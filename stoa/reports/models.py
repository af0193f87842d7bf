"""A report template: which sections of a workspace's analytics, over which period, in which language and in the
brand's logo and colour; optionally sent on a schedule to recipients, and readable by the client through a link."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from stoa.workspaces.models import Workspace


class Section(models.TextChoices):
    KPIS = "kpis", _("KPIs")
    GROWTH = "growth", _("Audience growth")
    ENGAGEMENT = "engagement", _("Engagement by content type")
    TOP_POSTS = "top_posts", _("Top posts")
    INBOX = "inbox", _("Inbox and response times")
    LINKS = "links", _("Links and conversions")


class Period(models.TextChoices):
    WEEK = "week", _("Last week")
    MONTH = "month", _("Last month")
    QUARTER = "quarter", _("Last quarter")
    CUSTOM = "custom", _("Custom dates")


class Frequency(models.TextChoices):
    NEVER = "never", _("Not sent")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


def all_sections() -> list[str]:
    return [section.value for section in Section]


class ReportTemplate(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="report_templates")
    name = models.CharField(_("Name"), max_length=120)
    sections = models.JSONField(_("Sections"), default=all_sections)
    period = models.CharField(_("Period"), max_length=16, choices=Period.choices, default=Period.MONTH)
    custom_start = models.DateField(_("First day"), null=True, blank=True)
    custom_end = models.DateField(_("Last day"), null=True, blank=True)  # included
    language = models.CharField(_("Language"), max_length=16, choices=settings.LANGUAGES, default="en")
    colour = models.CharField(_("Colour"), max_length=7, default="#2563eb",
                              validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("A colour like #2563eb."))])
    logo = models.FileField(_("Logo"), upload_to="report-logos/", blank=True)
    frequency = models.CharField(_("Sent by email"), max_length=16, choices=Frequency.choices,
                                 default=Frequency.NEVER)
    recipients = models.TextField(_("Recipients"), blank=True, default="")  # email addresses, one a line
    next_send_at = models.DateTimeField(null=True, blank=True)
    # A worker sending this report holds it until then; another takes it over only after (a crash mid-send).
    sending_until = models.DateTimeField(null=True, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    # The client link: only the hash of its token is stored (as approval links do). Revoked: the hash is emptied.
    client_token_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    client_link_expires_at = models.DateTimeField(null=True, blank=True)  # NULL: until revoked or replaced
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["next_send_at"], name="report_due")]

    def __str__(self) -> str:
        return self.name

    @property
    def recipient_list(self) -> list[str]:
        return [line.strip() for line in self.recipients.splitlines() if line.strip()]
