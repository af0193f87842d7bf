from django.urls import path

from stoa.reports import views

urlpatterns = [
    path("reports/", views.reports_page, name="reports"),
    path("reports/<int:template_id>/", views.report_page, name="report"),
    path("reports/<int:template_id>/pdf/", views.report_pdf, name="report-pdf"),
    path("reports/<int:template_id>/csv/<slug:table>/", views.report_csv, name="report-csv"),
    path("reports/<int:template_id>/client-link/", views.client_link, name="report-client-link"),
    path("reports/<int:template_id>/client-link/revoke/", views.revoke_client_link, name="report-client-link-revoke"),
    # The client's link: no account, this one report read-only.
    path("report/<str:token>/", views.client_report, name="report-client"),
    path("report/<str:token>/pdf/", views.client_report_pdf, name="report-client-pdf"),
    path("report/<str:token>/csv/<slug:table>/", views.client_report_csv, name="report-client-csv"),
]
