from django.apps import AppConfig
from django.db.models.signals import post_save, pre_delete
from django.utils.translation import gettext_lazy as _


class GrantsConfig(AppConfig):
    name = "grants"
    verbose_name = _("Funding and projects")

    def ready(self) -> None:
        from common.figures import watch, watch_appended, watch_rows, written_by_the_database
        from members.landing import register_landing
        from members.models import Organisation

        from .admin.payments import project_payments_section
        from .models import (
            Allocation,
            Application,
            Call,
            City,
            Closeout,
            Contribution,
            ExchangeRate,
            Facility,
            FundingWindow,
            GrantAgreement,
            Project,
            ProjectCountry,
            ProjectPartner,
            ReviewAssignment,
            Theme,
            Tranche,
            Transaction,
        )
        from .portal import partner_landing
        from .sections import staff_record
        from .selectors.agreements import signature_todos
        from .selectors.calls import draft_todos
        from .selectors.consortia import invitation_todos
        from .selectors.messages import message_todos
        from .services.catalogue import refuse_deleting_a_record_in_use
        from .services.places import queue_city_locating
        from .todos import register_todos

        register_landing(partner_landing)
        register_todos(draft_todos)
        register_todos(invitation_todos)
        register_todos(message_todos)
        register_todos(signature_todos)

        staff_record.register(project_payments_section)

        for model in (FundingWindow, Facility, Theme, City):
            pre_delete.connect(refuse_deleting_a_record_in_use, sender=model, dispatch_uid=f"in-use-{model.__name__}")

        post_save.connect(queue_city_locating, sender=City, dispatch_uid="locate-city")

        # What the portfolio's cached figures (the home page's, results') are made of: a change forgets them.
        watch_appended([Transaction])  # ledger rows are only ever added
        watch(
            [
                ExchangeRate,
                Contribution,
                Allocation,
                Project,
                ProjectCountry,
                ProjectPartner,  # what the admin's project list searches, with the organisations and cities
                FundingWindow,
                Facility,
                Theme,
                City,
                Organisation,
            ]
        )
        # What the database writes of the projects when these change (grants/migrations/0032): their search document.
        written_by_the_database(
            [City, Organisation, ProjectPartner, Project.cities.through], Project, fields=["search_document"]
        )
        # What only the admin's lists and the work queue keep of them (counts, a date drill-down) is forgotten when
        # they change.
        watch_rows([Application, Call, ReviewAssignment, Tranche, GrantAgreement, Closeout])
