from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "stoa.approvals"

    def ready(self) -> None:
        from stoa.approvals import (
            actions,  # noqa: F401 - connects the approval flow to posts.signals.content_edited
            permissions,  # noqa: F401 - adds the approvals' permissions to the roles
        )
