"""Meta's Graph API, as the Facebook Pages and Instagram providers speak it: the version pinned in one place, the
error answer mapped to Stoa's kinds, the access token kept out of URLs, and cursor paging.

Facts, each from the page named beside it:
- Versions: https://developers.facebook.com/docs/graph-api/changelog lists v26.0 (introduced July 29, 2026, available
  until "TBD") as the latest version it names; GRAPH_VERSION is the one place to move it.
- Errors: https://developers.facebook.com/docs/graph-api/guides/error-handling gives the body {"error": {"message",
  "type", "code", "error_subcode", "error_user_title", "error_user_msg", "fbtrace_id"}} (is_transient is sent beside
  them) and the codes: 1 API Unknown and 2 API Service (temporary: wait and retry), 3 API Method (a capability or
  permission), 4 and 17 too many calls, 10 permission denied, 190 access token expired, 200-299 API permission,
  341 application limit reached (wait and retry), 368 temporarily blocked for policy violations, 506 duplicate post,
  1609005 error posting a link; and 190's subcodes 458 app not installed, 459 user checkpointed, 460 password changed,
  463 expired, 464 unconfirmed user, 467 invalid access token.
- Rate limits: https://developers.facebook.com/docs/graph-api/overview/rate-limiting: codes 4 (app), 17 (user),
  32 (Pages, user token), 613 (custom), 80001-80014 (Business Use Case: 80001 Pages, 80002 Instagram, 80006 Messenger,
  ...); the X-Business-Use-Case-Usage header maps an object's id to a list of usages each with
  estimated_time_to_regain_access in minutes, and X-App-Usage / X-Page-Usage give the app's or the Page's usage.
- Paging: https://developers.facebook.com/docs/graph-api/results: {"data": [...], "paging": {"cursors": {"before",
  "after"}, "next", "previous"}}; "next" is absent on the last page, and the `after` parameter asks for the next one.
- Tokens: the Graph API takes the access token as the access_token parameter or in an Authorization header
  (https://developers.facebook.com/docs/facebook-login/guides/access-tokens). Stoa sends it in the form body of a POST
  and as "Authorization: Bearer" for every other method, never in the URL, and takes it out of every error message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import httpx

from stoa.providers.base import ErrorKind, Provider, ProviderError, parse_time

GRAPH_VERSION = "v26.0"  # the one place the version is pinned (changelog above)
GRAPH_URL = "https://graph.facebook.com"

TRANSIENT_CODES = {1, 2}  # API Unknown, API Service
RATE_LIMIT_CODES = {4, 17, 32, 341, 613} | set(range(80001, 80015))
PERMISSION_CODES = {3, 10} | set(range(200, 300))
EXPIRED_TOKEN = 190
SESSION = 102  # "API Session": the login status or access token expired, was revoked or is invalid
POLICY_BLOCK = 368
# What a person must change: an invalid parameter, a duplicate, a link Facebook cannot read, a missing or refused file
# (324 "Requires upload file"; Instagram's container errors are 2207xxx, its media refused).
CONTENT_CODES = {100, 324, 506, 1609005}
SUBCODE_REASONS = {458: "the app was removed from the account", 459: "the account must log in on facebook.com first",
                   460: "the account's password changed", 463: "the access token expired",
                   464: "the account must be confirmed on facebook.com first",
                   467: "the access token is no longer valid"}
USAGE_HEADERS = ("x-business-use-case-usage", "x-app-usage", "x-page-usage", "x-ad-account-usage")
# Meta's permission names as its messages quote them ("(#200) Requires pages_manage_posts permission").
PERMISSION_NAME = re.compile(r"\b(pages_[a-z_]+|read_insights|instagram_[a-z_]+|business_management|threads_[a-z_]+"
                             r"|publish_video|public_profile)\b")


def graph_base(base: str = GRAPH_URL) -> str:
    """The versioned root every Graph API path hangs from: https://graph.facebook.com/v26.0."""
    return f"{base.rstrip('/')}/{GRAPH_VERSION}"


