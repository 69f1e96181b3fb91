from django.core.management.base import BaseCommand

from devtools.generators.results import generate_results
from grants.models import Project


class Command(BaseCommand):
    help = (
        "Generate deterministic synthetic results for every project that has none yet: the corporate "
        "framework if there is none, then results, indicators, reporting periods, targets and approved reports."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1, help="The same seed gives the same figures.")

    def handle(self, *args, seed: int, **options):
        result = generate_results(projects=Project.objects.all(), seed=seed)
        if result.framework_created:
            self.stdout.write("Created the corporate results framework.")
        if not result.projects:
            self.stdout.write("Every project already has results; nothing was changed.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated results for {result.projects} projects: {result.indicators} indicators, "
                f"{result.periods} reporting periods, {result.reports} reports and {result.values} values "
                f"(seed {seed})."
            )
        )
