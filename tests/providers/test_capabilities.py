"""Every provider declares what it can do, and does what it declares: a declared capability whose methods are
missing fails, and so does a capability's method implemented without the declaration."""

import inspect

import pytest

from stoa.providers.base import Limits, Provider, ReplyTo
from stoa.providers.capabilities import (
    CAPABILITIES,
    Authorizes,
    Capability,
    Hides,
    Publishes,
    ReadsEngagement,
    ReadsHashtags,
    ReadsInbox,
    ReadsMessages,
    ReadsMetrics,
    ReadsTrends,
    ReceivesAppPush,
    ReceivesPush,
    RegistersApps,
    Replies,
    Searches,
    Streams,
    methods,
)
from stoa.providers.registry import PROVIDERS, get_provider_class, providers_with, supports

DECLARED = {
    "bluesky": {Publishes, ReadsInbox, ReadsMessages, Searches, Replies, Hides, ReadsMetrics, ReadsEngagement},
    "mastodon": {Publishes, ReadsInbox, Searches, ReadsHashtags, ReadsTrends, Streams, Replies, ReadsMetrics,
                 Authorizes, RegistersApps, ReadsEngagement},
    "telegram": {Publishes, ReadsInbox, ReceivesPush, Replies, ReadsMetrics},
    "facebook": {Publishes, ReadsInbox, ReadsMessages, ReceivesAppPush, Replies, Hides, ReadsMetrics, Authorizes},
    "instagram": {Publishes, ReadsInbox, ReadsMessages, ReceivesAppPush, Replies, Hides, ReadsMetrics, Authorizes},
    "threads": {Publishes, ReadsInbox, ReceivesAppPush, Replies, Hides, ReadsMetrics, Authorizes},
    # stoa/testing/oauth_network.py, in tests only
    "oauthtest": {Publishes, ReadsInbox, ReceivesAppPush, Replies, Authorizes},
    "vk": {Publishes, ReadsInbox, ReceivesPush, Replies, ReadsMetrics, Authorizes},
}


def broken_promises(cls: type) -> list[str]:
    """What a provider class declares without implementing, or implements without declaring."""
    found = []
    for capability in CAPABILITIES:
        for name in methods(capability):
            written = any(name in vars(klass) for klass in cls.__mro__ if not issubclass(klass, Capability))
            if issubclass(cls, capability) and name in getattr(cls, "__abstractmethods__", ()):
                found.append(f"{capability.__name__} declared, {name}() missing")
            elif not issubclass(cls, capability) and written:
                found.append(f"{name}() implemented, {capability.__name__} not declared")
    return found


def test_every_registered_provider_is_in_the_table():
    assert set(DECLARED) == set(PROVIDERS)


@pytest.mark.parametrize("key", sorted(DECLARED))
def test_each_provider_declares_what_it_can_do(key):
    cls = get_provider_class(key)
    assert {c for c in CAPABILITIES if issubclass(cls, c)} == DECLARED[key]
    assert broken_promises(cls) == []
    assert not inspect.isabstract(cls)


@pytest.mark.parametrize("capability", CAPABILITIES, ids=lambda c: c.__name__)
def test_the_registry_answers_who_can(capability):
    assert [cls.key for cls in providers_with(capability)] == [k for k in PROVIDERS if capability in DECLARED[k]]
    for key in PROVIDERS:
        assert supports(key, capability) == (capability in DECLARED[key])


def test_a_channel_or_a_key_names_the_network_and_an_unknown_network_can_do_nothing():
    class OnBluesky:
        network = "bluesky"

    assert supports(OnBluesky(), Hides) and not supports("mastodon", Hides)
    assert not supports("myspace", Publishes)


class Quiet(Provider):
    key = name = "quiet"
    limits = Limits(max_text=10)


def test_a_declared_capability_without_its_methods_fails():
    class Boasts(Quiet, Hides):
        pass

    assert broken_promises(Boasts) == ["Hides declared, hide() missing"]
    with pytest.raises(TypeError, match="hide"):
        Boasts({}, {})


def test_a_method_of_a_capability_without_the_declaration_fails():
    class Modest(Quiet):
        def hide(self, to: ReplyTo) -> None:
            pass

    assert broken_promises(Modest) == ["hide() implemented, Hides not declared"]
    assert not supports("quiet", Hides)


def test_a_capability_with_a_default_method_counts_only_what_the_provider_wrote():
    class Publisher(Quiet, Publishes):
        def publish(self, draft, attempt):
            raise NotImplementedError

        def delete(self, published):
            pass

    assert broken_promises(Publisher) == []
