from django.apps import AppConfig


class AudienceConfig(AppConfig):
    name = "stoa.audience"
    verbose_name = "Audience: opinion leaders and competitors"

    def ready(self) -> None:
        from stoa.audience import permissions  # noqa: F401 - adds the audience's permissions to the roles
