"""The audience's permissions, added to the workspace's (stoa.workspaces.access) when the app is ready."""

from stoa.workspaces.access import MANAGERS, grant
from stoa.workspaces.models import Role

# See the opinion leaders (people from the inbox, with what they wrote) and export them. Clients see the brand's
# figures on the analytics pages, not the people behind them.
VIEW_LEADERS = grant("view_leaders", *MANAGERS, Role.COMMUNITY_MANAGER, Role.ANALYST)
# Add and remove the competitors the workspace watches (seeing them needs only VIEW_ANALYTICS).
WATCH_COMPETITORS = grant("watch_competitors", *MANAGERS, Role.ANALYST)
