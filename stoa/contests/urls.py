from django.urls import path

from stoa.contests import views

urlpatterns = [
    path("contests/", views.contests_page, name="contests"),
    path("contests/<int:contest_id>/", views.contest_page, name="contest"),
    path("contests/<int:contest_id>/<slug:step>/", views.contest_step, name="contest-step"),
    # Public, no login: where anyone checks a draw.
    path("c/<str:key>/", views.public_page, name="contest-public"),
    path("c/<str:key>/draw.json", views.public_file, name="contest-file"),
]
