from django.db import models
from django.utils.translation import gettext_lazy as _

from stoa.channels.models import Channel
from stoa.workspaces.models import Workspace


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class TimeSlot(models.Model):
    """A regular posting time of a channel, in the workspace's timezone: the channel's queue."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="time_slots")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    time = models.TimeField()

    class Meta:
        ordering = ["weekday", "time"]
        constraints = [models.UniqueConstraint(fields=["channel", "weekday", "time"], name="one_slot_per_time")]


class DailyTheme(models.Model):
    """A recurring theme of a weekday (Motivation Monday) with the hashtags that go with it."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="daily_themes")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    name = models.CharField(max_length=120)
    hashtags = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["weekday", "name"]


class EventKind(models.TextChoices):
    OBSERVANCE = "observance", _("Observance or holiday")
    LOCAL_EVENT = "local_event", _("Local event")
    CAMPAIGN = "campaign", _("Campaign")


class PlanEvent(models.Model):
    """A dated entry of the content plan: a holiday, a local event, a campaign (days inclusive)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="plan_events")
    kind = models.CharField(max_length=16, choices=EventKind.choices, default=EventKind.OBSERVANCE)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True, default="")
    starts_on = models.DateField()
    ends_on = models.DateField()
    # The iCalendar UID it was imported with, so that importing the same file again updates it.
    uid = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["starts_on", "title"]
        indexes = [models.Index(fields=["workspace", "starts_on"])]
