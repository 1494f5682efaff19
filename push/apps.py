from django.apps import AppConfig


class PushConfig(AppConfig):
    name = "push"
    verbose_name = "Web Push"

    def ready(self) -> None:
        from push import receivers  # noqa: F401 (connects the signal receivers)
