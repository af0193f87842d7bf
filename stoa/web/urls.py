from django.contrib.auth import views as auth_views
from django.urls import path

from stoa.web import csv_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("publications/<int:publication_id>/<slug:action>", views.act, name="publication-action"),
    path("posts/import/", csv_views.import_page, name="posts-import"),
    path("posts/export.csv", csv_views.export_csv, name="posts-export"),
]
