from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "stoa.inbox"

    def ready(self) -> None:
        from stoa.inbox import permissions  # noqa: F401 - adds the inbox's permissions to the roles
