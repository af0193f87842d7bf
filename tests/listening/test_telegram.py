"""Telegram gives bots no search: listening hears only the groups and channels where the bot is a member, from the
messages the bot received into the inbox."""

from stoa.channels.models import Channel
from stoa.inbox.actions import ingest
from stoa.inbox.classifier import builtin
from stoa.listening.collect import listen
from stoa.listening.models import Hit
from tests.listening.conftest import post


def test_messages_the_bot_received_are_heard_once(workspace, brand_query):
    channel = Channel(workspace=workspace, network="telegram", name="Kafe Yafo group", config={"chat_id": "-100"})
    channel.credentials = {"bot_token": "123:abc"}
    channel.save()
    ingest(channel, [post("-100:7", "Кафе Яфо сегодня открыто?"), post("-100:8", "Good morning all")])

    first = listen(workspace, builtin())
    ingest(channel, [post("-100:9", "קפה יפו הכי טוב", author="noa")])
    second = listen(workspace, builtin())

    assert (first.new, second.new) == (1, 1)
    assert sorted(Hit.objects.values_list("network", "remote_id")) == [("telegram", "-100:7"), ("telegram", "-100:9")]
