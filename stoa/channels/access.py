"""Who may see and change a channel: the workspace's permission check for one channel."""

from stoa.channels.models import Channel
from stoa.workspaces.access import Permission, access_in_workspace


def access_channel(user, channel_id: int, permission: Permission = Permission.VIEW) -> Channel:
    return access_in_workspace(user, Channel.objects.all(), channel_id, "channel", permission)
