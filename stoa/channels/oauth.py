"""Connecting channels by OAuth 2.0: the app Stoa acts as on each network, and the steps of one connection.

start (state and PKCE verifier kept in the session, bound to the workspace and the network, for ten minutes)
-> the network's consent page -> finish (the state checked and spent, the code exchanged once, the granted
targets read) -> the person chooses which targets become channels (stoa.channels.actions creates them).

The session holds what is between the steps: the verifier until the network answers, then the grant (encrypted:
it is a token) until the person has chosen. Nothing is written to the database before that choice. On the command
line (`stoa channel authorize`) the session is a dict of that one process, and the person pastes the network's answer
back: the address the browser was sent to, where Stoa's page shows it to copy (see pasted_answer).
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from stoa import clock
from stoa.channels.models import OAuthApp
from stoa.crypto import decrypt_json, encrypt_json
from stoa.providers import oauth2
from stoa.providers.base import Account, ErrorKind, Provider, ProviderError, parse_time
from stoa.providers.capabilities import Authorizes, RegistersApps
from stoa.providers.registry import PROVIDERS, get_provider_class, providers_with
from stoa.site_url import site_url

log = logging.getLogger("stoa")

STARTED, GRANTED, ANSWERED = "stoa_oauth_started", "stoa_oauth_granted", "stoa_oauth_answered"
ANSWER_WITHIN = timedelta(minutes=10)  # from start to the network's answer: a consent page left open goes stale
CHOOSE_WITHIN = timedelta(minutes=30)  # from the answer to the choice of channels
KEEP_ANSWERED = 20  # states answered already, remembered to tell a reused answer from an unknown one
CLIENT_NAME = "Stoa"
COMMAND_LINE = "cli."  # begins the state of a connection started on the command line ("." is never in a token)

Session = SessionBase | dict[str, Any]  # the browser's session, or the command line's own


class Refused(Exception):
    """A step of the connection cannot go on; the message is said to the person, and nothing was created."""

    def __init__(self, message: str, workspace_id: int | None = None):
        super().__init__(message)
        self.message = message
        self.workspace_id = workspace_id


@dataclass(frozen=True)
class Granted:
    """What the network granted, kept between its answer and the person's choice of channels."""

    key: str
    network: str
    workspace_id: int
    config: dict[str, Any]  # the server and the app's client id, kept by every channel made of this grant
    credentials: dict[str, Any]  # the grant and the app's secret
    targets: tuple[Account, ...]
    channel_id: int | None = None  # reconnecting this channel
    expires_at: str = field(default="", compare=False)


# -- The app Stoa acts as -------------------------------------------------------------------------


def oauth_networks() -> list[type[Provider]]:
    return providers_with(Authorizes)


def registration(provider_class: type[Provider]) -> dict[str, str]:
    """Where the deployment registers its app on a network, and what: said to owners and administrators."""
    if not issubclass(provider_class, Authorizes):
        return {"console": "", "help": ""}
    return {"console": provider_class.app_console, "help": str(provider_class.app_help)}


def redirect_uri(network: str) -> str:
    """Where the network sends the person back: the address registered with the network's app."""
    return site_url() + reverse("channel-oauth-callback", args=[network])


def app_from_environment(network: str) -> oauth2.ClientApp | None:
    found = settings.STOA_OAUTH_APPS.get(network)
    return oauth2.ClientApp(str(found["client_id"]), str(found.get("client_secret") or "")) if found else None


def deployment_app(network: str) -> oauth2.ClientApp | None:
    """The deployment's app for a network: from the environment, else as entered on the OAuth apps page."""
    if app := app_from_environment(network):
        return app
    saved = OAuthApp.objects.filter(network=network, server="", redirect_uri="").first()
    return oauth2.ClientApp(saved.client_id, saved.client_secret) if saved else None


def is_ready(provider_class: type[Provider]) -> bool:
    """Whether people can connect this network by OAuth now (a network registering per server always can)."""
    return issubclass(provider_class, RegistersApps) or deployment_app(provider_class.key) is not None


def server_app(provider: Provider, network: str, server: str, redirect: str, *,
               verify: bool = False) -> oauth2.ClientApp:
    """Stoa's app on this server: the one registered before for this redirect address, else registered now. With
    `verify`, a kept app the server no longer knows is dropped and registered again, once."""
    assert isinstance(provider, RegistersApps)
    kept = OAuthApp.objects.filter(network=network, server=server, redirect_uri=redirect).first()
    if kept and verify and not _still_known(provider, oauth2.ClientApp(kept.client_id, kept.client_secret)):
        log.warning("%s no longer knows Stoa's app (%s): registering it again", server, network)
        forget_server_app(network, server, kept.client_id)
        kept = None
    if kept:
        return oauth2.ClientApp(kept.client_id, kept.client_secret)
    app = provider.register_app(redirect, CLIENT_NAME, site_url())
    try:
        with transaction.atomic():
            saved = OAuthApp(network=network, server=server, redirect_uri=redirect, client_id=app.client_id)
            saved.client_secret = app.client_secret
            saved.save()
    except IntegrityError:  # another connection registered at the same moment: use the one kept
        return server_app(provider, network, server, redirect)
    log.info("Registered Stoa as an app on %s (%s)", server, network)
    return app


