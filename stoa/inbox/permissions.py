"""The inbox's permissions, added to the workspace's (stoa.workspaces.access) when the app is ready."""

from stoa.workspaces.access import MANAGERS, grant
from stoa.workspaces.models import Role

# The comments, mentions and messages people send the brand.
VIEW_INBOX = grant("view_inbox", *MANAGERS, Role.COMMUNITY_MANAGER, Role.ANALYST)
# Take, answer and close them.
ANSWER_INBOX = grant("answer_inbox", *MANAGERS, Role.COMMUNITY_MANAGER)
