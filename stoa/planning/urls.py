from django.urls import path

from stoa.planning import views

urlpatterns = [
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/move/<int:publication_id>/", views.move, name="calendar-move"),
    path("plan/", views.plan, name="plan"),
    path("plan/<slug:slug>/themes/", views.theme_save, name="plan-theme-add"),
    path("plan/<slug:slug>/themes/<int:theme_id>/", views.theme_save, name="plan-theme"),
    path("plan/<slug:slug>/events/", views.event_save, name="plan-event-add"),
    path("plan/<slug:slug>/events/<int:event_id>/", views.event_save, name="plan-event"),
    path("plan/<slug:slug>/import/", views.import_ics, name="plan-import"),
    path("plan/<slug:slug>/export.ics", views.export_ics, name="plan-export"),
    path("plan/<slug:slug>/slots/", views.slots, name="plan-slots"),
    path("plan/<slug:slug>/slots/<int:slot_id>/delete/", views.slot_delete, name="plan-slot-delete"),
]
