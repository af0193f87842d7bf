"""The way to a first post for a new owner: a workspace, a channel in it, a post. Shown on the home page, the
channels page and where a page needs a workspace the person does not have yet, until all three are done."""

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from stoa.channels.models import Channel
from stoa.posts.models import Post
from stoa.workspaces.access import Permission, workspaces_for

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Step:
    label: "StrOrPromise"
    hint: "StrOrPromise"
    url: str
    done: bool
    next: bool = False


def first_steps(user) -> list[Step]:
    """The three steps with what is done, the first step left marked next; [] once all are done, or for a
    member of workspaces they do not set up (a content editor, a client), who has nothing to do here."""
    if not user.is_authenticated:
        return []
    if workspaces_for(user).exists():
        managed = list(workspaces_for(user, Permission.MANAGE_CHANNELS))
        if not managed:
            return []
    else:
        managed = []
    with_channels = set(Channel.objects.filter(workspace__in=managed).values_list("workspace_id", flat=True))
    posted = Post.objects.filter(workspace__in=managed).exists()
    if with_channels and posted:
        return []
    to_connect = next((w for w in managed if w.pk not in with_channels), managed[0] if managed else None)
    to_write = next((w for w in managed if w.pk in with_channels), None)
    steps = [
        Step(_("Create a workspace"), _("One for each brand or client, with its own timezone, team and channels."),
             reverse("workspace-new"), bool(managed)),
        Step(_("Connect a channel"), _("The brand's account on Bluesky, Mastodon or Telegram."),
             f"{reverse('channels')}?workspace={to_connect.slug}" if to_connect else "", bool(with_channels)),
        Step(_("Write the first post"), _("Write it once, adapt it for each channel, then schedule it."),
             f"{reverse('compose')}?workspace={to_write.slug}" if to_write else "", posted),
    ]
    first_left = next(i for i, step in enumerate(steps) if not step.done)
    steps[first_left] = replace(steps[first_left], next=True)
    return steps
