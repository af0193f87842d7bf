"""The roles' permissions: the workspace names its own, each app above adds its own (stoa/<app>/permissions.py,
imported when the app is ready), and what each role may do is this table."""

import pytest

from stoa.workspaces.access import ROLE_PERMISSIONS, Permission, grant

EVERYONE_WHO_MANAGES = {"view", "view_publications", "edit_posts", "publish", "manage_channels", "manage_workspace",
                        "view_audit", "view_analytics", "view_inbox", "answer_inbox", "approve", "send_to_client",
                        "listen", "run_contests", "plan_campaigns", "view_leaders", "watch_competitors"}
TABLE = {
    "owner": EVERYONE_WHO_MANAGES,
    "manager": EVERYONE_WHO_MANAGES,
    "content_editor": {"view", "view_publications", "edit_posts", "publish", "view_analytics"},
    "community_manager": {"view", "view_publications", "view_inbox", "answer_inbox", "listen", "run_contests",
                          "view_leaders"},
    "analyst": {"view", "view_publications", "view_audit", "view_inbox", "view_analytics", "view_leaders",
                "watch_competitors"},
    "client": {"view", "client_review", "view_analytics"},
}


def test_each_role_may_do_what_the_table_says_with_the_apps_permissions_added_when_they_are_ready():
    assert {str(role): {str(p) for p in permissions} for role, permissions in ROLE_PERMISSIONS.items()} == TABLE
    assert {str(p) for p in Permission.all()} == set().union(*TABLE.values())


def test_a_permission_is_granted_once_where_it_is_defined():
    from stoa.inbox.permissions import VIEW_INBOX

    with pytest.raises(ValueError, match="view_inbox"):
        grant("view_inbox", "client")
    assert VIEW_INBOX not in ROLE_PERMISSIONS["client"]


def test_the_workspaces_access_module_names_no_app_above_it():
    from pathlib import Path

    import stoa.workspaces.access

    source = Path(stoa.workspaces.access.__file__).read_text()
    assert not any(word in source for word in ("inbox", "approve", "client_review", "send_to_client"))
