from django.urls import path

from stoa.channels import views

urlpatterns = [
    path("channels/", views.channels_page, name="channels"),
    path("channels/connect/", views.connect, name="channel-connect"),
    path("channels/<int:channel_id>/rules/", views.set_rules, name="channel-rules"),
    path("channels/<int:channel_id>/reconnect/", views.reconnect, name="channel-reconnect"),
    path("channels/<int:channel_id>/status/", views.set_status, name="channel-status"),
]
