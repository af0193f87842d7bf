"""Two channels with the same name (the brand's handle on two networks, or in two workspaces) are told apart by
their network and workspace wherever a person picks a channel."""

import re

from django.test import Client

from stoa.channels.models import Channel
from stoa.workspaces.actions import create_workspace
from tests.conftest import mastodon_channel

FSI, PDI = "\u2068", "\u2069"


def options(html: str, select: str) -> list[str]:
    block = re.search(rf'<select name="{select}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [text for value, text in re.findall(r'<option value="(\d+)"[^>]*>(.*?)</option>', block)]


def test_channels_that_share_a_name_are_told_apart_in_every_picker(owner, workspace, fake_network):
    second = create_workspace(owner, "Athens Bakery", timezone="Europe/Athens")
    for w, account in ((workspace, 1), (second, 2)):
        channel = mastodon_channel(w, fake_network, account)
        channel.name = "kafe"
        channel.save()
    bluesky = Channel(workspace=workspace, network="bluesky", name="kafe", config={"handle": "kafe.test"})
    bluesky.credentials = {"app_password": "unused"}
    bluesky.save()
    client = Client()
    client.force_login(owner)
    expected = {f"{FSI}kafe{PDI} · Mastodon · {FSI}Kafe Yafo{PDI}", f"{FSI}kafe{PDI} · Bluesky · {FSI}Kafe Yafo{PDI}",
                f"{FSI}kafe{PDI} · Mastodon · {FSI}Athens Bakery{PDI}"}
    for path in ("/calendar/", "/inbox/"):
        shown = options(client.get(path).content.decode(), "channel")
        assert sorted(shown) == sorted(expected), path
