"""Inbox benchmark: ingest and classify a flood of messages on the embedded default (SQLite).

    .venv/bin/python bench/inbox.py [--messages 100000] [--viral 50000] [--page 100] [--check]

In a fresh temporary data directory: one workspace with three channels, routing rules and response
targets. Part 1 ingests `--messages` messages (comments, mentions and direct messages in six
languages, built from the labelled messages in eval/inbox/ with varied authors, brand names and
order numbers, so no two are the same) in pages of `--page`, as a network's API hands them over,
and every tenth page arrives twice (networks repeat themselves). Part 2 is a viral post: `--viral`
comments on one published post. Prints messages per second, peak memory, the time until the last
message is routed, and PASS/FAIL against: at least 1,000 messages a second, and the viral post
triaged in under a minute.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.embedded import setup_django  # noqa: E402 - after the path is set

TARGET_PER_SECOND = 1000
VIRAL_TARGET_SECONDS = 60
KINDS = ["comment"] * 6 + ["mention"] * 2 + ["message"] * 2
BRANDS = ["Kafe Yafo", "@kafeyafo", "Athens Bakery", "#kafeyafo", "Tehran Tea"]


def create_workspace():
    from django.contrib.auth import get_user_model

    from stoa.channels.models import Channel
    from stoa.inbox.models import ResponseTarget, RoutingRule, Team, WorkingTime
    from stoa.workspaces.actions import create_workspace

    owner = get_user_model().objects.create_user("bench", "bench@example.com", "bench-password")
    workspace = create_workspace(owner, "Kafe Yafo", timezone="Asia/Jerusalem")
    channels = [Channel.objects.create(workspace=workspace, network=network, name=f"Kafe Yafo {network}",
                                       config={"handle": "kafe.test"})
                for network in ("bluesky", "mastodon", "telegram")]
    support = Team.objects.create(workspace=workspace, name="Support")
    sales = Team.objects.create(workspace=workspace, name="Sales")
    RoutingRule.objects.create(workspace=workspace, position=1, name="Refunds", keywords=["refund", "החזר", "возврат"],
                               team=support)
    RoutingRule.objects.create(workspace=workspace, position=2, name="Complaints", intents=["complaint"], team=support)
    RoutingRule.objects.create(workspace=workspace, position=3, name="Leads", intents=["lead"], team=sales)
    ResponseTarget.objects.create(workspace=workspace, intent="complaint", first_response_minutes=30)
    WorkingTime.objects.create(workspace=workspace, hours={str(d): [["09:00", "19:00"]] for d in range(6)},
                               holidays=["2026-12-25"])
    return workspace, channels


def messages(count: int, rng: random.Random, start: datetime, prefix: str, root: str = ""):
    """Distinct messages like people write them, from the labelled ones with new names and numbers."""
    from stoa.inbox.classifier import load_examples
    from stoa.providers.base import Incoming, Person

    texts = [e.text for e in load_examples("train") + load_examples("eval")]
    for n in range(count):
        author = rng.randrange(count // 4 + 1)
        text = f"{rng.choice(texts)} {rng.choice(BRANDS)} #{rng.randrange(100000)}"
        kind = "comment" if root else rng.choice(KINDS)
        yield Incoming(remote_id=f"{prefix}{n}", kind=kind, text=text,
                       author=Person(f"did:plc:{author}", handle=f"user{author}.test", name=f"User {author}",
                                     follows_brand=rng.random() < 0.6),
                       written_at=start + timedelta(seconds=n * 0.5), root_remote_id=root, parent_remote_id=root)


def pages(items, size: int):
    page = []
    for item in items:
        page.append(item)
        if len(page) == size:
            yield page
            page = []
    if page:
        yield page


def flood(channels, count: int, page_size: int, rng: random.Random) -> tuple[float, int, int]:
    """Ingest `count` messages page by page; every tenth page twice. Returns (seconds, new, repeated)."""
    from stoa.inbox.actions import ingest
    from stoa.inbox.routing import Policy

    policy = Policy.of(channels[0].workspace)
    new = repeated = 0
    started = time.perf_counter()
    for number, page in enumerate(pages(messages(count, rng, datetime(2026, 12, 1, tzinfo=UTC), "m"), page_size)):
        channel = channels[number % len(channels)]
        report = ingest(channel, page, policy=policy)
        new += report.new
        if number % 10 == 0:
            repeated += ingest(channel, page, policy=policy).duplicates
    return time.perf_counter() - started, new, repeated


def viral(channel, count: int, page_size: int, rng: random.Random) -> float:
    """A post that goes viral: `count` comments on it, triaged (classified and routed) how fast."""
    from stoa.inbox.actions import ingest
    from stoa.inbox.routing import Policy
    from stoa.posts.actions import VariantInput, create_post
    from stoa.posts.models import Publication, State

    post = create_post(None, channel.workspace, text="Our winter menu", variants=[VariantInput(channel.pk)])
    Publication.objects.filter(variant__post=post).update(state=State.PUBLISHED, remote_id="at://brand/post/viral")
    policy = Policy.of(channel.workspace)
    started = time.perf_counter()
    for page in pages(messages(count, rng, datetime(2026, 12, 3, tzinfo=UTC), "v", "at://brand/post/viral"),
                      page_size):
        ingest(channel, page, policy=policy)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--viral", type=int, default=50_000)
    parser.add_argument("--page", type=int, default=100)
    parser.add_argument("--check", action="store_true", help="exit 1 unless every target is met")
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="stoa-bench-inbox-")
    try:
        setup_django(data_dir)
        from stoa.inbox.classifier import builtin
        from stoa.inbox.models import Item

        rng = random.Random(11)
        workspace, channels = create_workspace()
        trained = time.perf_counter()
        builtin()
        trained = time.perf_counter() - trained
        seconds, new, repeated = flood(channels, args.messages, args.page, rng)
        rate = new / seconds
        routed = Item.objects.filter(workspace=workspace).exclude(team=None).count()
        print(f"Inbox on SQLite, {args.messages} messages in pages of {args.page} (classifier trained in "
              f"{trained:.2f} s; data in {data_dir})")
        print(f"  ingested, classified and routed: {new} in {seconds:.1f} s = {rate:.0f} messages/s; "
              f"{repeated} repeated messages kept once; {routed} routed to a team by rule")
        print(f"  the last message was routed {seconds:.1f} s after the first arrived")
        viral_seconds = viral(channels[0], args.viral, args.page, rng)
        comments = Item.objects.filter(publication__remote_id="at://brand/post/viral").count()
        print(f"  viral post: {comments} comments triaged in {viral_seconds:.1f} s "
              f"({comments / viral_seconds:.0f}/s)")
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  peak memory: {peak_mb:.0f} MB")
        ok = rate >= TARGET_PER_SECOND and viral_seconds < VIRAL_TARGET_SECONDS and new == args.messages
        print(f"  {'PASS' if ok else 'FAIL'}: {rate:.0f}/s (target {TARGET_PER_SECOND}), viral "
              f"{viral_seconds:.1f} s (target < {VIRAL_TARGET_SECONDS} s), none lost: {new == args.messages}")
        return 0 if ok or not args.check else 1
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
