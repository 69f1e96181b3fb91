from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResultsConfig(AppConfig):
    name = "results"
    verbose_name = _("Results framework")

    def ready(self) -> None:
        from common.figures import watch
        from grants.hooks import awarded, end_date_moved
        from grants.sections import public_page, staff_record
        from grants.selectors.closeout import report_checks
        from grants.todos import register_todos

        from .figures import read_by_no_figure
        from .selectors import closeout_report_items
        from .services import reporting_periods_extend
        from .todos import report_todos
        from .views import project_record_section, project_results_section

        public_page.register(project_results_section)
        staff_record.register(project_record_section)
        register_todos(report_todos)
        awarded.register(plan_at_award)
        report_checks.register(closeout_report_items)
        end_date_moved.register(reporting_periods_extend)
        # The results against targets on the public and donor pages are kept in the cache (common.figures):
        # a change of any row of this app forgets them, except a draft's, which no figure reads.
        watch(self.get_models(), unread=read_by_no_figure)


def plan_at_award(project) -> None:
    """A grant awarded owes the standard reports from the day it is signed."""
    from .requirements import reporting_requirements_plan

    reporting_requirements_plan(project=project)
