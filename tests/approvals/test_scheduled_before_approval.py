"""Turning approval on with posts already scheduled: the owner sees them and sends them for review or lets
them publish as planned; lists and the calendar say they wait; the engine honours the choice; reminders go
out before their time, also through the real task queue."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from huey import SqliteHuey

from stoa.approvals import actions
from stoa.approvals.models import ApprovalReminder
from stoa.approvals.reminders import remind_before_due
from stoa.approvals.tasks import approval_reminders
from stoa.posts.actions import edit_variant
from stoa.posts.models import ApprovalState, Post, Publication, State
from stoa.workspaces.models import Notification
from tests.core.helpers import drain, make_due, reload, schedule


def as_user(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def require_approval(workspace, flow: str = "internal"):
    workspace.approval_flow = flow
    workspace.save()
    return workspace


def scheduled_post(owner, workspace, channel, *, hours: float = 30, text: str = "Winter menu") -> Post:
    [publication] = schedule(owner, workspace, [channel], text=text, in_seconds=int(hours * 3600), title=text)
    return publication.variant.post


def settings_form(workspace, flow: str) -> dict:
    return {"name": workspace.name, "timezone": workspace.timezone, "language": workspace.language,
            "approval_flow": flow, "max_selling_percent": "30", "max_selling_in_a_row": "1"}


def test_turning_approval_on_shows_the_owner_the_scheduled_posts_it_concerns(owner, workspace, channel):
    post = scheduled_post(owner, workspace, channel)
    olga = as_user(owner)
    response = olga.post(f"/workspaces/{workspace.slug}/settings/", settings_form(workspace, "internal"))
    assert response.status_code == 302 and response["Location"] == f"/review/scheduled/{workspace.slug}/"
    page = olga.get(response["Location"]).content.decode()
    assert f'name="posts" value="{post.pk}" checked' in page
    assert 'value="review"' in page and 'value="exempt"' in page and "Not sent for review" in page
    # Another change of the settings leads back to the settings, as before.
    again = olga.post(f"/workspaces/{workspace.slug}/settings/", settings_form(workspace, "client"))
    assert again["Location"] == f"/workspaces/{workspace.slug}/settings/"


def test_sending_them_all_for_review_tells_the_reviewers_once(owner, member, workspace, channel):
    first = scheduled_post(owner, workspace, channel, text="First")
    second = scheduled_post(owner, workspace, channel, hours=50, text="Second")
    require_approval(workspace)
    manager = member("manager")
    response = as_user(owner).post(f"/review/scheduled/{workspace.slug}/",
                                   {"action": "review", "posts": [first.pk, second.pk]})
    assert response.status_code == 200 and 'id="done"' in response.content.decode()
    assert {Post.objects.get(pk=p.pk).approval_state for p in (first, second)} == {ApprovalState.IN_REVIEW}
    [notice] = Notification.objects.filter(user=manager, kind="needs_review")
    assert "Kafe Yafo" in notice.message and notice.link == "/review/"
    assert not actions.waiting_for_approval([workspace.pk]).filter(approval_state__in=actions.NOT_SENT).exists()


@pytest.mark.mastodon_peer
def test_an_exempt_post_is_published_on_time_and_one_not_exempt_is_missed(owner, member, workspace, mastodon_peer):
    channel = mastodon_peer.channel(workspace)
    kept = scheduled_post(owner, workspace, channel, text="Kept as planned")
    waiting = scheduled_post(owner, workspace, channel, text="Waits for approval")
    require_approval(workspace)
    manager = member("manager")
    as_user(owner).post(f"/review/scheduled/{workspace.slug}/", {"action": "exempt", "posts": [kept.pk]})
    assert Post.objects.get(pk=kept.pk).approval_exempt
    assert Notification.objects.filter(user=manager, kind="approval_exempted").exists()
    publications = list(Publication.objects.filter(variant__post__in=[kept, waiting]).order_by("pk"))
    make_due(*publications)
    drain()
    published, missed = (reload(p) for p in publications)
    assert published.state == State.PUBLISHED and len(mastodon_peer.statuses_of_brand()) == 1
    assert missed.state == State.MISSED and "not approved by its time" in missed.last_error


def test_editing_or_sending_an_exempt_post_for_review_ends_the_exemption(owner, workspace, channel):
    edited = scheduled_post(owner, workspace, channel, text="To be edited")
    sent = scheduled_post(owner, workspace, channel, text="To be sent")
    require_approval(workspace)
    actions.exempt_from_approval(owner, workspace, [edited.pk, sent.pk])
    edit_variant(owner, Publication.objects.get(variant__post=edited), text="Edited after the exemption")
    actions.send_for_review(owner, Post.objects.get(pk=sent.pk))
    for post in (edited, sent):
        post.refresh_from_db()
        assert (post.approval_state, post.approval_exempt) == (ApprovalState.IN_REVIEW, False)


def test_only_those_who_manage_the_workspace_decide_for_its_scheduled_posts(owner, member, workspace, channel):
    post = scheduled_post(owner, workspace, channel)
    require_approval(workspace)
    editor = as_user(member("content_editor"))
    assert editor.get(f"/review/scheduled/{workspace.slug}/").status_code == 403
    assert editor.post(f"/review/scheduled/{workspace.slug}/", {"action": "exempt", "posts": [post.pk]}).status_code \
        == 403
    assert not Post.objects.get(pk=post.pk).approval_exempt


def test_lists_calendar_and_post_page_say_it_waits_for_approval_and_warn_before_its_time(owner, workspace,
                                                                                         channel):
    post = scheduled_post(owner, workspace, channel, hours=3)
    require_approval(workspace)
    olga = as_user(owner)
    row = olga.get("/").content.decode()
    assert "Waiting for approval" in row and "Due in 2\xa0hours" in row and "Not sent for review" in row
    assert not re.search(r'class="badge[^"]*">Scheduled<', row)
    due = timezone.localtime(Publication.objects.get(variant__post=post).scheduled_at, workspace.tzinfo)
    calendar = olga.get(f"/calendar/?date={due:%Y-%m-%d}").content.decode()
    assert "Waiting for approval" in calendar and "⏰" in calendar and "approval-draft" in calendar
    page = olga.get(f"/posts/{post.pk}/").content.decode()
    assert 'id="post-status">Waiting for approval<' in page and "it is not published unless it is approved" in page
    review = olga.get("/review/").content.decode()
    assert f"/review/scheduled/{workspace.slug}/" in review


def test_an_exempt_post_reads_scheduled_without_approval(owner, workspace, channel):
    post = scheduled_post(owner, workspace, channel)
    require_approval(workspace)
    actions.exempt_from_approval(owner, workspace, [post.pk])
    page = as_user(owner).get(f"/posts/{post.pk}/").content.decode()
    assert 'id="post-status">Scheduled<' in page and "Publishes without approval" in page
    assert "Waiting for approval" not in as_user(owner).get("/").content.decode()


# -- Reminders ----------------------------------------------------------------------------------------------

def test_reviewers_are_reminded_once_per_stage_before_the_posts_time(owner, member, workspace, channel):
    post = scheduled_post(owner, workspace, channel, hours=20)
    later = scheduled_post(owner, workspace, channel, hours=50, text="Next week's post")
    require_approval(workspace)
    manager = member("manager")
    actions.send_scheduled_for_review(owner, workspace, [post.pk, later.pk])
    assert remind_before_due() == 1 and remind_before_due() == 0  # the 50-hour one is not near yet
    [reminder] = Notification.objects.filter(user=manager, kind="approval_due")
    assert "still waits for review" in reminder.message and reminder.link == f"/posts/{post.pk}/"
    # Two hours before its time, the last reminder.
    assert remind_before_due(timezone.now() + timedelta(hours=19)) == 1
    assert Notification.objects.filter(user=manager, kind="approval_due").count() == 2
    assert sorted(ApprovalReminder.objects.filter(post=post).values_list("hours_before", flat=True)) == [2, 24]


def test_the_client_is_reminded_in_the_app_and_by_email(owner, member, workspace, channel):
    require_approval(workspace, "client")
    client_user = member("client")
    post = scheduled_post(owner, workspace, channel, hours=5)
    actions.send_for_review(owner, post)
    actions.approve(owner, post)
    actions.create_approval_link(owner, workspace, [post], "Dana", "dana@example.com")
    mail.outbox.clear()
    assert remind_before_due() == 1
    assert "waits for your approval" in Notification.objects.get(user=client_user, kind="approval_due").message
    assert "client has not decided" in Notification.objects.get(user=owner, kind="approval_due").message
    [email] = mail.outbox
    assert email.to == ["dana@example.com"] and "Winter menu" in email.body


def test_authors_are_reminded_of_a_post_never_sent_and_nobody_of_approved_or_exempt_ones(owner, member, workspace,
                                                                                          channel):
    never_sent = scheduled_post(owner, workspace, channel, hours=5, text="Never sent")
    exempt = scheduled_post(owner, workspace, channel, hours=5, text="Exempt")
    approved = scheduled_post(owner, workspace, channel, hours=5, text="Approved")
    require_approval(workspace)
    editor = member("content_editor")
    actions.exempt_from_approval(owner, workspace, [exempt.pk])
    actions.send_for_review(owner, approved)
    actions.approve(owner, approved)
    assert remind_before_due() == 1
    [reminder] = Notification.objects.filter(user=editor, kind="approval_due")
    assert "was never sent for review" in reminder.message and reminder.link == f"/posts/{never_sent.pk}/"


def test_reminders_run_as_a_task_through_the_real_queue(owner, workspace, channel, tmp_path):
    from huey.contrib.djhuey import HUEY

    post = scheduled_post(owner, workspace, channel, hours=5)
    require_approval(workspace)
    actions.send_for_review(owner, post)
    assert approval_reminders.task_class in HUEY._registry._registry.values()
    # As a worker does it: the task is put on a queue, a consumer step takes it and runs it.
    huey = SqliteHuey(name="stoa-test", filename=str(tmp_path / "tasks.sqlite3"))
    result = huey.task()(approval_reminders.func)()
    huey.execute(huey.dequeue())
    assert result.get(blocking=True, timeout=10) == 1
    assert Notification.objects.filter(user=owner, kind="approval_due").exists()


@pytest.mark.parametrize("state", [State.CANCELLED, State.PUBLISHED])
def test_what_is_no_longer_scheduled_is_not_listed(owner, workspace, channel, state):
    post = scheduled_post(owner, workspace, channel)
    require_approval(workspace)
    Publication.objects.filter(variant__post=post).update(state=state)
    assert not actions.scheduled_unapproved([workspace.pk]).exists()
    assert remind_before_due() == 0


def test_an_unknown_choice_for_the_scheduled_posts_changes_none_of_them(owner, workspace, channel):
    post = scheduled_post(owner, workspace, channel)
    require_approval(workspace)
    response = as_user(owner).post(f"/review/scheduled/{workspace.slug}/", {"action": "publish", "posts": [post.pk]})
    assert response.status_code == 422 and "Unknown action." in response.content.decode()
    post.refresh_from_db()
    assert post.approval_state in actions.NOT_SENT and not post.approval_exempt
