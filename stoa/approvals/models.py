from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from stoa.posts.models import Post
from stoa.workspaces.models import Workspace


class ApprovalLink(models.Model):
    """Posts sent to a client, who approves them or asks for changes without an account.

    The link carries a random token; only its hash is stored. It stops working when it expires
    or is revoked."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="approval_links")
    posts = models.ManyToManyField(Post, related_name="approval_links")
    token_hash = models.CharField(max_length=64, unique=True)
    recipient_name = models.CharField(max_length=200)
    recipient_email = models.EmailField(blank=True, default="")
    message = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    problem: str  # not stored: why it no longer works, on the review page (stoa.approvals.views sets it)

    class Meta:
        ordering = ["-created_at"]


class CommentKind(models.TextChoices):
    COMMENT = "comment", _("Comment")
    SENT_FOR_REVIEW = "sent_for_review", _("Sent for review")
    APPROVED = "approved", _("Approved")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")


class PostComment(models.Model):
    """A remark on a post by a member or by a client through a link; decisions are kept too."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    # The member's name, or the client's name from the approval link they used.
    author_name = models.CharField(max_length=200)
    via_link = models.ForeignKey(ApprovalLink, null=True, blank=True, on_delete=models.SET_NULL)
    kind = models.CharField(max_length=24, choices=CommentKind.choices, default=CommentKind.COMMENT)
    body = models.TextField(blank=True, default="")
    # The client sees only these: their own words, and what a member chose to show them. Reviewers'
    # remarks and decisions stay inside the team.
    for_client = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class ApprovalReminder(models.Model):
    """A reminder that went out because a post's time was near and it was not approved. One per post, time
    and stage: the unique constraint is what keeps any number of workers from sending it twice."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="approval_reminders")
    due_at = models.DateTimeField()  # the publication time it was about; a new time gets new reminders
    hours_before = models.PositiveSmallIntegerField()
    approval_state = models.CharField(max_length=24)  # whom it went to depends on where the post stood
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "due_at", "hours_before"],
                                               name="one_reminder_per_post_time_and_stage")]
