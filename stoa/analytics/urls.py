from django.urls import path

from stoa.analytics import views

urlpatterns = [
    path("analytics/", views.analytics_page, name="analytics"),
    path("analytics/<slug:slug>/targets/", views.targets_save, name="analytics-targets"),
    path("analytics/best-times/", views.best_times_page, name="analytics-best-times"),
    path("analytics/channels/<int:channel_id>/suggested-slots/", views.suggested_slots,
         name="analytics-suggested-slots"),
    path("analytics/channels/<int:channel_id>/suggested-slots/accept/", views.accept_slot,
         name="analytics-accept-slot"),
]
