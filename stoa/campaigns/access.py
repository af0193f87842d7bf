"""Who may see and plan a paid campaign: the workspace's permission check for one of them."""

from stoa.campaigns.models import Campaign
from stoa.workspaces.access import Permission, access_in_workspace


def access_campaign(user, campaign_id: int, permission: Permission = Permission.VIEW_ANALYTICS) -> Campaign:
    return access_in_workspace(user, Campaign.objects.all(), campaign_id, "campaign", permission)
