"""Hits collected from a real local Mastodon (mastodon-mock): its search and hashtag timelines, read through the
workspace's channel, and by the listening job in `stoa worker`."""

import sqlite3

import pytest

from stoa.inbox.classifier import builtin
from stoa.listening.collect import listen
from stoa.listening.models import Cursor, Hit
from tests.core.helpers import prepare_data_dir, run_worker_until, worker_environment


def test_search_and_the_hashtag_timeline_bring_the_posts_that_name_the_brand(mastodon_peer, workspace, brand_query):
    channel = mastodon_peer.channel(workspace)
    mastodon_peer.as_fan("POST", "/api/v1/statuses", data={"status": "Kafe Yafo has the best cheesecake, love it"})
    mastodon_peer.as_fan("POST", "/api/v1/statuses", data={"status": "Morning coffee #kafeyafo"})
    mastodon_peer.as_fan("POST", "/api/v1/statuses", data={"status": "Kafe Yafo on Yafo Street is closed today"})
    mastodon_peer.as_fan("POST", "/api/v1/statuses", data={"status": "Nothing to do with any cafe"})

    first = listen(workspace, builtin())
    again = listen(workspace, builtin())

    texts = sorted(Hit.objects.values_list("text", flat=True))
    assert texts == ["Kafe Yafo has the best cheesecake, love it", "Morning coffee #kafeyafo"]
    assert (first.new, again.new) == (2, 0)
    assert set(Hit.objects.values_list("network", "channel", "author_handle")) == {("mastodon", channel.pk, "dana")}
    assert Cursor.objects.filter(channel=channel, stream="tag:kafeyafo").exclude(position="").exists()


def test_the_brands_own_posts_are_not_hits(mastodon_peer, workspace, brand_query):
    mastodon_peer.channel(workspace)
    mastodon_peer.as_brand("POST", "/api/v1/statuses", data={"status": "Kafe Yafo opens at eight"})
    mastodon_peer.as_brand("POST", "/api/v1/statuses", data={"status": "New menu #kafeyafo"})
    listen(workspace, builtin())
    assert not Hit.objects.exists()


SETUP = """
import sys
from django.contrib.auth import get_user_model
from stoa.channels.models import Channel
from stoa.listening.actions import save_query
from stoa.workspaces.actions import create_workspace

script, url = sys.argv[1:3]
owner = get_user_model().objects.create_user("olga", "olga@example.com", "pw-olga-123")
workspace = create_workspace(owner, "Kafe Yafo")
channel = Channel(workspace=workspace, network="mastodon", name="Kafe Yafo", config={"instance_url": url})
channel.credentials = {"access_token": "kafe-yafo-token"}
channel.save()
save_query(owner, workspace, {"name": "Kafe Yafo", "terms": "Kafe Yafo", "hashtags": "kafeyafo"})
"""


@pytest.fixture
def worker_env(tmp_path) -> dict[str, str]:
    return worker_environment(tmp_path, STOA_SECRET_KEY="listening-test",
                              STOA_LISTENING_SECONDS="1", STOA_INBOX_POLLING="0")


def hits(database) -> list[tuple[str, str]]:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT network, text FROM listening_hit ORDER BY text").fetchall()


def test_stoa_worker_collects_the_hits_on_its_schedule(mastodon_peer, worker_env, tmp_path):
    mastodon_peer.as_fan("POST", "/api/v1/statuses", data={"status": "Kafe Yafo, again the best flat white"})
    mastodon_peer.as_fan("POST", "/api/v1/statuses", data={"status": "Sunday #KafeYafo"})
    prepare_data_dir(worker_env, SETUP, mastodon_peer.url)
    log = run_worker_until(worker_env, tmp_path / "worker.log", lambda: len(hits(tmp_path / "stoa.sqlite3")) >= 2)
    assert hits(tmp_path / "stoa.sqlite3") == [("mastodon", "Kafe Yafo, again the best flat white"),
                                               ("mastodon", "Sunday #KafeYafo")], log[-3000:]
    assert "collect_listening every 1 s" in log


def test_a_search_the_server_refuses_leaves_the_hashtag_timeline_read_and_is_tried_again(mastodon_peer, workspace,
                                                                                         brand_query):
    channel = mastodon_peer.channel(workspace)
    mastodon_peer.as_fan("POST", "/api/v1/statuses", data={"status": "Kafe Yafo, the cheesecake again"})
    mastodon_peer.as_fan("POST", "/api/v1/statuses", data={"status": "Evening #kafeyafo"})
    mastodon_peer.fault({"status": 503}, method="GET", path="/api/v2/search", count=3)  # the query's three names

    first = listen(workspace, builtin())
    assert list(Hit.objects.values_list("text", flat=True)) == ["Evening #kafeyafo"] and first.new == 1
    assert not Cursor.objects.filter(channel=channel, stream__startswith="search:").exists()
    assert listen(workspace, builtin()).new == 1  # the server well again: the search is read now
    assert Hit.objects.count() == 2
