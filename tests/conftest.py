import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from stoa.channels.models import Channel
from stoa.testing.fake_network import FakeNetwork
from stoa.workspaces.actions import add_member, create_workspace

CLOCK_SHIFT_SITE = Path(__file__).parent / "clock_shift"
# The local peers: their fixtures, and the end-of-run word on each one that could not start.
pytest_plugins = ["tests.local_peers", "tests.providers.mastodon_peer", "tests.providers.telegram_peer",
                  "tests.providers.oauth_server"]


def pytest_addoption(parser):
    parser.addoption("--clock-shift", default="", metavar="+400d",
                     help="Run every test, and every Python process a test starts, with the wall clock "
                          "shifted by this much (+400d, -30d, +6h). The monotonic clock is left alone.")


def pytest_configure(config):
    shift = config.getoption("--clock-shift")
    if not shift or os.environ.get("STOA_TEST_CLOCK_SHIFT") == shift:
        return  # no shift, or this process already started shifted (tests/clock_shift/sitecustomize.py)
    import importlib.util

    spec = importlib.util.spec_from_file_location("stoa_test_clock_shift", CLOCK_SHIFT_SITE / "sitecustomize.py")
    site = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(site)
    site.shift_clock(shift)
    os.environ["STOA_TEST_CLOCK_SHIFT"] = shift
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(CLOCK_SHIFT_SITE), os.environ.get("PYTHONPATH")]))


@pytest.fixture
def owner(db):
    return get_user_model().objects.create_user("olga", "olga@example.com", "pw-olga-123")


@pytest.fixture
def stranger(db):
    return get_user_model().objects.create_user("sam", "sam@example.com", "pw-sam-123")


@pytest.fixture
def workspace(owner):
    return create_workspace(owner, "Kafe Yafo", timezone="Asia/Jerusalem", language="he")


@pytest.fixture
def other_workspace(stranger):
    return create_workspace(stranger, "Athens Bakery", timezone="Europe/Athens", language="el")


@pytest.fixture
def member(workspace, owner):
    """Give another user a role in `workspace`: member("analyst") -> the user."""

    def make(role: str):
        user = get_user_model().objects.create_user(f"user-{role}", f"{role}@example.com", "pw-123456")
        add_member(owner, workspace, user.username, role)
        return user

    return make


@pytest.fixture
def fake_network():
    network = FakeNetwork().start()
    yield network
    network.stop()


def mastodon_channel(workspace, network: FakeNetwork, account: int = 1, **fields) -> Channel:
    """A Mastodon channel on the local fake network, as connect() would have stored it."""
    channel = Channel(workspace=workspace, network="mastodon", name=f"Mastodon {account}",
                      config={"instance_url": network.url, "account_id": str(account), "max_characters": 500,
                              "max_media_attachments": 4, "characters_reserved_per_url": 23,
                              "supported_mime_types": ["image/jpeg", "image/png"],
                              "image_size_limit": 16777216, "video_size_limit": 103809024},
                      **fields)
    channel.credentials = {"access_token": f"token-{account}"}
    channel.save()
    return channel


@pytest.fixture
def channel(workspace, fake_network):
    return mastodon_channel(workspace, fake_network)
