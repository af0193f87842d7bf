from django.urls import path

from stoa.channels import oauth_views, views

urlpatterns = [
    path("channels/", views.channels_page, name="channels"),
    path("channels/connect/", views.connect, name="channel-connect"),
    path("channels/<int:channel_id>/rules/", views.set_rules, name="channel-rules"),
    path("channels/<int:channel_id>/reconnect/", views.reconnect, name="channel-reconnect"),
    path("channels/<int:channel_id>/status/", views.set_status, name="channel-status"),
    path("channels/authorize/", oauth_views.authorize, name="channel-authorize"),
    path("channels/<int:channel_id>/authorize/", oauth_views.reauthorize, name="channel-reauthorize"),
    path("channels/authorized/<str:network>/", oauth_views.callback, name="channel-oauth-callback"),
    path("channels/authorized/choose/<str:key>/", oauth_views.choose, name="channel-oauth-choose"),
    path("channels/apps/", oauth_views.apps_page, name="channel-oauth-apps"),
]
