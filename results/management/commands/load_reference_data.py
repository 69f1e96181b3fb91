from django.core.management.base import BaseCommand
from django.db import transaction

from grants.models import AgreementTemplate, Facility, FundingWindow, Theme
from grants.reference import load_reference_data
from members.models import Constituency, GoverningBody
from results.models import Indicator, Outcome, PortfolioTarget
from results.reference import load_framework

# What the reference data is made of, as the command reports it.
REFERENCE_MODELS = [
    Constituency,
    GoverningBody,
    FundingWindow,
    Facility,
    Theme,
    AgreementTemplate,
    Outcome,
    Indicator,
    PortfolioTarget,
]


class Command(BaseCommand):
    help = (
        "Load the reference data a deployment starts from (idempotent): the constituencies and governing bodies, "
        "the funding windows and their facilities, the themes, the default agreement texts, and the corporate "
        "results framework with its published targets. Rows already there are brought up to date; nothing else "
        "is touched."
    )

    def handle(self, *args, **options):
        before = _counts()
        with transaction.atomic():
            load_reference_data()
            load_framework()
        after = _counts()
        added = {name: after[name] - before[name] for name in after if after[name] != before[name]}
        if not added:
            self.stdout.write("The reference data is already loaded; nothing was added.")
            return
        listed = ", ".join(f"{count} {name}" for name, count in added.items())
        self.stdout.write(self.style.SUCCESS(f"Reference data loaded: {listed}."))


def _counts() -> dict[str, int]:
    return {str(model._meta.verbose_name_plural): model.objects.count() for model in REFERENCE_MODELS}
