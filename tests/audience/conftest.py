from datetime import timedelta
from types import SimpleNamespace

import pytest

from stoa import clock
from stoa.audience.models import Engagement, Reach
from stoa.inbox.models import Author, Item
from stoa.posts.models import Post, Publication, State, Variant
from tests.conftest import mastodon_channel


@pytest.fixture
def brand_channel(workspace):
    """The brand's Mastodon account, as connect() stores it."""
    return mastodon_channel(workspace, SimpleNamespace(url="https://mastodon.example"))


@pytest.fixture
def published(workspace, brand_channel):
    post = Post.objects.create(workspace=workspace, title="Shakshuka week")
    variant = Variant.objects.create(post=post, channel=brand_channel, text="Shakshuka all week!")
    return Publication.objects.create(variant=variant, channel=brand_channel, workspace=workspace,
                                      state=State.PUBLISHED, remote_id="109", remote_url="https://mastodon.example/@k/109",
                                      published_at=clock.now() - timedelta(days=1))


@pytest.fixture
def audience(workspace, brand_channel, published):
    """Say what people did: audience("7", name="נועה", replies=[("positive", "תודה!")], reposts=1, followers=5000)."""

    def make(account_id: str, name: str = "", replies=(), mentions=(), reposts: int = 0, likes: int = 0,
             followers: int | None = None, days_ago: float = 1) -> Author:
        author, _ = Author.objects.get_or_create(workspace=workspace, network="mastodon", remote_id=account_id,
                                                 defaults={"handle": f"user{account_id}@mastodon.example",
                                                           "name": name})
        at = clock.now() - timedelta(days=days_ago)
        for index, (kind, said) in enumerate([("comment", r) for r in replies] + [("mention", m) for m in mentions]):
            sentiment, text = said
            Item.objects.create(workspace=workspace, channel=brand_channel, kind=kind, author=author, text=text,
                                remote_id=f"{account_id}-{kind}-{index}", written_at=at, sentiment=sentiment)
        for action, n in (("repost", reposts), ("like", likes)):
            for _n in range(n):  # one per person and post: a second post for the second one
                Engagement.objects.create(workspace=workspace, publication=published, network="mastodon",
                                          account_id=account_id, action=action, seen_at=at,
                                          handle=author.handle, name=name)
        if followers is not None:
            Reach.objects.create(workspace=workspace, network="mastodon", account_id=account_id, followers=followers,
                                 read_at=clock.now())
        return author

    return make