def _still_known(provider: Provider, app: oauth2.ClientApp) -> bool:
    """Whether the server still knows Stoa's app. Only the server refusing the app says no: a server answering
    badly proves nothing, and its consent page will show what is wrong."""
    checking = type(provider)(config={**provider.config, **app.config()}, credentials=app.credentials())
    assert isinstance(checking, RegistersApps)
    try:
        checking.verify_app()
    except ProviderError as e:
        return e.kind != ErrorKind.AUTHORIZATION
    return True


def forget_server_app(network: str, server: str, client_id: str) -> None:
    """The server forgot this app: the next connection registers Stoa there anew."""
    OAuthApp.objects.filter(network=network, server=server, client_id=client_id).delete()


def provider_for(network: str, server: str = "", *, verify: bool = False) -> tuple[Provider, str]:
    """A provider acting as Stoa's app on the network (on `server` where apps are per server), and the server as
    the provider writes it. Refused when the network has no app set up, or the server cannot be used. With
    `verify`, an app kept for the server is checked to be still known there (see server_app)."""
    provider_class = get_provider_class(network)
    if not issubclass(provider_class, RegistersApps):
        app = deployment_app(network)
        if app is None:
            raise Refused(_("%(network)s is not set up for connecting yet: an administrator registers Stoa as an "
                            "app there first.") % {"network": provider_class.name})
        return provider_class(config=app.config(), credentials=app.credentials()), ""
    if not server.strip():
        raise Refused(_("Enter the address of your %(network)s server.") % {"network": provider_class.name})
    provider = provider_class(config={provider_class.server_field: server}, credentials={})
    try:
        server = provider.server_address()
        app = server_app(provider, network, server, redirect_uri(network), verify=verify)
    except ProviderError as e:
        raise Refused(_("Stoa could not register itself on %(server)s: %(reason)s") % {
            "server": server, "reason": e.message}) from None
    config = {provider_class.server_field: server, **app.config()}
    return provider_class(config=config, credentials=app.credentials()), server


# -- The steps --------------------------------------------------------------------------------------


def start(session: Session, network: str, workspace_id: int, *, server: str = "",
          channel_id: int | None = None, command_line: bool = False) -> str:
    """Begin connecting: the URL of the network's consent page. The state and the PKCE verifier wait in the
    session, bound to this workspace, network and server, for ANSWER_WITHIN."""
    provider, server = provider_for(network, server, verify=True)
    state = (COMMAND_LINE if command_line else "") + secrets.token_urlsafe(32)
    verifier, challenge = oauth2.new_pkce()
    started = dict(session.get(STARTED, {}))
    now = clock.now()
    started = {k: v for k, v in started.items() if (parse_time(v["expires_at"]) or now) > now}  # drop stale ones
    started[state] = {"network": network, "workspace_id": workspace_id, "server": server, "verifier": verifier,
                      "channel_id": channel_id, "expires_at": (now + ANSWER_WITHIN).isoformat()}
    session[STARTED] = started
    assert isinstance(provider, Authorizes)
    return provider.authorize_url(redirect_uri(network), state, challenge)


def started_on_command_line(state: str) -> bool:
    return state.startswith(COMMAND_LINE)


def pasted_answer(session: Session, pasted: str) -> dict[str, str]:
    """The network's answer as pasted on the command line: the address the browser was sent to (or its query), or
    the bare code, then for the one connection waiting in this session."""
    pasted = pasted.strip()
    if "=" in pasted:
        return {key: values[0] for key, values in parse_qs(urlsplit(pasted).query or pasted).items()}
    waiting = list(session.get(STARTED, {}))
    return {"code": pasted, "state": waiting[0] if len(waiting) == 1 else ""}


