"""The endpoint the networks that push per app call (ReceivesAppPush; stoa.channels.app_push): /hooks/<network>/.

GET is the network checking the address when its webhook is set up: answered with its challenge only when it carries
the verify token. POST is a call: refused with 403 before anything of it is read unless it carries the app secret's
signature of its exact body; then split by account, each part read by each channel of that account and put in the
inbox. A signed call is acknowledged even when nothing in it is Stoa's (an account no workspace connects), or the
network would send it again and again."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from stoa.broken_text import repaired
from stoa.channels import credentials
from stoa.channels.app_push import app_secret, channels_of_account, verify_token
from stoa.channels.models import Channel
from stoa.channels.push import MAX_BODY_BYTES
from stoa.inbox.actions import ingest_page
from stoa.providers.base import InboxPage, Provider, ProviderError
from stoa.providers.capabilities import ReceivesAppPush
from stoa.providers.registry import get_provider_class, supports

log = logging.getLogger("stoa.inbox")


@csrf_exempt  # a network cannot send a CSRF token; the signature stands in for it
@require_http_methods(["GET", "POST"])
def receive_app(request: HttpRequest, network: str) -> HttpResponse:
    if not supports(network, ReceivesAppPush):
        return JsonResponse({"error": "not found"}, status=404)
    provider_class = get_provider_class(network)
    assert issubclass(provider_class, ReceivesAppPush)
    if request.method == "GET":
        challenge = provider_class.subscription_challenge(request.GET.dict(), verify_token(network))
        if challenge is None:
            return JsonResponse({"error": "forbidden"}, status=403)
        return HttpResponse(challenge, content_type="text/plain")
    if int(request.headers.get("Content-Length") or 0) > MAX_BODY_BYTES or len(request.body) > MAX_BODY_BYTES:
        return JsonResponse({"error": "too large"}, status=413)
    if not provider_class.signature_valid(request.headers, request.body, app_secret(network)):
        log.warning("Refused a push for %s: no app set up, or a wrong or missing signature", network)
        return JsonResponse({"error": "forbidden"}, status=403)
    try:
        parts = provider_class.accounts_in(repaired(json.loads(request.body)))
    except (ValueError, ProviderError) as error:
        log.warning("A signed push for %s was not one of its calls: %s", network, error)
        return JsonResponse({"error": "not a call of this network"}, status=400)
    for account_id, part in parts.items():
        for channel in channels_of_account(network, account_id):
            deliver(channel, part)
    return JsonResponse({"ok": True})


def deliver(channel: Channel, part: Any) -> None:
    """One account's part of a call into one channel's inbox; a part the provider cannot read is logged and skipped,
    so the other channels still get theirs."""
    def read(provider: Provider) -> InboxPage:
        assert isinstance(provider, ReceivesAppPush)
        return provider.pushed(part)

    try:
        page = credentials.using(channel, read)
    except ProviderError as error:
        log.warning("A push for channel %s could not be read: %s", channel.pk, error.message)
        return
    ingest_page(channel, page)  # kept even while the channel waits to be reconnected: reading needs no posting rights
