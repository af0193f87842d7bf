"""REST API under /api/v1/: parse, check access, call the same actions as the page and the CLI."""

from datetime import date

from django.http import HttpRequest, StreamingHttpResponse
from ninja import File, Form, NinjaAPI, Router, Status, UploadedFile
from ninja.security import HttpBearer

from stoa import clock
from stoa.api import errors as api_errors
from stoa.api.parsing import CheckedParser
from stoa.api.schemas import (
    ChannelIn,
    ChannelOut,
    ChannelRulesIn,
    ErrorOut,
    ImportReportOut,
    InboxAssignIn,
    InboxHandoffIn,
    InboxHandoffOut,
    InboxItemOut,
    InboxNoteIn,
    InboxReplyIn,
    InboxReplyOut,
    InboxStatusIn,
    MediaOut,
    NetworkOut,
    PostCheckOut,
    PostIn,
    PostOut,
    PublicationOut,
    RescheduleIn,
    ResolveIn,
    VariantEditIn,
    WorkspaceIn,
    WorkspaceOut,
)
from stoa.api.throttling import PerUserRate
from stoa.channels.access import access_channel
from stoa.channels.actions import connect_channel, set_channel_rules
from stoa.channels.models import Channel
from stoa.errors import ActionError
from stoa.inbox.access import access_inbox_item
from stoa.planning.actions import next_free_slots
from stoa.posts import actions
from stoa.posts.access import access_post, access_publication
from stoa.posts.csv_io import export_filename, export_posts, import_posts
from stoa.posts.models import State
from stoa.posts.queries import publication_dict, publications_in
from stoa.providers.registry import PROVIDERS, get_provider_class
from stoa.workspaces.access import Permission, access_workspace, workspaces_for
from stoa.workspaces.actions import create_workspace
from stoa.workspaces.models import ApiToken, hash_token


