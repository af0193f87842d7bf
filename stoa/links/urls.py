from django.urls import path

from stoa.links import redirects, views, webhook

urlpatterns = [
    path("l/<str:code>", redirects.follow, name="short-link"),
    path("links/", views.links_page, name="links"),
    path("conversions/<int:workspace_id>/hook", webhook.conversion_hook, name="conversion-hook"),
]
