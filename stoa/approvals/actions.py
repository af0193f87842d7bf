"""The approval flow of posts: draft -> in review -> (with the client ->) approved, or changes requested."""

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeAlias, TypedDict

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import Q
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from stoa import clock
from stoa.approvals.forms import ApprovalLinkForm, CommentForm
from stoa.approvals.models import ApprovalLink, CommentKind, PostComment
from stoa.approvals.permissions import APPROVE, CLIENT_REVIEW, SEND_TO_CLIENT
from stoa.errors import ActionError, cleaned
from stoa.posts.models import ApprovalState, Post, Publication, State
from stoa.posts.signals import content_edited
from stoa.posts.status import still_to_publish
from stoa.site_url import site_url
from stoa.workspaces.access import ROLE_PERMISSIONS, Permission
from stoa.workspaces.actions import audit, in_their_language, notify
from stoa.workspaces.models import ApprovalFlow, Membership, Workspace, hash_token

if TYPE_CHECKING:  # django-stubs-ext is a development dependency
    from django_stubs_ext import WithAnnotations


class Due(TypedDict):
    due_at: datetime  # the post's first scheduled time


# A post of scheduled_unapproved(), with its `due_at`.
DuePost: TypeAlias = "WithAnnotations[Post, Due]"

# Where a post goes back to when its content changes after someone looked at it.
REVIEWED_STATES = {ApprovalState.IN_REVIEW, ApprovalState.WITH_CLIENT, ApprovalState.APPROVED}


@receiver(content_edited, dispatch_uid="approvals.content_changed")
def _on_content_edited(sender, actor, post: Post, **kwargs) -> None:
    content_changed(actor, post)


def content_changed(actor, post: Post) -> None:
    """Editing a post that was approved or is being reviewed sends it back to the internal review; so
    does editing one that was let through without approval: what was let through is not what it says now."""
    if not post.workspace.requires_approval or (post.approval_state not in REVIEWED_STATES
                                                and not post.approval_exempt):
        return
    with transaction.atomic():
        Post.objects.filter(pk=post.pk).update(approval_state=ApprovalState.IN_REVIEW, approval_exempt=False)
        before, post.approval_state = post.approval_state, ApprovalState.IN_REVIEW
        note = _("Edited; it no longer publishes without approval and is back in review.") if post.approval_exempt \
            else _("Edited; back to review.")
        post.approval_exempt = False
        PostComment.objects.create(post=post, author=actor, author_name=actor.get_username() if actor else "",
                                   kind=CommentKind.SENT_FOR_REVIEW, body=str(note))
        audit(post.workspace_id, actor, "post.back_to_review", post, before=before)
        message = in_their_language(_("A post was edited and needs review again: %(title)s"), title=post)
        notify(post.workspace_id, "needs_review", message, link=f"/posts/{post.pk}/")


def members_with(workspace_id: int, permission: Permission) -> list:
    """The members of a workspace whose role allows `permission`."""
    roles = [role for role, perms in ROLE_PERMISSIONS.items() if permission in perms]
    return [m.user for m in Membership.objects.filter(workspace_id=workspace_id, role__in=roles)
            .select_related("user")]


def _reviewers(post: Post) -> list:
    """The members who may decide in the internal review."""
    return members_with(post.workspace_id, APPROVE)


def send_for_review(actor, post: Post, note: str = "") -> Post:
    """A draft (or a post whose changes were asked for) goes to the internal review."""
    if not post.workspace.requires_approval:
        raise ActionError({"approval": [_("%(workspace)s publishes without approval; schedule the post instead.")
                                        % {"workspace": post.workspace.name}]})
    if not still_to_publish(list(Publication.objects.filter(variant__post=post))):
        raise ActionError({"approval": [gettext("Nothing of this post is left to publish, so there is nothing to "
                                                "review.")]})
    allowed = [ApprovalState.DRAFT, ApprovalState.CHANGES_REQUESTED]
    with transaction.atomic():
        if not Post.objects.filter(pk=post.pk, approval_state__in=allowed).update(
                approval_state=ApprovalState.IN_REVIEW, approval_exempt=False):
            post.refresh_from_db()
            raise ActionError({"approval": [_("This post is already %(state)s.")
                                            % {"state": post.get_approval_state_display().lower()}]})
        post.approval_state, post.approval_exempt = ApprovalState.IN_REVIEW, False
        PostComment.objects.create(post=post, author=actor, author_name=actor.get_username(),
                                   kind=CommentKind.SENT_FOR_REVIEW, body=note)
        audit(post.workspace_id, actor, "post.sent_for_review", post)
        message = in_their_language(_("A post needs your review: %(title)s"), title=post)
        notify(post.workspace_id, "needs_review", message, link=f"/posts/{post.pk}/",
               to=[u for u in _reviewers(post) if u.pk != actor.pk])
    return post


