"""The composer's API, the same as the composer's page: a post checked and created for several channels, at a
time or queued into the channels' free time slots (planning): /api/v1/workspaces/{workspace_id}/posts."""

from ninja import Router, Status

from stoa.api.schemas import ERRORS, PostCheckOut, PostIn, PostOut
from stoa.channels.models import Channel
from stoa.planning.actions import next_free_slots
from stoa.posts import actions
from stoa.posts.api import _post_out
from stoa.workspaces.access import Permission, access_workspace

workspace_composer = Router(tags=["workspaces"])  # under /workspaces/{workspace_id}/


@workspace_composer.post("/{workspace_id}/posts", response={201: PostOut, **ERRORS})
def create_post(request, workspace_id: int, payload: PostIn):
    """A post with one variant per channel, scheduled at `scheduled_at`, queued, or kept as a draft."""
    needed = Permission.PUBLISH if payload.scheduled_at or payload.queue else Permission.EDIT_POSTS
    workspace = access_workspace(request.auth, workspace_id, needed)
    post = actions.create_post(
        request.auth, workspace, text=payload.text, media_ids=payload.media_ids,
        variants=_variant_inputs(workspace, payload), scheduled_at=None if payload.queue else payload.scheduled_at,
        title=payload.title, content_type=payload.content_type, tags=payload.tags, campaign=payload.campaign)
    return Status(201, _post_out(post))


@workspace_composer.post("/{workspace_id}/posts/check", response={200: PostCheckOut, **ERRORS})
def check_post(request, workspace_id: int, payload: PostIn):
    """What create_post would refuse, per channel, without saving anything: the composer's live checks."""
    workspace = access_workspace(request.auth, workspace_id, Permission.EDIT_POSTS)
    _resolved, checks, errors = actions.check_post(
        workspace, text=payload.text, media_ids=payload.media_ids, variants=_variant_inputs(workspace, payload),
        scheduled_at=None if payload.queue else payload.scheduled_at, campaign=payload.campaign)
    general = [{"field": k, "message": m} for k, ms in errors.items() if not k.startswith("variants[") for m in ms]
    return {"ok": not errors, "errors": general, "channels": [
        {"channel_id": c.channel.pk, "name": c.channel.name, "network": c.channel.network, "length": c.length,
         "limit": c.limit, "remaining": c.remaining, "scheduled_at": c.scheduled_at,
         "problems": [{"field": p.field, "message": p.message} for p in c.problems]} for c in checks]}


def _variant_inputs(workspace, payload: PostIn) -> list[actions.VariantInput]:
    inputs = [actions.VariantInput(v.channel_id, v.text, v.media_ids, v.options) for v in payload.variants]
    if payload.queue:
        channels = list(Channel.objects.filter(workspace=workspace, pk__in=[v.channel_id for v in inputs]))
        times = next_free_slots(channels)
        for variant in inputs:
            variant.scheduled_at = times.get(variant.channel_id)
    return inputs
