"""Contests and quizzes: the rules, the entries kept once per person with their eligibility, and the draw."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from stoa.contests import draw
from stoa.crypto import decrypt_json, encrypt_json
from stoa.posts.models import Post, Publication
from stoa.workspaces.models import Workspace


class Kind(models.TextChoices):
    CONTEST = "contest", _("Contest")
    QUIZ = "quiz", _("Quiz")


class Action(models.TextChoices):
    """What a person does on the contest's posts; the networks' ReadsEngagement actions."""

    REPLY = "reply", _("Reply")
    REPOST = "repost", _("Repost")
    LIKE = "like", _("Like")
    QUOTE = "quote", _("Quote")


class QuizMode(models.TextChoices):
    FIRST = "first", _("The first correct answers win")
    DRAW = "draw", _("A draw among the correct answers")


class Randomness(models.TextChoices):
    DRAND = "drand", _("A drand round (the League of Entropy's public randomness)")
    SEED = "seed", _("A seed whose SHA-256 is published at the start (commit-reveal)")


class State(models.TextChoices):
    OPEN = "open", _("Open")
    FROZEN = "frozen", _("Frozen, waiting for the random value")
    DRAWN = "drawn", _("Drawn")


class Contest(models.Model):
    """A contest or quiz on one or more of the brand's published posts."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="contests")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CONTEST)
    publications = models.ManyToManyField(Publication, related_name="contests")
    # What counts as an entry: every action listed, and each other rule set, is required.
    actions = models.JSONField(default=list)  # Action values
    hashtag = models.CharField(max_length=100, blank=True, default="")  # in the reply or quote
    friends_to_tag = models.PositiveSmallIntegerField(default=0)  # @mentions in the reply or quote
    must_follow = models.BooleanField(default=False)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    block_list = models.JSONField(default=list, blank=True)  # handles or account ids, any network
    previous_winners_days = models.PositiveIntegerField(default=0)  # 0: previous winners may win again
    min_account_age_days = models.PositiveIntegerField(default=0)
    winners = models.PositiveSmallIntegerField(default=1)
    substitutes = models.PositiveSmallIntegerField(default=0)
    # Quizzes: any of these answers in a reply is correct (compared case- and accent-insensitively).
    answers = models.JSONField(default=list, blank=True)
    quiz_mode = models.CharField(max_length=8, choices=QuizMode.choices, default=QuizMode.DRAW)
    randomness = models.CharField(max_length=8, choices=Randomness.choices, default=Randomness.DRAND)
    # The commit-reveal seed: its SHA-256 is public from the start, the seed itself only after the freeze.
    seed_commitment = models.CharField(max_length=64)
    seed_encrypted = models.TextField()
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    frozen = models.JSONField(null=True, blank=True)  # draw.freeze's document
    frozen_sha256 = models.CharField(max_length=64, blank=True, default="")
    frozen_at = models.DateTimeField(null=True, blank=True)
    published = models.JSONField(null=True, blank=True)  # draw.published's document
    drawn_at = models.DateTimeField(null=True, blank=True)
    freeze_post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    announcement = models.ForeignKey(Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    public_key = models.CharField(max_length=32, unique=True)  # the public page's address
    collected_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_at", "id"]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def with_new_seed(cls, **fields) -> "Contest":
        seed = secrets.token_hex(32)
        return cls(seed_commitment=draw.commitment(seed), seed_encrypted=encrypt_json({"seed": seed}),
                   public_key=secrets.token_urlsafe(12), **fields)

    @property
    def seed(self) -> str:
        return decrypt_json(self.seed_encrypted)["seed"]


class Entry(models.Model):
    """One person's entry, kept once per person however many times they engaged, with their eligibility."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="entries")
    network = models.CharField(max_length=32)
    account_id = models.CharField(max_length=300)
    handle = models.CharField(max_length=300, blank=True, default="")
    name = models.CharField(max_length=300, blank=True, default="")
    actions = models.JSONField(default=list)  # Action values seen
    text = models.TextField(blank=True, default="")  # the reply or quote, for hashtags, tags and quiz answers
    tagged = models.PositiveSmallIntegerField(default=0)  # people @mentioned in it
    follows_brand = models.BooleanField(null=True)  # None: the network did not say
    account_created_at = models.DateTimeField(null=True, blank=True)  # None: not known
    first_at = models.DateTimeField()  # the earliest action seen (a reply's time; else when it was collected)
    answered_at = models.DateTimeField(null=True, blank=True)  # the reply or quote whose text is kept (quizzes)
    eligible = models.BooleanField(default=False)
    reason = models.CharField(max_length=32, blank=True, default="")  # eligibility.REASONS key
    place = models.PositiveSmallIntegerField(null=True, blank=True)  # 1..winners, then the substitutes
    substitute = models.BooleanField(default=False)

    class Meta:
        ordering = ["network", "account_id"]
        constraints = [models.UniqueConstraint(fields=["contest", "network", "account_id"], name="one_entry_each")]
        indexes = [models.Index(fields=["contest", "eligible"])]

    def __str__(self) -> str:
        return f"{self.handle or self.account_id} ({self.network})"
