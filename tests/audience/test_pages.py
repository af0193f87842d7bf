"""The audience's pages: the opinion leaders (filters, sorting, export) and the competitors (add, remove, the
side-by-side table and charts), each for those allowed in the workspace only."""

import pytest
from django.test import Client

from stoa.audience.models import Competitor
from tests.audience.fakes import FakeMastodonServer

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def logged_in(owner):
    return client_of(owner)


def test_the_leaders_page_ranks_and_keeps_rtl_names_whole(logged_in, workspace, audience):
    audience("7", name="נועה כהן", replies=[("positive", "אהבתי את הקפה")], followers=900)
    audience("8", name="Dana", likes=1)

    page = logged_in.get("/audience/leaders/", {"workspace": workspace.slug}).content.decode()
    assert page.index("נועה כהן") < page.index("Dana")
    assert '<bdi dir="auto">נועה כהן</bdi>' in page and '<bdi dir="auto">אהבתי את הקפה</bdi>' in page


def test_the_leaders_page_filters_by_leaning_and_sorts(logged_in, workspace, audience):
    audience("1", name="Critic", replies=[("negative", "cold")])
    audience("2", name="Fan", replies=[("positive", "warm")], followers=10)

    negative = logged_in.get("/audience/leaders/", {"sentiment": "negative"}).content.decode()
    assert "Critic" in negative and "Fan" not in negative
    by_negative = logged_in.get("/audience/leaders/", {"sort": "negative"}).content.decode()
    assert by_negative.index("Critic") < by_negative.index("Fan")


def test_the_export_downloads_the_filtered_leaders_as_csv(logged_in, workspace, audience):
    audience("7", name="محمد", replies=[("positive", "شكرا")])

    response = logged_in.get("/audience/leaders.csv", {"workspace": workspace.slug, "network": "mastodon"})
    data = b"".join(response.streaming_content)
    assert response["Content-Disposition"] == 'attachment; filename="stoa-kafe-yafo-leaders.csv"'
    assert data.startswith(b"\xef\xbb\xbfnetwork,") and "محمد".encode() in data


def test_clients_and_strangers_see_no_leaders(member, stranger, workspace, audience):
    audience("7", name="Noa", replies=[("positive", "hi")])

    assert client_of(member("client")).get("/audience/leaders/").status_code == 403
    assert client_of(stranger).get("/audience/leaders/").status_code == 403
    assert client_of(member("community_manager")).get("/audience/leaders/").status_code == 200


def test_a_competitor_is_added_read_at_once_and_shown_beside_the_brand(logged_in, workspace, brand_channel,
                                                                      monkeypatch):
    fake = FakeMastodonServer()
    monkeypatch.setattr("stoa.audience.competitors.http_client", fake.client)  # the network's one seam
    response = logged_in.post("/audience/competitors/", {"workspace": workspace.slug, "network": "mastodon",
                                                         "handle": "athensbakery@mastodon.example"})
    assert response.status_code == 302

    page = logged_in.get(response["Location"]).content.decode()
    assert '<bdi dir="auto">Αρτοποιείο Αθήνας</bdi>' in page
    assert page.index(brand_channel.name) < page.index("Αρτοποιείο Αθήνας")  # the brand first
    assert page.count('<svg class="chart') == 2 and "<title>Followers by day</title>" in page


def test_a_wrong_account_is_refused_on_the_form(logged_in, workspace):
    response = logged_in.post("/audience/competitors/", {"workspace": workspace.slug, "network": "mastodon",
                                                         "handle": "athensbakery"})
    assert response.status_code == 422 and "user@server" in response.content.decode()
    assert not Competitor.objects.exists()


def test_only_managers_and_analysts_add_or_remove_competitors(member, owner, workspace):
    editor = client_of(member("content_editor"))
    editor.post("/audience/competitors/", {"workspace": workspace.slug, "network": "bluesky",
                                           "handle": "a.bsky.social"})
    assert not Competitor.objects.exists()
    competitor = Competitor.objects.create(workspace=workspace, network="bluesky", handle="a.bsky.social",
                                           added_at="2026-11-01T00:00Z")
    assert editor.post(f"/audience/competitors/{competitor.pk}/remove/").status_code == 403
    response = client_of(owner).post(f"/audience/competitors/{competitor.pk}/remove/")
    assert response.status_code == 302 and not Competitor.objects.exists()


def test_another_workspaces_competitor_cannot_be_removed(stranger, other_workspace, workspace, owner):
    theirs = Competitor.objects.create(workspace=other_workspace, network="bluesky", handle="b.bsky.social",
                                       added_at="2026-11-01T00:00Z")
    assert client_of(owner).post(f"/audience/competitors/{theirs.pk}/remove/").status_code == 404
    assert Competitor.objects.filter(pk=theirs.pk).exists()
