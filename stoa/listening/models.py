"""Listening: a workspace's queries, the hits they found on the networks, and what the page and alerts count.

Hits are not inbox items: nobody owes them an answer (no response clock) until someone sends one to the inbox.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from stoa.channels.models import Channel
from stoa.inbox.models import Intent, Sentiment
from stoa.workspaces.models import Workspace

NETWORKS = ("bluesky", "mastodon", "telegram")  # where hits come from


class ListeningQuery(models.Model):
    """What the workspace listens for: its brand (or a competitor's) in every spelling, phrases and hashtags."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="listening_queries")
    name = models.CharField(max_length=120)
    # Brand names in every script and transliteration (Кафе Яфо, Kafe Yafo, קפה יפו) and phrases: whole words.
    terms = models.JSONField(default=list, blank=True)
    hashtags = models.JSONField(default=list, blank=True)  # without '#'
    exclusions = models.JSONField(default=list, blank=True)  # a post naming any of these is not a hit
    languages = models.JSONField(default=list, blank=True)  # the hits' languages kept; empty: every language
    competitor = models.BooleanField(default=False)  # a competitor's name, for the share of voice
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["competitor", "name", "id"]

    def __str__(self) -> str:
        return self.name


class Hit(models.Model):
    """One public post that a query found, kept once per workspace, network and post."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="listening_hits")
    # The first query it matched (the brand's before competitors'); the others in also_matched.
    query = models.ForeignKey(ListeningQuery, on_delete=models.CASCADE, related_name="hits")
    also_matched = models.JSONField(default=list, blank=True)
    # Whose credentials found it; "Send to inbox" puts it in that channel's inbox. None once the channel is gone.
    channel = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    network = models.CharField(max_length=32)
    remote_id = models.CharField(max_length=300)
    url = models.URLField(max_length=1000, blank=True, default="")
    author_id = models.CharField(max_length=300, blank=True, default="")
    author_handle = models.CharField(max_length=300, blank=True, default="")
    author_name = models.CharField(max_length=300, blank=True, default="")
    text = models.TextField(blank=True, default="")
    written_at = models.DateTimeField()
    day = models.DateField()  # written_at's date in the workspace's time zone, for the counts by day
    found_at = models.DateTimeField()
    language = models.CharField(max_length=16, blank=True, default="")
    sentiment = models.CharField(max_length=16, choices=Sentiment.choices, blank=True, default="")
    intent = models.CharField(max_length=16, choices=Intent.choices, blank=True, default="")
    sent_to_inbox_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")

    class Meta:
        ordering = ["-written_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["workspace", "network", "remote_id"], name="one_hit_each")]
        indexes = [models.Index(fields=["workspace", "-written_at", "-id"], name="hit_stream")]

    def __str__(self) -> str:
        return f"{self.network}: {self.text[:40]}"


class DayCount(models.Model):
    """How many hits of a day, per query, network, sentiment and language: what the charts, the share of voice
    and the spike alerts read, so a month of hundreds of thousands of hits is a few hundred rows."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    query = models.ForeignKey(ListeningQuery, on_delete=models.CASCADE, related_name="+")
    network = models.CharField(max_length=32)
    sentiment = models.CharField(max_length=16, blank=True, default="")
    language = models.CharField(max_length=16, blank=True, default="")
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "day", "query", "network", "sentiment",
                                                       "language"], name="one_count_each")]


class Cursor(models.Model):
    """Where a channel's reading of one stream (a search term, a hashtag timeline) goes on next time."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="listening_cursors")
    stream = models.CharField(max_length=400)  # "search:<term>", "tag:<hashtag>", "inbox"
    position = models.TextField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "stream"], name="one_listening_cursor")]


class Spike(models.TextChoices):
    VOLUME = "volume", _("Volume")
    NEGATIVE = "negative", _("Negative share")


class Alert(models.Model):
    """A spike the managers were told of: once per workspace, day and kind."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    kind = models.CharField(max_length=16, choices=Spike.choices)
    detail = models.JSONField(default=dict)
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "day", "kind"], name="one_alert_each")]


class Relay(models.Model):
    """A network's event stream (Bluesky's firehose) that listening reads: where the reading goes on after a restart,
    and which worker process reads it now (its lease), so that many workers read it once."""

    address = models.CharField(max_length=300, unique=True)
    position = models.BigIntegerField(null=True, blank=True)  # the last event kept; None: start live
    reader = models.CharField(max_length=200, blank=True, default="")
    lease_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.address


class StreamTag(models.Model):
    """How often a hashtag was used in an hour of a relay's stream, counted from every post it brought: Bluesky's
    trends, which it has no endpoint for. The long tail of an hour is dropped once the hour is over."""

    relay = models.ForeignKey(Relay, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    tag = models.CharField(max_length=100)  # without '#', normalised as the matcher does
    uses = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["relay", "hour", "tag"], name="one_stream_tag_each")]