class GraphError(ProviderError):
    """An error the Graph API answered in its own shape, with its code and subcode."""

    def __init__(self, message: str, kind: ErrorKind, retry_after: float | None = None, *, code: int = 0,
                 subcode: int = 0, status: int = 0, **more: Any):
        super().__init__(message, kind, retry_after, **more)
        self.code = code
        self.subcode = subcode
        self.status = status  # the HTTP status it came with (200 for an error in a successful answer)


def error_body(response: httpx.Response) -> dict[str, Any] | None:
    """The Graph API's {"error": {...}} object of a response, or None when it has none."""
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else None


def whole(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def graph_error(network: str, error: Mapping[str, Any], *, status: int, headers: Mapping[str, str],
                creating: bool) -> GraphError:
    """One Graph API error as a ProviderError of the kind that tells Stoa what to do (see the module's sources)."""
    code, subcode = whole(error.get("code")), whole(error.get("error_subcode"))
    said = describe_error(error, code, subcode)
    if code in (EXPIRED_TOKEN, SESSION) or (error.get("type") == "OAuthException" and status == 401):
        reason = SUBCODE_REASONS.get(subcode, "the access was refused")
        return GraphError(f"{network} refused Stoa's access ({reason}): {said}. Connect the account again.",
                          ErrorKind.AUTHORIZATION, code=code, subcode=subcode, access_refused=True)
    if code in RATE_LIMIT_CODES:
        return GraphError(f"{network} asks Stoa to slow down: {said}.", ErrorKind.RATE_LIMITED,
                          retry_after=regain_access_seconds(headers), code=code, subcode=subcode)
    if code in PERMISSION_CODES:
        named = PERMISSION_NAME.search(str(error.get("message") or ""))
        permission = named.group(1) if named else ""
        needs = f" It needs the {permission} permission." if permission else ""
        return GraphError(f"{network} refused: {said}.{needs} Connect again and grant it, or ask the Page's admin "
                          "for the task.", ErrorKind.PERMISSION, code=code, subcode=subcode,
                          missing_permission=permission)
    if code in TRANSIENT_CODES or error.get("is_transient") is True or status >= 500:
        kind = ErrorKind.UNKNOWN_OUTCOME if creating else ErrorKind.TRANSIENT
        return GraphError(f"{network} had a temporary problem: {said}.", kind, code=code, subcode=subcode)
    if code == POLICY_BLOCK:
        return GraphError(f"{network} has blocked this for a while for a policy violation: {said}. Nothing was "
                          "published; read Facebook's message before trying again.", ErrorKind.PERMANENT,
                          code=code, subcode=subcode)
    return GraphError(f"{network} refused this: {said}.", ErrorKind.PERMANENT, code=code, subcode=subcode)


def describe_error(error: Mapping[str, Any], code: int, subcode: int) -> str:
    """The error's own words (the person-facing one where given), its code, subcode and trace id for support."""
    words = str(error.get("error_user_msg") or error.get("message") or "no message")[:300]
    numbers = f"code {code}" + (f", subcode {subcode}" if subcode else "")
    trace = error.get("fbtrace_id")
    return f"{words} ({numbers}" + (f", trace {trace})" if isinstance(trace, str) and trace else ")")


def regain_access_seconds(headers: Mapping[str, str]) -> float | None:
    """The longest estimated_time_to_regain_access (minutes) any usage header gives, in seconds; None when none does
    (or all say 0, which tells no time)."""
    minutes = [value for name in USAGE_HEADERS if (text := headers.get(name))
               for value in regain_minutes(parse_header(text))]
    longest = max(minutes, default=0)
    return longest * 60.0 if longest > 0 else None


def parse_header(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def regain_minutes(usage: Any) -> Iterator[int]:
    """Every estimated_time_to_regain_access in a usage header, however nested (by business object, in lists)."""
    if isinstance(usage, dict):
        if (minutes := whole(usage.get("estimated_time_to_regain_access"))) > 0:
            yield minutes
        for value in usage.values():
            if isinstance(value, dict | list):
                yield from regain_minutes(value)
    elif isinstance(usage, list):
        for value in usage:
            yield from regain_minutes(value)


def without_secret(error: ProviderError, secret: str) -> ProviderError:
    """The same error, with the secret out of its message wherever the network echoed it."""
    if secret and secret in error.message:
        error.message = error.message.replace(secret, "<access token>")
        error.args = (error.message,)
    return error


def data_of(body: Any) -> list[dict[str, Any]]:
    """The objects of a list answer ({"data": [...]}), keeping only objects."""
    data = body.get("data") if isinstance(body, dict) else None
    return [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []


def next_cursor(body: Any) -> str:
    """paging.cursors.after when another page follows (paging.next is there); "" on the last page."""
    paging = body.get("paging") if isinstance(body, dict) else None
    if not isinstance(paging, dict) or not paging.get("next"):
        return ""
    cursors = paging.get("cursors")
    after = cursors.get("after") if isinstance(cursors, dict) else None
    return after if isinstance(after, str) else ""


def graph_time(value: Any) -> datetime | None:
    """A Graph API time ("2026-12-07T23:10:00+0000", ISO 8601) as an aware datetime, or None."""
    return parse_time(value)


class GraphAPI(Provider):
    """What a provider of the Graph API shares: put it first among the bases (class FacebookProvider(GraphAPI,
    Publishes, ...)). Its address is the endpoint named `graph` (GRAPH_URL unless the class sets another, such as
    Instagram Login's graph.instagram.com, or a test replaces it through STOA_NETWORK_URLS)."""

    endpoints = {"graph": GRAPH_URL}

    def graph_url(self, path: str) -> str:
        return f"{graph_base(self.endpoint('graph'))}/{path.lstrip('/')}"

    def graph_call(self, method: str, path: str, *, token: str, creating: bool = False,
                   params: Mapping[str, Any] | None = None, data: Mapping[str, Any] | None = None,
                   json_body: Mapping[str, Any] | None = None, files: Mapping[str, Any] | None = None) -> Any:
        """One Graph API call and its JSON answer. The token goes in the form body of a POST with form data (or a
        multipart upload, `files` as httpx takes them) and in an Authorization header otherwise; `creating` marks a
        request that may make something (a lost answer is then an unknown outcome)."""
        request: dict[str, Any] = {"params": {name: str(value) for name, value in (params or {}).items()}}
        if files:
            request["files"] = dict(files)
        if method == "POST" and json_body is None:
            request["data"] = {name: str(value) for name, value in (data or {}).items()} | {"access_token": token}
        else:
            request["headers"] = {"Authorization": f"Bearer {token}"}
            if json_body is not None:
                request["json"] = dict(json_body)
        try:
            response = self.request(method, self.graph_url(path), creating=creating, **request)
            body = self.json(response, creating=creating)
        except ProviderError as error:
            without_secret(error, token)  # in place, so the error keeps its own traceback
            raise
        if isinstance(body, dict) and isinstance(body.get("error"), dict):  # an error answered with HTTP 200
            raise without_secret(self.graph_error(response, body["error"], creating=creating), token)
        return body

    def graph_pages(self, path: str, *, token: str, params: Mapping[str, Any] | None = None,
                    pages: int = 3) -> Iterator[dict[str, Any]]:
        """The objects of a list edge, following paging.cursors.after for at most `pages` pages."""
        after = ""
        for _page in range(pages):
            body = self.graph_call("GET", path, token=token, params=dict(params or {}) | ({"after": after} if after
                                                                                          else {}))
            yield from data_of(body)
            after = next_cursor(body)
            if not after:
                return

    def error_from_response(self, response: httpx.Response, *, creating: bool) -> ProviderError:
        """The Graph API's error body where it sent one (with any HTTP status), else the base class's reading."""
        error = error_body(response)
        if error is None:
            return super().error_from_response(response, creating=creating)
        return self.graph_error(response, error, creating=creating)

    def graph_error(self, response: httpx.Response, error: Mapping[str, Any], *, creating: bool) -> GraphError:
        found = graph_error(self.name, error, status=response.status_code, headers=response.headers, creating=creating)
        found.status = response.status_code
        return found

