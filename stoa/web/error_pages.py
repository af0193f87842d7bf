"""The pages for 403, 404 and 500 (and a refused form token): in the person's language, inside the layout with
its menu, and for someone without a workspace yet, the way to their first one instead of a bare refusal."""

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from stoa.workspaces.access import workspaces_for

log = logging.getLogger("stoa")
TEMPLATE = "web/error.html"


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.user.is_authenticated and not workspaces_for(request.user).exists():
        return render(request, TEMPLATE, {"title": _("First, a workspace"), "first_run": True,
                                          "text": _("This page works inside a workspace, and you are not in one "
                                                    "yet. Create your first one below, or ask the owner of a "
                                                    "workspace to invite you.")}, status=403)
    return render(request, TEMPLATE, {"title": _("You may not do this"), "reason": str(exception or ""),
                                      "text": _("An owner or manager of the workspace can change your role.")},
                  status=403)


def form_expired(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: Django's reason is for developers; people need to know what to do."""
    return render(request, TEMPLATE, {"title": _("The form has expired"),
                                      "text": _("The page was open too long, or you logged in again meanwhile. "
                                                "Go back, reload the page and send the form again.")}, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, TEMPLATE, {"title": _("Page not found"),
                                      "text": _("There is nothing here, or it is in a workspace you are not in. "
                                                "Check the address, or start from the menu.")}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """With the menu when the page can still be drawn; a plain page when even that fails (the database is
    down), since nothing may fail here."""
    context = {"title": _("Something went wrong"),
               "text": _("Stoa could not answer this request. It has been logged; try again in a moment.")}
    try:
        return render(request, TEMPLATE, context, status=500)
    except Exception:
        log.exception("The error page could not be drawn with the layout")
        return HttpResponse(render_to_string("web/error_plain.html", context), status=500)
