from django.urls import path

from stoa.inbox import views

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:item_id>/<slug:action>/", views.act, name="inbox-action"),
]
