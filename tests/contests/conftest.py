from datetime import timedelta
from types import SimpleNamespace

import pytest

from stoa import clock
from stoa.contests.actions import ContestInput, Seen, create_contest
from stoa.posts.models import Post, Publication, State, Variant
from tests.conftest import mastodon_channel


@pytest.fixture
def brand_channel(workspace):
    """The brand's Mastodon account (id 1), as connect() stores it."""
    return mastodon_channel(workspace, SimpleNamespace(url="https://mastodon.example"))


@pytest.fixture
def published(workspace, brand_channel):
    post = Post.objects.create(workspace=workspace, title="Win a coffee")
    variant = Variant.objects.create(post=post, channel=brand_channel, text="Reply to win a coffee! #yafo")
    return Publication.objects.create(variant=variant, channel=brand_channel, workspace=workspace,
                                      state=State.PUBLISHED, remote_id="109", published_at=clock.now())


@pytest.fixture
def make_contest(owner, workspace, published):
    def make(**rules):
        now = clock.now()
        given = {"title": "Coffee for a year", "publication_ids": [published.pk],
                 "opens_at": now - timedelta(days=2), "closes_at": now - timedelta(hours=1), **rules}
        return create_contest(owner, workspace, ContestInput(**given))

    return make


def seen(account: str, action: str = "reply", hours_ago: int = 3, **facts) -> Seen:
    facts.setdefault("handle", f"user{account}@mastodon.example")
    return Seen(network="mastodon", account_id=account, action=action, at=clock.now() - timedelta(hours=hours_ago),
                **facts)
