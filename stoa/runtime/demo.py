"""`stoa demo`: a realistic stretch of six brands' social media, so a newcomer sees the analytics at once and the
benchmarks (bench/analytics.py) measure the same data.

Everything is made relative to stoa.clock.now() (the demo always shows the last year) and from one seed (the same
seed makes the same data). The channels are disabled with a reason and marked {"demo": true}: the publishing
engine, the inbox polling and streaming and the analytics sweep only touch active channels, so nothing ever tries
to reach a network for them.

The numbers follow patterns a person can find on the pages: weekday evenings draw more than nights, photos and
videos more than plain text, selling posts less than informational ones (and more complaints); audiences grow
day by day; most messages are answered within the hour in working hours, the next morning otherwise.

Post counts are written as a denser series than the collector's age ladder (hourly for three days, daily for a
month, then monthly, as if the sweep had run more often) so the data set has the size the benchmarks ask for;
they are written by bulk inserts, not through stoa.analytics.actions (whose checks the counts made here pass by
construction).
"""

from __future__ import annotations

import hashlib
import io
import math
import random
import secrets
import time
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import slugify
from PIL import Image, ImageDraw

from stoa import clock
from stoa.analytics.actions import classify, point_to_latest
from stoa.analytics.collect import metrics_of
from stoa.analytics.ladder import next_read
from stoa.analytics.models import ChannelSnapshot, Kpi, KpiTarget, MeasuredPost, PostSnapshot
from stoa.channels.models import Channel, ChannelStatus
from stoa.inbox.models import Author, Item, Kind, Reply, ReplyState, Status
from stoa.links.models import CampaignCost, CampaignResult, Click, LinkSettings, Origin, ShortLink
from stoa.links.shortening import CODE_ALPHABET, CODE_LENGTH
from stoa.planning.models import DailyTheme, EventKind, PlanEvent, TimeSlot
from stoa.posts.models import ApprovalState, ContentType, Media, Post, Publication, State, Variant, VariantMedia
from stoa.runtime.demo_brands import BRANDS, Brand
from stoa.workspaces.models import Membership, Role, Workspace

NETWORKS = ("bluesky", "mastodon", "telegram")
DEMO_REASON = "Demo channel made by `stoa demo`: never connected to a network."
BATCH = 5000
PHOTO_SIZE = (640, 420)
# Ages at which a post's counts are written: hourly for three days, daily to a month, then monthly.
SERIES = ([timedelta(hours=h) for h in range(1, 73)] + [timedelta(days=d) for d in range(4, 31)]
          + [timedelta(days=30 * m) for m in range(2, 100)])
# What a post is (its kind on the pages) and how much it draws, relative to plain text.
KINDS = (("photo", 0.38, 1.6), ("text", 0.27, 1.0), ("poll", 0.1, 1.35), ("video", 0.12, 1.8),
         ("thread", 0.13, 1.2))
CONTENT = ((ContentType.INFORMATIONAL, 1.0), (ContentType.SELLING, 0.7), (ContentType.ENTERTAINING, 1.25),
           (ContentType.QUESTION, 1.15), (ContentType.NEWS, 0.9))
POSTING_HOURS = (8, 9, 11, 12, 13, 15, 17, 18, 19, 20, 21, 22)
NETWORK_DRAW = {"bluesky": 1.0, "mastodon": 0.75, "telegram": 1.0}
STAFF = ((Role.MANAGER, "manager"), (Role.CONTENT_EDITOR, "editor"), (Role.COMMUNITY_MANAGER, "community"),
         (Role.ANALYST, "analyst"), (Role.CLIENT, "client"))


@dataclass
class Made:
    """A publication made, with what its counts follow from."""

    publication: Publication
    at: datetime  # published
    content: str  # its post's content type
    draw: float  # how much it draws: its kind, content, time and network, and chance


class NotEmpty(Exception):
    """The install has workspaces already."""


@dataclass
class Summary:
    workspaces: int = 0
    channels: int = 0
    publications: int = 0
    post_snapshots: int = 0
    channel_snapshots: int = 0
    inbox_items: int = 0
    replies: int = 0
    short_links: int = 0
    clicks: int = 0
    snapshot_seconds: float = 0.0  # spent writing post snapshots (the bulk path)
    slugs: list[str] = field(default_factory=list)
    username: str = ""
    password: str = ""  # set only when the demo user was made now


