from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Holds no models: only the commands `bench`, `generate_portfolio`, `generate_results` and `load_demo`."""

    name = "devtools"
    verbose_name = "Development tools"
