"""Providers by key, imported only when first used."""

from importlib import import_module

from stoa.providers.base import Provider

PROVIDERS = {
    "bluesky": "stoa.providers.bluesky.provider.BlueskyProvider",
    "mastodon": "stoa.providers.mastodon.provider.MastodonProvider",
    "telegram": "stoa.providers.telegram.provider.TelegramProvider",
}


class UnknownNetwork(ValueError):
    pass


def get_provider_class(key: str) -> type[Provider]:
    try:
        path = PROVIDERS[key]
    except KeyError:
        raise UnknownNetwork(f"Unknown network {key!r}; Stoa knows {', '.join(sorted(PROVIDERS))}.") from None
    module, _, name = path.rpartition(".")
    return getattr(import_module(module), name)
