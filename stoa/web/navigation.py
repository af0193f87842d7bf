"""The main menu, shared by every page: one list, so adding a page means adding one line here."""

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from stoa.workspaces.models import Notification

# (URL name, label). Pages whose URL is not installed are left out.
MENU = [
    ("calendar", _("Calendar")),
    ("compose", _("Compose")),
    ("inbox", _("Inbox")),
    ("listening", _("Listening")),
    ("analytics", _("Analytics")),
    ("leaders", _("Opinion leaders")),
    ("competitors", _("Competitors")),
    ("campaigns", _("Paid campaigns")),
    ("reports", _("Reports")),
    ("contests", _("Contests")),
    ("home", _("Publications")),
    ("plan", _("Content plan")),
    ("review", _("Review")),
    ("media-library", _("Media")),
    ("posts-import", _("Import/Export")),
    ("channels", _("Channels")),
    ("links", _("Links")),
    ("team", _("Team")),
]


def navigation(request: HttpRequest) -> dict:
    if not request.user.is_authenticated:
        return {}
    menu = []
    for name, label in MENU:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        menu.append({"url": url, "label": label, "current": request.path == url or
                     (url != "/" and request.path.startswith(url))})
    unread = Notification.objects.filter(user=request.user, read_at=None).count()
    return {"menu": menu, "unread_notifications": unread}
