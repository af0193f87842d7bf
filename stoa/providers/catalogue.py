"""The networks Stoa ships, described as data: what each declares it can do, its limits, rate limits and metrics.

Read from the provider classes alone (nothing is connected, nothing is stored), for `stoa networks` and the README's
table, so what they say is what the code declares.
"""

import dataclasses
import re
from typing import Any

from stoa.providers.base import Provider
from stoa.providers.capabilities import CAPABILITIES, Capability, ReadsMetrics
from stoa.providers.registry import NETWORKS, get_provider_class

CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def capability_key(capability: type[Capability]) -> str:
    """The capability's stable name for scripts, from its class: ReadsInbox is reads_inbox."""
    return CAMEL_HUMP.sub("_", capability.__name__).lower()


def declared(provider: type[Provider]) -> tuple[type[Capability], ...]:
    """The capabilities the provider's class declares, in the order of CAPABILITIES."""
    return tuple(capability for capability in CAPABILITIES if issubclass(provider, capability))


def limits(provider: type[Provider]) -> dict[str, Any]:
    """The declared Limits, field by field in their order; media types sorted, so the order is stable."""
    found = dataclasses.asdict(provider.limits)
    found["media_types"] = sorted(found["media_types"])
    return found


def metrics(provider: type[Provider]) -> dict[str, Any]:
    """The counts the network gives of a post when asked (post) and unasked (pushed), and of the account."""
    if not issubclass(provider, ReadsMetrics):
        return {"post": [], "pushed": [], "account": [], "note": ""}
    return {"post": list(provider.post_metrics), "pushed": list(provider.pushed_post_metrics),
            "account": list(provider.account_metrics), "note": provider.metrics_note}


def describe(provider: type[Provider]) -> dict[str, Any]:
    return {
        "key": provider.key,
        "name": provider.name,
        "capabilities": [capability_key(capability) for capability in declared(provider)],
        "limits": limits(provider),
        # Mastodon's are the defaults: each server announces its own, read when a channel is connected.
        "limits_set_by_server": provider.effective_limits is not Provider.effective_limits,
        "rate_limits": [dataclasses.asdict(limit) for limit in provider.rate_limits],
        "metrics": metrics(provider),
    }


def shipped() -> list[dict[str, Any]]:
    """Every network Stoa ships, in the registry's order; never the test networks a deployment may add."""
    return [describe(get_provider_class(key)) for key in NETWORKS]
