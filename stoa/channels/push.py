"""Messages the networks push: one endpoint, /hooks/<network>/<channel id>/, for every network that declares
ReceivesPush. Stoa chose the secret when it set the webhook (`enable_push`); the network sends it back in the header
its provider names (`push_secret_header`), and a call without that exact secret is refused with 403 and nothing of it
is kept. Then the body's size and its JSON are checked, and the provider turns it into messages for the inbox.

Telegram's webhook used to live at /hooks/telegram/<id>/ in the inbox app: that is this endpoint's address for a
Telegram channel, so bots whose webhook was set before keep calling a URL that answers, with the same secret.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from stoa.broken_text import repaired
from stoa.channels import credentials
from stoa.channels.models import Channel
from stoa.inbox.actions import ingest
from stoa.providers.base import Incoming, Provider, ProviderError
from stoa.providers.capabilities import ReceivesPush
from stoa.providers.registry import get_provider_class, supports
from stoa.site_url import site_url
from stoa.workspaces.actions import audit

log = logging.getLogger("stoa.channels")
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


@csrf_exempt  # a network cannot send a CSRF token; the secret stands in for it
@require_POST
def receive(request: HttpRequest, network: str, channel_id: int) -> HttpResponse:
    channel = None
    if supports(network, ReceivesPush):
        channel = Channel.objects.filter(pk=channel_id, network=network).select_related("workspace").first()
    if channel is None or not secret_matches(request, channel):
        log.warning("Refused a push for %s channel %s: no such channel, or a wrong or missing secret", network,
                    channel_id)
        return JsonResponse({"error": "forbidden"}, status=403)
    if int(request.headers.get("Content-Length") or 0) > MAX_BODY_BYTES or len(request.body) > MAX_BODY_BYTES:
        return JsonResponse({"error": "too large"}, status=413)
    try:
        body = repaired(json.loads(request.body))  # a NUL or lone surrogate would not fit in the database
    except ValueError:
        return JsonResponse({"error": "not JSON"}, status=400)
    if not isinstance(body, dict):
        return JsonResponse({"error": "not an object"}, status=400)

    def read(provider: Provider) -> tuple[Incoming, ...]:
        assert isinstance(provider, ReceivesPush)
        return provider.pushed(body)

    try:
        messages = credentials.using(channel, read)
    except ProviderError as error:
        return JsonResponse({"error": error.message}, status=400)
    # Kept even while the channel waits to be reconnected: reading needs no posting rights.
    if messages:
        ingest(channel, list(messages))
    return JsonResponse({"ok": True})  # anything else is acknowledged, so the network does not send it again


def secret_matches(request: HttpRequest, channel: Channel) -> bool:
    """The secret in the provider's header, compared in constant time with the one the channel keeps."""
    provider_class = get_provider_class(channel.network)
    assert issubclass(provider_class, ReceivesPush)
    header = provider_class.push_secret_header
    expected = str(channel.credentials.get(SECRET) or "")
    given = request.headers.get(header, "")
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())
