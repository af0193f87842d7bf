"""Sample data for the API fuzzer (tests/fuzz/fuzz_api.py), run after django.setup() in its temporary data
directory.

The user `fuzz` owns "Kafe Yafo" (channels on the three networks, posts in every state, media, inbox messages
from a few people), is an analyst in "Athens Bakery" (may look, not act) and no member of "Hidden", so that
small ids land on objects of each kind, and on each answer: 2xx, 403 and 404. Every network address is one on
127.0.0.1 where nothing listens.
"""

import io
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone
from PIL import Image

from stoa.channels.models import Channel
from stoa.inbox.actions import ingest
from stoa.posts.actions import VariantInput, add_media, create_post
from stoa.posts.models import Publication, State
from stoa.providers.base import Incoming, Person
from stoa.workspaces.actions import add_member, create_workspace

NOWHERE = "http://127.0.0.1:9"
CONFIGS = {
    "mastodon": ({"instance_url": NOWHERE, "account_id": "1", "max_characters": 500, "max_media_attachments": 4,
                  "characters_reserved_per_url": 23, "supported_mime_types": ["image/jpeg", "image/png"],
                  "image_size_limit": 16777216, "video_size_limit": 103809024}, {"access_token": "token"}),
    "bluesky": ({"pds_url": NOWHERE, "did": "did:plc:kafe", "handle": "kafe.test"},
                {"identifier": "kafe.test", "app_password": "app-password"}),
    "telegram": ({"chat_id": "@kafeyafo"}, {"bot_token": "123:abc"}),
}


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "orange").save(buffer, "PNG")
    return buffer.getvalue()


def channel(workspace, network: str) -> Channel:
    config, credentials = CONFIGS[network]
    made = Channel(workspace=workspace, network=network, name=f"{workspace.name} {network}", config=dict(config))
    made.credentials = credentials
    made.save()
    return made


def fill(owner, workspace) -> None:
    channels = [channel(workspace, network) for network in CONFIGS]
    picture = add_media(owner, workspace, "cup.png", png(), "A cup of coffee")
    now = timezone.now()  # not stoa.clock: `fuzz_api.py --source` may run an older tree without it
    texts = ["בוקר טוב, יפו! ☕", "Καλημέρα! «καφές»", "Доброе утро 🥐", "صباح الخير", "plain text #coffee"]
    for n, text in enumerate(texts):
        when = now + timedelta(days=n + 1) if n % 2 else None
        create_post(owner, workspace, text=text, variants=[VariantInput(c.pk) for c in channels],
                    media_ids=[picture.pk] if n == 2 else [], scheduled_at=when, title=f"post {n}", tags=["fuzz"])
    # One publication in each of the states the engine would leave them in.
    publications = list(Publication.objects.filter(workspace=workspace).order_by("pk"))
    for publication, state in zip(publications, [State.PUBLISHED, State.FAILED, State.UNKNOWN, State.MISSED,
                                                 State.CANCELLED], strict=False):
        Publication.objects.filter(pk=publication.pk).update(state=state, remote_url="https://example.test/1",
                                                             last_error="" if state == State.PUBLISHED else "x")
    people = [Person(f"did:plc:p{n}", f"p{n}.test", f"Person {n}") for n in range(3)]
    messages = ["question: מתי אתם פתוחים?", "complaint: the order did not come", "thanks, lovely coffee!",
                "lead: do you cater for 40 people?"]
    for c in channels:
        ingest(c, [Incoming(remote_id=f"{c.network}-{n}", kind=kind, text=text, author=people[n % 3],
                            written_at=now - timedelta(minutes=30 - n))
                   for n, (text, kind) in enumerate(zip(messages, ["comment", "mention", "message", "search"],
                                                        strict=True))])


users = get_user_model().objects
fuzz = users.create_user("fuzz", "fuzz@localhost", "fuzz-password-not-secret")
other = users.create_user("other", "other@localhost", "other-password-not-secret")
mine = create_workspace(fuzz, "Kafe Yafo", timezone="Asia/Jerusalem", language="he")
fill(fuzz, mine)
viewed = create_workspace(other, "Athens Bakery", timezone="Europe/Athens", language="el")
fill(other, viewed)
add_member(other, viewed, "fuzz", "analyst")
hidden = create_workspace(other, "Hidden", timezone="UTC")
fill(other, hidden)
print(f"seeded: {Publication.objects.count()} publications in 3 workspaces")
