"""The contests' permission, added to the workspace's (stoa.workspaces.access) when the app is ready."""

from stoa.workspaces.access import MANAGERS, grant
from stoa.workspaces.models import Role

# Make contests, freeze their entries, draw and announce the winners.
RUN_CONTESTS = grant("run_contests", *MANAGERS, Role.COMMUNITY_MANAGER)
