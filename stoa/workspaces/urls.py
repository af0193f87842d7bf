from django.urls import path

from stoa.workspaces import views

urlpatterns = [
    path("team/", views.team_page, name="team"),
    path("team/invite/", views.invite, name="invite"),
    path("team/members/<int:membership_id>/role/", views.change_role, name="member-role"),
    path("team/members/<int:membership_id>/remove/", views.remove_member, name="member-remove"),
    path("team/invitations/<int:invitation_id>/revoke/", views.revoke_invitation, name="invitation-revoke"),
    path("invitations/<str:token>/", views.accept_invitation, name="accept-invitation"),
    path("notifications/", views.notifications, name="notifications"),
    path("me/", views.preferences, name="preferences"),
    path("workspaces/new/", views.new_workspace, name="workspace-new"),
    path("workspaces/<slug:slug>/settings/", views.workspace_settings, name="workspace-settings"),
]
