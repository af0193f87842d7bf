"""The paid campaigns' permission, added to the workspace's (stoa.workspaces.access) when the app is ready."""

from stoa.workspaces.access import MANAGERS, grant

# Plan paid campaigns, export them to the ads platforms and import their results: money is spent, so managers only.
PLAN_CAMPAIGNS = grant("plan_campaigns", *MANAGERS)
