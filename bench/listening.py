"""Listening benchmark: a replay of posts through the matcher, the classifier and the store, and a month of hits
behind the listening page, on SQLite.

    .venv/bin/python bench/listening.py [--posts 200000] [--month 500000] [--requests 60]

In a fresh data directory: a workspace (Asia/Jerusalem) with its Mastodon channel, the brand's query (its name in
Latin, Cyrillic, Hebrew, Arabic, Persian and Greek letters and a hashtag, an exclusion) and two competitors'.
- The replay: `--posts` posts in English, Russian, Hebrew, Arabic, Persian and Greek, about 85% naming the brand
  or a competitor (some with points, harakat, tatweel or capitals), one in twenty a repeat of an earlier post (a
  network giving the same post again), handed to stoa.listening.store.Listener in pages of 100 as the job does.
  `hits_per_s`: hits matched, classified and stored per second (target >= 2,000); `posts_per_s`: posts read;
  `duplicates_kept_once`: true when every repeated post is one hit; `peak_memory_mb`: the process's peak RSS.
- The month: `--month` hits over the last 30 days written straight into the database with their day counts, then
  the listening page (/listening/, as the workspace's owner) asked `--requests` times with and without filters
  (query, network, sentiment, language, 7 or 30 days). `page_p95_ms`: the 95th percentile (target <= 300).
- The contest: bench/contests.py with `--entrants` (100,000), in a process of its own; its `draw_s` (eligibility and
  draw, target <= 10) and `draw_verified` (`stoa contest verify` reproduced the winners) join these figures.

The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TARGET_HITS_PER_S = 2000.0
TARGET_PAGE_P95_MS = 300.0
PAGE = 100  # posts per page handed to the store, as a network's page

BRAND = {"en": "Kafe Yafo", "ru": "Кафе Яфо", "he": "קפה יפו", "ar": "مقهى يافا", "fa": "کافه یافا", "el": "Καφέ Γιάφο"}
VARIANTS = {"he": "קָפֶה יָפוֹ", "ar": "مقـــهى يافا", "en": "KAFE YAFO", "el": "ΚΑΦΈ ΓΙΆΦΟ"}
COMPETITORS = ("Bean There", "Roastery Nord")
SENTENCES = {
    "en": ("{b} has the best flat white in town", "Waited forty minutes at {b}, terrible service",
           "Is {b} open on Saturday?", "Just had breakfast, nothing special", "Where can I buy beans near me?"),
    "ru": ("{b} — лучший кофе в городе, спасибо!", "В {b} ужасное обслуживание, больше не приду",
           "{b} работает в субботу?", "Сегодня холодно и идёт дождь", "Кто знает хорошую пекарню?"),
    "he": ("ממליצה בחום על {b}, הקפה מעולה", "שירות גרוע ב{b}, חיכינו שעה", "{b} פתוח בשבת?",
           "היום חם מאוד בתל אביב", "מישהו מכיר מאפייה טובה?"),
    "ar": ("{b} رائع والقهوة ممتازة", "الخدمة في {b} سيئة جدا", "هل {b} مفتوح يوم السبت؟",
           "الطقس جميل اليوم", "أين أجد مخبزا جيدا؟"),
    "fa": ("{b} عالی بود، ممنون", "خدمات {b} خیلی بد بود", "آیا {b} شنبه باز است؟",
           "امروز هوا سرد است", "نانوایی خوب کجاست؟"),
    "el": ("Ο {b} είναι υπέροχος, ευχαριστώ", "Απαίσια εξυπηρέτηση στον {b}", "Είναι ανοιχτός ο {b} το Σάββατο;",
           "Σήμερα βρέχει πολύ", "Ξέρει κανείς καλό φούρνο;"),
}


def setup_django(data_dir: str) -> None:
    os.environ.update(STOA_DATA_DIR=data_dir, DJANGO_SETTINGS_MODULE="stoa.settings",
                      STOA_SECRET_KEY="bench-listening", STOA_TASKS="sqlite", STOA_DEBUG="0")
    os.environ.pop("DATABASE_URL", None)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def make_workspace():
    from django.contrib.auth import get_user_model

    from stoa.channels.models import Channel
    from stoa.listening.actions import save_query
    from stoa.workspaces.actions import create_workspace

    owner = get_user_model().objects.create_user("olga", "olga@example.com", "pw-olga-123")
    workspace = create_workspace(owner, "Kafe Yafo", timezone="Asia/Jerusalem", language="he")
    channel = Channel.objects.create(workspace=workspace, network="mastodon", name="Kafe Yafo",
                                     config={"instance_url": "https://mastodon.example", "account_id": "1"})
    brand = save_query(owner, workspace, {"name": "Kafe Yafo", "terms": "\n".join(BRAND.values()),
                                          "hashtags": "kafeyafo", "exclusions": "Yafo Street"})
    rivals = [save_query(owner, workspace, {"name": name, "terms": name, "competitor": "on"}) for name in COMPETITORS]
    return owner, workspace, channel, [brand, *rivals]


def text_of(rng: random.Random, language: str) -> str:
    """A post as a search gives them: mostly naming the brand or a competitor, some only near the words."""
    roll = rng.random()
    if roll > 0.85:
        return rng.choice(SENTENCES[language][3:])
    sentence = rng.choice(SENTENCES[language][:3])
    if roll < 0.7:
        name = VARIANTS.get(language, BRAND[language]) if rng.random() < 0.2 else BRAND[language]
    else:
        name = rng.choice(COMPETITORS)
    return sentence.format(b=name) + (" #kafeyafo" if rng.random() < 0.05 else "")


def posts(count: int, seed: int = 17):
    """`count` posts, one in twenty a repeat of an earlier one; and how many distinct posts there are."""
    from stoa import clock
    from stoa.providers.base import Incoming, Person

    rng = random.Random(seed)
    now = clock.now()
    made: list = []
    for n in range(count):
        if made and rng.random() < 0.05:
            made.append(made[rng.randrange(len(made))])
            continue
        language = rng.choice(tuple(SENTENCES))
        author = Person(remote_id=f"acct-{rng.randrange(20000)}", handle=f"user{n % 20000}")
        made.append(Incoming(remote_id=f"post-{n}", kind="search", text=text_of(rng, language), author=author,
                             written_at=now - timedelta(minutes=rng.randrange(60 * 24 * 7)),
                             url=f"https://mastodon.example/@user/{n}"))
    return made


def replay(workspace, channel, count: int) -> dict:
    from stoa.inbox.classifier import builtin
    from stoa.listening.models import Hit
    from stoa.listening.store import Found, Kept, Listener

    classifier = builtin()  # trained before the clock starts, as a running worker has it
    replayed = posts(count)
    listener = Listener(workspace, classifier)
    total = Kept()
    started = time.perf_counter()
    for start in range(0, len(replayed), PAGE):
        total.add(listener.keep(Found("mastodon", p, channel.pk) for p in replayed[start:start + PAGE]))
    seconds = time.perf_counter() - started
    distinct = {p.remote_id for p in replayed}
    repeated = Counter(p.remote_id for p in replayed)
    stored = Counter(Hit.objects.filter(workspace=workspace).values_list("remote_id", flat=True))
    matched = {p.remote_id for p in replayed if listener.matcher.match(p.text)}
    kept_once = all(n == 1 for n in stored.values()) and set(stored) <= matched and \
        all(stored.get(r, 0) == 1 for r in repeated if repeated[r] > 1 and r in stored)
    return {"posts": count, "distinct_posts": len(distinct), "hits": total.new, "replay_s": round(seconds, 2),
            "hits_per_s": round(total.new / seconds, 1), "posts_per_s": round(count / seconds, 1),
            "duplicates_given": count - len(distinct), "duplicates_kept_once": kept_once}


def fill_month(workspace, channel, queries, count: int, seed: int = 23) -> None:
    """`count` hits over the last 30 days, with their day counts, written straight into the database."""
    import zoneinfo

    from stoa import clock
    from stoa.listening.models import DayCount, Hit

    rng = random.Random(seed)
    zone = zoneinfo.ZoneInfo(workspace.timezone)
    now = clock.now()
    counts: Counter = Counter()
    sentiments, networks = ("negative", "neutral", "positive"), ("mastodon", "bluesky", "telegram")
    batch = []
    for n in range(count):
        language = rng.choice(tuple(SENTENCES))
        written = now - timedelta(seconds=rng.randrange(30 * 86400))
        query = queries[0] if rng.random() < 0.6 else rng.choice(queries[1:])
        hit = Hit(workspace=workspace, query=query, channel=channel, network=rng.choice(networks),
                  remote_id=f"month-{n}", url=f"https://mastodon.example/@user/m{n}", author_id=f"acct-{n % 5000}",
                  author_handle=f"user{n % 5000}", author_name=f"User {n % 5000}",
                  text=SENTENCES[language][n % 5].format(b=BRAND[language]), written_at=written,
                  day=written.astimezone(zone).date(), found_at=written, language=language,
                  sentiment=rng.choice(sentiments), intent="other")
        counts[(hit.day, query.pk, hit.network, hit.sentiment, hit.language)] += 1
        batch.append(hit)
        if len(batch) == 5000:
            Hit.objects.bulk_create(batch)
            batch = []
    Hit.objects.bulk_create(batch)
    DayCount.objects.filter(workspace=workspace).delete()
    DayCount.objects.bulk_create([DayCount(workspace=workspace, day=day, query_id=q, network=net, sentiment=s,
                                           language=lang, hits=n)
                                  for (day, q, net, s, lang), n in counts.items()])


def page_times(owner, workspace, queries, requests: int) -> list[float]:
    from django.test import Client

    client = Client()
    client.force_login(owner)
    variants = ["", "&days=7", f"&query={queries[0].pk}", "&network=bluesky", "&sentiment=negative",
                "&language=he", f"&query={queries[1].pk}&sentiment=negative", "&language=el&days=7"]
    client.get(f"/listening/?workspace={workspace.slug}")  # templates loaded once, as in a running server
    times = []
    for n in range(requests):
        started = time.perf_counter()
        response = client.get(f"/listening/?workspace={workspace.slug}{variants[n % len(variants)]}")
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--month", type=int, default=500_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--entrants", type=int, default=100_000, help="the contest's entrants (bench/contests.py)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stoa-bench-listening-") as data_dir:
        setup_django(data_dir)
        owner, workspace, channel, queries = make_workspace()
        figures = replay(workspace, channel, args.posts)
        print(f"replay: {figures}", flush=True)
        from stoa.listening.models import DayCount, Hit

        Hit.objects.filter(workspace=workspace).delete()
        DayCount.objects.filter(workspace=workspace).delete()
        started = time.perf_counter()
        fill_month(workspace, channel, queries, args.month)
        print(f"month: {args.month} hits written in {time.perf_counter() - started:.1f} s", flush=True)
        times = page_times(owner, workspace, queries, args.requests)
    figures.update(month_hits=args.month, page_requests=len(times), page_p95_ms=round(p95(times), 1),
                   page_median_ms=round(sorted(times)[len(times) // 2], 1),
                   peak_memory_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1))
    contest = contest_figures(args.entrants)
    figures.update(entrants=contest["entrants"], draw_s=contest["draw_s"], draw_verified=contest["draw_verified"])
    figures["targets_met"] = (figures["hits_per_s"] >= TARGET_HITS_PER_S and figures["duplicates_kept_once"]
                              and figures["page_p95_ms"] <= TARGET_PAGE_P95_MS and contest["draw_within_target"]
                              and contest["draw_verified"])
    print(json.dumps(figures))


def contest_figures(entrants: int) -> dict:
    """The contest of issue 17's benchmark, run by bench/contests.py in a process and data directory of its own: the
    last line of what it prints."""
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "contests.py"), "--entrants", str(entrants)],
                          capture_output=True, text=True, check=True)
    print(done.stdout, end="", flush=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
