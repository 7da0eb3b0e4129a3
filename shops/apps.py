from django.apps import AppConfig


class ShopsConfig(AppConfig):
    name = "shops"
    verbose_name = "Shops"

    def ready(self) -> None:
        from shops.rest import schema  # noqa: F401  (registers the OpenAPI auth extension)
