"""OAuth 2.0 pieces every network that connects by authorization code shares (RFC 6749, PKCE RFC 7636).

A provider that declares `Authorizes` builds its authorize URL and calls its token endpoint with these; the
grant it gets back is kept in the channel's encrypted credentials as `grant_to_credentials` writes it, and only
stoa.channels.credentials refreshes it.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from stoa import clock
from stoa.providers.base import ErrorKind, Grant, Provider, ProviderError, parse_time

# Keys of a grant in a channel's credentials.
ACCESS, REFRESH, EXPIRES_AT, SCOPES = "access_token", "refresh_token", "expires_at", "scopes"
# Where a provider that Authorizes finds the app it acts as: the client id in its config, the secret in its
# credentials (a channel connected by OAuth keeps both, so its grant can be refreshed by any process).
CLIENT_ID, CLIENT_SECRET = "client_id", "client_secret"
# A target's own secrets (a page's access token), which the provider puts in Account.settings under this key: the
# channel made of that target keeps them with its credentials, never in its config.
TARGET_CREDENTIALS = "credentials"
# The token endpoint's answer to a refresh token that was revoked, used already or expired (RFC 6749 5.2).
REVOKED_ERRORS = frozenset({"invalid_grant"})


class ClientRefused(ProviderError):
    """The token endpoint does not know the app Stoa acts as (invalid_client, RFC 6749 5.2): its client id or secret
    is wrong, or the server forgot the app registered there."""


@dataclass(frozen=True)
class ClientApp:
    """The app Stoa acts as on a network: registered once per deployment, or per server (Mastodon)."""

    client_id: str
    client_secret: str

    def config(self) -> dict[str, str]:
        return {CLIENT_ID: self.client_id}

    def credentials(self) -> dict[str, str]:
        return {CLIENT_SECRET: self.client_secret}


def client_app(provider: Provider) -> ClientApp:
    """The app a provider acts as, from its config and credentials (see CLIENT_ID)."""
    client_id = str(provider.config.get(CLIENT_ID) or "")
    if not client_id:
        raise ProviderError(f"No {provider.name} app is set up for Stoa: connect the channel again.",
                            ErrorKind.AUTHORIZATION)
    return ClientApp(client_id, str(provider.credentials.get(CLIENT_SECRET) or ""))


def new_pkce() -> tuple[str, str]:
    """A code verifier (kept in the session) and its S256 challenge (sent to the authorize URL)."""
    verifier = secrets.token_urlsafe(64)[:96]
    return verifier, pkce_challenge(verifier)


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorize_url(endpoint: str, *, client_id: str, redirect_uri: str, state: str, code_challenge: str,
                  scopes: tuple[str, ...] = (), **extra: str) -> str:
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "state": state,
              "code_challenge": code_challenge, "code_challenge_method": "S256", **extra}
    if scopes:
        params["scope"] = " ".join(scopes)
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"


def grant_from_token_response(body: Any, *, previous: Grant | None = None) -> Grant:
    """The grant in a token endpoint's JSON answer. A refresh that gives no new refresh token keeps the old one."""
    if not isinstance(body, dict) or not isinstance(body.get("access_token"), str) or not body["access_token"]:
        raise ProviderError("The network's token endpoint answered without an access token.", ErrorKind.TRANSIENT)
    expires_in = body.get("expires_in")
    expires_at = None
    if isinstance(expires_in, int | float) and not isinstance(expires_in, bool) and expires_in > 0:
        expires_at = clock.now() + timedelta(seconds=float(expires_in))
    scope = body.get("scope")
    scopes = tuple(scope.split()) if isinstance(scope, str) else (previous.scopes if previous else ())
    refresh = body.get("refresh_token") if isinstance(body.get("refresh_token"), str) else ""
    return Grant(access=body["access_token"], refresh=refresh or (previous.refresh if previous else ""),
                 expires_at=expires_at, scopes=scopes)


def token_request(provider: Provider, endpoint: str, data: dict[str, str], *, previous: Grant | None = None,
                  auth: tuple[str, str] | None = None) -> Grant:
    """POST to a token endpoint. A refused grant (revoked, used already) is an AUTHORIZATION error: the person
    must connect again; a server error or garbage is TRANSIENT: nothing was spent that a retry cannot redo."""
    try:
        response = provider.http.post(endpoint, data=data, auth=auth or httpx.USE_CLIENT_DEFAULT,
                                      headers={"Accept": "application/json"})
    except Exception as e:  # noqa: BLE001 - httpx's transport errors: nothing was granted that we know of
        raise ProviderError(f"Could not reach {provider.name}'s token endpoint: {type(e).__name__}",
                            ErrorKind.TRANSIENT) from e
    body: Any
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code in (400, 401) and isinstance(body, dict) and body.get("error") in (
            REVOKED_ERRORS | {"invalid_client", "unauthorized_client"}):
        said = body.get("error_description") or body["error"]
        refused = ClientRefused if body["error"] == "invalid_client" else ProviderError
        raise refused(f"{provider.name} refused the authorization: {said}", ErrorKind.AUTHORIZATION)
    if response.is_error:
        raise provider.error_from_response(response, creating=False)
    return grant_from_token_response(body, previous=previous)


def grant_to_credentials(grant: Grant) -> dict[str, Any]:
    return {ACCESS: grant.access, REFRESH: grant.refresh,
            EXPIRES_AT: grant.expires_at.isoformat() if grant.expires_at else "", SCOPES: list(grant.scopes)}


def grant_from_credentials(credentials: dict[str, Any]) -> Grant | None:
    """The grant kept in a channel's credentials; None for a channel connected with a pasted token."""
    access = credentials.get(ACCESS)
    if not isinstance(access, str) or not access:
        return None
    expires_at: datetime | None = parse_time(credentials.get(EXPIRES_AT))
    scopes = credentials.get(SCOPES) or ()
    return Grant(access=access, refresh=str(credentials.get(REFRESH) or ""), expires_at=expires_at,
                 scopes=tuple(str(s) for s in scopes))
