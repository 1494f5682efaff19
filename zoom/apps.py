from django.apps import AppConfig


class ZoomConfig(AppConfig):
    name = "zoom"
    verbose_name = "Zoom integration"
