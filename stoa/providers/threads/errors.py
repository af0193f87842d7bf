"""Threads' error answers, as kinds Stoa acts on.

graph.threads.net answers an error as the Graph API does (https://developers.facebook.com/docs/graph-api/guides/
error-handling, "Error Responses"): {"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}. The codes
and what to do about each are that page's table ("Error Codes"); the Threads pages add no table of their own. A
container that failed is not an error answer but its status ERROR with an error_message
(https://developers.facebook.com/docs/threads/troubleshooting): those are media_refused() below.
"""

from __future__ import annotations

from typing import Any

from stoa.providers.base import ErrorKind, ProviderError
from stoa.providers.meta.graph import (
    EXPIRED_TOKEN,
    PERMISSION_CODES,
    POLICY_BLOCK,
    SESSION,
    TRANSIENT_CODES,
    whole,
)

# The Graph API's codes, as stoa.providers.meta.graph names them for Facebook and Instagram.
REFUSED_TOKEN = {EXPIRED_TOKEN, SESSION}  # OAuthException: the token expired, was revoked or is invalid; API Session
TOO_MANY = {4, 17, 32, 613, 341}  # API Too Many Calls, API User Too Many Calls, Page request limit, custom rate
# limit, application limit reached: "wait and retry" (error-handling, Error Codes); not Facebook's 800xx of ads
DUPLICATE = 506  # "Duplicate Post"
INVALID = 100  # "Invalid parameter"; with subcode 33, "Object does not exist" (a post that is gone)
GONE_SUBCODE = 33
# Threads' own status of a container that failed (troubleshooting page, "Publishing Does Not Return a Media ID").
CONTAINER_ERRORS = {
    "FAILED_DOWNLOADING_VIDEO": "Threads could not download the video from Stoa's public address",
    "FAILED_PROCESSING_AUDIO": "Threads could not process the video's sound",
    "FAILED_PROCESSING_VIDEO": "Threads could not process the video",
    "INVALID_ASPEC_RATIO": "the picture's or video's aspect ratio is not one Threads takes",  # sic, as documented
    "INVALID_BIT_RATE": "the video's bit rate is not one Threads takes",
    "INVALID_DURATION": "the video is too long or too short for Threads",
    "INVALID_FRAME_RATE": "the video's frame rate is not one Threads takes (23 to 60 a second)",
    "INVALID_AUDIO_CHANNELS": "the video's sound has a number of channels Threads does not take (1 or 2)",
    "INVALID_AUDIO_CHANNEL_LAYOUT": "the video's sound channels are laid out in a way Threads does not take",
    "UNKNOWN": "Threads could not process the media and did not say why",
}


class ThreadsError(ProviderError):
    """An error Threads answered in the Graph API's shape, with its code (0 when it gave none)."""

    def __init__(self, message: str, kind: ErrorKind, retry_after: float | None = None, *, code: int = 0,
                 subcode: int = 0, **more: Any):
        super().__init__(message, kind, retry_after, **more)
        self.code, self.subcode = code, subcode

    @property
    def gone(self) -> bool:
        """What was asked for does not exist (any longer)."""
        return self.code == INVALID and self.subcode == GONE_SUBCODE


def from_graph(error: dict[str, Any], *, creating: bool, permission: str, secrets: tuple[str, ...],
               retry_after: float | None = None) -> ThreadsError:
    """Threads' error object as a ThreadsError whose message a person can act on. `permission` is what the call needs
    (named when Threads says one is missing); `secrets` never appear in the message."""
    code, subcode = whole(error.get("code")), whole(error.get("error_subcode"))
    said = str(error.get("error_user_msg") or error.get("message") or "no reason given")[:300]
    for secret in secrets:
        if secret:
            said = said.replace(secret, "<access token>")
    said = f"{said} (error {code}{f'/{subcode}' if subcode else ''})"
    if code in REFUSED_TOKEN:  # the type OAuthException alone says nothing: Graph gives it to code 100 as well
        return ThreadsError(f"Threads refused the access token: {said}. Connect the account again.",
                            ErrorKind.AUTHORIZATION, code=code, subcode=subcode, access_refused=True)
    if code in TOO_MANY:
        return ThreadsError(f"Threads asks Stoa to wait: {said}", ErrorKind.RATE_LIMITED, retry_after, code=code,
                            subcode=subcode)
    if code in PERMISSION_CODES:
        return ThreadsError(f"The Threads account did not give Stoa the {permission} permission this needs: {said}. "
                            "Connect it again and allow it.", ErrorKind.PERMISSION, code=code, subcode=subcode,
                            missing_permission=permission)
    if code in TRANSIENT_CODES:
        kind = ErrorKind.UNKNOWN_OUTCOME if creating else ErrorKind.TRANSIENT
        return ThreadsError(f"Threads had a passing problem: {said}", kind, code=code, subcode=subcode)
    if code == POLICY_BLOCK:
        return ThreadsError(f"Threads has blocked this for now as against its policies: {said}", ErrorKind.PERMANENT,
                            code=code, subcode=subcode)
    if code == DUPLICATE:
        return ThreadsError(f"Threads refused a duplicate post: {said}", ErrorKind.PERMANENT, code=code,
                            subcode=subcode)
    return ThreadsError(f"Threads refused the request: {said}", ErrorKind.PERMANENT, code=code, subcode=subcode)


def media_refused(status: dict[str, Any]) -> ProviderError:
    """A container whose status is ERROR: the media cannot be published as they are."""
    reason = str(status.get("error_message") or "UNKNOWN")
    return ProviderError(f"Threads refused the media: {CONTAINER_ERRORS.get(reason, reason)} ({reason}).",
                         ErrorKind.PERMANENT)
