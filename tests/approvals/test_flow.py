"""The approval flow: internal review, the client's decision by link or as a member, and who may do what."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from stoa.approvals import actions
from stoa.approvals.models import ApprovalLink, CommentKind, PostComment
from stoa.errors import ActionError
from stoa.posts.actions import VariantInput, create_post
from stoa.posts.models import ApprovalState, Post
from stoa.workspaces.models import AuditEvent, Notification


@pytest.fixture
def internal(workspace):
    workspace.approval_flow = "internal"
    workspace.save()
    return workspace


@pytest.fixture
def client_flow(workspace):
    workspace.approval_flow = "client"
    workspace.save()
    return workspace


def draft(user, workspace, channel, text="Shakshuka Friday! 🍳 שקשוקה") -> Post:
    return create_post(user, workspace, text=text, variants=[VariantInput(channel.pk)], title="Friday brunch")


def state(post: Post) -> str:
    return Post.objects.get(pk=post.pk).approval_state


def test_internal_flow_from_draft_to_approved_notifies_each_side(internal, owner, member, channel):
    editor = member("content_editor")
    post = draft(editor, internal, channel)
    actions.send_for_review(editor, post, "Please check the emoji")
    assert state(post) == ApprovalState.IN_REVIEW
    assert Notification.objects.filter(user=owner, kind="needs_review", link=f"/posts/{post.pk}/").exists()
    actions.approve(owner, post, "Looks great")
    assert state(post) == ApprovalState.APPROVED
    assert Notification.objects.filter(user=editor, kind="approved").exists()
    kinds = list(PostComment.objects.filter(post=post).values_list("kind", flat=True))
    assert kinds == [CommentKind.SENT_FOR_REVIEW, CommentKind.APPROVED]
    assert AuditEvent.objects.filter(action="post.approved", object_id=post.pk).exists()


def test_requesting_changes_needs_a_comment_and_tells_the_author(internal, owner, member, channel):
    editor = member("content_editor")
    post = draft(editor, internal, channel)
    actions.send_for_review(editor, post)
    with pytest.raises(ActionError) as e:
        actions.request_changes(owner, post, "   ")
    assert "comment" in e.value.errors and state(post) == ApprovalState.IN_REVIEW
    actions.request_changes(owner, post, "The price is wrong")
    assert state(post) == ApprovalState.CHANGES_REQUESTED
    note = Notification.objects.get(user=editor, kind="changes_requested")
    assert "The price is wrong" in note.message
    actions.send_for_review(editor, post, "Fixed")
    assert state(post) == ApprovalState.IN_REVIEW


def test_two_reviewers_deciding_at_once_cannot_both_win(internal, owner, member, channel):
    manager = member("manager")
    post = draft(owner, internal, channel)
    actions.send_for_review(owner, post)
    first, second = Post.objects.get(pk=post.pk), Post.objects.get(pk=post.pk)  # both saw "in review"
    actions.approve(manager, first)
    with pytest.raises(ActionError, match="Someone else decided first"):
        actions.request_changes(owner, second, "No!")
    assert state(post) == ApprovalState.APPROVED
    assert PostComment.objects.filter(post=post, kind=CommentKind.CHANGES_REQUESTED).count() == 0


def test_client_flow_goes_through_the_client_link(client_flow, owner, channel, django_capture_on_commit_callbacks):
    post = draft(owner, client_flow, channel)
    actions.send_for_review(owner, post)
    actions.approve(owner, post)
    assert state(post) == ApprovalState.WITH_CLIENT
    with django_capture_on_commit_callbacks(execute=True):
        link, token = actions.create_approval_link(owner, client_flow, [post], "Dana", "dana@client.example")
    assert link.token_hash != token and token not in link.token_hash
    [email] = [m for m in mail.outbox if m.to == ["dana@client.example"]]
    assert f"/approve/{token}/" in email.body
    actions.client_decide(link, post, approved=True, name="Dana Cohen", note="Yalla")
    assert state(post) == ApprovalState.APPROVED
    comment = PostComment.objects.get(post=post, kind=CommentKind.APPROVED, via_link=link)
    assert comment.author_name == "Dana Cohen" and comment.author is None
    assert Notification.objects.filter(user=owner, kind="approved").exists()


def test_only_posts_with_the_client_can_be_sent(client_flow, owner, channel, other_workspace, stranger):
    post = draft(owner, client_flow, channel)
    with pytest.raises(ActionError) as e:
        actions.create_approval_link(owner, client_flow, [post], "Dana")
    assert "posts" in e.value.errors
    with pytest.raises(ActionError) as e:
        actions.create_approval_link(owner, client_flow, [], "", "not-an-email", days_valid=0)
    assert {"posts", "recipient_name", "recipient_email", "days_valid"} <= set(e.value.errors)
    assert not ApprovalLink.objects.exists()


def sent(owner, workspace, channel) -> tuple[Post, ApprovalLink, str]:
    post = draft(owner, workspace, channel)
    actions.send_for_review(owner, post)
    actions.approve(owner, post)
    link, token = actions.create_approval_link(owner, workspace, [post], "Dana")
    return post, link, token


def test_client_cannot_decide_with_an_expired_or_revoked_link(client_flow, owner, channel):
    post, link, _ = sent(owner, client_flow, channel)
    ApprovalLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    link.refresh_from_db()
    with pytest.raises(ActionError, match="expired"):
        actions.client_decide(link, post, approved=True)
    actions.revoke_link(owner, link)
    with pytest.raises(ActionError):
        actions.add_comment(link, post, "hello?")
    assert state(post) == ApprovalState.WITH_CLIENT and not post.comments.filter(via_link=link).exists()


def test_client_cannot_decide_on_a_post_not_sent_with_the_link(client_flow, owner, channel):
    _, link, _ = sent(owner, client_flow, channel)
    other = draft(owner, client_flow, channel, text="another one")
    actions.send_for_review(owner, other)
    actions.approve(owner, other)
    with pytest.raises(ActionError, match="not sent"):
        actions.client_decide(link, other, approved=True)
    assert state(other) == ApprovalState.WITH_CLIENT


def test_editing_an_approved_post_sends_it_back_to_review(internal, owner, channel):
    post = draft(owner, internal, channel)
    actions.send_for_review(owner, post)
    actions.approve(owner, post)
    actions.content_changed(owner, post)
    assert state(post) == ApprovalState.IN_REVIEW


def test_comment_notifies_the_author_but_not_the_commenter(internal, owner, member, channel):
    editor = member("content_editor")
    post = draft(editor, internal, channel)
    actions.add_comment(owner, post, "Nice photo")
    assert Notification.objects.filter(user=editor, kind="comment").exists()
    assert not Notification.objects.filter(user=owner, kind="comment").exists()
    with pytest.raises(ActionError):
        actions.add_comment(owner, post, "  ")
