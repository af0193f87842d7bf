"""The one state a person reads for a publication and for a post.

A publication's own state says where it is in publishing; a post's approval state says where it is
in review. Shown side by side they contradict each other ("Scheduled" next to "In review", while the
engine will not publish it), so pages, the calendar and the engine read them together here."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _

from stoa import clock
from stoa.posts.models import ApprovalState, Post, Publication, State

WAITING = "waiting_approval"  # a key of its own: scheduled, but the engine will not publish it yet
WARN_BEFORE = timedelta(hours=24)  # how long before its time a post waiting for approval is flagged
STILL_TO_PUBLISH = {State.DRAFT, State.SCHEDULED, State.FAILED, State.MISSED}
# The post's state is that of its publication that most needs a person, in this order.
PRIORITY = [State.PUBLISHING, State.UNKNOWN, State.FAILED, State.MISSED, WAITING, State.SCHEDULED, State.DRAFT,
            State.PUBLISHED, State.CANCELLED]


@dataclass(frozen=True)
class Status:
    key: str  # the publication's state, WAITING, or for a post without publications "approval-<state>"
    label: str
    detail: str = ""  # where the approval stands, or why the post publishes without one
    warning: str = ""  # its time is near and nobody has approved it

    def __str__(self) -> str:
        return self.label


def waits_for_approval(requires_approval: bool, approval_state: str, exempt: bool) -> bool:
    """Whether the engine refuses to publish it now (checked again at delivery)."""
    return requires_approval and approval_state != ApprovalState.APPROVED and not exempt


def post_waits_for_approval(post: Post) -> bool:
    return waits_for_approval(post.workspace.requires_approval, post.approval_state, post.approval_exempt)


def approval_label(approval_state: str) -> str:
    """The approval state as a person reads it: a draft in review terms has not been sent yet."""
    if approval_state == ApprovalState.DRAFT:
        return _("Not sent for review")
    return str(ApprovalState(approval_state).label)


def approval_detail(requires_approval: bool, approval_state: str, exempt: bool) -> str:
    if not requires_approval:
        return ""
    if exempt and approval_state != ApprovalState.APPROVED:
        return _("Publishes without approval")
    return approval_label(approval_state)


def of_publication(state: str, scheduled_at: datetime | None, *, requires_approval: bool, approval_state: str,
                   exempt: bool, now: datetime | None = None) -> Status:
    """A publication's state, with its post's approval folded in where it decides what happens."""
    detail = approval_detail(requires_approval, approval_state, exempt) if state in STILL_TO_PUBLISH else ""
    if state == State.SCHEDULED and waits_for_approval(requires_approval, approval_state, exempt):
        now = now or clock.now()
        warning = ""
        if scheduled_at and now <= scheduled_at <= now + WARN_BEFORE:
            warning = _("Due in %(time)s: it is not published unless it is approved by then.") % {
                "time": timeuntil(scheduled_at, now, depth=1)}
        return Status(WAITING, _("Waiting for approval"), detail, warning)
    return Status(str(state), str(State(state).label), detail)


def publication_status(publication: Publication, now: datetime | None = None) -> Status:
    post = publication.variant.post
    return of_publication(publication.state, publication.scheduled_at,
                          requires_approval=publication.workspace.requires_approval,
                          approval_state=post.approval_state, exempt=post.approval_exempt, now=now)


def post_status(post: Post, publications: list[Publication], now: datetime | None = None) -> Status:
    """One state for the whole post: that of the publication most in need of a person, or, before
    anything is planned, where its approval stands."""
    requires = post.workspace.requires_approval
    if not publications:
        if requires and not post.approval_exempt:
            return Status(f"approval-{post.approval_state}", approval_label(post.approval_state))
        return Status(State.DRAFT, str(State.DRAFT.label), approval_detail(requires, post.approval_state,
                                                                           post.approval_exempt))
    statuses = [publication_status(p, now) for p in publications]
    first = min(statuses, key=lambda s: PRIORITY.index(s.key))
    if first.key == State.DRAFT and requires and not post.approval_exempt:
        # Nothing is planned yet: the review is what moves.
        return Status(f"approval-{post.approval_state}", approval_label(post.approval_state))
    return first


def still_to_publish(publications: list[Publication]) -> bool:
    """Whether anything of the post can still change: otherwise editing and reviewing make no sense."""
    return not publications or any(p.state in STILL_TO_PUBLISH for p in publications)
