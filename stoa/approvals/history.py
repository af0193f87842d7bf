"""A post's history as sentences in the reader's language, from the audit events of the post, its
variants and its publications (whose keys, such as `publication.scheduled`, are for machines)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stoa.posts.models import ApprovalState, Post, Variant
from stoa.workspaces.actions import ENGINE
from stoa.workspaces.models import AuditEvent

# What each event says; %(channel)s is the channel of the publication or variant it is about.
SENTENCES = {
    "post.created": gettext_lazy("Created the post for %(channels)s."),
    "post.details": gettext_lazy("Changed the title, content type, tags or campaign."),
    "post.sent_for_review": gettext_lazy("Sent it for review."),
    "post.back_to_review": gettext_lazy("Edited it after it was reviewed or let through; it went back to review."),
    "post.approved": gettext_lazy("Approved it."),
    "post.changes_requested": gettext_lazy("Asked for changes."),
    "post.client_approved": gettext_lazy("%(client)s approved it for the client."),
    "post.client_changes_requested": gettext_lazy("%(client)s asked for changes for the client."),
    "post.commented": gettext_lazy("Commented."),
    "post.exempted": gettext_lazy("Let it publish without approval: it was scheduled before approval was "
                                  "required."),
    "publication.scheduled": gettext_lazy("Scheduled it on %(channel)s."),
    "publication.drafted": gettext_lazy("Saved it as a draft for %(channel)s."),
    "publication.publish_now": gettext_lazy("Asked to publish it on %(channel)s now."),
    "publication.cancelled": gettext_lazy("Cancelled it on %(channel)s."),
    "publication.published": gettext_lazy("Published it on %(channel)s."),
    "publication.failed": gettext_lazy("Publishing on %(channel)s failed."),
    "publication.missed": gettext_lazy("It was not published on %(channel)s by its time."),
    "publication.retry": gettext_lazy("Publishing on %(channel)s did not work yet; Stoa tries again."),
    "publication.waiting_for_reconnect": gettext_lazy("Publishing on %(channel)s waits until the channel is "
                                                      "reconnected."),
    "publication.unknown_outcome": gettext_lazy("%(channel)s did not say whether it took the post; Stoa is "
                                                "checking."),
    "publication.lease_expired": gettext_lazy("Publishing on %(channel)s stopped halfway; Stoa is checking whether "
                                              "it went out."),
    "publication.needs_person": gettext_lazy("Stoa cannot tell whether it went out on %(channel)s; a person needs "
                                             "to look."),
    "publication.reconciled_not_published": gettext_lazy("%(channel)s confirmed that nothing went out; publishing "
                                                         "again."),
    "publication.resolved_published": gettext_lazy("Marked it as published on %(channel)s."),
    "publication.resolved_not_published": gettext_lazy("Marked it as not published on %(channel)s; publishing "
                                                       "again."),
    "variant.edited": gettext_lazy("Edited the text for %(channel)s."),
}
# Said more precisely where the event's details allow.
SCHEDULED_AT = gettext_lazy("Scheduled it on %(channel)s for %(time)s.")
APPROVED_TO_CLIENT = gettext_lazy("Approved it in the internal review; it goes to the client.")
COMMENTED_FOR_CLIENT = gettext_lazy("Commented for the client.")


@dataclass
class Line:
    at: datetime
    who: str
    what: str


def post_history(post: Post, variants: list[Variant], limit: int = 100) -> list[Line]:
    """The post's events, newest first, each as a sentence; `variants` are the post's, with their channel and
    publication fetched."""
    channel_of: dict[tuple[str, int | None], str] = {("variant", v.pk): v.channel.name for v in variants}
    channel_of |= {("publication", v.publication.pk): v.channel.name for v in variants if _has_publication(v)}
    pub_ids = [pk for kind, pk in channel_of if kind == "publication"]
    events = AuditEvent.objects.filter(workspace_id=post.workspace_id).filter(
        Q(object_type="post", object_id=post.pk) | Q(object_type="publication", object_id__in=pub_ids)
        | Q(object_type="variant", object_id__in=[v.pk for v in variants]))[:limit]
    zone = post.workspace.tzinfo
    return [Line(e.created_at, _("Stoa") if e.actor_label == ENGINE and e.actor_id is None else e.actor_label,
                 describe(e, channel_of.get((e.object_type, e.object_id), ""), zone)) for e in events]


def _has_publication(variant: Variant) -> bool:
    return hasattr(variant, "publication")


def describe(event: AuditEvent, channel: str, zone) -> str:
    detail = event.detail or {}
    values = {"channel": channel or "?", "channels": ", ".join(detail.get("channels", [])) or "?",
              "client": detail.get("client", "") or "?"}
    sentence = SENTENCES.get(event.action)
    if event.action == "publication.scheduled" and (when := parse_datetime(detail.get("scheduled_at") or "")):
        sentence, values["time"] = SCHEDULED_AT, date_format(timezone.localtime(when, zone), "SHORT_DATETIME_FORMAT")
    elif event.action == "post.approved" and detail.get("state") == ApprovalState.WITH_CLIENT:
        sentence = APPROVED_TO_CLIENT
    elif event.action == "post.commented" and detail.get("for_client"):
        sentence = COMMENTED_FOR_CLIENT
    if sentence is None:
        return _("Something else happened (%(event)s).") % {"event": event.action}
    return str(sentence) % values
