"""The inbox: every comment, mention and direct message a brand receives, and the policy that runs it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from stoa.channels.models import Channel
from stoa.crypto import decrypt_json, encrypt_json
from stoa.posts.models import Publication
from stoa.workspaces.models import Workspace


class Kind(models.TextChoices):
    COMMENT = "comment", _("Comment")  # a reply under one of the brand's posts (or under a reply to one)
    MENTION = "mention", _("Mention")  # names the brand's account elsewhere
    MESSAGE = "message", _("Direct message")
    SEARCH = "search", _("Found by search")  # names the brand without tagging it


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    NEUTRAL = "neutral", _("Neutral")
    POSITIVE = "positive", _("Positive")


class Intent(models.TextChoices):
    QUESTION = "question", _("Question")
    COMPLAINT = "complaint", _("Complaint")
    PRAISE = "praise", _("Praise")
    LEAD = "lead", _("Purchase intent")
    SPAM = "spam", _("Spam or abuse")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class Team(models.Model):
    """People who answer one kind of message together, e.g. "Support" or "Sales"."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="inbox_teams")
    name = models.CharField(max_length=120)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="inbox_teams")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="one_team_name_per_workspace")]

    def __str__(self) -> str:
        return self.name


class Author(models.Model):
    """Someone who wrote to a brand on one network."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="inbox_authors")
    network = models.CharField(max_length=32)
    remote_id = models.CharField(max_length=300)  # DID, account id, user id
    handle = models.CharField(max_length=300, blank=True, default="")
    name = models.CharField(max_length=300, blank=True, default="")
    avatar_url = models.URLField(max_length=1000, blank=True, default="")
    profile_url = models.URLField(max_length=1000, blank=True, default="")
    follows_brand = models.BooleanField(null=True)  # None: the network did not say

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "network", "remote_id"],
                                               name="one_author_per_network_account")]

    def __str__(self) -> str:
        return self.name or self.handle or self.remote_id


class Item(models.Model):
    """One message to the brand, as it arrived, what Stoa made of it, and who handles it."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="inbox_items")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="inbox_items")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    remote_id = models.CharField(max_length=300)  # the network's id (at:// URI, status id, chat:message)
    remote_url = models.URLField(max_length=1000, blank=True, default="")
    # The conversation: what it answers and where the conversation starts, as the network's ids.
    parent_remote_id = models.CharField(max_length=300, blank=True, default="")
    root_remote_id = models.CharField(max_length=300, blank=True, default="")
    publication = models.ForeignKey(Publication, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="inbox_items")  # the brand's post it answers
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="items")
    text = models.TextField(blank=True, default="")
    written_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    deleted_on_network = models.BooleanField(default=False)  # the author removed it; Stoa keeps it
    edited_at = models.DateTimeField(null=True, blank=True)
    earlier_texts = models.JSONField(default=list, blank=True)  # what it said before each edit, oldest first
    # What the classifier made of it.
    language = models.CharField(max_length=16, blank=True, default="")
    sentiment = models.CharField(max_length=16, choices=Sentiment.choices, blank=True, default="")
    intent = models.CharField(max_length=16, choices=Intent.choices, blank=True, default="")
    confidence = models.FloatField(null=True, blank=True)
    # Who handles it, by the workspace's routing rules, and the clock its response target runs on.
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="inbox_items")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="items")
    routed_by = models.CharField(max_length=200, blank=True, default="")  # the rule's name
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    first_response_due = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    due_warned = models.BooleanField(default=False)  # the "soon late" and "late" alerts go out once each
    late_alerted = models.BooleanField(default=False)
    hidden_reason = models.TextField(blank=True, default="")  # hidden on the network (never deleted)
    can_answer: bool  # not stored: whether the person looking may answer it (the inbox pages set it)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "remote_id"], name="one_item_per_remote_message")]
        indexes = [
            models.Index(fields=["workspace", "status", "written_at"], name="inbox_queue"),
            models.Index(fields=["workspace", "root_remote_id"], name="inbox_threads"),
            models.Index(fields=["status", "first_response_due"], name="inbox_due"),
            models.Index(fields=["workspace", "sentiment", "received_at"], name="inbox_recent_sentiment"),
        ]
        ordering = ["-written_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.remote_id}"


class Cursor(models.Model):
    """Where reading a channel's stream (notifications, messages, a search) stopped last time."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="inbox_cursors")
    stream = models.CharField(max_length=300)  # "notifications", "search:<query>", ...
    position = models.TextField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "stream"], name="one_cursor_per_stream")]


class RoutingRule(models.Model):
    """If a message matches every condition that is set, it goes to the member or team named.
    Rules are tried in order; the first that matches wins."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="routing_rules")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=120)
    intents = models.JSONField(default=list, blank=True)
    sentiments = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    kinds = models.JSONField(default=list, blank=True)
    channels = models.ManyToManyField(Channel, blank=True, related_name="routing_rules")
    keywords = models.JSONField(default=list, blank=True)  # any of them, as words, in any case
    assign_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["workspace_id", "position", "pk"]

    def __str__(self) -> str:
        return self.name


class ResponseTarget(models.Model):
    """How soon, in working time, a message of one intent gets its first answer."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="response_targets")
    intent = models.CharField(max_length=16, choices=Intent.choices)
    first_response_minutes = models.PositiveIntegerField()
    warn_before_minutes = models.PositiveIntegerField(default=15)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "intent"], name="one_target_per_intent")]


class WorkingTime(models.Model):
    """The workspace's working hours per weekday and its days off; response clocks count only these."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="working_time")
    # {"0": [["09:00", "18:00"]], ... "6": []}: Monday is 0, as datetime.weekday() counts.
    hours = models.JSONField(default=dict, blank=True)
    holidays = models.JSONField(default=list, blank=True)  # ["2026-12-25", ...], local dates


class LinkPolicy(models.TextChoices):
    ANYWHERE = "anywhere", _("Links allowed in any reply")
    ALLOWED_DOMAINS = "allowed_domains", _("Only links to the listed sites; others need a confirmation")
    CONFIRM = "confirm", _("Every link needs a confirmation")


class Policy(models.Model):
    """The workspace's communication policy: how replies may look, what may be hidden, when to raise
    the alarm, and where to hand messages on."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="inbox_policy")
    tone_guide = models.TextField(blank=True, default="")
    link_policy = models.CharField(max_length=16, choices=LinkPolicy.choices, default=LinkPolicy.ALLOWED_DOMAINS)
    allowed_domains = models.JSONField(default=list, blank=True)  # ["kafe.example", ...]
    hiding_allowed = models.BooleanField(default=False)
    # Acute situations: this many negative messages within this many minutes, or any of these words.
    burst_negative_count = models.PositiveIntegerField(default=5)
    burst_minutes = models.PositiveIntegerField(default=15)
    alarm_keywords = models.JSONField(default=list, blank=True)
    last_alarm_at = models.DateTimeField(null=True, blank=True)  # one alarm per burst, not one per message
    handoff_url = models.URLField(max_length=500, blank=True, default="")  # a helpdesk or CRM webhook
    handoff_secret_encrypted = models.TextField(blank=True, default="")
    handoff_email = models.EmailField(blank=True, default="")
    sales_email = models.EmailField(blank=True, default="")  # where leads go, when set

    @property
    def handoff_secret(self) -> str:
        return decrypt_json(self.handoff_secret_encrypted).get("secret", "") if self.handoff_secret_encrypted else ""

    @handoff_secret.setter
    def handoff_secret(self, value: str) -> None:
        self.handoff_secret_encrypted = encrypt_json({"secret": value}) if value else ""


class SavedReply(models.Model):
    """A reply the team reuses, with {name} and {order} filled in when it is used."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="saved_replies")
    intent = models.CharField(max_length=16, choices=Intent.choices, blank=True, default="")
    title = models.CharField(max_length=120)
    body = models.TextField()

    class Meta:
        ordering = ["intent", "title"]


class ReplyState(models.TextChoices):
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Not sent")
    UNKNOWN = "unknown", _("Unknown outcome")  # may have gone out: a person checks, Stoa never resends blindly


class Reply(models.Model):
    """An answer sent from the inbox through the network. Saved before it is sent, so none is lost."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField()
    state = models.CharField(max_length=8, choices=ReplyState.choices, default=ReplyState.SENDING)
    error = models.TextField(blank=True, default="")
    remote_id = models.CharField(max_length=300, blank=True, default="")
    remote_url = models.URLField(max_length=1000, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]


class Note(models.Model):
    """What the team says about a message among themselves; never sent."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]


class Presence(models.Model):
    """Who has a message open to answer it, so two people do not answer the same one."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="presences")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()
    replying = models.BooleanField(default=False)  # they have started writing a reply

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "user"], name="one_presence_per_person")]


class HandoffState(models.TextChoices):
    SENT = "sent", _("Handed on")
    FAILED = "failed", _("Hand-off failed")


class Handoff(models.Model):
    """A message passed, with its context, to the service that can solve it (a helpdesk, a CRM, sales)."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="handoffs")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    target = models.CharField(max_length=500)  # the URL or address it went to
    state = models.CharField(max_length=8, choices=HandoffState.choices)
    reference = models.CharField(max_length=300, blank=True, default="")  # the ticket or lead id they answered
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
