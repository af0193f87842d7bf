"""The first run: a new owner led from no workspace to the first channel and post; error pages in the person's
language inside the layout; a confirmation after each thing done."""

import pytest
from django.test import Client
from django.urls import reverse

from stoa.approvals import actions as approval
from stoa.workspaces.actions import create_workspace
from stoa.workspaces.models import ApprovalFlow, UserSettings, Workspace
from stoa.workspaces.team import invite
from tests.approvals.test_flow import draft
from tests.conftest import mastodon_channel
from tests.core.helpers import schedule


def as_user(user, language: str = "") -> Client:
    if language:
        UserSettings.objects.update_or_create(user=user, defaults={"language": language})
    c = Client()
    c.force_login(user)
    return c


def next_step(html: str) -> str:
    """The link of the step marked next in the first-steps guide."""
    start = html.index('<li class="next">')
    return html[html.index('href="', start) + 6:html.index('"', html.index('href="', start) + 6)]


def has_menu(html: str) -> bool:
    return 'class="menu"' in html and f'href="{reverse("compose")}"' in html


@pytest.mark.parametrize("path", ["/compose/", "/library/"])
def test_a_person_without_a_workspace_is_led_to_create_one_not_refused_bare(stranger, path):
    response = as_user(stranger).get(path)
    html = response.content.decode()
    assert response.status_code == 403 and has_menu(html)
    assert "First, a workspace" in html and "Your first post in three steps" in html
    assert next_step(html) == reverse("workspace-new")


def test_the_first_run_guidance_is_in_the_persons_language(stranger):
    html = as_user(stranger, "ru").get("/compose/").content.decode()
    assert 'lang="ru"' in html and "Сначала — рабочее пространство" in html and "Первый пост за три шага" in html
    assert "Forbidden" not in html


def test_home_leads_a_new_owner_through_workspace_channel_and_post(stranger, fake_network):
    sam = as_user(stranger)
    html = sam.get("/").content.decode()
    assert next_step(html) == reverse("workspace-new")
    assert f'<a href="{reverse("workspace-new")}">Create one</a>' in html

    created = sam.post("/workspaces/new/", {"name": "Falafel Hakosem", "timezone": "Asia/Jerusalem",
                                            "language": "he"}, follow=True)
    html = created.content.decode()
    assert created.redirect_chain[-1][0] == f"{reverse('channels')}?workspace=falafel-hakosem"
    assert "Falafel Hakosem is created. Next, connect its first channel." in html
    assert next_step(html) == f"{reverse('channels')}?workspace=falafel-hakosem"

    workspace = Workspace.objects.get(slug="falafel-hakosem")
    channel = mastodon_channel(workspace, fake_network)
    assert next_step(sam.get("/").content.decode()) == f"{reverse('compose')}?workspace=falafel-hakosem"

    schedule(stranger, workspace, [channel])
    assert "Your first post in three steps" not in sam.get("/").content.decode()
    assert "Your first post in three steps" not in sam.get("/channels/").content.decode()


def test_members_who_do_not_set_up_workspaces_get_no_guide(owner, workspace, member):
    editor = member("content_editor")
    assert "Your first post in three steps" not in as_user(editor).get("/").content.decode()


def test_a_role_that_may_not_gets_a_translated_403_with_the_menu(member, workspace, channel):
    analyst = member("analyst")
    response = as_user(analyst, "el").get("/compose/")
    html = response.content.decode()
    assert response.status_code == 403 and has_menu(html) and 'lang="el"' in html
    assert "Δεν έχετε δικαίωμα γι' αυτό" in html.replace("&#x27;", "'")
    assert "Your first post in three steps" not in html


def test_a_missing_page_is_translated_and_keeps_the_menu(owner, workspace):
    response = as_user(owner, "he").get("/no/such/page/")
    html = response.content.decode()
    assert response.status_code == 404 and has_menu(html)
    assert 'dir="rtl"' in html and "הדף לא נמצא" in html
    post_404 = as_user(owner, "ar").get("/posts/999999/")
    assert post_404.status_code == 404 and "الصفحة غير موجودة" in post_404.content.decode()


def test_a_server_error_is_translated_and_keeps_the_menu(owner, workspace, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database fell over")

    monkeypatch.setattr("stoa.web.views.publications_in", broken)
    c = as_user(owner, "fa")
    c.raise_request_exception = False
    response = c.get("/")
    html = response.content.decode()
    assert response.status_code == 500 and has_menu(html) and "مشکلی پیش آمد" in html


def test_a_server_error_page_still_answers_when_the_layout_cannot_be_drawn(owner, workspace, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database fell over")

    monkeypatch.setattr("stoa.web.views.publications_in", broken)
    monkeypatch.setattr("stoa.web.navigation.Notification", None)  # the menu's query fails too
    c = as_user(owner, "ru")
    c.raise_request_exception = False
    response = c.get("/")
    assert response.status_code == 500 and "Что-то пошло не так" in response.content.decode()


def test_an_expired_form_says_what_to_do_in_the_persons_language(owner, workspace):
    UserSettings.objects.update_or_create(user=owner, defaults={"language": "ru"})
    c = Client(enforce_csrf_checks=True)
    c.force_login(owner)
    response = c.post("/workspaces/new/", {"name": "X"})
    html = response.content.decode()
    assert response.status_code == 403 and "Форма устарела" in html and has_menu(html)


def test_creating_a_workspace_approving_joining_and_adding_a_theme_are_confirmed(
        owner, workspace, channel, stranger, django_capture_on_commit_callbacks):
    olga = as_user(owner)
    html = olga.post("/workspaces/new/", {"name": "Athens Bakery", "timezone": "Europe/Athens", "language": "el"},
                     follow=True).content.decode()
    assert '<ul class="messages" role="status">' in html and "Athens Bakery is created." in html

    workspace.approval_flow = ApprovalFlow.INTERNAL
    workspace.save()
    post = draft(owner, workspace, channel)
    approval.send_for_review(owner, post)
    html = olga.post(f"/posts/{post.pk}/", {"action": "approve"}, follow=True).content.decode()
    assert "Approved." in html

    html = olga.post(reverse("plan-theme-add", args=[workspace.slug]), {"weekday": 0, "name": "Motivation Monday"},
                     follow=True).content.decode()
    assert "The theme was added." in html
    assert "The theme was added." not in olga.get("/").content.decode()  # said once

    with django_capture_on_commit_callbacks(execute=True):
        _invitation, token = invite(owner, workspace, stranger.email, "analyst")
    html = as_user(stranger, "he").post(f"/invitations/{token}/", follow=True).content.decode()
    assert f"ברוכים הבאים ל-{workspace.name}." in html


def test_approving_through_the_client_link_is_confirmed(client, owner, workspace, channel):
    workspace.approval_flow = ApprovalFlow.CLIENT
    workspace.save()
    post = draft(owner, workspace, channel)
    approval.send_for_review(owner, post)
    approval.approve(owner, post)
    _link, token = approval.create_approval_link(owner, workspace, [post], "Dana")
    html = client.post(f"/approve/{token}/", {"post": post.pk, "decision": "approve"}, follow=True,
                       HTTP_ACCEPT_LANGUAGE="he").content.decode()
    assert "אושר." in html


def test_a_second_workspace_is_not_a_first_run(owner, workspace, channel):
    schedule(owner, workspace, [channel])
    create_workspace(owner, "Second Brand")
    assert "Your first post in three steps" not in as_user(owner).get("/").content.decode()
