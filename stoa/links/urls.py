from django.urls import path

from stoa.links import redirects, views

urlpatterns = [
    path("l/<str:code>", redirects.follow, name="short-link"),
    path("links/", views.links_page, name="links"),
]
