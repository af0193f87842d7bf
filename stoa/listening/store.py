"""Posts found on the networks, kept as hits: matched against the workspace's queries, classified, stored once.

The searches the networks answer are looser than a query (Bluesky and Mastodon match words in their own way, a
hashtag timeline knows nothing of exclusions), so every post is matched here again and only a match is kept.
"""

from __future__ import annotations

import zoneinfo
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction

from stoa import clock
from stoa.inbox.classifier import Classifies
from stoa.listening.matching import Matcher, Query
from stoa.listening.models import DayCount, Hit, ListeningQuery
from stoa.providers.base import Incoming
from stoa.workspaces.models import Workspace

BATCH = 500


@dataclass(frozen=True)
class Found:
    """A post a network gave, with the channel whose credentials found it (None where no channel did)."""

    network: str
    post: Incoming
    channel_id: int | None = None


@dataclass
class Kept:
    new: int = 0
    duplicates: int = 0
    not_matched: int = 0

    def add(self, other: Kept) -> None:
        self.new, self.duplicates, self.not_matched = (self.new + other.new, self.duplicates + other.duplicates,
                                                       self.not_matched + other.not_matched)


class Listener:
    """One workspace's active queries, ready for many posts."""

    def __init__(self, workspace: Workspace, classifier: Classifies, queries: Iterable[ListeningQuery] | None = None):
        self.workspace = workspace
        self.classifier = classifier
        chosen = list(queries if queries is not None else workspace.listening_queries.filter(active=True))
        # The brand's queries first, so a post naming the brand and a competitor counts as the brand's hit.
        self.queries = {q.pk: q for q in sorted(chosen, key=lambda q: (q.competitor, q.pk))}
        self.order = {pk: i for i, pk in enumerate(self.queries)}
        self.matcher = Matcher([Query(q.pk, tuple(q.terms), tuple(q.hashtags), tuple(q.exclusions))
                                for q in self.queries.values()])
        self.zone = zoneinfo.ZoneInfo(workspace.timezone or "UTC")

    def keep(self, found: Iterable[Found]) -> Kept:
        kept = Kept()
        unique: dict[tuple[str, str], Found] = {}
        for one in found:
            key = (one.network, one.post.remote_id)
            if key in unique:
                kept.duplicates += 1
            else:
                unique[key] = one
        batch = list(unique.values())
        for start in range(0, len(batch), BATCH):
            self.keep_batch(batch[start:start + BATCH], kept)
        return kept

    def keep_batch(self, batch: list[Found], kept: Kept) -> None:
        with transaction.atomic():
            # One batch of a workspace at a time, so a post two workers found at once is counted once: the row lock
            # on PostgreSQL; on SQLite the IMMEDIATE transaction already holds the database's write lock.
            list(Workspace.objects.select_for_update().filter(pk=self.workspace.pk).values_list("pk", flat=True))
            seen = self.already_kept(batch)
            fresh = [f for f in batch if (f.network, f.post.remote_id) not in seen]
            kept.duplicates += len(batch) - len(fresh)
            hits = [hit for f in fresh if (hit := self.hit_of(f)) is not None]
            kept.not_matched += len(fresh) - len(hits)
            insert_new(hits)
            self.count(hits)
        kept.new += len(hits)

    def already_kept(self, batch: list[Found]) -> set[tuple[str, str]]:
        found: set[tuple[str, str]] = set()
        for network in {f.network for f in batch}:
            ids = [f.post.remote_id for f in batch if f.network == network]
            # Unordered: the model's stream order made SQLite walk the workspace's whole stream index instead of
            # looking each id up in the unique one (389 hits/s at 200,000 posts instead of thousands).
            found |= {(network, remote_id) for remote_id in Hit.objects.filter(
                workspace=self.workspace, network=network, remote_id__in=ids).order_by().values_list(
                "remote_id", flat=True)}
        return found

    def hit_of(self, found: Found) -> Hit | None:
        post = found.post
        matched = self.matcher.match(post.text)
        if not matched:
            return None
        verdict = self.classifier.classify(post.text)
        matched = sorted((pk for pk in matched if self.speaks(pk, verdict.language)), key=self.order.__getitem__)
        if not matched:
            return None
        return Hit(workspace=self.workspace, query_id=matched[0], also_matched=matched[1:],
                   channel_id=found.channel_id, network=found.network, remote_id=post.remote_id, url=post.url,
                   author_id=post.author.remote_id, author_handle=post.author.handle.lstrip("@"),
                   author_name=post.author.name,
                   text=post.text, written_at=post.written_at, day=self.day(post), found_at=clock.now(),
                   language=verdict.language, sentiment=verdict.sentiment, intent=verdict.intent)

    def speaks(self, query_id: int, language: str) -> bool:
        languages = self.queries[query_id].languages
        return not languages or language in languages

    def day(self, post: Incoming) -> date:
        return post.written_at.astimezone(self.zone).date()

    def count(self, hits: list[Hit]) -> None:
        """The day counts raised by the new hits (one row per day, query, network, sentiment and language), each
        in one statement that adds to the row or makes it (ON CONFLICT ... DO UPDATE: SQLite and PostgreSQL alike),
        so two workers raising the same row never lose a count."""
        counts = Counter((h.day, h.query_id, h.network, h.sentiment, h.language) for h in hits)
        if counts:
            with connection.cursor() as cursor:
                rows = [(self.workspace.pk, connection.ops.adapt_datefield_value(day), query_id, network, sentiment,
                         language, n) for (day, query_id, network, sentiment, language), n in counts.items()]
                cursor.executemany(RAISE_COUNT, rows)


def insert_new(hits: list[Hit]) -> None:
    """The hits written in one statement, a post kept already (by another worker) left as it is: what
    bulk_create(ignore_conflicts=True) does, without building each row's SQL expressions (a third of the time)."""
    if not hits:
        return
    fields = [f for f in Hit._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {Hit._meta.db_table} ({columns}) VALUES ({placeholders}) ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        cursor.executemany(sql, [[f.get_db_prep_save(f.pre_save(hit, True), connection) for f in fields]
                                 for hit in hits])


TABLE = DayCount._meta.db_table
RAISE_COUNT = (f"INSERT INTO {TABLE} (workspace_id, day, query_id, network, sentiment, language, hits)"
               " VALUES (%s, %s, %s, %s, %s, %s, %s)"
               " ON CONFLICT (workspace_id, day, query_id, network, sentiment, language)"
               f" DO UPDATE SET hits = {TABLE}.hits + excluded.hits")
