"""Listening's permission, added to the workspace's (stoa.workspaces.access) when the app is ready."""

from stoa.workspaces.access import MANAGERS, grant
from stoa.workspaces.models import Role

# Write the workspace's listening queries, send a hit to the inbox, take a trend into the plan.
LISTEN = grant("listen", *MANAGERS, Role.COMMUNITY_MANAGER)
