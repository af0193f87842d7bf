"""Small things a Hebrew reader sees: the way back points the way the page reads, an untitled post is named in
their language, also in a notification written for them by someone who reads English."""

from stoa.approvals.actions import send_for_review
from stoa.workspaces.models import ApprovalFlow, Notification, UserSettings
from tests.core.helpers import schedule


def test_the_way_back_to_the_inbox_points_the_way_the_page_reads(client, owner, item):
    client.force_login(owner)
    assert "← Inbox" in client.get(f"/inbox/{item.pk}/").content.decode()
    UserSettings.objects.create(user=owner, language="he")
    html = client.get(f"/inbox/{item.pk}/").content.decode()
    assert 'dir="rtl"' in html and "→ " in html and "← " not in html


def test_an_untitled_post_is_named_in_each_readers_language(owner, workspace, channel, member):
    workspace.approval_flow = ApprovalFlow.INTERNAL
    workspace.save()
    reviewer = member("manager")
    UserSettings.objects.create(user=reviewer, language="he")
    [publication] = schedule(owner, workspace, [channel], in_seconds=3600)
    post = publication.variant.post
    send_for_review(owner, post)
    said = Notification.objects.get(user=reviewer, kind="needs_review").message
    assert f"פוסט {post.pk}" in said and f"Post {post.pk}" not in said
