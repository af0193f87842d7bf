from django.urls import path

from stoa.approvals import views

urlpatterns = [
    path("posts/<int:post_id>/", views.post_page, name="post"),
    path("review/", views.review, name="review"),
    path("review/send/", views.send_to_client, name="send-to-client"),
    path("review/links/<int:link_id>/revoke/", views.revoke_link, name="revoke-approval-link"),
    path("review/scheduled/<slug:slug>/", views.scheduled_without_approval, name="approval-waiting"),
    path("approve/<str:token>/", views.client_approval, name="client-approval"),
    path("approve/<str:token>/media/<int:media_id>/", views.client_media, name="client-approval-media"),
]
