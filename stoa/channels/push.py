"""Messages the networks push: one endpoint, /hooks/<network>/<channel id>/, for every network that declares
ReceivesPush. Stoa chose the secret when it set the webhook (`enable_push`); the network sends it back in the header
its provider names (`push_secret_header`), and a call without that exact secret is refused with 403 and nothing of it
is kept. Then the body's size and its JSON are checked, and the provider turns it into messages for the inbox. The
endpoint itself is the inbox's (stoa/inbox/push.py), which sits above the channels: this module only sets a channel
up for push and checks the secret.

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
MAX_BODY_BYTES = 1_000_000


class CannotPush(ValueError):
    pass


def push_url(channel: Channel) -> str:
    return f"{site_url()}{reverse('push', args=[channel.network, channel.pk])}"


def enable_push(actor, channel: Channel) -> str:
    """Have the network push the channel's messages to this Stoa, with a new secret; returns the URL it will call."""
    if not supports(channel, ReceivesPush):
        raise CannotPush(f"{channel.network_name} does not push messages.")
    secret = secrets.token_urlsafe(48)  # letters, digits, "-" and "_": what Telegram's setWebhook allows
    url = push_url(channel)

    def point(provider: Provider) -> None:
        assert isinstance(provider, ReceivesPush)
        provider.set_webhook(url, secret)

    credentials.using(channel, point)
    credentials.update(channel, {SECRET: secret})  # kept with tokens refreshed meanwhile, by their owner
    audit(channel.workspace_id, actor, "channel.webhook_enabled", channel)
    return url


def pushes(channel: Channel) -> bool:
    """Whether the network pushes this channel's messages (then it is not polled for them)."""
    return bool(channel.credentials.get(SECRET))


def secret_matches(request: HttpRequest, channel: Channel) -> bool:
    """The secret in the provider's header, compared in constant time with the one the channel keeps."""
    provider_class = get_provider_class(channel.network)
    assert issubclass(provider_class, ReceivesPush)
    header = provider_class.push_secret_header
    expected = str(channel.credentials.get(SECRET) or "")
    given = request.headers.get(header, "")
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())
