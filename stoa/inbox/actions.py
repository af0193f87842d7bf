"""Messages into the inbox: deduplicated, threaded, classified, routed and put on their response clock."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.db import transaction
from django.utils.translation import gettext as _

from stoa import clock
from stoa.broken_text import broken_fields, repaired
from stoa.channels.models import Channel
from stoa.channels.signals import counts_pushed
from stoa.errors import ActionError, cleaned
from stoa.inbox.alerts import check_acute
from stoa.inbox.classifier import Classifies
from stoa.inbox.forms import A_MEMBER, StatusForm
from stoa.inbox.models import Author, Item, Kind, Status, Team
from stoa.inbox.routing import Policy
from stoa.posts.models import Publication
from stoa.providers.base import InboxPage, Incoming
from stoa.workspaces.actions import audit
from stoa.workspaces.models import Membership

BATCH = 500  # rows per query and per insert


@dataclass
class IngestReport:
    new: int = 0
    duplicates: int = 0
    deleted: int = 0  # already here, now removed by their author: marked, never dropped
    edited: int = 0  # already here, now changed by their author: the new text, the old one kept


MESSAGE_TEXTS = ("remote_id", "text", "url", "parent_remote_id", "root_remote_id")
AUTHOR_TEXTS = ("remote_id", "handle", "name", "avatar_url", "profile_url")


def kept_as_text(message: Incoming) -> Incoming:
    """The message with any character no database takes (a lone surrogate from a JSON escape, a NUL)
    shown as U+FFFD: what the network sent is kept, never refused nor left to fail the whole read."""
    texts = [getattr(message, f) for f in MESSAGE_TEXTS] + [getattr(message.author, f) for f in AUTHOR_TEXTS]
    if not any(broken_fields(texts)):
        return message  # nearly always: no copy on the way in
    author = replace(message.author, **{f: repaired(getattr(message.author, f)) for f in AUTHOR_TEXTS})
    return replace(message, author=author, **{f: repaired(getattr(message, f)) for f in MESSAGE_TEXTS})


def ingest(channel: Channel, incoming: Iterable[Incoming], classifier: Classifies | None = None,
           policy: Policy | None = None) -> IngestReport:
    """Keep every message not seen before, once, however often or in whatever order the network sends it."""
    if classifier is None:
        from stoa.inbox.endpoint_classifier import configured  # reads the settings, which tests change

        classifier = configured()
    policy = policy or Policy.of(channel.workspace)
    by_id: dict[str, Incoming] = {}
    later_edits: list[Incoming] = []  # changed after they were written, within this same read
    for message in map(kept_as_text, incoming):
        earlier = by_id.get(message.remote_id)
        if earlier and message.deleted and not message.text:
            message = replace(earlier, deleted=True)  # written and deleted between two reads: kept, marked
        elif earlier and message.edited and message.text and message.text != earlier.text:
            later_edits.append(message)  # the first version is kept, then edited like any other
            continue
        by_id[message.remote_id] = message  # a page that repeats itself counts once
    report = IngestReport()
    messages = list(by_id.values())
    new_items: list[Item] = []
    for start in range(0, len(messages), BATCH):
        new_items += _ingest_batch(channel, messages[start:start + BATCH], classifier, policy, report)
    if later_edits:
        report.edited += _apply_edits(channel, later_edits, classifier)
    check_acute(channel.workspace_id, new_items)
    return report


def ingest_page(channel: Channel, page: InboxPage) -> IngestReport:
    """A page read or pushed: its messages kept, then the counts of the channel's posts it carried handed to whoever
    keeps them (stoa.channels.signals.counts_pushed: the analytics, which sit above the inbox)."""
    report = ingest(channel, page.items) if page.items else IngestReport()
    if page.counts:
        counts_pushed.send(Channel, channel=channel, counts=page.counts)
    return report


def _ingest_batch(channel: Channel, batch: list[Incoming], classifier: Classifies, policy: Policy,
                  report: IngestReport) -> list[Item]:
    existing = dict(Item.objects.filter(channel=channel, remote_id__in=[m.remote_id for m in batch])
                    .values_list("remote_id", "deleted_on_network"))
    edits = [m for m in batch if m.edited and m.remote_id in existing and m.text]
    if edits:
        report.edited += _apply_edits(channel, edits, classifier)
    # A deletion of a message never read leaves nothing to keep.
    fresh = [m for m in batch if m.remote_id not in existing and not (m.deleted and not m.text)]
    gone = [m.remote_id for m in batch if m.deleted and existing.get(m.remote_id) is False]
    report.duplicates += len(batch) - len(fresh)
    with transaction.atomic():
        if gone:
            report.deleted += Item.objects.filter(channel=channel, remote_id__in=gone).update(deleted_on_network=True)
        if not fresh:
            return []
        authors = _authors(channel, fresh)
        posts = _brand_posts(channel, fresh)
        items = []
        for m in fresh:
            verdict = classifier.classify(m.text)
            item = Item(workspace_id=channel.workspace_id, channel=channel, kind=m.kind, remote_id=m.remote_id,
                        remote_url=m.url, parent_remote_id=m.parent_remote_id, root_remote_id=m.root_remote_id,
                        publication_id=posts.get(m.root_remote_id) or posts.get(m.parent_remote_id),
                        author=authors[m.author.remote_id], text=m.text, written_at=m.written_at,
                        deleted_on_network=m.deleted, language=verdict.language, sentiment=verdict.sentiment,
                        intent=verdict.intent, confidence=verdict.confidence)
            policy.route(item)
            policy.set_due(item)
            items.append(item)
        # A webhook and a poll may bring the same message at once: the unique constraint keeps one.
        Item.objects.bulk_create(items, ignore_conflicts=True)
    report.new += len(items)
    return items


def _apply_edits(channel: Channel, edits: list[Incoming], classifier: Classifies) -> int:
    """The new text of messages already here, read again by the classifier; what they said before is kept."""
    changed = 0
    items = {i.remote_id: i for i in Item.objects.filter(channel=channel, remote_id__in=[m.remote_id for m in edits])}
    for m in edits:
        item = items[m.remote_id]
        if item.text == m.text:
            continue  # the same version again (a repeated update)
        verdict = classifier.classify(m.text)
        item.earlier_texts = [*item.earlier_texts, item.text]
        item.text, item.edited_at = m.text, clock.now()
        item.language, item.sentiment, item.intent, item.confidence = (verdict.language, verdict.sentiment,
                                                                       verdict.intent, verdict.confidence)
        item.save(update_fields=["text", "earlier_texts", "edited_at", "language", "sentiment", "intent",
                                 "confidence"])
        changed += 1
    return changed


def _authors(channel: Channel, messages: list[Incoming]) -> dict[str, Author]:
    people = {m.author.remote_id: m.author for m in messages}
    Author.objects.bulk_create(
        [Author(workspace_id=channel.workspace_id, network=channel.network, remote_id=p.remote_id, handle=p.handle,
                name=p.name, avatar_url=p.avatar_url, profile_url=p.profile_url, follows_brand=p.follows_brand)
         for p in people.values()], ignore_conflicts=True)
    return {a.remote_id: a for a in Author.objects.filter(workspace_id=channel.workspace_id, network=channel.network,
                                                          remote_id__in=list(people))}


def _brand_posts(channel: Channel, messages: list[Incoming]) -> dict[str, int]:
    """The brand's publications that these messages answer, by the network's id of the post."""
    ids = {m.root_remote_id for m in messages if m.kind == Kind.COMMENT} | {
        m.parent_remote_id for m in messages if m.kind == Kind.COMMENT}
    ids.discard("")
    if not ids:
        return {}
    return dict(Publication.objects.filter(channel=channel, remote_id__in=ids).values_list("remote_id", "pk"))


# -- Working the inbox ----------------------------------------------------------------------

def take(actor, item: Item) -> Item:
    """The person handles it from now on."""
    Item.objects.filter(pk=item.pk).update(assigned_to=actor)
    audit(item.workspace_id, actor, "inbox.taken", item)
    item.refresh_from_db()
    return item


def assign(actor, item: Item, *, user_id=None, team_id=None) -> Item:
    """Give the message to a member of its workspace or to one of its teams (or to nobody: the whole team)."""
    if user_id and not Membership.objects.filter(workspace_id=item.workspace_id, user_id=user_id).exists():
        raise ActionError({"assign_to": [str(A_MEMBER)]})
    if team_id and not Team.objects.filter(workspace_id=item.workspace_id, pk=team_id).exists():
        raise ActionError({"team": [_("Choose a team of this workspace.")]})
    Item.objects.filter(pk=item.pk).update(assigned_to_id=user_id or None, team_id=team_id or None,
                                           routed_by=actor.get_username() if actor else "")
    audit(item.workspace_id, actor, "inbox.assigned", item, user=user_id, team=team_id)
    item.refresh_from_db()
    return item


def set_status(actor, item: Item, status: str) -> Item:
    """Done, or open again; a message is never deleted through Stoa."""
    status = cleaned(StatusForm({"status": status}))["status"]
    Item.objects.filter(pk=item.pk).update(status=status,
                                           resolved_at=clock.now() if status == Status.DONE else None)
    audit(item.workspace_id, actor, f"inbox.{status}", item)
    item.refresh_from_db()
    return item
