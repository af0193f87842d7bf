"""The rules form: what a person enters to make a contest, checked as the action checks it."""

import zoneinfo
from datetime import datetime, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stoa import clock
from stoa.contests.actions import ContestInput
from stoa.contests.models import Action, Kind, QuizMode, Randomness
from stoa.posts.models import Publication, State
from stoa.workspaces.models import Workspace

RECENT_DAYS = 90
LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class PublicationsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.channel.name}: {obj.variant.text[:80]}"


class ContestForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.CONTEST)
    publications = PublicationsField(label=_("The posts it runs on"), queryset=Publication.objects.none(),
                                                  widget=forms.CheckboxSelectMultiple)
    actions = forms.MultipleChoiceField(label=_("What counts as an entry"), choices=Action.choices, required=False,
                                        widget=forms.CheckboxSelectMultiple, initial=[Action.REPLY])
    hashtag = forms.CharField(label=_("Hashtag in the reply"), required=False, max_length=100)
    friends_to_tag = forms.IntegerField(label=_("Friends to tag"), min_value=0, max_value=20, initial=0)
    must_follow = forms.BooleanField(label=_("Must follow the brand"), required=False)
    opens_at = forms.DateTimeField(label=_("Opens"), widget=LOCAL)
    closes_at = forms.DateTimeField(label=_("Closes"), widget=LOCAL)
    block_list = forms.CharField(label=_("Block list (one handle or account id a line)"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 3}))
    previous_winners_days = forms.IntegerField(label=_("Exclude winners of the last N days"), min_value=0, initial=0)
    min_account_age_days = forms.IntegerField(label=_("Minimum account age in days"), min_value=0, initial=0)
    winners = forms.IntegerField(label=_("Winners"), min_value=1, max_value=1000, initial=1)
    substitutes = forms.IntegerField(label=_("Substitutes"), min_value=0, max_value=1000, initial=0)
    answers = forms.CharField(label=_("Quiz: correct answers (one a line)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    quiz_mode = forms.ChoiceField(label=_("Quiz: who wins"), choices=QuizMode.choices, initial=QuizMode.DRAW)
    randomness = forms.ChoiceField(label=_("Random value"), choices=Randomness.choices, initial=Randomness.DRAND)

    def __init__(self, workspace: Workspace, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        # The posts of the last RECENT_DAYS: a contest runs on what people see now, and the list stays short.
        published = Publication.objects.filter(workspace=workspace, state=State.PUBLISHED,
                                               published_at__gte=clock.now() - timedelta(days=RECENT_DAYS))
        choice = self.fields["publications"]
        assert isinstance(choice, forms.ModelMultipleChoiceField)
        choice.queryset = published.select_related("variant", "channel").order_by("-published_at")

    def local(self, moment: datetime) -> datetime:
        zone = zoneinfo.ZoneInfo(self.workspace.timezone)
        return timezone.make_aware(moment.replace(tzinfo=None), zone)

    def contest_input(self) -> ContestInput:
        data = self.cleaned_data
        return ContestInput(
            title=data["title"], kind=data["kind"], publication_ids=[p.pk for p in data["publications"]],
            actions=list(data["actions"]), hashtag=data["hashtag"], friends_to_tag=data["friends_to_tag"],
            must_follow=data["must_follow"], opens_at=self.local(data["opens_at"]),
            closes_at=self.local(data["closes_at"]), block_list=lines(data["block_list"]),
            previous_winners_days=data["previous_winners_days"], min_account_age_days=data["min_account_age_days"],
            winners=data["winners"], substitutes=data["substitutes"], answers=lines(data["answers"]),
            quiz_mode=data["quiz_mode"], randomness=data["randomness"])
