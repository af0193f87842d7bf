"""A small hand-made data set whose every figure is worked out by hand in the tests.

Kafe Yafo (Asia/Jerusalem, UTC+2 in December), the week 1-8 December 2026 (UTC):
- Mastodon (no views): followers 950 on 26 Nov, 1000 on 1 Dec, 1010 on 2 Dec, 1005 on 4 Dec.
- Telegram: one audience read without a follower count (NULL).
- post A, Mastodon, selling, a photo, 2 Dec 23:30 UTC = Thursday 3 Dec 01:30 in Jerusalem: latest 10 likes,
  5 reposts, 4 replies, quotes NULL, views NULL -> 19 / 1010 followers (2 Dec) = 1.88 %.
- post B, Telegram, informational, a poll, Thursday 3 Dec 16:00 UTC = 18:00 local: 3 likes, views 200 -> 1.5 %.
- post C, Telegram, found by the backfill (not made in Stoa), Saturday 5 Dec 10:00 UTC: 5 likes, no views and no
  follower count -> no rate.
- post D, Mastodon, informational, text, 27 Nov (the previous week): 2 likes -> 2 / 950 = 0.21 %.
- three answers to post A: one negative, one hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from stoa.analytics.actions import classify, point_to_latest
from stoa.analytics.models import ChannelSnapshot, MeasuredPost, PostSnapshot
from stoa.channels.models import Channel
from stoa.inbox.models import Author, Item, Kind, Sentiment
from stoa.planning.models import DailyTheme
from stoa.posts.models import ContentType, Media, Post, Publication, State, Variant, VariantMedia
from stoa.workspaces.models import Workspace

WEEK_START = datetime(2026, 12, 1, tzinfo=UTC)
WEEK_END = datetime(2026, 12, 8, tzinfo=UTC)


@dataclass
class Dataset:
    mastodon: Channel
    telegram: Channel
    a: MeasuredPost
    b: MeasuredPost
    c: MeasuredPost
    d: MeasuredPost


def utc(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def made_in_stoa(workspace: Workspace, channel: Channel, at: datetime, content_type: str, *, options=None,
                 mime: str = "") -> Publication:
    post = Post.objects.create(workspace=workspace, content_type=content_type)
    variant = Variant.objects.create(post=post, channel=channel, text=f"{content_type} post", options=options or {})
    if mime:
        media = Media.objects.create(workspace=workspace, file="workspaces/x", filename="x", content_type=mime, size=1)
        VariantMedia.objects.create(variant=variant, media=media, position=0)
    return Publication.objects.create(variant=variant, channel=channel, workspace=workspace, state=State.PUBLISHED,
                                      published_at=at, remote_id=f"r{post.pk}")


def measured(channel: Channel, at: datetime, publication: Publication | None = None, **counts) -> MeasuredPost:
    post = MeasuredPost.objects.create(channel=channel, workspace=channel.workspace, publication=publication,
                                       remote_id=f"m{MeasuredPost.objects.count()}", published_at=at)
    PostSnapshot.objects.create(post=post, measured_at=at.replace(minute=59), likes=1, reposts=0, replies=0)  # older
    PostSnapshot.objects.create(post=post, measured_at=utc(12, 7, 12), **counts)
    classify([post.pk])
    point_to_latest([post.pk])
    return post


def audience(channel: Channel, day: date, followers: int | None) -> None:
    ChannelSnapshot.objects.create(channel=channel, day=day, measured_at=datetime.combine(day, datetime.min.time(),
                                                                                          UTC), followers=followers)


def small_dataset(workspace: Workspace) -> Dataset:
    mastodon = Channel.objects.create(workspace=workspace, network="mastodon", name="Kafe Mastodon")
    telegram = Channel.objects.create(workspace=workspace, network="telegram", name="Kafe Telegram")
    for day, followers in ((date(2026, 11, 26), 950), (date(2026, 12, 1), 1000), (date(2026, 12, 2), 1010),
                           (date(2026, 12, 4), 1005)):
        audience(mastodon, day, followers)
    audience(telegram, date(2026, 12, 2), None)
    a_at, b_at = utc(12, 2, 23, 30), utc(12, 3, 16)
    a = measured(mastodon, a_at, made_in_stoa(workspace, mastodon, a_at, ContentType.SELLING, mime="image/jpeg"),
                 likes=10, reposts=5, replies=4, quotes=None, views=None)
    b = measured(telegram, b_at, made_in_stoa(workspace, telegram, b_at, ContentType.INFORMATIONAL,
                                              options={"poll": {"options": ["yes", "no"]}}), likes=3, views=200)
    c = measured(telegram, utc(12, 5, 10), likes=5)
    d_at = utc(11, 27, 9)
    d = measured(mastodon, d_at, made_in_stoa(workspace, mastodon, d_at, ContentType.INFORMATIONAL),
                 likes=2, reposts=0, replies=0)
    DailyTheme.objects.create(workspace=workspace, weekday=3, name="Menu Thursday")
    fan = Author.objects.create(workspace=workspace, network="mastodon", remote_id="fan")
    for n, (sentiment, hidden) in enumerate([(Sentiment.NEGATIVE, ""), (Sentiment.POSITIVE, "spam"), ("", "")]):
        Item.objects.create(workspace=workspace, channel=mastodon, kind=Kind.COMMENT, remote_id=f"i{n}", author=fan,
                            publication=a.publication, written_at=utc(12, 3, 8 + n), sentiment=sentiment,
                            hidden_reason=hidden)
    return Dataset(mastodon, telegram, a, b, c, d)