# -- Decisions ------------------------------------------------------------------------------

def _creator_and_editors(post: Post) -> list:
    people = members_with(post.workspace_id, Permission.EDIT_POSTS)
    return people + ([post.created_by] if post.created_by else [])


def _move(post: Post, allowed: set, to: str) -> None:
    """Move the post only if it is still in the state the actor saw (post.approval_state), and that
    state is one of `allowed`: of two people deciding at the same moment, one wins and the other
    is told what happened."""
    seen = {post.approval_state} & set(allowed)
    if not Post.objects.filter(pk=post.pk, approval_state__in=seen).update(approval_state=to):
        post.refresh_from_db()
        raise ActionError({"approval": [_("Someone else decided first: this post is now %(state)s.")
                                        % {"state": post.get_approval_state_display().lower()}]})
    post.approval_state = to


def _name(actor) -> str:
    return actor.get_full_name() or actor.get_username()


def approve(actor, post: Post, note: str = "") -> Post:
    """The internal review passes: to the client in the client flow, else approved."""
    with transaction.atomic():
        to_client = post.workspace.approval_flow == ApprovalFlow.CLIENT
        _move(post, {ApprovalState.IN_REVIEW}, ApprovalState.WITH_CLIENT if to_client else ApprovalState.APPROVED)
        PostComment.objects.create(post=post, author=actor, author_name=_name(actor), kind=CommentKind.APPROVED,
                                   body=note.strip())
        audit(post.workspace_id, actor, "post.approved", post, state=post.approval_state, note=note.strip())
        link = f"/posts/{post.pk}/"
        if to_client:
            message = in_their_language(_("A post passed the internal review and can go to the client: %(title)s"),
                                        title=post)
            senders = [u for u in members_with(post.workspace_id, SEND_TO_CLIENT) if u.pk != actor.pk]
            notify(post.workspace_id, "ready_for_client", message, link=link, to=senders)
            clients = members_with(post.workspace_id, CLIENT_REVIEW)
            notify(post.workspace_id, "needs_client_review",
                   in_their_language(_("A post awaits your approval: %(title)s"), title=post),
                   link=link, to=clients)
        else:
            notify(post.workspace_id, "approved", in_their_language(_("Your post was approved: %(title)s"),
                                                                     title=post),
                   link=link, to=[u for u in [post.created_by] if u and u.pk != actor.pk])
    return post


def _require_note(note: str) -> str:
    if not note.strip():
        raise ActionError({"comment": [gettext("Say what should change, so the author knows what to do.")]})
    return note.strip()


def request_changes(actor, post: Post, note: str) -> Post:
    """A reviewer sends the post back to its author, with what to change."""
    note = _require_note(note)
    allowed = {ApprovalState.IN_REVIEW, ApprovalState.WITH_CLIENT, ApprovalState.APPROVED}
    with transaction.atomic():
        _move(post, allowed, ApprovalState.CHANGES_REQUESTED)
        PostComment.objects.create(post=post, author=actor, author_name=_name(actor),
                                   kind=CommentKind.CHANGES_REQUESTED, body=note)
        audit(post.workspace_id, actor, "post.changes_requested", post, note=note)
        _tell_about_changes(post, _name(actor), note, exclude=actor.pk)
    return post


