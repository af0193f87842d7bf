"""The approval flow of posts: draft -> in review -> (with the client ->) approved, or changes requested."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from stoa.approvals.models import CommentKind, PostComment
from stoa.errors import ActionError
from stoa.posts.models import ApprovalState, Post
from stoa.workspaces.actions import audit, in_their_language, notify

# Where a post goes back to when its content changes after someone looked at it.
REVIEWED_STATES = {ApprovalState.IN_REVIEW, ApprovalState.WITH_CLIENT, ApprovalState.APPROVED}


def content_changed(actor, post: Post) -> None:
    """Editing a post that was approved or is being reviewed sends it back to the internal review."""
    if not post.workspace.requires_approval or post.approval_state not in REVIEWED_STATES:
        return
    with transaction.atomic():
        Post.objects.filter(pk=post.pk).update(approval_state=ApprovalState.IN_REVIEW)
        before, post.approval_state = post.approval_state, ApprovalState.IN_REVIEW
        PostComment.objects.create(post=post, author=actor, author_name=actor.get_username() if actor else "",
                                   kind=CommentKind.SENT_FOR_REVIEW, body=str(_("Edited; back to review.")))
        audit(post.workspace_id, actor, "post.back_to_review", post, before=before)
        message = in_their_language(_("A post was edited and needs review again: %(title)s"), title=str(post))
        notify(post.workspace_id, "needs_review", message, link=f"/posts/{post.pk}/")


def _reviewers(post: Post) -> list:
    """The members who may decide in the internal review."""
    from stoa.workspaces.access import ROLE_PERMISSIONS, Permission
    from stoa.workspaces.models import Membership

    roles = [role for role, perms in ROLE_PERMISSIONS.items() if Permission.APPROVE in perms]
    return [m.user for m in Membership.objects.filter(workspace_id=post.workspace_id, role__in=roles)
            .select_related("user")]


def send_for_review(actor, post: Post, note: str = "") -> Post:
    """A draft (or a post whose changes were asked for) goes to the internal review."""
    if not post.workspace.requires_approval:
        raise ActionError({"approval": [_("%(workspace)s publishes without approval; schedule the post instead.")
                                        % {"workspace": post.workspace.name}]})
    allowed = [ApprovalState.DRAFT, ApprovalState.CHANGES_REQUESTED]
    with transaction.atomic():
        if not Post.objects.filter(pk=post.pk, approval_state__in=allowed).update(
                approval_state=ApprovalState.IN_REVIEW):
            post.refresh_from_db()
            raise ActionError({"approval": [_("This post is already %(state)s.")
                                            % {"state": post.get_approval_state_display().lower()}]})
        post.approval_state = ApprovalState.IN_REVIEW
        PostComment.objects.create(post=post, author=actor, author_name=actor.get_username(),
                                   kind=CommentKind.SENT_FOR_REVIEW, body=note)
        audit(post.workspace_id, actor, "post.sent_for_review", post)
        message = in_their_language(_("A post needs your review: %(title)s"), title=str(post))
        notify(post.workspace_id, "needs_review", message, link=f"/posts/{post.pk}/",
               to=[u for u in _reviewers(post) if u.pk != actor.pk])
    return post
