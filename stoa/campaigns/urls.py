from django.urls import path

from stoa.campaigns import views

urlpatterns = [
    path("campaigns/", views.plan_page, name="campaigns"),
    path("campaigns/check/", views.check_audience, name="campaigns-check"),
    path("campaigns/export/<slug:platform>/<str:month>/", views.export_file, name="campaigns-export"),
    path("campaigns/<int:campaign_id>/", views.campaign_page, name="campaign"),
    path("campaigns/<int:campaign_id>/audience/", views.change_audience, name="campaign-audience"),
    path("campaigns/<int:campaign_id>/import/", views.import_report, name="campaign-import"),
]