def _tell_about_changes(post: Post, who: str, note: str, exclude: int | None = None) -> None:
    message = in_their_language(_("%(name)s asked for changes to %(title)s: %(note)s"),
                                name=who, title=post, note=note)
    notify(post.workspace_id, "changes_requested", message, link=f"/posts/{post.pk}/",
           to=[u for u in _creator_and_editors(post) if u.pk != exclude])


def link_problem(link: ApprovalLink | None) -> str:
    """Why a client link no longer works ('' when it does): unknown, revoked or expired."""
    if link is None:
        return "unknown"
    if link.revoked_at:
        return "revoked"
    if link.expires_at <= clock.now():
        return "expired"
    return ""


def link_for_token(token: str) -> ApprovalLink | None:
    return ApprovalLink.objects.select_related("workspace", "created_by").filter(
        token_hash=hash_token(token)).first()


def client_decide(link_or_member, post: Post, approved: bool, name: str = "", note: str = "") -> Post:
    """The client approves a post sent to them, or asks for changes (with a note): through a
    link (an ApprovalLink) or as a member with the client role (a user, checked by the view)."""
    link, user = (link_or_member, None) if isinstance(link_or_member, ApprovalLink) else (None, link_or_member)
    if link is not None:
        _check_link(link, post)
        name = name.strip() or link.recipient_name
    else:
        name = _name(user)
    note = note.strip() if approved else _require_note(note)
    with transaction.atomic():
        _move(post, {ApprovalState.WITH_CLIENT},
              ApprovalState.APPROVED if approved else ApprovalState.CHANGES_REQUESTED)
        PostComment.objects.create(post=post, author=user, author_name=name[:200], via_link=link,
                                   kind=CommentKind.APPROVED if approved else CommentKind.CHANGES_REQUESTED,
                                   body=note, for_client=True)
        audit(post.workspace_id, user, "post.client_approved" if approved else "post.client_changes_requested",
              post, client=name, via_link=link.pk if link else None, note=note)
        if approved:
            people = [post.created_by] if post.created_by else []
            people += members_with(post.workspace_id, SEND_TO_CLIENT)
            message = in_their_language(_("%(name)s approved %(title)s."), name=name, title=post)
            notify(post.workspace_id, "approved", message, link=f"/posts/{post.pk}/", to=people)
        else:
            _tell_about_changes(post, name, note)
    return post


def _check_link(link: ApprovalLink, post: Post) -> None:
    problem = link_problem(link)
    if problem == "expired":
        raise ActionError({"link": [gettext("This link has expired.")]})
    if problem:
        raise ActionError({"link": [gettext("This link no longer works.")]})
    if not link.posts.filter(pk=post.pk).exists():
        raise ActionError({"post": [gettext("This post was not sent with this link.")]})


def add_comment(actor_or_link, post: Post, body: str, name: str = "", for_client: bool = False) -> PostComment:
    """A remark on the post by a member, or by the client through their link. The client sees their own
    comments and those a member wrote `for_client`; the team's other remarks stay inside the team."""
    body = cleaned(CommentForm({"comment": body}))["comment"]
    link = actor_or_link if isinstance(actor_or_link, ApprovalLink) else None
    user = None if link else actor_or_link
    if link is not None:
        _check_link(link, post)
    clients = {u.pk for u in _clients(post)}
    for_client = for_client or link is not None or (user is not None and user.pk in clients)
    author_name = (name.strip() or link.recipient_name) if link else _name(user)
    with transaction.atomic():
        comment = PostComment.objects.create(post=post, author=user, author_name=author_name[:200], via_link=link,
                                             body=body, for_client=for_client)
        audit(post.workspace_id, user, "post.commented", post, author=author_name, for_client=for_client)
        message = in_their_language(_("%(name)s commented on %(title)s: %(comment)s"),
                                    name=author_name, title=post, comment=body[:200])
        people = [u for u in _creator_and_editors(post) + _commenters(post)
                  if (user is None or u.pk != user.pk) and (for_client or u.pk not in clients)]
        notify(post.workspace_id, "comment", message, link=f"/posts/{post.pk}/", to=people)
    return comment


def _clients(post: Post) -> list:
    return members_with(post.workspace_id, CLIENT_REVIEW)


