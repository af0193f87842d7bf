from django.apps import AppConfig


class ListeningConfig(AppConfig):
    name = "stoa.listening"
    verbose_name = "Listening"

    def ready(self) -> None:
        from stoa.listening import permissions  # noqa: F401 - adds listening's permission to the roles
