"""The strict OAuth 2.0 server and the test network's API (stoa/testing/oauth_network.py) as pytest fixtures.

`oauth_server` starts tests/peers/oauth2_strict_server.mjs once per test run (access tokens live an hour; the npm
package comes from `make peers`, in .peers/oauth2) and `oauth_api` the resource server in front of it, once per test.
`oauth_network_env` also puts both addresses in the environment, where a provider made before a channel exists (the
connect flow) finds them. Without Node or the package the tests that use them are skipped, and the run says so.
A test that needs short-lived tokens starts its own: `with strict_oauth_server(access_token_seconds=2) as oauth:`.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from stoa.testing.oauth_network import NODE_MODULES, ResourceServer, StrictOAuthServer, strict_oauth_server


def oauth_peer_missing() -> str:
    """Why the strict server cannot start here, or ''."""
    if shutil.which("node") is None:
        return "OAuth 2.0 peer: Node.js is not installed"
    if not NODE_MODULES.is_dir():
        return f"OAuth 2.0 peer: {NODE_MODULES} is missing (run `make peers`)"
    return ""


@pytest.fixture(scope="session")
def oauth_server() -> Iterator[StrictOAuthServer]:
    if reason := oauth_peer_missing():
        pytest.skip(reason)
    with strict_oauth_server() as server:
        yield server


@pytest.fixture
def oauth_api(oauth_server: StrictOAuthServer) -> Iterator[ResourceServer]:
    with ResourceServer(oauth_server) as api:
        yield api


@pytest.fixture
def oauth_network_env(oauth_server: StrictOAuthServer, oauth_api: ResourceServer,
                      monkeypatch: pytest.MonkeyPatch) -> tuple[StrictOAuthServer, ResourceServer]:
    monkeypatch.setenv("STOA_TEST_OAUTH_SERVER_URL", oauth_server.url)
    monkeypatch.setenv("STOA_TEST_OAUTH_API_URL", oauth_api.url)
    return oauth_server, oauth_api
