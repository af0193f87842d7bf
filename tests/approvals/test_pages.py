"""The post page, the review page and the client's link page."""

import html
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from stoa.approvals import actions
from stoa.approvals.models import ApprovalLink, PostComment
from stoa.posts.models import ApprovalState, Post, Publication, State
from tests.approvals.test_flow import draft, sent, state
from tests.core.helpers import image_bytes, schedule


@pytest.fixture
def client_flow(workspace):
    workspace.approval_flow = "client"
    workspace.save()
    return workspace


def as_user(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_post_page_shows_variants_publications_comments_and_history(client, owner, workspace, channel):
    [publication] = schedule(owner, workspace, [channel], text="בוקר טוב from Jaffa")
    post = publication.variant.post
    actions.add_comment(owner, post, "Use the new logo")
    page = as_user(owner).get(f"/posts/{post.pk}/").content.decode()
    assert "בוקר טוב from Jaffa" in page and "Use the new logo" in page
    assert "Scheduled" in page and "Asia/Jerusalem" in page
    assert "Commented." in page and "Scheduled it on Mastodon 1 for" in page and "post.commented" not in page


def test_post_page_buttons_follow_the_flow(client_flow, owner, member, channel):
    editor = member("content_editor")
    post = draft(editor, client_flow, channel)
    editor_page = as_user(editor).get(f"/posts/{post.pk}/").content.decode()
    assert 'name="action" value="review"' in editor_page and 'value="approve"' not in editor_page
    response = as_user(editor).post(f"/posts/{post.pk}/", {"action": "review", "comment": "ready"})
    assert response.status_code == 302 and state(post) == ApprovalState.IN_REVIEW
    owner_page = as_user(owner).get(f"/posts/{post.pk}/").content.decode()
    assert 'value="approve"' in owner_page and 'value="changes"' in owner_page
    assert as_user(owner).post(f"/posts/{post.pk}/", {"action": "approve"}).status_code == 302
    assert state(post) == ApprovalState.WITH_CLIENT


def test_request_changes_without_comment_shows_the_error(owner, workspace, channel):
    workspace.approval_flow = "internal"
    workspace.save()
    post = draft(owner, workspace, channel)
    actions.send_for_review(owner, post)
    response = as_user(owner).post(f"/posts/{post.pk}/", {"action": "changes", "comment": ""})
    assert response.status_code == 422 and "Say what should change" in response.content.decode()
    assert state(post) == ApprovalState.IN_REVIEW


def test_a_stale_page_does_not_override_a_decision_made_meanwhile(owner, member, workspace, channel):
    workspace.approval_flow = "internal"
    workspace.save()
    post = draft(owner, workspace, channel)
    actions.send_for_review(owner, post)
    actions.approve(member("manager"), post)
    response = as_user(owner).post(f"/posts/{post.pk}/", {"action": "changes", "comment": "no",
                                                           "seen_state": "in_review"})
    assert response.status_code == 422 and state(post) == ApprovalState.APPROVED


@pytest.mark.parametrize("role", ["analyst", "community_manager", "content_editor"])
def test_roles_without_approval_cannot_approve(role, member, owner, workspace, channel):
    workspace.approval_flow = "internal"
    workspace.save()
    post = draft(owner, workspace, channel)
    actions.send_for_review(owner, post)
    user = member(role)
    assert as_user(user).post(f"/posts/{post.pk}/", {"action": "approve"}).status_code == 403
    assert state(post) == ApprovalState.IN_REVIEW


def test_analyst_cannot_publish(member, owner, workspace, channel):
    [publication] = schedule(owner, workspace, [channel])
    response = as_user(member("analyst")).post(f"/publications/{publication.pk}/publish-now")
    assert response.status_code == 403
    assert Publication.objects.get().state == State.SCHEDULED


def test_stranger_gets_404_everywhere(stranger, owner, workspace, channel):
    workspace.approval_flow = "client"
    workspace.save()
    post, link, _ = sent(owner, workspace, channel)
    c = as_user(stranger)
    assert c.get(f"/posts/{post.pk}/").status_code == 404
    assert c.post(f"/posts/{post.pk}/", {"action": "comment", "comment": "hi"}).status_code == 404
    assert c.post(f"/review/links/{link.pk}/revoke/").status_code == 404
    assert c.post("/review/send/", {"workspace": workspace.slug, "posts": [post.pk],
                                    "recipient_name": "x"}).status_code == 404
    assert "Friday brunch" not in c.get("/review/").content.decode()
    assert not PostComment.objects.filter(body="hi").exists()
    assert ApprovalLink.objects.get().revoked_at is None


def test_client_link_page_approves_in_the_clients_language(client, client_flow, owner, channel):
    post, link, token = sent(owner, client_flow, channel)
    page = client.get(f"/approve/{token}/", HTTP_ACCEPT_LANGUAGE="he")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'dir="rtl"' in html and 'lang="he"' in html and "Kafe Yafo" in html and "שקשוקה" in html
    assert 'name="decision" value="approve"' in html and 'name="csrfmiddlewaretoken"' in html
    response = client.post(f"/approve/{token}/", {"post": post.pk, "decision": "approve", "name": "Dana"})
    assert response.status_code == 302 and state(post) == ApprovalState.APPROVED


def test_client_request_changes_needs_a_comment(client, client_flow, owner, channel):
    post, link, token = sent(owner, client_flow, channel)
    response = client.post(f"/approve/{token}/", {"post": post.pk, "decision": "changes", "comment": ""})
    assert response.status_code == 422 and state(post) == ApprovalState.WITH_CLIENT
    client.post(f"/approve/{token}/", {"post": post.pk, "decision": "changes", "comment": "Less sugar"})
    assert state(post) == ApprovalState.CHANGES_REQUESTED
    assert PostComment.objects.filter(post=post, via_link=link, body="Less sugar").exists()


def test_client_link_csrf_is_enforced(client_flow, owner, channel):
    post, _, token = sent(owner, client_flow, channel)
    response = Client(enforce_csrf_checks=True).post(f"/approve/{token}/", {"post": post.pk, "decision": "approve"})
    assert response.status_code == 403 and state(post) == ApprovalState.WITH_CLIENT


def test_expired_link_gets_410_and_changes_nothing(client, client_flow, owner, channel):
    post, link, token = sent(owner, client_flow, channel)
    ApprovalLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(days=1))
    assert client.get(f"/approve/{token}/").status_code == 410
    response = client.post(f"/approve/{token}/", {"post": post.pk, "decision": "approve"})
    assert response.status_code == 410 and "ask olga for a new one" in response.content.decode()
    assert state(post) == ApprovalState.WITH_CLIENT


