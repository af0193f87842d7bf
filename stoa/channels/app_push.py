"""What networks push to one address per app rather than per channel (ReceivesAppPush: Meta's webhooks for Facebook
Pages, Instagram and Threads): /hooks/<network>/, set once in the network's app dashboard with a verify token.

The address and the verify token are shown to the administrator on the OAuth apps page. The token is derived from
SECRET_KEY for this purpose and this network alone, so there is nothing more to keep or configure; a call is believed
only when it carries the app secret's signature of its exact body (the provider checks it: signature_valid). Each part
of a call concerns one account, which may be connected as a channel in several workspaces: each such channel gets it.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.crypto import salted_hmac

from stoa.channels.models import Channel
from stoa.channels.oauth import deployment_app
from stoa.providers.base import Provider
from stoa.providers.capabilities import ReceivesAppPush
from stoa.site_url import site_url

PURPOSE = "stoa.channels.app_push.verify_token"  # the salt: this derivation makes verify tokens and nothing else


def app_push_url(network: str) -> str:
    return f"{site_url()}{reverse('app-push', args=[network])}"


def verify_token(network: str) -> str:
    """What the administrator enters as the webhook's verify token in the network's app dashboard."""
    return salted_hmac(PURPOSE, network, algorithm="sha256").hexdigest()[:40]


def setup(provider_class: type[Provider]) -> dict[str, str] | None:
    """What the administrator enters in the network's app dashboard for its webhook, or None where it has none."""
    if not issubclass(provider_class, ReceivesAppPush):
        return None
    return {"url": app_push_url(provider_class.key), "verify_token": verify_token(provider_class.key)}


def app_secret(network: str) -> str:
    """The secret of the deployment's app on the network, which signs each call; "" while no app is set up."""
    app = deployment_app(network)
    return app.client_secret if app else ""


def channels_of_account(network: str, account_id: str) -> QuerySet[Channel]:
    """Every channel, in any workspace, that is this account of the network."""
    return Channel.objects.filter(network=network, config__account_id=account_id).select_related("workspace")
