"""Who may see and work a workspace's hits and queries: the workspace's permission check for one of them."""

from stoa.listening.models import Hit, ListeningQuery
from stoa.workspaces.access import Permission, access_in_workspace


def access_hit(user, hit_id: int, permission: Permission = Permission.VIEW_PUBLICATIONS) -> Hit:
    return access_in_workspace(user, Hit.objects.select_related("channel"), hit_id, "hit", permission)


def access_query(user, query_id: int, permission: Permission) -> ListeningQuery:
    return access_in_workspace(user, ListeningQuery.objects.all(), query_id, "listening query", permission)