def test_revoked_link_gets_410_and_changes_nothing(client, client_flow, owner, channel):
    post, link, token = sent(owner, client_flow, channel)
    assert as_user(owner).post(f"/review/links/{link.pk}/revoke/").status_code == 302
    response = client.post(f"/approve/{token}/", {"post": post.pk, "decision": "approve"})
    assert response.status_code == 410 and state(post) == ApprovalState.WITH_CLIENT


def test_forged_token_gets_404(client, client_flow, owner, channel):
    post, _, token = sent(owner, client_flow, channel)
    response = client.post(f"/approve/{token[:-2]}xx/", {"post": post.pk, "decision": "approve"})
    assert response.status_code == 404 and state(post) == ApprovalState.WITH_CLIENT


def test_link_cannot_decide_on_other_posts(client, client_flow, owner, channel):
    _, _, token = sent(owner, client_flow, channel)
    other, _, _ = sent(owner, client_flow, channel)
    assert client.post(f"/approve/{token}/", {"post": other.pk, "decision": "approve"}).status_code == 404
    assert state(other) == ApprovalState.WITH_CLIENT


def test_client_member_sees_only_posts_sent_to_them(client_flow, owner, member, channel):
    client_user = member("client")
    sent_post, _, _ = sent(owner, client_flow, channel)
    internal = draft(owner, client_flow, channel, text="internal draft only")
    c = as_user(client_user)
    review = c.get("/review/").content.decode()
    assert f"/posts/{sent_post.pk}/" in review and f"/posts/{internal.pk}/" not in review
    assert c.get(f"/posts/{internal.pk}/").status_code == 404
    assert c.get(f"/posts/{sent_post.pk}/").status_code == 200
    assert c.post(f"/posts/{sent_post.pk}/", {"action": "approve"}).status_code == 302
    assert state(sent_post) == ApprovalState.APPROVED
    assert PostComment.objects.filter(post=sent_post, author=client_user, kind="approved").exists()


