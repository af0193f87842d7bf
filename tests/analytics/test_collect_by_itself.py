"""The counts as people get them: a real `stoa run`, its sweep every 2 seconds (STOA_ANALYTICS_SWEEP_SECONDS), and
a local Mastodon (mastodon-mock) where a fan favourites and answers the brand's post. Nobody calls anything: the
snapshots must appear in Stoa's database by themselves, seen from outside the process."""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta
from typing import Any

import pytest

from stoa import clock
from tests.core.helpers import stop_process
from tests.inbox.test_read_by_itself import start, stoa, wait_until

pytestmark = [pytest.mark.mastodon_peer, pytest.mark.timeout(300)]

# The brand's channel on the local Mastodon, connected: a backfill of its recent posts is queued.
CONNECT = """
import json
from django.contrib.auth import get_user_model
from stoa.channels.models import Channel
from stoa.workspaces.actions import create_workspace
admin = get_user_model().objects.filter(is_superuser=True).first()
ws = create_workspace(admin, "Kafe Yafo", timezone="Asia/Jerusalem")
channel = Channel(workspace=ws, network="mastodon", name="Kafe Yafo",
                  config={"instance_url": %(url)r, "account_id": %(account)r})
channel.credentials = {"access_token": %(token)r}
channel.save()
"""
# A publication Stoa made an hour and a minute ago, after the backfill: due for its first read on the ladder.
PUBLISHED = """
import json
from datetime import datetime
from stoa.channels.models import Channel
from stoa.posts.models import Post, Publication, State, Variant
channel = Channel.objects.get()
post = Post.objects.create(workspace=channel.workspace)
variant = Variant.objects.create(post=post, channel=channel, text="Winter menu")
publication = Publication.objects.create(variant=variant, channel=channel, workspace=channel.workspace,
                                         state=State.PUBLISHED, remote_id=%(status)r,
                                         published_at=datetime.fromisoformat(%(published_at)r))
print(json.dumps({"publication": publication.pk}))
"""
STATE = """
import json
from stoa.analytics.models import ChannelSnapshot, MeasuredPost, PostSnapshot
print(json.dumps({
    "measured": list(MeasuredPost.objects.values_list("remote_id", flat=True)),
    "snapshots": list(PostSnapshot.objects.values("post__publication_id", "likes", "reposts", "replies", "quotes",
                                                  "views")),
    "audience": list(ChannelSnapshot.objects.values("followers", "following", "posts")),
}))
"""


def state(env: dict[str, str]) -> dict[str, Any]:
    return json.loads(stoa(env, "django", "shell", "--no-imports", "-c", STATE))


def test_stoa_run_backfills_a_connected_channel_and_reads_a_due_publication_by_itself(mastodon_peer, stoa_env,
                                                                                       tmp_path):
    from tests.providers.mastodon_peer import BRAND_TOKEN

    before = mastodon_peer.as_brand("POST", "/api/v1/statuses", data={"status": "Open on Saturdays (not by Stoa)"})
    mastodon_peer.as_fan("POST", f"/api/v1/statuses/{before['id']}/favourite")
    stoa_env.update(STOA_ANALYTICS_SWEEP_SECONDS="2", STOA_INBOX_POLLING="false", STOA_STREAMING="false")
    stoa(stoa_env, "migrate", "--verbosity", "0")
    stoa(stoa_env, "ensureadmin")
    stoa(stoa_env, "django", "shell", "--no-imports", "-c", CONNECT % {
        "url": mastodon_peer.url, "account": mastodon_peer.brand_id, "token": BRAND_TOKEN})
    log = tmp_path / "stoa-run.log"
    process = start(stoa_env, log, "run", "--host", "127.0.0.1", "--port", "0")
    try:
        wait_until(lambda: "Periodic jobs" in log.read_text(), 60, "the start-up lines", process, log)
        assert re.search(r"sweep_metrics every 2 s", log.read_text()), log.read_text()
        backfilled = wait_until(lambda: (s := state(stoa_env))["snapshots"] and s["audience"] and s, 120,
                                "the backfill of the connected channel", process, log)

        status = mastodon_peer.as_brand("POST", "/api/v1/statuses", data={"status": "Winter menu at Kafe Yafo"})
        mastodon_peer.as_fan("POST", f"/api/v1/statuses/{status['id']}/favourite")
        mastodon_peer.as_fan("POST", f"/api/v1/statuses/{status['id']}/reblog")
        mastodon_peer.as_fan("POST", "/api/v1/statuses", data={"status": "@kafeyafo vegan?",
                                                               "in_reply_to_id": status["id"]})
        published_at = (clock.now() - timedelta(hours=1, minutes=1)).isoformat()
        out = stoa(stoa_env, "django", "shell", "--no-imports", "-c", PUBLISHED % {
            "status": status["id"], "published_at": published_at})
        publication = json.loads(out)["publication"]
        swept = wait_until(lambda: [s for s in state(stoa_env)["snapshots"] if s["post__publication_id"]], 120,
                           "the publication's first read on its ladder", process, log)
    finally:
        stop_process(process)
    assert backfilled["measured"] == [before["id"]]
    assert backfilled["snapshots"] == [{"post__publication_id": None, "likes": 1, "reposts": 0, "replies": 0,
                                        "quotes": None, "views": None}]
    assert backfilled["audience"] == [{"followers": 1, "following": 0, "posts": 1}]
    assert swept == [{"post__publication_id": publication, "likes": 1, "reposts": 1, "replies": 1, "quotes": None,
                      "views": None}]  # read once: the next read is due 6 hours after it was published


@pytest.fixture
def stoa_env(tmp_path) -> dict[str, str]:
    """A Stoa of its own: its data directory, tasks on SQLite."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "REDIS_URL", "STOA_TASKS_NAME")}
    env.update(STOA_DATA_DIR=str(tmp_path / "data"), STOA_SECRET_KEY="counts-by-themselves", STOA_TASKS="sqlite",
               STOA_PUBLISHER_THREADS="2", STOA_HTTP_TIMEOUT_SECONDS="10")
    return env
