"""A `stoa worker` reads the competitors on its schedule (read_audience, every STOA_AUDIENCE_SECONDS), seen from
outside in its database: the competitor on the local Mastodon (mastodon-mock) with its post counted."""

import sqlite3
import subprocess
import sys
import time

import pytest

from tests.core.helpers import worker_environment
from tests.runtime.test_workers import die_with_parent, stop_process

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
    setup = tmp_path / "setup.py"
    setup.write_text(SETUP)
    subprocess.run([sys.executable, "-m", "stoa.cli", "migrate", "--verbosity", "0"], env=worker_env, check=True,
                   timeout=120)
    subprocess.run([sys.executable, "-c", "import sys, django; django.setup(); exec(open(sys.argv[1]).read())",
                    str(setup), mastodon_peer.url], env=worker_env, check=True, timeout=120)
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen([sys.executable, "-m", "stoa.cli", "worker", "--publishers", "1"], env=worker_env,
                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                  preexec_fn=die_with_parent)
    try:
        deadline = time.monotonic() + 60
        while not competitor_posts(tmp_path / "stoa.sqlite3") and time.monotonic() < deadline:
            time.sleep(0.3)
    finally:
        stop_process(worker)
    host = mastodon_peer.url.split("//", 1)[1]
    assert competitor_posts(tmp_path / "stoa.sqlite3") == [(f"kafeyafo@{host}", 1, "text")], log.read_text()[-3000:]
    assert "read_audience every 1 s" in log.read_text()
