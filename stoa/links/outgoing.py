"""What a published link becomes: the workspace's UTM parameters added, then, if it chose short links, a Stoa
short link to the tagged address. Used by stoa/posts/drafts.py only, so the composer's previews, the length check
and the publishing engine all see the same text."""

from collections.abc import Callable
from dataclasses import dataclass

from stoa.links import shortening
from stoa.links.models import LinkSettings
from stoa.links.tagging import add_utm, fill


@dataclass(frozen=True)
class Destination:
    """Where a text is going: what fills the UTM placeholders, and the publication whose short links it uses."""

    workspace_id: int
    network: str = ""
    channel: str = ""
    channel_id: int | None = None
    campaign: str = ""
    post: str = ""
    publication_id: int | None = None
    # Short links are made only when the publication is being sent; a preview or a check shows the ones already
    # made, or a stand-in of the same length.
    sending: bool = False

    def placeholders(self) -> dict[str, str]:
        return {"network": self.network, "channel": self.channel, "campaign": self.campaign, "post": self.post}


def link_rewriter(workspace_id: int, destination: Callable[[], Destination]) -> Callable[[str], str] | None:
    """What to do to each link going to `destination` (asked only when the workspace changes links), or None."""
    chosen = LinkSettings.objects.filter(workspace_id=workspace_id).first()
    if chosen is None or not (chosen.utm_enabled or chosen.short_links_enabled):
        return None
    return rewriter(chosen, destination())


def rewriter(chosen: LinkSettings, destination: Destination) -> Callable[[str], str]:
    parameters = ({name: fill(template, destination.placeholders()) for name, template in chosen.utm_templates.items()}
                  if chosen.utm_enabled else {})
    shorten = chosen.short_links_enabled and destination.channel_id is not None
    made = (shortening.existing_short_links(destination.publication_id)
            if shorten and destination.publication_id and not destination.sending else {})

    def rewrite(url: str) -> str:
        if shortening.is_short_link(url):
            return url  # already one of ours: never tagged or shortened twice
        target = add_utm(url, parameters)
        if not shorten:
            return target
        if destination.sending and destination.publication_id and destination.channel_id:
            return shortening.short_link_for(
                workspace_id=destination.workspace_id, publication_id=destination.publication_id,
                channel_id=destination.channel_id, network=destination.network, url=url, target=target)
        return made.get(url) or shortening.short_url(shortening.PREVIEW_CODE)

    return rewrite
