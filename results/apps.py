from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResultsConfig(AppConfig):
    name = "results"
    verbose_name = _("Results framework")

    def ready(self) -> None:
        from grants.sections import register_project_section

        from .views import project_results_section

        register_project_section(project_results_section)
