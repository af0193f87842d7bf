from datetime import timedelta

import pytest

from stoa import clock
from stoa.listening.actions import save_query
from stoa.providers.base import Incoming, Person


@pytest.fixture
def brand_query(owner, workspace):
    return save_query(owner, workspace, {"name": "Kafe Yafo", "terms": "Kafe Yafo\nКафе Яфо\nקפה יפו",
                                         "hashtags": "#kafeyafo", "exclusions": "Yafo Street"})


@pytest.fixture
def competitor_query(owner, workspace):
    return save_query(owner, workspace, {"name": "Bean There", "terms": "Bean There", "competitor": "on"})


def post(remote_id: str, text: str, hours_ago: float = 1, author: str = "dana") -> Incoming:
    return Incoming(remote_id=remote_id, kind="search", text=text, written_at=clock.now() - timedelta(hours=hours_ago),
                    url=f"https://mastodon.example/@{author}/{remote_id}",
                    author=Person(remote_id=f"id-{author}", handle=author, name=author.title()))
