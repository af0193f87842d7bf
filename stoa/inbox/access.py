"""Who may see and answer a message: the workspace's permission check for one inbox item."""

from stoa.inbox.models import Item
from stoa.inbox.permissions import VIEW_INBOX
from stoa.workspaces.access import Permission, access_in_workspace


def access_inbox_item(user, item_id: int, permission: Permission = VIEW_INBOX) -> Item:
    return access_in_workspace(user, Item.objects.select_related("author", "channel"), item_id, "message",
                               permission)
