"""Messages the networks push: one endpoint, /hooks/<network>/<channel id>/, for every network that declares
ReceivesPush. Stoa chose the secret when it set the webhook (`enable_push`); the network sends it back in the header
its provider names (`push_secret_header`), or in a field of the JSON body (`push_secret_field`, VK's Callback API), and
a call without that exact secret is refused with 403 and nothing of it is kept. Then the body's size and its JSON
are checked, and the provider turns it into messages for the inbox. The endpoint itself is the inbox's
(stoa/inbox/push.py), which sits above the channels: this module only sets a channel up for push and checks the
secret.

Telegram's webhook used to live at /hooks/telegram/<id>/ in the inbox app: that is this endpoint's address for a
Telegram channel, so bots whose webhook was set before keep calling a URL that answers, with the same secret.
"""

from __future__ import annotations

import hmac
import secrets

from django.http import HttpRequest
from django.urls import reverse

from stoa.channels import credentials
from stoa.channels.models import Channel
from stoa.providers.base import Provider
from stoa.providers.capabilities import ReceivesPush
from stoa.providers.registry import get_provider_class, supports
from stoa.site_url import site_url
from stoa.workspaces.actions import audit

SECRET = "webhook_secret"  # where a channel's credentials keep the secret the network sends back
# The secret of a webhook being set: a network may call the address while it is set (VK checks it with its
# confirmation call), before set_webhook returns and SECRET is saved. It is accepted too, but the channel is not
# taken as pushing (and so still polled) until the network took the webhook.
PENDING_SECRET = "webhook_secret_pending"
MAX_BODY_BYTES = 1_000_000


class CannotPush(ValueError):
    pass


def push_url(channel: Channel) -> str:
    return f"{site_url()}{reverse('push', args=[channel.network, channel.pk])}"


def enable_push(actor, channel: Channel) -> str:
    """Have the network push the channel's messages to this Stoa, with a new secret; returns the URL it will call."""
    if not supports(channel, ReceivesPush):
        raise CannotPush(f"{channel.network_name} does not push messages.")
    provider_class = get_provider_class(channel.network)
    assert issubclass(provider_class, ReceivesPush)
    # Letters, digits, "-" and "_" (what Telegram's setWebhook allows), as long as the network's field takes.
    secret = secrets.token_urlsafe(provider_class.push_secret_bytes)
    url = push_url(channel)

    def point(provider: Provider) -> None:
        assert isinstance(provider, ReceivesPush)
        provider.set_webhook(url, secret)

    credentials.update(channel, {PENDING_SECRET: secret})
    try:
        credentials.using(channel, point)
    finally:
        credentials.update(channel, {PENDING_SECRET: ""})
    credentials.update(channel, {SECRET: secret})  # kept with tokens refreshed meanwhile, by their owner
    audit(channel.workspace_id, actor, "channel.webhook_enabled", channel)
    return url


def pushes(channel: Channel) -> bool:
    """Whether the network pushes this channel's messages (then it is not polled for them)."""
    return bool(channel.credentials.get(SECRET))


def secret_matches(request: HttpRequest, channel: Channel, body: object = None) -> bool:
    """The secret where the provider says the network sends it (a header, or a field of the JSON `body`), compared
    in constant time with the one the channel keeps (or the one of a webhook being set)."""
    provider_class = get_provider_class(channel.network)
    assert issubclass(provider_class, ReceivesPush)
    given = given_secret(provider_class, request, body)
    kept = channel.credentials
    expected = [str(kept.get(name) or "") for name in (SECRET, PENDING_SECRET)]
    return any([bool(secret) and hmac.compare_digest(given.encode(), secret.encode()) for secret in expected])


def given_secret(provider_class: type[ReceivesPush], request: HttpRequest, body: object) -> str:
    if not provider_class.push_secret_field:
        return request.headers.get(provider_class.push_secret_header, "")
    found = body.get(provider_class.push_secret_field) if isinstance(body, dict) else None
    return found if isinstance(found, str) else ""


def secret_in_body(network: str) -> bool:
    """Whether the network sends the secret inside the body, which must then be read before the secret is checked."""
    provider_class = get_provider_class(network)
    return issubclass(provider_class, ReceivesPush) and bool(provider_class.push_secret_field)