def build(brands: int = 6, years: float = 1.0, channels: int = 5, seed: int = 1, force: bool = False,
          now: datetime | None = None) -> Summary:
    """Fill the install with `brands` brands' last `years` years; NotEmpty if it has workspaces, unless `force`
    (then the brands are added beside, under new slugs)."""
    if Workspace.objects.exists() and not force:
        raise NotEmpty("This install has workspaces already: `stoa demo` fills only an empty one "
                       "(--force adds the demo brands beside them).")
    now = (now or clock.now()).replace(second=0, microsecond=0)
    summary = Summary()
    owner = demo_owner(summary)
    for brand in (BRANDS * (brands // len(BRANDS) + 1))[:brands]:
        rng = random.Random(f"{seed}-{brand.slug}")
        with transaction.atomic():
            Maker(brand, rng, owner, now, years, channels, summary).make()
    return summary


def demo_owner(summary: Summary):
    users = get_user_model()
    user = users.objects.filter(username="demo").first()
    if user is None:
        summary.password = secrets.token_urlsafe(12)
        user = users.objects.create_user("demo", "demo@example.com", summary.password)
    summary.username = user.username
    return user


def free_slug(slug: str) -> str:
    candidate, n = slug, 1
    while Workspace.objects.filter(slug=candidate).exists():
        n += 1
        candidate = f"{slug}-{n}"
    return candidate


def weighted(rng: random.Random, choices: tuple) -> tuple:
    return rng.choices(choices, weights=[c[1] for c in choices])[0]


def time_draw(local: datetime) -> float:
    """Weekday evenings draw most, nights least."""
    weekday, hour = local.weekday() < 5, local.hour
    if hour >= 23 or hour < 7:
        return 0.55
    if weekday and 18 <= hour <= 21:
        return 1.7
    if not weekday and 10 <= hour <= 13:
        return 1.35
    if weekday and 12 <= hour <= 13:
        return 1.2
    return 0.9


def photo_of(rng: random.Random) -> bytes:
    """A small picture (a few discs on a coloured ground) for the brand's photo posts, as JPEG."""
    image = Image.new("RGB", PHOTO_SIZE, tuple(rng.randrange(120, 230) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y, r = rng.randrange(PHOTO_SIZE[0]), rng.randrange(PHOTO_SIZE[1]), rng.randrange(30, 120)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(40, 255) for _ in range(3)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def share_by(age: timedelta) -> float:
    """How much of a post's final counts it has at this age: most in the first day, a little tail for a month."""
    hours = age.total_seconds() / 3600
    return 0.95 * (1 - math.exp(-hours / 9)) + 0.05 * min(1.0, hours / 720)


class Maker:
    """One brand's workspace, people, plan, posts, counts, inbox, links and conversions."""

    def __init__(self, brand: Brand, rng: random.Random, owner, now: datetime, years: float, channels: int,
                 summary: Summary) -> None:
        self.brand, self.rng, self.owner, self.now, self.summary = brand, rng, owner, now, summary
        self.start = now - timedelta(days=round(365 * years))
        self.channel_count = max(1, channels)
        self.tz = zoneinfo.ZoneInfo(brand.timezone)

    def make(self) -> None:
        self.workspace = Workspace.objects.create(name=self.brand.name, slug=free_slug(self.brand.slug),
                                                  timezone=self.brand.timezone, language=self.brand.language)
        self.summary.workspaces += 1
        self.summary.slugs.append(self.workspace.slug)
        self.people()
        self.channels = self.make_channels()
        self.followers = {c.pk: self.audience(c) for c in self.channels}
        self.plan()
        publications = self.posts()
        self.measure(publications)
        self.inbox(publications)
        self.links(publications)
        self.conversions()

    # -- People, channels and the plan ------------------------------------------------------------------------

    def people(self) -> None:
        Membership.objects.create(workspace=self.workspace, user=self.owner, role=Role.OWNER)
        users = get_user_model()
        self.staff = {}
        for role, name in STAFF:
            username = f"{self.workspace.slug}-{name}"[:150]
            user = users.objects.filter(username=username).first()
            if user is None:
                user = users(username=username, email=f"{username}@example.com")
                user.set_unusable_password()
                user.save()
            Membership.objects.create(workspace=self.workspace, user=user, role=role)
            self.staff[role] = user

    def make_channels(self) -> list[Channel]:
        made = []
        for n in range(self.channel_count):
            network = NETWORKS[n % len(NETWORKS)]
            suffix = f" {n // len(NETWORKS) + 1}" if n >= len(NETWORKS) else ""
            made.append(Channel(
                workspace=self.workspace, network=network, name=f"{self.brand.name}{suffix}",
                config={"demo": True, "handle": f"{self.workspace.slug}{n}.example"},
                status=ChannelStatus.DISABLED, status_reason=DEMO_REASON))
        # Inserted in bulk: no post_save signal, so no backfill of their recent posts is queued on "connect".
        made = Channel.objects.bulk_create(made)
        self.summary.channels += len(made)
        return made

    def plan(self) -> None:
        DailyTheme.objects.bulk_create(
            DailyTheme(workspace=self.workspace, weekday=day, name=name,
                       hashtags=["#" + slugify(name, allow_unicode=True).replace("-", "_")])
            for day, name in enumerate(self.brand.themes))
        TimeSlot.objects.bulk_create(
            TimeSlot(channel=channel, weekday=day, time=datetime.min.time().replace(hour=hour))
            for channel in self.channels for day, hour in ((0, 9), (2, 19), (4, 18), (5, 11)))
        events = []
        for month in range(0, (self.now - self.start).days // 30, 3):
            first = (self.start + timedelta(days=30 * month)).date()
            campaign = self.brand.campaigns[month // 3 % len(self.brand.campaigns)]
            events.append(PlanEvent(workspace=self.workspace, kind=EventKind.CAMPAIGN, title=campaign,
                                    starts_on=first, ends_on=first + timedelta(days=13)))
        PlanEvent.objects.bulk_create(events)
        LinkSettings.objects.create(workspace=self.workspace, utm_enabled=True, short_links_enabled=True)
        targets = {Kpi.FOLLOWER_GROWTH: 150, Kpi.ENGAGEMENT_RATE: 2, Kpi.RESPONSE_TIME: 2, Kpi.CLICKS: 400,
                   Kpi.CONVERSIONS: 30, Kpi.ROI: 100}
        KpiTarget.objects.bulk_create(KpiTarget(workspace=self.workspace, kpi=kpi, target=Decimal(target),
                                                updated_at=self.now) for kpi, target in targets.items())

    def audience(self, channel: Channel) -> dict[date, int]:
        """Its daily followers from the start to today, written as its channel snapshots; the followers by day."""
        network = metrics_of(channel)
        metrics = network.account_metrics if network else ()
        followers = self.rng.randint(300, 2500)
        following, posts = self.rng.randint(80, 400), self.rng.randint(50, 500)
        by_day, rows = {}, []
        day, last = self.start.date(), self.now.date()
        while day <= last:
            by_day[day] = followers
            rows.append(ChannelSnapshot(
                channel=channel, day=day, measured_at=datetime.combine(day, datetime.min.time(), UTC)
                + timedelta(hours=3), followers=followers if "followers" in metrics else None,
                following=following if "following" in metrics else None,
                posts=posts if "posts" in metrics else None))
            growth = self.rng.gauss(0.0025, 0.004) * followers  # most days a little up, some days down
            followers = max(10, followers + round(growth))
            following += self.rng.random() < 0.1
            posts += self.rng.random() < 0.8
            day += timedelta(days=1)
        ChannelSnapshot.objects.bulk_create(rows, batch_size=BATCH)
        self.summary.channel_snapshots += len(rows)
        return by_day

    # -- Posts ------------------------------------------------------------------------------------------------

    def posts(self) -> list[Made]:
        """About one post a day, each to most of the channels."""
        picture = photo_of(self.rng)
        photo = Media(workspace=self.workspace, filename="photo.jpg", content_type="image/jpeg", size=len(picture),
                      width=PHOTO_SIZE[0], height=PHOTO_SIZE[1], alt_text=self.brand.name)
        photo.file.save(f"demo-{self.workspace.slug}.jpg", ContentFile(picture), save=True)  # reports show it
        video = Media.objects.create(workspace=self.workspace, file=f"demo/{self.workspace.slug}.mp4",
                                     filename="video.mp4", content_type="video/mp4", size=4_000_000, width=1280,
                                     height=720, duration_seconds=30)
        planned = list(self.planned_posts())
        posts = Post.objects.bulk_create([p for p, *_ in planned], batch_size=BATCH)
        variants, publications, media, details = [], [], [], []
        for number, (post, (_, at, kind, draw, channels)) in enumerate(zip(posts, planned, strict=True)):
            for n, channel in enumerate(channels):
                options: dict[str, object] = {}
                if kind == "poll":
                    options = {"poll": {"options": ["1", "2", "3"], "hours": 24}}
                if kind == "thread":
                    options = {"thread": [self.rng.choice(self.brand.informational)]}
                variant = Variant(post=post, channel=channel, text=post.title, options=options)
                published_at = at + timedelta(minutes=n * 2)
                remote = f"demo-{self.workspace.slug}-{self.channels.index(channel)}-{number}"
                variants.append(variant)
                publications.append(Publication(
                    variant=variant, channel=channel, workspace=self.workspace, state=State.PUBLISHED,
                    scheduled_at=published_at, published_at=published_at, attempts=1, remote_id=remote,
                    remote_url=f"https://{channel.config['handle']}/{remote}"))
                if kind in ("photo", "video"):
                    media.append(VariantMedia(variant=variant, media=photo if kind == "photo" else video,
                                              position=0))
                details.append((published_at, post.content_type, draw * NETWORK_DRAW[channel.network]))
        Variant.objects.bulk_create(variants, batch_size=BATCH)
        for publication in publications:
            publication.variant_id = publication.variant.pk
        for item in media:
            item.variant_id = item.variant.pk
        Publication.objects.bulk_create(publications, batch_size=BATCH)
        VariantMedia.objects.bulk_create(media, batch_size=BATCH)
        self.summary.publications += len(publications)
        return [Made(p, *d) for p, d in zip(publications, details, strict=True)]

    def planned_posts(self) -> Iterator[tuple[Post, datetime, str, float, list[Channel]]]:
        day, last = self.start.date() + timedelta(days=1), self.now.date()
        n = 0
        while day < last:
            for _ in range(self.rng.choice((0, 1, 1, 1, 1, 2))):
                content = CONTENT[0] if n % 2 == 0 else weighted(self.rng, ((CONTENT[1], 0.5), (CONTENT[2], 0.2),
                                                                             (CONTENT[3], 0.2), (CONTENT[4], 0.1)))[0]
                content_type, content_draw = content
                kind, _share, kind_draw = weighted(self.rng, KINDS)
                local = datetime(day.year, day.month, day.day, self.rng.choice(POSTING_HOURS),
                                 self.rng.randrange(0, 60, 5), tzinfo=self.tz)
                pool = self.brand.selling if content_type == ContentType.SELLING else self.brand.informational
                title = self.rng.choice(pool)
                campaign = self.rng.choice(self.brand.campaigns) if content_type == ContentType.SELLING else ""
                post = Post(workspace=self.workspace, title=title[:200], content_type=content_type,
                            campaign=campaign, approval_state=ApprovalState.APPROVED, created_by=self.owner)
                size = min(len(self.channels), max(1, self.rng.randint(len(self.channels) - 1, len(self.channels))))
                channels = sorted(self.rng.sample(self.channels, size), key=lambda c: c.pk)
                draw = content_draw * kind_draw * time_draw(local) * math.exp(self.rng.gauss(0, 0.35))
                yield post, local.astimezone(UTC), kind, draw, channels
                n += 1
            day += timedelta(days=1)

    # -- Counts -----------------------------------------------------------------------------------------------

    def measure(self, publications: list[Made]) -> None:
        measured = [MeasuredPost(channel_id=m.publication.channel_id, workspace=self.workspace,
                                 publication=m.publication, remote_id=m.publication.remote_id,
                                 url=m.publication.remote_url, published_at=m.at,
                                 next_read_at=next_read(m.at, self.now))
                    for m in publications]
        MeasuredPost.objects.bulk_create(measured, batch_size=BATCH)
        classify(post.pk for post in measured)
        networks = {c.pk: network.post_metrics + network.pushed_post_metrics if (network := metrics_of(c)) else ()
                    for c in self.channels}
        rows: list[PostSnapshot] = []
        for post, made in zip(measured, publications, strict=True):
            declared = networks[made.publication.channel_id]
            if not declared:
                continue  # the network gives no counts of posts: the pages say so
            followers = self.followers[made.publication.channel_id].get(made.at.date(), 500)
            rows += self.series(post, made.at, declared, followers * 0.02 * made.draw)
            if len(rows) >= BATCH * 4:
                self.write_snapshots(rows)
                rows = []
        self.write_snapshots(rows)

    def series(self, post: MeasuredPost, published_at: datetime, declared: tuple[str, ...], interactions: float) \
            -> list[PostSnapshot]:
        final = {"likes": interactions * 0.62, "reposts": interactions * 0.16, "replies": interactions * 0.12,
                 "quotes": interactions * 0.05, "views": interactions * 30}
        rows = []
        for age in SERIES:
            at = published_at + age
            if at > self.now:
                break
            share = share_by(age)
            rows.append(PostSnapshot(post=post, measured_at=at, **{
                name: (round(final[name] * share) if name in declared else None) for name in final}))
        return rows

    def write_snapshots(self, rows: list[PostSnapshot]) -> None:
        started = time.perf_counter()
        with transaction.atomic():
            PostSnapshot.objects.bulk_create(rows, batch_size=BATCH)
            point_to_latest({row.post_id for row in rows})
        self.summary.snapshot_seconds += time.perf_counter() - started
        self.summary.post_snapshots += len(rows)

    # -- Inbox ------------------------------------------------------------------------------------------------

    def inbox(self, publications: list[Made]) -> None:
        authors = {}
        for channel in self.channels:
            for n, person in enumerate(self.brand.people * 4):
                key = (channel.network, f"{self.workspace.slug}-{person}-{n}")
                if key not in authors:
                    authors[key] = Author(workspace=self.workspace, network=channel.network, remote_id=key[1],
                                          handle=f"{slugify(person) or 'fan'}{n}", name=person)
        Author.objects.bulk_create(authors.values(), batch_size=BATCH)
        by_network: dict[str, list[Author]] = {}
        for author in authors.values():
            by_network.setdefault(author.network, []).append(author)
        items: list[Item] = []
        answers: list[tuple[Item, str]] = []
        for made in publications:
            if self.rng.random() > min(0.8, 0.25 * made.draw):
                continue
            for _ in range(self.rng.randint(1, 3)):
                item, answer = self.message(made, by_network[made.publication.channel.network], len(items))
                items.append(item)
                if answer:
                    answers.append((item, answer))
        Item.objects.bulk_create(items, batch_size=BATCH)
        for item in items:  # received when written (the field is set on insert)
            item.received_at = item.written_at + timedelta(minutes=1)
        Item.objects.bulk_update(items, ["received_at"], batch_size=BATCH)
        replies = [Reply(item=item, author=self.staff[Role.COMMUNITY_MANAGER], text=text, state=ReplyState.SENT,
                         remote_id=f"{item.remote_id}-reply", sent_at=item.first_response_at)
                   for item, text in answers]
        Reply.objects.bulk_create(replies, batch_size=BATCH)
        for reply in replies:
            reply.created_at = reply.sent_at or self.now
        Reply.objects.bulk_update(replies, ["created_at"], batch_size=BATCH)
        self.summary.inbox_items += len(items)
        self.summary.replies += len(replies)

    def message(self, made: Made, authors: list[Author], n: int) -> tuple[Item, str]:
        publication, content = made.publication, made.content
        negative = 0.22 if content == ContentType.SELLING else 0.08
        sentiment, intent = weighted(self.rng, (
            (("positive", "praise"), 0.45), (("neutral", "question"), 0.3 - negative / 2),
            (("neutral", "lead"), 0.15 if content == ContentType.SELLING else 0.05),
            (("negative", "complaint"), negative), (("negative", "spam"), 0.02)))[0]
        written = made.at + timedelta(minutes=self.rng.expovariate(1 / 180))
        written = min(written, self.now - timedelta(minutes=5))
        answered = intent != "spam" and self.rng.random() < 0.88
        first_response = self.response_at(written) if answered else None
        if first_response and first_response > self.now:
            first_response = None
        item = Item(workspace=self.workspace, channel=publication.channel, kind=Kind.COMMENT,
                    remote_id=f"{publication.remote_id}-c{n}", parent_remote_id=publication.remote_id,
                    root_remote_id=publication.remote_id, publication=publication,
                    author=self.rng.choice(authors), text=self.rng.choice(self.brand.messages[(sentiment, intent)]),
                    written_at=written, language=self.brand.language, sentiment=sentiment, intent=intent,
                    confidence=round(self.rng.uniform(0.6, 0.98), 2),
                    status=Status.DONE if first_response or intent == "spam" else Status.OPEN,
                    first_response_at=first_response, resolved_at=first_response,
                    assigned_to=self.staff[Role.COMMUNITY_MANAGER],
                    hidden_reason="spam" if intent == "spam" else "")
        return item, (self.rng.choice(self.brand.replies) if first_response else "")

    def response_at(self, written: datetime) -> datetime:
        """Within the hour or so in working hours (9-20 local), the next morning otherwise."""
        local = written.astimezone(self.tz)
        if not 9 <= local.hour < 20:
            morning = local.replace(hour=9, minute=0) + timedelta(days=1 if local.hour >= 20 else 0)
            return morning.astimezone(UTC) + timedelta(minutes=self.rng.expovariate(1 / 40))
        return written + timedelta(minutes=max(2.0, self.rng.lognormvariate(math.log(35), 0.8)))

    # -- Links and conversions --------------------------------------------------------------------------------

    def links(self, publications: list[Made]) -> None:
        links, clicks = [], []
        for made in publications:
            publication, draw = made.publication, made.draw
            if made.content != ContentType.SELLING and self.rng.random() > 0.3:
                continue
            code = "".join(self.rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            campaign = publication.variant.post.campaign or "social"
            url = f"{self.brand.site}/{slugify(campaign) or 'offer'}"
            link = ShortLink(workspace=self.workspace, publication=publication, channel=publication.channel,
                             network=publication.channel.network, code=code, url=url,
                             url_hash=hashlib.sha256(url.encode()).hexdigest(),
                             target=f"{url}?utm_source={publication.channel.network}&utm_medium=social"
                                    f"&utm_campaign={campaign}", created_at=made.at)
            links.append(link)
            for _ in range(min(300, round(self.rng.expovariate(1 / (12 * draw))))):
                at = made.at + timedelta(minutes=self.rng.expovariate(1 / 240))
                if at < self.now:
                    clicks.append(Click(link=link, at=at, referrer=f"https://{publication.channel.network}.example/",
                                        visitor=f"{self.rng.getrandbits(128):032x}"))
        ShortLink.objects.bulk_create(links, batch_size=BATCH)
        for click in clicks:
            click.link_id = click.link.pk
        Click.objects.bulk_create(clicks, batch_size=BATCH)
        self.summary.short_links += len(links)
        self.summary.clicks += len(clicks)

    def conversions(self) -> None:
        """Each campaign's month from an analytics export (Plausible or GA4), and what the month cost."""
        results, costs = [], []
        origin = Origin.PLAUSIBLE if len(self.brand.slug) % 2 else Origin.GA4
        month = date(self.start.year, self.start.month, 1)
        while month <= self.now.date():
            end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            for campaign in self.brand.campaigns:
                sessions = self.rng.randint(150, 900)
                conversions = round(sessions * self.rng.uniform(0.01, 0.05))
                for network in NETWORKS:
                    share = {"bluesky": 0.45, "mastodon": 0.25, "telegram": 0.3}[network]
                    results.append(CampaignResult(
                        workspace=self.workspace, origin=origin, batch="demo", period_start=month, period_end=end,
                        campaign=campaign, source=network, sessions=round(sessions * share),
                        bounces=round(sessions * share * self.rng.uniform(0.35, 0.6)),
                        conversions=round(conversions * share),
                        revenue=Decimal(round(conversions * share * self.rng.uniform(15, 45), 2)).quantize(
                            Decimal("0.01")), created_at=self.now))
                costs.append(CampaignCost(workspace=self.workspace, campaign=campaign, period_start=month,
                                          period_end=end, amount=Decimal(self.rng.randrange(150, 700, 10)),
                                          note="demo", created_at=self.now))
            month = end + timedelta(days=1)
        CampaignResult.objects.bulk_create(results, batch_size=BATCH)
        CampaignCost.objects.bulk_create(costs, batch_size=BATCH)
