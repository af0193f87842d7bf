"""Listening on a real local AT Protocol network with its AppView (PLC, PDS, AppView indexing into PostgreSQL):
its search, app.bsky.feed.searchPosts, brings the posts that name the brand in any script."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx
import pytest

from stoa.channels.models import Channel
from stoa.inbox.classifier import builtin
from stoa.listening.actions import save_query
from stoa.listening.collect import listen
from stoa.listening.models import Hit

pytest_plugins = ["tests.providers.bluesky_network"]
pytestmark = [pytest.mark.bluesky, pytest.mark.usefixtures("publication_ids_of_their_own")]


def write(network, account, text: str) -> str:
    """A post of someone else's, straight through the PDS with their own session; its at:// URI."""
    session = httpx.post(f"{network.pds_url}/xrpc/com.atproto.server.createSession",
                         json={"identifier": account.handle, "password": account.password}).json()
    response = httpx.post(f"{network.pds_url}/xrpc/com.atproto.repo.createRecord",
                          headers={"Authorization": f"Bearer {session['accessJwt']}"},
                          json={"repo": account.did, "collection": "app.bsky.feed.post",
                                "record": {"text": text, "createdAt": datetime.now(UTC).isoformat()}})
    response.raise_for_status()
    return response.json()["uri"]


def brand_channel(network, workspace) -> Channel:
    channel = Channel(workspace=workspace, network="bluesky", name="Kafe Yafo",
                      config={"pds_url": network.pds_url, "read_direct_messages": False})
    channel.credentials = {"identifier": network.accounts["alice"].handle,
                           "app_password": network.accounts["alice"].app_password}
    channel.save()
    return channel


def test_bluesky_search_brings_the_brand_named_in_latin_and_cyrillic_letters(bluesky_appview_network, owner,
                                                                            workspace):
    network = bluesky_appview_network
    channel = brand_channel(network, workspace)
    # A brand of its own: the local network is shared by the session, and other tests search it for "Kafe Yafo".
    save_query(owner, workspace, {"name": "Shuk Levinsky", "terms": "Shuk Levinsky\nШук Левински"})
    latin = write(network, network.accounts["carol"], "The listening test: Shuk Levinsky roasts its own spices")
    cyrillic = write(network, network.accounts["bob"], "Шук Левински открылся рядом с нами, проверка слушания")
    near = write(network, network.accounts["bob"], "Shuk Levinskyland is a different place")

    deadline = time.monotonic() + 30
    while Hit.objects.filter(workspace=workspace).count() < 2 and time.monotonic() < deadline:
        listen(workspace, builtin())  # the AppView indexes what the PDS emits a moment later
        time.sleep(0.5)

    hits = {h.remote_id: h for h in Hit.objects.filter(workspace=workspace)}
    assert {latin, cyrillic} <= set(hits) and near not in hits
    assert (hits[cyrillic].network, hits[cyrillic].channel, hits[cyrillic].language) == ("bluesky", channel, "ru")
    assert hits[latin].author_handle == network.accounts["carol"].handle
