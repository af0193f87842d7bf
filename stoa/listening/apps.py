from django.apps import AppConfig


class ListeningConfig(AppConfig):
    name = "stoa.listening"
    verbose_name = "Listening"
