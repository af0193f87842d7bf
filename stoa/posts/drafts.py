"""A post as its network will receive it: the one mapping from a variant to the provider's Draft.

The composer's live check and its previews, the approval pages' previews, the API's check, saving
(create_post, add_variants, edit_variant, scheduling) and the publishing engine all take their Draft
from here, so what is checked and shown is what is published.

- text: the variant's text as written.
- media: the variant's media in its order, each with its alt text from the library.
- language: the variant's "language" option where one is set (the composer and the API let a person
  say which language a variant is in), else the language of its text, from its letters, with the
  workspace's language deciding where the letters do not (stoa/languages.py). It is the Draft's own
  field, so it is taken out of the options a provider sees.
- options: the variant's other network options, unchanged; a thread's later parts are
  options["thread"], in order.
- links (in the text, the thread's parts and a link-preview option): where the workspace chose it
  (stoa/links), with its UTM parameters, then as Stoa short links. Short links are made only when the
  engine sends a publication (draft_to_send), once per link; a preview and the check show the ones
  made, or a stand-in of the same length, so the length checked is the length published.
"""

from collections.abc import Callable, Iterable
from typing import Any

from stoa.channels.models import Channel
from stoa.languages import written_language
from stoa.links.outgoing import Destination, link_rewriter
from stoa.links.tagging import rewrite_links
from stoa.posts import public_media
from stoa.posts.models import Media, Post, Publication, Variant
from stoa.providers.base import Draft, ErrorKind, MediaFile, ProviderError
from stoa.workspaces.models import Workspace

LANGUAGE = "language"  # the option that names the post's language
THREAD = "thread"  # the option that holds a thread's later parts, each a text with its own links
LINK_PREVIEW = "link_preview_options"  # Telegram's: {"url": the link whose preview is shown, ...}


def media_file(media: Media) -> MediaFile:
    def read() -> bytes:
        with media.file.open("rb") as f:
            return f.read()

    def public_url() -> str:
        try:
            return public_media.public_url(media)
        except public_media.NoPublicURL as e:
            raise ProviderError(str(e), ErrorKind.PERMANENT) from e

    return MediaFile(media.filename, media.content_type, media.size, media.alt_text, read, media_id=media.pk,
                     public_url=public_url)


def draft_of(workspace: Workspace, *, text: str, media: Iterable[Media], options: dict,
             channel: Channel | None = None, post: Post | None = None,
             destination: Callable[[], Destination] | None = None) -> Draft:
    """The Draft of a variant being written or edited, before it is saved: give its channel (and its post, when
    it has one) so that its links are those it will be published with."""
    options = dict(options)
    language = str(options.pop(LANGUAGE, "") or "").strip() or text_language(workspace, text)
    rewrite = link_rewriter(workspace.pk, destination or (lambda: destination_of(workspace, channel, post)))
    if rewrite is not None:
        text, options = with_links(text, options, rewrite)
    return Draft(text=text, media=tuple(media_file(m) for m in media), options=options, language=language)


def with_links(text: str, options: dict[str, Any], rewrite: Callable[[str], str]) -> tuple[str, dict[str, Any]]:
    """The text and options with every link rewritten."""
    options = dict(options)
    if isinstance(options.get(THREAD), list):
        options[THREAD] = [rewrite_links(part, rewrite) if isinstance(part, str) else part
                           for part in options[THREAD]]
    preview = options.get(LINK_PREVIEW)
    if isinstance(preview, dict) and isinstance(preview.get("url"), str) and preview["url"]:
        options[LINK_PREVIEW] = preview | {"url": rewrite_links(preview["url"], rewrite)}
    return rewrite_links(text, rewrite), options


def destination_of(workspace: Workspace, channel: Channel | None, post: Post | None,
                   publication: Publication | None = None, *, sending: bool = False) -> Destination:
    """What the workspace's UTM placeholders are filled with, and whose short links are used."""
    return Destination(
        workspace_id=workspace.pk, network=channel.network if channel else "", channel=channel.name if channel else "",
        channel_id=channel.pk if channel else None, campaign=post.campaign if post else "",
        post=str(post.pk) if post and post.pk else next_post_number(),
        publication_id=publication.pk if publication else None, sending=sending)


def text_language(workspace: Workspace, text: str) -> str:
    """The language a variant without a language of its own is published in."""
    return written_language(text, workspace.language)


def next_post_number() -> str:
    """{post} of a post being written: the number it will likely get, so that its check counts as many digits."""
    last = Post.objects.order_by("-pk").values_list("pk", flat=True).first()
    return str((last or 0) + 1)


def draft_for(variant: Variant, workspace: Workspace | None = None) -> Draft:
    """The Draft of a saved variant, as previews and checks show it. Give its workspace when it is at hand, to
    save a query."""
    workspace = workspace or variant.post.workspace

    def destination() -> Destination:
        publication = Publication.objects.filter(variant=variant).first()
        return destination_of(workspace, variant.channel, variant.post, publication)

    return draft_of(workspace, text=variant.text, media=variant.ordered_media(), options=variant.options,
                    destination=destination)


def draft_to_send(publication: Publication) -> Draft:
    """The Draft the publishing engine sends (and reconciles): as draft_for, with the short links made the first
    time it is asked for and the same ones every time after."""
    variant, workspace = publication.variant, publication.channel.workspace
    return draft_of(workspace, text=variant.text, media=variant.ordered_media(), options=variant.options,
                    destination=lambda: destination_of(workspace, publication.channel, variant.post, publication,
                                                       sending=True))
