"""A short link as people meet it: the real `stoa run` publishes a post with a link to the local Mastodon
(mastodon-mock), and the short link in the published status leads, through that same server, to the tagged
address, with the person's click counted and a link-preview fetcher's not."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.core.helpers import stop_process
from tests.inbox import test_read_by_itself
from tests.inbox.test_read_by_itself import start, stoa, wait_until
from tests.links.test_short_links import BROWSER

pytest_plugins = ["tests.providers.mastodon_peer"]
pytestmark = [pytest.mark.mastodon_peer, pytest.mark.timeout(300)]

stoa_env = test_read_by_itself.stoa_env  # the fixture: a Stoa of its own

SETUP = """
import json
from django.contrib.auth import get_user_model
from stoa.channels.models import Channel
from stoa.links.actions import update_link_settings
from stoa.posts.actions import VariantInput, create_post
from stoa.posts.models import Publication
from stoa.workspaces.actions import create_workspace
admin = get_user_model().objects.filter(is_superuser=True).first()
ws = create_workspace(admin, "Kafe Yafo", timezone="Asia/Jerusalem")
channel = Channel(workspace=ws, network="mastodon", name="Kafe Yafo", config=%(config)r)
channel.credentials = {"access_token": %(token)r}
channel.save()
update_link_settings(admin, ws, utm_enabled=True, short_links_enabled=True, utm_campaign="{campaign}")
post = create_post(admin, ws, text=%(text)r, variants=[VariantInput(channel.pk)], campaign="winter")
print(json.dumps({"workspace": ws.pk, "publication": Publication.objects.get(variant__post=post).pk}))
"""
TEXT = "תפריט החורף כאן: https://kafe.example/menu?lang=he#drinks. נתראה!"


def test_a_short_link_published_by_stoa_run_leads_to_the_tagged_menu_and_counts_the_click(
        mastodon_peer, stoa_env, tmp_path):
    stoa(stoa_env, "migrate", "--verbosity", "0")
    stoa(stoa_env, "ensureadmin")
    config = {"instance_url": mastodon_peer.url, **mastodon_peer.brand().connect().settings}
    made = json.loads(stoa(stoa_env, "django", "shell", "--no-imports", "-c", SETUP % {
        "config": config, "token": "kafe-yafo-token", "text": TEXT}).strip().splitlines()[-1])
    token = re.search(r"stoa_\S+", stoa(stoa_env, "apitoken", "links-test"))[0]
    log = tmp_path / "stoa-run.log"
    process = start(stoa_env, log, "run", "--host", "127.0.0.1", "--port", "0")
    try:
        url = wait_until(lambda: re.search(r"Stoa is running at (http://127\.0\.0\.1:\d+)/", log.read_text()),
                         60, "Stoa listening", process, log)[1]
        api = httpx.Client(base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {token}"})
        assert api.post(f"/publications/{made['publication']}/publish-now").status_code == 200

        [status] = wait_until(mastodon_peer.statuses_of_brand, 30, "the post on Mastodon", process, log)
        short = re.search(rf"{re.escape(url)}/l/\w+", status["content"])[0]
        assert "kafe.example" not in status["content"]  # the link went out short

        preview = httpx.get(short, headers={"User-Agent": "Mastodon/4.3.2 (http.rb/5.2.0; +https://social.example/)"})
        clicked = httpx.get(short, headers={"User-Agent": BROWSER, "Referer": "https://social.example/@kafeyafo"})
        for answer in (preview, clicked):
            assert answer.status_code == 302
            assert answer.headers["Location"] == ("https://kafe.example/menu?lang=he&utm_source=mastodon"
                                                  "&utm_medium=social&utm_campaign=winter#drinks")
        [link] = api.get(f"/workspaces/{made['workspace']}/links").json()
        assert (link["short_url"], link["clicks"], link["publication_id"]) == (short, 1, made["publication"])
        assert httpx.get(f"{url}/l/https://evil.example/", headers={"User-Agent": BROWSER}).status_code == 404
        # The web server's thread folds the clicks: the one process has no periodic job doing it a second time.
        [jobs] = [line for line in log.read_text().splitlines() if "Periodic jobs" in line]
        assert "fold_click_log" not in jobs and "Executing stoa.links.tasks.fold_click_log" not in log.read_text()
    finally:
        stop_process(process)
