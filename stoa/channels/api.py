"""The API's networks and channels: /api/v1/networks, /api/v1/channels and a workspace's channels."""

from ninja import Router, Status

from stoa.api.schemas import ERRORS, ChannelIn, ChannelOut, ChannelRulesIn, NetworkOut
from stoa.channels.access import access_channel
from stoa.channels.actions import connect_channel, set_channel_rules
from stoa.channels.models import Channel
from stoa.providers.registry import PROVIDERS, get_provider_class
from stoa.workspaces.access import Permission, access_workspace

networks = Router(tags=["networks"])
channels = Router(tags=["channels"])
workspace_channels = Router(tags=["workspaces"])  # under /workspaces/{workspace_id}/


@networks.get("", response={200: list[NetworkOut], **ERRORS})
def list_networks(request):
    """The networks Stoa can publish to, with their limits."""
    out = []
    for key in PROVIDERS:
        cls = get_provider_class(key)
        limits = cls.limits
        out.append({"key": key, "name": cls.name, "max_text": limits.max_text, "counts": limits.counts,
                    "max_media": limits.max_media, "max_caption": limits.max_caption,
                    "media_types": sorted(limits.media_types), "max_media_bytes": limits.max_media_bytes,
                    "supports_threads": cls.supports_threads,
                    "connect_fields": [f.name for f in cls.connect_fields]})
    return out


@workspace_channels.get("/{workspace_id}/channels", response={200: list[ChannelOut], **ERRORS})
def list_channels(request, workspace_id: int):
    return Channel.objects.filter(workspace=access_workspace(request.auth, workspace_id))


@workspace_channels.post("/{workspace_id}/channels", response={201: ChannelOut, **ERRORS})
def add_channel(request, workspace_id: int, payload: ChannelIn):
    """Connect a channel. The credentials are checked with the network, then stored encrypted."""
    workspace = access_workspace(request.auth, workspace_id, Permission.MANAGE_CHANNELS)
    channel = connect_channel(request.auth, workspace, payload.network, payload.config, payload.credentials,
                              name=payload.name, min_gap_minutes=payload.min_gap_minutes,
                              daily_max=payload.daily_max)
    return Status(201, channel)


@channels.get("/{channel_id}", response={200: ChannelOut, **ERRORS})
def get_channel(request, channel_id: int):
    return access_channel(request.auth, channel_id)


@channels.patch("/{channel_id}", response={200: ChannelOut, **ERRORS})
def set_rules(request, channel_id: int, payload: ChannelRulesIn):
    channel = access_channel(request.auth, channel_id, Permission.MANAGE_CHANNELS)
    return set_channel_rules(request.auth, channel, payload.min_gap_minutes, payload.daily_max)
