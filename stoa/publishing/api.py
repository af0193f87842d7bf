"""The API's publications, each a post on one channel: list, edit, cancel, publish now, reschedule, resolve an
unknown outcome: /api/v1/publications."""

from ninja import Router

from stoa.api.schemas import ERRORS, PublicationOut, RescheduleIn, ResolveIn, VariantEditIn
from stoa.posts import actions
from stoa.posts.access import access_publication
from stoa.posts.api import _states
from stoa.posts.queries import publication_dict, publications_in
from stoa.workspaces.access import Permission, workspaces_for

publications = Router(tags=["publications"])


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
