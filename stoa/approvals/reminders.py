"""Reminders ahead of a post's time while it still waits for approval, to whoever has to act next:
the reviewers, the client (as a member, and by email to whom a link was sent), or the people who
write the post when it was never sent for review or its changes were asked for."""

from datetime import datetime, timedelta

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

from stoa import clock
from stoa.approvals.actions import DuePost, members_with, waiting_for_approval
from stoa.approvals.models import ApprovalLink, ApprovalReminder
from stoa.approvals.permissions import APPROVE, CLIENT_REVIEW, SEND_TO_CLIENT
from stoa.posts.models import ApprovalState
from stoa.workspaces.access import Permission
from stoa.workspaces.actions import in_their_language, notify

# A first reminder a day before the post's time, a last one two hours before.
STAGES_HOURS = (24, 2)

DUE_TEXT: dict[str, Promise] = {
    ApprovalState.IN_REVIEW: _("A post due %(when)s (%(tz)s) still waits for review: %(title)s. It is not "
                               "published unless it is approved by then."),
    ApprovalState.DRAFT: _("A post due %(when)s (%(tz)s) was never sent for review: %(title)s. It is not "
                           "published unless it is approved by then."),
    ApprovalState.CHANGES_REQUESTED: _("A post due %(when)s (%(tz)s) waits for the changes asked for: %(title)s. "
                                       "It is not published unless it is approved by then."),
}
TO_CLIENT = _("A post due %(when)s (%(tz)s) waits for your approval: %(title)s. It is not published unless you "
              "approve it by then.")
TO_SENDERS = _("The client has not decided yet on a post due %(when)s (%(tz)s): %(title)s. It is not published "
               "unless it is approved by then.")


def remind_before_due(now: datetime | None = None) -> int:
    """Send the reminders that are due now, each once however many workers run this. Returns how many posts
    were reminded of."""
    now = now or clock.now()
    soon = waiting_for_approval(None).filter(due_at__gt=now, due_at__lte=now + timedelta(hours=max(STAGES_HOURS)))
    reminded = 0
    for post in soon.select_related("workspace", "created_by"):
        stage = min(h for h in STAGES_HOURS if post.due_at - now <= timedelta(hours=h))
        if _claim(post, stage, now):
            _remind(post)
            reminded += 1
    return reminded


def _claim(post: DuePost, stage: int, now: datetime) -> bool:
    """Record the reminder; False when another worker (or an earlier run) already sent it."""
    try:
        with transaction.atomic():
            ApprovalReminder.objects.create(post=post, due_at=post.due_at, hours_before=stage,
                                            approval_state=post.approval_state, sent_at=now)
    except IntegrityError:
        return False
    return True


def _remind(post: DuePost) -> None:
    workspace = post.workspace
    values = {"when": _local_time(post.due_at, workspace), "tz": workspace.timezone, "title": post}
    link = f"/posts/{post.pk}/"
    if post.approval_state == ApprovalState.WITH_CLIENT:
        notify(workspace.pk, "approval_due", in_their_language(TO_CLIENT, **values), link=link,
               to=members_with(workspace.pk, CLIENT_REVIEW))
        notify(workspace.pk, "approval_due", in_their_language(TO_SENDERS, **values), link=link,
               to=members_with(workspace.pk, SEND_TO_CLIENT))
        _email_link_recipients(post)
        return
    if post.approval_state == ApprovalState.IN_REVIEW:
        people = members_with(workspace.pk, APPROVE)
    else:  # never sent, or changes asked for: the people who write it, and who manage the workspace
        people = members_with(workspace.pk, Permission.EDIT_POSTS) + ([post.created_by] if post.created_by else [])
    notify(workspace.pk, "approval_due", in_their_language(DUE_TEXT[post.approval_state], **values), link=link,
           to=people)


def _local_time(when: datetime, workspace) -> str:
    """Written in each recipient's language when the message is."""
    return lazy(lambda: date_format(timezone.localtime(when, workspace.tzinfo), "SHORT_DATETIME_FORMAT"), str)()


def _email_link_recipients(post: DuePost) -> None:
    """The client without an account hears by email, in the workspace's language. Only the link's hash is
    kept, so the email points to the one they already have."""
    links = ApprovalLink.objects.filter(posts=post, revoked_at=None, expires_at__gt=clock.now()).exclude(
        recipient_email="").select_related("workspace", "created_by")
    for link in links:
        workspace = link.workspace
        with translation.override(workspace.language):
            subject = _("%(workspace)s: a post waits for your approval") % {"workspace": workspace.name}
            body = _("Hello %(name)s,\n\nthe post \"%(title)s\" of %(workspace)s is due %(when)s (%(tz)s) and waits "
                     "for your approval. It is not published unless you approve it by then.\n\nPlease open the "
                     "link in the email of %(sent)s; it works until %(expires)s.") % {
                "name": link.recipient_name, "title": str(post), "workspace": workspace.name,
                "when": _local_time(post.due_at, workspace), "tz": workspace.timezone,
                "sent": date_format(timezone.localtime(link.created_at, workspace.tzinfo), "SHORT_DATE_FORMAT"),
                "expires": date_format(timezone.localtime(link.expires_at, workspace.tzinfo),
                                       "SHORT_DATETIME_FORMAT")}
            send_mail(str(subject), str(body), None, [link.recipient_email])
