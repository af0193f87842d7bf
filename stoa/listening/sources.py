"""Where a workspace's queries are looked for, through its channels' credentials (the queries are the workspace's;
a channel only lends its access to the network).

- Bluesky: app.bsky.feed.searchPosts through the provider's search (Searches), one stream per term and hashtag. The
  lexicon leaves q's syntax to the server ("Lucene query syntax is recommended"); a phrase is sent as its words,
  unquoted, since the local AppView finds nothing for a quoted one, and the matcher keeps only the whole phrase.
  https://docs.bsky.app/docs/api/app-bsky-feed-search-posts
- Mastodon: GET /api/v2/search through the provider's search, one stream per term
  (https://docs.joinmastodon.org/methods/search/#v2). Its full text needs the server's Elasticsearch and by design
  finds only some posts (https://docs.joinmastodon.org/admin/elasticsearch/: the searcher's own, favourited,
  bookmarked and mentioning ones in the stored page; posts whose authors opted in, in newer versions, is not in the
  stored copy), so each hashtag is read from its timeline (ReadsHashtags), which needs no index.
- Telegram: a bot sees only the groups and channels it is a member of, and has no search; what it receives there
  comes into the inbox already (stoa.inbox), and listening reads the new messages of the workspace's Telegram
  channels from there.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from stoa.channels.credentials import using
from stoa.channels.models import Channel
from stoa.inbox.models import Item
from stoa.listening.models import Cursor, ListeningQuery
from stoa.listening.store import Found
from stoa.providers.base import ErrorKind, InboxPage, Incoming, Person, Provider, ProviderError
from stoa.providers.capabilities import ReadsHashtags, Searches
from stoa.providers.registry import supports

log = logging.getLogger(__name__)
SEARCHED = ("bluesky", "mastodon")


def streams(network: str, queries: list[ListeningQuery]) -> list[str]:
    """What to read on the network for the queries: "search:<text>" and, where it has hashtag timelines, "tag:<tag>"."""
    timelines = supports(network, ReadsHashtags)
    found: list[str] = []
    for query in queries:
        found += [f"search:{term}" for term in query.terms]
        found += [f"tag:{tag}" if timelines else f"search:#{tag}" for tag in query.hashtags]
    return list(dict.fromkeys(found))


def read_stream(provider: Provider, stream: str, position: str) -> InboxPage:
    kind, _, text = stream.partition(":")
    if kind == "tag":
        assert isinstance(provider, ReadsHashtags)
        return provider.hashtag_timeline(text, position)
    assert isinstance(provider, Searches)
    return provider.search(text, position)


def read_channel(channel: Channel, queries: list[ListeningQuery]) -> tuple[list[Found], dict[str, str]]:
    """Every stream of the queries on the channel's network, each from its cursor, and where each goes on next time
    (saved by save_positions once the hits are kept). A stream that fails is logged and read again next time."""
    positions = dict(Cursor.objects.filter(channel=channel).values_list("stream", "position"))

    def work(provider: Provider) -> tuple[list[Found], dict[str, str]]:
        found: list[Found] = []
        moved: dict[str, str] = {}
        for stream in streams(channel.network, queries):
            try:
                page = read_stream(provider, stream, positions.get(stream, ""))
            except ProviderError as error:
                if error.kind == ErrorKind.AUTHORIZATION:
                    raise
                log.warning("Listening: %s could not read %s on channel %s: %s", channel.network, stream,
                            channel.pk, error)
                continue
            found += [Found(channel.network, post, channel.pk) for post in page.items]
            if page.cursor:
                moved[stream] = page.cursor
        return found, moved

    return using(channel, work)


def save_positions(channel: Channel, moved: dict[str, str]) -> None:
    for stream, position in moved.items():
        Cursor.objects.update_or_create(channel=channel, stream=stream, defaults={"position": position})


def telegram_messages(channel: Channel, limit: int = 2000) -> Iterator[Found]:
    """The messages the bot received since the last read, from the inbox (the bot is a member there)."""
    cursor, _ = Cursor.objects.get_or_create(channel=channel, stream="inbox")
    last = int(cursor.position or 0)
    items = list(Item.objects.filter(channel=channel, pk__gt=last).select_related("author").order_by("pk")[:limit])
    for item in items:
        author = Person(remote_id=item.author.remote_id, handle=item.author.handle, name=item.author.name)
        yield Found("telegram", Incoming(remote_id=item.remote_id, kind="search", text=item.text, author=author,
                                         written_at=item.written_at, url=item.remote_url), channel.pk)
    if items:
        Cursor.objects.filter(pk=cursor.pk).update(position=str(items[-1].pk))
