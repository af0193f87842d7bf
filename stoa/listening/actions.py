"""Writes of listening: the workspace's queries, and a hit sent to the inbox."""

from django.db import transaction
from django.utils.translation import gettext as _

from stoa import clock
from stoa.errors import ActionError, cleaned
from stoa.inbox.actions import ingest
from stoa.inbox.models import Item
from stoa.listening.forms import QueryForm
from stoa.listening.models import Hit, ListeningQuery
from stoa.planning.actions import save_theme
from stoa.planning.models import DailyTheme
from stoa.providers.base import Incoming, Person
from stoa.workspaces.actions import audit
from stoa.workspaces.models import Workspace


def save_query(actor, workspace: Workspace, data: dict, query: ListeningQuery | None = None) -> ListeningQuery:
    """A new listening query, or `query` changed; `data` as the form gives it (lines of text)."""
    given = cleaned(QueryForm(data))
    with transaction.atomic():
        query = query or ListeningQuery(workspace=workspace)
        for name in ("name", "terms", "hashtags", "exclusions", "languages", "competitor"):
            setattr(query, name, given[name])
        query.save()
        audit(workspace.pk, actor, "listening.query_saved", query, name=query.name)
    return query


def stop_query(actor, query: ListeningQuery) -> None:
    """Listen no more; its hits stay."""
    ListeningQuery.objects.filter(pk=query.pk).update(active=False)
    audit(query.workspace_id, actor, "listening.query_stopped", query, name=query.name)


def send_to_inbox(actor, hit: Hit) -> Item:
    """The hit as an inbox message found by search, which needs an answer: through the inbox's own ingest, so it
    is routed and put on its response clock like any other. Sending it again changes nothing."""
    if hit.channel is None:
        raise ActionError(_("The channel that found this post is gone: connect it again to answer from the inbox."))
    message = Incoming(remote_id=hit.remote_id, kind="search", text=hit.text, written_at=hit.written_at, url=hit.url,
                       author=Person(remote_id=hit.author_id or hit.author_handle, handle=hit.author_handle,
                                     name=hit.author_name))
    ingest(hit.channel, [message])
    item = Item.objects.get(channel=hit.channel, remote_id=hit.remote_id)
    if hit.sent_to_inbox_at is None:
        Hit.objects.filter(pk=hit.pk).update(sent_to_inbox_at=clock.now(), sent_by=actor)
        audit(hit.workspace_id, actor, "listening.sent_to_inbox", hit, item=item.pk)
    return item



def trend_as_theme(actor, workspace: Workspace, hashtag: str, weekday: int | str) -> DailyTheme:
    """A trend taken into the content plan as a daily theme, through the plan's own action."""
    tag = hashtag.strip().lstrip("#")
    return save_theme(actor, workspace, weekday=weekday, name=f"#{tag}", hashtags=[tag])
