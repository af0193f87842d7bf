"""The inbox page: every message to the user's brands, filtered the way a community manager works."""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from stoa.channels.models import Channel
from stoa.inbox import actions
from stoa.inbox.classifier import LANGUAGES
from stoa.inbox.models import Intent, Item, Kind, Sentiment, Status
from stoa.web.pages import access_errors, allowed
from stoa.workspaces.access import Permission, access_inbox_item, workspaces_for

PAGE_SIZE = 100
VIEWS = ("unanswered", "mine", "overdue", "negative", "leads", "non_followers", "done", "all")


def filtered(request: HttpRequest, workspace_ids: list[int]):
    """The messages of the chosen view and filters, most urgent first."""
    items = Item.objects.filter(workspace_id__in=workspace_ids).select_related(
        "author", "channel", "workspace", "assigned_to", "team", "publication")
    view = request.GET.get("view", "unanswered")
    now = timezone.now()
    by_view = {
        "unanswered": Q(status=Status.OPEN, first_response_at=None),
        "mine": Q(status=Status.OPEN, assigned_to=request.user) | Q(status=Status.OPEN,
                                                                     team__members=request.user),
        "overdue": Q(status=Status.OPEN, first_response_at=None, first_response_due__lt=now),
        "negative": Q(status=Status.OPEN, sentiment=Sentiment.NEGATIVE),
        "leads": Q(status=Status.OPEN, intent=Intent.LEAD),
        "non_followers": Q(status=Status.OPEN, author__follows_brand=False),
        "done": Q(status=Status.DONE),
        "all": Q(),
    }
    items = items.filter(by_view.get(view, by_view["unanswered"]))
    if channel := request.GET.get("channel", ""):
        items = items.filter(channel_id=int(channel) if channel.isdigit() else 0)
    if language := request.GET.get("language", ""):
        items = items.filter(language=language)
    if kind := request.GET.get("kind", ""):
        items = items.filter(kind=kind)
    # Late first, then the nearest deadline, then the newest without one.
    return items.order_by("first_response_due", "-written_at").distinct(), view


@login_required
@access_errors
def inbox(request: HttpRequest) -> HttpResponse:
    mine = list(workspaces_for(request.user, Permission.VIEW_INBOX))
    slug = request.GET.get("workspace", "")
    chosen = [w for w in mine if w.slug == slug] or mine
    items, view = filtered(request, [w.pk for w in chosen])
    page = list(items[:PAGE_SIZE])
    for item in page:
        item.can_answer = allowed(request.user, item.workspace, Permission.ANSWER_INBOX)
    context = {"items": page, "view": view, "views": VIEWS, "workspaces": mine,
               "chosen": slug if len(chosen) == 1 and slug else "", "now": timezone.now(),
               "channels": Channel.objects.filter(workspace__in=chosen), "languages": LANGUAGES,
               "kinds": Kind.choices, "query": request.GET}
    template = "inbox/_items.html" if request.htmx and not request.htmx.boosted else "inbox/inbox.html"
    return render(request, template, context)


@login_required
@require_POST
@access_errors
def act(request: HttpRequest, item_id: int, action: str) -> HttpResponse:
    item = access_inbox_item(request.user, item_id, Permission.ANSWER_INBOX)
    if action == "take":
        item = actions.take(request.user, item)
    elif action in ("done", "open"):
        item = actions.set_status(request.user, item, action)
    else:
        return HttpResponse(status=400)
    item.can_answer = True
    return render(request, "inbox/_item.html", {"item": item, "now": timezone.now()})
