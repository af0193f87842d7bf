"""The media library of a workspace: upload, describe (alt text), reuse and remove images, GIFs and videos."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from stoa.errors import ActionError
from stoa.pages import access_errors
from stoa.posts import actions
from stoa.posts.models import Media
from stoa.workspaces.access import Permission, access_workspace, chosen_workspace, workspaces_for

KINDS = {"image": ("image/jpeg", "image/png", "image/webp"), "gif": ("image/gif",), "video": ("video/mp4",)}
PAGE_SIZE = 200


def access_media(user, media_id: int, permission: Permission = Permission.VIEW_PUBLICATIONS) -> Media:
    media = get_object_or_404(Media.objects.select_related("workspace"), pk=media_id,
                              workspace__in=workspaces_for(user, permission))
    return media


def upload_errors(files, workspace, actor) -> tuple[list[Media], list[str]]:
    """Each file kept or refused on its own: one bad file does not lose the others."""
    added, errors = [], []
    for upload in files:
        try:
            actions.check_upload_size(upload.name, upload.size)  # before the file is read into memory
            added.append(actions.add_media(actor, workspace, upload.name or "upload", upload.read()))
        except ActionError as e:
            errors.append(e.summary().removeprefix("file: "))
    return added, errors


@login_required
@access_errors
def library(request: HttpRequest) -> HttpResponse:
    workspace, mine = chosen_workspace(request, Permission.EDIT_POSTS)
    added: list[Media] = []
    errors: list[str] = []
    if request.method == "POST":
        added, errors = upload_errors(request.FILES.getlist("files"), workspace, request.user)
        if not errors:
            return redirect(f"{request.path}?workspace={workspace.slug}")
    kind = request.GET.get("kind", "")
    items = Media.objects.filter(workspace=workspace).annotate(uses=Count("variant__post", distinct=True))
    if kind in KINDS:
        items = items.filter(content_type__in=KINDS[kind])
    context = {"workspace": workspace, "workspaces": mine, "items": items.order_by("-created_at")[:PAGE_SIZE],
               "kind": kind, "errors": errors, "added": added,
               "max_bytes": settings.STOA_MAX_UPLOAD_BYTES}
    return render(request, "web/media.html", context, status=422 if errors else 200)


@login_required
@require_POST
@access_errors
def upload(request: HttpRequest) -> HttpResponse:
    """From the composer: the new files as ticked choices, and each refused one with its reason."""
    workspace = access_workspace(request.user, request.GET.get("workspace", ""), Permission.EDIT_POSTS)
    added, errors = upload_errors(request.FILES.getlist("files"), workspace, request.user)
    return render(request, "web/_media_uploaded.html", {"added": added, "errors": errors},
                  status=422 if errors and not added else 200)


@login_required
@require_POST
@access_errors
def describe(request: HttpRequest, media_id: int) -> HttpResponse:
    media = access_media(request.user, media_id, Permission.EDIT_POSTS)
    media = actions.set_alt_text(request.user, media, request.POST.get("alt_text", ""))
    return render(request, "web/_media_alt.html", {"m": media, "saved": True})


@login_required
@require_POST
@access_errors
def delete(request: HttpRequest, media_id: int) -> HttpResponse:
    media = access_media(request.user, media_id, Permission.EDIT_POSTS)
    try:
        actions.delete_media(request.user, media)
    except ActionError as e:
        messages.error(request, e.summary().removeprefix("media: "))
    return redirect(f"{reverse('media-library')}?workspace={media.workspace.slug}")


@login_required
@access_errors
def media_file(request: HttpRequest, media_id: int, size: str) -> FileResponse:
    """The file (or its thumbnail) to members who may see the workspace's posts."""
    media = access_media(request.user, media_id)
    file = media.thumbnail if size == "thumbnail" and media.thumbnail else media.file
    response = FileResponse(file.open("rb"), content_type=media.content_type if file == media.file else None)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
