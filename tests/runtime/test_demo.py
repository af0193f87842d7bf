"""`stoa demo`: an empty install filled with brands whose figures the analytics pages show, the same from the same
seed, never on top of real workspaces, and never a request to a network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Sum
from django.urls import reverse

from stoa import clock
from stoa.analytics import dashboard
from stoa.analytics.models import ChannelSnapshot, PostSnapshot
from stoa.analytics.queries import Scope
from stoa.analytics.tasks import sweep_metrics
from stoa.channels.models import Channel, ChannelStatus, RequestWindow
from stoa.inbox.models import Item, Reply
from stoa.inbox.tasks import poll_inboxes
from stoa.links.models import CampaignCost, CampaignResult, Click
from stoa.posts.models import Media, Publication, State
from stoa.publishing.engine import Engine
from stoa.workspaces.actions import create_workspace
from stoa.workspaces.models import Membership, Role, Workspace

A_MONDAY = time_machine.travel(datetime(2026, 3, 16, 10, tzinfo=UTC), tick=False)
SMALL = {"brands": 2, "years": 0.3, "channels": 3}


def demo(**options) -> None:
    call_command("demo", **(SMALL | options), stdout=open("/dev/null", "w"))  # noqa: SIM115


def fingerprint() -> list:
    """The data without its row ids."""
    return [
        sorted(Publication.objects.values_list("workspace__slug", "channel__network", "published_at",
                                               "variant__post__content_type", "variant__text")),
        sorted(PostSnapshot.objects.values_list("post__remote_id", "measured_at", "likes", "reposts", "views")),
        sorted(ChannelSnapshot.objects.values_list("channel__name", "day", "followers")),
        sorted(Item.objects.values_list("remote_id", "text", "sentiment", "intent", "first_response_at")),
        Click.objects.count(), sorted(CampaignResult.objects.values_list("campaign", "source", "revenue")),
    ]


@A_MONDAY
@pytest.mark.django_db
def test_demo_fills_every_figure_of_the_analytics_page(client):
    demo()
    workspaces = list(Workspace.objects.order_by("slug"))
    assert [(w.slug, w.language, w.timezone) for w in workspaces] == [("kafe-yafo", "he", "Asia/Jerusalem"),
                                                                      ("makhbaz-beirut", "ar", "Asia/Beirut")]
    owner = Membership.objects.get(workspace=workspaces[0], role=Role.OWNER).user
    assert Membership.objects.filter(workspace=workspaces[0]).values("role").distinct().count() == len(Role)
    assert Reply.objects.exists() and Click.objects.exists() and CampaignCost.objects.exists()
    with Media.objects.filter(content_type="image/jpeg").first().file.open("rb") as photo:
        assert photo.read(3) == b"\xff\xd8\xff"  # a real JPEG, for the reports' top posts
    scope = Scope(workspaces=(workspaces[1],), start=clock.now() - timedelta(days=90), end=clock.now())
    figures = dashboard.figures(scope)
    assert figures["totals"]["posts"] > 50 and figures["net_followers"]
    by_kind = {row["kind"]: row["rate"] for row in dict(figures["breakdowns"])["By content type"]}
    assert by_kind["photo"] > by_kind["text"]  # photos draw more than plain text
    by_selling = {row["selling"]: row["rate"] for row in dict(figures["breakdowns"])["Selling or informational"]}
    assert by_selling["informational"] > by_selling["selling"]
    client.force_login(owner)
    response = client.get(reverse("analytics"), {"workspace": workspaces[1].slug, "days": 90})
    assert response.status_code == 200 and "photo" in response.content.decode().lower()
    assert client.get(reverse("analytics"), {"workspace": "all"}).status_code == 200


@A_MONDAY
@pytest.mark.django_db
def test_the_same_seed_makes_the_same_data():
    def made(seed: int) -> list:
        with transaction.atomic():
            demo(seed=seed)
            found = fingerprint()
            transaction.set_rollback(True)  # an empty install again
        return found

    first = made(3)
    assert made(3) == first
    assert made(4) != first


@pytest.mark.django_db
def test_demo_refuses_an_install_with_workspaces_unless_forced(owner):
    create_workspace(owner, "Real Brand")
    with pytest.raises(CommandError, match="fills only an empty one"):
        demo()
    assert Workspace.objects.count() == 1
    create_workspace(owner, "Kafe", slug="kafe-yafo")
    demo(force=True, brands=1, years=0.05)
    assert sorted(Workspace.objects.values_list("slug", flat=True)) == ["kafe-yafo", "kafe-yafo-2", "real-brand"]


@pytest.mark.django_db
def test_nothing_made_by_the_demo_reaches_a_network(monkeypatch):
    requests = []

    def nowhere(self, request):
        requests.append(str(request.url))
        raise httpx.ConnectError("no network in this test", request=request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", nowhere)
    demo()
    assert set(Channel.objects.values_list("status", flat=True)) == {ChannelStatus.DISABLED}
    # Something for each to do: a post due on the engine, posts due on the ladder (the demo's are).
    publication = Publication.objects.first()
    Publication.objects.filter(pk=publication.pk).update(state=State.SCHEDULED, next_attempt_at=clock.now())
    assert Engine().claim_next() is None
    sweep_metrics.call_local()
    poll_inboxes.call_local()
    assert requests == []
    assert not RequestWindow.objects.exists()
    assert PostSnapshot.objects.aggregate(n=Count("id"), likes=Sum("likes"))["n"] > 0
