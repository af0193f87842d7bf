"""`stoa web` alone, as a scaled deployment's web machine runs it with no worker beside it: the clicks it wrote down
reach the database by its own fold, with nobody calling anything."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.core.helpers import stop_process
from tests.inbox import test_read_by_itself
from tests.inbox.test_read_by_itself import start, stoa, wait_until
from tests.links.test_short_links import BROWSER

pytestmark = pytest.mark.timeout(180)
stoa_env = test_read_by_itself.stoa_env  # the fixture: a Stoa of its own

SETUP = """
import json
from django.contrib.auth import get_user_model
from stoa import clock
from stoa.channels.models import Channel
from stoa.links.models import ShortLink
from stoa.posts.actions import VariantInput, create_post
from stoa.posts.models import Publication
from stoa.workspaces.actions import create_workspace
admin = get_user_model().objects.filter(is_superuser=True).first()
ws = create_workspace(admin, "Kafe Yafo")
channel = Channel.objects.create(workspace=ws, network="mastodon", name="Kafe Yafo",
                                 config={"instance_url": "https://social.example"})
post = create_post(admin, ws, text="https://kafe.example/menu", variants=[VariantInput(channel.pk)])
publication = Publication.objects.get(variant__post=post)
ShortLink.objects.create(workspace=ws, publication=publication, channel=channel, network="mastodon", code="Kafe2Yaf",
                         url="https://kafe.example/menu", url_hash="x", target="https://kafe.example/menu?utm_x=1",
                         created_at=clock.now())
"""
CLICKS = "from stoa.links.models import Click; print(Click.objects.filter(link__code='Kafe2Yaf').count())"


def test_stoa_web_alone_folds_the_clicks_it_wrote_down_into_the_database(stoa_env, tmp_path):
    stoa_env["STOA_CLICK_FOLD_SECONDS"] = "1"
    stoa(stoa_env, "migrate", "--verbosity", "0")
    stoa(stoa_env, "ensureadmin")
    stoa(stoa_env, "django", "shell", "--no-imports", "-c", SETUP)
    log = tmp_path / "stoa-web.log"
    process = start(stoa_env, log, "web", "--host", "127.0.0.1", "--port", "0")
    try:
        url = wait_until(lambda: re.search(r"Serving at (http://127\.0\.0\.1:\d+)/", log.read_text()), 60,
                         "Stoa listening", process, log)[1]
        for _ in range(3):
            answer = httpx.get(f"{url}/l/Kafe2Yaf", headers={"User-Agent": BROWSER})
            assert answer.status_code == 302 and answer.headers["Location"] == "https://kafe.example/menu?utm_x=1"
        wait_until(lambda: json.loads(stoa(stoa_env, "django", "shell", "--no-imports", "-c", CLICKS)) == 3, 30,
                   "the three clicks in the database", process, log)
    finally:
        stop_process(process)
