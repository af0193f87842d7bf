"""Entries collected from a real local Mastodon (mastodon-mock), by the contests' periodic job in `stoa worker`."""

import sqlite3
from datetime import timedelta

import pytest

from stoa import clock
from stoa.contests.actions import ContestInput, create_contest, judge_entries
from stoa.contests.collect import collect_contest
from stoa.posts.models import Post, Publication, State, Variant
from tests.core.helpers import prepare_data_dir, run_worker_until, worker_environment


def brand_post(peer, workspace, text="Win a coffee: reply with #yafo"):
    """A status of the brand's, published through Stoa, that Dana (who follows the brand) favourites and answers."""
    channel = peer.channel(workspace)
    status = peer.as_brand("POST", "/api/v1/statuses", data={"status": text})
    peer.as_fan("POST", f"/api/v1/statuses/{status['id']}/favourite")
    peer.as_fan("POST", "/api/v1/statuses", data={"status": "@kafeyafo Me! #yafo", "in_reply_to_id": status["id"]})
    post = Post.objects.create(workspace=workspace, title="Win a coffee")
    variant = Variant.objects.create(post=post, channel=channel, text=text)
    return Publication.objects.create(variant=variant, channel=channel, workspace=workspace, state=State.PUBLISHED,
                                      remote_id=status["id"], remote_url=status["url"], published_at=clock.now())


def test_likes_and_replies_on_mastodon_become_one_entry_per_person(mastodon_peer, workspace, owner):
    publication = brand_post(mastodon_peer, workspace)
    contest = create_contest(owner, workspace, ContestInput(
        title="Coffee", publication_ids=[publication.pk], actions=["like", "reply"], hashtag="yafo", must_follow=True,
        opens_at=clock.now() - timedelta(hours=1), closes_at=clock.now() + timedelta(hours=1)))

    assert collect_contest(contest) == 1
    assert collect_contest(contest) == 0  # read again: still one entry

    judge_entries(contest)
    [entry] = contest.entries.all()
    assert (entry.account_id, entry.handle) == (mastodon_peer.fan_id, "dana")
    assert entry.actions == ["like", "reply"] and "#yafo" in entry.text and entry.follows_brand is True
    assert (entry.eligible, entry.reason) == (True, "eligible")


SETUP = """
import sys
from datetime import timedelta
from django.contrib.auth import get_user_model
from stoa import clock
from stoa.channels.models import Channel
from stoa.contests.actions import ContestInput, create_contest
from stoa.posts.models import Post, Publication, State, Variant
from stoa.workspaces.actions import create_workspace

script, url, status_id = sys.argv[1:4]
owner = get_user_model().objects.create_user("olga", "olga@example.com", "pw-olga-123")
workspace = create_workspace(owner, "Kafe Yafo")
channel = Channel(workspace=workspace, network="mastodon", name="Kafe Yafo", config={"instance_url": url})
channel.credentials = {"access_token": "kafe-yafo-token"}
channel.save()
post = Post.objects.create(workspace=workspace, title="Win")
variant = Variant.objects.create(post=post, channel=channel, text="Win")
publication = Publication.objects.create(variant=variant, channel=channel, workspace=workspace,
                                         state=State.PUBLISHED, remote_id=status_id, published_at=clock.now())
create_contest(owner, workspace, ContestInput(title="Win", publication_ids=[publication.pk], actions=["like"],
               opens_at=clock.now() - timedelta(hours=1), closes_at=clock.now() + timedelta(hours=1)))
"""


@pytest.fixture
def worker_env(tmp_path) -> dict[str, str]:
    return worker_environment(tmp_path, STOA_SECRET_KEY="contests-test",
                              STOA_CONTEST_SECONDS="1", STOA_INBOX_POLLING="0")


def entrants(database) -> list[tuple[str, str]]:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT network, actions FROM contests_entry").fetchall()


def test_stoa_worker_collects_the_entries_on_its_schedule(mastodon_peer, worker_env, tmp_path):
    status = mastodon_peer.as_brand("POST", "/api/v1/statuses", data={"status": "Like to win"})
    mastodon_peer.as_fan("POST", f"/api/v1/statuses/{status['id']}/favourite")
    prepare_data_dir(worker_env, SETUP, mastodon_peer.url, status["id"])
    log = run_worker_until(worker_env, tmp_path / "worker.log", lambda: bool(entrants(tmp_path / "stoa.sqlite3")))
    assert entrants(tmp_path / "stoa.sqlite3") == [("mastodon", '["like"]')], log[-3000:]
    assert "run_contests every 1 s" in log
