from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from stoa.channels.models import Channel
from stoa.workspaces.models import Workspace

if TYPE_CHECKING:
    from stoa.approvals.models import PostComment
    from stoa.posts.status import Status

CAMPAIGN_LENGTH = 200  # the longest campaign name: as long as stoa/links keeps for a campaign's costs and conversions


class ContentType(models.TextChoices):
    INFORMATIONAL = "informational", _("Informational")
    SELLING = "selling", _("Selling")
    ENTERTAINING = "entertaining", _("Entertaining")
    QUESTION = "question", _("Engagement question")
    NEWS = "news", _("News")
    OTHER = "other", _("Other")


class ApprovalState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")  # internal review
    WITH_CLIENT = "with_client", _("With the client")  # internal review passed, the client decides
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")


class Post(models.Model):
    """One idea, published as one variant per channel."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="posts")
    title = models.CharField(max_length=200, blank=True, default="")
    content_type = models.CharField(max_length=24, choices=ContentType.choices, default=ContentType.OTHER)
    tags = models.JSONField(default=list, blank=True)
    # The marketing campaign the post belongs to: the {campaign} of the workspace's UTM parameters (stoa/links).
    campaign = models.CharField(max_length=CAMPAIGN_LENGTH, blank=True, default="")
    # Only approved posts are published in a workspace that requires approval (checked at delivery).
    approval_state = models.CharField(max_length=24, choices=ApprovalState.choices, default=ApprovalState.DRAFT)
    # Scheduled before the workspace required approval, and its owner chose to let it publish without
    # (stoa.approvals.actions.exempt_from_approval). Sending it for review or editing it ends the exemption.
    approval_exempt = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    # Not stored: what the approval pages show with a post (stoa.approvals.views sets them).
    status: "Status | None"
    variant_list: list["Variant"]
    comment_list: list["PostComment"]
    error: str

    def __str__(self) -> str:
        # Untitled posts are named in the language of whoever reads the name (pass the post, not its str, to
        # in_their_language so each recipient of a notification gets it in theirs).
        return self.title or gettext("Post %(number)d") % {"number": self.pk}


def media_upload_path(media: "Media", filename: str) -> str:
    return f"workspaces/{media.workspace_id}/{filename}"


class Media(models.Model):
    """An uploaded image or video, reusable across posts of its workspace."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="media")
    file = models.FileField(upload_to=media_upload_path)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)  # videos
    thumbnail = models.FileField(upload_to=media_upload_path, blank=True, default="")
    alt_text = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.filename


class Variant(models.Model):
    """The post as it goes to one channel: its own text, media and network options."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="variants")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="variants")
    text = models.TextField(blank=True, default="")
    media = models.ManyToManyField(Media, through="VariantMedia", blank=True)
    # Network options, e.g. {"thread": ["second part", ...]}, {"spoiler_text": "..."}.
    options = models.JSONField(default=dict, blank=True)
    # Not stored: what the approval pages show with a variant (stoa.approvals.views sets them).
    pub: "Publication | None"
    status: "Status | None"
    preview_html: str

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "channel"], name="one_variant_per_channel")]

    def ordered_media(self) -> list[Media]:
        # VariantMedia is ordered by position; .all() also uses a prefetch where there is one.
        return [vm.media for vm in self.variantmedia_set.all()]


class VariantMedia(models.Model):
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE)
    media = models.ForeignKey(Media, on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHING = "publishing", _("Publishing")
    PUBLISHED = "published", _("Published")
    FAILED = "failed", _("Failed")
    UNKNOWN = "unknown", _("Unknown outcome")
    MISSED = "missed", _("Missed")
    CANCELLED = "cancelled", _("Cancelled")


# Which states a person may move a publication out of, and to where. The engine's own
# transitions (claim, record the outcome) are conditional updates in stoa/publishing/engine.py.
EDITABLE_STATES = {State.DRAFT, State.SCHEDULED, State.FAILED, State.MISSED}
CANCELLABLE_STATES = {State.DRAFT, State.SCHEDULED, State.FAILED, State.MISSED, State.UNKNOWN}


class Publication(models.Model):
    """One variant on one channel, and where it is in its life."""

    variant = models.OneToOneField(Variant, on_delete=models.CASCADE, related_name="publication")
    # Copies of variant.channel and its workspace, so that claims and scoped lists need no joins.
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="publications")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="publications")
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    scheduled_at = models.DateTimeField(null=True, blank=True, help_text="UTC")
    # When the engine may next try (scheduled_at, or later after a retryable error).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # Identifies the current attempt to the network (idempotency key, record key seed).
    attempt_key = models.CharField(max_length=64, blank=True, default="")
    attempt_started_at = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=100, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # Set while an unknown outcome waits for automatic reconciliation; empty means a person decides.
    reconcile_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    remote_id = models.CharField(max_length=300, blank=True, default="")
    remote_url = models.URLField(max_length=500, blank=True, default="")
    remote_parts = models.JSONField(default=list, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="due_publications"),
            models.Index(fields=["state", "lease_expires_at"], name="leased_publications"),
            models.Index(fields=["channel", "state", "published_at"], name="channel_history"),
            models.Index(fields=["workspace", "scheduled_at"], name="workspace_calendar"),
        ]

    def __str__(self) -> str:
        return f"Publication {self.pk} ({self.state})"
