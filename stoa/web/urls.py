from django.contrib.auth import views as auth_views
from django.urls import path

from stoa.web import compose, csv_views, media_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("publications/<int:publication_id>/<slug:action>", views.act, name="publication-action"),
    path("compose/", compose.compose, name="compose"),
    path("compose/check/", compose.compose_check, name="compose-check"),
    path("posts/<int:post_id>/edit/", compose.compose_edit, name="compose-edit"),
    path("library/", media_views.library, name="media-library"),
    path("library/upload/", media_views.upload, name="media-upload"),
    path("library/<int:media_id>/alt/", media_views.describe, name="media-alt"),
    path("library/<int:media_id>/delete/", media_views.delete, name="media-delete"),
    path("library/<int:media_id>/<str:size>", media_views.media_file, name="media-file"),
    path("posts/import/", csv_views.import_page, name="posts-import"),
    path("posts/export.csv", csv_views.export_csv, name="posts-export"),
]