def comments_for_client(post: Post):
    """What the client may read of the post's thread."""
    return post.comments.filter(for_client=True)


def _commenters(post: Post) -> list:
    ids = post.comments.exclude(author=None).values_list("author_id", flat=True)
    return list(get_user_model().objects.filter(pk__in=set(ids)))


# -- Links for the client ---------------------------------------------------------------------



def create_approval_link(actor, workspace: Workspace, posts, recipient_name: str, recipient_email: str = "",
                         days_valid: int = 7, message: str = "") -> tuple[ApprovalLink, str]:
    """A link the client opens without an account; returns it and its token (shown/emailed once)."""
    posts = list(posts)
    form = ApprovalLinkForm({"recipient_name": recipient_name, "recipient_email": recipient_email,
                             "days_valid": days_valid, "message": message})
    errors: dict[str, list] = {} if form.is_valid() else ActionError.of_form(form).errors
    if not posts:
        errors["posts"] = [gettext("Choose at least one post to send.")]
    wrong = [p for p in posts if p.workspace_id != workspace.pk or p.approval_state != ApprovalState.WITH_CLIENT]
    if wrong:
        errors["posts"] = [_("Only posts of %(workspace)s that passed the internal review can be sent: %(posts)s.")
                           % {"workspace": workspace.name, "posts": ", ".join(str(p) for p in wrong)}]
    if errors:
        raise ActionError(errors)
    given = form.cleaned_data
    days_valid = given["days_valid"]
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        link = ApprovalLink.objects.create(
            workspace=workspace, token_hash=hash_token(token), recipient_name=given["recipient_name"],
            recipient_email=given["recipient_email"], message=given["message"], created_by=actor,
            expires_at=clock.now() + timedelta(days=days_valid))
        link.posts.set(posts)
        audit(workspace.pk, actor, "approval_link.created", link, recipient=link.recipient_name,
              posts=[p.pk for p in posts], days_valid=days_valid)
        if link.recipient_email:
            transaction.on_commit(lambda: email_approval_link(link.pk, token))
    return link, token


def approval_url(token: str) -> str:
    return f"{site_url()}{reverse('client-approval', args=[token])}"


def email_approval_link(link_id: int, token: str) -> None:
    """Email the link in the workspace's language (we do not know the client's)."""
    link = ApprovalLink.objects.select_related("workspace", "created_by").get(pk=link_id)
    sender = _name(link.created_by) if link.created_by else link.workspace.name
    with translation.override(link.workspace.language):
        subject = _("%(workspace)s: posts for your approval") % {"workspace": link.workspace.name}
        count = link.posts.count()
        body = ngettext("Hello %(name)s,\n\n%(sender)s sent you %(count)s post of %(workspace)s to approve.\n\n"
                        "%(message)s\n\nOpen: %(url)s\n\nThe link works until %(expires)s.",
                        "Hello %(name)s,\n\n%(sender)s sent you %(count)s posts of %(workspace)s to approve.\n\n"
                        "%(message)s\n\nOpen: %(url)s\n\nThe link works until %(expires)s.", count) % {
            "name": link.recipient_name, "sender": sender, "count": count,
            "workspace": link.workspace.name, "message": link.message, "url": approval_url(token),
            "expires": date_format(timezone.localtime(link.expires_at, link.workspace.tzinfo), "DATETIME_FORMAT")}
    send_mail(str(subject), str(body), None, [link.recipient_email])


def revoke_link(actor, link: ApprovalLink) -> ApprovalLink:
    with transaction.atomic():
        if ApprovalLink.objects.filter(pk=link.pk, revoked_at=None).update(revoked_at=clock.now()):
            audit(link.workspace_id, actor, "approval_link.revoked", link, recipient=link.recipient_name)
        link.refresh_from_db()
    return link


def posts_for_client(workspace_ids) -> "models.QuerySet[Post]":
    """What a client member may see: posts with the client, or sent in a link of their workspace."""
    return Post.objects.filter(
        Q(approval_state=ApprovalState.WITH_CLIENT) | Q(approval_links__isnull=False),
        workspace_id__in=workspace_ids).distinct()


