"""Pages: log in, pick a workspace, see upcoming publications and act on them."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from stoa.errors import ActionError, cleaned
from stoa.pages import HtmxHttpRequest
from stoa.posts import actions
from stoa.posts.access import access_publication
from stoa.posts.forms import ResolveForm
from stoa.posts.models import State
from stoa.posts.queries import publications_in
from stoa.workspaces.access import Forbidden, NotFound, Permission, workspaces_for

PAGE_SIZE = 200


def _selection(request: HttpRequest) -> dict:
    """The user's workspaces, the chosen one (or all) and the chosen states."""
    mine = list(workspaces_for(request.user, Permission.VIEW_PUBLICATIONS))
    chosen = request.GET.get("workspace", "")
    selected = [w for w in mine if w.slug == chosen] or mine
    states = [s for s in request.GET.getlist("state") if s in State.values]
    return {"workspaces": mine, "chosen": chosen if len(selected) == 1 and chosen else "",
            "states": states, "selected_ids": [w.pk for w in selected]}


@login_required
def home(request: HtmxHttpRequest) -> HttpResponse:
    context = _selection(request)
    context["publications"] = publications_in(context["selected_ids"], context["states"])[:PAGE_SIZE]
    context["all_states"] = State.choices
    context["publishable"] = set(workspaces_for(request.user, Permission.PUBLISH).values_list("pk", flat=True))
    template = "web/_publications.html" if request.htmx and not request.htmx.boosted else "web/home.html"
    return render(request, template, context)


@login_required
@require_POST
def act(request: HttpRequest, publication_id: int, action: str) -> HttpResponse:
    """One button on a publication's row; answers the row again, with the reason it was refused if it was
    (a 422, which htmx swaps in like a success: see the htmx-config in base.html)."""
    error = ""
    try:
        publication = access_publication(request.user, publication_id, Permission.PUBLISH)
        if action == "cancel":
            publication = actions.cancel_publication(request.user, publication)
        elif action == "publish-now":
            publication = actions.publish_now(request.user, publication)
        elif action == "resolve-published":
            publication = actions.resolve_unknown(request.user, publication, published=True,
                                                  url=cleaned(ResolveForm(request.POST))["url"])
        elif action == "resolve-not-published":
            publication = actions.resolve_unknown(request.user, publication, published=False)
        else:
            return HttpResponse("Unknown action.", status=400)
    except (NotFound, Forbidden) as e:
        return HttpResponse(str(e), status=404 if isinstance(e, NotFound) else 403)
    except ActionError as e:
        error = e.words()
        publication.refresh_from_db()
    return render(request, "web/_publication_row.html",
                  {"p": publication, "error": error, "acted": True, "publishable": {publication.workspace_id}},
                  status=422 if error else 200)
