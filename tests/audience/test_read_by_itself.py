"""A `stoa worker` reads the competitors on its schedule (read_audience, every STOA_AUDIENCE_SECONDS), seen from
outside in its database: the competitor on the local Mastodon (mastodon-mock) with its post counted."""

import sqlite3

import pytest

from tests.core.helpers import prepare_data_dir, run_worker_until, worker_environment

SETUP = """
import sys
from django.contrib.auth import get_user_model
from stoa.audience.competitors import add_competitor
from stoa.workspaces.actions import create_workspace

script, url = sys.argv[1:3]
owner = get_user_model().objects.create_user("olga", "olga@example.com", "pw-olga-123")
workspace = create_workspace(owner, "Athens Bakery")
add_competitor(owner, workspace, "mastodon", url + "/@kafeyafo")
"""


@pytest.fixture
def worker_env(tmp_path) -> dict[str, str]:
    return worker_environment(tmp_path, STOA_SECRET_KEY="audience-test",
                              STOA_AUDIENCE_SECONDS="1", STOA_INBOX_POLLING="0")


def competitor_posts(database) -> list[tuple[str, int, str]]:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT c.handle, p.likes, p.format FROM audience_competitorpost p "
                          "JOIN audience_competitor c ON c.id = p.competitor_id").fetchall()


def test_stoa_worker_counts_a_competitors_posts_on_its_schedule(mastodon_peer, worker_env, tmp_path):
    status = mastodon_peer.as_brand("POST", "/api/v1/statuses", data={"status": "Bougatsa this morning"})
    mastodon_peer.as_fan("POST", f"/api/v1/statuses/{status['id']}/favourite")
    prepare_data_dir(worker_env, SETUP, mastodon_peer.url)
    log = run_worker_until(worker_env, tmp_path / "worker.log",
                           lambda: bool(competitor_posts(tmp_path / "stoa.sqlite3")))
    host = mastodon_peer.url.split("//", 1)[1]
    assert competitor_posts(tmp_path / "stoa.sqlite3") == [(f"kafeyafo@{host}", 1, "text")], log[-3000:]
    assert "read_audience every 1 s" in log
