"""Who may see and run a contest: the workspace's permission check for one of them."""

from stoa.contests.models import Contest
from stoa.workspaces.access import Permission, access_in_workspace


def access_contest(user, contest_id: int, permission: Permission = Permission.VIEW_PUBLICATIONS) -> Contest:
    return access_in_workspace(user, Contest.objects.all(), contest_id, "contest", permission)
