"""The approval flow of posts: draft -> in review -> (with the client ->) approved, or changes requested."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from stoa.approvals.models import CommentKind, PostComment
from stoa.posts.models import ApprovalState, Post
from stoa.workspaces.actions import audit, notify

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
        notify(post.workspace_id, "needs_review", _("A post was edited and needs review again: %(title)s")
               % {"title": str(post)}, link=f"/posts/{post.pk}/")