class TokenAuth(HttpBearer):
    """`Authorization: Bearer stoa_...`: a personal token made with `stoa apitoken NAME`."""

    def authenticate(self, request: HttpRequest, token: str):
        api_token = ApiToken.objects.select_related("user").filter(token_hash=hash_token(token)).first()
        if api_token is None or not api_token.user.is_active:
            return None
        now = clock.now()
        if not api_token.last_used_at or (now - api_token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.user = api_token.user
        return api_token.user


api = NinjaAPI(title="Stoa API", version="1", urls_namespace="api", auth=TokenAuth(), parser=CheckedParser(),
               throttle=PerUserRate())
api_errors.install(api)
# Every operation documents the error shape; 405, 429 and 500 answer in it too (stoa/api/errors.py).
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


workspaces = Router(tags=["workspaces"])
channels = Router(tags=["channels"])
posts = Router(tags=["posts"])
publications = Router(tags=["publications"])


@api.get("/networks", response={200: list[NetworkOut], **ERRORS}, tags=["networks"])
def list_networks(request):
    """The networks Stoa can publish to, with their limits."""
    out = []
    for key in PROVIDERS:
        cls = get_provider_class(key)
        limits = cls.limits
        out.append({"key": key, "name": cls.name, "max_text": limits.max_text, "counts": limits.counts,
                    "max_media": limits.max_media, "max_caption": limits.max_caption,
                    "media_types": sorted(limits.media_types), "max_media_bytes": limits.max_media_bytes,
                    "supports_threads": cls.supports_threads,
                    "connect_fields": [f.name for f in cls.connect_fields]})
    return out


@workspaces.get("", response={200: list[WorkspaceOut], **ERRORS})
def list_workspaces(request):
    return workspaces_for(request.auth)


@workspaces.post("", response={201: WorkspaceOut, **ERRORS})
def create(request, payload: WorkspaceIn):
    workspace = create_workspace(request.auth, payload.name, payload.timezone, payload.language, payload.slug)
    return Status(201, workspace)


@workspaces.get("/{workspace_id}", response={200: WorkspaceOut, **ERRORS})
def get_workspace(request, workspace_id: int):
    return access_workspace(request.auth, workspace_id)


@workspaces.get("/{workspace_id}/channels", response={200: list[ChannelOut], **ERRORS})
def list_channels(request, workspace_id: int):
    return Channel.objects.filter(workspace=access_workspace(request.auth, workspace_id))


@workspaces.post("/{workspace_id}/channels", response={201: ChannelOut, **ERRORS})
def add_channel(request, workspace_id: int, payload: ChannelIn):
    """Connect a channel. The credentials are checked with the network, then stored encrypted."""
    workspace = access_workspace(request.auth, workspace_id, Permission.MANAGE_CHANNELS)
    channel = connect_channel(request.auth, workspace, payload.network, payload.config, payload.credentials,
                              name=payload.name, min_gap_minutes=payload.min_gap_minutes,
                              daily_max=payload.daily_max)
    return Status(201, channel)


@workspaces.post("/{workspace_id}/media", response={201: MediaOut, **ERRORS})
def upload_media(request, workspace_id: int, file: File[UploadedFile], alt_text: Form[str] = ""):
    workspace = access_workspace(request.auth, workspace_id, Permission.EDIT_POSTS)
    actions.check_upload_size(file.name or "upload", file.size)  # before reading it into memory
    return Status(201, actions.add_media(request.auth, workspace, file.name or "upload", file.read(), alt_text))


@workspaces.post("/{workspace_id}/posts", response={201: PostOut, **ERRORS})
def create_post(request, workspace_id: int, payload: PostIn):
    """A post with one variant per channel, scheduled at `scheduled_at`, queued, or kept as a draft."""
    needed = Permission.PUBLISH if payload.scheduled_at or payload.queue else Permission.EDIT_POSTS
    workspace = access_workspace(request.auth, workspace_id, needed)
    post = actions.create_post(
        request.auth, workspace, text=payload.text, media_ids=payload.media_ids,
        variants=_variant_inputs(workspace, payload), scheduled_at=None if payload.queue else payload.scheduled_at,
        title=payload.title, content_type=payload.content_type, tags=payload.tags)
    return Status(201, _post_out(post))


@workspaces.post("/{workspace_id}/posts/check", response={200: PostCheckOut, **ERRORS})
def check_post(request, workspace_id: int, payload: PostIn):
    """What create_post would refuse, per channel, without saving anything: the composer's live checks."""
    workspace = access_workspace(request.auth, workspace_id, Permission.EDIT_POSTS)
    _resolved, checks, errors = actions.check_post(
        workspace, text=payload.text, media_ids=payload.media_ids, variants=_variant_inputs(workspace, payload),
        scheduled_at=None if payload.queue else payload.scheduled_at)
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


@workspaces.get("/{workspace_id}/publications", response={200: list[PublicationOut], **ERRORS})
def list_workspace_publications(request, workspace_id: int, state: str | None = None):
    workspace = access_workspace(request.auth, workspace_id, Permission.VIEW_PUBLICATIONS)
    return [publication_dict(p) for p in publications_in([workspace.pk], _states(state))]


@workspaces.post("/{workspace_id}/posts/import", response={200: ImportReportOut, **ERRORS})
def import_csv(request, workspace_id: int, file: File[UploadedFile], dry_run: Form[bool] = False):
    """Posts from a CSV file (columns text, channels, scheduled_local...): good rows are imported, bad ones
    reported by line. `dry_run` checks everything and imports nothing. Rows with a time need PUBLISH."""
    workspace = access_workspace(request.auth, workspace_id, Permission.EDIT_POSTS)
    actions.check_upload_size(file.name or "upload", file.size)  # before reading it into memory
    return import_posts(request.auth, workspace, file.read(), dry_run=dry_run).as_dict()


@workspaces.get("/{workspace_id}/posts/export.csv", response={200: None, **ERRORS})
def export_csv(request, workspace_id: int, start: date | None = None, end: date | None = None,
               state: str | None = None):
    """One row per publication, UTF-8 with a BOM; `start`/`end` are local days (inclusive)."""
    workspace = access_workspace(request.auth, workspace_id, Permission.VIEW_PUBLICATIONS)
    response = StreamingHttpResponse(export_posts(workspace, start=start, end=end, states=_states(state),
                                                  actor=request.auth),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(workspace)}"'
    return response


@channels.get("/{channel_id}", response={200: ChannelOut, **ERRORS})
def get_channel(request, channel_id: int):
    return access_channel(request.auth, channel_id)


@channels.patch("/{channel_id}", response={200: ChannelOut, **ERRORS})
def set_rules(request, channel_id: int, payload: ChannelRulesIn):
    channel = access_channel(request.auth, channel_id, Permission.MANAGE_CHANNELS)
    return set_channel_rules(request.auth, channel, payload.min_gap_minutes, payload.daily_max)


@posts.get("/{post_id}", response={200: PostOut, **ERRORS})
def get_post(request, post_id: int):
    return _post_out(access_post(request.auth, post_id))


@publications.get("", response={200: list[PublicationOut], **ERRORS})
def list_publications(request, state: str | None = None):
    ids = workspaces_for(request.auth, Permission.VIEW_PUBLICATIONS).values_list("pk", flat=True)
    return [publication_dict(p) for p in publications_in(list(ids), _states(state))]


@publications.get("/{publication_id}", response={200: PublicationOut, **ERRORS})
def get_publication(request, publication_id: int):
    return publication_dict(access_publication(request.auth, publication_id))


@publications.patch("/{publication_id}", response={200: PublicationOut, **ERRORS})
def edit(request, publication_id: int, payload: VariantEditIn):
    """Change the text, media or options of a publication that has not gone out yet."""
    return _act(request, publication_id, lambda user, p: actions.edit_variant(
        user, p, text=payload.text, media_ids=payload.media_ids, options=payload.options))


@publications.post("/{publication_id}/cancel", response={200: PublicationOut, **ERRORS})
def cancel(request, publication_id: int):
    return _act(request, publication_id, actions.cancel_publication)


@publications.post("/{publication_id}/publish-now", response={200: PublicationOut, **ERRORS})
def publish_now(request, publication_id: int):
    return _act(request, publication_id, actions.publish_now)


@publications.post("/{publication_id}/reschedule", response={200: PublicationOut, **ERRORS})
def reschedule(request, publication_id: int, payload: RescheduleIn):
    return _act(request, publication_id, actions.schedule_publication, payload.scheduled_at)


@publications.post("/{publication_id}/resolve", response={200: PublicationOut, **ERRORS})
def resolve(request, publication_id: int, payload: ResolveIn):
    """After an unknown outcome: say whether it went out (and where), or publish it again."""
    return _act(request, publication_id, lambda user, p: actions.resolve_unknown(
        user, p, published=payload.published, url=payload.url))


def _act(request, publication_id: int, action, *args):
    publication = access_publication(request.auth, publication_id, Permission.PUBLISH)
    return publication_dict(action(request.auth, publication, *args))


def _states(state: str | None) -> list[str] | None:
    if not state:
        return None
    states = state.split(",")
    if unknown := [s for s in states if s not in State.values]:
        raise ActionError({"state": [f"Unknown state {', '.join(unknown)}; choose from {', '.join(State.values)}."]})
    return states


def _post_out(post) -> dict:
    pubs = publications_in([post.workspace_id]).filter(variant__post=post)
    return {"id": post.pk, "workspace_id": post.workspace_id, "title": post.title,
            "content_type": post.content_type, "tags": post.tags,
            "publications": [publication_dict(p) for p in pubs]}


# -- The inbox -------------------------------------------------------------------------------------

inbox = Router(tags=["inbox"])


def _item_out(item) -> dict:
    a = item.author
    return {"id": item.pk, "workspace_id": item.workspace_id, "channel_id": item.channel_id,
            "network": item.channel.network, "kind": item.kind, "text": item.text, "url": item.remote_url,
            "written_at": item.written_at,
            "author": {"name": a.name, "handle": a.handle, "profile_url": a.profile_url,
                       "follows_brand": a.follows_brand},
            "language": item.language, "sentiment": item.sentiment, "intent": item.intent, "status": item.status,
            "assigned_to": item.assigned_to.get_username() if item.assigned_to else None,
            "team": item.team.name if item.team else None, "first_response_due": item.first_response_due,
            "first_response_at": item.first_response_at, "deleted_on_network": item.deleted_on_network,
            "edited_at": item.edited_at, "earlier_texts": item.earlier_texts, "hidden_reason": item.hidden_reason}


@inbox.get("", response={200: list[InboxItemOut], **ERRORS})
def list_inbox(request, workspace_id: int | None = None, view: str = "unanswered", channel: int | None = None,
               language: str | None = None, kind: str | None = None):
    """The messages of a view (unanswered, mine, overdue, negative, leads, non_followers, done, all), most urgent
    first, at most 100."""
    from stoa.inbox.queries import VIEWS, filtered

    if view not in VIEWS:
        raise ActionError({"view": [f"Choose one of {', '.join(VIEWS)}."]})
    ids = [access_workspace(request.auth, workspace_id, Permission.VIEW_INBOX).pk] if workspace_id else list(
        workspaces_for(request.auth, Permission.VIEW_INBOX).values_list("pk", flat=True))
    params = {"view": view, "channel": channel, "language": language, "kind": kind}
    return [_item_out(i) for i in filtered(request.auth, params, ids)[0][:100]]


@inbox.get("/{item_id}", response={200: InboxItemOut, **ERRORS})
def get_inbox_item(request, item_id: int):
    return _item_out(access_inbox_item(request.auth, item_id))


@inbox.post("/{item_id}/replies", response={201: InboxReplyOut, **ERRORS})
def reply_to(request, item_id: int, payload: InboxReplyIn):
    """Checked against the network's limits and the link policy, saved, then sent. A reply the network did not
    take is answered too, with state "failed" and the reason."""
    from stoa.inbox.answers import send_reply

    reply = send_reply(request.auth, access_inbox_item(request.auth, item_id, Permission.ANSWER_INBOX),
                       payload.text, confirmed=payload.confirmed)
    return Status(201, {"id": reply.pk, "text": reply.text, "state": reply.state, "error": reply.error,
                        "remote_url": reply.remote_url})


@inbox.post("/{item_id}/notes", response={201: dict, **ERRORS})
def note_on(request, item_id: int, payload: InboxNoteIn):
    from stoa.inbox.answers import add_note

    note = add_note(request.auth, access_inbox_item(request.auth, item_id, Permission.ANSWER_INBOX), payload.body)
    return Status(201, {"id": note.pk, "body": note.body})


@inbox.post("/{item_id}/status", response={200: InboxItemOut, **ERRORS})
def set_inbox_status(request, item_id: int, payload: InboxStatusIn):
    from stoa.inbox.actions import set_status

    item = access_inbox_item(request.auth, item_id, Permission.ANSWER_INBOX)
    return _item_out(set_status(request.auth, item, payload.status))


@inbox.post("/{item_id}/take", response={200: InboxItemOut, **ERRORS})
def take_item(request, item_id: int):
    from stoa.inbox.actions import take

    return _item_out(take(request.auth, access_inbox_item(request.auth, item_id, Permission.ANSWER_INBOX)))


@inbox.post("/{item_id}/assign", response={200: InboxItemOut, **ERRORS})
def assign_item(request, item_id: int, payload: InboxAssignIn):
    from stoa.inbox.actions import assign

    item = access_inbox_item(request.auth, item_id, Permission.ANSWER_INBOX)
    return _item_out(assign(request.auth, item, user_id=payload.user_id, team_id=payload.team_id))


@inbox.post("/{item_id}/handoff", response={201: InboxHandoffOut, **ERRORS})
def hand_item_off(request, item_id: int, payload: InboxHandoffIn):
    from stoa.inbox.handoff import hand_off

    handoff = hand_off(request.auth, access_inbox_item(request.auth, item_id, Permission.ANSWER_INBOX), payload.note)
    return Status(201, {"id": handoff.pk, "state": handoff.state, "target": handoff.target,
                        "reference": handoff.reference, "error": handoff.error})


@inbox.delete("/{item_id}", response={**ERRORS})
def delete_item(request, item_id: int):
    """Always refused: Stoa never deletes what people write to the brand."""
    from stoa.inbox.answers import refuse_delete

    refuse_delete(access_inbox_item(request.auth, item_id, Permission.ANSWER_INBOX))


api.add_router("/workspaces", workspaces)
api.add_router("/channels", channels)
api.add_router("/posts", posts)
api.add_router("/publications", publications)
api.add_router("/inbox", inbox)
