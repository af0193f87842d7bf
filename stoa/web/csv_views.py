"""The CSV import page (upload, preview, import, report) and the CSV export download."""

from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from stoa.channels.models import Channel
from stoa.errors import ActionError, cleaned
from stoa.pages import HtmxHttpRequest
from stoa.posts.actions import check_upload_size
from stoa.posts.csv_io import IMPORT_COLUMNS, MAX_ROWS, ImportReport, export_filename, export_posts, import_posts
from stoa.posts.forms import CsvImportForm
from stoa.posts.models import ContentType, State
from stoa.workspaces.access import Forbidden, NotFound, Permission, access_workspace, workspaces_for
from stoa.workspaces.models import Workspace


def _workspace(request: HttpRequest, slug: str, permission: Permission):
    try:
        return access_workspace(request.user, slug, permission)
    except NotFound:
        raise Http404(_("No such workspace.")) from None
    except Forbidden:
        raise PermissionDenied(_("Your role in this workspace does not allow this.")) from None


@login_required
def import_page(request: HtmxHttpRequest) -> HttpResponse:
    """GET: the form and help. POST: preview (a dry run) or import the uploaded file."""
    mine = list(workspaces_for(request.user, Permission.EDIT_POSTS))
    slug = request.GET.get("workspace") or (mine[0].slug if len(mine) == 1 else "")
    context: dict[str, object] = {
        "workspaces": mine, "workspace": None, "report": None, "error": "", "max_rows": MAX_ROWS,
        "columns": [c for c in IMPORT_COLUMNS if c != "post_id"], "content_types": ContentType.values,
        "all_states": State.choices,
    }
    if not slug:
        return render(request, "web/posts_import.html", context)
    workspace = _workspace(request, slug, Permission.EDIT_POSTS)
    context.update(workspace=workspace, channels=Channel.objects.filter(workspace=workspace).order_by("name"))
    if request.method == "POST":
        context["report"], context["error"] = _run(request, workspace)
    # htmx 2 swaps only 2xx answers into the page, so an unreadable file is a 422 for full pages only.
    status = 422 if context["error"] and not request.htmx else 200
    return render(request, "web/posts_import.html", context, status=status)


def _run(request: HttpRequest, workspace: Workspace) -> tuple[ImportReport | None, str]:
    form = CsvImportForm(request.POST, request.FILES)
    try:
        upload = cleaned(form)["file"]
        assert upload.size is not None  # Django's upload handlers always measure it
        check_upload_size(upload.name or "upload", upload.size)  # before reading it into memory, as the API does
        return import_posts(request.user, workspace, upload.read(), dry_run=form.dry_run()), ""
    except ActionError as e:
        return None, e.words()


@login_required
def export_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """?workspace=slug&start=YYYY-MM-DD&end=YYYY-MM-DD&state=scheduled&state=draft (all optional but the first)."""
    workspace = _workspace(request, request.GET.get("workspace", ""), Permission.VIEW_PUBLICATIONS)
    try:
        start, end = (date.fromisoformat(v) if (v := request.GET.get(k)) else None for k in ("start", "end"))
    except ValueError:
        return HttpResponseBadRequest(_("Give the dates as YYYY-MM-DD."))
    states = [s for s in request.GET.getlist("state") if s in State.values] or None
    response = StreamingHttpResponse(export_posts(workspace, start=start, end=end, states=states,
                                                  actor=request.user), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(workspace)}"'
    return response
