"""What Stoa measures: each post's counts over time, and each channel's audience, day by day.

A count a network does not give (ReadsMetrics.post_metrics, account_metrics) is NULL, never 0: the pages say "not
available on <network>". A snapshot is one row, written whole or not at all (stoa.analytics.actions), so a series
never holds half a read. Counts may go down from one snapshot to the next (an unlike, an unfollow).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from stoa.channels.models import Channel
from stoa.posts.models import Publication
from stoa.workspaces.models import Workspace


class MeasuredPost(models.Model):
    """A post of a channel's account whose counts Stoa reads: one Stoa published (`publication`), or one the account
    posted elsewhere, found when the channel was connected (backfill)."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="measured_posts")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="measured_posts")  # a copy
    publication = models.OneToOneField(Publication, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="measured")
    remote_id = models.CharField(max_length=300)
    url = models.URLField(max_length=500, blank=True, default="")
    published_at = models.DateTimeField()
    # When its counts are read next, on the age ladder (stoa.analytics.ladder); NULL: never again (the post is gone).
    next_read_at = models.DateTimeField(null=True, blank=True)
    # A read of its counts holds it until then (a lease: two workers never read one post at once, and a worker
    # killed mid-read only delays the next read until this time).
    read_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    # Its latest snapshot (by measured_at), set in the same transaction as each snapshot (actions.point_to_latest):
    # the analytics pages read a post's figures from it without searching its series.
    latest_snapshot = models.ForeignKey("PostSnapshot", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    # What it is (stoa.analytics.queries.KINDS: poll, video, photo...), from its publication's media and options,
    # set when it is measured or linked to its publication (actions.classify).
    kind = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "remote_id"], name="one_measured_post_per_remote")]
        indexes = [models.Index(fields=["channel", "next_read_at"], name="measured_posts_due"),
                   # The analytics pages: a workspace's (or a channel's) posts of a period.
                   models.Index(fields=["workspace", "published_at"], name="measured_posts_of_period"),
                   models.Index(fields=["channel", "published_at"], name="measured_posts_of_channel")]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.remote_id}"


class PostSnapshot(models.Model):
    """A post's counts at one moment. NULL: the network does not give that count."""

    post = models.ForeignKey(MeasuredPost, on_delete=models.CASCADE, related_name="snapshots")
    measured_at = models.DateTimeField()
    likes = models.PositiveBigIntegerField(null=True, blank=True)  # likes, favourites
    reposts = models.PositiveBigIntegerField(null=True, blank=True)  # reposts, boosts
    replies = models.PositiveBigIntegerField(null=True, blank=True)
    quotes = models.PositiveBigIntegerField(null=True, blank=True)
    views = models.PositiveBigIntegerField(null=True, blank=True)  # views, impressions

    class Meta:
        ordering = ["post_id", "measured_at"]
        indexes = [models.Index(fields=["post", "measured_at"], name="post_series")]

    def __str__(self) -> str:
        return f"{self.post_id} at {self.measured_at:%Y-%m-%d %H:%M}"


class ChannelSnapshot(models.Model):
    """A channel's audience on one day (the workspace's day, in its timezone): the day's latest read. NULL: the
    network does not give that count."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="snapshots")
    day = models.DateField()
    measured_at = models.DateTimeField()
    followers = models.PositiveBigIntegerField(null=True, blank=True)  # followers, subscribers, members
    following = models.PositiveBigIntegerField(null=True, blank=True)
    posts = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["channel_id", "day"]
        constraints = [models.UniqueConstraint(fields=["channel", "day"], name="one_channel_snapshot_a_day")]

    def __str__(self) -> str:
        return f"{self.channel_id} on {self.day}"


class ChannelMetrics(models.Model):
    """Where measuring a channel stands: its backfill, and the lease on reading its audience."""

    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, primary_key=True, related_name="metrics")
    backfilled_at = models.DateTimeField(null=True, blank=True)  # its recent posts were listed once, on connect
    read_until = models.DateTimeField(null=True, blank=True)  # a read of its audience or backfill holds it

    def __str__(self) -> str:
        return f"metrics of {self.channel_id}"


class Kpi(models.TextChoices):
    FOLLOWER_GROWTH = "follower_growth", _("Follower growth")  # net new followers in the period, all channels
    ENGAGEMENT_RATE = "engagement_rate", _("Engagement rate")  # percent
    RESPONSE_TIME = "response_time", _("Response time")  # median first answer, hours (lower is better)
    CLICKS = "clicks", _("Clicks")  # on Stoa's short links
    CONVERSIONS = "conversions", _("Conversions")
    ROI = "roi", _("Return on investment")  # percent


class KpiTarget(models.Model):
    """A workspace's target for one KPI over a 30-day period (stoa.analytics.kpis tells its status)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="kpi_targets")
    kpi = models.CharField(max_length=24, choices=Kpi.choices)
    target = models.DecimalField(max_digits=14, decimal_places=2)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "kpi"], name="one_target_per_kpi")]

    def __str__(self) -> str:
        return f"{self.workspace_id} {self.kpi} {self.target}"
