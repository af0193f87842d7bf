"""The team page, invitations, notifications, preferences and workspace settings."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from stoa.workspaces.models import Invitation, Membership, Notification, Role, Workspace
from stoa.workspaces.team import invite


def as_user(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def olga(owner) -> Client:
    return as_user(owner)


def token_from(email) -> str:
    return email.body.split("/invitations/")[1].split("/")[0]


def test_team_page_lists_members_with_roles(olga, owner, member, workspace):
    member("analyst")
    page = olga.get(f"/team/?workspace={workspace.slug}").content.decode()
    assert "user-analyst" in page and "olga" in page and 'name="role"' in page


def test_invitation_email_is_sent_and_a_new_user_joins(olga, workspace, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = olga.post("/team/invite/", {"workspace": workspace.slug, "email": "Noa@Example.com",
                                               "role": "content_editor"})
    assert response.status_code == 302
    [email] = mail.outbox
    assert email.to == ["noa@example.com"] and "/invitations/" in email.body
    token = token_from(email)
    assert token not in Invitation.objects.get().token_hash
    assert client.get(f"/invitations/{token}/").status_code == 200
    weak = client.post(f"/invitations/{token}/", {"username": "noa", "password": "123"})
    assert weak.status_code == 422 and not get_user_model().objects.filter(username="noa").exists()
    response = client.post(f"/invitations/{token}/", {"username": "noa", "password": "Kafe-yafo-2024!"})
    assert response.status_code == 302
    noa = get_user_model().objects.get(username="noa")
    assert noa.email == "noa@example.com"
    assert Membership.objects.get(user=noa, workspace=workspace).role == Role.CONTENT_EDITOR
    assert client.get("/").status_code == 200  # logged in
    assert Notification.objects.filter(kind="member_joined").exists()
    assert client.get(f"/invitations/{token}/").status_code == 410  # used


def test_existing_user_accepts_an_invitation(owner, workspace, stranger, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(owner, workspace, stranger.email, "analyst")
    token = token_from(mail.outbox[0])
    sam = as_user(stranger)
    assert "Join" in sam.get(f"/invitations/{token}/").content.decode()
    assert sam.post(f"/invitations/{token}/").status_code == 302
    assert Membership.objects.get(user=stranger, workspace=workspace).role == Role.ANALYST


def test_expired_revoked_and_forged_invitations_get_a_clear_page(owner, workspace, client,
                                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        expired, _ = invite(owner, workspace, "a@example.com", "analyst")
        revoked, _ = invite(owner, workspace, "b@example.com", "analyst")
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    assert as_user(owner).post(f"/team/invitations/{revoked.pk}/revoke/").status_code == 302
    expired_page = client.post(f"/invitations/{token_from(mail.outbox[0])}/", {"username": "a", "password": "x"})
    assert expired_page.status_code == 410 and "expired" in expired_page.content.decode()
    revoked_page = client.get(f"/invitations/{token_from(mail.outbox[1])}/")
    assert revoked_page.status_code == 410 and "withdrawn" in revoked_page.content.decode()
    assert client.get("/invitations/not-a-real-token/").status_code == 404
    assert not get_user_model().objects.filter(username="a").exists()
    assert Membership.objects.filter(workspace=workspace).count() == 1


def test_bad_invitation_input_is_refused(olga, workspace, owner):
    response = olga.post("/team/invite/", {"workspace": workspace.slug, "email": "nope", "role": "analyst"})
    assert response.status_code == 422 and "not an email address" in response.content.decode()
    response = olga.post("/team/invite/", {"workspace": workspace.slug, "email": "x@example.com", "role": "king"})
    assert response.status_code == 422
    response = olga.post("/team/invite/", {"workspace": workspace.slug, "email": owner.email, "role": "analyst"})
    assert response.status_code == 422 and "already a member" in response.content.decode()
    assert not Invitation.objects.exists()


def test_last_owner_cannot_be_removed_or_demoted(olga, owner, workspace):
    mine = Membership.objects.get(user=owner, workspace=workspace)
    response = olga.post(f"/team/members/{mine.pk}/remove/")
    assert response.status_code == 422 and "last owner" in response.content.decode()
    response = olga.post(f"/team/members/{mine.pk}/role/", {"role": "analyst"})
    assert response.status_code == 422
    assert Membership.objects.get(pk=mine.pk).role == Role.OWNER


def test_owner_changes_a_role_and_removes_a_member(olga, member, workspace):
    editor = member("content_editor")
    m = Membership.objects.get(user=editor)
    assert olga.post(f"/team/members/{m.pk}/role/", {"role": "analyst"}).status_code == 302
    assert Membership.objects.get(pk=m.pk).role == Role.ANALYST
    assert olga.post(f"/team/members/{m.pk}/remove/").status_code == 302
    assert not Membership.objects.filter(pk=m.pk).exists()


def test_manager_cannot_make_owners(member, workspace):
    manager = member("manager")
    m = Membership.objects.get(user=manager)
    assert as_user(manager).post(f"/team/members/{m.pk}/role/", {"role": "owner"}).status_code == 422
    assert Membership.objects.get(pk=m.pk).role == Role.MANAGER


@pytest.mark.parametrize("role", ["content_editor", "analyst", "community_manager", "client"])
def test_only_owners_and_managers_manage_the_team(role, member, owner, workspace):
    user = member(role)
    c = as_user(user)
    m = Membership.objects.get(user=owner, workspace=workspace)
    assert c.post(f"/team/members/{m.pk}/remove/").status_code == 403
    assert c.post("/team/invite/", {"workspace": workspace.slug, "email": "x@example.com",
                                    "role": "owner"}).status_code == 403
    assert c.get(f"/workspaces/{workspace.slug}/settings/").status_code == 403
    assert Membership.objects.filter(pk=m.pk).exists() and not Invitation.objects.exists()


def test_stranger_gets_404_on_team_and_settings(stranger, owner, workspace):
    c = as_user(stranger)
    m = Membership.objects.get(user=owner, workspace=workspace)
    invitation, _ = invite(owner, workspace, "x@example.com", "analyst")
    assert c.get(f"/team/?workspace={workspace.slug}").status_code == 404
    assert c.post(f"/team/members/{m.pk}/remove/").status_code == 404
    assert c.post(f"/team/members/{m.pk}/role/", {"role": "client"}).status_code == 404
    assert c.post(f"/team/invitations/{invitation.pk}/revoke/").status_code == 404
    assert c.post("/team/invite/", {"workspace": workspace.slug, "email": "y@example.com",
                                    "role": "owner"}).status_code == 404
    assert c.get(f"/workspaces/{workspace.slug}/settings/").status_code == 404
    assert Invitation.objects.get().revoked_at is None and Membership.objects.filter(pk=m.pk).exists()


def test_notifications_are_shown_newest_first_and_marked_read(olga, owner, workspace, stranger, other_workspace):
    first = Notification.objects.create(workspace=workspace, user=owner, kind="x", message="first", link="/review/")
    Notification.objects.create(workspace=workspace, user=owner, kind="x", message="second")
    Notification.objects.create(workspace=other_workspace, user=stranger, kind="x", message="not yours")
    page = olga.get("/notifications/").content.decode()
    assert page.index("second") < page.index("first") and "not yours" not in page
    assert page.count('class="unread') == 2
    response = olga.post("/notifications/", {"id": first.pk, "next": "/review/"})
    assert response.status_code == 302 and response["Location"] == "/review/"
    assert Notification.objects.get(pk=first.pk).read_at is not None
    assert olga.post("/notifications/", {"id": first.pk, "next": "https://evil.example/"})["Location"] == \
        "/notifications/"
    olga.post("/notifications/", {"all": "1"})
    assert not Notification.objects.filter(user=owner, read_at=None).exists()
    assert Notification.objects.filter(user=stranger, read_at=None).exists()


def test_notifications_of_the_approval_flow_reach_the_page(owner, member, workspace, channel):
    from stoa.approvals.actions import send_for_review
    from tests.approvals.test_flow import draft

    workspace.approval_flow = "internal"
    workspace.save()
    editor = member("content_editor")
    send_for_review(editor, draft(editor, workspace, channel))
    assert "A post needs your review" in as_user(owner).get("/notifications/").content.decode()


def test_language_preference_switches_the_page_to_rtl(olga):
    assert 'dir="ltr"' in olga.get("/me/").content.decode()
    assert olga.post("/me/", {"language": "he"}).status_code == 302
    page = olga.get("/me/").content.decode()
    assert 'lang="he"' in page and 'dir="rtl"' in page
    assert olga.post("/me/", {"language": "xx"}).status_code == 422


def test_notification_is_written_in_each_recipients_language(owner, member, workspace, channel):
    from stoa.approvals.actions import request_changes, send_for_review
    from stoa.workspaces.team import set_language
    from tests.approvals.test_flow import draft

    workspace.approval_flow = "internal"
    workspace.save()
    editor = member("content_editor")
    set_language(editor, "ru")
    post = draft(editor, workspace, channel)
    send_for_review(editor, post)
    request_changes(owner, post, "Fix the price")
    message = Notification.objects.get(user=editor, kind="changes_requested").message
    assert "Fix the price" in message


def test_workspace_settings_are_validated_and_saved(olga, workspace):
    url = f"/workspaces/{workspace.slug}/settings/"
    assert olga.get(url).status_code == 200
    good = {"name": "Kafe Yafo Jaffa", "timezone": "Europe/Athens", "language": "el", "approval_flow": "client",
            "max_selling_percent": "20", "max_selling_in_a_row": "2"}
    bad = {**good, "timezone": "Mars/Olympus", "max_selling_percent": "150", "max_selling_in_a_row": "0"}
    response = olga.post(url, bad)
    assert response.status_code == 422
    html = response.content.decode()
    assert "Mars/Olympus" in html and "between 0 and 100" in html
    assert Workspace.objects.get(pk=workspace.pk).timezone == "Asia/Jerusalem"
    assert olga.post(url, good).status_code == 302
    workspace.refresh_from_db()
    assert (workspace.name, workspace.timezone, workspace.approval_flow, workspace.max_selling_percent,
            workspace.max_selling_in_a_row) == ("Kafe Yafo Jaffa", "Europe/Athens", "client", 20, 2)


def test_any_user_creates_a_workspace(stranger):
    c = as_user(stranger)
    assert c.post("/workspaces/new/", {"name": "", "timezone": "Nowhere", "language": "en"}).status_code == 422
    response = c.post("/workspaces/new/", {"name": "Falafel Hakosem", "timezone": "Asia/Tel_Aviv", "language": "he"})
    assert response.status_code == 302
    ws = Workspace.objects.get(name="Falafel Hakosem")
    membership = Membership.objects.get(workspace=ws)
    assert membership.user == stranger and membership.role == "owner"


@pytest.mark.mastodon_peer
def test_engine_notifications_are_shown_with_links(olga, owner, workspace, mastodon_peer):
    from tests.core.helpers import drain, make_due, schedule

    channel = mastodon_peer.channel(workspace)
    [refused] = schedule(owner, workspace, [channel])
    make_due(refused)
    mastodon_peer.fault({"type": "status", "status": 422, "body": {"error": "Validation failed: Text is too long"}})
    drain()
    [waiting] = schedule(owner, workspace, [channel], text="second")
    make_due(waiting)
    mastodon_peer.fault({"type": "status", "status": 401, "body": {"error": "The access token is invalid"}})
    drain()
    page = olga.get("/notifications/").content.decode()
    assert f"A post to {channel.name} failed: " in page and "Text is too long" in page
    assert f'value="/posts/{refused.variant.post_id}/"' in page
    assert f"{channel.name} needs reconnecting" in page and f"/channels/?workspace={workspace.slug}" in page



def test_a_language_stoa_does_not_speak_is_refused_on_the_preferences_page_in_the_actions_words(olga, owner):
    """The page and team.set_language read it through LanguageForm (stoa/workspaces/forms.py)."""
    import html

    from stoa.errors import ActionError
    from stoa.workspaces import team

    response = olga.post("/me/", {"language": "klingon"})
    with pytest.raises(ActionError) as refused:
        team.set_language(owner, "klingon")
    assert refused.value.words() == "Choose a language from the list."
    assert response.status_code == 422 and refused.value.words() in html.unescape(response.content.decode())
    assert "language: " not in html.unescape(response.content.decode())
