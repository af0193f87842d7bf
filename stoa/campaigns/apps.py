from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "stoa.campaigns"

    def ready(self) -> None:
        from stoa.campaigns import permissions  # noqa: F401 - adds the campaigns' permission to the roles
