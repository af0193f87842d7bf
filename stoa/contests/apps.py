from django.apps import AppConfig


class ContestsConfig(AppConfig):
    name = "stoa.contests"

    def ready(self) -> None:
        from stoa.contests import permissions  # noqa: F401 - adds the contests' permission to the roles
