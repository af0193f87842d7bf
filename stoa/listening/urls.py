from django.urls import path

from stoa.listening import views

urlpatterns = [
    path("listening/", views.listening_page, name="listening"),
    path("listening/queries/", views.query_new, name="listening-query-new"),
    path("listening/queries/<int:query_id>/stop/", views.query_stop, name="listening-query-stop"),
    path("listening/trends/", views.trends_page, name="listening-trends"),
    path("listening/trends/theme/", views.trend_to_plan, name="listening-trend-theme"),
    path("listening/hits/<int:hit_id>/inbox/", views.hit_to_inbox, name="listening-to-inbox"),
]
