"""The inbox's views of the messages, shared by the page and the API."""

from django.db.models import F, Q

from stoa import clock
from stoa.inbox.models import Intent, Item, Sentiment, Status

VIEWS = ("unanswered", "mine", "overdue", "negative", "leads", "non_followers", "done", "all")


def filtered(user, params, workspace_ids: list[int]):
    """The messages of the chosen view and filters, most urgent first (the page's and the API's)."""
    items = Item.objects.filter(workspace_id__in=workspace_ids).select_related(
        "author", "channel", "workspace", "assigned_to", "team", "publication")
    view = params.get("view") or "unanswered"
    now = clock.now()
    by_view = {
        "unanswered": Q(status=Status.OPEN, first_response_at=None),
        "mine": Q(status=Status.OPEN, assigned_to=user) | Q(status=Status.OPEN, team__members=user),
        "overdue": Q(status=Status.OPEN, first_response_at=None, first_response_due__lt=now),
        "negative": Q(status=Status.OPEN, sentiment=Sentiment.NEGATIVE),
        "leads": Q(status=Status.OPEN, intent=Intent.LEAD),
        "non_followers": Q(status=Status.OPEN, author__follows_brand=False),
        "done": Q(status=Status.DONE),
        "all": Q(),
    }
    items = items.filter(by_view.get(view, by_view["unanswered"]))
    if channel := str(params.get("channel") or ""):
        items = items.filter(channel_id=int(channel) if channel.isdigit() else 0)
    if language := params.get("language"):
        items = items.filter(language=language)
    if kind := params.get("kind"):
        items = items.filter(kind=kind)
    # Late first, then the nearest deadline, then the newest without one.
    return items.order_by(F("first_response_due").asc(nulls_last=True), "-written_at").distinct(), view
