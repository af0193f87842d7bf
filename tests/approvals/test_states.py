"""States and pages that tell the truth: one state per post and per publication with the actions that make
sense in it, previews at the post's own time, the history in sentences, and the client sees only what is
meant for the client."""

import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from stoa.approvals import actions
from stoa.approvals.history import SENTENCES
from stoa.approvals.models import PostComment
from stoa.errors import ActionError
from stoa.posts.models import ApprovalState, Post, Publication, State
from stoa.workspaces.models import Notification
from stoa.workspaces.team import set_language
from tests.approvals.test_flow import draft, sent
from tests.core.helpers import schedule
from tests.web.test_journey import bluesky_channel

STOA = Path(__file__).resolve().parents[2] / "stoa"


def as_user(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def badges(page: str) -> list[str]:
    return re.findall(r'class="badge[^"]*"[^>]*>([^<]+)<', page)


@pytest.fixture
def internal(workspace):
    workspace.approval_flow = "internal"
    workspace.save()
    return workspace


def test_a_published_post_reads_published_and_offers_neither_edit_nor_review(owner, internal, channel):
    [publication] = schedule(owner, internal, [channel], title="Sent last week")
    post = publication.variant.post
    Publication.objects.filter(pk=publication.pk).update(state=State.PUBLISHED, published_at=timezone.now())
    page = as_user(owner).get(f"/posts/{post.pk}/").content.decode()
    assert 'id="post-status">Published<' in page and "Draft" not in badges(page)
    assert 'value="review"' not in page and "/edit/" not in page and "Not sent for review" not in page
    with pytest.raises(ActionError):
        actions.send_for_review(owner, post)


def test_a_scheduled_post_in_review_reads_waiting_for_approval_not_scheduled(owner, internal, channel):
    [publication] = schedule(owner, internal, [channel], in_seconds=5 * 86400)
    post = publication.variant.post
    actions.send_for_review(owner, post)
    page = as_user(owner).get(f"/posts/{post.pk}/").content.decode()
    assert "Scheduled" not in badges(page) and "Waiting for approval" in badges(page)
    assert 'id="approval-state">In review<' in page and 'value="approve"' in page and 'value="review"' not in page
    actions.approve(owner, post)
    page = as_user(owner).get(f"/posts/{post.pk}/").content.decode()
    assert 'id="post-status">Scheduled<' in page and 'id="approval-state">Approved<' in page


def test_a_draft_post_reads_its_approval_state_and_without_approval_flow_plain_draft(owner, workspace, channel):
    post = draft(owner, workspace, channel)
    assert 'id="post-status">Draft<' in as_user(owner).get(f"/posts/{post.pk}/").content.decode()
    workspace.approval_flow = "internal"
    workspace.save()
    page = as_user(owner).get(f"/posts/{post.pk}/").content.decode()
    assert 'id="post-status">Not sent for review<' in page and 'value="review"' in page and "/edit/" in page


def test_the_preview_shows_the_posts_time_not_now(owner, workspace):
    bluesky = bluesky_channel(workspace)
    [publication] = schedule(owner, workspace, [bluesky], in_seconds=86400 + 3600)
    page = as_user(owner).get(f"/posts/{publication.variant.post_id}/").content.decode()
    preview = page.split('class="pv pv-bluesky"')[1]
    assert f'datetime="{publication.scheduled_at.astimezone(workspace.tzinfo):%Y-%m-%dT%H:%M}' in preview
    assert ">now<" not in preview


def test_the_history_is_written_in_sentences_in_the_readers_language(owner, internal, channel):
    [publication] = schedule(owner, internal, [channel])
    post = publication.variant.post
    actions.send_for_review(owner, post)
    actions.add_comment(owner, post, "Looks fine")
    english = as_user(owner).get(f"/posts/{post.pk}/").content.decode()
    history = english.split('id="history"')[1]
    assert "Created the post for Mastodon 1." in history and "Sent it for review." in history
    assert "Scheduled it on Mastodon 1 for" in history and "Commented." in history
    set_language(owner, "ru")
    russian = as_user(owner).get(f"/posts/{post.pk}/").content.decode().split('id="history"')[1]
    assert "Отправлено на проверку." in russian
    for key in ("post.created", "publication.scheduled", "post.sent_for_review", "post.commented"):
        assert key not in history and key not in russian


def test_every_event_of_a_post_has_a_sentence():
    """A new event key written anywhere in Stoa for a post, a variant or a publication needs its sentence."""
    keys = set()
    for source in STOA.rglob("*.py"):
        keys |= set(re.findall(r'"((?:post|publication|variant)\.[a-z_]+)"', source.read_text()))
    assert keys and keys <= set(SENTENCES), sorted(keys - set(SENTENCES))


def test_the_client_sees_only_the_comments_meant_for_the_client(client, owner, member, workspace, channel):
    workspace.approval_flow = "client"
    workspace.save()
    client_user = member("client")
    post = draft(owner, workspace, channel)
    actions.send_for_review(owner, post, "Internal: please check the price")
    actions.approve(owner, post, "Looks good inside")
    _, token = actions.create_approval_link(owner, workspace, [post], "Dana")
    actions.add_comment(owner, post, "Internal: the client is slow, push them")
    actions.add_comment(owner, post, "Dear client, the photo is final", for_client=True)
    client.post(f"/approve/{token}/", {"post": post.pk, "decision": "comment", "comment": "Love it", "name": "Dana"})
    for page in (client.get(f"/approve/{token}/").content.decode(),
                 as_user(client_user).get(f"/posts/{post.pk}/").content.decode()):
        assert "Dear client, the photo is final" in page and "Love it" in page
        assert "Internal" not in page and "Looks good inside" not in page  # nor the reviewer's approval note
    team_page = as_user(owner).get(f"/posts/{post.pk}/").content.decode()
    assert "Internal: the client is slow" in team_page and "seen by the client" in team_page
    assert 'name="for_client"' in team_page
    assert not Notification.objects.filter(user=client_user, kind="comment", message__contains="Internal").exists()


def test_a_client_members_comment_is_for_the_client_and_shown_to_them(owner, member, workspace, channel):
    workspace.approval_flow = "client"
    workspace.save()
    client_user = member("client")
    post, _, _ = sent(owner, workspace, channel)
    response = as_user(client_user).post(f"/posts/{post.pk}/", {"action": "comment", "comment": "One question"})
    assert response.status_code == 302
    assert PostComment.objects.get(body="One question").for_client
    page = as_user(client_user).get(f"/posts/{post.pk}/").content.decode()
    assert "One question" in page and 'name="for_client"' not in page


def test_a_member_marks_a_comment_for_the_client_on_the_post_page(owner, workspace, channel):
    workspace.approval_flow = "client"
    workspace.save()
    post, _, token = sent(owner, workspace, channel)
    as_user(owner).post(f"/posts/{post.pk}/", {"action": "comment", "comment": "For you", "for_client": "1"})
    as_user(owner).post(f"/posts/{post.pk}/", {"action": "comment", "comment": "Between us"})
    page = Client().get(f"/approve/{token}/").content.decode()
    assert "For you" in page and "Between us" not in page
    assert Post.objects.get(pk=post.pk).approval_state == ApprovalState.WITH_CLIENT
