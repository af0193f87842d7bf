"""Raising the alarm: a burst of negative messages or the policy's alarm words, and response clocks that
are about to run out or have."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils.translation import gettext_lazy, ngettext_lazy, npgettext_lazy

from stoa import clock
from stoa.inbox.models import Item, Policy, ResponseTarget, Sentiment, Status
from stoa.inbox.routing import keyword_pattern
from stoa.workspaces.actions import in_their_language, notify
from stoa.workspaces.models import Membership, Role

ANSWERING_ROLES = (Role.OWNER, Role.MANAGER, Role.COMMUNITY_MANAGER)
DEFAULT_WARN_MINUTES = 15


def check_acute(workspace_id: int, new_items: list[Item]) -> bool:
    """After messages arrive: tell the managers once, with the messages grouped, when negative ones come
    in a burst or one carries an alarm word. Returns whether an alarm went out."""
    if not new_items:
        return False
    policy = Policy.objects.filter(workspace_id=workspace_id).first() or Policy(workspace_id=workspace_id)
    now = clock.now()
    window = now - timedelta(minutes=policy.burst_minutes)
    alarm_words = keyword_pattern(policy.alarm_keywords)
    flagged = [i for i in new_items if alarm_words and alarm_words.search(i.text)]
    if not flagged and (not policy.burst_negative_count or (policy.last_alarm_at and policy.last_alarm_at >= window)
                        or not any(i.sentiment == Sentiment.NEGATIVE for i in new_items)):
        return False  # no alarm words, and no new negative message or this burst already reported
    # Counted only up to the threshold: a viral storm must not make every batch count them all.
    negative = Item.objects.filter(workspace_id=workspace_id, sentiment=Sentiment.NEGATIVE,
                                   received_at__gte=window)[:max(policy.burst_negative_count, 1)].count()
    burst = policy.burst_negative_count and negative >= policy.burst_negative_count
    if not (burst or flagged):
        return False
    if burst:  # the alarm goes out once per window: now the whole count is worth it
        negative = Item.objects.filter(workspace_id=workspace_id, sentiment=Sentiment.NEGATIVE,
                                       received_at__gte=window).count()
    Policy.objects.update_or_create(workspace_id=workspace_id, defaults={"last_alarm_at": now})
    quoted = " / ".join(i.text[:80] for i in (flagged or [i for i in new_items if i.sentiment == "negative"])[:3])
    if burst:
        message = in_their_language(gettext_lazy(
            "Acute situation: %(messages)s in %(minutes)s. Stay calm, answer them, and tell the team one line to "
            "use. For example: %(quoted)s"),
            messages=in_their_language(ngettext_lazy("%(count)d negative message", "%(count)d negative messages",
                                                     negative), count=negative),
            minutes=in_their_language(npgettext_lazy("a time span", "%(count)d minute", "%(count)d minutes",
                                                     policy.burst_minutes), count=policy.burst_minutes),
            quoted=quoted)
    else:
        message = in_their_language(gettext_lazy("Alarm words in new messages: %(quoted)s"), quoted=quoted)
    notify(workspace_id, "inbox_acute", message, link="/inbox/?view=negative")
    return True


def check_deadlines(now: datetime | None = None) -> tuple[int, int]:
    """Warn the people handling a message before its first answer is due, and alert when it is late.
    Each goes out once. Returns (warned, late)."""
    now = now or clock.now()
    open_unanswered = Item.objects.filter(status=Status.OPEN, first_response_at=None).exclude(first_response_due=None)
    warn_minutes = dict(ResponseTarget.objects.values_list("intent", "warn_before_minutes"))
    warned = late = 0
    for item in open_unanswered.filter(due_warned=False, first_response_due__gt=now,
                                       first_response_due__lte=now + timedelta(hours=1)).select_related("team"):
        due = item.first_response_due
        assert due is not None  # the query keeps the messages with a deadline
        if due - now > timedelta(minutes=warn_minutes.get(item.intent, DEFAULT_WARN_MINUTES)):
            continue
        if Item.objects.filter(pk=item.pk, due_warned=False).update(due_warned=True):
            notify(item.workspace_id, "inbox_due_soon", in_their_language(gettext_lazy(
                "A message must be answered within %(minutes)d min: %(text)s"),
                minutes=max(1, int((due - now).total_seconds() // 60)), text=item.text[:100]),
                link=f"/inbox/#item-{item.pk}", to=handlers(item))
            warned += 1
    for item in open_unanswered.filter(late_alerted=False, first_response_due__lte=now).select_related("team"):
        if Item.objects.filter(pk=item.pk, late_alerted=False).update(late_alerted=True):
            notify(item.workspace_id, "inbox_late", in_their_language(gettext_lazy(
                "A message has waited past its response target: %(text)s"), text=item.text[:100]),
                link="/inbox/?view=overdue", to=handlers(item) + managers(item.workspace_id))
            late += 1
    return warned, late


def handlers(item: Item) -> list:
    """Whoever the message is routed to, or else everyone who answers the workspace's messages."""
    if item.assigned_to_id:
        return [item.assigned_to]
    if item.team is not None:
        return list(item.team.members.all())
    return [m.user for m in Membership.objects.filter(workspace_id=item.workspace_id,
                                                      role__in=ANSWERING_ROLES).select_related("user")]


def managers(workspace_id: int) -> list:
    return [m.user for m in Membership.objects.filter(Q(role=Role.OWNER) | Q(role=Role.MANAGER),
                                                      workspace_id=workspace_id).select_related("user")]
