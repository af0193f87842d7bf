"""The API's posts, media and the CSV files: /api/v1/posts and a workspace's media, publications and CSV."""

from datetime import date

from django.http import StreamingHttpResponse
from ninja import File, Form, Router, Status, UploadedFile

from stoa.api.schemas import ERRORS, ImportReportOut, MediaOut, PostDetailsIn, PostOut, PublicationOut
from stoa.errors import ActionError
from stoa.posts import actions
from stoa.posts.access import access_post
from stoa.posts.csv_io import export_filename, export_posts, import_posts
from stoa.posts.models import State
from stoa.posts.queries import publication_dict, publications_in
from stoa.workspaces.access import Permission, access_workspace

posts = Router(tags=["posts"])
workspace_posts = Router(tags=["workspaces"])  # under /workspaces/{workspace_id}/


@workspace_posts.post("/{workspace_id}/media", response={201: MediaOut, **ERRORS})
def upload_media(request, workspace_id: int, file: File[UploadedFile], alt_text: Form[str] = ""):
    workspace = access_workspace(request.auth, workspace_id, Permission.EDIT_POSTS)
    assert file.size is not None  # Django's upload handlers always measure it
    actions.check_upload_size(file.name or "upload", file.size)  # before reading it into memory
    return Status(201, actions.add_media(request.auth, workspace, file.name or "upload", file.read(), alt_text))


@workspace_posts.get("/{workspace_id}/publications", response={200: list[PublicationOut], **ERRORS})
def list_workspace_publications(request, workspace_id: int, state: str | None = None):
    workspace = access_workspace(request.auth, workspace_id, Permission.VIEW_PUBLICATIONS)
    return [publication_dict(p) for p in publications_in([workspace.pk], _states(state))]


@workspace_posts.post("/{workspace_id}/posts/import", response={200: ImportReportOut, **ERRORS})
def import_csv(request, workspace_id: int, file: File[UploadedFile], dry_run: Form[bool] = False):
    """Posts from a CSV file (columns text, channels, scheduled_local...): good rows are imported, bad ones
    reported by line. `dry_run` checks everything and imports nothing. Rows with a time need PUBLISH."""
    workspace = access_workspace(request.auth, workspace_id, Permission.EDIT_POSTS)
    assert file.size is not None  # Django's upload handlers always measure it
    actions.check_upload_size(file.name or "upload", file.size)  # before reading it into memory
    return import_posts(request.auth, workspace, file.read(), dry_run=dry_run).as_dict()


@workspace_posts.get("/{workspace_id}/posts/export.csv", response={200: None, **ERRORS})
def export_csv(request, workspace_id: int, start: date | None = None, end: date | None = None,
               state: str | None = None):
    """One row per publication, UTF-8 with a BOM; `start`/`end` are local days (inclusive)."""
    workspace = access_workspace(request.auth, workspace_id, Permission.VIEW_PUBLICATIONS)
    response = StreamingHttpResponse(export_posts(workspace, start=start, end=end, states=_states(state),
                                                  actor=request.auth),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(workspace)}"'
    return response


@posts.get("/{post_id}", response={200: PostOut, **ERRORS})
def get_post(request, post_id: int):
    return _post_out(access_post(request.auth, post_id))


@posts.patch("/{post_id}", response={200: PostOut, **ERRORS})
def update_post(request, post_id: int, payload: PostDetailsIn):
    """Change a post's title, content type, tags or campaign. Its approval stays as it is: these say what the post is,
    not what it says."""
    post = access_post(request.auth, post_id, Permission.EDIT_POSTS)
    actions.update_post_details(
        request.auth, post,
        title=post.title if payload.title is None else payload.title,
        content_type=post.content_type if payload.content_type is None else payload.content_type,
        tags=post.tags if payload.tags is None else payload.tags,
        campaign=post.campaign if payload.campaign is None else payload.campaign)
    return _post_out(post)


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
            "content_type": post.content_type, "tags": post.tags, "campaign": post.campaign,
            "publications": [publication_dict(p) for p in pubs]}
