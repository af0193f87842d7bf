"""Providers by key, imported only when first used, and which of them can do what."""

from importlib import import_module
from typing import Protocol

from django.conf import settings

from stoa.providers.base import Provider
from stoa.providers.capabilities import Capability

# The networks Stoa ships.
NETWORKS = {
    "bluesky": "stoa.providers.bluesky.provider.BlueskyProvider",
    "mastodon": "stoa.providers.mastodon.provider.MastodonProvider",
    "telegram": "stoa.providers.telegram.provider.TelegramProvider",
    "vk": "stoa.providers.vk.provider.VKProvider",
    "facebook": "stoa.providers.facebook.provider.FacebookProvider",
    "instagram": "stoa.providers.instagram.provider.InstagramProvider",
    "threads": "stoa.providers.threads.provider.ThreadsProvider",
}
# Those, and where settings.STOA_EXTRA_PROVIDERS names them, others: the test network in tests and benchmarks.
PROVIDERS = {**NETWORKS, **getattr(settings, "STOA_EXTRA_PROVIDERS", {})}


class UnknownNetwork(ValueError):
    pass


class OnNetwork(Protocol):
    """A channel, or anything else that names its network."""

    network: str


def get_provider_class(key: str) -> type[Provider]:
    try:
        path = PROVIDERS[key]
    except KeyError:
        raise UnknownNetwork(f"Unknown network {key!r}; Stoa knows {', '.join(sorted(PROVIDERS))}.") from None
    module, _, name = path.rpartition(".")
    provider: type[Provider] = getattr(import_module(module), name)
    return provider


def providers_with(capability: type[Capability]) -> list[type[Provider]]:
    """The providers that declare the capability, in the order of PROVIDERS."""
    return [cls for key in PROVIDERS if issubclass(cls := get_provider_class(key), capability)]


def supports(network: str | OnNetwork, capability: type[Capability]) -> bool:
    """Whether the network (a key, or a channel's) declares the capability; False for a network Stoa does not know."""
    key = network if isinstance(network, str) else network.network
    return key in PROVIDERS and issubclass(get_provider_class(key), capability)