# -- Posts scheduled before approval was required ----------------------------------------------------

NOT_SENT = (ApprovalState.DRAFT, ApprovalState.CHANGES_REQUESTED)


def scheduled_unapproved(workspace_ids) -> "models.QuerySet[DuePost]":
    """Posts of these workspaces (None: all) that require approval, with a publication scheduled, that nobody
    has approved (also those let through without approval), soonest first; `due_at` is their first time."""
    scheduled = Q(variants__publication__state=State.SCHEDULED)
    posts = Post.objects.all() if workspace_ids is None else Post.objects.filter(workspace_id__in=workspace_ids)
    return (posts.exclude(workspace__approval_flow=ApprovalFlow.NONE)
            .exclude(approval_state=ApprovalState.APPROVED)
            .annotate(due_at=models.Min("variants__publication__scheduled_at", filter=scheduled))
            .filter(due_at__isnull=False).order_by("due_at", "pk"))


def waiting_for_approval(workspace_ids) -> "models.QuerySet[DuePost]":
    """What the engine will refuse when its time comes, unless someone approves it first."""
    return scheduled_unapproved(workspace_ids).filter(approval_exempt=False)


def _titles(posts: Sequence[Post]) -> str:
    shown = ", ".join(str(p) for p in posts[:5])
    return shown + (", …" if len(posts) > 5 else "")


def send_scheduled_for_review(actor, workspace: Workspace, post_ids) -> list[Post]:
    """Scheduled posts that were never sent for review (or whose changes were asked for) go to the internal
    review together, with one notice to the reviewers instead of one per post."""
    with transaction.atomic():
        posts = list(scheduled_unapproved([workspace.pk]).filter(pk__in=post_ids, approval_state__in=NOT_SENT))
        if not posts:
            raise ActionError({"posts": [gettext("Choose at least one post that is not in review yet.")]})
        sent: list[Post] = []
        for post in posts:
            if not Post.objects.filter(pk=post.pk, approval_state=post.approval_state).update(
                    approval_state=ApprovalState.IN_REVIEW, approval_exempt=False):
                continue  # decided meanwhile
            post.approval_state, post.approval_exempt = ApprovalState.IN_REVIEW, False
            PostComment.objects.create(post=post, author=actor, author_name=_name(actor),
                                       kind=CommentKind.SENT_FOR_REVIEW,
                                       body=str(_("Scheduled before approval was required.")))
            audit(workspace.pk, actor, "post.sent_for_review", post)
            sent.append(post)
        if sent:
            message = in_their_language(_("Scheduled posts of %(workspace)s need your review before their time: "
                                          "%(titles)s"), workspace=workspace.name, titles=_titles(sent))
            notify(workspace.pk, "needs_review", message, link=reverse("review"),
                   to=[u for u in _reviewers(sent[0]) if u.pk != actor.pk])
    return sent


def exempt_from_approval(actor, workspace: Workspace, post_ids) -> list[Post]:
    """Scheduled posts publish as planned without approval, by their owner's choice; the other managers
    are told. Sending one for review or editing it ends this."""
    with transaction.atomic():
        posts: list[Post] = list(waiting_for_approval([workspace.pk]).filter(pk__in=post_ids,
                                                                             approval_state__in=NOT_SENT))
        if not posts:
            raise ActionError({"posts": [gettext("Choose at least one post that is not in review yet.")]})
        Post.objects.filter(pk__in=[p.pk for p in posts], approval_state__in=NOT_SENT).update(approval_exempt=True)
        for post in posts:
            post.approval_exempt = True
            audit(workspace.pk, actor, "post.exempted", post)
        message = in_their_language(_("%(name)s let scheduled posts of %(workspace)s publish without approval: "
                                      "%(titles)s"), name=_name(actor), workspace=workspace.name,
                                    titles=_titles(posts))
        notify(workspace.pk, "approval_exempted", message,
               link=reverse("approval-waiting", args=[workspace.slug]),
               to=[u for u in members_with(workspace.pk, Permission.MANAGE_WORKSPACE) if u.pk != actor.pk])
    return posts