def test_review_page_sends_posts_to_the_client_and_shows_the_link_once(client_flow, owner, channel):
    post = draft(owner, client_flow, channel)
    actions.send_for_review(owner, post)
    c = as_user(owner)
    assert f"/posts/{post.pk}/" in c.get("/review/").content.decode()
    actions.approve(owner, post)
    assert 'name="recipient_name"' in c.get("/review/").content.decode()
    response = c.post("/review/send/", {"workspace": client_flow.slug, "posts": [post.pk],
                                        "recipient_name": "Dana", "days_valid": "3"})
    assert response.status_code == 200 and "/approve/" in response.content.decode()
    link = ApprovalLink.objects.get()
    assert list(link.posts.all()) == [post]
    assert timedelta(days=2, hours=23) < link.expires_at - timezone.now() <= timedelta(days=3)
    bad = c.post("/review/send/", {"workspace": client_flow.slug, "posts": [post.pk], "recipient_name": "",
                                   "days_valid": "abc"})
    assert bad.status_code == 422 and ApprovalLink.objects.count() == 1


def test_content_editor_cannot_send_to_the_client(client_flow, owner, member, channel):
    post, _, _ = sent(owner, client_flow, channel)
    response = as_user(member("content_editor")).post(
        "/review/send/", {"workspace": client_flow.slug, "posts": [post.pk], "recipient_name": "Dana"})
    assert response.status_code == 403 and ApprovalLink.objects.count() == 1
    assert Post.objects.get(pk=post.pk).approval_state == ApprovalState.WITH_CLIENT


def tiny_png() -> bytes:
    return image_bytes()


def test_client_sees_the_images_of_the_posts_sent_and_nothing_else(client, client_flow, owner, channel,
                                                                   settings, tmp_path):
    from stoa.posts.actions import VariantInput, add_media, create_post

    settings.MEDIA_ROOT = tmp_path
    photo = add_media(owner, client_flow, "shakshuka.png", tiny_png(), alt_text="A pan of shakshuka")
    secret = add_media(owner, client_flow, "secret.png", tiny_png())
    post = create_post(owner, client_flow, text="With a photo", variants=[VariantInput(channel.pk)],
                       media_ids=[photo.pk])
    actions.send_for_review(owner, post)
    actions.approve(owner, post)
    _, token = actions.create_approval_link(owner, client_flow, [post], "Dana")
    page = client.get(f"/approve/{token}/").content.decode()
    assert f"/approve/{token}/media/{photo.pk}/" in page or "shakshuka" in page
    response = client.get(f"/approve/{token}/media/{photo.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content)
    assert client.get(f"/approve/{token}/media/{secret.pk}/").status_code == 404
    assert client.get(f"/approve/{token}x/media/{photo.pk}/").status_code == 404


def test_client_member_decides_on_the_review_page(client_flow, owner, member, channel):
    client_user = member("client")
    post, _, _ = sent(owner, client_flow, channel)
    c = as_user(client_user)
    assert 'name="action" value="changes"' in c.get("/review/").content.decode()
    response = c.post(f"/posts/{post.pk}/", {"action": "changes", "comment": "Less text", "next": "/review/",
                                             "seen_state": "with_client"})
    assert response.status_code == 302 and response["Location"] == "/review/"
    assert state(post) == ApprovalState.CHANGES_REQUESTED
    other = draft(owner, client_flow, channel)
    assert c.post(f"/posts/{other.pk}/", {"action": "comment", "comment": "peek"}).status_code == 404


def test_a_link_for_nobody_valid_for_a_year_is_refused_with_every_reason_at_once(client_flow, owner, channel):
    post, _, _ = sent(owner, client_flow, channel)  # with its first link
    response = as_user(owner).post("/review/send/", {"workspace": client_flow.slug, "posts": [post.pk],
                                                     "recipient_name": " ", "recipient_email": "dana at client",
                                                     "days_valid": "365"})
    page = html.unescape(response.content.decode())
    assert response.status_code == 422 and ApprovalLink.objects.count() == 1
    for reason in ("Whom is this for? Give the client's name.", "This is not an email address.",
                   "A link can be valid for 1 to 60 days."):
        assert reason in page


def test_a_comment_too_long_is_refused_in_the_same_words_on_the_post_page_and_the_clients_link(client, client_flow,
                                                                                               owner, channel):
    """Both read it through CommentForm (stoa/approvals/forms.py), without the field's name before the words."""
    post, link, token = sent(owner, client_flow, channel)
    words, long = "A comment can be at most 5000 characters.", "x" * 5001
    for response in (as_user(owner).post(f"/posts/{post.pk}/", {"action": "comment", "comment": long}),
                     client.post(f"/approve/{token}/", {"post": post.pk, "decision": "comment", "comment": long})):
        page = html.unescape(response.content.decode())
        assert response.status_code == 422 and words in page and f"comment: {words}" not in page
    assert not PostComment.objects.filter(kind="comment").exists()
    assert as_user(owner).post(f"/posts/{post.pk}/", {"action": "delete"}).status_code == 422
