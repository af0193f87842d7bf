"""What Instagram takes, as its documentation states it, and the checks a draft gets before anything is sent.

Sources:
- CONTENT: https://developers.facebook.com/docs/instagram-platform/content-publishing ("We cURL media used in
  publishing attempts, so the media must be hosted on a publicly accessible server"; carousels; alt_text for image posts
  since March 24, 2025, "Reels and stories are not supported").
- MEDIA: https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media (the
  container's parameters; the image, video and Reels specifications; the caption's limits).
- ERRORS: https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes ("The image
  is too large to download. It should be less than 8 MiB.", subcode 2207004).
"""

from __future__ import annotations

import regex
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from stoa.providers.base import Draft, Limits, OptionField, Problem, public_media_problems

NAME = "Instagram"
# MEDIA, caption: "Maximum 2200 characters, 30 hashtags, and 20 @ tags."
MAX_CAPTION, MAX_HASHTAGS, MAX_TAGS = 2200, 30, 20
MAX_CAROUSEL = 10  # CONTENT: a carousel holds up to 10 images, videos or both
IMAGE_TYPES = frozenset({"image/jpeg"})  # MEDIA, image specifications: "Format: JPEG"
VIDEO_TYPES = frozenset({"video/mp4", "video/quicktime"})  # MEDIA, Reels: container MOV or MP4 (MPEG-4 Part 14)
MAX_IMAGE_BYTES = 8 * 1024 * 1024  # MEDIA: "File size: 8 MB maximum"; ERRORS 2207004: "less than 8 MiB"
# MEDIA, Reels: 300 MB in the copies of the page read here; the current figure could not be read (other services now
# say 1 GB), so Stoa keeps the smaller.
MAX_VIDEO_BYTES = 300 * 1024 * 1024

LIMITS = Limits(
    # How Instagram counts the 2,200 is not written: Stoa counts UTF-16 units, the larger of the counts a server may
    # use (an emoji outside the BMP is 2), so it never sends a caption Instagram could count as longer.
    max_text=MAX_CAPTION, counts="utf16", max_media=MAX_CAROUSEL, media_types=IMAGE_TYPES | VIDEO_TYPES,
    max_media_bytes=MAX_VIDEO_BYTES,
)

FEED, STORY = "feed", "story"
OPTION_FIELDS = (
    OptionField("format", gettext_lazy("Where on Instagram"), kind="choice",
                choices=((FEED, gettext_lazy("Post (a picture, a carousel, or a video as a reel)")),
                         (STORY, gettext_lazy("Story (one picture or video, for 24 hours, without text)")))),
)

# Instagram's own reading of a caption: a hashtag is # and word characters, an @ tag is @ and a username's characters.
HASHTAG = regex.compile(r"(?<![\w&])#\w+")
AT_TAG = regex.compile(r"(?<![\w@])@[\w.]+")


def is_video(content_type: str) -> bool:
    return content_type in VIDEO_TYPES


def post_format(draft: Draft) -> str:
    return STORY if draft.options.get("format") == STORY else FEED


def problems(draft: Draft) -> list[Problem]:
    """What the base class does not check: media required, stories, tags, each file's own size limit, and a public
    address for Instagram to fetch the media from."""
    found = media_problems(draft) + caption_problems(draft)
    return found + public_media_problems(NAME, draft)


def media_problems(draft: Draft) -> list[Problem]:
    if not draft.media:
        return [Problem("media", _("Instagram needs a picture or a video: it publishes no text alone."))]
    found = []
    if post_format(draft) == STORY and len(draft.media) > 1:
        found.append(Problem("media", _("An Instagram story is one picture or one video.")))
    for item in draft.media:
        if item.content_type in IMAGE_TYPES and item.size > MAX_IMAGE_BYTES:
            found.append(Problem("media", _("%(file)s is %(size).1f MB; Instagram takes pictures up to %(max).1f MB.")
                                 % {"file": item.filename, "size": item.size / 1e6, "max": MAX_IMAGE_BYTES / 1e6}))
    return found


def caption_problems(draft: Draft) -> list[Problem]:
    if post_format(draft) == STORY:
        return [Problem("text", _("Instagram stories carry no text: remove it, or publish a post."))] if (
            draft.text.strip()) else []
    found = []
    hashtags, tags = len(HASHTAG.findall(draft.text)), len(AT_TAG.findall(draft.text))
    if hashtags > MAX_HASHTAGS:
        found.append(Problem("text", ngettext("Instagram allows %(max)d hashtag; this text has %(count)d.",
                                              "Instagram allows %(max)d hashtags; this text has %(count)d.",
                                              MAX_HASHTAGS) % {"max": MAX_HASHTAGS, "count": hashtags}))
    if tags > MAX_TAGS:
        found.append(Problem("text", ngettext("Instagram allows %(max)d @ mention; this text has %(count)d.",
                                              "Instagram allows %(max)d @ mentions; this text has %(count)d.",
                                              MAX_TAGS) % {"max": MAX_TAGS, "count": tags}))
    return found
