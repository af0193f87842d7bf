from django.urls import path

from stoa.inbox import views

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/policy/", views.policy_page, name="inbox-policy"),
    path("inbox/report/", views.report_page, name="inbox-report"),
    path("inbox/<int:item_id>/", views.item_page, name="inbox-item"),
    path("inbox/<int:item_id>/presence/", views.presence, name="inbox-presence"),
    path("inbox/<int:item_id>/<slug:action>/", views.act, name="inbox-action"),
]
