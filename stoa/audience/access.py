"""Who may see and change a workspace's competitors: the workspace's permission check for one of them."""

from stoa.audience.models import Competitor
from stoa.workspaces.access import Permission, access_in_workspace


def access_competitor(user, competitor_id: int, permission: Permission = Permission.VIEW_ANALYTICS) -> Competitor:
    return access_in_workspace(user, Competitor.objects.select_related("workspace"), competitor_id, "competitor",
                               permission)
