"""Contest benchmark: 100,000 entrants judged, frozen and drawn, and the draw verified from its published file.

    .venv/bin/python bench/contests.py [--entrants 100000] [--winners 10] [--substitutes 5]

In a fresh data directory on SQLite: a workspace with its Mastodon channel and one published post, a contest on it
(a reply with #yafo, one friend tagged, accounts at least 30 days old, a block list, the commit-reveal seed), and
the entrants written straight into the database (Hebrew, Arabic, Greek, Russian and Latin handles; about one in
five fails a rule). Then, timed:
- `draw_s`: stoa.contests.actions.freeze_contest (every entry judged, its reason stored, the eligible list sorted,
  frozen and hashed) and draw_contest (the seed revealed, winners and substitutes drawn and marked): target <= 10 s;
- `verify_s` and `draw_verified`: the published file written out and `stoa contest verify FILE --hash H` run as its
  own process, with H the hash published before the draw; true when it reproduces the winners and substitutes.

The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TARGET_DRAW_S = 10.0
NAMES = ("דנה", "יוסי", "مريم", "أحمد", "Σοφία", "Γιώργος", "Ольга", "Иван", "dana", "sam")


def setup_django(data_dir: str) -> None:
    os.environ.update(STOA_DATA_DIR=data_dir, DJANGO_SETTINGS_MODULE="stoa.settings", STOA_SECRET_KEY="bench-contests",
                      STOA_TASKS="sqlite")
    os.environ.pop("DATABASE_URL", None)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def make_contest(entrants: int, winners: int, substitutes: int):
    from django.contrib.auth import get_user_model

    from stoa import clock
    from stoa.channels.models import Channel
    from stoa.contests.actions import ContestInput, create_contest
    from stoa.contests.models import Randomness
    from stoa.posts.models import Post, Publication, State, Variant
    from stoa.workspaces.actions import create_workspace

    owner = get_user_model().objects.create_user("olga", "olga@example.com", "pw-olga-123")
    workspace = create_workspace(owner, "Kafe Yafo", timezone="Asia/Jerusalem", language="he")
    channel = Channel.objects.create(workspace=workspace, network="mastodon", name="Kafe Yafo",
                                     config={"instance_url": "https://mastodon.example", "account_id": "1"})
    post = Post.objects.create(workspace=workspace, title="Win")
    variant = Variant.objects.create(post=post, channel=channel, text="Reply with #yafo and tag a friend")
    publication = Publication.objects.create(variant=variant, channel=channel, workspace=workspace,
                                             state=State.PUBLISHED, remote_id="109", published_at=clock.now())
    now = clock.now()
    return create_contest(owner, workspace, ContestInput(
        title="Coffee for a year", publication_ids=[publication.pk], actions=["reply"], hashtag="yafo",
        friends_to_tag=1, min_account_age_days=30, block_list=["user7"], winners=winners, substitutes=substitutes,
        opens_at=now - timedelta(days=7), closes_at=now - timedelta(minutes=1), randomness=Randomness.SEED))


def add_entrants(contest, count: int) -> None:
    from stoa import clock
    from stoa.contests.models import Entry

    rng, now = random.Random(17), clock.now()
    rows = []
    for n in range(count):
        text = "Me! #yafo @friend" if rng.random() > 0.1 else "Me!"  # about one in ten without the hashtag
        age = timedelta(days=rng.choice((3, 400, 900, 2000, 5000)))  # about one in five too young
        rows.append(Entry(contest=contest, network=rng.choice(("mastodon", "bluesky")), account_id=str(1_000_000 + n),
                          handle=f"{rng.choice(NAMES)}{n}", actions=["reply"], text=text,
                          tagged=1 if "@" in text else 0,
                          follows_brand=True, account_created_at=now - age,
                          first_at=now - timedelta(hours=rng.randint(2, 150))))
    Entry.objects.bulk_create(rows, batch_size=2000)


def verified(published: dict, frozen_hash: str, data_dir: str) -> tuple[bool, float, str]:
    path = Path(data_dir) / "draw.json"
    from stoa.contests import draw

    path.write_bytes(draw.published_bytes(published))
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "stoa.cli", "contest", "verify", str(path), "--hash", frozen_hash],
                            capture_output=True, text=True, env=os.environ.copy(), timeout=300)
    elapsed = time.perf_counter() - started
    expected = [f"Winner {n}: {' '.join(row).rstrip()}" for n, row in enumerate(published["winners"], start=1)]
    expected += [f"Substitute {n}: {' '.join(row).rstrip()}" for n, row in enumerate(published["substitutes"], start=1)]
    said = result.stdout.splitlines()
    return result.returncode == 0 and all(line in said for line in expected), elapsed, result.stderr[-500:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entrants", type=int, default=100_000)
    parser.add_argument("--winners", type=int, default=10)
    parser.add_argument("--substitutes", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stoa-bench-contests-") as data_dir:
        setup_django(data_dir)
        from stoa.contests import actions

        contest = make_contest(args.entrants, args.winners, args.substitutes)
        started = time.perf_counter()
        add_entrants(contest, args.entrants)
        insert_s = time.perf_counter() - started
        started = time.perf_counter()
        actions.freeze_contest(None, contest)
        freeze_s = time.perf_counter() - started
        hash_before = contest.frozen_sha256
        assert actions.draw_contest(None, contest)
        draw_s = time.perf_counter() - started
        ok, verify_s, problem = verified(contest.published, hash_before, data_dir)
        if not ok:
            print(f"stoa contest verify did not reproduce the winners: {problem}", file=sys.stderr)
        figures = {"entrants": args.entrants, "eligible": len(contest.frozen["entrants"]),
                   "winners": args.winners, "substitutes": args.substitutes, "insert_s": round(insert_s, 2),
                   "freeze_s": round(freeze_s, 2), "draw_s": round(draw_s, 2), "draw_target_s": TARGET_DRAW_S,
                   "draw_within_target": draw_s <= TARGET_DRAW_S, "verify_s": round(verify_s, 2),
                   "draw_verified": ok, "frozen_sha256": hash_before}
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
