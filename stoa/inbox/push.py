"""The one endpoint the networks push to, /hooks/<network>/<channel id>/ (stoa.channels.push sets it up and checks
the secret): what a network pushes goes into the inbox (and the counts of posts it carries, to the analytics).

The secret comes where the network puts it: in a header (checked before the body is read) or in a field of the JSON
body (VK's Callback API: the body is read first, and any call without the exact secret is refused alike, so a caller
learns nothing of which channels exist). A call that checks the address (VK's confirmation) is answered with what
the provider says; every other call with the provider's acknowledgement ("ok" for VK) or {"ok": true}."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from stoa.broken_text import repaired
from stoa.channels import credentials
from stoa.channels.models import Channel
from stoa.channels.push import MAX_BODY_BYTES, secret_in_body, secret_matches
from stoa.inbox.actions import ingest_page
from stoa.providers.base import InboxPage, Provider, ProviderError
from stoa.providers.capabilities import ReceivesPush
from stoa.providers.registry import get_provider_class, supports

log = logging.getLogger("stoa.inbox")


def forbidden(network: str, channel_id: int) -> JsonResponse:
    log.warning("Refused a push for %s channel %s: no such channel, or a wrong or missing secret", network, channel_id)
    return JsonResponse({"error": "forbidden"}, status=403)


def read_body(request: HttpRequest) -> Any:
    """The JSON body, repaired (a NUL or lone surrogate would not fit in the database); ValueError when it is none."""
    return repaired(json.loads(request.body))


@csrf_exempt  # a network cannot send a CSRF token; the secret stands in for it
@require_POST
def receive(request: HttpRequest, network: str, channel_id: int) -> HttpResponse:
    channel = None
    if supports(network, ReceivesPush):
        channel = Channel.objects.filter(pk=channel_id, network=network).select_related("workspace").first()
    in_body = channel is not None and secret_in_body(network)
    if channel is None or not (in_body or secret_matches(request, channel)):
        return forbidden(network, channel_id)
    if int(request.headers.get("Content-Length") or 0) > MAX_BODY_BYTES or len(request.body) > MAX_BODY_BYTES:
        return JsonResponse({"error": "too large"}, status=413)
    try:
        body = read_body(request)
    except ValueError:
        return forbidden(network, channel_id) if in_body else JsonResponse({"error": "not JSON"}, status=400)
    if in_body and not secret_matches(request, channel, body):
        return forbidden(network, channel_id)
    if not isinstance(body, dict):
        return JsonResponse({"error": "not an object"}, status=400)

    def read(provider: Provider) -> InboxPage | str:
        assert isinstance(provider, ReceivesPush)
        answer = provider.handshake(body)
        return answer if answer is not None else provider.pushed(body)

    try:
        page = credentials.using(channel, read)
    except ProviderError as error:
        return JsonResponse({"error": error.message}, status=400)
    if isinstance(page, str):
        return HttpResponse(page, content_type="text/plain; charset=utf-8")
    # Kept even while the channel waits to be reconnected: reading needs no posting rights.
    ingest_page(channel, page)
    return acknowledged(network)


def acknowledged(network: str) -> HttpResponse:
    """Anything read is acknowledged, so the network does not send it again: in its own word where it wants one."""
    provider_class = get_provider_class(network)
    word = provider_class.push_acknowledgement if issubclass(provider_class, ReceivesPush) else ""
    return HttpResponse(word, content_type="text/plain; charset=utf-8") if word else JsonResponse({"ok": True})