def _spend_state(session: Session, network: str, state: str) -> dict[str, Any]:
    """The connection this state started, taken out of the session so that no answer is used twice."""
    started = dict(session.get(STARTED, {}))
    begun = started.pop(state, None) if state else None
    session[STARTED] = started
    name = get_provider_class(network).name if network in PROVIDERS else network
    if begun is None:
        if state and state in session.get(ANSWERED, []):
            raise Refused(_("This answer from %(network)s was used already: each one connects once. Nothing more "
                            "was connected.") % {"network": name})
        raise Refused(_("This answer from %(network)s does not belong to a connection started in this browser. "
                        "Nothing was connected; start again from the channels page.") % {"network": name})
    session[ANSWERED] = [*session.get(ANSWERED, []), state][-KEEP_ANSWERED:]
    if begun["network"] != network:
        raise Refused(_("This answer does not come from the network the connection was started with. Nothing was "
                        "connected; start again."), begun["workspace_id"])
    if (parse_time(begun["expires_at"]) or clock.now()) <= clock.now():
        raise Refused(_("This connection was started more than %(minutes)d minutes ago and has expired. Nothing "
                        "was connected; start again.") % {"minutes": ANSWER_WITHIN.seconds // 60},
                      begun["workspace_id"])
    return begun


def finish(session: Session, network: str, answer: dict[str, str],
           may_connect: Callable[[int, int | None], object]) -> Granted:
    """The network's answer on the redirect: the state checked and spent, the code exchanged (once) for a grant,
    the grant's targets read. The grant waits in the session for the person's choice. `may_connect(workspace id,
    channel id)` raises when the person may no longer connect there: then the code is not even exchanged."""
    begun = _spend_state(session, network, answer.get("state", ""))
    may_connect(begun["workspace_id"], begun.get("channel_id"))
    workspace_id, name = begun["workspace_id"], get_provider_class(network).name
    if answer.get("error"):
        if answer["error"] == "access_denied":
            raise Refused(_("You did not allow Stoa on %(network)s, so nothing was connected.") % {"network": name},
                          workspace_id)
        raise Refused(_("%(network)s did not authorize Stoa (%(error)s). Nothing was connected.") % {
            "network": name, "error": answer.get("error_description") or answer["error"]}, workspace_id)
    if not answer.get("code"):
        raise Refused(_("%(network)s answered without an authorization code. Nothing was connected; start again.")
                      % {"network": name}, workspace_id)
    provider, _server = provider_for(network, begun["server"])
    assert isinstance(provider, Authorizes)
    if missing := [name for name in provider.callback_fields if not answer.get(name)]:
        raise Refused(_("%(network)s's answer lacks %(fields)s, which it sends beside the code. Nothing was "
                        "connected; start again (on the command line, paste the whole address).") % {
            "network": name, "fields": ", ".join(missing)}, workspace_id)
    try:
        grant = provider.exchange_answer(answer, redirect_uri(network), begun["verifier"])
        targets = provider.targets(grant)
    except ProviderError as e:
        if isinstance(e, oauth2.ClientRefused) and isinstance(provider, RegistersApps):
            forget_server_app(network, begun["server"], oauth2.client_app(provider).client_id)
            raise Refused(_("%(server)s no longer knows the app Stoa registered there, so nothing was connected. "
                            "Start again: Stoa registers itself there anew.") % {"server": begun["server"]},
                          workspace_id) from None
        raise Refused(_("%(network)s could not complete the connection: %(reason)s Nothing was connected; try "
                        "again.") % {"network": name, "reason": e.message}, workspace_id) from None
    if not targets:
        raise Refused(_("This %(network)s authorization gives no account, page or group to post to. Nothing was "
                        "connected.") % {"network": name}, workspace_id)
    granted = Granted(key=secrets.token_urlsafe(16), network=network, workspace_id=workspace_id,
                      config=provider.config, credentials={**provider.credentials,
                                                           **oauth2.grant_to_credentials(grant)},
                      targets=tuple(targets), channel_id=begun.get("channel_id"),
                      expires_at=(clock.now() + CHOOSE_WITHIN).isoformat())
    _keep(session, granted)
    return granted


def _keep(session: Session, granted: Granted) -> None:
    kept = {k: v for k, v in session.get(GRANTED, {}).items() if _unexpired(v)}
    kept[granted.key] = encrypt_json(dataclasses.asdict(granted))
    session[GRANTED] = kept


def _unexpired(sealed: str) -> bool:
    expires_at = parse_time(decrypt_json(sealed).get("expires_at"))
    return expires_at is not None and expires_at > clock.now()


def granted(session: Session, key: str) -> Granted:
    """The grant waiting for the person's choice."""
    sealed = session.get(GRANTED, {}).get(key)
    if not sealed or not _unexpired(sealed):
        raise Refused(_("This connection is over or has expired. Nothing was connected; start again from the "
                        "channels page."))
    data = decrypt_json(sealed)
    data["targets"] = tuple(Account(**t) for t in data["targets"])
    return Granted(**data)


def forget(session: Session, key: str) -> None:
    """The grant was used (or abandoned): it connects nothing more."""
    session[GRANTED] = {k: v for k, v in session.get(GRANTED, {}).items() if k != key}
