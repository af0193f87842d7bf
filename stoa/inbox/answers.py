"""Answering from the inbox, under the workspace's policy: replies checked before they go, saved before
they are sent, never resent blindly; hiding only where the policy allows; never deleting; notes; who is
answering right now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import regex
from django.db import transaction
from django.utils.translation import gettext as _

from stoa import clock
from stoa.channels import credentials
from stoa.errors import ActionError, cleaned
from stoa.inbox.forms import HideForm, NoteForm, ReplyForm
from stoa.inbox.models import Item, LinkPolicy, Note, Policy, Presence, Reply, ReplyState, SavedReply, Sentiment
from stoa.links.tagging import host_of
from stoa.providers.base import Draft, ErrorKind, Provider, ProviderError, Published, ReplyTo
from stoa.providers.capabilities import Hides, Replies, cannot
from stoa.workspaces.actions import audit

LINK = regex.compile(r"https?://[^\s<>\"']+|(?<![\p{L}\p{N}@.])(?:www\.)[^\s<>\"']+", regex.IGNORECASE)
PRESENCE_SECONDS = 45  # a page that has not said "still here" for this long has been left
VARIABLE = regex.compile(r"\{(\w+)\}")


def policy_of(workspace_id: int) -> Policy:
    return Policy.objects.get_or_create(workspace_id=workspace_id)[0]


@dataclass
class ReplyCheck:
    problems: list[str]  # the network refuses these: the reply cannot go
    confirm: list[str]  # the policy asks a person to confirm these first


def check_reply(item: Item, text: str) -> ReplyCheck:
    """The network's limits and the workspace's link policy, before anything is sent."""
    provider = item.channel.provider()
    problems = [p.message for p in provider.validate(Draft(text=text)) if not p.field.startswith("options")]
    policy = policy_of(item.workspace_id)
    confirm = []
    for link in LINK.findall(text):
        host = host_of(link if "://" in link else f"https://{link}").removeprefix("www.")
        allowed = {d.lower().removeprefix("www.") for d in policy.allowed_domains}
        if policy.link_policy == LinkPolicy.CONFIRM or (
                policy.link_policy == LinkPolicy.ALLOWED_DOMAINS
                and not any(host == d or host.endswith(f".{d}") for d in allowed)):
            confirm.append(_("The policy allows links to %(allowed)s only: %(link)s") % {
                "allowed": ", ".join(sorted(allowed)) or _("no site"), "link": link}
                if policy.link_policy == LinkPolicy.ALLOWED_DOMAINS else
                _("The policy asks for a confirmation before a reply carries a link: %(link)s") % {"link": link})
    return ReplyCheck(problems, confirm)


def fill(saved: SavedReply, item: Item, **values: str) -> str:
    """A saved reply with its {name} (the author's) and other {variables} filled in; unknown ones stay."""
    known = {"name": item.author.name or item.author.handle, **{k: v for k, v in values.items() if v}}
    return VARIABLE.sub(lambda m: known.get(m.group(1), m.group(0)), saved.body)


def send_reply(actor, item: Item, text: str, *, confirmed: bool = False) -> Reply:
    """Check, save, then send. A failure keeps the reply with its reason; an unknown outcome is left to a
    person, because sending again could answer twice."""
    text = cleaned(ReplyForm({"text": text, "confirmed": confirmed}))["text"]
    provider = item.channel.provider()
    if not isinstance(provider, Replies):
        raise ActionError({"text": [cannot(item.channel.network_name, Replies)]})
    checked = check_reply(item, text)
    if checked.problems:
        raise ActionError({"text": checked.problems})
    if checked.confirm and not confirmed:
        raise ActionError({"confirm": checked.confirm})
    with transaction.atomic():  # committed before the network is called: a crash loses no reply
        reply = Reply.objects.create(item=item, author=actor, text=text)
        audit(item.workspace_id, actor, "inbox.reply", item, reply=reply.pk, confirmed_links=checked.confirm)
    to = ReplyTo(item.remote_id, item.kind, item.root_remote_id, item.author.remote_id, item.author.handle)

    def answer(provider: Provider) -> Published:
        if not isinstance(provider, Replies):
            raise ProviderError(cannot(item.channel.network_name, Replies), ErrorKind.PERMANENT)
        return provider.reply(to, text)

    try:
        published = credentials.using(item.channel, answer)
    except ProviderError as e:
        state = ReplyState.UNKNOWN if e.kind == ErrorKind.UNKNOWN_OUTCOME else ReplyState.FAILED
        Reply.objects.filter(pk=reply.pk).update(state=state, error=e.message)
    else:
        now = clock.now()
        Reply.objects.filter(pk=reply.pk).update(state=ReplyState.SENT, remote_id=published.remote_id,
                                                 remote_url=published.url, sent_at=now)
        Item.objects.filter(pk=item.pk, first_response_at=None).update(first_response_at=now)
    reply.refresh_from_db()
    return reply


def hide(actor, item: Item, reason: str) -> Item:
    """Hide a reply from other readers on the network, where the policy allows it, with a reason."""
    if not policy_of(item.workspace_id).hiding_allowed:
        raise ActionError({"hide": [_("This workspace's policy does not allow hiding messages; answer it instead.")]})
    reason = cleaned(HideForm({"reason": reason}))["reason"]
    provider = item.channel.provider()
    if not isinstance(provider, Hides):
        raise ActionError({"hide": [cannot(item.channel.network_name, Hides)]})
    to = ReplyTo(item.remote_id, item.kind, item.root_remote_id, item.author.remote_id, item.author.handle)

    def hide_it(provider: Provider) -> None:
        if not isinstance(provider, Hides):
            raise ProviderError(cannot(item.channel.network_name, Hides), ErrorKind.PERMANENT)
        provider.hide(to)

    try:
        credentials.using(item.channel, hide_it)  # which saves a session the network renewed meanwhile
    except ProviderError as e:
        raise ActionError({"hide": [e.message]}) from None
    Item.objects.filter(pk=item.pk).update(hidden_reason=reason)
    audit(item.workspace_id, actor, "inbox.hidden", item, reason=reason)
    item.refresh_from_db()
    return item


def refuse_delete(item: Item) -> None:
    """Stoa never deletes what people wrote: a negative comment answered calmly is worth more."""
    reason = (_("Negative comments are never deleted: answer calmly, or hand it to the service that can solve it.")
              if item.sentiment == Sentiment.NEGATIVE else
              _("Stoa never deletes what people write to the brand; hide it if the policy allows."))
    raise ActionError({"delete": [reason]})


def add_note(actor, item: Item, body: str) -> Note:
    body = cleaned(NoteForm({"body": body}))["body"]
    note = Note.objects.create(item=item, author=actor, body=body)
    audit(item.workspace_id, actor, "inbox.note", item, note=note.pk)
    return note


def here(actor, item: Item, replying: bool = False) -> list[Presence]:
    """Say that `actor` has the message open (and is writing a reply), and answer who else does right now."""
    now = clock.now()
    Presence.objects.update_or_create(item=item, user=actor, defaults={"seen_at": now, "replying": replying})
    since = now - timedelta(seconds=PRESENCE_SECONDS)
    return list(Presence.objects.filter(item=item, seen_at__gte=since).exclude(user=actor).select_related("user"))
