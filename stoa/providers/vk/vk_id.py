"""VK ID, where a person lets Stoa act for them on VK: OAuth 2.1, authorization code with PKCE (S256 is mandatory).

Facts, each from the page named:
- the consent page is GET https://id.vk.com/authorize with response_type=code, client_id, redirect_uri, state,
  code_challenge, code_challenge_method and scope, the rights separated by spaces
  (https://id.vk.com/about/business/go/docs/ru/vkid/latest/vk-id/connection/api-integration/api-description);
- VK ID sends the person back with code, state and device_id (https://id.vk.ru/about/faq/business/vkid/authorization/
  30011), and the code is exchanged at POST https://id.vk.com/oauth2/auth with grant_type=authorization_code (the same
  page), in a form body (application/x-www-form-urlencoded: the api-description page);
- an access key lives one hour ("Срок жизни Access token ... 1 час",
  https://id.vk.com/about/business/go/docs/ru/vkid/latest/vk-id/connection/tokens/access-token).
The fields of the token request beyond grant_type and code (code_verifier, redirect_uri, client_id, device_id, state;
for a refresh: refresh_token, client_id, device_id, state) and of its answer (access_token, refresh_token, expires_in,
user_id, scope) are those of the API reference's token section, which the stored copy of the documentation did not
reach: they are as public clients of VK ID send and read them, and docs/networks/vk.md says so. A refresh token is
taken as good once (a new one comes with each refresh) and kept when none comes, which is safe either way. The
exchange repeats the state of VK ID's answer; a refresh sends a new random one.
"""

from __future__ import annotations

from typing import Any

import httpx

from stoa.providers import oauth2
from stoa.providers.base import ErrorKind, Grant, Provider, ProviderError

AUTHORIZE_URL = "https://id.vk.com/authorize"
TOKEN_URL = "https://id.vk.com/oauth2/auth"
# The rights Stoa asks for, as VK names them (https://dev.vk.com/en/method/apps.getScopes lists wall, groups, photos,
# video, stats...): wall to post and comment, groups to list the communities the person runs and set their Callback
# API, photos and video to upload media, stats for stats.get (the community's visitors and reach), which Stoa does
# not read: its figures fit no account count Stoa keeps (docs/networks/vk.md, Counts). Beyond the basic ones, VK
# grants rights only on request to its support (the same page): docs/networks/vk.md says what an owner asks for.
SCOPES = ("wall", "groups", "photos", "video", "stats")
DEVICE_ID = "device_id"  # where a channel's credentials keep the device VK ID named at connect, which refresh needs
REFUSED = frozenset({"invalid_grant", "invalid_client", "unauthorized_client", "invalid_request"})


def token(provider: Provider, data: dict[str, str], *, previous: Grant | None = None) -> Grant:
    """POST to VK ID's token endpoint. A refused code or refresh token is AUTHORIZATION (connect again), whatever the
    HTTP status VK ID answers it with; a server error, garbage or no answer is TRANSIENT."""
    try:
        response = provider.http.post(provider.endpoint("token"), data=data, headers={"Accept": "application/json"})
    except httpx.HTTPError as e:
        raise ProviderError(f"Could not reach VK ID: {type(e).__name__}", ErrorKind.TRANSIENT) from e
    body = answer_of(response)
    if isinstance(body, dict) and isinstance(body.get("error"), str) and (
            body["error"] in REFUSED or response.status_code in (400, 401)):
        said = str(body.get("error_description") or body["error"])[:200]
        for secret in data.values():
            said = said.replace(secret, "…") if len(secret) > 8 else said
        raise ProviderError(f"VK ID refused the authorization: {said}", ErrorKind.AUTHORIZATION)
    if response.is_error:
        raise provider.error_from_response(response, creating=False)
    return oauth2.grant_from_token_response(body, previous=previous)


def answer_of(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
