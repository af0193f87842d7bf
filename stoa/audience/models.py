"""The brand's audience as Stoa reads it: who engaged with the brand's posts and how far they reach (for the opinion
leaders), and the competitors' public accounts, their posts and their followers over time.

Replies and mentions are not stored here: they are the inbox's items, with their sentiment (stoa.audience.leaders
reads them). Reposts and likes are not messages, so they are kept here, once per person, post and action.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from stoa.posts.models import Publication
from stoa.workspaces.models import Workspace


class Engagement(models.Model):
    """Someone's repost or like of one of the brand's posts, as the network listed it (ReadsEngagement). The
    networks' lists give people, not times: `seen_at` is when Stoa first saw it."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="audience_engagements")
    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="audience_engagements")
    network = models.CharField(max_length=32)
    account_id = models.CharField(max_length=300)  # DID, account id: as the inbox's authors keep it
    handle = models.CharField(max_length=300, blank=True, default="")
    name = models.CharField(max_length=300, blank=True, default="")
    profile_url = models.URLField(max_length=1000, blank=True, default="")
    action = models.CharField(max_length=16)  # repost | like (stoa.audience.collect.ACTIONS)
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["publication", "account_id", "action"],
                                               name="one_engagement_per_person_post_action")]
        indexes = [models.Index(fields=["workspace", "seen_at"], name="audience_engagements_recent")]


class Reach(models.Model):
    """How many followers someone in the audience has, as their network said when last asked (a public read)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="audience_reach")
    network = models.CharField(max_length=32)
    account_id = models.CharField(max_length=300)
    followers = models.PositiveBigIntegerField(null=True, blank=True)  # None: the network did not say
    read_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "network", "account_id"],
                                               name="one_reach_per_person")]


class Network(models.TextChoices):
    """The networks whose accounts can be read without the brand's credentials."""

    BLUESKY = "bluesky", "Bluesky"
    MASTODON = "mastodon", "Mastodon"


class Competitor(models.Model):
    """A public account the workspace watches: a Bluesky handle, or a Mastodon account on its server."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="competitors")
    network = models.CharField(max_length=16, choices=Network.choices)
    handle = models.CharField(max_length=300)  # alice.bsky.social, or user@server for Mastodon
    server = models.URLField(max_length=300, blank=True, default="")  # Mastodon: https://server
    remote_id = models.CharField(max_length=300, blank=True, default="")  # DID, account id: set by the first read
    name = models.CharField(max_length=300, blank=True, default="")
    profile_url = models.URLField(max_length=1000, blank=True, default="")
    added_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")  # a reason of stoa.audience.public.READ_ERRORS

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "network", "handle"],
                                               name="one_competitor_per_account")]
        ordering = ["network", "handle"]

    def __str__(self) -> str:
        return self.name or self.handle


class CompetitorSnapshot(models.Model):
    """A competitor's followers and posts on one day (UTC): the day's latest read."""

    competitor = models.ForeignKey(Competitor, on_delete=models.CASCADE, related_name="snapshots")
    day = models.DateField()
    measured_at = models.DateTimeField()
    followers = models.PositiveBigIntegerField(null=True, blank=True)
    posts = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["competitor_id", "day"]
        constraints = [models.UniqueConstraint(fields=["competitor", "day"], name="one_competitor_snapshot_a_day")]


class Format(models.TextChoices):
    TEXT = "text", _("Text")
    IMAGE = "image", _("Image")
    VIDEO = "video", _("Video")
    LINK = "link", _("Link")


class CompetitorPost(models.Model):
    """One of a competitor's own posts (not their reposts nor replies), with its counts as last read."""

    competitor = models.ForeignKey(Competitor, on_delete=models.CASCADE, related_name="posts")
    remote_id = models.CharField(max_length=300)
    url = models.URLField(max_length=1000, blank=True, default="")
    published_at = models.DateTimeField()
    format = models.CharField(max_length=8, choices=Format.choices)
    text = models.TextField(blank=True, default="")
    likes = models.PositiveBigIntegerField(default=0)
    reposts = models.PositiveBigIntegerField(default=0)
    replies = models.PositiveBigIntegerField(default=0)
    read_at = models.DateTimeField()

    class Meta:
        ordering = ["-published_at"]
        constraints = [models.UniqueConstraint(fields=["competitor", "remote_id"], name="one_competitor_post")]
        indexes = [models.Index(fields=["competitor", "published_at"], name="competitor_posts_of_period")]

    @property
    def engagement(self) -> int:
        return self.likes + self.reposts + self.replies
