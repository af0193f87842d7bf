"""Reads of posts and publications, shared by the page, the API and the CLI."""

from django.db.models import F, QuerySet

from stoa.links.models import CampaignCost
from stoa.posts.models import Post, Publication
from stoa.posts.times import to_local
from stoa.workspaces.models import Workspace


def publications_in(workspace_ids, states: list[str] | None = None) -> QuerySet[Publication]:
    """Publications of these workspaces, soonest first, drafts (no time) last."""
    queryset = Publication.objects.filter(workspace_id__in=workspace_ids).select_related(
        "channel", "workspace", "variant__post")
    if states:
        queryset = queryset.filter(state__in=states)
    return queryset.order_by(F("scheduled_at").asc(nulls_last=True), "pk")


def publication_dict(p: Publication) -> dict:
    """A publication as the API and `stoa publications list --json` show it."""
    local = to_local(p.scheduled_at, p.workspace.timezone)
    return {
        "id": p.pk, "post_id": p.variant.post_id, "workspace_id": p.workspace_id, "workspace": p.workspace.slug,
        "channel_id": p.channel_id, "channel_name": p.channel.name, "network": p.channel.network,
        "state": p.state, "scheduled_at": p.scheduled_at,
        "scheduled_local": local.strftime("%Y-%m-%d %H:%M") if local else None, "timezone": p.workspace.timezone,
        "attempts": p.attempts, "text": p.variant.text, "options": p.variant.options, "last_error": p.last_error,
        "remote_id": p.remote_id, "remote_url": p.remote_url, "published_at": p.published_at,
    }


def campaigns_in_use(workspace: Workspace) -> list[str]:
    """The campaigns the workspace has used, to pick from when writing a post: its posts' and those it entered
    costs for (stoa/links), each once, in alphabetical order."""
    posts = Post.objects.filter(workspace=workspace).exclude(campaign="").values_list("campaign", flat=True)
    costs = CampaignCost.objects.filter(workspace=workspace).values_list("campaign", flat=True)
    return sorted(set(posts.distinct()) | set(costs.distinct()), key=str.casefold)
