"""Messages pushed by the networks. Telegram sends each update with the secret Stoa chose when it set the
webhook; a request without that exact secret is refused and nothing of it is kept."""

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
from stoa.channels.models import Channel
from stoa.inbox.actions import ingest
from stoa.providers.capabilities import ReceivesPush
from stoa.site_url import site_url
from stoa.workspaces.actions import audit

log = logging.getLogger("stoa.inbox")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1_000_000


def enable_telegram_webhook(actor, channel: Channel) -> str:
    """Point the bot's updates at this Stoa, with a new secret; returns the URL Telegram will call."""
    secret = secrets.token_urlsafe(48)  # letters, digits, "-" and "_", as setWebhook allows
    url = f"{site_url()}{reverse('telegram-webhook', args=[channel.pk])}"
    provider = channel.provider()
    if not isinstance(provider, ReceivesPush):
        raise ValueError(f"{channel.network_name} does not push messages.")
    provider.set_webhook(url, secret)
    channel.credentials = {**channel.credentials, "webhook_secret": secret}
    channel.save(update_fields=["credentials_encrypted"])
    audit(channel.workspace_id, actor, "channel.webhook_enabled", channel)
    return url


@csrf_exempt  # Telegram cannot send a CSRF token; the secret header stands in for it
@require_POST
def telegram_webhook(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = Channel.objects.filter(pk=channel_id, network="telegram").select_related("workspace").first()
    expected = channel.credentials.get("webhook_secret", "") if channel else ""
    given = request.headers.get(SECRET_HEADER, "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        log.warning("Refused a Telegram webhook call for channel %s: wrong or missing secret", channel_id)
        return JsonResponse({"error": "forbidden"}, status=403)
    if len(request.body) > MAX_UPDATE_BYTES:
        return JsonResponse({"error": "too large"}, status=413)
    try:
        update = repaired(json.loads(request.body))  # a NUL or lone surrogate would not fit in the database
    except ValueError:
        return JsonResponse({"error": "not JSON"}, status=400)
    if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
        return JsonResponse({"error": "not a Telegram update"}, status=400)
    # Kept even while the channel waits to be reconnected: reading needs no posting rights.
    provider = channel.provider()
    if isinstance(provider, ReceivesPush) and (messages := provider.pushed(update)):
        ingest(channel, list(messages))
    return JsonResponse({"ok": True})  # anything else is acknowledged, so Telegram does not send it again
