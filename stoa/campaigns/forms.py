"""The plan's forms: a campaign with its audience, the audience alone, a report to import. The action checks the
same again, the audience against the campaign's platform (audience.py), and its reasons are put on these fields."""

from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from stoa import clock
from stoa.campaigns.actions import CampaignInput
from stoa.campaigns.audience import GENDERS, Audience, Point
from stoa.campaigns.models import Objective, Platform
from stoa.posts.models import Publication, State
from stoa.workspaces.models import Workspace

RECENT_DAYS = 90
DAY = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
GENDER_CHOICES = [("all", _("All")), ("female", _("Women")), ("male", _("Men"))]
assert [value for value, _label in GENDER_CHOICES] == list(GENDERS)


def keys(text: str) -> list[str]:
    """Keys separated by commas or new lines."""
    return [key.strip() for key in text.replace("\n", ",").split(",") if key.strip()]


class PublicationsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.channel.name}: {obj.variant.text[:80]}"


class AudienceForm(forms.Form):
    cities = forms.CharField(label=_("Cities (the platform's keys, separated by commas)"), required=False)
    regions = forms.CharField(label=_("Regions (the platform's keys)"), required=False)
    latitude = forms.FloatField(label=_("Latitude of the point"), required=False)
    longitude = forms.FloatField(label=_("Longitude of the point"), required=False)
    radius_km = forms.DecimalField(label=_("Radius around the point (km)"), required=False, min_value=0,
                                   max_digits=6, decimal_places=2)
    metro_station = forms.CharField(label=_("Metro station (the platform's key)"), required=False, max_length=100)
    age_min = forms.IntegerField(label=_("Youngest age"), required=False, min_value=0, max_value=120)
    age_max = forms.IntegerField(label=_("Oldest age"), required=False, min_value=0, max_value=120)
    gender = forms.ChoiceField(label=_("Gender"), choices=GENDER_CHOICES, initial="all")
    languages = forms.CharField(label=_("Languages (the platform's keys)"), required=False)
    interests = forms.CharField(label=_("Interests (the platform's keys)"), required=False)

    def clean(self):
        data = super().clean()
        point = [data.get(name) for name in ("latitude", "longitude", "radius_km")]
        if any(value is not None for value in point) and None in point:
            self.add_error("radius_km", _("A radius needs the point's latitude, longitude and the radius."))
        return data

    def audience(self) -> Audience:
        data = self.cleaned_data
        point = None
        if data.get("radius_km") is not None and data.get("latitude") is not None:
            point = Point(data["latitude"], data["longitude"], data["radius_km"])
        return Audience(cities=keys(data["cities"]), regions=keys(data["regions"]), point=point,
                        metro_station=data["metro_station"].strip(), age_min=data["age_min"],
                        age_max=data["age_max"], gender=data["gender"], languages=keys(data["languages"]),
                        interests=keys(data["interests"]))

    @classmethod
    def of(cls, audience: Audience) -> "AudienceForm":
        point = audience.point
        return cls(initial={"cities": ", ".join(audience.cities), "regions": ", ".join(audience.regions),
                            "latitude": point.latitude if point else None,
                            "longitude": point.longitude if point else None,
                            "radius_km": point.radius_km if point else None, "metro_station": audience.metro_station,
                            "age_min": audience.age_min, "age_max": audience.age_max, "gender": audience.gender,
                            "languages": ", ".join(audience.languages), "interests": ", ".join(audience.interests)})


class CampaignForm(AudienceForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    platform = forms.ChoiceField(label=_("Ads platform"), choices=Platform.choices)
    objective = forms.ChoiceField(label=_("Objective"), choices=Objective.choices, initial=Objective.TRAFFIC)
    budget = forms.DecimalField(label=_("Budget"), min_value=0, max_digits=14, decimal_places=2)
    currency = forms.CharField(label=_("Currency (ISO code)"), min_length=3, max_length=3)
    starts_on = forms.DateField(label=_("Starts"), widget=DAY)
    ends_on = forms.DateField(label=_("Ends"), widget=DAY)
    publications = PublicationsField(label=_("The posts it promotes"), queryset=Publication.objects.none(),
                                     required=False, widget=forms.CheckboxSelectMultiple)
    utm_campaign = forms.CharField(label=_("utm_campaign of its links (for ROI)"), required=False, max_length=200)

    field_order = ["name", "platform", "objective", "budget", "currency", "starts_on", "ends_on", "publications",
                   "utm_campaign"]

    def __init__(self, workspace: Workspace, *args, **kwargs):
        super().__init__(*args, **kwargs)
        since = clock.now() - timedelta(days=RECENT_DAYS)
        self.fields["publications"].queryset = (Publication.objects.filter(  # type: ignore[attr-defined]
            workspace=workspace, state=State.PUBLISHED, published_at__gte=since)
            .select_related("channel", "variant").order_by("-published_at"))

    def campaign_input(self) -> CampaignInput:
        data = self.cleaned_data
        return CampaignInput(name=data["name"], platform=data["platform"], objective=data["objective"],
                             budget=data["budget"], currency=data["currency"].upper(), starts_on=data["starts_on"],
                             ends_on=data["ends_on"], audience=self.audience(),
                             publication_ids=[p.pk for p in data["publications"]],
                             utm_campaign=data["utm_campaign"])


class ImportForm(forms.Form):
    report = forms.FileField(label=_("The platform's report (CSV)"))


def field_of(name: str) -> str | None:
    """The form field an action's error belongs on: audience.point -> radius_km, audience.cities -> cities."""
    name = name.removeprefix("audience.")
    return {"point": "radius_km", "publication_ids": "publications"}.get(name, name)
