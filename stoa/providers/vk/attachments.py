"""What a VK wall post carries beside its text: photos and videos uploaded from Stoa's library, one link, one poll.

Facts, each from the page named:
- wall.post's attachments are "{type}{owner_id}_{media_id}" separated by commas, photo, video and poll among the types,
  with at most one link to an external page, and "no more than 10 media" a post (https://dev.vk.com/en/method/
  wall.post; its old page, https://vk.com/dev/wall.post: "If more than one link is being attached, an error will be
  thrown").
- a photo for a wall: JPG, PNG or GIF, at most 50 MB, width and height together at most 14,000 pixels, sides at least
  1:20; photos.getWallUploadServer(group_id) gives upload_url, the file goes there as the multipart field "photo", and
  photos.saveWallPhoto(group_id, photo, server, hash, caption) gives the photo (https://dev.vk.com/en/api/upload/
  wall-photo; caption "2048 digits max", VKCOM/vk-api-schema photos/methods.json).
- a video: AVI, MP4, 3GP, MPEG, MOV, MP3, FLV or WMV; video.save(group_id, name, description, wallpost=0) gives
  upload_url, owner_id and video_id, the file goes there as the multipart field "video_file" (https://dev.vk.com/en/
  api/upload/video-in-profile); name at most 128 characters, and an app may call video.save 5,000 times a day
  (https://dev.vk.com/en/video.save). The page gives no size for a video: Stoa holds it to the photo's 50 MB, its one
  size for every medium.
- a poll: polls.create(question, add_answers as a JSON list, "from 1 to 10 answers", is_anonymous, is_multiple,
  owner_id = minus the community) gives the poll (id, owner_id) (VKCOM/vk-api-schema polls/methods.json). The schema
  gives no length for a question or an answer; Stoa holds each to POLL_TEXT (a choice, said in docs/networks/vk.md).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from stoa.providers.base import Draft, OptionField, Problem

PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/gif"})
VIDEO_TYPES = frozenset({"video/mp4", "video/quicktime", "video/mpeg", "video/3gpp", "video/x-msvideo",
                         "video/x-flv", "video/x-ms-wmv"})
MAX_MEDIA = 10
MAX_MEDIA_BYTES = 50 * 1024 * 1024
MAX_CAPTION = 2048  # photos.saveWallPhoto's caption, where a picture's description goes
MAX_VIDEO_NAME = 128
POLL_ANSWERS = (1, 10)
POLL_TEXT = 255  # not documented: Stoa's own bound on a question and on each answer

LINK, QUESTION, ANSWERS = "link", "poll_question", "poll_answers"
ANONYMOUS, MULTIPLE = "poll_anonymous", "poll_multiple"
OPTIONS = (
    OptionField(LINK, gettext_lazy("Link to attach")),
    OptionField(QUESTION, gettext_lazy("Poll question")),
    OptionField(ANSWERS, gettext_lazy("Poll answers, separated by semicolons")),
    OptionField(ANONYMOUS, gettext_lazy("Anonymous poll"), "bool"),
    OptionField(MULTIPLE, gettext_lazy("Several answers may be chosen"), "bool"),
)


def is_video(content_type: str) -> bool:
    return content_type in VIDEO_TYPES


def answers(draft: Draft) -> list[str]:
    """The poll's answers as the person wrote them, separated by semicolons, blanks left out."""
    written = draft.options.get(ANSWERS) or ""
    return [answer.strip() for answer in str(written).split(";") if answer.strip()]


def has_poll(draft: Draft) -> bool:
    return bool(str(draft.options.get(QUESTION) or "").strip() or answers(draft))


def link(draft: Draft) -> str:
    return str(draft.options.get(LINK) or "").strip()


def problems(draft: Draft) -> list[Problem]:
    """What VK would refuse in the attachments, said before anything is sent."""
    found = [Problem("media", _("%(file)s: VK keeps at most %(max)d characters of a picture's description.")
                     % {"file": item.filename, "max": MAX_CAPTION})
             for item in draft.media if not is_video(item.content_type) and len(item.alt_text) > MAX_CAPTION]
    address = link(draft)
    if address and (urlsplit(address).scheme not in ("http", "https") or not urlsplit(address).netloc
                    or "," in address):
        found.append(Problem(f"options.{LINK}", _("Give the link as a whole address, starting with https://.")))
    if has_poll(draft):
        found += poll_problems(draft)
    attached = len(draft.media) + int(has_poll(draft))
    if attached > MAX_MEDIA and len(draft.media) <= MAX_MEDIA:
        found.append(Problem("media", _("VK takes at most %(max)d attachments with a poll counted; this post has "
                                        "%(count)d.") % {"max": MAX_MEDIA, "count": attached}))
    return found


def poll_problems(draft: Draft) -> list[Problem]:
    question, given = str(draft.options.get(QUESTION) or "").strip(), answers(draft)
    found = []
    if not question:
        found.append(Problem(f"options.{QUESTION}", _("Write the poll's question.")))
    low, high = POLL_ANSWERS
    if not low <= len(given) <= high:
        found.append(Problem(f"options.{ANSWERS}", ngettext(
            "A VK poll has from %(min)d to %(max)d answers; this one has %(count)d answer.",
            "A VK poll has from %(min)d to %(max)d answers; this one has %(count)d answers.", len(given))
            % {"min": low, "max": high, "count": len(given)}))
    if any(len(text) > POLL_TEXT for text in (question, *given)):
        found.append(Problem(f"options.{ANSWERS}", _("Keep the poll's question and each answer within %(max)d "
                                                     "characters.") % {"max": POLL_TEXT}))
    return found


def poll_request(draft: Draft, owner_id: int) -> dict[str, Any]:
    return {"question": str(draft.options.get(QUESTION) or "").strip(),
            "add_answers": json.dumps(answers(draft), ensure_ascii=False), "owner_id": owner_id,
            "is_anonymous": int(draft.options.get(ANONYMOUS) is True),
            "is_multiple": int(draft.options.get(MULTIPLE) is True)}


def expected_kinds(draft: Draft) -> list[str]:
    """The kinds of attachment the draft's post has on VK (a post object's attachments[].type), sorted."""
    kinds = ["video" if is_video(item.content_type) else "photo" for item in draft.media]
    kinds += ["poll"] * has_poll(draft) + ["link"] * bool(link(draft))
    return sorted(kinds)


def kinds_of(post: dict[str, Any]) -> list[str]:
    attached = post.get("attachments")
    return sorted(str(item.get("type")) for item in attached if isinstance(item, dict)) if isinstance(
        attached, list) else []
