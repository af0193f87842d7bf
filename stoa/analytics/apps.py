from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "stoa.analytics"

    def ready(self) -> None:
        from stoa.analytics import collect, tasks  # noqa: F401 - tasks queues a backfill when a channel is connected
        from stoa.channels.signals import counts_pushed

        # Counts that come with the inbox's pages (Telegram's reactions), which the inbox hands over without knowing
        # the analytics.
        counts_pushed.connect(collect.on_counts_pushed, dispatch_uid="stoa.analytics.keep_pushed_counts")
