"""The listening page: the stream with its filters, volume and sentiment by day, the share of voice, queries,
"Send to inbox", and spikes told to the managers once."""

import pytest
from django.test import Client

from stoa.inbox.classifier import builtin
from stoa.inbox.models import Item
from stoa.listening.alerts import check_spikes
from stoa.listening.models import Hit, ListeningQuery
from stoa.listening.store import Found, Listener
from stoa.workspaces.models import Notification
from tests.conftest import mastodon_channel
from tests.listening.conftest import post

NEGATIVE = "Kafe Yafo is terrible, the worst service ever, awful and rude"
POSITIVE = "Kafe Yafo is wonderful, the best coffee, thank you so much"


@pytest.fixture
def logged_in(owner):
    client = Client()
    client.force_login(owner)
    return client


def keep(workspace, *posts, network="mastodon", channel=None):
    Listener(workspace, builtin()).keep([Found(network, p, channel.pk if channel else None) for p in posts])


def test_the_page_shows_the_workspaces_hits_and_filters_them(logged_in, workspace, other_workspace, brand_query,
                                                              stranger):
    keep(workspace, post("1", NEGATIVE), post("2", POSITIVE, author="noa"))
    keep(workspace, post("3", "Кафе Яфо — лучший кофе"), network="bluesky")
    ListeningQuery.objects.create(workspace=other_workspace, name="Theirs", terms=["Kafe Yafo"])
    Listener(other_workspace, builtin()).keep([Found("mastodon", post("9", "Kafe Yafo, someone else's"))])

    page = logged_in.get(f"/listening/?workspace={workspace.slug}").content.decode()
    only_bluesky = logged_in.get(f"/listening/?workspace={workspace.slug}&network=bluesky").content.decode()

    assert NEGATIVE in page and POSITIVE in page and "лучший кофе" in page and "someone else" not in page
    assert "лучший кофе" in only_bluesky and NEGATIVE not in only_bluesky
    assert "Telegram" in page  # says where Telegram is heard


def test_the_share_of_voice_counts_the_brand_against_the_competitors(logged_in, workspace, brand_query,
                                                                     competitor_query):
    keep(workspace, post("1", POSITIVE), post("2", "Bean There again"), post("3", "Bean There is fine"),
         post("4", "Kafe Yafo or Bean There?"))

    page = logged_in.get(f"/listening/?workspace={workspace.slug}").content.decode()

    assert "Bean There" in page and "50.0%" in page  # two each: the post naming both is the brand's


def test_a_query_is_added_on_the_page(logged_in, workspace):
    response = logged_in.post("/listening/queries/", {"workspace": workspace.slug, "name": "Yafo",
                                                      "terms": "קפה יפו\nKafe Yafo", "hashtags": "#kafeyafo"})
    assert response.status_code == 302
    query = ListeningQuery.objects.get()
    assert (query.workspace, query.terms, query.hashtags) == (workspace, ["קפה יפו", "Kafe Yafo"], ["kafeyafo"])


def test_send_to_inbox_makes_one_message_that_needs_an_answer(logged_in, workspace, brand_query, fake_network):
    channel = mastodon_channel(workspace, fake_network)
    keep(workspace, post("1", NEGATIVE), channel=channel)
    hit = Hit.objects.get()

    response = logged_in.post(f"/listening/hits/{hit.pk}/inbox/")
    logged_in.post(f"/listening/hits/{hit.pk}/inbox/")

    item = Item.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/inbox/{item.pk}/"
    assert (item.channel, item.kind, item.text, item.status) == (channel, "search", NEGATIVE, "open")
    assert item.author.handle == "dana"
    hit.refresh_from_db()
    assert hit.sent_to_inbox_at is not None


def test_an_analyst_sees_the_hits_but_cannot_send_them(workspace, brand_query, member, fake_network):
    keep(workspace, post("1", NEGATIVE), channel=mastodon_channel(workspace, fake_network))
    client = Client()
    client.force_login(member("analyst"))
    assert client.get(f"/listening/?workspace={workspace.slug}").status_code == 200
    assert client.post(f"/listening/hits/{Hit.objects.get().pk}/inbox/").status_code == 403
    assert not Item.objects.exists()


def test_a_hit_of_another_workspace_is_not_found(logged_in, other_workspace, stranger):
    query = ListeningQuery.objects.create(workspace=other_workspace, name="Theirs", terms=["Kafe Yafo"])
    Listener(other_workspace, builtin(), [query]).keep([Found("mastodon", post("9", NEGATIVE))])
    assert logged_in.post(f"/listening/hits/{Hit.objects.get().pk}/inbox/").status_code == 404


def test_a_spike_of_negative_posts_alerts_the_managers_once(workspace, brand_query, owner, member):
    member("manager")
    member("analyst")
    keep(workspace, *[post(str(n), NEGATIVE, hours_ago=0) for n in range(25)])

    check_spikes(workspace)
    check_spikes(workspace)

    told = Notification.objects.filter(workspace=workspace)
    assert sorted(told.values_list("kind", flat=True)) == sorted(["listening.volume", "listening.negative"] * 2)
    assert {n.user.username for n in told} == {"olga", "user-manager"}
    assert all("/listening/" in n.link for n in told)


def test_a_quiet_day_alerts_nobody(workspace, brand_query):
    keep(workspace, *[post(str(n), POSITIVE, hours_ago=0) for n in range(5)])
    assert check_spikes(workspace) == []


def test_a_query_without_words_is_refused_on_the_page_and_nothing_is_saved(logged_in, workspace):
    response = logged_in.post("/listening/queries/", {"workspace": workspace.slug, "name": "Empty", "terms": "!!!"})
    assert response.status_code == 422 and "Has no letters or digits to look for" in response.content.decode()
    assert not ListeningQuery.objects.exists()


def test_a_stopped_query_is_no_longer_looked_for_and_keeps_its_hits(logged_in, workspace, brand_query):
    keep(workspace, post("1", POSITIVE))
    logged_in.post(f"/listening/queries/{brand_query.pk}/stop/")
    brand_query.refresh_from_db()
    assert brand_query.active is False and Hit.objects.count() == 1
    assert Listener(workspace, builtin()).keep([Found("mastodon", post("2", POSITIVE))]).new == 0


def test_the_stream_shows_sentiment_and_intent_in_words(logged_in, workspace, brand_query):
    keep(workspace, post("1", NEGATIVE))
    page = logged_in.get(f"/listening/?workspace={workspace.slug}").content.decode()
    assert "en · Negative · " in page  # the inbox's words for them, translated with it
