from django.contrib import admin
from django.urls import include, path

from stoa.api.base import api
from stoa.inbox import app_push, push

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    # What the networks push (Telegram's webhook among them, at the address it had before): stoa.inbox.push.
    path("hooks/<slug:network>/<int:channel_id>/", push.receive, name="push"),
    # What the networks that push once per app send (Meta's webhooks): stoa.inbox.app_push.
    path("hooks/<slug:network>/", app_push.receive_app, name="app-push"),
    path("", include("stoa.links.urls")),  # first: /l/<code> is the most asked-for address
    path("", include("stoa.approvals.urls")),
    path("", include("stoa.workspaces.urls")),
    path("", include("stoa.channels.urls")),
    path("", include("stoa.planning.urls")),
    path("", include("stoa.inbox.urls")),
    path("", include("stoa.contests.urls")),
    path("", include("stoa.campaigns.urls")),
    path("", include("stoa.listening.urls")),
    path("", include("stoa.audience.urls")),
    path("", include("stoa.analytics.urls")),
    path("", include("stoa.reports.urls")),
    path("", include("stoa.web.urls")),
]

handler403 = "stoa.web.error_pages.forbidden"
handler404 = "stoa.web.error_pages.not_found"
handler500 = "stoa.web.error_pages.server_error"
