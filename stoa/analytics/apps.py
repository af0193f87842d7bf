from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "stoa.analytics"

    def ready(self) -> None:
        from stoa.analytics import tasks  # noqa: F401 - queues a backfill when a channel is connected
