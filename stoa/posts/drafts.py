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
"""

from collections.abc import Iterable

from stoa.languages import written_language
from stoa.posts.models import Media, Variant
from stoa.providers.base import Draft, MediaFile
from stoa.workspaces.models import Workspace

LANGUAGE = "language"  # the option that names the post's language


def media_file(media: Media) -> MediaFile:
    def read() -> bytes:
        with media.file.open("rb") as f:
            return f.read()

    return MediaFile(media.filename, media.content_type, media.size, media.alt_text, read, media_id=media.pk)


def draft_of(workspace: Workspace, *, text: str, media: Iterable[Media], options: dict) -> Draft:
    """The Draft of a variant being written or edited, before it is saved."""
    options = dict(options)
    language = str(options.pop(LANGUAGE, "") or "").strip()
    return Draft(text=text, media=tuple(media_file(m) for m in media), options=options,
                 language=language or text_language(workspace, text))


def text_language(workspace: Workspace, text: str) -> str:
    """The language a variant without a language of its own is published in."""
    return written_language(text, workspace.language)


def draft_for(variant: Variant, workspace: Workspace | None = None) -> Draft:
    """The Draft of a saved variant. Give its workspace when it is at hand, to save a query."""
    return draft_of(workspace or variant.post.workspace, text=variant.text, media=variant.ordered_media(),
                    options=variant.options)
