"""A local Mastodon for the provider and inbox tests: `mastodon-mock` (PyPI, a third-party imitation of Mastodon's
client API that reports itself as Mastodon 4.6), in-process on 127.0.0.1 at a free port.

Two seeded accounts: the brand (Kafe Yafo, the channel's account) and Dana, who follows it and favourites,
boosts and answers its posts. One server lives for the test session; each test starts from the seed again
(POST /api/v1/_mock/reset, which also drops injected faults).

Where the mock differs from docs.joinmastodon.org, the documentation wins: those cases stay in the documentation
fixtures of test_mastodon.py (media still processing: 202 and 206; X-RateLimit-Reset as ISO 8601, where the mock
writes Unix seconds). It also issues no refresh tokens and does not check PKCE, and its notification stream carries
the home timeline's updates too (Stoa skips them).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from stoa.channels.models import Channel
from stoa.providers.mastodon.provider import MastodonProvider
from stoa.workspaces.models import Workspace

BRAND_TOKEN = "kafe-yafo-token"
FAN_TOKEN = "dana-token"
UNAVAILABLE = "Mastodon peer: mastodon-mock is not installed (pip install -e '.[dev]')"


@dataclass
class MastodonPeer:
    url: str
    brand_id: str
    fan_id: str

    def brand(self, **config: Any) -> MastodonProvider:
        """The provider as a connected channel has it: the limits and streaming URL the server announced."""
        connected = MastodonProvider({"instance_url": self.url}, {"access_token": BRAND_TOKEN}).connect()
        return MastodonProvider({"instance_url": self.url, **connected.settings, **config},
                                {"access_token": BRAND_TOKEN})

    def channel(self, workspace: Workspace, **config: Any) -> Channel:
        """The brand's account as a Stoa channel, connected as the channels page does."""
        account = self.brand().connect()
        channel = Channel(workspace=workspace, network="mastodon", name=account.name,
                          config={"instance_url": self.url, **account.settings, **config})
        channel.credentials = {"access_token": BRAND_TOKEN}
        channel.save()
        return channel

    def as_fan(self, method: str, path: str, **kwargs: Any) -> Any:
        """Dana, in her own app."""
        return self.call(method, path, FAN_TOKEN, **kwargs)

    def as_brand(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.call(method, path, BRAND_TOKEN, **kwargs)

    def call(self, method: str, path: str, token: str, **kwargs: Any) -> Any:
        response = httpx.request(method, self.url + path, headers={"Authorization": f"Bearer {token}"}, **kwargs)
        response.raise_for_status()
        return response.json()

    def fault(self, effect: dict[str, Any], *, method: str = "POST", path: str = "/api/v1/statuses",
              count: int = 1) -> None:
        """The next `count` requests to `path` get `effect` (status, ratelimit, latency, malformed, timeout)."""
        rule = {"match": {"methods": [method], "path": path}, "effect": effect, "count": count}
        httpx.post(f"{self.url}/api/v1/_mock/faults", json=rule).raise_for_status()

    def statuses_of_brand(self) -> list[dict[str, Any]]:
        return self.as_brand("GET", f"/api/v1/accounts/{self.brand_id}/statuses", params={"limit": 40})

    def reset(self) -> MastodonPeer:
        httpx.post(f"{self.url}/api/v1/_mock/reset").raise_for_status()
        self.brand_id = self.as_brand("GET", "/api/v1/accounts/verify_credentials")["id"]
        self.fan_id = self.as_fan("GET", "/api/v1/accounts/verify_credentials")["id"]
        return self


@contextmanager
def running_peer(**ratelimit: Any) -> Iterator[MastodonPeer]:
    """A mastodon-mock of its own; `ratelimit` (enabled, limit, window_seconds) is its [ratelimit] config."""
    try:
        from mastodon_mock.config import (
            DatabaseConfig,
            MastodonMockConfig,
            RateLimitConfig,
            SeedAccount,
            SeedConfig,
            SeedFollow,
            StreamingConfig,
        )
        from mastodon_mock.testing.server import MockServer
    except ImportError:
        pytest.skip(UNAVAILABLE)
    seed = SeedConfig(accounts=[SeedAccount(username="kafeyafo", display_name="Kafe Yafo", access_token=BRAND_TOKEN),
                                SeedAccount(username="dana", display_name="Dana Levi", access_token=FAN_TOKEN)],
                      follows=[SeedFollow(follower="dana", following="kafeyafo")])
    config = MastodonMockConfig(database=DatabaseConfig(path=":memory:"), seed=seed,
                                streaming=StreamingConfig(heartbeat_seconds=0.5),
                                ratelimit=RateLimitConfig(**ratelimit))
    with MockServer(config=config, host="127.0.0.1") as server:
        yield MastodonPeer(server.base_url, "", "").reset()


@pytest.fixture(scope="session")
def mastodon_peer_session() -> Iterator[MastodonPeer]:
    with running_peer() as peer:
        yield peer


@pytest.fixture
def mastodon_peer(mastodon_peer_session: MastodonPeer) -> MastodonPeer:
    """The local Mastodon, as seeded: the brand, Dana following it, no statuses, no faults."""
    return mastodon_peer_session.reset()
