from django.apps import AppConfig


class ChannelsAdaptersConfig(AppConfig):
    name = "channels_adapters"
    verbose_name = "Channels"

    def ready(self) -> None:
        from channels_adapters import account_cache  # noqa: F401  (watches its models from now)
