"""The approvals' permissions, added to the workspace's (stoa.workspaces.access) when the app is ready."""

from stoa.workspaces.access import MANAGERS, grant
from stoa.workspaces.models import Role

APPROVE = grant("approve", *MANAGERS)  # decide in the internal review
SEND_TO_CLIENT = grant("send_to_client", *MANAGERS)  # send posts to the client for approval
CLIENT_REVIEW = grant("client_review", Role.CLIENT)  # see and decide on what was sent to the client
