"""The one endpoint the networks push to, /hooks/<network>/<channel id>/ (stoa.channels.push sets it up and checks
the secret): what a network pushes goes into the inbox (and the counts of posts it carries, to the analytics)."""

from __future__ import annotations

import json
import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from stoa.broken_text import repaired
from stoa.channels import credentials
from stoa.channels.models import Channel
from stoa.channels.push import MAX_BODY_BYTES, secret_matches
from stoa.inbox.actions import ingest_page
from stoa.providers.base import InboxPage, Provider, ProviderError
from stoa.providers.capabilities import ReceivesPush
from stoa.providers.registry import supports

log = logging.getLogger("stoa.inbox")


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

    def read(provider: Provider) -> InboxPage:
        assert isinstance(provider, ReceivesPush)
        return provider.pushed(body)

    try:
        page = credentials.using(channel, read)
    except ProviderError as error:
        return JsonResponse({"error": error.message}, status=400)
    # Kept even while the channel waits to be reconnected: reading needs no posting rights.
    ingest_page(channel, page)
    return JsonResponse({"ok": True})  # anything else is acknowledged, so the network does not send it again
